"""The per-sender and per-address limits of the REST door."""
from assistant.ratelimit import RateLimiter


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
