"""What every patch shares: the Rasa version it was written for, the signatures it relies on, and an exact undo."""
from __future__ import annotations

import importlib
import inspect
from typing import Any, Dict, Mapping, Tuple

_MISSING = object()


class PatchRefused(RuntimeError):
    """A patch does not fit the installed Rasa (another version, or a target whose signature changed)."""


def resolve(path: str) -> Tuple[Any, str]:
    """("module:Class.attribute" or "module:attribute") -> (the object that holds the attribute, its name)."""
    module_name, _, dotted = path.partition(":")
    owner: Any = importlib.import_module(module_name)
    *outer, attribute = dotted.split(".")
    for name in outer:
        owner = getattr(owner, name)
    return owner, attribute


def signature_of(path: str) -> str:
    """The signature of what `path` names today, as inspect prints it (a static method's: its function's)."""
    owner, attribute = resolve(path)
    value = vars(owner).get(attribute, _MISSING) if isinstance(owner, type) else getattr(owner, attribute, _MISSING)
    if value is _MISSING:
        value = getattr(owner, attribute)  # inherited
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    return str(inspect.signature(value))


class Swap:
    """Puts replacements in place of attributes of Rasa's classes or modules, and puts back the very same objects.

    `signatures` maps every "module:Class.attribute" the patch replaces or relies on to the signature it had in
    the Rasa version the patch was written for; `apply` refuses (PatchRefused, naming the patch) when the
    installed Rasa is another version or a signature differs."""

    def __init__(self, name: str, rasa_version: str, signatures: Mapping[str, str]) -> None:
        self.name = name.rsplit(".", 1)[-1]
        self.rasa_version = rasa_version
        self.signatures = dict(signatures)
        self._originals: Dict[str, Any] = {}

    @property
    def active(self) -> bool:
        return bool(self._originals)

    def check(self) -> None:
        import rasa

        if rasa.__version__ != self.rasa_version:
            raise PatchRefused(
                f"patch {self.name} was written for Rasa {self.rasa_version}, but Rasa {rasa.__version__} is "
                f"installed: compare it with the new Rasa's code (assistant/server/patches/{self.name}.py), then "
                "update its RASA_VERSION, or install the pinned Rasa")
        for path, expected in self.signatures.items():
            try:
                found = signature_of(path)
            except (ImportError, AttributeError) as error:
                raise PatchRefused(f"patch {self.name}: {path} is gone ({error})") from error
            if found != expected:
                raise PatchRefused(f"patch {self.name}: {path} changed signature: {found} (written for {expected})")

    def apply(self, replacements: Mapping[str, Any]) -> None:
        """Replaces each "module:Class.attribute" with its value; a second call changes nothing."""
        if self.active:
            return
        self.check()
        for path, value in replacements.items():
            owner, attribute = resolve(path)
            self._originals[path] = vars(owner).get(attribute, _MISSING)
            setattr(owner, attribute, value)

    def revert(self) -> None:
        """Puts back the objects that were there before apply (removes what was not there)."""
        for path, original in reversed(list(self._originals.items())):
            owner, attribute = resolve(path)
            if original is _MISSING:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)
        self._originals.clear()

    def original(self, path: str) -> Any:
        """Rasa's own object that `path` held before apply (for a patch that calls it, and for tests)."""
        owner, attribute = resolve(path)
        value = self._originals.get(path, vars(owner).get(attribute, _MISSING))
        if value is _MISSING:
            raise KeyError(path)
        return value
