"""Retention: deletes conversation events older than N days from the tracker store, Telegram chat ids and
unanswered-question texts from the product's database (run it daily)."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import sqlalchemy as sa

from assistant.storage.models import AnalyticsMessage, ReviewItem, TelegramChat, utcnow


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


def _blank_old_texts(engine: sa.engine.Engine, table: sa.Table, days: int) -> int:
    """Blanks the (redacted) `text` of rows whose `at` is older than `days` days; the rows stay."""
    cutoff = utcnow() - dt.timedelta(days=days)
    with engine.begin() as conn:
        return conn.execute(table.update().where(table.c.at < cutoff, table.c.text.isnot(None))
                            .values(text=None)).rowcount or 0


def purge_analytics_texts(engine: sa.engine.Engine, days: int) -> int:
    """Blanks the texts of unanswered questions in analytics older than `days` days; the counts stay."""
    return _blank_old_texts(engine, AnalyticsMessage.__table__, days)


def purge_review_texts(engine: sa.engine.Engine, days: int) -> int:
    """Blanks the texts of the review queue's items older than `days` days; the decisions stay."""
    return _blank_old_texts(engine, ReviewItem.__table__, days)


def purge_telegram_chats(engine: sa.engine.Engine, days: int) -> int:
    """Forgets the chat ids of Telegram residents not seen for `days` days."""
    table = TelegramChat.__table__
    cutoff = utcnow() - dt.timedelta(days=days)
    with engine.begin() as conn:
        return conn.execute(table.delete().where(table.c.updated_at < cutoff)).rowcount or 0
