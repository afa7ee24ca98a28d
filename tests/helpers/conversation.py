"""A conversation with action_respond in the test process: slots carried from turn to turn as Rasa would,
with its own handoff store (a temporary SQLite file) and, when given, a frozen clock."""
import datetime as dt
import itertools
import json
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.respond import ActionRespond
from assistant.handoff.store import HandoffStore
from assistant.knowledge.office_hours import JST

# A Thursday at 10:00, when the sample city's desk is open.
OPEN_HOURS = dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
_ids = itertools.count(1)


@lru_cache(maxsize=1)
def handoff_store() -> HandoffStore:
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-handoff-"))
    return HandoffStore.from_url(f"sqlite:///{folder / 'handoff.db'}", upgrade=True)


class Conversation:
    def __init__(self, knowledge, channel: str = "rest", now: Optional[dt.datetime] = None,
                 metadata: Optional[Dict[str, Any]] = None) -> None:
        self.store = handoff_store()
        self.now = now or OPEN_HOURS
        self.action = ActionRespond(knowledge, store=self.store, clock=lambda: self.now)
        self.slots: Dict[str, Any] = {}
        self.channel = channel
        self.metadata = metadata or {}
        self.sender = f"chat-{next(_ids)}"
        self.events: List[Dict[str, Any]] = []
        self.history: List[Dict[str, Any]] = []

    async def say(self, intent: str, text: str = "", entities: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
        latest = {
            "text": text or f"/{intent}",
            "intent": {"name": intent, "confidence": 0.95},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
            "intent_ranking": [{"name": intent, "confidence": 0.95}],
        }
        self.history.append({"event": "user", "text": text or f"/{intent}", "input_channel": self.channel,
                             "parse_data": latest, "metadata": self.metadata})
        tracker = Tracker(self.sender, dict(self.slots), latest, list(self.history), False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        new = await self.action.run(dispatcher, tracker, {})
        for event in new:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        for message in dispatcher.messages:
            self.history.append({"event": "bot", "text": message.get("text"), "data": {"buttons": message.get("buttons")}})
        self.events += new
        return dispatcher.messages

    def guide_events(self) -> List[Dict[str, Any]]:
        return [e["value"] for e in self.events if e.get("event") == "slot" and e["name"] == "guide_event"]

    def handoff(self):
        """The conversation's open handoff record, or None."""
        return self.store.open_handoff(self.sender)

    async def press(self, messages: List[Dict[str, Any]], title: str) -> List[Dict[str, Any]]:
        """Presses the button whose title contains `title` on the last message."""
        button = next(b for b in messages[-1]["buttons"] if title in b["title"])
        m = re.fullmatch(r"/(\w+)(\{.*\})?", button["payload"])
        return await self.say(m.group(1), button["payload"], json.loads(m.group(2)) if m.group(2) else None)
