"""The webhook door Telegram posts updates to: the secret token, the size, the encoding and the shape of each
update are checked before the bridge sees it, every refusal is a short JSON 4xx, and nothing posted is logged."""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any, Optional

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 256 * 1024  # a text message is at most 4096 characters; a quoted one comes with it
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def refusal(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "message": message}, status=status, headers=HEADERS)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_update(body: bytes) -> Optional[dict]:
    """The update's JSON object, or None for a body that is not one (invalid UTF-8 or JSON, NaN, too deep)."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


class WebhookDoor:
    """An aiohttp app on the webhook's path that passes well-formed updates to the application's queue."""

    def __init__(self, app: Application, secret: str, path: str) -> None:
        self.app = app
        self.secret = secret.encode("utf-8")
        self.path = "/" + path.strip("/")

    def web_app(self) -> web.Application:
        door = web.Application(client_max_size=MAX_UPDATE_BYTES)
        door.router.add_post(self.path, self.receive)
        return door

    def holds_secret(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.secret)

    async def receive(self, request: web.Request) -> web.Response:
        if not self.holds_secret(request):
            return refusal(403, "the secret token is missing or wrong")
        if request.content_type != "application/json":
            return refusal(415, "an update is sent as application/json")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return refusal(413, "the update is too large")
        data = parse_update(body)
        if data is None:
            return refusal(400, "the update is not a JSON object")
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception as exc:  # a field of the wrong type; what was posted is never logged
            logger.warning("telegram: an update could not be read (%s); refused", type(exc).__name__)
            return refusal(400, "the update could not be read")
        if update is None or not isinstance(update.update_id, int):
            return refusal(400, "the update has no update_id")
        await self.app.update_queue.put(update)
        return web.json_response({"ok": True}, headers=HEADERS)


async def register(app: Application, url: str, secret: str, allowed_updates: Any) -> None:
    """Tells Telegram the webhook's URL and secret, retrying while Telegram cannot be reached."""
    delay = 1.0
    while True:
        try:
            await app.bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates)
            return
        except InvalidToken:
            raise
        except RetryAfter as exc:
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
        except (NetworkError, TimedOut) as exc:
            logger.warning("telegram: cannot register the webhook yet (%s); retrying", type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


def run_webhook(app: Application, door: WebhookDoor, *, listen: str, port: int, url: str, secret: str,
                allowed_updates: Any, stop_signals: Any = ()) -> None:
    """Runs the application behind the door until a stop signal or `app.stop_running()`, as PTB's own
    run_webhook does (its server would answer malformed updates with 500s and log what they held)."""
    loop = asyncio.get_event_loop()
    runner = web.AppRunner(door.web_app(), access_log=None, handle_signals=False)

    serving = []

    async def start() -> None:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await register(app, url, secret, allowed_updates)
        await runner.setup()
        serving.append(runner)
        await web.TCPSite(runner, listen, port).start()
        await app.start()

    async def stop() -> None:
        if serving:
            await runner.cleanup()
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)

    try:
        loop.run_until_complete(start())
        for sig in stop_signals or ():
            loop.add_signal_handler(sig, loop.stop)
        loop.run_forever()
    finally:
        for sig in stop_signals or ():
            loop.remove_signal_handler(sig)
        loop.run_until_complete(stop())
