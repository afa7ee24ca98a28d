"""The production profile on the real local services: PostgreSQL tracker store, Redis lock store,
RabbitMQ event broker, and two Rasa servers (each with its action server) serving the same conversations."""
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.launcher import Stack
from assistant.settings import PROJECT_ROOT
from assistant.staff.accounts import StaffAccounts
from tests.conftest import ARTIFACTS, MODEL, Assistant, always_open_knowledge, free_port
from tests.helpers.services import drain_messages, postgres_database, postgres_url

pytestmark = [pytest.mark.model, pytest.mark.services]


@pytest.fixture(scope="module")
def production(services, tmp_path_factory):
    """Two instances on one fresh database and one fresh queue."""
    import pika
    import psycopg2

    from bench.load import production_env

    run = uuid.uuid4().hex[:8]
    db, queue = f"madoguchi_test_{run}", f"madoguchi_test_{run}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{db}"')  # as a city's DBA would, before the first start
    env = {
        **production_env(db, queue),
        # The desk never closes here, so that handoffs do not depend on the hour the test runs.
        "MADOGUCHI_KNOWLEDGE_DIR": str(always_open_knowledge(tmp_path_factory.mktemp("k"))),
    }
    stacks = [
        Stack(model=MODEL, data_dir=tmp_path_factory.mktemp(f"pg{i}"), rasa_port=free_port(), action_port=free_port(), console_port=free_port(),
              endpoints=PROJECT_ROOT / "assistant" / "rasa" / "endpoints.production.yml",
              log_dir=ARTIFACTS / f"logs-production-{i}", extra_env=env)
        for i in range(2)
    ]
    # Both load the model at the same time (a core each). The second starts once the first has made the tracker
    # store's tables, so that the two never create them at once on the fresh database. The pool's threads live
    # until the stacks are stopped: a server started from a thread ends when that thread ends (child_setup).
    pool = ThreadPoolExecutor(max_workers=len(stacks))
    try:
        first = pool.submit(stacks[0].start, timeout=240)
        deadline = time.monotonic() + 240
        while not first.done() and time.monotonic() < deadline and rows(db, "SELECT to_regclass('events')") == [(None,)]:
            time.sleep(0.2)
        second = pool.submit(stacks[1].start, timeout=240)
        first.result(), second.result()
        yield [Assistant(s.url, s.token) for s in stacks], db, queue
    finally:
        for stack in stacks:
            stack.stop()
        pool.shutdown()
        from assistant.privacy.scan import scan_sql

        leaked = scan_sql(f"postgresql://postgres@127.0.0.1:5432/{db}")
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db}"')
        admin.close()
        connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
        connection.channel().queue_delete(queue)
        connection.close()
        assert leaked == [], "valid My Numbers in the PostgreSQL tracker store"


def rows(db: str, sql: str, *args):
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=db)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def drain(queue: str):
    """The queue's events: the production profile publishes a save's events as one JSON array."""
    events = []
    for body, _properties in drain_messages(queue):
        parsed = json.loads(body)
        events.extend(parsed if isinstance(parsed, list) else [parsed])
    return events


def test_conversation_is_stored_in_postgresql(production):
    (first, _), db, _ = production
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    assert "0120-95-0178" in first.text(sender, "マイナンバーカードをなくしました")
    assert "再設定" in first.text(sender, "暗証番号を忘れました")
    kinds = [r[0] for r in rows(db, "SELECT type_name FROM events WHERE sender_id = %s ORDER BY id", sender)]
    assert kinds.count("user") == 2 and kinds.count("bot") == 2


