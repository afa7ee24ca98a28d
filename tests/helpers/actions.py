"""Running an action as the action server does: a resident's tracker and the messages and events it gives."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(intent: str, text: str, entities: Optional[List[Dict[str, Any]]] = None,
            ranking: Optional[List[Dict[str, Any]]] = None, slots: Optional[Dict[str, Any]] = None,
            entry: Optional[str] = None) -> Tracker:
    """A resident's tracker whose latest message is `text`, understood as `intent` (and, with `entry`, the NLU's
    entry choice `topic/entry`; without it the actions fall back to picking the topic's entry themselves)."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
    }
    if entry:
        latest["response_selector"] = {"default": {"ranking": [{"intent_response_key": entry, "confidence": 0.9}], "parts": []}}
    return Tracker("resident-1", slots or {}, latest, [], False, None, {}, "action_listen")


async def run(action, t: Tracker):
    """The messages the action sends and the events it returns."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events
