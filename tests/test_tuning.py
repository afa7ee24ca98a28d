"""The server speed-ups keep Rasa's behaviour: action responses are still validated; SQLite uses WAL."""
import pytest
import sqlalchemy
from jsonschema import ValidationError

from assistant.tuning import apply_server_tuning


@pytest.fixture(scope="module", autouse=True)
def tuned():
    apply_server_tuning()


def test_action_responses_are_still_validated():
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_answer_topic", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "はい"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_sqlite_connections_use_wal(tmp_path):
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sqlalchemy.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
