"""The embedded server keeps each conversation's last saved tracker in memory; what it serves from
there must be what the database would give, and what the action server gets must tell the same
conversation as the full tracker would."""
import asyncio
import time

import pytest
import sqlalchemy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker

from actions.common import wants_easy
from actions.handoff import _user_metadata, transcript_of
from assistant.server import stores
from assistant.server.stores import RetryingSQLTrackerStore
from assistant.server.patches.action_payload import RECENT_EVENTS, compact_events
from tests.conftest import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "assistant" / "rasa" / "domain.yml"))


def run(coro):
    return asyncio.run(coro)


def store(path) -> RetryingSQLTrackerStore:
    return RetryingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path))


def turn(tracker: DialogueStateTracker, n: int, text: str = "マイナンバーカードの申請") -> None:
    tracker.update(UserUttered(text, {"name": "card_apply", "confidence": 0.9},
                               parse_data={"intent": {"name": "card_apply", "confidence": 0.9},
                                           "intent_ranking": [{"name": "card_apply", "confidence": 0.9}] * 10},
                               input_channel="rest", metadata={"easy": n % 2 == 0}))
    tracker.update(ActionExecuted("action_respond"))
    tracker.update(SlotSet("last_topic", "card_apply"))
    tracker.update(BotUttered(f"答え{n}", {"buttons": [{"title": f"ボタン{n}", "payload": f"/b{n}"}]}))
    tracker.update(ActionExecuted("action_listen"))


def new_tracker(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    return tracker


def start_new_session(tracker: DialogueStateTracker) -> None:
    time.sleep(0.01)  # the new session starts after the old one's last event
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))


def same(a: DialogueStateTracker, b: DialogueStateTracker) -> None:
    """Same conversation and state (the cached tracker may also hold the first action_session_start,
    which a database read starts after)."""
    def events(t):
        return [e.as_dict() for e in t.events if not (isinstance(e, ActionExecuted) and e.action_name == "action_session_start")]
    assert events(a) == events(b)
    sa, sb = a.current_state(EventVerbosity.NONE), b.current_state(EventVerbosity.NONE)
    assert sa == sb


def test_a_saved_tracker_is_served_from_memory_and_equals_the_stored_one(tmp_path):
    db = tmp_path / "tracker.db"
    live = store(db)
    tracker = new_tracker("r1")
    for n in range(5):
        turn(tracker, n)
        run(live.save(tracker))
        again = run(live.retrieve("r1"))
        assert again is tracker  # from memory: no read and replay of the session
        same(again, run(store(db).retrieve("r1")))  # a server without memory reads the same
    assert len([e for e in run(store(db).retrieve("r1")).events if isinstance(e, UserUttered)]) == 5


def test_a_tracker_changed_but_not_saved_is_read_again_from_the_database(tmp_path):
    db = tmp_path / "tracker.db"
    live = store(db)
    tracker = new_tracker("r2")
    turn(tracker, 0)
    run(live.save(tracker))
    taken = run(live.retrieve("r2"))
    turn(taken, 1)  # a message whose processing failed before the save
    fresh = run(live.retrieve("r2"))
    assert fresh is not taken
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["マイナンバーカードの申請"]
    # and the next message is stored after what was stored, not after the lost one
    turn(fresh, 2, "暗証番号")
    run(live.save(fresh))
    assert [e.text for e in run(store(db).retrieve("r2")).events if isinstance(e, UserUttered)] == [
        "マイナンバーカードの申請", "暗証番号"]


def test_a_failed_save_is_not_remembered(tmp_path, monkeypatch):
    db = tmp_path / "tracker.db"
    live = store(db)
    tracker = new_tracker("r3")
    run(live.save(tracker))
    run(live.retrieve("r3"))
    turn(tracker, 0)

    async def broken(_tracker):
        raise stores.TrackerStoreUnavailable("database away")

    monkeypatch.setattr(live, "_save", broken)
    monkeypatch.setattr(stores, "RETRY_DELAYS", ())
    with pytest.raises(stores.TrackerStoreUnavailable):
        run(live.save(tracker))
    monkeypatch.undo()
    assert run(live.retrieve("r3")) is not tracker
    assert not [e for e in run(live.retrieve("r3")).events if isinstance(e, UserUttered)]


