"""Handing a conversation to a person: the handoff record and the queue message, or outside office
hours the desk's next opening and a consented callback; and the satisfaction answer afterwards."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Answers
from assistant.channels.common import CHANNELS
from assistant.handoff.buttons import BUTTON_MARK, payload_title
from assistant.handoff.profile import HandoffProfile, load_handoff_profile
from assistant.handoff.store import HandoffStore
from assistant.knowledge.office_hours import JST, OfficeHours, describe, load_office_hours
from assistant.settings import Settings

KNOWN_CHANNELS = CHANNELS
MAX_TRANSCRIPT = 80
CANCEL_RE = re.compile(r"やめ|止め|キャンセル|いらない|結構|けっこう|不要|cancel", re.I)
Clock = Callable[[], dt.datetime]


@lru_cache(maxsize=1)
def get_store() -> HandoffStore:
    """The handoff store of this process (built on first use)."""
    return HandoffStore.from_url(Settings.from_env().database_url)


def transcript_of(tracker: Tracker) -> List[Dict[str, Any]]:
    """The conversation so far as staff read it; button presses show the button's title."""
    lines: List[Dict[str, Any]] = []
    titles: Dict[str, str] = {}
    for event in tracker.events or []:
        kind = event.get("event")
        at = event.get("timestamp")
        when = dt.datetime.fromtimestamp(at, JST).isoformat(timespec="seconds") if at else None
        if kind == "bot" and event.get("text"):
            buttons = (event.get("data") or {}).get("buttons") or []
            titles.update({b.get("payload"): b.get("title") for b in buttons if isinstance(b, dict)})
            lines.append({"who": "bot", "text": event["text"], "at": when})
        elif kind == "user":
            text = event.get("text") or ""
            if text.startswith("/"):
                title = payload_title(text, event.get("input_channel"), titles)
                text = f"{BUTTON_MARK}{title or text}"
            if text:
                lines.append({"who": "resident", "text": text, "at": when})
    return lines[-MAX_TRANSCRIPT:]


def _user_metadata(tracker: Tracker) -> Dict[str, Any]:
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


