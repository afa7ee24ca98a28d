"""The production path into analytics: consumes Rasa's RabbitMQ events into an event log database
whose `events` table has the tracker store's shape, which the collector then reads."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from assistant.settings import BrokerSettings

logger = logging.getLogger(__name__)

# The tracker store's columns (the collector reads these), plus a key that makes a redelivered event
# harmless: RabbitMQ delivers at least once.
_metadata = sa.MetaData()
EVENT_LOG = sa.Table(
    "events", _metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
    sa.Column("event_key", sa.String(64), nullable=False, unique=True),
)
FLUSH_EVENTS = 500
FLUSH_SECONDS = 1.0  # events of one conversation from two servers may arrive a moment out of order


def event_rows(body: bytes) -> Optional[List[Dict[str, Any]]]:
    """The event log rows of one broker message: Rasa's one event, or the JSON array of a save's
    events (`one_message_per_save`); None for a message that is not Rasa's events."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    events = parsed if isinstance(parsed, list) else [parsed]
    rows = [_row(event) for event in events]
    if not rows or any(row is None for row in rows):
        return None
    return rows


def event_row(body: bytes) -> Optional[Dict[str, Any]]:
    """The event log row of a message carrying one Rasa event, or None."""
    rows = event_rows(body)
    return rows[0] if rows and len(rows) == 1 else None


def _row(event: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(event, dict) or not isinstance(event.get("event"), str) or not event.get("sender_id"):
        return None
    parse_data = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
    intent = parse_data.get("intent") if isinstance(parse_data.get("intent"), dict) else {}
    return {
        "sender_id": str(event["sender_id"])[:255], "type_name": event["event"][:255],
        "timestamp": event.get("timestamp") if isinstance(event.get("timestamp"), (int, float)) else None,
        "intent_name": intent.get("name"), "action_name": event.get("name") if isinstance(event.get("name"), str) else None,
        "data": json.dumps({k: v for k, v in event.items() if k != "sender_id"}, ensure_ascii=False),
        # Rasa's body for this event (json.dumps of it): the same key whichever form carried it.
        "event_key": hashlib.sha256(json.dumps(event).encode("utf-8")).hexdigest(),
    }


def event_log_engine(url: str) -> sa.engine.Engine:
    """The event log database (never the tracker store's: both would have a table named `events`)."""
    from assistant.storage.db import make_engine

    engine = make_engine(url)
    _metadata.create_all(engine)
    return engine


def store_events(engine: sa.engine.Engine, rows: List[Dict[str, Any]]) -> int:
    """Writes rows in the order the events happened; an event already stored is skipped."""
    if not rows:
        return 0
    rows = sorted(rows, key=lambda r: (r["timestamp"] is None, r["timestamp"] or 0.0))
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        statement = insert(EVENT_LOG).on_conflict_do_nothing(index_elements=["event_key"])
    else:
        statement = EVENT_LOG.insert().prefix_with("OR IGNORE")
    with engine.begin() as conn:
        return conn.execute(statement, rows).rowcount or 0


class Consumer:
    """Moves events from the broker's queue into the event log, acknowledging them once written."""

    def __init__(self, broker: BrokerSettings, engine: sa.engine.Engine) -> None:
        self.broker, self.engine = broker, engine

    def _channel(self):
        import pika

        params = pika.ConnectionParameters(self.broker.host, self.broker.port,
                                           credentials=pika.PlainCredentials(self.broker.user, self.broker.password))
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        channel.queue_declare(queue=self.broker.queue, durable=True)
        channel.basic_qos(prefetch_count=FLUSH_EVENTS * 2)
        return connection, channel

    def run(self, idle_exit: Optional[float] = None) -> int:
        """Consumes until stopped (or, with idle_exit, until the queue has been empty that long); returns events written."""
        connection, channel = self._channel()
        written, rows, last_tag, first_at, idle_since = 0, [], None, None, time.monotonic()
        try:
            for method, _properties, body in channel.consume(self.broker.queue, inactivity_timeout=0.25):
                now = time.monotonic()
                if method is not None:
                    idle_since = now
                    last_tag = method.delivery_tag
                    parsed = event_rows(body)
                    if parsed is None:
                        logger.warning("event log: a message that is not Rasa's events was dropped")
                    else:
                        rows.extend(parsed)
                    first_at = first_at or now
                if last_tag is not None and (len(rows) >= FLUSH_EVENTS or method is None
                                             or now - (first_at or now) >= FLUSH_SECONDS):
                    written += store_events(self.engine, rows)
                    channel.basic_ack(delivery_tag=last_tag, multiple=True)
                    rows, last_tag, first_at = [], None, None
                if method is None and idle_exit is not None and now - idle_since >= idle_exit:
                    break
        finally:
            try:
                channel.cancel()
                connection.close()
            except Exception:  # pragma: no cover - the connection is gone already
                pass
        return written