def two_sessions(sender: str, first: RetryingSQLTrackerStore, second: RetryingSQLTrackerStore) -> DialogueStateTracker:
    """A message saved by `first`, then a new session with one message on `second`; returns what
    `second` saved."""
    tracker = new_tracker(sender)
    turn(tracker, 0, "前のセッション")
    run(first.save(tracker))
    tracker = run(second.retrieve(sender))
    start_new_session(tracker)
    turn(tracker, 1, "新しいセッション")
    run(second.save(tracker))
    return tracker


def test_a_new_session_is_read_from_the_database_as_rasa_reads_it(tmp_path):
    live = store(tmp_path / "tracker.db")
    tracker = two_sessions("r4", live, live)
    again = run(live.retrieve("r4"))
    assert again is not tracker
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["新しいセッション"]


def test_the_sqlite_tracker_store_uses_wal_and_other_engines_are_left_alone(tmp_path):
    import sqlalchemy

    tracker_store = store(tmp_path / "t.db")
    with tracker_store.engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sqlalchemy.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    other = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with other.connect() as conn:
        assert conn.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar() == "delete"


def test_memory_is_bounded_and_expires(tmp_path, monkeypatch):
    monkeypatch.setattr(stores, "MAX_CACHED", 3)
    live = store(tmp_path / "tracker.db")
    trackers = {}
    for n in range(5):
        trackers[n] = new_tracker(f"s{n}")
        run(live.save(trackers[n]))
    assert run(live.retrieve("s0")) is not trackers[0]  # pushed out by newer conversations
    assert run(live.retrieve("s4")) is trackers[4]
    run(live.save(trackers[4]))
    monkeypatch.setattr(stores, "CACHE_SECONDS", 0.0)
    time.sleep(0.01)
    assert run(live.retrieve("s4")) is not trackers[4]  # quiet too long: read again


def test_the_action_server_gets_the_whole_story_in_a_compact_tracker():
    tracker = new_tracker("r5")
    for n in range(30):
        turn(tracker, n, f"質問{n}")
    full = tracker.current_state(EventVerbosity.ALL)["events"]
    compact = compact_events(tracker.events)
    assert len(compact) < len(full)
    assert compact[-RECENT_EVENTS:] == full[-RECENT_EVENTS:]
    assert all("parse_data" not in e for e in compact[:-RECENT_EVENTS])
    as_full, as_compact = (Tracker.from_dict({**tracker.current_state(EventVerbosity.NONE), "events": events})
                           for events in (full, compact))
    assert transcript_of(as_compact) == transcript_of(as_full)
    assert [line["text"] for line in transcript_of(as_compact)][:2] == ["質問0", "答え0"]
    assert _user_metadata(as_compact) == _user_metadata(as_full) == {"easy": False}
    assert wants_easy(as_compact) == wants_easy(as_full)
    assert as_compact.get_latest_input_channel() == as_full.get_latest_input_channel() == "rest"


@pytest.fixture()
def postgres_db(services):
    """A fresh PostgreSQL database for two tracker stores, as two production servers share one."""
    from tests.helpers.services import postgres_database

    with postgres_database("madoguchi_cache") as name:
        yield name


def pg_store(db: str) -> RetryingSQLTrackerStore:
    """A production server's tracker store on the local PostgreSQL."""
    return RetryingSQLTrackerStore(domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432,
                                   db=db, username="postgres", password="")


