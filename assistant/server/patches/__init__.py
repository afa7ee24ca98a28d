"""Every change this product makes inside Rasa, one module per patch, each written for a pinned Rasa version.

The Rasa server applies them at its start (assistant/server/serve.py: apply_all()), an NLU worker the ones
parsing needs (apply_all(WORKER)); nothing else does. apply_all refuses, naming the patch, when the installed
Rasa is not the version a patch was written for or a signature it relies on changed. To see them:
`python -c "import assistant.server.patches as p; print(p.applied())"`.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Iterable, List, NamedTuple, Tuple

from assistant.server.patches.base import PatchRefused

__all__ = ["PatchRefused", "SERVER", "WORKER", "applied", "apply_all", "check_all", "revert_all"]

SERVER: Tuple[str, ...] = ("action_validation", "action_payload", "action_sessions", "event_types", "graph_runner",
                           "failsafe_store", "spacy_once")
WORKER: Tuple[str, ...] = ("event_types", "graph_runner", "spacy_once")


class PatchInfo(NamedTuple):
    name: str
    rasa: str  # the Rasa version the patch was written for
    active: bool  # applied in this process
    replaces: Tuple[str, ...]
    what: str  # the start of the module's docstring


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")


def applied() -> List[PatchInfo]:
    """Every patch, with the Rasa version it was written for and whether it is applied in this process."""
    out = []
    for name in SERVER:
        patch = module(name)
        out.append(PatchInfo(name, patch.RASA_VERSION, patch.SWAP.active, (patch.TARGET,),
                             " ".join((patch.__doc__ or "").split()).split(": ")[0].split("; ")[0]))
    return out


def check_all(names: Iterable[str] = SERVER) -> None:
    """Raises PatchRefused for the first patch that does not fit the installed Rasa."""
    for name in names:
        module(name).SWAP.check()


def apply_all(names: Iterable[str] = SERVER) -> None:
    """Checks every patch first, then applies them (none when one does not fit)."""
    names = tuple(names)
    check_all(names)
    for name in names:
        module(name).apply()


def revert_all() -> None:
    """Puts Rasa's own code back everywhere, in the reverse order."""
    for name in reversed(SERVER):
        module(name).revert()
