"""The Telegram bridge: relays residents' Telegram chats to the assistant's REST channel and staff replies back."""
from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import logging
import os
import sys
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence
from urllib.parse import urlparse

import httpx
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from assistant.keys import load_id_key
from assistant.channels.render import Button, for_telegram
from assistant.privacy.redact import redact
from assistant.settings import Settings, SettingsError, TelegramSettings
from assistant.storage.db import make_engine, migrate, session_factory
from assistant.storage.models import TelegramButton, TelegramChat, utcnow

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
KEY_PREFIX = "~"  # callback_data that names a stored payload (payloads themselves start with "/")
BUTTON_DAYS = 30  # stored payloads older than this are forgotten; their buttons then ask to type again
HUMAN_PAYLOAD = "/human_help_request"
MENU_PAYLOAD = "/greeting"

GREETING = (
    "こんにちは。まどぐちナビです。\n"
    "マイナンバーカードの申請・受け取り・暗証番号・更新や、マイナポータルなどのオンライン手続きについて、"
    "ご質問にお答えします。\n"
    "ご質問を文字で入力するか、下のボタンから選んでください。\n"
    "※ マイナンバー（12桁の番号）や暗証番号は入力しないでください。"
)
HELP = (
    "使い方\n"
    "・ご質問を文章で入力して送ってください（例：「暗証番号を忘れました」）。\n"
    "・答えの下のボタンを押すと、くわしい説明や次の手順に進めます。\n"
    "・職員に相談したいときは、下の「職員に相談」を押してください。\n"
    "・最初からやり直すときは /reset を送ってください。\n"
    "・写真・スタンプ・音声などは読み取れません。文字で入力してください。\n"
    "※ マイナンバー（12桁の番号）や暗証番号は入力しないでください。"
)
HELP_BUTTONS = [{"title": "職員に相談", "payload": HUMAN_PAYLOAD}, {"title": "メニュー", "payload": MENU_PAYLOAD}]
RESET = "新しい会話を始めます。これまでのやりとりは引き継ぎません。"
TEXT_ONLY = (
    "申し訳ありません。写真・スタンプ・音声・ファイル・位置情報などは読み取れません。"
    "ご質問を文字で入力してください。"
)
STALE_BUTTON = "申し訳ありません。このボタンは使えなくなりました。お手数ですが、もう一度質問を入力してください。"
UNKNOWN_COMMAND = "そのコマンドはありません。ご質問を文字で入力してください。使い方は /help でご覧になれます。"
APOLOGY = "申し訳ありません。ただいまお答えできませんでした。少し時間をおいてもう一度お試しください。"
COMMANDS = [("start", "はじめに・メニュー"), ("help", "使い方"), ("reset", "新しい会話を始める")]


