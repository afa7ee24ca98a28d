"""A sliding one-minute window per key (sender, client address), kept in this process."""
from __future__ import annotations

import time
import unicodedata
from collections import defaultdict, deque
from typing import Callable, Deque, Dict, Tuple

WINDOW_SECONDS = 60.0


class RateLimiter:
    """Allows at most `per_minute` hits per key in any 60 seconds; 0 means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_keys = max_keys
        self._hits: Dict[str, Deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = self.clock()
        hits = self._hits[key]
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return False
        hits.append(now)
        if len(self._hits) > self.max_keys:
            self._forget_idle(now)
        return True

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - WINDOW_SECONDS]:
            del self._hits[key]


def sender_key(sender: str) -> str:
    """A conversation's bucket: NFKC, without format characters, stripped, case-folded, so that
    ' resident-1', 'RESIDENT-1' and 'ｒｅｓｉｄｅｎｔ－１' share one."""
    text = unicodedata.normalize("NFKC", sender)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").strip().casefold()
    return unicodedata.normalize("NFKC", text)


class DoorLimits:
    """The limits of the REST door in one process, shared by its channels (REST, kiosk, Telegram through REST)."""

    def __init__(self, per_sender: int, per_address: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_sender = RateLimiter(per_sender, clock)
        self.per_address = RateLimiter(per_address, clock)

    def sender_allows(self, sender: str) -> bool:
        return self.per_sender.allow(sender_key(sender))

    def address_allows(self, address: str) -> bool:
        return self.per_address.allow(address)


_shared: Dict[Tuple[int, int], DoorLimits] = {}


def shared_limits(per_sender: int, per_address: int) -> DoorLimits:
    """The one DoorLimits of this process for these limits (each channel of the Rasa server is built apart)."""
    return _shared.setdefault((per_sender, per_address), DoorLimits(per_sender, per_address))
