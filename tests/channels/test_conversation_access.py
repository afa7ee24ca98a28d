"""Who may speak in a conversation and how often: the REST and kiosk doors served by Sanic in this process
(no model: the assistant's answer is an echo), with a real handoff store for the staff replies."""
import asyncio
import json
import uuid

import pytest

from assistant.channels.telegram.client import AssistantClient
from tests.helpers.door import BRIDGE, INTEGRATOR, STAFF_TEXT, Door, EchoAgent


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_a_started_conversation_speaks_with_its_token(tmp_path, knowledge):
    async with Door(tmp_path, knowledge) as door:
        c = await door.start()
        assert c["sender"].startswith("rest-") and len(c["sender"]) == 5 + 28 and c["sender"][5:].isalpha()
        assert len(c["token"]) >= 43  # HMAC-SHA256, base64url
        assert c != await door.start()  # every start is a new conversation
        status, replies = await door.post("/webhooks/rest/webhook", {**c, "message": "こんにちは"})
        assert (status, replies[0]["text"]) == (200, "echo:こんにちは")


@pytest.mark.parametrize("path", ["inbox", "webhook"])
async def test_a_conversation_without_its_credential_is_refused_and_the_staff_reply_stays(tmp_path, knowledge, path):
    async with Door(tmp_path, knowledge) as door:
        resident, other = await door.start(), await door.start()
        door.staff_reply(resident["sender"])
        attempts = [
            {"sender": resident["sender"]},  # no credential
            {"sender": resident["sender"], "token": ""},
            {"sender": resident["sender"], "token": other["token"]},  # another conversation's
            {"sender": resident["sender"], "token": resident["token"][:-1] + ("B" if resident["token"].endswith("A") else "A")},
            {"sender": resident["sender"].upper(), "token": resident["token"]},
        ]
        for attempt in attempts:
            status, answer = await door.post(f"/webhooks/rest/{path}", {**attempt, "message": "返事をください"})
            assert status in (401, 403), (attempt, answer)
            assert answer["error"] in ("unauthorized", "forbidden") and "はじめからやり直して" in answer["message"]
            assert STAFF_TEXT not in str(answer)
        status, answer = await door.post("/webhooks/kiosk/inbox", {"sender": resident["sender"]})
        assert status == 401 and STAFF_TEXT not in str(answer)
        # The resident, with the token, still gets the staff member's reply.
        status, answer = await door.post(f"/webhooks/rest/{path}", {**resident, "message": "返事をください"})
        assert status == 200 and STAFF_TEXT in answer[0]["text"]


async def test_a_trusted_integrator_names_its_own_senders(tmp_path, knowledge):
    async with Door(tmp_path, knowledge) as door:
        body = {"sender": "resident-1", "message": "こんにちは"}
        assert (await door.post("/webhooks/rest/webhook", body))[0] == 401
        status, answer = await door.post("/webhooks/rest/webhook", body, **bearer("not-the-token-at-all"))
        assert status == 401 and "トークン" in answer["message"]
        status, replies = await door.post("/webhooks/rest/webhook", body, **bearer(INTEGRATOR))
        assert (status, replies[0]["text"]) == (200, "echo:こんにちは")
        door.staff_reply("resident-1")
        status, replies = await door.post("/webhooks/rest/inbox", {"sender": "resident-1"}, **bearer(INTEGRATOR))
        assert status == 200 and STAFF_TEXT in replies[0]["text"]


async def test_only_an_integrator_says_which_channel_a_message_came_from(tmp_path, knowledge):
    seen = []

    class Recording(EchoAgent):
        async def handle_message(self, message):
            seen.append(message.input_channel)
            await super().handle_message(message)

    async with Door(tmp_path, knowledge) as door:
        door.app.ctx.agent = Recording()
        c = await door.start()
        await door.post("/webhooks/rest/webhook", {**c, "message": "a", "input_channel": "telegram"})
        await door.post("/webhooks/rest/webhook", {"sender": "tg-1", "message": "a", "input_channel": "telegram"},
                        **bearer(BRIDGE))
        assert seen == ["rest", "telegram"]


async def test_telegram_residents_go_on_when_a_local_client_exhausts_the_address_limit(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=5) as door:
        statuses = [(await door.post("/webhooks/rest/start"))[0] for _ in range(6)]
        assert statuses == [200] * 5 + [429]  # this address is spent
        assert (await door.post("/webhooks/rest/webhook", {"sender": "x", "message": "a"}))[0] == 429
        bridge = AssistantClient(door.url, BRIDGE)  # the Telegram bridge, from the same address
        try:
            for n in range(8):
                replies = await bridge.ask(f"tg-resident-{n}", "こんにちは")
                assert replies[0]["text"] == "echo:こんにちは"
        finally:
            await bridge.aclose()


