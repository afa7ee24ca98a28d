"""The REST channel's door on Sanic's own server in this process, without a model (the agent echoes): the start
call, the credential checks, the body and message limits, bad JSON, the rate limits, never silence."""
from __future__ import annotations

import json

import pytest

from assistant.channels.common import API_HEADERS
from assistant.channels.rest import MAX_SENDER_CHARS, ResidentRestInput
from assistant.channels.ratelimit import DoorLimits
from tests.helpers.door import BRIDGE, INTEGRATOR, EchoAgent, RecordingAgent, app_with, served
from tests.privacy.strategies import with_check_digit

WEBHOOK = "/webhooks/rest/webhook"
MAX_CHARS = 200


def rest_door(knowledge, agent=None, per_sender: int = 30, per_address: int = 600):
    """A REST channel with its own limits (none shared with other tests), in an app of its own."""
    channel = ResidentRestInput(knowledge, MAX_CHARS, bridge_token=BRIDGE, id_key="k" * 64,
                                integrator_tokens=(BRIDGE, INTEGRATOR), limits=DoorLimits(per_sender, per_address))
    return app_with([channel], agent or EchoAgent())


async def start(http) -> dict:
    resp = await http.post("/webhooks/rest/start")
    assert resp.status_code == 200, resp.text
    return resp.json()


async def say(http, conversation: dict, message, **headers):
    resp = await http.post(WEBHOOK, json={**conversation, "message": message}, headers=headers)
    return resp.status_code, resp.json()


async def test_a_start_call_opens_a_conversation_that_speaks_with_its_token(knowledge):
    async with served(rest_door(knowledge)) as http:
        first, second = await start(http), await start(http)
        assert first["sender"].startswith("rest-") and first["sender"][5:].isalpha() and len(first["sender"]) == 33
        assert first != second and len(first["token"]) >= 43
        status, replies = await say(http, first, "暗証番号を忘れました")
        assert (status, replies) == (200, [{"recipient_id": first["sender"], "text": "echo:暗証番号を忘れました"}])
        health = await http.get("/webhooks/rest/")
        assert health.status_code == 200 and health.json() == {"status": "ok", "nlu_workers": 0, "parsed_by_workers": 0}
        for name, value in API_HEADERS.items():
            assert health.headers[name] == value


async def test_credentials_are_checked_before_anything_is_heard(knowledge):
    agent = RecordingAgent()
    async with served(rest_door(knowledge, agent)) as http:
        resident, other = await start(http), await start(http)
        forged = resident["token"][:-1] + ("B" if resident["token"].endswith("A") else "A")
        refused = [
            ({"sender": resident["sender"]}, {}, 401, "unauthorized"),  # no token
            ({"sender": resident["sender"], "token": other["token"]}, {}, 403, "forbidden"),  # another's token
            ({"sender": resident["sender"], "token": forged}, {}, 403, "forbidden"),
            (resident, {"Authorization": "Bearer not-the-integrators-token"}, 401, "unauthorized"),
        ]
        for body, headers, status, error in refused:
            got, answer = await say(http, body, "返事をください", **headers)
            assert (got, answer["error"]) == (status, error), body
        assert agent.heard == []
        # An integrator's token names its own sender ids, without a conversation token.
        status, replies = await say(http, {"sender": "widget-42"}, "こんにちは", Authorization=f"Bearer {INTEGRATOR}")
        assert status == 200 and replies[0]["text"] == "echo:こんにちは" and agent.heard[0].sender_id == "widget-42"
        # The bridge's outbox wants the API token.
        assert (await http.get("/webhooks/rest/outbox", params={"channel": "telegram"})).status_code == 401
        outbox = await http.get("/webhooks/rest/outbox", params={"channel": "telegram"},
                                headers={"Authorization": f"Bearer {BRIDGE}"})
        assert outbox.status_code == 200 and outbox.json() == {"messages": []}


