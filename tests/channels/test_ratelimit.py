"""The per-sender and per-address limits of the REST door."""
from assistant.channels.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_up_to_the_limit_in_any_minute():
    clock = Clock()
    limiter = RateLimiter(3, clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another key has its own window
    clock.now += 59.9
    assert not limiter.allow("a")
    clock.now += 0.2
    assert limiter.allow("a")


def test_zero_means_no_limit():
    limiter = RateLimiter(0)
    assert all(limiter.allow("a") for _ in range(10_000))


def test_idle_keys_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(5, clock, max_keys=10)
    for i in range(11):
        limiter.allow(f"k{i}")
    clock.now += 61
    limiter.allow("new-1")
    limiter.allow("new-2")
    assert len(limiter._hits) <= 11


def test_a_conversation_bucket_ignores_width_case_spaces_and_invisible_characters():
    from assistant.channels.ratelimit import sender_key

    variants = ["resident-1", " resident-1", "RESIDENT-1", "resident-1\u3000", "ｒｅｓｉｄｅｎｔ－１", "resi\u200bdent-1"]
    assert {sender_key(v) for v in variants} == {"resident-1"}
    assert sender_key("resident-2") != sender_key("resident-1")


def test_door_limits_share_one_bucket_for_variants_of_a_sender():
    from assistant.channels.ratelimit import DoorLimits

    limits = DoorLimits(per_sender=2, per_address=0, clock=Clock())
    assert limits.sender_allows("Resident-1") and limits.sender_allows(" resident-1 ")
    assert not limits.sender_allows("RESIDENT-1")
    assert limits.sender_allows("resident-2")


def test_the_client_address_is_the_peer_unless_the_peer_is_a_trusted_proxy():
    from assistant.channels.access import client_address, parse_networks

    proxies = parse_networks(["10.0.0.0/8", "::1"])
    assert client_address("203.0.113.9", ["198.51.100.1"], proxies) == "203.0.113.9"  # not a proxy: header ignored
    assert client_address("203.0.113.9", ["198.51.100.1"], ()) == "203.0.113.9"  # no proxies: header ignored
    assert client_address("10.1.2.3", ["198.51.100.1"], proxies) == "198.51.100.1"
    # What the client wrote in front is never believed; trusted hops are skipped from the right.
    assert client_address("10.1.2.3", ["6.6.6.6, 198.51.100.1, 10.0.0.7"], proxies) == "198.51.100.1"
    assert client_address("::1", ["6.6.6.6", "198.51.100.1"], proxies) == "198.51.100.1"
    assert client_address("10.1.2.3", [], proxies) == "10.1.2.3"


def test_settings_refuse_a_bad_proxy_or_a_short_integrator_token():
    import pytest

    from assistant.settings import Settings, SettingsError

    settings = Settings.from_env({"MADOGUCHI_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1",
                                  "MADOGUCHI_INTEGRATOR_TOKENS": "a" * 16 + ", " + "b" * 20})
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert settings.integrator_tokens == ("a" * 16, "b" * 20)
    assert Settings.from_env({}).trusted_proxies == () and Settings.from_env({}).integrator_tokens == ()
    with pytest.raises(SettingsError, match="MADOGUCHI_TRUSTED_PROXIES"):
        Settings.from_env({"MADOGUCHI_TRUSTED_PROXIES": "proxy.example"})
    with pytest.raises(SettingsError, match="16 characters"):
        Settings.from_env({"MADOGUCHI_INTEGRATOR_TOKENS": "short"})
