"""The collector: copies what analytics needs from the tracker store's events, after a watermark, in batches."""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

import sqlalchemy as sa

from assistant.analytics.anonymize import ResidentKeys, label, resident_text
from assistant.analytics.period import day_and_hour, utc_from_epoch
from assistant.analytics.watermark import advance_watermark, lock_watermark
from assistant.storage.models import AnalyticsConversation, AnalyticsGuideEvent, AnalyticsMessage, AnalyticsTopic

DEFAULT_SOURCE = "tracker"
BATCH_EVENTS = 5000
# Events younger than this are left for the next run: on PostgreSQL a transaction still writing can hold
# a lower event id than one already committed, and a watermark that passed it would lose it for good.
SETTLE_SECONDS = 300
TRACKED_SLOTS = ("last_topic", "guide_event", "handoff_stage", "age_band")
# The bands of the optional age question (actions/age_band.py), and "declined".
AGE_BANDS = ("under20", "20s", "30s", "40s", "50s", "60s", "70s", "80plus", "declined")
GUIDE_KINDS = ("guide_started", "step_shown", "step_done", "step_stuck", "guide_completed", "guide_abandoned")
_RESIDENT_CHUNK = 500

# A slot event's action_name is the slot's name (SQLTrackerStore stores the event's "name" there).
_EVENTS_QUERY = sa.text(
    "SELECT id, sender_id, type_name, timestamp, action_name, data FROM events "
    "WHERE id > :after AND (type_name IN ('user', 'session_started') "
    f"OR (type_name = 'slot' AND action_name IN ({', '.join(repr(s) for s in TRACKED_SLOTS)}))) "
    "ORDER BY id LIMIT :limit"
)


class CollectorError(RuntimeError):
    """The source cannot be read on from its watermark."""


@dataclass
class CollectResult:
    """What one run added."""

    events: int = 0
    conversations: int = 0
    messages: int = 0
    topics: int = 0
    guide_events: int = 0
    handoffs: int = 0
    linked: int = 0
    last_id: int = 0

    def summary(self) -> str:
        return (f"analytics: read {self.events} events (up to id {self.last_id}): {self.conversations} new conversations, "
                f"{self.messages} messages, {self.topics} topics answered, {self.guide_events} guide events; "
                f"{self.handoffs} handoffs copied, {self.linked} linked to their conversation")


def tracker_url(data_dir: Path, env: Mapping[str, str]) -> str:
    """The tracker store the servers use: the production profile's PostgreSQL when MADOGUCHI_PG_HOST is set,
    else the embedded SQLite file (MADOGUCHI_TRACKER_DB, set by the launcher, or tracker.db in the data folder)."""
    if env.get("MADOGUCHI_PG_HOST"):
        return sa.engine.URL.create(
            "postgresql", username=env.get("MADOGUCHI_PG_USER") or None, password=env.get("MADOGUCHI_PG_PASSWORD") or None,
            host=env["MADOGUCHI_PG_HOST"], port=int(env["MADOGUCHI_PG_PORT"]) if env.get("MADOGUCHI_PG_PORT") else None,
            database=env.get("MADOGUCHI_PG_DB") or None,
        ).render_as_string(hide_password=False)
    path = env.get("MADOGUCHI_TRACKER_DB") or str(data_dir / "tracker.db")
    return f"sqlite:///{Path(path).resolve()}"


@dataclass
class _Conversation:
    resident: str
    first_event_id: int
    started_at: dt.datetime
    last_at: dt.datetime
    id: Optional[int] = None
    channel: Optional[str] = None
    messages: int = 0
    handoff_offered: bool = False
    awaiting_phone: bool = False
    age_band: Optional[str] = None

    def row(self, source: str) -> Dict[str, Any]:
        day, hour = day_and_hour(self.started_at)
        return dict(source=source, first_event_id=self.first_event_id, resident=self.resident, channel=self.channel,
                    started_at=self.started_at, last_at=self.last_at, local_date=day, local_hour=hour,
                    messages=self.messages, handoff_offered=self.handoff_offered, awaiting_phone=self.awaiting_phone,
                    age_band=self.age_band)


@dataclass
class _Batch:
    """Rows made from one batch of events, waiting for their conversations' ids."""

    new: List[_Conversation] = field(default_factory=list)
    messages: List[tuple] = field(default_factory=list)  # (conversation, row)
    topics: List[tuple] = field(default_factory=list)
    guide_events: List[tuple] = field(default_factory=list)
    touched: Dict[int, _Conversation] = field(default_factory=dict)  # stored conversations that changed