def test_1000_interleaved_messages_on_two_instances_are_stored_once_and_in_order(production):
    instances, db, queue = production
    drain(queue)
    questions = ["暗証番号を忘れました", "手数料はいくらですか", "マイナンバーカードをなくしました", "引っ越しました"]
    conversations = {f"scale-{uuid.uuid4().hex[:6]}-{c}": [f"{questions[i % 4]} その{i}" for i in range(40)] for c in range(25)}

    def talk(sender):
        for i, text in enumerate(conversations[sender]):
            # One conversation, both servers in turn.
            assert instances[i % 2].send(sender, text)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(talk, conversations))

    for sender, sent in conversations.items():
        stored = [r[0] for r in rows(db, "SELECT data::json->>'text' FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id", sender)]
        assert stored == sent, sender
    duplicates = rows(db, "SELECT sender_id, data, COUNT(*) FROM events WHERE sender_id LIKE 'scale-%%' GROUP BY sender_id, data HAVING COUNT(*) > 1")
    assert duplicates == []
    everything = [e for e in drain(queue) if e.get("sender_id") in conversations]
    # Every stored event is published once: the same events, however the servers took turns.
    stored = rows(db, "SELECT sender_id, data::json->>'event', data::json->>'timestamp' FROM events WHERE sender_id LIKE 'scale-%%'")
    assert sorted((e["sender_id"], e["event"], float(e["timestamp"])) for e in everything) == \
        sorted((sender, kind, float(ts)) for sender, kind, ts in stored)
    published = [e for e in everything if e.get("event") == "user"]
    assert len(published) == 1000
    for sender, sent in conversations.items():
        # Two servers publish independently, so arrival order may differ across them; each event
        # carries the time it happened, which is the conversation's order.
        mine = sorted((e for e in published if e["sender_id"] == sender), key=lambda e: e["timestamp"])
        assert [e["text"] for e in mine] == sent


def test_a_handoff_opened_on_one_instance_holds_the_conversation_on_the_other(production):
    from assistant.handoff.store import HandoffStore

    (first, second), db, _ = production
    store = HandoffStore.from_url(f"postgresql://postgres@127.0.0.1:5432/{db}")
    try:
        sender = f"pg-handoff-{uuid.uuid4().hex[:8]}"
        assert "職員におつなぎします" in first.text(sender, "職員さんと話したいです")
        record = store.open_handoff(sender)
        held = second.send(sender, "マイナポータルのことで相談です")
        assert held[0].get("custom", {}).get("from") == "system", held
        staff = StaffAccounts(store.engine).create_staff(f"pg-{uuid.uuid4().hex[:6]}", "佐藤", "not-a-real-hash")
        store.reply(record.id, staff.id, "佐藤です。どうされましたか？")
        assert first.send(sender, "ログインできません")[0]["text"] == "【職員より】佐藤です。どうされましたか？"
        assert [m.author for m in store.messages(record.id)] == ["resident", "staff", "resident"]
    finally:
        store.close()


def test_events_published_through_rabbitmq_arrive_in_postgresql_analytics(production):
    """The production path: broker → event log (PostgreSQL) → analytics tables (PostgreSQL)."""
    from assistant.analytics.event_log import Consumer, event_log_engine
    from assistant.settings import BrokerSettings
    from assistant.analytics.collect import collect

    (first, second), db, queue = production
    drain(queue)
    senders = [f"pg-analytics-{uuid.uuid4().hex[:6]}-{i}" for i in range(3)]
    for sender in senders:
        first.send(sender, "暗証番号を忘れました")
        second.send(sender, "マイナンバーカードをなくしました")
    with postgres_database(f"{db}_events") as log_db:
        log_url = postgres_url(log_db)
        engine = event_log_engine(log_url)
        written = Consumer(BrokerSettings(queue=queue), engine).run(idle_exit=2.0)
        again = Consumer(BrokerSettings(queue=queue), engine).run(idle_exit=1.0)
        engine.dispose()
        assert written >= 3 * 2 * 2 and again == 0  # each message: at least the user and the bot event
        stored = rows(log_db, "SELECT sender_id, data::json->>'text' FROM events WHERE type_name = 'user' ORDER BY id")
        for sender in senders:
            assert [t for s, t in stored if s == sender] == ["暗証番号を忘れました", "マイナンバーカードをなくしました"]
        result = collect(log_url, f"postgresql://postgres@127.0.0.1:5432/{db}", "k" * 32, source="broker",
                         now=time.time() + 3600)
        assert result.conversations >= 3
        counted = rows(db, "SELECT COUNT(*), SUM(messages) FROM analytics_conversations WHERE source = 'broker'")[0]
        assert counted[0] >= 3 and counted[1] >= 6
        assert not rows(db, "SELECT 1 FROM analytics_conversations WHERE resident LIKE 'pg-analytics-%%'")
