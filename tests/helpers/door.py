"""The resident's door served by Sanic in this process, without a model: an echoing agent, the integrators' tokens."""
from __future__ import annotations

import itertools
from contextlib import asynccontextmanager
from typing import AsyncIterator, List, Sequence

import httpx
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from tests.conftest import free_port

INTEGRATOR = "widget-backend-token-0123456789"
BRIDGE = "api-token-of-the-telegram-bridge"
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
