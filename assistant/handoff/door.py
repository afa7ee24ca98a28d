"""What every channel does at the door for a conversation with a handoff: while staff have it, the
resident's messages go to them and the bot stays silent; a consented callback number is taken from
the raw text into the handoff record only; staff replies waiting for the resident are handed out."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from assistant.handoff.profile import HandoffProfile
from assistant.handoff.store import HandoffStore
from assistant.privacy.redact import PHONE, find_phones
from assistant.storage.models import CHAT_STATUSES, HandoffMessage, utcnow

STAFF_PREFIX = "【職員より】"
LEFT_NOTE = "住民が「おわる」を押して画面を離れました。呼び出しは取り消されました。"


def as_reply(message: HandoffMessage, sender: str) -> Dict[str, Any]:
    """A staff (or closing) message in the shape of the assistant's own replies."""
    text = message.text if message.author != "staff" else f"{STAFF_PREFIX}{message.text}"
    reply: Dict[str, Any] = {"recipient_id": sender, "text": text,
                             "custom": {"from": message.author, "message_id": message.id}}
    if message.buttons:
        reply["buttons"] = message.buttons
    return reply


class HandoffDoor:
    """The handoff side of a channel; every method is synchronous (call it from a worker thread)."""

    def __init__(self, store: HandoffStore, profile: HandoffProfile) -> None:
        self.store = store
        self.profile = profile

    def hold(self, sender: str, raw_text: str, redacted_text: str) -> Optional[List[Dict[str, Any]]]:
        """The replies when staff have the conversation (the bot must not see it), else None."""
        handoff = self.store.open_handoff(sender)
        if handoff is None:
            return None
        if handoff.status in CHAT_STATUSES:
            self.store.add_resident_message(handoff, redacted_text)
            replies = self.pending(sender)
            if not replies:
                replies = [{"recipient_id": sender, "text": self.profile.text("received"),
                            "custom": {"from": "system", "handoff": handoff.status}}]
            return replies
        if handoff.status == "callback_collecting":
            phones = find_phones(raw_text)
            if phones:
                when = re.sub(r"\s+", " ", redacted_text.replace(PHONE, " ")).strip(" 、,。")
                self.store.save_callback(handoff, phones[0], when)
        return None  # the bot goes on (and confirms a callback number, or asks again)

    def before(self, sender: str, raw_text: str, redacted_text: str) -> Tuple[Optional[List[Dict[str, Any]]], List[Dict[str, Any]]]:
        """Both door steps in one call: (the replies when staff hold it, else None; staff messages waiting)."""
        has_open, pending = self.store.door_state(sender)
        if not has_open and not pending:
            return None, []  # the usual case: one small query and nothing else
        held = self.hold(sender, raw_text, redacted_text) if has_open else None
        return held, ([] if held is not None else self.pending(sender))

    def leave(self, sender: str) -> bool:
        """The resident ended at the kiosk (おわる) while waiting: the handoff is cancelled and staff read why."""
        handoff = self.store.open_handoff(sender)
        if handoff is None:
            return False
        self.store.cancel(handoff)
        note = HandoffMessage(handoff_id=handoff.id, conversation_id=handoff.conversation_id, channel=handoff.channel,
                              author="bot", text=LEFT_NOTE, delivered_at=utcnow())
        with self.store.Session() as s, s.begin():
            s.add(note)
        return True

    def pending(self, sender: str) -> List[Dict[str, Any]]:
        return [as_reply(m, sender) for m in self.store.take_pending(sender)]