async def test_an_integrator_is_limited_per_resident(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_sender=3, per_address=1) as door:
        statuses = [(await door.post("/webhooks/rest/webhook", {"sender": "tg-a", "message": "a"}, **bearer(BRIDGE)))[0]
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert (await door.post("/webhooks/rest/webhook", {"sender": "tg-b", "message": "a"}, **bearer(BRIDGE)))[0] == 200


async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path, knowledge):
    async def spent(door, resident_address, attacker_addresses):
        """Spends one resident's address limit, then asks whether another resident is refused."""
        for address in attacker_addresses:
            await door.post("/webhooks/rest/start", None, **{"X-Forwarded-For": address})
        return (await door.post("/webhooks/rest/start", None, **{"X-Forwarded-For": resident_address}))[0]

    # Behind a trusted proxy (the peer, 127.0.0.1), each client's address has its own bucket...
    async with Door(tmp_path, knowledge, per_address=2, proxies=("127.0.0.1",)) as door:
        assert await spent(door, "198.51.100.7", ["203.0.113.5"] * 3) == 200
        # ... the proxy's own entry is what counts, not what the client put in front of it.
        assert await spent(door, "203.0.113.5", ["10.9.9.9, 203.0.113.5", "1.1.1.1, 203.0.113.5"]) == 429
    # Without trusted proxies (the default) the header is not believed: a client cannot pick its bucket.
    async with Door(tmp_path, knowledge, per_address=2) as door:
        assert await spent(door, "198.51.100.7", ["203.0.113.5", "203.0.113.6"]) == 429
    async with Door(tmp_path, knowledge, per_address=2, proxies=("10.0.0.0/8",)) as door:
        assert await spent(door, "198.51.100.7", ["203.0.113.5", "203.0.113.6"]) == 429


async def test_sender_id_variants_share_one_bucket_across_channels(tmp_path, knowledge):
    # The channels' default limits: one per process, shared by REST and kiosk.
    async with Door(tmp_path, knowledge, per_sender=2, per_address=0, limits=None) as door:
        name = f"resident-{uuid.uuid4().hex[:8]}"
        assert (await door.post("/webhooks/rest/webhook", {"sender": name, "message": "a"}, **bearer(INTEGRATOR)))[0] == 200
        assert (await door.post("/webhooks/rest/webhook", {"sender": f" {name}", "message": "a"},
                                **bearer(INTEGRATOR)))[0] == 200
        for variant in (name.upper(), f"{name}\u3000", "ｒｅｓｉｄｅｎｔ" + name[8:]):
            for channel in ("rest", "kiosk"):
                status, answer = await door.post(f"/webhooks/{channel}/webhook", {"sender": variant, "message": "a"},
                                                 **bearer(INTEGRATOR))
                assert status == 429, (variant, channel, answer)


async def test_the_kiosk_starts_its_own_conversations(tmp_path, knowledge):
    async with Door(tmp_path, knowledge) as door:
        c = await door.start("kiosk")
        assert c["sender"].startswith("kiosk-")
        status, _ = await door.post("/webhooks/kiosk/webhook", {"sender": c["sender"], "message": "こんにちは"})
        assert status == 401
        # A kiosk token is good on the REST door too (one conversation, one credential).
        status, replies = await door.post("/webhooks/rest/webhook", {**c, "message": "こんにちは"})
        assert status == 200 and replies[0]["text"] == "echo:こんにちは"


@pytest.mark.model
def test_a_resident_client_on_the_running_server_starts_then_speaks_with_its_token(assistant):
    conversation = assistant.start()
    status, replies = assistant.raw(json.dumps({**conversation, "message": "暗証番号を忘れました"}).encode(),
                                    as_integrator=False)
    assert status == 200 and "出典" in "".join(r.get("text", "") for r in replies)
    status, answer = assistant.raw(json.dumps({"sender": conversation["sender"], "message": "こんにちは"}).encode(),
                                   as_integrator=False)
    assert status == 401 and answer["error"] == "unauthorized"
    status, answer = assistant.raw(json.dumps({"sender": "resident-1", "token": conversation["token"],
                                               "message": "こんにちは"}).encode(), as_integrator=False)
    assert status == 403


async def test_make_chat_starts_a_conversation_of_its_own(tmp_path, knowledge, monkeypatch, capsys):
    from assistant.cli import main

    async with Door(tmp_path, knowledge) as door:
        typed = iter(["こんにちは", "exit"])
        monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
        assert await asyncio.to_thread(main, ["chat", "--url", door.url]) == 0
        assert "ナビ> echo:こんにちは" in capsys.readouterr().out
