"""A conversation with action_respond in the test process: slots carried from turn to turn as Rasa would."""
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.respond import ActionRespond


class Conversation:
    def __init__(self, knowledge, channel: str = "rest") -> None:
        self.action = ActionRespond(knowledge)
        self.slots: Dict[str, Any] = {}
        self.channel = channel
        self.events: List[Dict[str, Any]] = []

    async def say(self, intent: str, text: str = "", entities: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
        latest = {
            "text": text or f"/{intent}",
            "intent": {"name": intent, "confidence": 0.95},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
            "intent_ranking": [{"name": intent, "confidence": 0.95}],
        }
        events = [{"event": "user", "text": text, "input_channel": self.channel, "parse_data": latest}]
        tracker = Tracker("resident", dict(self.slots), latest, events, False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        new = await self.action.run(dispatcher, tracker, {})
        for event in new:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        self.events += new
        return dispatcher.messages

    def guide_events(self) -> List[Dict[str, Any]]:
        return [e["value"] for e in self.events if e.get("event") == "slot" and e["name"] == "guide_event"]

    async def press(self, messages: List[Dict[str, Any]], title: str) -> List[Dict[str, Any]]:
        """Presses the button whose title contains `title` on the last message."""
        import json
        import re

        button = next(b for b in messages[-1]["buttons"] if title in b["title"])
        m = re.fullmatch(r"/(\w+)(\{.*\})?", button["payload"])
        return await self.say(m.group(1), button["payload"], json.loads(m.group(2)) if m.group(2) else None)
