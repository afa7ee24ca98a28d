"""The collector on a timer inside the staff console, and when the analytics were last collected."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import threading
from typing import Optional

import sqlalchemy as sa

from assistant.analytics.collect import SETTLE_SECONDS, CollectResult, collect, tracker_url
from assistant.settings import Settings
from assistant.storage.models import AnalyticsWatermark

logger = logging.getLogger(__name__)
_ONE_AT_A_TIME = threading.Lock()


def collect_now(settings: Settings) -> Optional[CollectResult]:
    """One collector run, as `madoguchi analytics collect` does; None when a run is already going on here."""
    from assistant.privacy.keys import product_id_key

    if not _ONE_AT_A_TIME.acquire(blocking=False):
        return None
    try:
        source = tracker_url(settings.data_dir, os.environ)
        # SQLite writes one transaction at a time, so its event ids are committed in order: nothing to wait for.
        settle = 0 if source.startswith("sqlite") else SETTLE_SECONDS
        result = collect(source, settings.database_url, product_id_key(settings.data_dir), settle_seconds=settle,
                         upgrade=False)
        logger.info("%s", result.summary())
        return result
    finally:
        _ONE_AT_A_TIME.release()


def last_collected(conn) -> Optional[dt.datetime]:
    """The last time (naive UTC) any collector run finished reading, or None before the first."""
    table = AnalyticsWatermark.__table__
    return conn.execute(sa.select(sa.func.max(table.c.updated_at))).scalar()


async def run_every(settings: Settings, minutes: float) -> None:
    """Collects at once, then every `minutes`, until cancelled; a failed run is logged and tried again next time."""
    while True:
        try:
            await asyncio.to_thread(collect_now, settings)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database briefly away must not stop the timer
            logger.exception("analytics: the scheduled collection failed; trying again in %s minutes", minutes)
        await asyncio.sleep(minutes * 60)
