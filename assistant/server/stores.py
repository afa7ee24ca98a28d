"""The tracker store: Rasa's SQL tracker store with retries (about 4 s in all), then an error.

A longer outage raises, and the patch assistant/server/patches/failsafe_store.py keeps Rasa from falling
back to an empty in-memory tracker: the resident gets the channel's fixed apology instead, and the next
message after the database is back finds the conversation as it was.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Iterable, Iterator, Optional, Text, Tuple, TypeVar

import sqlalchemy as sa

from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import DBAPIError, OperationalError

from assistant.storage.db import autocommit_reads

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0)
MAX_REMEMBERED = 20000  # conversations whose stored event count a server keeps in memory
MAX_CACHED = 2000  # conversations whose last saved tracker a server keeps in memory
CACHE_SECONDS = 1800.0  # a conversation quiet for longer is read from the database again
# psycopg2 sends up to this many rows as one INSERT … VALUES (SQLAlchemy's executemany page size,
# executemany_values_page_size): a save of no more rows is a single, atomic statement.
ONE_STATEMENT_ROWS = 1000


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


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL: readers never block the writer. synchronous=NORMAL: a commit does not wait for the disk; a crash
    of the process loses nothing, only a power cut can lose the last messages."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class RetryingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose reads and writes are retried while the database is briefly away."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Keep SQLite connections open between messages (SQLAlchemy 1.4 opens one per session
            # for a file, and each opening runs the connection's PRAGMAs again).
            from sqlalchemy.orm import sessionmaker

            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=5,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)
        # The per-message queries as fixed SQL: built with the ORM for every message, each cost about
        # 1 ms of CPU. Rasa's _event_query: a conversation's latest session (or all its sessions).
        table = self.SQLEvent.__tablename__
        latest_start = f"(SELECT max(timestamp) FROM {table} WHERE sender_id = :s AND type_name = '{SessionStarted.type_name}')"
        self._events_sql = {
            False: sa.text(f"SELECT data FROM {table} WHERE sender_id = :s "
                           f"AND (timestamp >= {latest_start} OR {latest_start} IS NULL) ORDER BY id"),
            True: sa.text(f"SELECT data FROM {table} WHERE sender_id = :s ORDER BY id"),
        }
        self._last_id_sql = sa.text(f"SELECT max(id) FROM {table} WHERE sender_id = :s")
        self._newer_sql = sa.text(f"SELECT id, data FROM {table} WHERE sender_id = :s AND id > :after ORDER BY id")
        # What this server remembers of each conversation: how many events of its session are
        # stored (so a save need not count them) and its last saved tracker (so the next message
        # need not read and replay the whole session). The embedded profile has one server per
        # SQLite file, so what it saved is what is stored. In production several servers share the
        # database (Redis's lock lets one at a time work on a conversation): before the memory is
        # used, the events other servers have stored since this one saved are read and applied.
        self._shared = self.engine.dialect.name != "sqlite"
        self._reads = autocommit_reads(self.engine, **create_engine_kwargs(self.engine.url))
        self._stored_counts: "OrderedDict[str, int]" = OrderedDict()
        self._cache: "OrderedDict[str, Tuple[float, Optional[int], DialogueStateTracker]]" = OrderedDict()

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's query, reading only the events' JSON (no ORM object per stored event)."""
        with self._reads.connect() as conn:
            rows = conn.execute(self._events_sql[fetch_events_from_all_sessions], {"s": sender_id}).all()
            events = [json.loads(data) for (data,) in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _remember(self, sender_id: Text, count: int) -> None:
        self._stored_counts[sender_id] = count
        self._stored_counts.move_to_end(sender_id)
        while len(self._stored_counts) > MAX_REMEMBERED:
            self._stored_counts.popitem(last=False)

    def _last_event_id(self, session: Any, sender_id: Text) -> Optional[int]:
        return session.execute(self._last_id_sql, {"s": sender_id}).scalar()

    async def _catch_up(self, tracker: DialogueStateTracker, last_id: Optional[int]) -> bool:
        """Production: applies to a remembered tracker the events other servers have stored since
        this one saved it (a conversation's messages may each go to another server), as reading the
        session from the database would replay them. False when it cannot be brought up to date
        that way: the conversation was never saved here, or a new session has started since."""
        if last_id is None:
            return False

        async def newer() -> list:
            with self._reads.connect() as conn:
                return conn.execute(self._newer_sql, {"s": tracker.sender_id, "after": last_id}).all()

        rows = await _retrying("retrieve", newer)
        events = deserialise_events([json.loads(data) for _id, data in rows])
        if len(events) != len(rows) or any(isinstance(event, SessionStarted) for event in events):
            return False
        for event in events:
            tracker.update(event)
        if events:
            self._remember(tracker.sender_id, len(tracker.events))
        return True

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        known = self._stored_counts.get(tracker.sender_id)
        if known is None or known > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, known, len(tracker.events))

    async def _take_cached(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker last saved for this conversation, if it is still exactly what is stored.

        The entry is taken out: the caller owns the tracker and changes it, and only its next save
        puts it back. A tracker changed but never saved (a failed message) has more events than
        were stored, and is dropped; the database has the truth.
        """
        entry = self._cache.pop(sender_id, None)
        if entry is None:
            return None
        saved_at, last_id, tracker = entry
        if time.monotonic() - saved_at > CACHE_SECONDS or len(tracker.events) != self._stored_counts.get(sender_id):
            return None
        if self._shared and not await self._catch_up(tracker, last_id):
            return None
        return tracker

    async def peek(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker this server last saved for the conversation, left in its place and not to be changed: a
        look at the previous message before Rasa takes the tracker (assistant/channels/follow_up.py). None when it
        is not remembered, out of date, or (production) another server has stored events since; one try, no retry."""
        entry = self._cache.get(sender_id)
        if entry is None:
            return None
        saved_at, last_id, tracker = entry
        if time.monotonic() - saved_at > CACHE_SECONDS or len(tracker.events) != self._stored_counts.get(sender_id):
            return None
        if self._shared:
            try:
                with self._reads.connect() as conn:
                    newer = conn.execute(self._newer_sql, {"s": sender_id, "after": last_id}).first() if last_id else True
            except Exception:
                return None
            if newer:
                return None
        return tracker

    def _keep(self, tracker: DialogueStateTracker, last_id: Optional[int]) -> None:
        """Keeps a just-saved tracker for the conversation's next message.

        A tracker holding more than one session is not kept: read from the database, the
        conversation starts at its latest session, and so must it from memory.
        """
        sessions = sum(1 for event in tracker.events if isinstance(event, SessionStarted))
        if sessions > 1:
            self._cache.pop(tracker.sender_id, None)
            return
        self._cache[tracker.sender_id] = (time.monotonic(), last_id, tracker)
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)

    def _forget(self, sender_id: Text) -> None:
        """Drops what this server remembers of a conversation: the next message reads it again."""
        self._cache.pop(sender_id, None)
        self._stored_counts.pop(sender_id, None)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        tracker = await self._take_cached(sender_id)
        if tracker is not None:
            return tracker
        tracker = await _retrying("retrieve", lambda: SQLTrackerStore.retrieve(self, sender_id))
        self._remember(sender_id, len(tracker.events) if tracker is not None else 0)
        return tracker

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await _retrying("retrieve", lambda: SQLTrackerStore.retrieve_full_tracker(self, sender_id))

    async def _save(self, tracker: DialogueStateTracker) -> Optional[int]:
        """Rasa's save (the same rows), with one INSERT for the new events instead of an ORM object
        flushed for each. Returns the conversation's last event id in production (see __init__).

        The new events are published to the event broker first, as Rasa does; Rasa finds them by
        reading the stored session back (a whole query and replay per message), here they are the
        events this save writes."""
        known = self._stored_counts.get(tracker.sender_id)
        if known == 0 and not tracker.events:
            # A new conversation, read as absent and saved before it has any event (Rasa's
            # get_or_create_tracker on every first message): nothing is stored, nothing to store.
            return None
        if self._shared and known is not None and 0 < len(tracker.events) - known <= ONE_STATEMENT_ROWS:
            # Production's usual case: the new events are known without a query, and stored by a
            # single INSERT … RETURNING on an autocommit connection (one statement is atomic by
            # itself: no BEGIN and COMMIT round trips, no ORM session). The highest id is the
            # conversation's last event: under its lock no other server adds to it.
            rows = self._rows(tracker, itertools.islice(tracker.events, known, len(tracker.events)))
            table = self.SQLEvent.__table__
            with self._reads.connect() as conn:
                return max(conn.execute(table.insert().returning(table.c.id), rows).scalars())
        with self.session_scope() as session:
            rows = self._rows(tracker, self._additional_events(session, tracker))
            table, last_id = self.SQLEvent.__table__, None
            if rows and self._shared:
                # One statement stores the events and gives their ids. Under the conversation's lock
                # no other server adds to it: the highest is the conversation's last event.
                # (psycopg2 sends the rows in one INSERT … VALUES and returns every row's id.)
                ids = session.connection().execute(table.insert().returning(table.c.id), rows).scalars()
                last_id = max(ids)
            elif rows:
                session.connection().execute(table.insert(), rows)
            elif self._shared:
                last_id = self._last_event_id(session, tracker.sender_id)
            session.commit()
        return last_id

    def _rows(self, tracker: DialogueStateTracker, new_events: Iterable) -> list:
        rows = []
        for event in new_events:
            data = event.as_dict()
            if self.event_broker is not None:  # Rasa's _stream_new_events, without a second as_dict()
                self.event_broker.publish({"sender_id": tracker.sender_id, **data})
            rows.append({
                "sender_id": tracker.sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            })
        return rows

    async def save(self, tracker: DialogueStateTracker) -> None:
        known = self._stored_counts.get(tracker.sender_id)
        try:
            last_id = await _retrying("save", lambda: self._save(tracker))
        except Exception:
            self._forget(tracker.sender_id)  # unknown now: read and count again next time
            raise
        if known is not None and known > len(tracker.events):
            # Not the tracker that was read (one given whole through the HTTP API): the stored
            # session may differ from it, so read it again next time.
            self._forget(tracker.sender_id)
            return
        self._remember(tracker.sender_id, len(tracker.events))
        self._keep(tracker, last_id)

    async def keys(self) -> Iterable[Text]:
        return await _retrying("keys", lambda: SQLTrackerStore.keys(self))