class HandoffResponder:
    """Opens handoffs and runs the callback and satisfaction turns."""

    def __init__(self, answers: Answers, store: Optional[HandoffStore] = None, profile: Optional[HandoffProfile] = None,
                 hours: Optional[OfficeHours] = None, clock: Optional[Clock] = None) -> None:
        knowledge_dir = Settings.from_env().knowledge_dir if profile is None or hours is None else None
        self.answers = answers
        self._store = store
        self.profile = profile or load_handoff_profile(knowledge_dir)
        self.hours = hours or load_office_hours(knowledge_dir)
        self.clock = clock or (lambda: dt.datetime.now(JST))

    @property
    def store(self) -> HandoffStore:
        return self._store or get_store()

    def _desk(self) -> Dict[str, str]:
        return self.answers.knowledge.municipality["desk"]

    def open(self, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, topic: Optional[str] = None,
             guide_id: Optional[str] = None, step_no: Optional[int] = None, step_title: Optional[str] = None,
             prefix: Optional[str] = None) -> List[Dict[str, Any]]:
        """Queues the resident for staff; outside office hours, says when the desk opens and offers a callback."""
        channel = tracker.get_latest_input_channel() or "rest"
        channel = channel if channel in KNOWN_CHANNELS else "rest"
        kiosk = str(_user_metadata(tracker).get("kiosk") or "")[:32] or None
        reason = "kiosk_call" if reason == "asked" and channel == "kiosk" else reason
        now = self.clock()
        # Someone at a kiosk stands in city hall: staff there are called whatever the desk's hours.
        if not (reason == "kiosk_call" or self.hours.is_open(now)):
            return self._closed(dispatcher, tracker, now, reason, topic, prefix)
        record, _created = self.store.open(
            conversation_id=tracker.sender_id, channel=channel, reason=reason, topic=topic, guide_id=guide_id,
            guide_step=step_no, guide_step_title=step_title, kiosk_id=kiosk, transcript=transcript_of(tracker),
        )
        if channel == "kiosk":
            text = self.profile.text("queued_kiosk", kiosk=f"キオスク {kiosk}" if kiosk else "キオスク")
        else:
            position = self.store.queue_position(record) or 1
            minutes = position * self.store.typical_minutes(self.profile.minutes_per_resident)
            text = self.profile.text("queued", position=position, minutes=minutes)
        dispatcher.utter_message(text="\n".join(t for t in (prefix, text) if t),
                                 json_message={"handoff": {"id": record.id, "status": record.status}})
        return [SlotSet("fallback_count", 0.0), SlotSet("handoff_stage", None)]

    def _next(self, now: dt.datetime) -> str:
        opening = self.hours.next_opening(now)
        return describe(opening) if opening else "窓口の受付時間"

    def _closed(self, dispatcher, tracker, now: dt.datetime, reason: str, topic: Optional[str],
                prefix: Optional[str]) -> List[Dict[str, Any]]:
        day_reason = self.hours.closed_reason(now.astimezone(JST).date())
        why = f"（{day_reason}）" if day_reason else ""
        text = self.profile.text("closed", desk=self._desk()["name"], why=why, next=self._next(now))
        offer = self.profile.text("callback_offer")
        dispatcher.utter_message(
            text="\n".join(t for t in (prefix, text, offer) if t),
            buttons=[{"title": "折り返し電話を希望する", "payload": '/handoff_callback{"answer":"yes"}'},
                     {"title": "希望しない", "payload": '/handoff_callback{"answer":"no"}'}],
        )
        return [SlotSet("fallback_count", 0.0), SlotSet("handoff_stage", f"offered:{reason}:{topic or ''}")]

    # --- the callback -------------------------------------------------------------------------
    def callback(self, dispatcher, tracker: Tracker, answer: Optional[str]) -> List[Dict[str, Any]]:
        stage = tracker.get_slot("handoff_stage") or ""
        if answer == "yes":
            dispatcher.utter_message(
                text=self.profile.text("callback_consent", days=Settings.from_env().retention_days),
                buttons=[{"title": "同意する", "payload": '/handoff_callback{"answer":"consent"}'},
                         {"title": "やめる", "payload": '/handoff_callback{"answer":"no"}'}],
            )
            return []
        if answer == "consent":
            _, reason, topic = (stage.split(":") + ["", "", ""])[:3] if stage.startswith("offered") else ("", "asked", "")
            self.store.open(conversation_id=tracker.sender_id, channel=tracker.get_latest_input_channel() or "rest",
                            reason=reason or "asked", topic=topic or None, status="callback_collecting",
                            transcript=transcript_of(tracker))
            dispatcher.utter_message(text=self.profile.text("callback_ask"),
                                     buttons=[{"title": "やめる", "payload": '/handoff_callback{"answer":"no"}'}])
            return [SlotSet("handoff_stage", "phone")]
        return self._decline(dispatcher, tracker)

    def _decline(self, dispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        record = self.store.open_handoff(tracker.sender_id)
        if record is not None and record.status == "callback_collecting":
            self.store.cancel(record)
        desk = self._desk()
        dispatcher.utter_message(text=self.profile.text("callback_declined", desk=desk["name"], phone=desk["phone"],
                                                        next=self._next(self.clock())),
                                 buttons=self.answers.menu_buttons())
        return [SlotSet("handoff_stage", None)]

    def phone_turn(self, dispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        """A typed message while the callback number is asked for (the channel took the number, if any)."""
        record = self.store.open_handoff(tracker.sender_id)
        if record is not None and record.status == "callback_requested":
            dispatcher.utter_message(text=self.profile.text("callback_done", next=self._next(self.clock())),
                                     buttons=self.answers.menu_buttons())
            return [SlotSet("handoff_stage", None)]
        if record is None or CANCEL_RE.search((tracker.latest_message or {}).get("text") or ""):
            return self._decline(dispatcher, tracker)
        dispatcher.utter_message(text=self.profile.text("callback_retry"),
                                 buttons=[{"title": "やめる", "payload": '/handoff_callback{"answer":"no"}'}])
        return []

    # --- after staff resolved -----------------------------------------------------------------
    def feedback(self, dispatcher, tracker: Tracker, score: Optional[str]) -> List[Dict[str, Any]]:
        try:
            value = int(score or "")
        except ValueError:
            value = 0
        if 1 <= value <= 5:
            self.store.record_satisfaction(tracker.sender_id, value)
        dispatcher.utter_message(text=self.profile.text("thanks"), buttons=self.answers.menu_buttons())
        return []
