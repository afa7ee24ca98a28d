"""Tracker-store rows as Rasa writes them and handoff records in time: a known month of conversations for analytics."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from assistant.analytics.period import Period
from assistant.handoff.store import HandoffStore
from assistant.knowledge.office_hours import JST
from tests.privacy.strategies import with_check_digit


KEY = "0123456789abcdef" * 4
OCTOBER = Period.month("2026-10")
COLLECT_NOW = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc).timestamp()
MY_NUMBER = with_check_digit("12345678901")
MYNA = "mynaportal_first_login"
MYNA_STEPS = ("prepare", "phone_install", "phone_cover", "phone_nfc", "phone_open_login")
CONVENIENCE = ["コンビニで住民票は取れますか", "住民票をコンビニで取りたい", "コンビニで住民票とれる？",
               "住民票の写しをコンビニで", "コンビニ 住民票", "コンビニで住民票を取りたいです"]


# --- tracker-store rows, written as Rasa's SQLTrackerStore writes them ------------------------
def tracker_engine(path: Path) -> sa.engine.Engine:
    from rasa.core.tracker_store import SQLTrackerStore

    engine = sa.create_engine(f"sqlite:///{path}", future=True)
    SQLTrackerStore.Base.metadata.create_all(engine)  # the `events` table, exactly as Rasa creates it
    return engine


def event_row(sender: str, event) -> Dict[str, Any]:
    """The row SQLTrackerStore.save() stores for an event."""
    data = event.as_dict()
    return {"sender_id": sender, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"), "data": json.dumps(data)}


class Conversation:
    """One session of a resident, event by event, two seconds apart."""

    def __init__(self, sender: str, start_jst: dt.datetime, channel: str, kiosk: Optional[str] = None) -> None:
        from rasa.shared.core.events import ActionExecuted, SessionStarted

        self.sender, self.channel, self.kiosk = sender, channel, kiosk
        self.t = start_jst.replace(tzinfo=JST).timestamp()
        self.events: List[Any] = []
        self._add(ActionExecuted, "action_session_start")
        self._add(SessionStarted)
        self._add(ActionExecuted, "action_listen")

    def _add(self, kind, *args, **kwargs):
        self.events.append(kind(*args, timestamp=self.t, **kwargs))
        self.t += 2
        return self

    def now(self) -> dt.datetime:
        """Naive UTC of the next event (a handoff record opened during the turn)."""
        return dt.datetime.fromtimestamp(self.t - 1, dt.timezone.utc).replace(tzinfo=None)

    def says(self, text: str, intent: str, confidence: float = 1.0):
        from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

        parsed = {"name": intent, "confidence": confidence}
        metadata = {"kiosk": self.kiosk} if self.kiosk else {}
        self._add(UserUttered, text, intent=parsed, input_channel=self.channel, metadata=metadata,
                  parse_data={"intent": parsed, "entities": [], "text": text, "intent_ranking": [parsed]})
        self._add(ActionExecuted, "action_respond")
        return self._add(BotUttered, "（応答）")

    def slot(self, name: str, value: Any):
        from rasa.shared.core.events import SlotSet

        return self._add(SlotSet, name, value)

    def topic(self, topic: str):
        return self.slot("last_topic", topic)

    def guide(self, kind: str, guide: str, step: Optional[str] = None, **extra: Any):
        return self.slot("guide_event", {"type": kind, "guide": guide, "step": step, "channel": self.channel, **extra})

    def rows(self) -> List[Dict[str, Any]]:
        return [event_row(self.sender, e) for e in self.events]


def save(engine: sa.engine.Engine, *conversations: Conversation) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    rows = [r for c in conversations for r in c.rows()]
    with engine.begin() as conn:
        conn.execute(SQLTrackerStore.SQLEvent.__table__.insert(), rows)


class Handoffs:
    """Handoff records through the real HandoffStore, moved to the conversation's time."""

    def __init__(self, store: HandoffStore) -> None:
        self.store = store
        self.opened: Dict[int, dt.datetime] = {}

    def open(self, conversation: Optional[Conversation], *, sender: Optional[str] = None, at: Optional[dt.datetime] = None,
             channel: Optional[str] = None, reason: str = "asked", status: str = "waiting", **fields: Any):
        record, created = self.store.open(conversation_id=sender or conversation.sender,
                                          channel=channel or conversation.channel, reason=reason, status=status,
                                          kiosk_id=conversation.kiosk if conversation else None,
                                          transcript=[{"who": "resident", "text": "（会話）", "at": None}], **fields)
        assert created
        self.opened[record.id] = at or conversation.now()
        self.move(record.id, self.opened[record.id])
        return record

    def move(self, handoff_id: int, at: dt.datetime) -> None:
        from assistant.storage.models import Handoff

        with self.store.Session() as s, s.begin():
            record = s.get(Handoff, handoff_id)
            record.created_at = at
            record.resolved_at = at + dt.timedelta(minutes=5) if record.resolved_at else None

    def resolve(self, record, satisfaction: Optional[int] = None) -> None:
        self.store.resolve(record.id, staff_id=None, outcome="answered", notes="")
        if satisfaction is not None:
            assert self.store.record_satisfaction(record.conversation_id, satisfaction) == record.id
        self.move(record.id, self.opened[record.id])


