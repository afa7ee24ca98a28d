"""The review queue's items: residents' messages gathered from the tracker store (redacted again), and staff's decisions."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from assistant.analytics.anonymize import label, resident_text
from assistant.analytics.collect import event_data
from assistant.analytics.period import utc_from_epoch
from assistant.analytics.watermark import advance_watermark, lock_watermark
from assistant.storage.models import ReviewItem, utcnow

# Why a message came to the queue, and how strongly (a stronger reason replaces a weaker one).
KINDS = {
    "unplaced": "ナビが話題を決められなかった",
    "out_of_scope": "対象外と判断した",
    "unhelpful": "「役に立たなかった」が押された",
    "stuck": "手順の途中で「わからない」",
    "handoff": "そのあと職員に相談した",
    "low_confidence": "自信の低い回答",
}
_STRENGTH = {"low_confidence": 0, "out_of_scope": 1, "unplaced": 1, "stuck": 2, "handoff": 2, "unhelpful": 3}
DECISIONS = {"entry": "回答を選んだ", "new_answer": "新しい回答が必要", "not_in_scope": "対象外"}
# An answer given with less belief than this is worth a look (FallbackClassifier asks back under 0.5);
# the console uses MADOGUCHI_REVIEW_CONFIDENCE (Settings.review_confidence), whose default this is.
LOW_CONFIDENCE = 0.7
# A 「役に立たなかった」, 「わからない」 or handoff is about the resident's question at most this long before it.
QUESTION_WINDOW_SECONDS = 30 * 60
NOT_QUESTIONS = {"greeting", "goodbye", "human_help_request", "handoff_feedback", "nlu_fallback", "out_of_scope",
                 "unclear_need_clarification", "age_band"}
BATCH_EVENTS = 5000
_EVENTS = sa.text(
    "SELECT id, sender_id, type_name, timestamp, data FROM events WHERE id > :after AND "
    "(type_name = 'user' OR (type_name = 'slot' AND action_name = 'guide_event')) ORDER BY id LIMIT :limit")
_BEFORE = sa.text(
    "SELECT id, type_name, timestamp, data FROM events WHERE sender_id = :sender AND id < :id "
    "AND type_name IN ('user', 'session_started') ORDER BY id DESC LIMIT 8")


def entry_key(value: Any) -> Optional[str]:
    """A `topic/entry` id (two labels and a slash); anything else (free text) is dropped."""
    if not isinstance(value, str) or value.count("/") != 1 or len(value) > 130:
        return None
    topic, entry = value.split("/")
    return value if label(topic) and label(entry) else None


@dataclass(frozen=True)
class Said:
    """What the NLU made of one resident message."""

    text: str
    intent: Optional[str]
    confidence: Optional[float]
    ranking: Tuple[str, ...]  # entry keys, likeliest first
    entities: Dict[str, Any]
    channel: Optional[str]

    @classmethod
    def of(cls, data: Dict[str, Any]) -> "Said":
        parsed = data.get("parse_data") or {}
        intent = parsed.get("intent") or {}
        selector = ((parsed.get("response_selector") or {}).get("default") or {}).get("ranking") or []
        confidence = intent.get("confidence")
        return cls(text=data.get("text") if isinstance(data.get("text"), str) else "", intent=label(intent.get("name")),
                   confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
                   ranking=tuple(k for k in (entry_key(r.get("intent_response_key")) for r in selector
                                             if isinstance(r, dict)) if k),
                   entities={e.get("entity"): e.get("value") for e in parsed.get("entities") or [] if isinstance(e, dict)},
                   channel=label(data.get("input_channel"), 16))

    @property
    def typed(self) -> bool:
        return bool(self.text.strip()) and not self.text.startswith("/")

    @property
    def is_question(self) -> bool:
        return self.typed and bool(self.ranking) and self.intent not in NOT_QUESTIONS \
            and not (self.intent or "").startswith("guide_")

    def guess(self) -> Optional[str]:
        """The entry answered (the likeliest of the intent's topic), else the likeliest entry of any topic."""
        for key in self.ranking:
            if key.split("/", 1)[0] == self.intent:
                return key
        return self.ranking[0] if self.ranking else None


def _row(source: str, event_id: int, at: dt.datetime, kind: str, said: Said, guess: Optional[str]) -> Dict[str, Any]:
    return dict(source=source, event_id=event_id, at=at, kind=kind, text=resident_text(said.text), guess=guess,
                confidence=said.confidence, theme=guess.split("/", 1)[0] if guess else None, channel=said.channel)


class Gatherer:
    """Reads a tracker store after its own watermark ("review:<source>") into review_items."""

    def __init__(self, tracker: sa.engine.Engine, product: sa.engine.Engine, source: str = "tracker",
                 settle_seconds: float = 0, low_confidence: float = LOW_CONFIDENCE) -> None:
        self.tracker, self.product, self.source, self.settle = tracker, product, source, settle_seconds
        self.low_confidence = low_confidence

    def run(self, now: Optional[float] = None) -> int:
        with self.tracker.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                return 0
        cutoff, added = (time.time() if now is None else now) - self.settle, 0
        while True:
            with self.product.begin() as conn, self.tracker.connect() as tracker:
                after, _ = lock_watermark(conn, f"review:{self.source}")
                rows = tracker.execute(_EVENTS, {"after": after, "limit": BATCH_EVENTS}).all()
                settled = []
                for row in rows:
                    if row.timestamp is not None and row.timestamp > cutoff:
                        break
                    settled.append(row)
                for row in settled:
                    item = self._item(tracker, row)
                    if item is not None:
                        added += _keep(conn, item)
                if settled:
                    advance_watermark(conn, f"review:{self.source}", last_id=settled[-1].id)
            if not settled or len(settled) < len(rows) or len(rows) < BATCH_EVENTS:
                return added

    def _item(self, tracker, row) -> Optional[Dict[str, Any]]:
        data = event_data(row.data)
        at = utc_from_epoch(row.timestamp or 0.0)
        if row.type_name == "slot":
            value = data.get("value")
            if isinstance(value, dict) and value.get("type") == "step_stuck":
                return self._about_question(tracker, row, "stuck", None)
            return None
        said = Said.of(data)
        if said.typed and said.intent == "nlu_fallback":
            return _row(self.source, row.id, at, "unplaced", said, said.guess())
        if said.typed and said.intent == "out_of_scope":
            return _row(self.source, row.id, at, "out_of_scope", said, None)
        if said.intent == "handoff_feedback" and said.entities.get("answer") == "unhelpful":
            return self._about_question(tracker, row, "unhelpful", entry_key(said.entities.get("subtopic")))
        if said.intent == "human_help_request":
            return self._about_question(tracker, row, "handoff", None)
        if said.is_question and said.confidence is not None and said.confidence < self.low_confidence:
            return _row(self.source, row.id, at, "low_confidence", said, said.guess())
        return None

    def _about_question(self, tracker, row, kind: str, guess: Optional[str]) -> Optional[Dict[str, Any]]:
        """An item for the resident's last question before this event (in the same session, not long before)."""
        for earlier in tracker.execute(_BEFORE, {"sender": row.sender_id, "id": row.id}).all():
            if earlier.type_name == "session_started":
                return None
            if (row.timestamp or 0) - (earlier.timestamp or 0) > QUESTION_WINDOW_SECONDS:
                return None
            said = Said.of(event_data(earlier.data))
            if said.is_question:
                return _row(self.source, earlier.id, utc_from_epoch(earlier.timestamp or 0.0), kind, said,
                            guess or said.guess())
        return None


def _keep(conn, item: Dict[str, Any]) -> int:
    """Adds the item; a message already queued for a weaker reason (and still undecided) takes the stronger one."""
    if not item["text"]:
        return 0
    table = ReviewItem.__table__
    found = conn.execute(sa.select(table.c.id, table.c.kind, table.c.decision).where(
        table.c.source == item["source"], table.c.event_id == item["event_id"])).first()
    if found is None:
        conn.execute(table.insert().values(**item))
        return 1
    if found.decision is None and _STRENGTH[item["kind"]] > _STRENGTH.get(found.kind, 0):
        conn.execute(table.update().where(table.c.id == found.id).values(kind=item["kind"], guess=item["guess"],
                                                                         theme=item["theme"]))
    return 0


def pending(engine: sa.engine.Engine, limit: int = 300) -> List[ReviewItem]:
    """Items still to review, newest first."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(ReviewItem.__table__).where(
            ReviewItem.decision.is_(None), ReviewItem.text.isnot(None)).order_by(
            ReviewItem.at.desc(), ReviewItem.id.desc()).limit(limit)).all())


def recent_decisions(engine: sa.engine.Engine, limit: int = 20) -> List[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(ReviewItem.__table__).where(ReviewItem.decision.isnot(None)).order_by(
            ReviewItem.decided_at.desc(), ReviewItem.id.desc()).limit(limit)).all())


def get(engine: sa.engine.Engine, item_id: int) -> Optional[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.select(ReviewItem.__table__).where(ReviewItem.id == item_id)).first()


def decide(engine: sa.engine.Engine, item_id: int, decision: str, username: str, entry: Optional[str] = None,
           note: Optional[str] = None) -> bool:
    """Stores the decision (a later one replaces it); False when there is no such item or its text is gone."""
    if decision not in DECISIONS:
        raise ValueError(f"decision is one of {', '.join(DECISIONS)}")
    table = ReviewItem.__table__
    with engine.begin() as conn:
        return bool(conn.execute(table.update().where(table.c.id == item_id, table.c.text.isnot(None)).values(
            decision=decision, entry=entry if decision == "entry" else None,
            note=(note or "").strip()[:500] or None if decision == "new_answer" else None,
            decided_by=username[:64], decided_at=utcnow())).rowcount)
