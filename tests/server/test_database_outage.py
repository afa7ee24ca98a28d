"""The database goes away: a brief outage is absorbed by retries; a longer one gets the fixed
apology; when it is back, the conversation is there as it was. PostgreSQL is reached through a
TCP proxy on loopback that the test cuts and restores."""
import asyncio
import threading
import uuid

import pytest

from assistant.launcher import Stack
from tests.conftest import ARTIFACTS, MODEL, Assistant, free_port

pytestmark = [pytest.mark.model, pytest.mark.services]


class Proxy:
    """Forwards 127.0.0.1:port to PostgreSQL until cut; cutting also drops open connections."""

    def __init__(self, port: int, upstream: int = 5432) -> None:
        self.port, self.upstream = port, upstream
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.writers = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader, writer):
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _start(self):
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self):
        self.server.close()
        await self.server.wait_closed()
        for w in list(self.writers):
            w.close()
        self.writers.clear()

    def start(self):
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def cut(self):
        asyncio.run_coroutine_threadsafe(self._cut(), self.loop).result(10)


@pytest.fixture(scope="module")
def outage_stack(services, tmp_path_factory):  # noqa: F811
    import psycopg2

    db = f"madoguchi_test_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{db}"')
    proxy = Proxy(free_port())
    proxy.start()
    folder = tmp_path_factory.mktemp("outage")
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        "action_endpoint:\n  url: ${MADOGUCHI_ACTION_URL}\n"
        "  headers:\n    X-Madoguchi-Action-Secret: ${MADOGUCHI_ACTION_SECRET}\n"  # as endpoints*.yml
        "tracker_store:\n  type: assistant.server.stores.RetryingSQLTrackerStore\n  dialect: postgresql\n"
        f"  url: 127.0.0.1\n  port: {proxy.port}\n  db: {db}\n  username: postgres\n  password: ''\n"
    )
    stack = Stack(model=MODEL, data_dir=folder, rasa_port=free_port(), action_port=free_port(), console_port=free_port(),
                  endpoints=endpoints, log_dir=ARTIFACTS / "logs-outage",
                  extra_env={"MADOGUCHI_NLU_WORKERS": "0"})  # the session's server tests the worker
    stack.start(timeout=240)
    yield Assistant(stack.url, stack.token), proxy
    stack.stop()
    proxy.cut()
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db}"')
    admin.close()


def test_outages_are_retried_or_apologised_for_and_nothing_is_lost(outage_stack, knowledge):
    client, proxy = outage_stack
    sender = f"o-{uuid.uuid4().hex[:8]}"
    assert "再設定" in client.text(sender, "暗証番号を忘れました")

    # A brief outage (1.5 s): the retries carry the message through.
    proxy.cut()
    threading.Timer(1.5, proxy.start).start()
    assert "0120-95-0178" in client.text(sender, "マイナンバーカードをなくしました")

    # A long outage: the fixed apology with the desk's phone number, not a fresh empty conversation.
    proxy.cut()
    reply = client.text(sender, "手数料はいくらですか")
    assert "申し訳ありません" in reply and knowledge.municipality["desk"]["phone"] in reply

    # Back again: the conversation is as it was.
    proxy.start()
    assert "1,000円" in client.text(sender, "再発行の手数料はいくらですか")
    users = [e["text"] for e in client.tracker(sender)["events"] if e["event"] == "user"]
    assert users == ["暗証番号を忘れました", "マイナンバーカードをなくしました", "再発行の手数料はいくらですか"]
