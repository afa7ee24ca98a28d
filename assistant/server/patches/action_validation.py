"""Action-server answers checked against Rasa's schema by a validator built once: the same errors, without
re-checking the schema itself for every answer (about a third of the server's CPU per message), and each event
checked against the one kind its name says instead of every kind of the schema's `oneOf`."""
from __future__ import annotations

import copy
from typing import Any, Callable, Dict, Optional

from assistant.server.patches.base import Swap

RASA_VERSION = "3.6.21"
TARGET = "rasa.core.actions.action:RemoteAction._validate_action_result"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(self, result: Dict[str, Any]) -> bool",
    "rasa.core.actions.action:RemoteAction.action_response_format_spec": "() -> Dict[str, Any]",
})


def by_event_name(schema: Dict[str, Any], cls: Any) -> Optional[Callable[[Dict[str, Any]], bool]]:
    """A check that passes exactly the answers the schema passes, or None when the schema is not as expected.

    Rasa's schema lists each kind of event in `oneOf`, told apart by a distinct `const` event name, so an event
    passes it when it passes its own kind (no other kind's name can match). Checking only that kind spares some
    twenty failed alternatives per event (about 2 ms of an answer with eight events)."""
    items = schema.get("properties", {}).get("events", {}).get("items", {})
    alternatives = items.get("oneOf") or []
    names = [alt.get("properties", {}).get("event", {}).get("const") for alt in alternatives]
    if not names or None in names or len(set(names)) != len(names) or "event" not in items.get("required", ()):
        return None
    common = {key: value for key, value in items.items() if key != "oneOf"}
    kinds = {name: cls({"allOf": [common, alt]}) for name, alt in zip(names, alternatives)}
    rest = copy.deepcopy(schema)
    rest["properties"]["events"]["items"] = {}
    outer = cls(rest)

    def valid(result: Dict[str, Any]) -> bool:
        if not outer.is_valid(result):
            return False
        events = result.get("events") if isinstance(result, dict) else None
        for event in events if isinstance(events, list) else ():
            kind = kinds.get(event.get("event")) if isinstance(event, dict) else None
            if kind is None or not kind.is_valid(event):
                return False
        return True

    return valid


def _replacement() -> Any:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # what jsonschema.validate() does on every call
    validator = cls(schema)
    quick = by_event_name(schema, cls)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if quick is not None and quick(result):
            return True
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
