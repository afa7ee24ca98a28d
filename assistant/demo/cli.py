"""The `madoguchi demo` command: a month of demo conversations for the dashboard and the report, or their removal."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from assistant.settings import Settings, SettingsError

DEFAULT_URL = "http://127.0.0.1:5005"


def _progress(done: int, total: int) -> None:
    step = max(1, total // 10)
    if done % step == 0 or done == total:
        print(f"demo: {done}/{total} conversations", flush=True)


def _desk_open(knowledge_dir: Path) -> bool:
    import datetime as dt

    from assistant.knowledge.office_hours import JST, load_office_hours

    return load_office_hours(knowledge_dir).is_open(dt.datetime.now(JST))


def _refuse_early(options) -> None:
    """A bad month or an unreachable tracker store stops the command before it says it starts."""
    from assistant.demo.stores import tracker_engine
    from assistant.demo.timeline import Placer
    from assistant.knowledge.office_hours import load_office_hours

    Placer(options.month, load_office_hours(options.knowledge_dir))
    tracker_engine(options.tracker_url).dispose()


def cmd_demo(args: argparse.Namespace) -> int:
    from assistant.analytics.collect import CollectorError, tracker_url
    from assistant.privacy.keys import product_id_key
    from assistant.launcher import api_token
    from assistant.demo.client import DemoError
    from assistant.demo.stores import StoreError
    from assistant.demo.timeline import MonthError, last_month
    from assistant.knowledge import KnowledgeError

    try:
        settings = Settings.from_env()
        key = product_id_key(settings.data_dir)
        tracker = args.tracker_url or tracker_url(settings.data_dir, os.environ)
        database = args.database_url or settings.database_url
        if args.remove:
            from assistant.demo.remove import remove_demo

            print(remove_demo(tracker, database, key, source=args.source).summary())
            return 0
        from assistant.demo.run import DemoOptions, run_demo

        options = DemoOptions(
            url=args.url, tracker_url=tracker, database_url=database, id_key=key,
            knowledge_dir=Path(args.knowledge or settings.knowledge_dir), month=args.month or last_month(),
            conversations=args.conversations, seed=args.seed, concurrency=args.concurrency, rate=args.rate,
            source=args.source, progress=_progress, api_token=api_token(settings.data_dir))
        _refuse_early(options)
        print(f"demo: {options.conversations} conversations of {options.month} through {options.url} "
              f"({options.concurrency} at a time) ...", flush=True)
        if not _desk_open(options.knowledge_dir):
            print("demo: note: the desk is closed now (office_hours in municipality.yml), so residents who ask for a "
                  "person are offered a callback; kiosk calls still reach staff. Run it in office hours for chats "
                  "with staff.", flush=True)
        print(run_demo(options).summary())
        return 0
    except (DemoError, StoreError, MonthError, CollectorError, KnowledgeError, SettingsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("demo: stopped; the conversations so far are in the month (collect them with "
              "`madoguchi analytics collect`)", file=sys.stderr)
        return 130


HELP = ("drive a running assistant with a month of demo conversations (senders demo-...), "
        "then collect them for the dashboard and the report")


def add_parser(subparsers) -> None:
    """Adds `demo` to the `madoguchi` command."""
    arguments(subparsers.add_parser("demo", help=HELP, description=HELP))


def arguments(demo: argparse.ArgumentParser) -> None:
    from assistant.analytics.collect import DEFAULT_SOURCE

    demo.add_argument("--url", default=os.environ.get("MADOGUCHI_RASA_URL") or DEFAULT_URL,
                      help=f"the running assistant (default: MADOGUCHI_RASA_URL or {DEFAULT_URL})")
    demo.add_argument("--conversations", type=int, default=1000, help="how many conversations (default 1000)")
    demo.add_argument("--month", help="the month to spread them over, YYYY-MM (default: last month)")
    demo.add_argument("--tracker-url", help="the assistant's tracker store as an SQLAlchemy URL (default: the store "
                                            "`madoguchi analytics collect` reads, tracker.db in the data folder)")
    demo.add_argument("--database-url", help="the product's database (default: MADOGUCHI_DATABASE_URL)")
    demo.add_argument("--knowledge", help="knowledge folder (default: MADOGUCHI_KNOWLEDGE_DIR or ./knowledge)")
    demo.add_argument("--seed", type=int, help="random seed, for the same residents again (default: a new one)")
    demo.add_argument("--concurrency", type=int, default=4, help="conversations at a time (default 4)")
    demo.add_argument("--rate", type=float, default=9.0,
                      help="requests a second at most (default 9, leaving the server to real residents; "
                           "0 = no limit)")
    demo.add_argument("--source", default=DEFAULT_SOURCE,
                      help=f"the collector's source name (default {DEFAULT_SOURCE})")
    demo.add_argument("--remove", action="store_true",
                      help="delete all demo conversations, their handoffs and their analytics rows instead")
    demo.set_defaults(func=cmd_demo)


def main(argv=None) -> int:
    """This command alone (`python -m assistant.demo --conversations 100 ...`)."""
    parser = argparse.ArgumentParser(prog="madoguchi demo", description=HELP)
    arguments(parser)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
