"""Running an action as the action server does: a resident's tracker and the messages and events it gives."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(intent: str, text: str, entities: Optional[List[Dict[str, Any]]] = None,
            ranking: Optional[List[Dict[str, Any]]] = None, slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """A resident's tracker whose latest message is `text`, understood as `intent`."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
    }
    return Tracker("resident-1", slots or {}, latest, [], False, None, {}, "action_listen")


async def run(action, t: Tracker):
    """The messages the action sends and the events it returns."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events
