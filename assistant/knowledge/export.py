"""`madoguchi knowledge export`: the live knowledge (knowledge/ with the answers published in the console) written back
as YAML in knowledge/'s own format, so that a city keeps its answers in version control."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from assistant.knowledge import load_knowledge
from assistant.knowledge.yes_no import FILE_NAME, load_yes_no


def _folded(text: str) -> Any:
    """A text as knowledge/ writes it: a folded block (>-), one sentence a line."""
    from ruamel.yaml.scalarstring import FoldedScalarString

    lines = [line.strip() for line in str(text).split("\n") if line.strip()]
    folded = FoldedScalarString(" ".join(lines))
    folded.fold_pos = [sum(len(line) + 1 for line in lines[:i + 1]) - 1 for i in range(len(lines) - 1)]
    return folded


def _set(entry: Any, key: str, value: Any, after: str) -> None:
    """Replaces a key in place, or adds it after `after` (the file's order stays)."""
    if key in entry:
        entry[key] = value
    else:
        entry.insert(list(entry.keys()).index(after) + 1 if after in entry else len(entry), key, value)


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: comments, order and styles of the file stay
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def export(folder: Path, out: Path, overlay: Mapping[str, Mapping[str, Any]],
           shorts: Optional[Mapping[str, Mapping[str, Any]]] = None) -> List[Path]:
    """Copies `folder` to `out` with the overlay's fields written into the topic files and the published short
    answers (`shorts`, AnswerVersions.short_overlay) into yes_no.yml; returns the files rewritten. The result is loaded again, so a folder the loader refuses is never left without an error."""
    folder, out = Path(folder), Path(out)
    if out.resolve() != folder.resolve():
        shutil.copytree(folder, out, dirs_exist_ok=True)
    by_topic: Dict[str, Dict[str, Mapping[str, Any]]] = {}
    for key, fields in overlay.items():
        topic, _, entry = key.partition("/")
        by_topic.setdefault(topic, {})[entry] = fields
    yaml, written = _yaml(), []
    for topic, entries in sorted(by_topic.items()):
        path = out / "topics" / f"{topic}.yml"
        if not path.is_file():
            continue
        data = yaml.load(path.read_text(encoding="utf-8"))
        changed = False
        for entry in data.get("entries") or []:
            fields = entries.get(entry.get("id"))
            if not fields:
                continue
            entry["answer"], entry["easy"] = _folded(fields["answer"]), _folded(fields["easy"])
            _set(entry, "source", fields["source"], "easy")
            _set(entry, "checked", fields["checked"], "source")
            if fields.get("review_by"):
                _set(entry, "review_by", fields["review_by"], "checked")
            elif "review_by" in entry:
                del entry["review_by"]
            changed = True
        if changed:
            with path.open("w", encoding="utf-8") as handle:
                yaml.dump(data, handle)
            written.append(path)
    written += _short_answers(out, shorts or {})
    knowledge = load_knowledge(out)  # the loader accepts what was written
    if (out / FILE_NAME).is_file():
        load_yes_no(out / FILE_NAME, [f"{t.id}/{e.id}" for t in knowledge.topics.values() for e in t.entries])
    return written


def _short_answers(out: Path, shorts: Mapping[str, Mapping[str, Any]]) -> List[Path]:
    """The short answers published with the answers written into yes_no.yml (answer "" takes the entry's out)."""
    path = out / FILE_NAME
    if not shorts or not path.is_file():
        return []
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))

    def pair(value: Any) -> Any:
        raw = value if isinstance(value, Mapping) else {"answer": value}
        return (raw.get("answer") or None, raw.get("opposite") or None)

    changes = {key: raw for key, raw in shorts.items() if pair(data.get(key)) != pair(raw)}
    if not changes:
        return []
    for key, raw in sorted(changes.items()):
        if not raw.get("answer"):
            data.pop(key, None)
        else:
            data[key] = {"answer": raw["answer"], "opposite": raw["opposite"]} if raw.get("opposite") else raw["answer"]
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return [path]