class TrackerCollector:
    """Reads one tracker store (a source) into the analytics tables of the product's database."""

    def __init__(self, tracker: sa.engine.Engine, product: sa.engine.Engine, keys: ResidentKeys,
                 source: str = DEFAULT_SOURCE, batch_events: int = BATCH_EVENTS,
                 settle_seconds: float = SETTLE_SECONDS) -> None:
        self.tracker, self.product, self.keys = tracker, product, keys
        self.source, self.batch_events, self.settle_seconds = source, batch_events, settle_seconds

    def run(self, now: Optional[float] = None) -> CollectResult:
        result = CollectResult()
        with self.tracker.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                return result
        cutoff = (time.time() if now is None else now) - self.settle_seconds
        while True:
            with self.product.begin() as conn:
                after, _ = lock_watermark(conn, self.source)
                result.last_id = after
                with self.tracker.connect() as tracker_conn:
                    rows = tracker_conn.execute(_EVENTS_QUERY, {"after": after, "limit": self.batch_events}).all()
                settled = []
                for row in rows:
                    if row.timestamp is not None and row.timestamp > cutoff:
                        break
                    settled.append(row)
                if not settled:
                    if not rows and after:
                        _check_not_reset(self.tracker, after, self.source)
                    return result
                self._store(conn, self._build(conn, settled), result)
                result.events += len(settled)
                result.last_id = settled[-1].id
                advance_watermark(conn, self.source, last_id=result.last_id)
            if len(settled) < len(rows) or len(rows) < self.batch_events:
                return result

    # --- events -> rows ----------------------------------------------------------------------
    def _latest(self, conn, residents: Iterable[str]) -> Dict[str, _Conversation]:
        """Each resident's latest conversation of this source already stored."""
        found: Dict[str, _Conversation] = {}
        residents = sorted(set(residents))
        table = AnalyticsConversation.__table__
        for i in range(0, len(residents), _RESIDENT_CHUNK):
            chunk = residents[i:i + _RESIDENT_CHUNK]
            rows = conn.execute(sa.select(table).where(table.c.source == self.source, table.c.resident.in_(chunk))
                                .order_by(table.c.first_event_id)).all()
            for r in rows:
                found[r.resident] = _Conversation(
                    resident=r.resident, first_event_id=r.first_event_id, started_at=r.started_at, last_at=r.last_at,
                    id=r.id, channel=r.channel, messages=r.messages, handoff_offered=r.handoff_offered,
                    awaiting_phone=r.awaiting_phone)
        return found

    def _build(self, conn, rows: List[Any]) -> _Batch:
        batch = _Batch()
        keys: Dict[str, str] = {}
        for row in rows:
            if row.sender_id not in keys:
                keys[row.sender_id] = self.keys(row.sender_id)
        current = self._latest(conn, keys.values())
        for row in rows:
            resident = keys[row.sender_id]
            at = utc_from_epoch(row.timestamp or 0.0)
            conversation = current.get(resident)
            # Rasa writes session_started at the start of every session (after 60 idle minutes, or /restart).
            boundary = row.type_name == "session_started"
            if conversation is None or boundary:
                conversation = _Conversation(resident=resident, first_event_id=row.id, started_at=at, last_at=at)
                current[resident] = conversation
                batch.new.append(conversation)
            if boundary:
                continue
            conversation.last_at = max(conversation.last_at, at)
            if conversation.id is not None:
                batch.touched[id(conversation)] = conversation
            data = event_data(row.data)
            if row.type_name == "user":
                self._message(batch, conversation, row.id, at, data)
            elif row.type_name == "slot":
                self._slot(batch, conversation, row.id, at, data)
        return batch

    def _message(self, batch: _Batch, conversation: _Conversation, event_id: int, at: dt.datetime,
                 data: Dict[str, Any]) -> None:
        intent = (data.get("parse_data") or {}).get("intent") or {}
        name = label(intent.get("name"))
        confidence = intent.get("confidence")
        text = data.get("text") if isinstance(data.get("text"), str) else ""
        typed = not text.startswith("/")
        # While the callback number is asked for, a typed message is the number and a time, not a question.
        fallback = name == "nlu_fallback" and typed and not conversation.awaiting_phone
        channel = label(data.get("input_channel"), 16)
        conversation.messages += 1
        conversation.channel = conversation.channel or channel
        day, hour = day_and_hour(at)
        batch.messages.append((conversation, dict(
            source=self.source, event_id=event_id, at=at, local_date=day, local_hour=hour, channel=channel,
            intent=name, confidence=float(confidence) if isinstance(confidence, (int, float)) else None, typed=typed,
            fallback=fallback, out_of_scope=name == "out_of_scope" and not conversation.awaiting_phone,
            text=resident_text(text) if fallback else None)))

    def _slot(self, batch: _Batch, conversation: _Conversation, event_id: int, at: dt.datetime,
              data: Dict[str, Any]) -> None:
        name, value = data.get("name"), data.get("value")
        if name == "last_topic" and label(value):
            batch.topics.append((conversation, dict(source=self.source, event_id=event_id, at=at, topic=label(value))))
        elif name == "guide_event" and isinstance(value, dict) and value.get("type") in GUIDE_KINDS:
            guide = label(value.get("guide"))
            if guide is None:
                return
            batch.guide_events.append((conversation, dict(
                source=self.source, event_id=event_id, at=at, kind=value["type"], guide=guide,
                step=label(value.get("step")), position=_small(value.get("index")), total=_small(value.get("total")),
                times=_small(value.get("times")), reason=label(value.get("reason"), 16),
                channel=label(value.get("channel"), 16))))
        elif name == "age_band":
            conversation.age_band = value if value in AGE_BANDS else None
        elif name == "handoff_stage":
            conversation.awaiting_phone = value == "phone"
            if isinstance(value, str) and value.startswith("offered:"):
                conversation.handoff_offered = True

    # --- rows -> database --------------------------------------------------------------------
    def _store(self, conn, batch: _Batch, result: CollectResult) -> None:
        for conversation in batch.new:
            conversation.id = conn.execute(
                sa.insert(AnalyticsConversation.__table__).values(**conversation.row(self.source))
            ).inserted_primary_key[0]
        result.conversations += len(batch.new)
        updates = [dict(cid=c.id, new_channel=c.channel, new_last_at=c.last_at, new_messages=c.messages,
                        new_offered=c.handoff_offered, new_phone=c.awaiting_phone, new_age=c.age_band)
                   for c in batch.touched.values()]
        if updates:
            table = AnalyticsConversation.__table__
            conn.execute(table.update().where(table.c.id == sa.bindparam("cid")).values(
                channel=sa.bindparam("new_channel"), last_at=sa.bindparam("new_last_at"),
                messages=sa.bindparam("new_messages"), handoff_offered=sa.bindparam("new_offered"),
                awaiting_phone=sa.bindparam("new_phone"), age_band=sa.bindparam("new_age")), updates)
        for model, pairs, attr in ((AnalyticsMessage, batch.messages, "messages"), (AnalyticsTopic, batch.topics, "topics"),
                                   (AnalyticsGuideEvent, batch.guide_events, "guide_events")):
            if pairs:
                conn.execute(sa.insert(model.__table__), [dict(row, conversation_id=c.id) for c, row in pairs])
            setattr(result, attr, getattr(result, attr) + len(pairs))


