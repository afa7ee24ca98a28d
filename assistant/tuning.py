"""Tuning of the Rasa server process: SQLite settings, a compiled action-response schema, no silent
fall-back to an in-memory tracker store."""
from __future__ import annotations

from typing import Any, Dict

from sqlalchemy import event
from sqlalchemy.engine import Engine

_applied = False


def _on_connect(dbapi_connection, connection_record) -> None:
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. synchronous=NORMAL: a commit does not wait for the
    # disk; a crash of the process loses nothing, only a power cut can lose the last messages.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _compiled_action_validation() -> None:
    """Rasa checks every action-server response with jsonschema.validate(), which re-checks the
    schema itself each time (about a third of the server's CPU per message). Same schema and
    same errors, with the validator built once."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response "
                f"from the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]


def apply_server_tuning() -> None:
    """Applied once by the REST channel when the Rasa server starts."""
    global _applied
    if _applied:
        return
    event.listen(Engine, "connect", _on_connect)
    _compiled_action_validation()
    from assistant.stores import no_silent_fallback

    no_silent_fallback()
    _applied = True
