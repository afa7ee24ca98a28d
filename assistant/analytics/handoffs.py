"""Copies handoff records into analytics (no transcript, notes or phone number) and links each to its conversation."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from assistant.analytics.anonymize import ResidentKeys, kiosk_label, label
from assistant.analytics.period import day_and_hour
from assistant.analytics.watermark import advance_watermark, lock_watermark
from assistant.storage.models import AnalyticsConversation, AnalyticsHandoff, Handoff, utcnow

HANDOFF_SOURCE = "handoffs"
# Records changed this long before the last one seen are read again: a transaction that set its
# updated_at earlier may commit later. Reading a record twice changes nothing.
OVERLAP = dt.timedelta(minutes=10)
# Clocks of the servers and the database may differ by this much.
LINK_SLACK = dt.timedelta(seconds=60)
# A handoff whose conversation's later events have not arrived after this long is linked to what there is.
LINK_WAIT = dt.timedelta(days=1)
_CHUNK = 500
_COPIED = ("resident", "channel", "kiosk_id", "reason", "topic", "guide", "guide_step", "status", "outcome",
           "satisfaction", "created_at", "resolved_at", "local_date", "source_updated_at")


def _row(record: Any, keys: ResidentKeys) -> Dict[str, Any]:
    satisfaction = record.satisfaction if isinstance(record.satisfaction, int) and 1 <= record.satisfaction <= 5 else None
    return dict(
        handoff_id=record.id, resident=keys(record.conversation_id), channel=label(record.channel, 16) or "other",
        kiosk_id=kiosk_label(record.kiosk_id), reason=label(record.reason, 32) or "other", topic=label(record.topic),
        guide=label(record.guide_id), guide_step=record.guide_step, status=label(record.status, 24) or "other",
        outcome=label(record.outcome, 32), satisfaction=satisfaction, created_at=record.created_at,
        resolved_at=record.resolved_at, local_date=day_and_hour(record.created_at)[0],
        source_updated_at=record.updated_at)


def copy_handoffs(product: sa.engine.Engine, keys: ResidentKeys) -> int:
    """Inserts new handoff records and updates changed ones (status, outcome, satisfaction); returns how many."""
    source, target = Handoff.__table__, AnalyticsHandoff.__table__
    with product.begin() as conn:
        _, last_at = lock_watermark(conn, HANDOFF_SOURCE)
        query = sa.select(source.c.id, source.c.conversation_id, source.c.channel, source.c.kiosk_id, source.c.reason,
                          source.c.topic, source.c.guide_id, source.c.guide_step, source.c.status, source.c.outcome,
                          source.c.satisfaction, source.c.created_at, source.c.resolved_at, source.c.updated_at)
        if last_at is not None:
            query = query.where(source.c.updated_at >= last_at - OVERLAP)
        records = conn.execute(query.order_by(source.c.updated_at, source.c.id)).all()
        if not records:
            return 0
        stored: Dict[int, Tuple] = {}
        ids = [r.id for r in records]
        for i in range(0, len(ids), _CHUNK):
            for row in conn.execute(sa.select(target).where(target.c.handoff_id.in_(ids[i:i + _CHUNK]))):
                stored[row.handoff_id] = tuple(getattr(row, name) for name in _COPIED)
        inserts, updates = [], []
        for record in records:
            row = _row(record, keys)
            if record.id not in stored:
                inserts.append(row)
            elif stored[record.id] != tuple(row[name] for name in _COPIED):
                updates.append(dict({f"new_{k}": v for k, v in row.items() if k in _COPIED}, hid=record.id))
        if inserts:
            conn.execute(target.insert(), inserts)
        if updates:
            conn.execute(target.update().where(target.c.handoff_id == sa.bindparam("hid"))
                         .values(**{name: sa.bindparam(f"new_{name}") for name in _COPIED}), updates)
        advance_watermark(conn, HANDOFF_SOURCE, last_at=max(r.updated_at for r in records))
    return len(inserts) + len(updates)


def link_handoffs(product: sa.engine.Engine, now: Optional[dt.datetime] = None) -> int:
    """Sets each unlinked handoff's conversation: the resident's latest conversation started before it.

    It waits until events after the handoff have arrived from the tracker store (its turn ends with slot
    events), so a conversation whose first message asked for a person is not mistaken for the one before."""
    now = now or utcnow()
    handoffs, conversations = AnalyticsHandoff.__table__, AnalyticsConversation.__table__
    with product.begin() as conn:
        pending = conn.execute(sa.select(handoffs.c.id, handoffs.c.resident, handoffs.c.created_at)
                               .where(handoffs.c.conversation_id.is_(None))).all()
        residents = sorted({p.resident for p in pending})
        spans: Dict[str, List[Tuple[dt.datetime, dt.datetime, int]]] = {}
        for i in range(0, len(residents), _CHUNK):
            rows = conn.execute(sa.select(conversations.c.resident, conversations.c.started_at, conversations.c.last_at,
                                          conversations.c.id)
                                .where(conversations.c.resident.in_(residents[i:i + _CHUNK]))).all()
            for r in rows:
                spans.setdefault(r.resident, []).append((r.started_at, r.last_at, r.id))
        links = []
        for handoff in pending:
            seen = spans.get(handoff.resident, [])
            before = [s for s in seen if s[0] <= handoff.created_at + LINK_SLACK]
            if not before:
                continue
            arrived = max(s[1] for s in seen) >= handoff.created_at - LINK_SLACK
            if arrived or now - handoff.created_at > LINK_WAIT:
                links.append({"hid": handoff.id, "cid": max(before)[2]})
        if links:
            conn.execute(handoffs.update().where(handoffs.c.id == sa.bindparam("hid"))
                         .values(conversation_id=sa.bindparam("cid")), links)
    return len(links)
