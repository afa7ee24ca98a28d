"""The demo's reach into the stores: move a conversation's events and handoff records in time, or remove demo data."""
from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from assistant.analytics.handoffs import HANDOFF_SOURCE
from assistant.analytics.period import utc_from_epoch
from assistant.knowledge.office_hours import JST
from assistant.storage.db import make_engine
from assistant.storage.models import Handoff, HandoffMessage

PREFIX = "demo-"
HANDOFF_TIMES = ("created_at", "assigned_at", "resolved_at", "updated_at", "callback_consent_at")
MESSAGE_TIMES = ("created_at", "delivered_at")
Mapper = Callable[[float], float]


class StoreError(RuntimeError):
    """A store the demo needs cannot be used."""


def safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an invalid URL)"


def tracker_engine(url: str) -> sa.engine.Engine:
    """The tracker store, refused with a clear message when it cannot be reached or is not Rasa's."""
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if not path or not Path(path).is_file():
                raise StoreError(f"the tracker store {path or url} does not exist: start the assistant first "
                                 "(make run), or pass the --tracker-url it uses")
        engine = make_engine(url)
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                engine.dispose()
                raise StoreError(f"{safe_url(url)} has no table `events`: it is not the assistant's tracker store")
        return engine
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot reach the tracker store {safe_url(url)}: {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0][:200]}") from None


def _epoch(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.timezone.utc).timestamp()


def _moved(moment: Optional[dt.datetime], to_demo: Mapper) -> Optional[dt.datetime]:
    return None if moment is None else utc_from_epoch(to_demo(_epoch(moment)))


def _moved_iso(text: object, to_demo: Mapper) -> object:
    """A transcript line's `at` (ISO, Japan time), moved."""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return text
    return dt.datetime.fromtimestamp(to_demo(moment.timestamp()), JST).isoformat(timespec="seconds")


@dataclass
class Moved:
    events: int = 0
    handoffs: int = 0
    rated: int = 0


class DemoStores:
    """The tracker store and the product's database, written one conversation at a time."""

    def __init__(self, tracker_url: str, database_url: str) -> None:
        self.tracker = tracker_engine(tracker_url)
        self.product = make_engine(database_url)
        self.lock = threading.Lock()  # one writer from this process on each SQLite file
        self.earliest_update: Optional[dt.datetime] = None

    def close(self) -> None:
        self.tracker.dispose()
        self.product.dispose()

    def move(self, sender: str, to_demo: Mapper) -> Moved:
        """Moves every event and handoff record of one demo conversation by `to_demo`."""
        if not sender.startswith(PREFIX):
            raise ValueError(f"only demo conversations are moved, not {sender!r}")
        moved = Moved()
        with self.lock:
            with self.tracker.begin() as conn:
                rows = conn.execute(sa.text("SELECT id, timestamp, data FROM events WHERE sender_id = :s"),
                                    {"s": sender}).all()
                updates = []
                for row in rows:
                    new = to_demo(row.timestamp) if row.timestamp is not None else None
                    data = json.loads(row.data) if row.data else {}
                    if isinstance(data, dict) and new is not None:
                        data["timestamp"] = new
                    updates.append({"i": row.id, "t": new, "d": json.dumps(data)})
                if updates:
                    conn.execute(sa.text("UPDATE events SET timestamp = :t, data = :d WHERE id = :i"), updates)
                moved.events = len(updates)
            with self.product.begin() as conn:
                self._move_handoffs(conn, sender, to_demo, moved)
        return moved

    def _move_handoffs(self, conn, sender: str, to_demo: Mapper, moved: Moved) -> None:
        handoffs, messages = Handoff.__table__, HandoffMessage.__table__
        for record in conn.execute(sa.select(handoffs).where(handoffs.c.conversation_id == sender)).all():
            values = {name: _moved(getattr(record, name), to_demo) for name in HANDOFF_TIMES}
            values["transcript"] = [dict(line, at=_moved_iso(line["at"], to_demo))
                                    if isinstance(line, dict) and line.get("at") else line
                                    for line in (record.transcript or [])]
            conn.execute(handoffs.update().where(handoffs.c.id == record.id).values(**values))
            if self.earliest_update is None or values["updated_at"] < self.earliest_update:
                self.earliest_update = values["updated_at"]
            moved.handoffs += 1
            moved.rated += record.satisfaction is not None
        for message in conn.execute(sa.select(messages).where(messages.c.conversation_id == sender)).all():
            conn.execute(messages.update().where(messages.c.id == message.id).values(
                **{name: _moved(getattr(message, name), to_demo) for name in MESSAGE_TIMES}))

    def reread_handoffs(self) -> None:
        """Lets the collector read the moved handoff records again: they changed before its last run's watermark."""
        from assistant.storage.models import AnalyticsWatermark

        if self.earliest_update is None:
            return
        table = AnalyticsWatermark.__table__
        with self.product.begin() as conn:
            conn.execute(table.update().where(table.c.source == HANDOFF_SOURCE, table.c.last_at > self.earliest_update)
                         .values(last_at=self.earliest_update))

