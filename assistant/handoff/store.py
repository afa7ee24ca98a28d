"""The handoff store: handoff records and the messages between resident and staff, over SQLAlchemy (the same
code on SQLite and PostgreSQL). Staff accounts, sessions, API tokens and the audit log: assistant/staff/accounts.py."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assistant.privacy.redact import redact
from assistant.storage.db import autocommit_reads, make_engine, migrate, session_factory
from assistant.storage.models import (
    _OPEN_SQL, CHAT_STATUSES, OPEN_STATUSES, Handoff, HandoffMessage, utcnow,
)

MAX_STAFF_MESSAGE_CHARS = 2000
# The door's question for every resident message, as fixed SQL: built with the ORM it cost about
# 1.5 ms of the server's CPU per message (constructing and keying the statement), this 0.3 ms.
_DOOR_SQL = sa.text(
    f"SELECT (SELECT count(*) FROM handoffs WHERE conversation_id = :c AND {_OPEN_SQL}), "
    "(SELECT count(*) FROM handoff_messages WHERE conversation_id = :c AND delivered_at IS NULL)")


class HandoffError(ValueError):
    """A request the handoff store refuses (unknown record, wrong state, bad value)."""


class HandoffTaken(HandoffError):
    """The handoff is another staff member's: only its owner answers or resolves it, or someone takes it over."""

    def __init__(self, owner: str) -> None:
        super().__init__(f"この相談は{owner}さんが担当しています。")
        self.owner = owner


def jst_day_start(day: dt.date, days_later: int = 0) -> dt.datetime:
    """Midnight in Japan of `day` (plus some days) as naive UTC, clamped to the datetime range (0001-01-01, 9999-12-31)."""
    try:
        return dt.datetime.combine(day + dt.timedelta(days=days_later), dt.time()) - dt.timedelta(hours=9)
    except OverflowError:
        return dt.datetime.min if day.year < 5000 else dt.datetime.max


