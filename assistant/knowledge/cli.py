"""`madoguchi knowledge review` (answers to compare with their source again) and `export` (the live answers back to YAML)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Optional

from assistant.knowledge.currency import DEFAULT_MONTHS, due_for_review, format_review


def load_or_report(folder_arg: Optional[str]):
    """The knowledge of --knowledge (or the configured folder) and that folder; None after printing why it is bad."""
    from assistant.knowledge import KnowledgeError, load_knowledge
    from assistant.settings import Settings

    folder = Path(folder_arg or Settings.from_env().knowledge_dir)
    try:
        return load_knowledge(folder), folder
    except KnowledgeError as exc:
        print(f"knowledge error: {exc}", file=sys.stderr)
        return None, folder


def cmd_review(args: argparse.Namespace) -> int:
    knowledge, _ = load_or_report(args.knowledge)
    if knowledge is None:
        return 1
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    print(format_review(due_for_review(knowledge, today, args.months), args.months))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from assistant.knowledge import KnowledgeError
    from assistant.knowledge.export import export
    from assistant.knowledge.live import usable
    from assistant.knowledge.versions import AnswerVersions
    from assistant.settings import Settings

    settings = Settings.from_env()
    folder = Path(args.knowledge or settings.knowledge_dir)
    versions = AnswerVersions.from_url(args.database_url or settings.database_url)
    try:
        # Answers the files no longer accept are left out (with an error in the log), as the servers do.
        _, overlay = usable(folder, versions.overlay())
        shorts = {key: short for key, short in versions.short_overlay().items() if key in overlay}
        written = export(folder, Path(args.out), overlay, shorts)
    except KnowledgeError as exc:
        print(f"knowledge error: {exc}", file=sys.stderr)
        return 1
    finally:
        versions.close()
    print(f"{args.out}: {len(overlay)} answers published in the console, {len(written)} topic files rewritten")
    for path in written:
        print(f"- {path}")
    return 0


def add_parser(sub) -> None:
    knowledge = sub.add_parser("knowledge", help="the answers' sources and checked dates")
    commands = knowledge.add_subparsers(dest="knowledge_command", required=True)
    review = commands.add_parser(
        "review", help="list answers checked longer ago than --months, or whose review_by date has come, with their source")
    review.add_argument("--months", type=int, default=DEFAULT_MONTHS, help=f"default {DEFAULT_MONTHS}")
    review.add_argument("--knowledge", help="knowledge folder (default: MADOGUCHI_KNOWLEDGE_DIR or ./knowledge)")
    review.add_argument("--today", help="judge as of this day (YYYY-MM-DD; default today)")
    review.set_defaults(func=cmd_review)
    export = commands.add_parser(
        "export", help="write the live knowledge (knowledge/ with the answers published in the staff console) as YAML "
                       "in knowledge/'s format, e.g. into a checkout of the city's repository")
    export.add_argument("--out", required=True, help="folder to write (made if missing; may be the knowledge folder itself)")
    export.add_argument("--knowledge", help="knowledge folder (default: MADOGUCHI_KNOWLEDGE_DIR or ./knowledge)")
    export.add_argument("--database-url", help="the product's database (default: MADOGUCHI_DATABASE_URL)")
    export.set_defaults(func=cmd_export)
