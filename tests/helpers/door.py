"""The resident's door served by Sanic in this process, without a model: an echoing agent, the integrators' tokens."""
from __future__ import annotations

import itertools
import uuid
from contextlib import asynccontextmanager
from typing import AsyncIterator, List, Sequence

import httpx
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from assistant.channels.kiosk import KioskInput
from assistant.channels.rest import ResidentRestInput
from assistant.handoff.door import HandoffDoor
from assistant.handoff.profile import load_handoff_profile
from assistant.handoff.store import HandoffStore
from assistant.channels.ratelimit import DoorLimits
from assistant.settings import PROJECT_ROOT
from assistant.staff.accounts import StaffAccounts
from tests.conftest import free_port

INTEGRATOR = "widget-backend-token-0123456789"
BRIDGE = "api-token-of-the-telegram-bridge"
KNOWLEDGE = PROJECT_ROOT / "knowledge"
STAFF_TEXT = "山田です。窓口へどうぞ。"
_apps = itertools.count()


class EchoAgent:
    """Stands in for Rasa's agent: answers every message with its text."""

    processor = None

    async def handle_message(self, message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, f"echo:{message.text}")


class RecordingAgent(EchoAgent):
    """An echoing agent that keeps what reached it (text, sender, channel) after the door's checks."""

    def __init__(self) -> None:
        self.heard: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.heard.append(message)
        await super().handle_message(message)


def app_with(channels: Sequence[InputChannel], agent) -> Sanic:
    """A Sanic app with the channels' blueprints under /webhooks/, as Rasa's server registers them."""
    Sanic.test_mode = True  # several apps in one process: Sanic then keeps its original protocol methods
    app = Sanic(f"door{next(_apps)}")
    app.ctx.agent = agent
    register(list(channels), app, "/webhooks/")
    return app


@asynccontextmanager
async def served(app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    """The app on Sanic's own HTTP server, on a free port of this process, and a client for it. The
    before_server_start listeners run, so the edge's body limit and headers hold as on the Rasa server."""
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False)
    try:
        yield client
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()


class Door:
    """The REST and kiosk channels of one server, on a free port, with a real handoff store for staff replies."""

    def __init__(self, tmp_path, knowledge, per_sender=30, per_address=600, proxies=(), limits="fresh"):
        self.store = HandoffStore.from_url(f"sqlite:///{tmp_path / 'door.db'}", upgrade=True)
        door = HandoffDoor(self.store, load_handoff_profile(KNOWLEDGE))
        shared = DoorLimits(per_sender, per_address) if limits == "fresh" else None
        options = dict(door=door, bridge_token=BRIDGE, id_key="k" * 64, integrator_tokens=(BRIDGE, INTEGRATOR),
                       trusted_proxies=proxies, limits=shared)
        self.rest = ResidentRestInput(knowledge, 1000, per_sender, per_address, **options)
        self.kiosk = KioskInput(knowledge, 1000, per_sender, per_address, **options)
        self.app = app_with([self.rest, self.kiosk], EchoAgent())
        self.url = ""

    async def __aenter__(self) -> "Door":
        port = free_port()
        self.server = await self.app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                                   access_log=False)
        await self.server.startup()
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.AsyncClient(base_url=self.url, trust_env=False)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.aclose()
        self.server.close()
        await self.server.wait_closed()
        self.store.close()

    async def post(self, path, body=None, **headers):
        resp = await self.http.post(path, json=body or {}, headers=headers)
        return resp.status_code, resp.json()

    async def start(self, channel="rest"):
        status, conversation = await self.post(f"/webhooks/{channel}/start")
        assert status == 200, conversation
        return conversation

    def staff_reply(self, sender):
        handoff, _created = self.store.open(conversation_id=sender, channel="rest", reason="asked")
        staff = StaffAccounts(self.store.engine).create_staff(f"s{uuid.uuid4().hex[:6]}", "山田", "x")
        self.store.reply(handoff.id, staff.id, STAFF_TEXT)