# --- who is talking: keyed hashes, never the Telegram user id ---------------------------------
class SenderIds:
    """Sender ids and user keys as HMAC-SHA256 of the Telegram user id under the bridge's key."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    def _mac(self, message: str) -> str:
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def user_key(self, user_id: int) -> str:
        return self._mac(str(user_id))

    def sender(self, user_id: int, generation: int) -> str:
        sender = "tg-" + self._mac(f"{user_id}:{generation}")[:32]
        extra = 0
        # The REST channel redacts senders as well; a hex id whose digit run reads as a number would change there.
        while redact(sender).text != sender:
            extra += 1
            sender = "tg-" + self._mac(f"{user_id}:{generation}:{extra}")[:32]
        return sender


class ChatStore:
    """Telegram chats and long button payloads in the product's database; synchronous (use worker threads)."""

    def __init__(self, engine: sa.engine.Engine, ids: SenderIds) -> None:
        engine.hide_parameters = True  # a database error in the log must not show a chat id
        self.engine = engine
        self.Session = session_factory(engine)
        self.ids = ids

    def _latest(self, session, user_key: str) -> Optional[TelegramChat]:
        return session.execute(
            sa.select(TelegramChat).where(TelegramChat.user_key == user_key)
            .order_by(TelegramChat.generation.desc()).limit(1)
        ).scalars().first()

    def _retry(self, work: Callable[[], str]) -> str:
        try:
            return work()
        except IntegrityError:  # another process added the same row just now
            return work()

    def sender_for(self, user_id: int, chat_id: int) -> str:
        """The resident's current sender id; remembers the chat so staff replies can reach it."""
        def work() -> str:
            user_key = self.ids.user_key(user_id)
            with self.Session() as s, s.begin():
                row = self._latest(s, user_key)
                if row is None:
                    row = TelegramChat(sender_id=self.ids.sender(user_id, 0), chat_id=chat_id, user_key=user_key,
                                       generation=0, updated_at=utcnow())
                    s.add(row)
                elif row.chat_id != chat_id or row.updated_at < utcnow() - dt.timedelta(minutes=10):
                    row.chat_id, row.updated_at = chat_id, utcnow()
                return row.sender_id
        return self._retry(work)

    def reset(self, user_id: int, chat_id: int) -> str:
        """A fresh conversation: the next generation's sender id."""
        def work() -> str:
            user_key = self.ids.user_key(user_id)
            with self.Session() as s, s.begin():
                row = self._latest(s, user_key)
                generation = 0 if row is None else row.generation + 1
                sender = self.ids.sender(user_id, generation)
                s.add(TelegramChat(sender_id=sender, chat_id=chat_id, user_key=user_key, generation=generation,
                                   updated_at=utcnow()))
                return sender
        return self._retry(work)

    def chat_for(self, sender: str) -> Optional[int]:
        with self.Session() as s:
            row = s.get(TelegramChat, sender)
            return None if row is None else int(row.chat_id)

    def key_for(self, payload: str) -> str:
        """A short callback key for a long payload (the same payload keeps its key)."""
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:15]
        key = KEY_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")

        def work() -> str:
            with self.Session() as s, s.begin():
                row = s.get(TelegramButton, key)
                if row is None:
                    s.add(TelegramButton(key=key, payload=payload, created_at=utcnow()))
                else:
                    row.created_at = utcnow()
            return key
        return self._retry(work)

    def payload_for(self, key: str) -> Optional[str]:
        with self.Session() as s:
            row = s.get(TelegramButton, key)
            return None if row is None else row.payload

    def forget_buttons(self, days: int = BUTTON_DAYS) -> int:
        cutoff = utcnow() - dt.timedelta(days=days)
        with self.Session() as s, s.begin():
            return s.execute(sa.delete(TelegramButton).where(TelegramButton.created_at < cutoff)).rowcount or 0

    def close(self) -> None:
        self.engine.dispose()


# --- the assistant's HTTP side ------------------------------------------------------------
class AssistantUnavailable(Exception):
    """The assistant could not be reached or failed; the resident gets the apology."""


class AssistantClient:
    """The REST channel (questions) and the outbox (staff replies) of the Rasa server."""

    def __init__(self, base_url: str, api_token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {api_token}"}
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), trust_env=False)

    async def ask(self, sender: str, text: str) -> List[Dict[str, Any]]:
        body = {"sender": sender, "message": text, "input_channel": "telegram"}
        try:
            # As a trusted integrator: it names its residents' sender ids and is limited per resident, not per address.
            resp = await self.http.post(f"{self.base_url}/webhooks/rest/webhook", json=body, headers=self._auth)
        except httpx.HTTPError as exc:
            raise AssistantUnavailable(type(exc).__name__) from None
        answer = _json(resp)
        if resp.status_code == 200 and isinstance(answer, list):
            return answer
        if 400 <= resp.status_code < 500 and isinstance(answer, dict) and str(answer.get("message") or "").strip():
            return [{"text": answer["message"]}]  # a limit the assistant explains (429 and the like)
        raise AssistantUnavailable(f"HTTP {resp.status_code}")

    async def outbox(self) -> List[Dict[str, Any]]:
        resp = await self.http.get(f"{self.base_url}/webhooks/rest/outbox", params={"channel": "telegram"},
                                   headers=self._auth)
        answer = _json(resp)
        if resp.status_code != 200 or not isinstance(answer, dict) or not isinstance(answer.get("messages"), list):
            raise AssistantUnavailable(f"outbox HTTP {resp.status_code}")
        return [m for m in answer["messages"] if isinstance(m, dict)]

    async def ack(self, ids: Sequence[int]) -> None:
        resp = await self.http.post(f"{self.base_url}/webhooks/rest/outbox/ack", json={"ids": list(ids)},
                                    headers=self._auth)
        if resp.status_code != 200:
            raise AssistantUnavailable(f"outbox ack HTTP {resp.status_code}")

    async def aclose(self) -> None:
        await self.http.aclose()


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