class HandoffStore:
    """All reads and writes of handoffs; one instance per process, shared by its threads."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.Session = session_factory(engine)
        self._reads = autocommit_reads(engine, future=True)  # the door's read

    @classmethod
    def from_url(cls, url: str, upgrade: bool = False) -> "HandoffStore":
        if upgrade:
            migrate(url)
        return cls(make_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    # --- the resident's side ---------------------------------------------------------------
    def open_handoff(self, conversation_id: str) -> Optional[Handoff]:
        with self.Session() as s:
            return s.execute(
                sa.select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
            ).scalars().first()

    def door_state(self, conversation_id: str) -> Tuple[bool, int]:
        """(has an open handoff, staff messages waiting): one cheap query for every resident message."""
        for attempt in (1, 2):
            try:
                with self._reads.connect() as conn:
                    has_open, pending = conn.execute(_DOOR_SQL, {"c": conversation_id}).one()
                return bool(has_open), int(pending)
            except sa.exc.DBAPIError as error:
                # A connection the database closed (a restart): SQLAlchemy has dropped the pool's
                # connections, so one more try connects afresh. Cheaper than a ping before every read.
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def open(self, *, conversation_id: str, channel: str, reason: str, status: str = "waiting",
             topic: Optional[str] = None, guide_id: Optional[str] = None, guide_step: Optional[int] = None,
             guide_step_title: Optional[str] = None, kiosk_id: Optional[str] = None,
             transcript: Sequence[Dict[str, Any]] = ()) -> Tuple[Handoff, bool]:
        """Opens a handoff; when the conversation already has an open one, returns it (created=False)."""
        if status not in OPEN_STATUSES:
            raise HandoffError(f"a handoff cannot open as {status!r}")
        record = Handoff(conversation_id=conversation_id, channel=channel, reason=reason, status=status, topic=topic,
                         guide_id=guide_id, guide_step=guide_step, guide_step_title=guide_step_title,
                         kiosk_id=kiosk_id, transcript=list(transcript),
                         callback_consent_at=utcnow() if status == "callback_collecting" else None)
        with self.Session() as s:
            try:
                with s.begin():
                    s.add(record)
                return record, True
            except IntegrityError:  # the partial unique index: one open handoff per conversation
                pass
        existing = self.open_handoff(conversation_id)
        if existing is None:  # pragma: no cover - closed in between; try once more
            return self.open(conversation_id=conversation_id, channel=channel, reason=reason, status=status,
                             topic=topic, guide_id=guide_id, guide_step=guide_step,
                             guide_step_title=guide_step_title, kiosk_id=kiosk_id, transcript=transcript)
        return existing, False

    def queue_position(self, handoff: Handoff) -> int:
        """1 for the resident who has waited longest."""
        with self.Session() as s:
            return s.execute(sa.select(sa.func.count(Handoff.id)).where(
                Handoff.status == "waiting", Handoff.created_at <= handoff.created_at, Handoff.id <= handoff.id,
            )).scalar_one()

    def typical_minutes(self, default: int, sample: int = 20) -> int:
        """Median minutes from opening to the first assignment over the last resolved handoffs."""
        with self.Session() as s:
            rows = s.execute(
                sa.select(Handoff.created_at, Handoff.assigned_at).where(Handoff.assigned_at.isnot(None))
                .order_by(Handoff.id.desc()).limit(sample)
            ).all()
        waits = sorted(max(0.0, (a - c).total_seconds() / 60) for c, a in rows)
        if len(waits) < 3:
            return default
        return max(1, round(waits[len(waits) // 2]))

    def add_resident_message(self, handoff: Handoff, text: str) -> HandoffMessage:
        message = HandoffMessage(handoff_id=handoff.id, conversation_id=handoff.conversation_id, channel=handoff.channel,
                                 author="resident", text=redact(text).text, delivered_at=utcnow())
        with self.Session() as s, s.begin():
            s.add(message)
            s.execute(sa.update(Handoff).where(Handoff.id == handoff.id).values(updated_at=utcnow()))
        return message

    def take_pending(self, conversation_id: str) -> List[HandoffMessage]:
        """Messages for the resident not yet delivered, oldest first; marks them delivered."""
        with self.Session() as s, s.begin():
            rows = s.execute(
                sa.select(HandoffMessage).where(HandoffMessage.conversation_id == conversation_id,
                                                HandoffMessage.delivered_at.is_(None))
                .order_by(HandoffMessage.id).with_for_update(of=HandoffMessage)
            ).scalars().all()
            now = utcnow()
            for row in rows:
                row.delivered_at = now
        return list(rows)

    def pending_for_channel(self, channel: str, limit: int = 100) -> List[HandoffMessage]:
        """Undelivered messages of one channel (for bridges such as Telegram, which acknowledge them)."""
        with self.Session() as s:
            return list(s.execute(
                sa.select(HandoffMessage).where(HandoffMessage.channel == channel, HandoffMessage.delivered_at.is_(None))
                .order_by(HandoffMessage.id).limit(limit)
            ).scalars().all())

    def acknowledge(self, ids: Iterable[int]) -> int:
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        with self.Session() as s, s.begin():
            return s.execute(sa.update(HandoffMessage).where(HandoffMessage.id.in_(ids), HandoffMessage.delivered_at.is_(None))
                             .values(delivered_at=utcnow())).rowcount or 0

    def save_callback(self, handoff: Handoff, phone: str, when_text: str) -> None:
        """Keeps the resident's phone number in this record only, and queues the callback."""
        with self.Session() as s, s.begin():
            s.execute(sa.update(Handoff).where(Handoff.id == handoff.id).values(
                callback_phone=phone[:32], callback_time=when_text[:200] or None, status="callback_requested",
                updated_at=utcnow()))

    def cancel(self, handoff: Handoff) -> None:
        with self.Session() as s, s.begin():
            s.execute(sa.update(Handoff).where(Handoff.id == handoff.id).values(
                status="cancelled", callback_phone=None, resolved_at=utcnow(), updated_at=utcnow()))

    def record_satisfaction(self, conversation_id: str, score: int) -> Optional[int]:
        """Stores 1-5 on the conversation's latest closed handoff; returns its id (None when there is none)."""
        if not 1 <= score <= 5:
            raise HandoffError("satisfaction is 1 to 5")
        with self.Session() as s, s.begin():
            record = s.execute(
                sa.select(Handoff).where(Handoff.conversation_id == conversation_id,
                                         Handoff.status.in_(("resolved", "called_back")))
                .order_by(Handoff.resolved_at.desc(), Handoff.id.desc()).limit(1)
            ).scalars().first()
            if record is None:
                return None
            record.satisfaction = score
            return record.id

    # --- the staff side --------------------------------------------------------------------
    def queue(self) -> List[Handoff]:
        """Open handoffs, the longest waiting first (callbacks after chats of the same age)."""
        with self.Session() as s:
            return list(s.execute(
                sa.select(Handoff).where(Handoff.status.in_(("waiting", "assigned", "callback_requested")))
                .order_by(Handoff.created_at, Handoff.id)
            ).scalars().all())

    def get(self, handoff_id: int) -> Handoff:
        with self.Session() as s:
            record = s.get(Handoff, handoff_id)
        if record is None:
            raise HandoffError(f"no handoff {handoff_id}")
        return record

    def messages(self, handoff_id: int, after_id: int = 0) -> List[HandoffMessage]:
        with self.Session() as s:
            return list(s.execute(
                sa.select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.id > after_id)
                .order_by(HandoffMessage.id)
            ).scalars().all())

    @staticmethod
    def _record(s, handoff_id: int, statuses: Sequence[str], closed_message: str,
                staff_id: Optional[int] = None) -> Handoff:
        """The record; with staff_id, HandoffTaken when another staff member has it."""
        record = s.get(Handoff, handoff_id)
        if record is None:
            raise HandoffError(f"no handoff {handoff_id}")
        if record.status not in statuses:
            raise HandoffError(closed_message)
        if staff_id is not None and record.staff_id is not None and record.staff_id != staff_id:
            raise HandoffTaken(record.staff.display_name if record.staff else "ほかの職員")
        return record

    def assign(self, handoff_id: int, staff_id: int, take_over: bool = False) -> Handoff:
        """Makes staff_id the owner: of an unowned handoff, or (take_over) of another staff member's."""
        with self.Session() as s, s.begin():
            record = self._record(s, handoff_id, OPEN_STATUSES, "この相談はすでに終了しています。",
                                  None if take_over else staff_id)
            record.staff_id = staff_id
            if record.status == "waiting":
                record.status = "assigned"
            record.assigned_at = record.assigned_at or utcnow()
        return self.get(handoff_id)

    def reply(self, handoff_id: int, staff_id: int, text: str) -> HandoffMessage:
        """A staff member's message to the resident; the first reply also assigns the handoff."""
        text = (text or "").strip()
        if not text:
            raise HandoffError("返信が空です。")
        if len(text) > MAX_STAFF_MESSAGE_CHARS:
            raise HandoffError(f"返信は{MAX_STAFF_MESSAGE_CHARS}文字までです。")
        with self.Session() as s, s.begin():
            record = self._record(s, handoff_id, CHAT_STATUSES, "この相談にはチャットで返信できません。", staff_id)
            if record.status == "waiting":
                record.status, record.staff_id, record.assigned_at = "assigned", staff_id, utcnow()
            message = HandoffMessage(handoff_id=record.id, conversation_id=record.conversation_id, channel=record.channel,
                                     author="staff", staff_id=staff_id, text=text)
            s.add(message)
        return message

    def resolve(self, handoff_id: int, staff_id: int, outcome: str, notes: str,
                closing_text: Optional[str] = None, closing_buttons: Optional[List[Dict[str, str]]] = None) -> Handoff:
        """Closes a handoff (resolved, or called_back for a callback); queues the closing message if given."""
        with self.Session() as s, s.begin():
            record = self._record(s, handoff_id, OPEN_STATUSES, "この相談はすでに終了しています。", staff_id)
            record.status = "called_back" if record.status.startswith("callback") else "resolved"
            record.staff_id = record.staff_id or staff_id
            record.assigned_at = record.assigned_at or utcnow()
            record.resolved_at = utcnow()
            record.outcome = outcome
            record.staff_notes = (notes or "").strip()[:4000] or None
            if closing_text and record.status == "resolved":
                s.add(HandoffMessage(handoff_id=record.id, conversation_id=record.conversation_id,
                                     channel=record.channel, author="bot", text=closing_text, buttons=closing_buttons))
        return self.get(handoff_id)

    def search(self, *, date_from: Optional[dt.date] = None, date_to: Optional[dt.date] = None,
               topic: Optional[str] = None, outcome: Optional[str] = None, status: Optional[str] = None,
               limit: int = 200) -> List[Handoff]:
        query = sa.select(Handoff)
        if date_from:
            query = query.where(Handoff.created_at >= jst_day_start(date_from))
        if date_to:
            query = query.where(Handoff.created_at < jst_day_start(date_to, days_later=1))
        if topic:
            query = query.where(Handoff.topic == topic)
        if outcome:
            query = query.where(Handoff.outcome == outcome)
        if status:
            query = query.where(Handoff.status == status)
        with self.Session() as s:
            return list(s.execute(query.order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(limit)).scalars().all())

    # --- retention -------------------------------------------------------------------------
    def purge_closed(self, days: int) -> int:
        """Deletes closed handoffs (with their messages and phone numbers) older than `days` days."""
        cutoff = utcnow() - dt.timedelta(days=days)
        closed = ("resolved", "called_back", "cancelled")
        with self.Session() as s, s.begin():
            ids = [r for (r,) in s.execute(sa.select(Handoff.id).where(Handoff.status.in_(closed),
                                                                         Handoff.updated_at < cutoff))]
            if not ids:
                return 0
            s.execute(sa.delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ids)))
            s.execute(sa.delete(Handoff).where(Handoff.id.in_(ids)))
            return len(ids)
