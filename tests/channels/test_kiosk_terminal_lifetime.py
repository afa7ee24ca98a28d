"""A kiosk's terminal credential lasts MADOGUCHI_KIOSK_TERMINAL_DAYS (30): each start call renews it for the
same terminal, and an expired, tampered or too far-reaching one counts per address again."""
from dataclasses import replace

import pytest

from assistant.channels.kiosk import KioskInput
from assistant.settings import Settings, SettingsError
from tests.helpers.door import Door

DAY = 24 * 60 * 60


class Clock:
    """The wall clock the kiosk gate reads for expiry, moved on by the test."""

    def __init__(self) -> None:
        self.at = 1_800_000_000.0

    def __call__(self) -> float:
        return self.at


async def kiosk_with_clock(door):
    door.kiosk.gate.now = clock = Clock()
    status, c = await door.post("/webhooks/kiosk/start")
    assert status == 200 and c["terminal"].startswith("terminal-")
    return c, clock


async def say(door, c, text="こんにちは"):
    return (await door.post("/webhooks/kiosk/webhook", {**c, "message": text}))[0]


async def renew(door, c):
    return await door.post("/webhooks/kiosk/start", {"terminal": c["terminal"], "terminal_token": c["terminal_token"]})


async def test_an_expired_terminal_credential_counts_per_address_again(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=3) as door:
        c, clock = await kiosk_with_clock(door)  # 1 of the address's 3
        clock.at += 30 * DAY - 1
        assert [await say(door, c) for _ in range(5)] == [200] * 5  # still the terminal's bucket
        clock.at += 1
        assert [await say(door, c) for _ in range(3)] == [200, 200, 429]  # the address's


async def test_a_start_call_renews_the_credential_for_the_same_terminal(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=4) as door:
        first, clock = await kiosk_with_clock(door)
        clock.at += 29 * DAY
        status, renewed = await renew(door, first)
        assert status == 200 and renewed["terminal"] == first["terminal"]
        assert renewed["terminal_token"] != first["terminal_token"] and renewed["sender"] != first["sender"]
        clock.at += 29 * DAY  # 58 days after the first start: only the renewed credential holds
        conversation = {**renewed, "terminal": renewed["terminal"]}
        assert [await say(door, conversation) for _ in range(6)] == [200] * 6
        old = {**conversation, "terminal_token": first["terminal_token"]}
        # The first start spent 1 of the address's 4 (the renewal counted on the terminal): 3 left.
        assert [await say(door, old) for _ in range(4)] == [200, 200, 200, 429]


async def test_a_start_with_an_expired_credential_makes_a_new_terminal_counted_per_address(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=1000) as door:
        c, clock = await kiosk_with_clock(door)
        clock.at += 31 * DAY
        status, again = await renew(door, c)
        assert status == 200 and again["terminal"] != c["terminal"]
        answers = [await renew(door, c) for _ in range(10)]
        assert [status for status, _ in answers] == [200] * 10
        # 10 new terminals a minute per address, the first two included; beyond, a conversation without one
        assert ["terminal" in body for _, body in answers] == [True] * 8 + [False] * 2
        assert await say(door, again) == 200


@pytest.mark.parametrize("change", ["later expiry", "earlier expiry", "no expiry", "digits of another script"])
async def test_a_tampered_expiry_does_not_hold(tmp_path, knowledge, change):
    async with Door(tmp_path, knowledge, per_address=3) as door:
        c, _clock = await kiosk_with_clock(door)
        expires, mac = c["terminal_token"].split(".")
        token = {"later expiry": f"{int(expires) + DAY}.{mac}", "earlier expiry": f"{int(expires) - DAY}.{mac}",
                 "no expiry": mac, "digits of another script": "１" * len(expires) + "." + mac}[change]
        assert [await say(door, {**c, "terminal_token": token}) for _ in range(3)] == [200, 200, 429]


async def test_a_shortened_lifetime_applies_to_credentials_already_given(tmp_path, knowledge):
    async with Door(tmp_path, knowledge, per_address=3) as door:
        c, clock = await kiosk_with_clock(door)
        clock.at += DAY
        door.kiosk.gate.lifetime = 7 * DAY  # the setting lowered from 30 to 7 days: 29 days left is too long
        assert [await say(door, c) for _ in range(3)] == [200, 200, 429]
        renewed = door.kiosk.gate.credential(c["terminal"])  # what the next start would give
        assert int(renewed["terminal_token"].split(".")[0]) == int(clock.at) + 7 * DAY
        assert door.kiosk.gate.holds(c["terminal"], renewed["terminal_token"])


def test_the_lifetime_is_a_setting():
    assert Settings.from_env({}).kiosk_terminal_days == 30
    assert Settings.from_env({"MADOGUCHI_KIOSK_TERMINAL_DAYS": "7"}).kiosk_terminal_days == 7
    assert Settings.from_env({"MADOGUCHI_KIOSK_TERMINAL_DAYS": "0"}).kiosk_terminal_days == 30
    with pytest.raises(SettingsError):
        Settings.from_env({"MADOGUCHI_KIOSK_TERMINAL_DAYS": "a month"})


def test_the_kiosk_channel_takes_the_lifetime_and_the_limit_from_the_settings_it_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_KIOSK_TERMINAL_DAYS", "90")  # the environment says otherwise: nobody reads it again
    monkeypatch.setenv("MADOGUCHI_RATE_PER_KIOSK", "500")
    settings = replace(Settings.from_env({"MADOGUCHI_DATA_DIR": str(tmp_path)}), kiosk_terminal_days=7, rate_per_kiosk=5)
    channel = KioskInput.from_settings(settings)
    try:
        gate = channel.gate
        gate.now = clock = Clock()
        token = gate.credential("terminal-a")["terminal_token"]
        assert int(token.split(".")[0]) == int(clock.at) + 7 * DAY
        assert gate.holds("terminal-a", token)
        assert not gate.holds("terminal-a", f"{int(clock.at) + 8 * DAY}.{token.split('.')[1]}")
        assert [gate.per_terminal.allow("terminal-a") for _ in range(6)] == [True] * 5 + [False]
    finally:
        channel.door.store.close()
