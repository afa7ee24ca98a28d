"""The production endpoints (PostgreSQL tracker store, Redis lock store) work against the real local services."""
import os
import socket
import uuid

import pytest

from assistant.launcher import Stack
from assistant.settings import PROJECT_ROOT
from tests.conftest import ARTIFACTS, MODEL, Assistant, free_port

pytestmark = [pytest.mark.model, pytest.mark.services]


def reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def services():
    missing = [name for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not reachable(port)]
    if missing:
        message = f"{' and '.join(missing)} not running on 127.0.0.1"
        if os.environ.get("MADOGUCHI_REQUIRE_SERVICES"):
            pytest.fail(message + " (MADOGUCHI_REQUIRE_SERVICES is set)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def production(services, tmp_path_factory):
    import psycopg2

    db = f"madoguchi_test_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{db}"')  # as a city's DBA would, before the first start
    stack = Stack(
        model=MODEL, data_dir=tmp_path_factory.mktemp("pg"), rasa_port=free_port(), action_port=free_port(),
        endpoints=PROJECT_ROOT / "assistant" / "rasa" / "endpoints.postgres.yml", log_dir=ARTIFACTS / "logs-postgres",
        extra_env={
            "MADOGUCHI_PG_HOST": "127.0.0.1", "MADOGUCHI_PG_PORT": "5432", "MADOGUCHI_PG_DB": db,
            "MADOGUCHI_PG_USER": "postgres", "MADOGUCHI_PG_PASSWORD": "",
            "MADOGUCHI_REDIS_HOST": "127.0.0.1", "MADOGUCHI_REDIS_PORT": "6379",
        },
    )
    stack.start(timeout=240)
    yield Assistant(stack.url, stack.token), db
    stack.stop()
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db}"')
    admin.close()


def test_conversation_is_stored_in_postgresql(production):
    import psycopg2

    assistant, db = production
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    assert "0120-95-0178" in assistant.text(sender, "マイナンバーカードをなくしました")
    assert "再設定" in assistant.text(sender, "暗証番号を忘れました")
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=db)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT type_name FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        kinds = [row[0] for row in cur.fetchall()]
    conn.close()
    assert kinds.count("user") == 2 and kinds.count("bot") == 2
