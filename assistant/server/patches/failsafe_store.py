"""No silent fall-back to memory: Rasa wraps every tracker store in a FailSafeTrackerStore that, when the
database fails, answers from an empty in-memory tracker (the conversation's state is lost, its new events
never written). LoudTrackerStore raises instead, so the resident gets the channel's apology and the next
message after the database is back finds the conversation as it was. Rasa 3.6 builds the wrapper from a name
in rasa.core.agent (Agent._create_tracker_store): that one name is what this patch replaces."""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.core.tracker_store import FailSafeTrackerStore

from assistant.server.patches.base import Swap

logger = logging.getLogger(__name__)
RASA_VERSION = "3.6.21"
TARGET = "rasa.core.agent:FailSafeTrackerStore"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(tracker_store: 'TrackerStore', on_tracker_store_error: 'Optional[Callable[[Exception], None]]' = None, "
            "fallback_tracker_store: 'Optional[TrackerStore]' = None) -> 'None'",
    "rasa.core.agent:Agent._create_tracker_store":
        "(store: 'Optional[TrackerStore]', domain: 'Domain') -> 'TrackerStore'",
    "rasa.core.tracker_store:FailSafeTrackerStore.retrieve": "(self, sender_id: 'Text') -> 'Optional[DialogueStateTracker]'",
    "rasa.core.tracker_store:FailSafeTrackerStore.retrieve_full_tracker":
        "(self, sender_id: 'Text') -> 'Optional[DialogueStateTracker]'",
    "rasa.core.tracker_store:FailSafeTrackerStore.save": "(self, tracker: 'DialogueStateTracker') -> 'None'",
})


class LoudTrackerStore(FailSafeTrackerStore):
    """FailSafeTrackerStore whose reads and saves raise the tracker store's error (logged without content)."""

    async def _loudly(self, method: str, *args: Any) -> Any:
        try:
            return await getattr(self._tracker_store, method)(*args)
        except Exception as error:
            logger.error("tracker store unavailable (%s): %s", method, type(error).__name__)
            raise

    async def retrieve(self, sender_id: str) -> Optional[Any]:
        return await self._loudly("retrieve", sender_id)

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[Any]:
        return await self._loudly("retrieve_full_tracker", sender_id)

    async def save(self, tracker: Any) -> None:
        await self._loudly("save", tracker)

    async def peek(self, sender_id: str) -> Optional[Any]:
        """The wrapped store's read-only look at a remembered conversation (None where it has none)."""
        peek = getattr(self._tracker_store, "peek", None)
        return await peek(sender_id) if peek is not None else None


def apply() -> None:
    SWAP.apply({TARGET: LoudTrackerStore})


def revert() -> None:
    SWAP.revert()
