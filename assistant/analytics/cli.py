"""The `madoguchi report` and `madoguchi analytics collect` commands."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import List, Optional

from assistant.settings import Settings, SettingsError


def cmd_collect(args: argparse.Namespace) -> int:
    """Copies new tracker events and handoff records into the analytics tables (run it from cron)."""
    from assistant.analytics.collect import CollectorError, collect, tracker_url
    from assistant.privacy.keys import product_id_key

    settings = Settings.from_env()
    try:
        # MADOGUCHI_ID_KEY is the setting the Telegram bridge reads too (TelegramSettings).
        key = product_id_key(settings.data_dir)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        result = collect(args.db_url or tracker_url(settings.data_dir, os.environ),
                         args.database_url or settings.database_url, key, source=args.source, batch_events=args.batch)
    except CollectorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def cmd_consume(args: argparse.Namespace) -> int:
    """Production: moves RabbitMQ's events into the event log database (run it as a service)."""
    from assistant.analytics.event_log import Consumer, event_log_engine

    settings = Settings.from_env()
    url = args.event_log_url or settings.event_log_url
    if not url:
        print("error: set MADOGUCHI_EVENT_LOG_URL (a database of its own, not the tracker store's)", file=sys.stderr)
        return 2
    engine = event_log_engine(url)
    try:
        written = Consumer(settings.broker(), engine).run(idle_exit=args.idle_exit)
    finally:
        engine.dispose()
    print(f"event log: {written} events written")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Writes the month's デジタルデバイド対策レポート as printable HTML."""
    from assistant.analytics.period import Period
    from assistant.analytics.report import write_report
    from assistant.storage.db import migrate

    try:
        Period.month(args.month)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    database_url = args.database_url or settings.database_url
    migrate(database_url)
    out = write_report(database_url, args.month, Path(args.out), Path(args.knowledge or settings.knowledge_dir))
    print(f"report: {out}")
    if not args.no_pdf:
        pdf = print_pdf(out)
        print(f"report: {pdf}" if pdf else "report: no PDF (Chromium not found; print the HTML from a browser)")
    return 0


CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def print_pdf(html: Path, timeout: float = 120) -> Optional[Path]:
    """The report as PDF beside the HTML, printed by headless Chromium when the machine has it."""
    import subprocess
    import tempfile

    browser = next((b for b in CHROMIUM if Path(b).exists()), None)
    if browser is None:
        return None
    pdf = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=timeout)
    return pdf if pdf.exists() and pdf.stat().st_size > 0 else None


def cmd_feedback(args: argparse.Namespace) -> int:
    """Prints residents' 「役に立った」「役に立たなかった」 per answer (entry), the most unhelpful first."""
    from assistant.analytics.feedback import format_counts, per_entry
    from assistant.analytics.period import Period
    from assistant.storage.db import make_engine, migrate

    try:
        period = Period(dt.date.fromisoformat(args.date_from), dt.date.fromisoformat(args.date_to)) \
            if args.date_from and args.date_to else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = args.database_url or Settings.from_env().database_url
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            print(format_counts(per_entry(conn, period), period))
    finally:
        engine.dispose()
    return 0


def add_parser(subparsers) -> None:
    """Adds `report` and `analytics collect` to the `madoguchi` command."""
    from assistant.analytics.collect import BATCH_EVENTS, DEFAULT_SOURCE

    report = subparsers.add_parser("report", help="write the monthly デジタルデバイド対策レポート (printable HTML)")
    report.add_argument("--month", required=True, help="the month, YYYY-MM (days in Japan time)")
    report.add_argument("--out", required=True, help="the HTML file to write")
    report.add_argument("--database-url", help="the product's database (default: MADOGUCHI_DATABASE_URL)")
    report.add_argument("--knowledge", help="knowledge folder for names (default: MADOGUCHI_KNOWLEDGE_DIR or ./knowledge)")
    report.add_argument("--no-pdf", action="store_true", help="only the HTML (by default also a PDF when Chromium is installed)")
    report.set_defaults(func=cmd_report)
    analytics = subparsers.add_parser("analytics", help="conversation analytics")
    commands = analytics.add_subparsers(dest="analytics_command", required=True)
    collect = commands.add_parser("collect",
                                  help="copy new tracker events and handoffs into the analytics tables (for cron)")
    collect.add_argument("--db-url", help="the tracker store as an SQLAlchemy URL (default: PostgreSQL from "
                                          "MADOGUCHI_PG_* when MADOGUCHI_PG_HOST is set, else MADOGUCHI_TRACKER_DB "
                                          "or tracker.db in the data folder)")
    collect.add_argument("--database-url", help="the product's database (default: MADOGUCHI_DATABASE_URL)")
    collect.add_argument("--source", default=DEFAULT_SOURCE,
                         help=f"name of the tracker store's watermark (default {DEFAULT_SOURCE}); "
                              "a new name for a new store")
    collect.add_argument("--batch", type=int, default=BATCH_EVENTS, help=f"events per transaction (default {BATCH_EVENTS})")
    collect.set_defaults(func=cmd_collect)
    consume = commands.add_parser("consume", help="production: RabbitMQ's events into the event log database")
    consume.add_argument("--event-log-url", help="default: MADOGUCHI_EVENT_LOG_URL")
    consume.add_argument("--idle-exit", type=float, help="stop once the queue has been empty this many seconds")
    consume.set_defaults(func=cmd_consume)
    feedback = commands.add_parser("feedback", help="residents' 役に立った / 役に立たなかった per answer")
    feedback.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (Japan time; with --to)")
    feedback.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (Japan time; with --from)")
    feedback.add_argument("--database-url", help="the product's database (default: MADOGUCHI_DATABASE_URL)")
    feedback.set_defaults(func=cmd_feedback)


def main(argv: Optional[List[str]] = None) -> int:
    """These commands alone (`python -m assistant.analytics.cli ...`)."""
    parser = argparse.ArgumentParser(prog="madoguchi")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