def _check_not_reset(tracker: sa.engine.Engine, after: int, source: str) -> None:
    """Event ids only grow; a store whose highest id is below the watermark was replaced or emptied."""
    with tracker.connect() as conn:
        highest = int(conn.execute(sa.text("SELECT MAX(id) FROM events")).scalar() or 0)
    if 0 < highest < after:  # empty: nothing to read (and PostgreSQL's ids go on from where they were)
        raise CollectorError(
            f"the tracker store's highest event id ({highest}) is below the watermark of source {source!r} ({after}): "
            "it was replaced or emptied; collect it under a new --source name")


def event_data(raw: Any) -> Dict[str, Any]:
    """A tracker event's `data` column as a dict ({} for anything that is not a JSON object)."""
    try:
        value = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _small(value: Any) -> Optional[int]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 10000:
        return None
    return int(value)


def collect(tracker_url: str, database_url: str, id_key: str, source: str = DEFAULT_SOURCE,
            now: Optional[float] = None, batch_events: int = BATCH_EVENTS, settle_seconds: float = SETTLE_SECONDS,
            upgrade: bool = True) -> CollectResult:
    """One run (`madoguchi analytics collect`): new tracker events, then handoff records, then their links."""
    from assistant.analytics.handoffs import copy_handoffs, link_handoffs
    from assistant.storage.db import make_engine, migrate

    if upgrade:
        migrate(database_url)
    keys = ResidentKeys(id_key)
    product = make_engine(database_url)
    missing = tracker_url.startswith("sqlite") and not Path(tracker_url.split("///", 1)[-1]).exists()
    tracker = None if missing else sa.create_engine(tracker_url, future=True)
    try:
        result = CollectResult()
        if tracker is not None:
            result = TrackerCollector(tracker, product, keys, source, batch_events, settle_seconds).run(now)
        result.handoffs = copy_handoffs(product, keys)
        result.linked = link_handoffs(product, utc_from_epoch(now) if now is not None else None)
        return result
    finally:
        product.dispose()
        if tracker is not None:
            tracker.dispose()