@pytest.mark.services
def test_two_servers_never_answer_from_a_stale_memory(postgres_db):
    def server():
        return pg_store(postgres_db)

    a, b = server(), server()
    tracker = new_tracker("p1")
    turn(tracker, 0, "サーバーAへ")
    run(a.save(tracker))
    assert run(a.retrieve("p1")) is tracker  # nobody else wrote: from memory
    run(a.save(tracker))
    # The next message of the conversation goes to server B (the lock lets one at a time).
    on_b = run(b.retrieve("p1"))
    same(on_b, run(server().retrieve("p1")))
    turn(on_b, 1, "サーバーBへ")
    run(b.save(on_b))
    # Back on A: its memory lacks B's message; A reads the events stored since it saved and
    # applies them, which gives what reading the whole session would.
    on_a = run(a.retrieve("p1"))
    assert on_a is tracker
    assert [e.text for e in on_a.events if isinstance(e, UserUttered)] == ["サーバーAへ", "サーバーBへ"]
    same(on_a, run(server().retrieve("p1")))
    turn(on_a, 2, "またAへ")
    run(a.save(on_a))
    stored = run(server().retrieve("p1"))
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == ["サーバーAへ", "サーバーBへ", "またAへ"]
    same(stored, on_a)
    assert run(a.retrieve("p1")) is on_a
    # Many messages, each on the other server: every save stores exactly the new events once.
    run(a.save(on_a))  # the retrieve above took it out of A's memory; saved, it is back in
    last_saved = {a: on_a, b: on_b}
    for n in range(3, 13):
        here = a if n % 2 else b
        current = run(here.retrieve("p1"))
        assert current is last_saved[here]  # the server's own memory, brought up to date
        same(current, run(server().retrieve("p1")))
        turn(current, n, f"メッセージ{n}")
        run(here.save(current))
        last_saved[here] = current
    texts = [e.text for e in run(server().retrieve("p1")).events if isinstance(e, UserUttered)]
    assert texts == ["サーバーAへ", "サーバーBへ", "またAへ"] + [f"メッセージ{n}" for n in range(3, 13)]
    with a.engine.connect() as conn:
        stored_rows = conn.execute(sqlalchemy.text("SELECT count(*) FROM events WHERE sender_id = 'p1'")).scalar()
    assert stored_rows == 3 + 13 * 5  # the session's start, then five events for each of 13 messages


@pytest.mark.services
def test_a_new_session_started_on_another_server_is_read_from_the_database(postgres_db):
    a, b, reader = (pg_store(postgres_db) for _ in range(3))
    two_sessions("p2", a, b)  # A remembers the first session; B starts the second
    on_a = run(a.retrieve("p2"))
    assert len([e for e in on_a.events if isinstance(e, SessionStarted)]) == 1  # read from the database: it starts at the latest session, as Rasa's read does
    assert [e.text for e in on_a.events if isinstance(e, UserUttered)] == ["新しいセッション"]
    same(on_a, run(reader.retrieve("p2")))


