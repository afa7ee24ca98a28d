"""`madoguchi knowledge review`: the answers a person should compare with their source again."""
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


def add_parser(sub) -> None:
    knowledge = sub.add_parser("knowledge", help="the answers' sources and checked dates")
    commands = knowledge.add_subparsers(dest="knowledge_command", required=True)
    review = commands.add_parser(
        "review", help="list answers checked longer ago than --months, or whose review_by date has come, with their source")
    review.add_argument("--months", type=int, default=DEFAULT_MONTHS, help=f"default {DEFAULT_MONTHS}")
    review.add_argument("--knowledge", help="knowledge folder (default: MADOGUCHI_KNOWLEDGE_DIR or ./knowledge)")
    review.add_argument("--today", help="judge as of this day (YYYY-MM-DD; default today)")
    review.set_defaults(func=cmd_review)