# --- the bridge ---------------------------------------------------------------------------
class Bridge:
    """The handlers and the outbox loop; one instance per process."""

    def __init__(self, store: ChatStore, assistant: AssistantClient, apology: str = APOLOGY,
                 poll_interval: float = 2.0) -> None:
        self.store = store
        self.assistant = assistant
        self.apology = apology
        self.poll_interval = poll_interval
        self._locks: "weakref.WeakValueDictionary[int, asyncio.Lock]" = weakref.WeakValueDictionary()
        self._outbox_task: Optional[asyncio.Task] = None
        self._outbox_problem: Optional[str] = None

    def register(self, app: Application) -> None:
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler("start", self.on_start, filters=private))
        app.add_handler(CommandHandler("help", self.on_help, filters=private))
        app.add_handler(CommandHandler("reset", self.on_reset, filters=private))
        app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(MessageHandler(private & filters.COMMAND, self.on_unknown_command))
        app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_not_text))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    def _lock(self, chat_id: int) -> asyncio.Lock:
        """One lock a chat, so that a resident's messages and staff replies keep their order."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    async def _sender(self, update: Update) -> str:
        return await asyncio.to_thread(self.store.sender_for, update.effective_user.id, update.effective_chat.id)

    # --- sending --------------------------------------------------------------------------
    async def _markup(self, rows: Sequence[Sequence[Button]]) -> Optional[InlineKeyboardMarkup]:
        if not rows:
            return None
        keyboard = []
        for row in rows:
            keys = []
            for button in row:
                data = button.payload
                if len(data.encode("utf-8")) > CALLBACK_LIMIT or data.startswith(KEY_PREFIX):
                    data = await asyncio.to_thread(self.store.key_for, data)
                keys.append(InlineKeyboardButton(button.title, callback_data=data))
            keyboard.append(keys)
        return InlineKeyboardMarkup(keyboard)

    async def send(self, bot, chat_id: int, messages: List[Dict[str, Any]]) -> None:
        for message in for_telegram(messages):
            await bot.send_message(chat_id, message.text, reply_markup=await self._markup(message.keyboard),
                                   link_preview_options=LinkPreviewOptions(is_disabled=True))

    async def relay(self, bot, chat_id: int, sender: str, text: str) -> None:
        """Sends text to the assistant as sender and its replies to the chat; an apology when it fails."""
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError:
            pass
        try:
            messages = await self.assistant.ask(sender, text)
        except AssistantUnavailable as exc:
            logger.warning("telegram: the assistant is unavailable (%s); the resident got the apology", exc)
            messages = []
        await self.send(bot, chat_id, messages if for_telegram(messages) else [{"text": self.apology}])

    # --- handlers -------------------------------------------------------------------------
    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        async with self._lock(chat_id):
            await self.send(context.bot, chat_id, [{"text": GREETING}])
            await self.relay(context.bot, chat_id, await self._sender(update), MENU_PAYLOAD)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        async with self._lock(chat_id):
            await self.send(context.bot, chat_id, [{"text": HELP, "buttons": HELP_BUTTONS}])

    async def on_reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        async with self._lock(chat_id):
            sender = await asyncio.to_thread(self.store.reset, update.effective_user.id, chat_id)
            await self.send(context.bot, chat_id, [{"text": RESET}])
            await self.relay(context.bot, chat_id, sender, MENU_PAYLOAD)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        async with self._lock(chat_id):
            await self.relay(context.bot, chat_id, await self._sender(update), update.effective_message.text)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        async with self._lock(chat_id):
            await self.send(context.bot, chat_id, [{"text": UNKNOWN_COMMAND}])

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        async with self._lock(chat_id):
            await self.send(context.bot, chat_id, [{"text": TEXT_ONLY}])

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        try:
            await query.answer()  # stops the button's spinner before the assistant is asked
        except TelegramError:
            pass  # a query older than Telegram keeps them; the reply below still comes
        if chat is None or chat.type != ChatType.PRIVATE or update.effective_user is None:
            return
        payload: Optional[str] = query.data or ""
        if payload.startswith(KEY_PREFIX):
            payload = await asyncio.to_thread(self.store.payload_for, payload)
        async with self._lock(chat.id):
            if not payload:
                await self.send(context.bot, chat.id, [{"text": STALE_BUTTON}])
                return
            await self.relay(context.bot, chat.id, await self._sender(update), payload)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Logs the failure with its traceback (never the message or the token) and apologises to the resident."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else "-"
        logger.error("telegram: handling update %s failed", update_id,
                     exc_info=(type(error), error, error.__traceback__) if error else None)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type == ChatType.PRIVATE:
            try:
                await context.bot.send_message(chat.id, self.apology)
            except TelegramError:
                pass

    # --- staff replies --------------------------------------------------------------------
    async def deliver_outbox(self, bot) -> int:
        """Sends pending staff messages to their chats and acknowledges what was delivered or undeliverable."""
        done: List[int] = []
        for message in await self.assistant.outbox():
            message_id, sender = message.get("id"), message.get("recipient_id")
            if not isinstance(message_id, int):
                continue
            chat_id = await asyncio.to_thread(self.store.chat_for, sender) if isinstance(sender, str) else None
            if chat_id is None:
                logger.warning("telegram: outbox message %s is for no known Telegram chat; dropped", message_id)
                done.append(message_id)
                continue
            try:
                async with self._lock(chat_id):
                    await self.send(bot, chat_id, [message])
            except (Forbidden, BadRequest) as exc:  # the resident blocked the bot, or the chat is gone
                logger.warning("telegram: outbox message %s cannot be delivered (%s); dropped",
                               message_id, type(exc).__name__)
            except TelegramError as exc:  # network or flood control: the rest waits for the next round
                logger.warning("telegram: outbox delivery paused (%s)", type(exc).__name__)
                break
            done.append(message_id)
        if done:
            await self.assistant.ack(done)
        return len(done)

    async def run_outbox(self, bot) -> None:
        pruned: Optional[float] = None
        while True:
            delay = self.poll_interval
            try:
                if pruned is None or time.monotonic() - pruned > 86400:
                    await asyncio.to_thread(self.store.forget_buttons)
                    pruned = time.monotonic()
                await self.deliver_outbox(bot)
                if self._outbox_problem:
                    logger.info("telegram: the outbox answers again")
                    self._outbox_problem = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                problem = str(exc) if isinstance(exc, AssistantUnavailable) else type(exc).__name__
                if problem != self._outbox_problem:
                    logger.warning("telegram: cannot read the outbox (%s); staff replies wait", problem)
                    self._outbox_problem = problem
                delay = max(self.poll_interval, 10.0)
            await asyncio.sleep(delay)

    # --- life cycle -----------------------------------------------------------------------
    async def post_init(self, app: Application) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
        except TelegramError as exc:
            logger.warning("telegram: could not set the command menu (%s)", type(exc).__name__)
        self._outbox_task = asyncio.create_task(self.run_outbox(app.bot), name="telegram-outbox")

    async def post_stop(self, app: Application) -> None:
        if self._outbox_task is not None:
            self._outbox_task.cancel()
            try:
                await self._outbox_task
            except asyncio.CancelledError:
                pass
            self._outbox_task = None

    async def post_shutdown(self, app: Application) -> None:
        await self.assistant.aclose()
        self.store.close()


# --- logging --------------------------------------------------------------------------------
class SecretMask(logging.Filter):
    """Replaces secrets (the bot token above all) in a record's message, traceback and stack text."""

    def __init__(self, *values: str) -> None:
        super().__init__()
        found = set()
        for value in values:
            if value:
                found.add(value)
                tail = value.split(":", 1)[-1]  # a bot token's secret half
                if len(tail) >= 8:
                    found.add(tail)
        self.values = sorted(found, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install_log_mask(*values: str) -> Callable[[], None]:
    """Masks the values in every record the root logger's handlers see; returns the undo."""
    mask = SecretMask(*values)
    root = logging.getLogger()
    targets = [root, *root.handlers]
    for target in targets:
        target.addFilter(mask)

    def remove() -> None:
        for target in targets:
            target.removeFilter(mask)

    return remove


def quiet_libraries() -> None:
    """httpx logs every request URL (with the bot token); PTB's debug records hold whole updates."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)


# --- assembling and running -----------------------------------------------------------------
def apology_text(knowledge_dir: Path) -> str:
    """The fixed apology, with the desk's phone and hours when the knowledge folder can be read."""
    try:
        from assistant.knowledge import load_knowledge

        desk = load_knowledge(knowledge_dir).municipality["desk"]
        return f"{APOLOGY}お急ぎの方は{desk['name']}（電話 {desk['phone']}、{desk['hours']}）にお問い合わせください。"
    except Exception:
        return APOLOGY


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
    """Runs until a stop signal: long polling, or a webhook server that checks Telegram's secret token.
    Returns the exit code; failures are logged (masked), never printed with the token in them."""
    extra = {} if stop_signals is _DEFAULT_SIGNALS else {"stop_signals": stop_signals}
    try:
        if tg.mode == "webhook":
            app.run_webhook(listen=listen, port=tg.webhook_port, url_path=webhook_path(tg.webhook_url),
                            webhook_url=tg.webhook_url, secret_token=tg.webhook_secret,
                            allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1, **extra)
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
