"""A compact tracker sent to the action server: the session's last events whole, before them only what the
resident and the assistant said. Rasa sends every event in full for every action (some 5 kB more per message)."""
from __future__ import annotations

from typing import Any, Dict, List

from assistant.server.patches.base import Swap

RASA_VERSION = "3.6.21"
TARGET = "rasa.core.actions.action:RemoteAction._action_call_format"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(self, tracker: 'DialogueStateTracker', domain: 'Domain') -> Dict[str, Any]",
    "rasa.core.actions.action:RemoteAction._is_selective_domain_enabled": "(self) -> bool",
    "rasa.shared.core.trackers:DialogueStateTracker.current_state":
        "(self, event_verbosity: rasa.shared.core.trackers.EventVerbosity = <EventVerbosity.NONE: 1>) -> Dict[str, Any]",
})
RECENT_EVENTS = 12  # the action server gets these last events whole


def compact_events(events: Any) -> List[Dict[str, Any]]:
    """The session's events as the action server reads them: the last few whole, and before them only what
    the resident and the assistant said (the transcript a handoff carries), without the NLU's scores, slots
    and actions. A long conversation's tracker is then a few kilobytes instead of hundreds.

    What the actions read (actions/common.py, actions/handoff.py): user and bot events' text, timestamp,
    metadata and buttons; the latest user event in full; slots and latest_message come with the tracker's
    state, not from the events."""
    from rasa.shared.core.events import BotUttered, UserUttered

    events = list(events)
    older, recent = events[:-RECENT_EVENTS], events[-RECENT_EVENTS:]
    out: List[Dict[str, Any]] = []
    for e in older:
        if isinstance(e, UserUttered):
            out.append({"event": "user", "timestamp": e.timestamp, "text": e.text,
                        "input_channel": e.input_channel, "metadata": e.metadata})
        elif isinstance(e, BotUttered):
            out.append({"event": "bot", "timestamp": e.timestamp, "text": e.text, "data": e.data})
    out.extend(e.as_dict() for e in recent)
    return out


def _action_call_format(self: Any, tracker: Any, domain: Any) -> Dict[str, Any]:
    """Rasa's request body with the tracker's state as Rasa makes it, its events replaced by compact_events."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = compact_events(tracker.events)
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
              "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


def apply() -> None:
    SWAP.apply({TARGET: _action_call_format})


def revert() -> None:
    SWAP.revert()
