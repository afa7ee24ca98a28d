"""The door's read for every resident message (is staff holding the conversation?) on PostgreSQL:
after the database drops its connections (a restart), the next message is answered, not failed."""
import uuid

import pytest

from assistant.handoff.store import HandoffStore

pytestmark = pytest.mark.services


def test_the_door_reconnects_after_the_database_dropped_its_connections(services):
    import psycopg2

    db = f"madoguchi_door_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{db}"')
    store = HandoffStore.from_url(f"postgresql://postgres@127.0.0.1:5432/{db}", upgrade=True)
    try:
        assert store.door_state("door-1") == (False, 0)
        store.open(conversation_id="door-1", channel="rest", reason="staff_requested")
        cursor = admin.cursor()
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))
        assert cursor.fetchall()  # the pooled connections are gone, as after a restart
        assert store.door_state("door-1") == (True, 0)
        assert store.door_state("door-2") == (False, 0)
    finally:
        store.close()
        store._reads.dispose()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()