async def test_a_body_over_the_limit_is_refused_and_a_long_message_is_answered_not_heard(knowledge, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_MAX_REQUEST_BYTES", "4096")
    agent = RecordingAgent()
    async with served(rest_door(knowledge, agent)) as http:
        resident = await start(http)
        resp = await http.post(WEBHOOK, json={**resident, "message": "あ" * 2000})  # 6 KB of UTF-8
        assert resp.status_code == 413
        status, replies = await say(http, resident, "あ" * (MAX_CHARS + 1))
        assert status == 200 and f"{MAX_CHARS}文字まで" in replies[0]["text"]
        status, replies = await say(http, resident, "あ" * MAX_CHARS)
        assert status == 200 and replies[0]["text"] == "echo:" + "あ" * MAX_CHARS
        assert [m.text for m in agent.heard] == ["あ" * MAX_CHARS]


async def test_the_default_body_limit_is_64_kb(knowledge, monkeypatch):
    monkeypatch.delenv("MADOGUCHI_MAX_REQUEST_BYTES", raising=False)
    async with served(rest_door(knowledge)) as http:
        resident = await start(http)
        assert (await http.post(WEBHOOK, json={**resident, "message": "a" * 70_000})).status_code == 413
        assert (await http.post(WEBHOOK, json={**resident, "message": "a" * 60_000})).status_code == 200


@pytest.mark.parametrize("body", [
    b'{"sender": "x", "message": ',  # cut JSON
    b"\xff\xfe not UTF-8",
    b"[1, 2, 3]",  # JSON, but not an object
    b'"just a string"',
])
async def test_bad_json_gets_a_clean_400(knowledge, body):
    agent = RecordingAgent()
    async with served(rest_door(knowledge, agent)) as http:
        resp = await http.post(WEBHOOK, content=body, headers={"Content-Type": "application/json"})
        assert resp.status_code == 400 and resp.json()["error"] == "bad_request", resp.text
        assert agent.heard == []


@pytest.mark.parametrize("fields", [
    {"sender": None}, {"sender": ""}, {"sender": ["a"]}, {"sender": "a" * (MAX_SENDER_CHARS + 1)},
    {"sender": "ab\ud800"},  # a lone surrogate: no character, and no store can keep it
])
async def test_a_sender_that_is_no_conversation_id_gets_a_400(knowledge, fields):
    async with served(rest_door(knowledge)) as http:
        body = json.dumps({"message": "こんにちは", **fields}).encode()  # json.dumps writes \ud800 as is
        resp = await http.post(WEBHOOK, content=body, headers={"Content-Type": "application/json",
                                                               "Authorization": f"Bearer {INTEGRATOR}"})
        assert resp.status_code == 400 and "sender" in resp.json()["message"]


async def test_a_message_that_is_not_text_or_holds_no_words_is_answered_without_the_assistant(knowledge):
    agent = RecordingAgent()
    async with served(rest_door(knowledge, agent)) as http:
        resident = await start(http)
        status, answer = await say(http, resident, {"text": "hi"})
        assert status == 400 and "message" in answer["message"]
        for message, words in (("", "入力してください"), ("\u200b \t", "入力してください"), ("🙂🙂！", "言葉で")):
            status, replies = await say(http, resident, message)
            assert status == 200 and words in replies[0]["text"], message
            assert replies[0]["buttons"] == knowledge.menu_buttons()
        assert agent.heard == []


async def test_a_flooding_sender_gets_429_while_another_resident_goes_on(knowledge):
    async with served(rest_door(knowledge, per_sender=3)) as http:
        flooding, other = await start(http), await start(http)
        for n in range(3):
            assert (await say(http, flooding, f"質問{n}"))[0] == 200
        resp = await http.post(WEBHOOK, json={**flooding, "message": "まだですか"})
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "60"
        assert resp.json()["error"] == "too_many_requests"
        assert (await say(http, other, "こんにちは"))[0] == 200


async def test_one_address_is_limited_but_an_integrator_is_not_counted_by_address(knowledge):
    async with served(rest_door(knowledge, per_address=4)) as http:
        resident = await start(http)
        for n in range(3):
            assert (await say(http, resident, f"質問{n}"))[0] == 200
        assert (await http.post("/webhooks/rest/start")).status_code == 429  # the address's fifth request
        status, _ = await say(http, {"sender": "widget-7"}, "こんにちは", Authorization=f"Bearer {INTEGRATOR}")
        assert status == 200


class FailingAgent(EchoAgent):
    async def handle_message(self, message) -> None:
        raise RuntimeError("the dialogue failed")


class SilentAgent(EchoAgent):
    async def handle_message(self, message) -> None:
        return None


@pytest.mark.parametrize("agent", [FailingAgent(), SilentAgent()], ids=["failing", "silent"])
async def test_a_failing_or_silent_assistant_gives_the_apology_with_the_desks_phone(knowledge, agent):
    async with served(rest_door(knowledge, agent)) as http:
        status, replies = await say(http, await start(http), "こんにちは")
        desk = knowledge.municipality["desk"]["phone"]
        assert status == 200 and len(replies) == 1 and desk in replies[0]["text"]


async def test_a_my_number_is_redacted_at_the_door_and_the_resident_warned(knowledge):
    agent = RecordingAgent()
    my_number = with_check_digit("12345678901")
    async with served(rest_door(knowledge, agent)) as http:
        status, replies = await say(http, await start(http), f"私の番号は{my_number}です")
        assert status == 200 and "マイナンバー" in replies[0]["text"] and "伏せ字" in replies[0]["text"]
        assert my_number not in agent.heard[0].text and my_number not in json.dumps(replies, ensure_ascii=False)
