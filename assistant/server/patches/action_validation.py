"""Action-server answers checked against Rasa's schema by a validator built once: the same errors, without
re-checking the schema itself for every answer (about a third of the server's CPU per message)."""
from __future__ import annotations

from typing import Any, Dict

from assistant.server.patches.base import Swap

RASA_VERSION = "3.6.21"
TARGET = "rasa.core.actions.action:RemoteAction._validate_action_result"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(self, result: Dict[str, Any]) -> bool",
    "rasa.core.actions.action:RemoteAction.action_response_format_spec": "() -> Dict[str, Any]",
})


def _replacement() -> Any:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # what jsonschema.validate() does on every call
    validator = cls(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        # jsonschema.validate(): the best match among the errors, not the first one
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error

    return _validate_action_result


def apply() -> None:
    SWAP.apply({TARGET: _replacement()})


def revert() -> None:
    SWAP.revert()
