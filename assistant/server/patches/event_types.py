"""An event's class found by its name in a table instead of by walking every subclass of Event for each stored
event Rasa loads (a few percent of the server's CPU per message); the table is rebuilt for a name not in it."""
from __future__ import annotations

from typing import Any, Dict, Optional

from assistant.server.patches.base import Swap

RASA_VERSION = "3.6.21"
TARGET = "rasa.shared.core.events:Event.resolve_by_type"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(type_name: str, default: Optional[Type[ForwardRef('Event')]] = None) -> "
            "Optional[Type[ForwardRef('Event')]]",
})


def _replacement() -> Any:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    table: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
        cls = table.get(type_name)
        if cls is None:
            table.clear()
            for sub in rasa.shared.utils.common.all_subclasses(Event):
                table.setdefault(sub.type_name, sub)  # the first in Rasa's order, as Rasa's loop returns
            cls = table.get(type_name)
        if cls is not None:
            return cls
        if type_name == "topic":
            return None  # Rasa's backwards compatibility for old TopicSet events
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")

    return staticmethod(resolve_by_type)


def apply() -> None:
    SWAP.apply({TARGET: _replacement()})


def revert() -> None:
    SWAP.revert()
