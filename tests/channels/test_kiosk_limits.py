"""Kiosks behind one address (a city hall's NAT) are limited per terminal: ten kiosks do not silence each
other, and one abusive client (with or without a terminal credential, or making new ones) cannot silence them."""
import pytest

from assistant.settings import Settings
from tests.helpers.door import Door


async def kiosk(door):
    """A kiosk page's first start: its conversation and its terminal credential."""
    c = await door.start("kiosk")
    assert c["terminal"].startswith("terminal-") and c["terminal_token"]
    return c


async def say(door, c, text="こんにちは"):
    return (await door.post("/webhooks/kiosk/webhook", {**c, "message": text}))[0]


async def test_ten_kiosks_behind_one_address_do_not_share_a_bucket(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=20) as door:
        kiosks = [await kiosk(door) for _ in range(10)]  # 10 of the address's 20
        statuses = [await say(door, c) for _round in range(5) for c in kiosks]  # 50 messages from one address
        assert statuses == [200] * 50
        # A new resident at a kiosk: a new conversation for the same terminal, not counted per address.
        for c in kiosks:
            status, again = await door.post("/webhooks/kiosk/start", {"terminal": c["terminal"],
                                                                      "terminal_token": c["terminal_token"]})
            assert status == 200 and again["sender"] != c["sender"] and again["terminal"] == c["terminal"]
            assert await say(door, {**again, "terminal": c["terminal"], "terminal_token": c["terminal_token"]}) == 200


async def test_one_kiosk_flooding_is_limited_and_the_others_go_on(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_sender=1000, per_address=1000) as door:
        door.kiosk.gate.per_terminal.per_minute = 5
        abuser, resident = await kiosk(door), await kiosk(door)
        assert [await say(door, abuser) for _ in range(6)] == [200] * 5 + [429]
        # A new conversation does not refill the terminal's bucket.
        status, _ = await door.post("/webhooks/kiosk/start", {"terminal": abuser["terminal"],
                                                             "terminal_token": abuser["terminal_token"]})
        assert status == 429
        assert await say(door, resident) == 200


async def test_a_client_without_a_terminal_spends_only_the_address_bucket(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=12) as door:
        kiosks = [await kiosk(door) for _ in range(2)]
        bare = {k: kiosks[0][k] for k in ("sender", "token")}  # a conversation, but no terminal credential
        statuses = [await say(door, bare) for _ in range(12)]
        assert statuses[-1] == 429 and statuses.count(200) == 10  # 12 minus the two kiosks' starts
        assert (await door.post("/webhooks/kiosk/start"))[0] == 429  # no new terminal from this address now
        assert [await say(door, c) for c in kiosks] == [200, 200]  # the kiosks holding a credential go on


async def test_making_terminals_to_multiply_buckets_is_slowed_and_kiosks_go_on(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=1000) as door:
        resident = await kiosk(door)
        answers = [await door.post("/webhooks/kiosk/start") for _ in range(12)]
        assert [status for status, _ in answers] == [200] * 12  # a resident's start is never refused for it
        # 10 new terminals a minute per address, the resident's included; beyond, no terminal credential
        assert ["terminal" in body for _, body in answers] == [True] * 9 + [False] * 3
        assert all(body["sender"] and body["token"] for _, body in answers)
        assert await say(door, resident) == 200


@pytest.mark.parametrize("forged", ["other terminal's token", "conversation token", "bad token", "too long"])
async def test_a_forged_terminal_credential_counts_per_address(tmp_path, knowledge, forged):
    async with Door(tmp_path, knowledge, per_address=3) as door:
        a, b = await kiosk(door), await kiosk(door)  # 2 of the address's 3
        body = {"sender": a["sender"], "token": a["token"], "terminal": a["terminal"]}
        body["terminal_token"] = {"other terminal's token": b["terminal_token"], "conversation token": a["token"],
                                  "bad token": "x" * 43, "too long": a["terminal_token"]}[forged]
        if forged == "too long":
            body["terminal"] = a["terminal"] + "x" * 64
        assert [await say(door, body) for _ in range(2)] == [200, 429]
        assert await say(door, a) == 200


async def test_a_terminal_credential_is_no_conversation_credential(tmp_path, knowledge):
    async with Door(tmp_path, knowledge) as door:
        c = await kiosk(door)
        status, answer = await door.post("/webhooks/kiosk/webhook", {"sender": c["terminal"], "token": c["terminal_token"],
                                                                     "message": "こんにちは"})
        assert status == 403 and answer["error"] == "forbidden"


async def test_rest_starts_give_no_terminal(tmp_path, knowledge):
    async with Door(tmp_path, knowledge) as door:
        assert "terminal" not in await door.start("rest")


def test_the_per_kiosk_limit_is_a_setting():
    assert Settings.from_env({}).rate_per_kiosk == 120
    assert Settings.from_env({"MADOGUCHI_RATE_PER_KIOSK": "0"}).rate_per_kiosk == 0