def test_the_fixed_event_queries_read_what_rasas_queries_read(tmp_path):
    """_retrieve's SQL gives the rows of Rasa's own _event_query: the latest session, or every one."""
    live = store(tmp_path / "tracker.db")
    tracker = new_tracker("q1")
    turn(tracker, 0, "一つ目")
    run(live.save(tracker))
    start_new_session(tracker)
    turn(tracker, 1, "二つ目")
    run(live.save(tracker))
    run(live.save(new_tracker("someone-else")))
    for all_sessions in (False, True):
        with live.session_scope() as session:
            rasa = [row.data for row in live._event_query(session, "q1", fetch_events_from_all_sessions=all_sessions).all()]
        with live.engine.connect() as conn:
            ours = [data for (data,) in conn.execute(live._events_sql[all_sessions], {"s": "q1"})]
        assert ours == rasa and ours
    full = run(live.retrieve_full_tracker("q1"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["一つ目", "二つ目"]
    live._forget("q1")
    assert [e.text for e in run(live.retrieve("q1")).events if isinstance(e, UserUttered)] == ["二つ目"]


@pytest.mark.services
def test_a_message_on_postgresql_costs_two_statements_and_no_transaction(postgres_db):
    """Production's per-message work on the tracker store: one read of what others stored since,
    one INSERT that returns the ids, both on autocommit connections (no BEGIN, COMMIT or ROLLBACK
    round trips: each is one statement, atomic by itself)."""
    a = pg_store(postgres_db)
    tracker = new_tracker("p3")
    turn(tracker, 0)
    run(a.save(tracker))
    seen = []
    for engine in {a.engine, a._reads}:
        sqlalchemy.event.listen(engine, "before_cursor_execute",
                                lambda conn, cursor, statement, *rest: seen.append(
                                    (statement.split()[0], cursor.connection.autocommit)))
    current = run(a.retrieve("p3"))
    turn(current, 1)
    run(a.save(current))
    assert seen == [("SELECT", True), ("INSERT", True)]
    with a._reads.connect() as conn:
        last = conn.execute(sqlalchemy.text("SELECT max(id) FROM events WHERE sender_id = 'p3'")).scalar()
    assert a._cache["p3"][1] == last  # the id the INSERT returned is the conversation's last
    stored = run(pg_store(postgres_db).retrieve("p3")).events
    assert [e.type_name for e in stored][-10:] == [e.type_name for e in current.events][-10:]  # both messages stored


@pytest.mark.services
def test_a_new_conversation_costs_one_read_before_its_first_save(postgres_db):
    """Rasa reads a new conversation, finds none and saves it empty before its first message is
    handled: the empty save needs no statement (no transaction to store nothing)."""
    a = pg_store(postgres_db)
    seen = []
    for engine in {a.engine, a._reads}:
        sqlalchemy.event.listen(engine, "before_cursor_execute",
                                lambda conn, cursor, statement, *rest: seen.append(statement.split()[0]))
    empty = run(a.get_or_create_tracker("p5", append_action_listen=False))
    assert seen == ["SELECT"] and not empty.events
    first = new_tracker("p5")
    turn(first, 0, "はじめまして")
    empty.events.extend(first.events)
    run(a.save(empty))
    assert seen == ["SELECT", "INSERT"]
    stored = run(pg_store(postgres_db).retrieve("p5"))
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == ["はじめまして"]


@pytest.mark.services
def test_a_save_that_fails_midway_stores_nothing_of_it(postgres_db):
    """The autocommit INSERT is one statement: a save whose rows cannot all be stored stores none."""
    a = pg_store(postgres_db)
    tracker = new_tracker("p4")
    turn(tracker, 0, "一つ目")
    run(a.save(tracker))
    current = run(a.retrieve("p4"))
    turn(current, 1, "二つ目")
    turn(current, 2, "x" * 300)  # the user event's intent name does not fit its column
    current.events[-5].parse_data["intent"]["name"] = "x" * 300
    with pytest.raises(Exception):
        run(a.save(current))
    texts = [e.text for e in run(pg_store(postgres_db).retrieve("p4")).events if isinstance(e, UserUttered)]
    assert texts == ["一つ目"]


def test_a_peek_leaves_the_remembered_tracker_for_rasas_own_read(tmp_path):
    live = store(tmp_path / "tracker.db")
    assert run(live.peek("k1")) is None  # never saved here
    tracker = new_tracker("k1")
    turn(tracker, 0)
    run(live.save(tracker))
    assert run(live.peek("k1")) is tracker
    assert run(live.retrieve("k1")) is tracker  # still served from memory after the peek
    tracker.update(UserUttered("変えたけど保存していない"))
    assert run(live.peek("k1")) is None  # taken by retrieve, changed and not saved: not remembered


@pytest.mark.services
def test_a_peek_sees_nothing_once_another_server_has_stored_since(postgres_db):
    a, b = pg_store(postgres_db), pg_store(postgres_db)
    tracker = new_tracker("k2")
    turn(tracker, 0, "サーバーAへ")
    run(a.save(tracker))
    assert run(a.peek("k2")) is tracker
    on_b = run(b.retrieve("k2"))
    turn(on_b, 1, "サーバーBへ")
    run(b.save(on_b))
    assert run(a.peek("k2")) is None  # A's memory is one message old: no look, Rasa's read catches up
    assert [e.text for e in run(a.retrieve("k2")).events if isinstance(e, UserUttered)] == ["サーバーAへ", "サーバーBへ"]
