"""The `madoguchi` command: check knowledge, run the servers, chat in the terminal."""
from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

from assistant.knowledge.cli import load_or_report
from assistant.settings import PROJECT_ROOT, Settings


def cmd_check(args: argparse.Namespace) -> int:
    knowledge, folder = load_or_report(args.knowledge)
    if knowledge is None:
        return 1
    entries = sum(len(t.entries) for t in knowledge.topics.values())
    print(f"knowledge ok: {len(knowledge.topics)} topics, {entries} answers ({folder})")
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    """Validates knowledge/ (a bad file stops start-up), then serves the actions package."""
    if cmd_check(argparse.Namespace(knowledge=None)) != 0:
        return 1
    from actions.common import get_knowledge

    from assistant.server.gc_tuning import calm_collector
    from assistant.server.actions import action_host, serve

    action_host()  # refuses another host than loopback without a shared secret, before loading anything
    get_knowledge()
    calm_collector()
    serve(args.port)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The Rasa server alone (`rasa run`'s options, the token from the environment), with the product's
    patches to Rasa applied first (assistant/server/patches/); refuses to start on another Rasa version."""
    from assistant.server.serve import main as serve

    serve(args.rasa_args)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from assistant.launcher import Stack

    if cmd_check(argparse.Namespace(knowledge=None)) != 0:
        return 1
    data_dir = Path(args.data_dir) if args.data_dir else Settings.from_env().data_dir
    stack = Stack(model=Path(args.model), data_dir=data_dir, rasa_port=args.port, action_port=args.action_port,
                  console_port=args.console_port)
    print(f"starting まどぐちナビ on http://127.0.0.1:{args.port} (loading the model takes about 10 s) ...", flush=True)
    stack.stop_on_signals()  # SIGTERM, SIGHUP and SIGINT stop every process it started
    try:
        stack.start()
    except KeyboardInterrupt:
        return 130
    print(
        f"ready: POST http://127.0.0.1:{args.port}/webhooks/rest/webhook  "
        f"(HTTP API token in {data_dir / 'api_token'}; chat with `make chat`; Ctrl-C stops)\n"
        f"kiosk page: http://127.0.0.1:{args.port}/webhooks/kiosk/page?kiosk=1\n"
        f"staff console: {stack.console_url}/staff/ (create an account: madoguchi staff create NAME --name 表示名)"
        + ("\nTelegram bridge: running" if stack.telegram_enabled else ""),
        flush=True,
    )
    return stack.wait()


def cmd_retention(args: argparse.Namespace) -> int:
    """Deletes conversation events and closed handoffs older than the retention period (for cron or a systemd timer)."""
    from assistant.handoff.store import HandoffStore
    from assistant.privacy.retention import (
        purge_analytics_texts, purge_old_events, purge_review_texts, purge_telegram_chats,
    )
    from assistant.staff.accounts import StaffAccounts
    from assistant.storage.db import migrate

    settings = Settings.from_env()
    days = args.days or settings.retention_days
    db_url = args.db_url or f"sqlite:///{settings.data_dir / 'tracker.db'}"
    result = purge_old_events(db_url, days)
    database_url = args.database_url or settings.database_url
    migrate(database_url)
    store = HandoffStore.from_url(database_url)
    try:
        StaffAccounts(store.engine).purge_expired_sessions()
        purge_review_texts(store.engine, days)
        handoffs = store.purge_closed(days)
        chats = purge_telegram_chats(store.engine, days)
        texts = purge_analytics_texts(store.engine, days)
    finally:
        store.close()
    print(f"retention: deleted {result.events_deleted} events, {handoffs} closed handoffs and {chats} Telegram chat "
          f"addresses older than {days} days, and blanked {texts} unanswered-question texts in analytics "
          f"(its counts stay); {result.conversations_left} conversations left")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """Brings the product's database (handoffs, staff, audit) to the latest schema."""
    from assistant.storage.db import current_revision, migrate

    url = Settings.from_env().database_url
    migrate(url)
    print(f"database at revision {current_revision(url)}")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    """Audits stores for valid My Numbers and PINs in any format redaction knows (--contacts: phone numbers other
    than the desk's, and e-mail addresses, too); exit 1 when any is found (what was found is not printed)."""
    from assistant.privacy.scan import public_phones, scan_files, scan_sql

    public = public_phones(Settings.from_env().knowledge_dir) if args.contacts else []
    hits = scan_files((Path(p) for p in args.paths), args.contacts, public)
    for url in args.db_url or []:
        hits += scan_sql(url, contacts=args.contacts, public=public)
    for where, what in hits:
        print(f"{'valid My Number' if what.isdigit() else what} found in {where}")
    numbers = sum(what.isdigit() for _, what in hits)
    print(f"scan: {numbers} valid My Numbers found, {len(hits) - numbers} other personal data")
    return 1 if hits else 0


def post(url: str, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Any:
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def _conversation(base: str, sender: Optional[str]) -> tuple:
    """(the conversation's body fields, headers): a new conversation from the server (its sender id and
    token), or, for --sender, the named one as an integrator with the API token of the data folder."""
    if not sender:
        return post(f"{base}/webhooks/rest/start", {}), {}
    from assistant.launcher import api_token

    return {"sender": sender}, {"Authorization": f"Bearer {api_token(Settings.from_env().data_dir)}"}


def cmd_chat(args: argparse.Namespace) -> int:
    """A terminal chat over the REST channel; buttons are numbered, type the number to press one."""
    base = args.url.rstrip("/")
    try:
        conversation, headers = _conversation(base, args.sender)
    except OSError as exc:
        print(f"(サーバーにつながりません: {exc})")
        return 1
    buttons: List[Dict[str, str]] = []
    print("まどぐちナビ です。ご質問をどうぞ（終わるときは「exit」）。")
    while True:
        try:
            text = input("あなた> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text.lower() in {"exit", "quit", "おわり"}:
            return 0
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            replies = post(f"{base}/webhooks/rest/webhook", dict(conversation, message=text), headers)
        except OSError as exc:
            print(f"(サーバーにつながりません: {exc})")
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print(f"ナビ> {reply['text']}")
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}")


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="madoguchi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate knowledge/ and report the first error with file and key")
    check.add_argument("--knowledge", help="knowledge folder (default: MADOGUCHI_KNOWLEDGE_DIR or ./knowledge)")
    check.set_defaults(func=cmd_check)
    actions = sub.add_parser("actions", help="run the action server")
    actions.add_argument("--port", type=int, default=5055)
    actions.set_defaults(func=cmd_actions)
    serve = sub.add_parser("serve", help="run the Rasa server alone (rasa run's options; MADOGUCHI_API_TOKEN)")
    serve.set_defaults(func=cmd_serve)
    run = sub.add_parser("run", help="run the action server and the Rasa server (embedded SQLite profile)")
    run.add_argument("--model", default=str(PROJECT_ROOT / "models" / "current.tar.gz"))
    run.add_argument("--data-dir", help="stores, logs and the API token (default: MADOGUCHI_DATA_DIR or ./data)")
    run.add_argument("--port", type=int, default=5005)
    run.add_argument("--action-port", type=int, default=5055)
    run.add_argument("--console-port", type=int, default=5080)
    run.set_defaults(func=cmd_run)
    retention = sub.add_parser("retention", help="delete conversation events older than the retention period")
    retention.add_argument("--days", type=int, help="default: MADOGUCHI_RETENTION_DAYS (90)")
    retention.add_argument("--db-url", help="tracker store as an SQLAlchemy URL (default: tracker.db in the data folder)")
    retention.add_argument("--database-url", help="the handoff store (default: MADOGUCHI_DATABASE_URL)")
    retention.set_defaults(func=cmd_retention)
    db = sub.add_parser("db", help="database schema (Alembic migrations)")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)
    scan = sub.add_parser("scan", help="audit files and SQL stores for valid My Numbers and PINs")
    scan.add_argument("paths", nargs="*", help="files or folders (logs, SQLite files)")
    scan.add_argument("--db-url", action="append", help="a tracker store as an SQLAlchemy URL (repeatable)")
    scan.add_argument("--contacts", action="store_true",
                      help="report phone numbers (other than the desk's and consented callback numbers) and e-mail addresses too")
    scan.set_defaults(func=cmd_scan)
    from assistant.channels.telegram.cli import add_parser as add_telegram
    from assistant.staff.cli import add_parsers as add_staff
    from assistant.staff.reviewed import add_parser as add_nlu

    from assistant.analytics.cli import add_parser as add_analytics
    from assistant.demo import add_parser as add_demo
    from assistant.knowledge.cli import add_parser as add_knowledge
    from assistant.retrain.cli import add_parser as add_retrain

    add_telegram(sub)
    add_staff(sub)
    add_nlu(sub)
    add_analytics(sub)
    add_demo(sub)
    add_knowledge(sub)
    add_retrain(sub)
    chat = sub.add_parser("chat", help="chat with a running assistant in the terminal")
    chat.add_argument("--url", default="http://127.0.0.1:5005")
    chat.add_argument("--sender", help="a named conversation (sent as an integrator with the data folder's API token)")
    chat.set_defaults(func=cmd_chat)
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        args.rasa_args = rest  # handed to `rasa run` as they are
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
