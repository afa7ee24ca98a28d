"""`madoguchi nlu reviewed`: messages staff labelled with an entry become training examples in nlu_data/reviewed/
(redacted again, de-duplicated; who labelled each and when go to a side table, never into the YAML)."""
from __future__ import annotations

import argparse
import csv
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa

from assistant.settings import PROJECT_ROOT, Settings

FOLDER = PROJECT_ROOT / "nlu_data" / "reviewed"
EXAMPLES_FILE = "reviewed.yml"
SIDE_TABLE = "reviewed_by.csv"  # not read by Rasa: only YAML files are training data
MAX_CHARS = 300


@dataclass(frozen=True)
class Example:
    entry: str  # topic/entry: the retrieval intent
    text: str
    labelled_by: str
    labelled_at: str  # UTC, ISO 8601


def _one_line(text: str) -> str:
    return " ".join(text.split())[:MAX_CHARS]


def _key(text: str) -> str:
    """Two messages are the same example when they differ only in width, case and spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def labelled(engine: sa.engine.Engine, known: Optional[set] = None) -> Tuple[List[Example], List[str]]:
    """The examples (redacted again, one per wording: the latest decision wins) and the wordings skipped, with why."""
    from assistant.privacy.redact import redact
    from assistant.storage.models import ReviewItem

    table = ReviewItem.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.text, table.c.entry, table.c.decided_by, table.c.decided_at).where(
            table.c.decision == "entry", table.c.text.isnot(None), table.c.entry.isnot(None))
            .order_by(table.c.decided_at, table.c.id)).all()
    chosen: Dict[str, Example] = {}
    skipped: List[str] = []
    for row in rows:
        text = _one_line(redact(row.text).text)
        if not text:
            continue
        if known is not None and row.entry not in known:
            skipped.append(f"{row.entry}: no such answer in knowledge/ any more")
            continue
        chosen.pop(_key(text), None)  # a later decision on the same wording replaces the earlier one
        chosen[_key(text)] = Example(row.entry, text, row.decided_by or "",
                                     row.decided_at.isoformat(timespec="seconds") + "Z" if row.decided_at else "")
    return list(chosen.values()), skipped


def _quoted(text: str) -> str:
    """A list item of a Rasa `examples: |` block: a leading '-' would change its meaning, and ASCII brackets
    would read as an entity annotation ([text](entity)), so they become full-width (NFKC folds them back)."""
    return text.lstrip("- ").replace("[", "［").replace("]", "］")


def _private(path: Path):
    """path opened for writing, readable by its owner only (0600, also when it existed with wider rights):
    the side table names staff accounts."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def write(examples: List[Example], folder: Path = FOLDER) -> Path:
    """reviewed.yml (Rasa NLU retrieval-intent examples, entries sorted) and the side table (0600); returns the
    YAML's path."""
    folder.mkdir(parents=True, exist_ok=True)
    by_entry: Dict[str, List[str]] = {}
    for example in examples:
        by_entry.setdefault(example.entry, []).append(_quoted(example.text))
    lines = ['version: "3.1"', "nlu:"]
    for entry in sorted(by_entry):
        lines += [f"- intent: {entry}", "  examples: |"] + [f"    - {text}" for text in by_entry[entry]]
    if not by_entry:
        lines[-1] = "nlu: []"
    path = folder / EXAMPLES_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with _private(folder / SIDE_TABLE) as handle:
        out = csv.writer(handle)
        out.writerow(["intent", "text", "labelled_by", "labelled_at"])
        for example in sorted(examples, key=lambda e: (e.entry, e.labelled_at)):
            out.writerow([example.entry, _quoted(example.text), example.labelled_by, example.labelled_at])
    return path


def cmd_reviewed(args: argparse.Namespace) -> int:
    from assistant.knowledge import load_knowledge
    from assistant.storage.db import make_engine, migrate

    settings = Settings.from_env()
    migrate(settings.database_url)
    knowledge = load_knowledge(settings.knowledge_dir)
    known = {f"{t.id}/{e.id}" for t in knowledge.topics.values() for e in t.entries}
    engine = make_engine(settings.database_url)
    try:
        examples, skipped = labelled(engine, known)
    finally:
        engine.dispose()
    path = write(examples, Path(args.out))
    for why in skipped:
        print(f"skipped: {why}")
    entries = len({e.entry for e in examples})
    print(f"wrote {len(examples)} reviewed examples for {entries} answers to {path} (who and when: {SIDE_TABLE})")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    nlu = sub.add_parser("nlu", help="training data for understanding residents")
    commands = nlu.add_subparsers(dest="nlu_command", required=True)
    reviewed = commands.add_parser("reviewed", help="write the messages staff labelled in the review queue to "
                                                    "nlu_data/reviewed/ (training examples for `madoguchi retrain`)")
    reviewed.add_argument("--out", default=str(FOLDER), help="folder (default nlu_data/reviewed/)")
    reviewed.set_defaults(func=cmd_reviewed)
