"""`madoguchi demo --remove`: deletes every demo conversation, its handoffs and its analytics rows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List

import sqlalchemy as sa

from assistant.analytics.anonymize import ResidentKeys
from assistant.demo.staff import USERNAME
from assistant.demo.stores import PREFIX, tracker_engine
from assistant.storage.db import make_engine, migrate
from assistant.storage.models import (
    AnalyticsConversation, AnalyticsGuideEvent, AnalyticsHandoff, AnalyticsMessage, AnalyticsTopic,
    AnalyticsWatermark, Handoff, HandoffMessage, StaffUser,
)

_CHUNK = 500


@dataclass
class Removed:
    conversations: int = 0
    events: int = 0
    handoffs: int = 0
    analytics_conversations: int = 0

    def summary(self) -> str:
        return (f"demo data removed: {self.conversations} conversations ({self.events} tracker events), "
                f"{self.handoffs} handoffs, {self.analytics_conversations} conversations in analytics")


def _chunks(items: List, size: int = _CHUNK) -> Iterable[List]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _demo(values: Iterable) -> List[str]:
    return sorted({v for v in values if isinstance(v, str) and v.startswith(PREFIX)})


def remove_demo(tracker_url: str, database_url: str, id_key: str, source: str = "tracker") -> Removed:
    """Removes the conversations whose sender starts with `demo-` from the tracker store, the handoff records and
    the analytics tables; the collector's watermark is set back so that new events are still read."""
    migrate(database_url)
    tracker, product = tracker_engine(tracker_url), make_engine(database_url)
    removed = Removed()
    try:
        with tracker.connect() as conn:
            senders = _demo(r[0] for r in conn.execute(sa.text(
                "SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE 'demo-%'")))
        handoffs, messages = Handoff.__table__, HandoffMessage.__table__
        with product.begin() as conn:
            senders = sorted(set(senders) | set(_demo(r[0] for r in conn.execute(
                sa.select(handoffs.c.conversation_id).where(handoffs.c.conversation_id.like("demo-%")).distinct()))))
            keys = ResidentKeys(id_key)
            removed.analytics_conversations = _remove_analytics(conn, [keys(s) for s in senders])
            for chunk in _chunks(senders):
                query = sa.select(handoffs.c.id).where(handoffs.c.conversation_id.in_(chunk))
                ids = [r[0] for r in conn.execute(query)]
                for id_chunk in _chunks(ids):
                    conn.execute(messages.delete().where(messages.c.handoff_id.in_(id_chunk)))
                    conn.execute(handoffs.delete().where(handoffs.c.id.in_(id_chunk)))
                removed.handoffs += len(ids)
            users = StaffUser.__table__
            if not conn.execute(sa.select(sa.func.count()).select_from(handoffs).join(
                    users, handoffs.c.staff_id == users.c.id).where(users.c.username == USERNAME)).scalar():
                conn.execute(users.delete().where(users.c.username == USERNAME))
        with tracker.begin() as conn:
            for chunk in _chunks(senders):
                removed.events += conn.execute(sa.text("DELETE FROM events WHERE sender_id IN :s").bindparams(
                    sa.bindparam("s", expanding=True)), {"s": chunk}).rowcount or 0
            highest = int(conn.execute(sa.text("SELECT MAX(id) FROM events")).scalar() or 0)
        # SQLite gives the next event the id after the highest left: the watermark must not be past it.
        watermarks = AnalyticsWatermark.__table__
        with product.begin() as conn:
            conn.execute(watermarks.update().where(watermarks.c.source == source, watermarks.c.last_id > highest)
                         .values(last_id=highest))
        removed.conversations = len(senders)
        return removed
    finally:
        tracker.dispose()
        product.dispose()


def _remove_analytics(conn, residents: List[str]) -> int:
    conversations, handoffs = AnalyticsConversation.__table__, AnalyticsHandoff.__table__
    count = 0
    for chunk in _chunks(residents):
        conn.execute(handoffs.delete().where(handoffs.c.resident.in_(chunk)))
        ids = [r[0] for r in conn.execute(sa.select(conversations.c.id).where(conversations.c.resident.in_(chunk)))]
        for id_chunk in _chunks(ids):
            for model in (AnalyticsMessage, AnalyticsTopic, AnalyticsGuideEvent):
                table = model.__table__
                conn.execute(table.delete().where(table.c.conversation_id.in_(id_chunk)))
            conn.execute(conversations.delete().where(conversations.c.id.in_(id_chunk)))
        count += len(ids)
    return count
