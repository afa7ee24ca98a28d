"""`madoguchi telegram`: assembles the bridge (store, client, application) and runs it by polling or webhook."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlparse

from telegram.error import InvalidToken
from telegram.ext import Application

from assistant.channels.common import apology
from assistant.channels.telegram.bridge import Bridge
from assistant.channels.telegram.chats import ChatStore
from assistant.channels.telegram.client import AssistantClient
from assistant.channels.telegram.ids import SenderIds
from assistant.channels.telegram.logmask import install_log_mask, quiet_libraries
from assistant.channels.telegram.webhook import WebhookDoor, run_webhook
from assistant.privacy.keys import load_id_key
from assistant.settings import Settings, SettingsError, TelegramSettings
from assistant.storage.db import make_engine, migrate

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]


def apology_text(knowledge_dir: Path) -> str:
    """The fixed apology, with the desk's phone and hours when the knowledge folder can be read."""
    try:
        from assistant.knowledge import load_knowledge

        return apology(load_knowledge(knowledge_dir).municipality["desk"])
    except Exception:
        return apology()


def make_bridge(tg: TelegramSettings, settings: Settings, *, api_token: Optional[str] = None,
                upgrade_db: bool = True, poll_interval: float = 2.0) -> Bridge:
    if upgrade_db:
        migrate(settings.database_url)
    if api_token is None:
        from assistant.launcher import api_token as read_api_token

        api_token = read_api_token(settings.data_dir)
    store = ChatStore(make_engine(settings.database_url), SenderIds(load_id_key(settings.data_dir, tg.id_key)))
    return Bridge(store, AssistantClient(tg.rasa_url, api_token), apology_text(settings.knowledge_dir), poll_interval)


def build_application(tg: TelegramSettings, bridge: Bridge) -> Application:
    builder = Application.builder().token(tg.token).concurrent_updates(True).job_queue(None)
    if tg.api_url:
        builder = builder.base_url(f"{tg.api_url}/bot").base_file_url(f"{tg.api_url}/file/bot")
    builder = builder.post_init(bridge.post_init).post_stop(bridge.post_stop).post_shutdown(bridge.post_shutdown)
    app = builder.build()
    bridge.register(app)
    return app


def webhook_path(url: str) -> str:
    """The local path the webhook server answers on: the public URL's path, so a proxy can pass it through."""
    return urlparse(url).path.strip("/")


_DEFAULT_SIGNALS = object()


def run(tg: TelegramSettings, app: Application, *, listen: str = "127.0.0.1", poll_timeout: int = 30,
        stop_signals: Any = _DEFAULT_SIGNALS) -> int:
    """Runs until a stop signal: long polling, or the webhook door (webhook.py), which checks Telegram's secret token.
    Returns the exit code; failures are logged (masked), never printed with the token in them."""
    extra = {} if stop_signals is _DEFAULT_SIGNALS else {"stop_signals": stop_signals}
    try:
        if tg.mode == "webhook":
            signals = extra.get("stop_signals", (signal.SIGINT, signal.SIGTERM, signal.SIGABRT))
            run_webhook(app, WebhookDoor(app, tg.webhook_secret, webhook_path(tg.webhook_url)), listen=listen,
                        port=tg.webhook_port, url=tg.webhook_url, secret=tg.webhook_secret,
                        allowed_updates=ALLOWED_UPDATES, stop_signals=signals)
        else:
            app.run_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1, **extra)
    except InvalidToken:  # its message holds the token
        logger.error("telegram: Telegram rejected the bot token: check MADOGUCHI_TELEGRAM_TOKEN with @BotFather")
        return 2
    except Exception:
        logger.exception("telegram: the bridge stopped on an error")
        return 1
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    env = dict(os.environ, **({"MADOGUCHI_TELEGRAM_MODE": args.mode} if args.mode else {}))
    try:
        tg = TelegramSettings.from_env(env)
        settings = Settings.from_env(env)
        id_key = load_id_key(settings.data_dir, tg.id_key)
    except SettingsError as exc:
        print(f"telegram: {exc}", file=sys.stderr)
        return 2
    from assistant.launcher import api_token

    token = api_token(settings.data_dir)
    quiet_libraries()
    install_log_mask(tg.token, tg.webhook_secret, id_key, token)
    bridge = make_bridge(tg, settings, api_token=token, upgrade_db=not args.no_migrate)
    logger.info("telegram: starting (%s mode, assistant at %s)", tg.mode, tg.rasa_url)
    return run(tg, build_application(tg, bridge), listen=args.listen)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Adds `telegram` (runs the bridge) to the `madoguchi` command."""
    parser = subparsers.add_parser("telegram", help="run the Telegram bridge (needs MADOGUCHI_TELEGRAM_TOKEN)")
    parser.add_argument("--mode", choices=["polling", "webhook"], help="default: MADOGUCHI_TELEGRAM_MODE or polling")
    parser.add_argument("--listen", default="127.0.0.1",
                        help="address the webhook server binds, behind the TLS proxy (default 127.0.0.1)")
    parser.add_argument("--no-migrate", action="store_true",
                        help="do not bring the database to the latest revision at start-up")
    parser.set_defaults(func=cmd_telegram)
    return parser
