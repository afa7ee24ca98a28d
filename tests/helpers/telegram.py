"""The Telegram bridge between fakes on loopback: a fake Bot API server, a fake assistant (the REST channel and
its outbox) and the bridge itself as `madoguchi telegram` runs it, in a thread of its own; and updates as
Telegram sends them."""
from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

from assistant.channels.telegram import cli as tg
from assistant.settings import Settings, TelegramSettings

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnop"
API_TOKEN = "bridge-api-token"
USER_ID = 730041952
LONG_PAYLOAD = '/apply_card{"subtopic":"smartphone_application_with_card_reader_and_photo"}'  # > 64 bytes


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class LoopThread:
    """An asyncio loop in a thread, for the fake servers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def close(self) -> None:
        async def cancel_the_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.call(cancel_the_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def serve(app: web.Application) -> tuple:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


class FakeBotApi:
    """What PTB calls on the Bot API: getMe, getUpdates (queued updates), sendMessage (recorded) and the rest."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: List[tuple] = []
        self.updates: List[Dict[str, Any]] = []
        self.next_update_id = 1
        self.next_message_id = 1
        self.arrived: Optional[asyncio.Event] = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        return app

    # --- the test's side (other thread) ---
    def reset(self) -> None:
        self.calls.clear()
        self.updates.clear()

    def sent(self, method: str = "sendMessage") -> List[Dict[str, Any]]:
        return [params for name, params in list(self.calls) if name == method]

    def texts(self) -> List[str]:
        return [m["text"] for m in self.sent()]

    # --- the server's side ---
    async def params(self, request: web.Request) -> Dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        params: Dict[str, Any] = {}
        for key, value in form.items():
            params[key] = json.loads(value) if key in ("reply_markup", "allowed_updates", "commands") else value
        return params

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self.params(request)
        if method != "getUpdates":
            self.calls.append((method, params))
        result = await getattr(self, f"api_{method}", self.api_default)(params)
        return web.json_response({"ok": True, "result": result})

    async def api_default(self, params) -> Any:
        return True

    async def api_getMe(self, params) -> Dict[str, Any]:
        return {"id": 999000111, "is_bot": True, "first_name": "まどぐちナビ", "username": "madoguchi_test_bot",
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def api_getWebhookInfo(self, params) -> Dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def api_getUpdates(self, params) -> List[Dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self.arrived = asyncio.Event()
            try:
                await asyncio.wait_for(self.arrived.wait(), min(float(params.get("timeout") or 0), 1.0))
            except asyncio.TimeoutError:
                pass
        return list(self.updates)

    async def api_sendMessage(self, params) -> Dict[str, Any]:
        self.next_message_id += 1
        return {"message_id": self.next_message_id, "date": int(time.time()), "text": params["text"],
                "chat": {"id": int(params["chat_id"]), "type": "private"}}

    def push(self, update: Dict[str, Any]) -> None:
        """Queues an update (called through the server loop)."""
        update = dict(update, update_id=self.next_update_id)
        self.next_update_id += 1
        self.updates.append(update)
        if self.arrived is not None:
            self.arrived.set()


class FakeAssistant:
    """The assistant's REST channel and outbox, recording what the bridge sends."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []
        self.outbox: List[Dict[str, Any]] = []
        self.acked: List[int] = []
        self.unauthorized = 0
        self.answer: Callable[[Dict[str, Any]], web.Response] = self.default_answer

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/webhooks/rest/outbox", self.get_outbox)
        app.router.add_post("/webhooks/rest/outbox/ack", self.ack)
        return app

    def reset(self) -> None:
        self.received.clear()
        self.outbox.clear()
        self.acked.clear()
        self.unauthorized = 0
        self.answer = self.default_answer

    @staticmethod
    def default_answer(body: Dict[str, Any]) -> web.Response:
        message = body["message"]
        if message == "/greeting":
            return web.json_response([{"recipient_id": body["sender"], "text": "ご用件をお選びください。", "buttons": [
                {"title": "申請", "payload": "/apply_card"}, {"title": "受取", "payload": "/receive_card"},
                {"title": "暗証番号", "payload": "/pin_forgotten_locked"}, {"title": "その他", "payload": "/unclear_need_clarification"},
            ]}])
        return web.json_response([{"recipient_id": body["sender"], "text": f"答え：{message}\n出典：市のページ", "buttons": [
            {"title": "スマートフォンで申請する方法", "payload": LONG_PAYLOAD},
            {"title": "職員に相談", "payload": "/human_help_request"},
        ]}])

    async def webhook(self, request: web.Request) -> web.Response:
        if not self._authorized(request):  # as the real door: only an integrator names its residents' sender ids
            return web.json_response({"error": "unauthorized", "message": "会話を確認できませんでした。"}, status=401)
        body = await request.json()
        self.received.append(body)
        return self.answer(body)

    def _authorized(self, request: web.Request) -> bool:
        ok = request.headers.get("Authorization") == f"Bearer {API_TOKEN}"
        self.unauthorized += 0 if ok else 1
        return ok

    async def get_outbox(self, request: web.Request) -> web.Response:
        if not self._authorized(request) or request.query.get("channel") != "telegram":
            return web.json_response({"error": "unauthorized", "message": "API token required"}, status=401)
        return web.json_response({"messages": [m for m in self.outbox if m["id"] not in self.acked]})

    async def ack(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "unauthorized", "message": "API token required"}, status=401)
        ids = (await request.json())["ids"]
        self.acked.extend(ids)
        return web.json_response({"acknowledged": len(ids)})


class Servers:
    def __init__(self) -> None:
        self.loop = LoopThread()
        self.api, self.assistant = FakeBotApi(), FakeAssistant()
        self.api_runner, self.api_url = self.loop.call(serve(self.api.app()))
        self.assistant_runner, self.assistant_url = self.loop.call(serve(self.assistant.app()))

    def push(self, update: Dict[str, Any]) -> None:
        self.loop.loop.call_soon_threadsafe(self.api.push, update)

    def close(self) -> None:
        self.loop.call(self.api_runner.cleanup())
        self.loop.call(self.assistant_runner.cleanup())
        self.loop.close()


class RunningBridge:
    """The bridge as `madoguchi telegram` runs it (run_polling / run_webhook), in a thread of its own."""

    def __init__(self, settings: TelegramSettings, data_dir: Path, api_token: str = API_TOKEN, **run_options: Any) -> None:
        base = Settings.from_env({"MADOGUCHI_DATA_DIR": str(data_dir)})
        self.settings = settings
        self.bridge = tg.make_bridge(settings, base, api_token=api_token, poll_interval=0.1)
        self.app = tg.build_application(settings, self.bridge)
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.error: Optional[BaseException] = None
        self.exit_code: Optional[int] = None
        self.thread = threading.Thread(target=self._run, args=(run_options,), daemon=True)

    def _run(self, options: Dict[str, Any]) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.exit_code = tg.run(self.settings, self.app, stop_signals=None, poll_timeout=1, **options)
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def start(self) -> "RunningBridge":
        self.thread.start()
        wait_until(lambda: self.app.running or self.error or not self.thread.is_alive(), what="the bridge to start")
        assert self.error is None, self.error
        assert self.exit_code is None, f"the bridge ended with exit code {self.exit_code}"
        return self

    def stop(self) -> None:
        if self.loop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.app.stop_running)
        self.thread.join(20)
        assert not self.thread.is_alive(), "the bridge did not stop"
        assert self.error is None, self.error
        assert self.exit_code == 0


def telegram_settings(servers: Servers, **overrides: str) -> TelegramSettings:
    env = {"MADOGUCHI_TELEGRAM_TOKEN": TOKEN, "MADOGUCHI_TELEGRAM_API_URL": servers.api_url,
           "MADOGUCHI_RASA_URL": servers.assistant_url, "MADOGUCHI_ID_KEY": "test-id-key", **overrides}
    return TelegramSettings.from_env(env)


# --- updates as Telegram sends them ---------------------------------------------------------
USER = {"id": USER_ID, "is_bot": False, "first_name": "Hanako", "language_code": "ja"}
CHAT = {"id": USER_ID, "type": "private", "first_name": "Hanako"}


def message(**content: Any) -> Dict[str, Any]:
    return {"message": {"message_id": int(time.time() * 1000) % 100000, "date": int(time.time()), "chat": CHAT,
                        "from": USER, **content}}


def text_update(text: str) -> Dict[str, Any]:
    if text.startswith("/"):
        command = text.split()[0]
        return message(text=text, entities=[{"type": "bot_command", "offset": 0, "length": len(command)}])
    return message(text=text)


def post_update(url: str, update: Dict[str, Any], secret: Optional[str]) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode("utf-8"), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
