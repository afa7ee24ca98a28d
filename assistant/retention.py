"""Retention: deletes conversation events older than N days from the tracker store (run it daily)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class RetentionResult:
    events_deleted: int
    conversations_left: int


def purge_old_events(db_url: str, days: int, now: float | None = None) -> RetentionResult:
    """Deletes rows of Rasa's `events` table older than `days` days; returns what was done."""
    if days < 1:
        raise ValueError("keep at least one day of conversations")
    cutoff = (time.time() if now is None else now) - days * 86400
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).has_table("events"):
                return RetentionResult(0, 0)
            deleted = conn.execute(sa.text("DELETE FROM events WHERE timestamp < :cutoff"), {"cutoff": cutoff}).rowcount
            left = conn.execute(sa.text("SELECT COUNT(DISTINCT sender_id) FROM events")).scalar()
        return RetentionResult(deleted or 0, left or 0)
    finally:
        engine.dispose()
