"""Demo staff: answer and end handoffs in the product's database, as the staff console would."""
from __future__ import annotations

import random
import threading
from typing import Dict, List, Optional, Tuple

from assistant.handoff.profile import HandoffProfile, satisfaction_buttons
from assistant.handoff.store import HandoffError, HandoffStore
from assistant.staff.accounts import AccountError, StaffAccounts
from assistant.storage.models import CHAT_STATUSES, OPEN_STATUSES, Handoff

USERNAME = "demo-staff"
DISPLAY_NAME = "デモ職員"
UNUSABLE_PASSWORD = "!demo-account-cannot-log-in"
# Outcomes by reason (weights): most chats are answered; kiosk calls end at the desk.
OUTCOMES: Dict[str, Tuple[Tuple[str, int], ...]] = {
    "kiosk_call": (("in_person", 70), ("answered", 20), ("referred", 5), ("other", 5)),
    "guide_stuck": (("answered", 52), ("in_person", 30), ("phone", 8), ("no_reply", 3), ("other", 5)),
    "": (("answered", 50), ("in_person", 20), ("referred", 12), ("phone", 8), ("no_reply", 3), ("other", 6)),
}


class DemoStaff:
    """One inactive account, 「デモ職員」, that replies to and resolves the demo's handoffs."""

    def __init__(self, store: HandoffStore, profile: HandoffProfile) -> None:
        self.store, self.profile = store, profile
        self.lock = threading.Lock()
        self._id: Optional[int] = None

    @property
    def staff_id(self) -> int:
        with self.lock:
            if self._id is None:
                accounts = StaffAccounts(self.store.engine)
                user = accounts.staff_by_username(USERNAME)
                if user is None:
                    try:
                        accounts.create_staff(USERNAME, DISPLAY_NAME, UNUSABLE_PASSWORD)
                    except AccountError:  # made by another run just now
                        pass
                    accounts.set_active(USERNAME, False)  # nobody can log in with it
                    user = accounts.staff_by_username(USERNAME)
                self._id = user.id
            return self._id

    def record(self, handoff_id: int, sender: str) -> Handoff:
        from assistant.demo.client import DemoError

        try:
            record = self.store.get(handoff_id)
        except HandoffError:
            record = None
        if record is None or record.conversation_id != sender:
            raise DemoError(f"handoff {handoff_id} of {sender} is not in this database: the assistant uses another "
                            "product database (pass its --database-url)")
        return record

    def reply(self, handoff_id: int, text: str) -> None:
        self.store.reply(handoff_id, self.staff_id, text)

    def closing(self) -> Tuple[str, List[Dict[str, str]]]:
        """The closing message with the 1-5 satisfaction question (the console's own)."""
        text = self.profile.text("resolved") + "\n" + self.profile.text("satisfaction")
        return text, satisfaction_buttons()

    def resolve(self, handoff_id: int, outcome: str) -> Handoff:
        record = self.store.get(handoff_id)
        text, buttons = self.closing() if record.status in CHAT_STATUSES else (None, None)
        return self.store.resolve(handoff_id, self.staff_id, outcome, "", closing_text=text, closing_buttons=buttons)

    def close_left_open(self, sender: str) -> None:
        """Ends whatever the demo left open for this conversation, so the live queue keeps nothing of it."""
        record = self.store.open_handoff(sender)
        if record is not None and record.status == "callback_collecting":
            self.store.cancel(record)
        elif record is not None and record.status in OPEN_STATUSES:
            self.store.resolve(record.id, self.staff_id, "no_reply", "")
        self.store.take_pending(sender)  # what a resident who left never fetched

    @staticmethod
    def outcome(rng: random.Random, reason: str) -> str:
        options = OUTCOMES.get(reason, OUTCOMES[""])
        return rng.choices([o for o, _ in options], [w for _, w in options])[0]
