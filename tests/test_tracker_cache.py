"""The embedded server keeps each conversation's last saved tracker in memory; what it serves from
there must be what the database would give, and what the action server gets must tell the same
conversation as the full tracker would."""
import asyncio
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker

from actions.common import wants_easy
from actions.handoff import _user_metadata, transcript_of
from assistant import stores
from assistant.stores import RetryingSQLTrackerStore
from assistant.tuning import RECENT_EVENTS, compact_events
from tests.conftest import PROJECT_ROOT
from tests.test_production_profile import services  # noqa: F401  (fixture)

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


def test_a_new_session_is_read_from_the_database_as_rasa_reads_it(tmp_path):
    db = tmp_path / "tracker.db"
    live = store(db)
    tracker = new_tracker("r4")
    turn(tracker, 0, "前のセッション")
    run(live.save(tracker))
    tracker = run(live.retrieve("r4"))
    start_new_session(tracker)
    turn(tracker, 1, "新しいセッション")
    run(live.save(tracker))
    again = run(live.retrieve("r4"))
    assert again is not tracker
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["新しいセッション"]


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
    import uuid

    import psycopg2

    name = f"madoguchi_cache_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield name
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.services
def test_two_servers_never_answer_from_a_stale_memory(postgres_db):
    def server():
        return RetryingSQLTrackerStore(domain=DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432,
                                       db=postgres_db, username="postgres", password="")

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
    # Back on A: its memory is stale, so it reads the database and sees B's message.
    on_a = run(a.retrieve("p1"))
    assert on_a is not tracker
    assert [e.text for e in on_a.events if isinstance(e, UserUttered)] == ["サーバーAへ", "サーバーBへ"]
    turn(on_a, 2, "またAへ")
    run(a.save(on_a))
    stored = run(server().retrieve("p1"))
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == ["サーバーAへ", "サーバーBへ", "またAへ"]
    same(stored, on_a)
    assert run(a.retrieve("p1")) is on_a


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
