"""The error and the field readers every loader of knowledge/ shares (answers, guides, office hours, conversation)."""
from __future__ import annotations

import re
import string
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Tuple

import yaml


class KnowledgeError(ValueError):
    """A knowledge file is wrong; the message names the file and the key."""

    def __init__(self, path: Path, key: str, problem: str) -> None:
        self.path, self.key, self.problem = Path(path), key, problem
        super().__init__(f"{path}: {key}: {problem}")


def read_yaml(path: Path) -> Any:
    """The file's YAML, or a KnowledgeError naming the file when it is not valid YAML or not UTF-8."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(path, "(file)", f"not valid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise KnowledgeError(path, "(file)", "not UTF-8 text") from None


def fill(template: str, profile: SimpleNamespace, path: Path, key: str) -> str:
    """The text with its {section.key} placeholders filled from municipality.yml (each must exist there)."""
    for _, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if spec or conv or not re.fullmatch(r"[a-z_]+\.[a-z_]+", name):
            raise KnowledgeError(path, key, f"placeholder {{{name}}} must look like {{section.key}}")
        section, _, attr = name.partition(".")
        if not hasattr(getattr(profile, section, None), attr):
            raise KnowledgeError(path, key, f"placeholder {{{name}}} not in municipality.yml")
    try:
        return template.format(**vars(profile))
    except (AttributeError, KeyError, IndexError, ValueError) as exc:
        raise KnowledgeError(path, key, f"placeholder not in municipality.yml: {exc}") from None


def one_sentence_a_line(text: str) -> str:
    """One sentence a line: easier to read on a phone or a kiosk."""
    return re.sub(r"([。？！])\s+", r"\1\n", text)


def required_text(data: Any, key: str, path: Path, where: str) -> str:
    """The non-empty text under `key` (stripped); `where` is the key's place in the file, for the error."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(path, f"{where}{key}", "missing or empty text")
    return value.strip()


def easy_text(data: Dict[str, Any], key: str, path: Path, where: str) -> str:
    """The やさしい日本語 form that every answer and guide step must have (the kiosk's easy mode shows it)."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(path, f"{where}{key}", "missing: every answer needs its やさしい日本語 form "
                                                    "(short sentences, one fact each, the same placeholders)")
    return value.strip()


def read_named_file(path: Path, id_key: str) -> Tuple[Dict[str, Any], str]:
    """A YAML mapping whose `id_key` must equal the file name; returns it with that id."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeError(path, "(file)", "expected a mapping")
    name = required_text(data, id_key, path, "")
    if name != path.stem:
        raise KnowledgeError(path, id_key, f"{name!r} does not match the file name {path.stem!r}")
    return data, name
