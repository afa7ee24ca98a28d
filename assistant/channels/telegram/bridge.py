"""The bridge's handlers: each resident's Telegram message to the REST channel and its replies back, and the
outbox loop that brings staff replies to their chats."""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any, Dict, List, Optional, Sequence

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from assistant.channels.common import APOLOGY
from assistant.channels.render import Button, for_telegram
from assistant.channels.telegram.chats import KEY_PREFIX, ChatStore
from assistant.channels.telegram.client import AssistantClient, AssistantUnavailable

logger = logging.getLogger(__name__)

CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
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
COMMANDS = [("start", "はじめに・メニュー"), ("help", "使い方"), ("reset", "新しい会話を始める")]


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
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.USER  # a resident, never a channel
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
        chat_id, text = update.effective_chat.id, update.effective_message.text
        async with self._lock(chat_id):
            if not isinstance(text, str):  # a forged update's "text" of another type: nothing to pass on
                await self.send(context.bot, chat_id, [{"text": TEXT_ONLY}])
                return
            await self.relay(context.bot, chat_id, await self._sender(update), text)

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
