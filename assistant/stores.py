"""The tracker store: Rasa's SQL tracker store with retries, and no silent fall-back to memory.

Rasa wraps every tracker store in a FailSafeTrackerStore that, when the database fails,
quietly answers from an empty in-memory tracker: the conversation's state is lost and its new
events are never written. Here a brief outage is absorbed by retrying (about 4 s in all); a
longer one raises, so the resident gets the channel's fixed apology instead, and the next
message after the database is back finds the conversation as it was.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Iterable, Optional, Text, TypeVar

from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import DBAPIError, OperationalError

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0)


class TrackerStoreUnavailable(RuntimeError):
    """The database did not answer within the retries."""


async def _retrying(what: str, call: Callable[[], Awaitable[T]]) -> T:
    for attempt, delay in enumerate((*RETRY_DELAYS, None)):
        try:
            return await call()
        except (OperationalError, DBAPIError) as error:
            if delay is None:
                raise TrackerStoreUnavailable(f"tracker store {what} failed after {attempt + 1} tries") from error
            logger.warning("tracker store %s failed (try %d), retrying in %.2f s", what, attempt + 1, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


class RetryingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose reads and writes are retried while the database is briefly away."""

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await _retrying("retrieve", lambda: SQLTrackerStore.retrieve(self, sender_id))

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await _retrying("retrieve", lambda: SQLTrackerStore.retrieve_full_tracker(self, sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await _retrying("save", lambda: SQLTrackerStore.save(self, tracker))

    async def keys(self) -> Iterable[Text]:
        return await _retrying("keys", lambda: SQLTrackerStore.keys(self))


def _fail_loudly(store: FailSafeTrackerStore, method: str) -> Callable[..., Awaitable[Any]]:
    async def call(*args: Any) -> Any:
        try:
            return await getattr(store._tracker_store, method)(*args)
        except Exception as error:
            logger.error("tracker store unavailable (%s): %s", method, type(error).__name__)
            raise
    return call


def no_silent_fallback() -> None:
    """Makes Rasa's FailSafeTrackerStore raise instead of switching to an empty in-memory store."""
    for method in ("retrieve", "retrieve_full_tracker", "save"):
        def make(name: str):
            async def wrapper(self: FailSafeTrackerStore, *args: Any) -> Any:
                return await _fail_loudly(self, name)(*args)
            return wrapper
        setattr(FailSafeTrackerStore, method, make(method))