def october_tracker(tracker: sa.engine.Engine, handoffs: Handoffs) -> None:
    """The fixture: known conversations of October 2026 (and a few just outside it), with their handoffs."""
    day = lambda d, h, m=0: dt.datetime(2026, 10, d, h, m)  # noqa: E731 - Japan time
    conversations = []
    # Six residents on the web go through the first-login guide; five say 「わからない」 on the NFC step.
    for i in range(6):
        c = Conversation(f"web-g{i + 1}", day(5, 10, 10 * i), "rest")
        c.says("マイナポータルにログインしたい", "mynaportal_login", 0.92).topic("mynaportal_login")
        c.says('/guide_start{"guide":"mynaportal_first_login"}', "guide_start").guide("guide_started", MYNA)
        c.guide("step_shown", MYNA, "prepare", index=1, total=5)
        for n, step in enumerate(MYNA_STEPS[:3]):
            c.says("/guide_done", "guide_done").guide("step_done", MYNA, step)
            c.guide("step_shown", MYNA, MYNA_STEPS[n + 1], index=n + 2, total=5)
        if i < 5:
            c.says("/guide_stuck", "guide_stuck").guide("step_stuck", MYNA, "phone_nfc", times=1)
        if i in (0, 1, 5):
            c.says("/guide_done", "guide_done").guide("step_done", MYNA, "phone_nfc")
            c.guide("step_shown", MYNA, "phone_open_login", index=5, total=5)
            c.says("/guide_done", "guide_done").guide("step_done", MYNA, "phone_open_login")
            c.guide("guide_completed", MYNA)
        elif i == 2:  # the second 「わからない」: a person takes over
            c.says("/guide_stuck", "guide_stuck").guide("step_stuck", MYNA, "phone_nfc", times=2)
            c.guide("guide_abandoned", MYNA, "phone_nfc", reason="handoff")
            record = handoffs.open(c, reason="guide_stuck", topic="mynaportal_login", guide_id=MYNA, guide_step=4,
                                   guide_step_title="Androidのスマホでは、設定で「NFC」をオンに")
            c.slot("handoff_stage", None)
            handoffs.resolve(record, satisfaction=2)
        elif i == 3:
            c.says("/guide_stop", "guide_stop").guide("guide_abandoned", MYNA, "phone_nfc", reason="stop")
        conversations.append(c)
    # A kiosk resident stuck on the first step of the PIN reset, then gone.
    c = Conversation("kiosk-7", day(6, 14, 5), "kiosk", kiosk="3")
    c.says("/pin_forgotten_locked", "pin_forgotten_locked").topic("pin_forgotten_locked")
    c.says('/guide_start{"guide":"pin_reset"}', "guide_start").guide("guide_started", "pin_reset")
    c.guide("step_shown", "pin_reset", "desk_reserve", index=1, total=6)
    c.says("/guide_stuck", "guide_stuck").guide("step_stuck", "pin_reset", "desk_reserve", times=1)
    conversations.append(c)
    # Ten kiosk calls for staff about receiving the card: six at kiosk 1, four at kiosk 2.
    for i in range(10):
        c = Conversation(f"kiosk-k{i + 1}", day(7, 9, 5 * i), "kiosk", kiosk="1" if i < 6 else "2")
        c.says("/receive_card", "receive_card").topic("receive_card")
        c.says("/human_help_request", "human_help_request")
        record = handoffs.open(c, reason="kiosk_call", topic="receive_card")
        c.slot("fallback_count", 0.0).slot("handoff_stage", None).topic("human_help_request")
        handoffs.resolve(record)
        conversations.append(c)
    # Telegram: six ways of asking for a residence certificate at a convenience store, unanswered.
    for i, text in enumerate(CONVENIENCE):
        c = Conversation(f"tg-f{i + 1}", day(10, 20, 2 * i), "telegram")
        c.says(text, "nlu_fallback", 0.25).slot("fallback_count", 1.0)
        c.says("ありがとう", "goodbye", 0.95).topic("goodbye")
        conversations.append(c)
    c = Conversation("tg-f7", day(10, 20, 30), "telegram")  # two failures at night: a person offered, no record
    c.says("年金の手続きを知りたい", "nlu_fallback", 0.3).says("年金の手続きについて教えて", "nlu_fallback", 0.28)
    c.slot("handoff_stage", "offered:nlu_failure:")
    conversations.append(c)
    c = Conversation("tg-f8", day(10, 20, 40), "telegram")
    conversations.append(c.says("今日の天気は？", "out_of_scope", 0.88).topic("out_of_scope"))
    # A My Number and a phone number that slipped past the channel's redaction.
    c = Conversation("tg-secret-f9", day(12, 8, 15), "telegram")
    spaced = f"{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}"
    conversations.append(c.says(f"私の番号は{spaced}で、電話は090-1234-5678です", "nlu_fallback", 0.2))
    # Five web residents ask for a person about receiving the card; four answer the satisfaction question.
    for i, score in enumerate((1, 2, 2, 4, None)):
        c = Conversation(f"web-w{i + 1}", day(14, 13, 10 * i), "rest")
        c.says("マイナンバーカードの受け取りについて", "receive_card", 0.9).topic("receive_card")
        c.says("職員と話したい", "human_help_request", 0.97)
        record = handoffs.open(c, reason="asked", topic="receive_card")
        c.slot("handoff_stage", None).topic("human_help_request")
        handoffs.resolve(record, satisfaction=score)
        conversations.append(c)
    # Saturday evening: the desk is closed; a callback with the phone number kept in the record only.
    c = Conversation("web-x1", day(17, 19), "rest")
    c.says("暗証番号を忘れた", "pin_forgotten_locked", 0.93).topic("pin_forgotten_locked")
    c.says("職員と話したい", "human_help_request", 0.97).slot("handoff_stage", "offered:asked:pin_forgotten_locked")
    c.topic("human_help_request")
    c.says('/handoff_callback{"answer":"yes"}', "handoff_callback")
    c.says('/handoff_callback{"answer":"consent"}', "handoff_callback")
    record = handoffs.open(c, reason="asked", topic="pin_forgotten_locked", status="callback_collecting")
    c.slot("handoff_stage", "phone")
    c.says("［電話番号］ 午前中にお願いします", "nlu_fallback", 0.2)
    handoffs.store.save_callback(record, "090-1111-2222", "午前中にお願いします")
    c.slot("handoff_stage", None)
    conversations.append(c)
    # Around the month's edges in Japan time (the UTC date differs).
    c = Conversation("web-o1", dt.datetime(2026, 9, 30, 23, 50), "rest")
    conversations.append(c.says("手数料はいくら", "fees", 0.9).topic("fees"))
    c = Conversation("web-o2", dt.datetime(2026, 11, 1, 0, 10), "rest").says("職員と話したい", "human_help_request", 0.97)
    handoffs.open(c, reason="asked")
    conversations.append(c.slot("handoff_stage", None))
    conversations.append(Conversation("web-o3", day(1, 0, 5), "rest").says("手数料", "fees", 0.8).topic("fees"))
    # One resident, two sessions the same morning; the first leaves a guide during its first question.
    c = Conversation("web-r", day(20, 9), "rest")
    c.says("こんにちは", "greeting", 0.99).topic("greeting")
    c.says('/guide_start{"guide":"apply_smartphone"}', "guide_start").guide("guide_started", "apply_smartphone")
    c.says("/guide_stop", "guide_stop").guide("guide_abandoned", "apply_smartphone", None, reason="stop")
    conversations.append(c)
    conversations.append(Conversation("web-r", day(20, 11), "rest").says("手数料", "fees", 0.85).topic("fees"))
    conversations.append(Conversation("web-e1", day(21, 10), "rest"))  # a session without a message
    c = Conversation("web-g8", day(31, 23, 30), "rest")  # still in a guide at the end of the month
    c.says("カードを受け取りたい", "receive_card", 0.88).topic("receive_card")
    c.says('/guide_start{"guide":"receive_card"}', "guide_start").guide("guide_started", "receive_card")
    c.guide("step_shown", "receive_card", "checklist", index=1, total=4)
    conversations.append(c)
    # A record whose conversation the tracker store does not have.
    ghost = handoffs.open(None, sender="tg-ghost", channel="telegram", at=dt.datetime(2026, 10, 15, 3, 0))
    handoffs.store.cancel(ghost)
    handoffs.move(ghost.id, handoffs.opened[ghost.id])
    save(tracker, *conversations)
