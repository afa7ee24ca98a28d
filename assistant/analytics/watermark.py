"""Watermarks: how far the collector has read each source, taken for one transaction at a time."""
from __future__ import annotations

import datetime as dt
from typing import Optional, Tuple

import sqlalchemy as sa

from assistant.storage.models import AnalyticsWatermark, utcnow

_TABLE = AnalyticsWatermark.__table__


def lock_watermark(conn: sa.engine.Connection, source: str) -> Tuple[int, Optional[dt.datetime]]:
    """The source's (last id, last time); the row stays locked until the transaction ends (one collector at a time)."""
    if not conn.execute(_TABLE.update().where(_TABLE.c.source == source).values(updated_at=utcnow())).rowcount:
        conn.execute(_TABLE.insert().values(source=source, last_id=0, updated_at=utcnow()))
    row = conn.execute(sa.select(_TABLE.c.last_id, _TABLE.c.last_at).where(_TABLE.c.source == source)).one()
    return int(row.last_id), row.last_at


def advance_watermark(conn: sa.engine.Connection, source: str, last_id: Optional[int] = None,
                      last_at: Optional[dt.datetime] = None) -> None:
    values = {"updated_at": utcnow()}
    if last_id is not None:
        values["last_id"] = last_id
    if last_at is not None:
        values["last_at"] = last_at
    conn.execute(_TABLE.update().where(_TABLE.c.source == source).values(**values))
