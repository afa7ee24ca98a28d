"""Kiosks behind one address (a city hall's NAT) are limited per terminal, not per address: each kiosk page
holds a terminal credential from its first start call and sends it with every request; the credential lasts
MADOGUCHI_KIOSK_TERMINAL_DAYS and each start call renews it."""
from __future__ import annotations

import secrets
import string
import time
from typing import Any, Callable, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.access import Gate
from assistant.channels.ratelimit import RateLimiter

_PURPOSE = b"madoguchi kiosk terminal\x00"
NEW_TERMINALS_PER_MINUTE = 10  # per client address: a kiosk page asks once and keeps its credential
MAX_TERMINAL_CHARS = 64
DAY_SECONDS = 24 * 60 * 60


class KioskGate(Gate):
    """The kiosk's gate: a request with a valid terminal credential counts in its terminal's bucket
    (MADOGUCHI_RATE_PER_KIOSK a minute) instead of its address's; one without counts per address as before.
    New terminal credentials are issued at most NEW_TERMINALS_PER_MINUTE a minute per address (beyond, a
    start call gets a conversation without one), so a client that makes terminals to multiply its
    buckets gains nothing, and kiosks holding one go on.
    A credential is "<expiry>.<signature of terminal and expiry>": it holds until its expiry (wall-clock
    seconds, at most the lifetime ahead, so a shortened lifetime applies to credentials already given),
    and a start call with a credential that holds answers a renewed one for the same terminal."""

    def __init__(self, gate: Gate, per_kiosk: int, lifetime_days: int, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> None:
        self.__dict__.update(vars(gate))  # the same tokens, limits, integrators and proxies
        self.terminal_tokens = gate.tokens.kind(_PURPOSE)
        self.per_terminal = RateLimiter(per_kiosk, clock)
        self.new_terminals = RateLimiter(NEW_TERMINALS_PER_MINUTE, clock)
        self.lifetime = lifetime_days * DAY_SECONDS  # MADOGUCHI_KIOSK_TERMINAL_DAYS, read by the channel's caller
        self.now = now

    def credential(self, terminal: str) -> dict:
        """The terminal and its credential, valid for the lifetime from now."""
        expires = str(int(self.now()) + self.lifetime)
        return {"terminal": terminal, "terminal_token": f"{expires}.{self.terminal_tokens.token(terminal + chr(0) + expires)}"}

    def holds(self, terminal: str, token: Any) -> bool:
        """Whether a terminal credential is this server's, for this terminal, and not expired."""
        expires, _, mac = token.partition(".") if isinstance(token, str) else ("", "", "")
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
            return False
        if not self.now() < int(expires) <= self.now() + self.lifetime:
            return False
        return self.terminal_tokens.valid(terminal + chr(0) + expires, mac)

    def terminal(self, request: Request) -> Optional[str]:
        """The terminal id of a request whose terminal credential holds, else None."""
        try:
            body = request.json
        except Exception:
            return None
        if not isinstance(body, dict):
            return None
        terminal = body.get("terminal")
        if not isinstance(terminal, str) or not 0 < len(terminal) <= MAX_TERMINAL_CHARS:
            return None
        return terminal if self.holds(terminal, body.get("terminal_token")) else None

    def within_limit(self, request: Request) -> bool:
        terminal = self.terminal(request)
        return super().within_limit(request) if terminal is None else self.per_terminal.allow(terminal)

    def start(self, request: Request, prefix: str) -> HTTPResponse:
        """A new conversation with the terminal's renewed credential; for a page without a credential that
        holds (none, forged or expired), a new terminal's."""
        terminal = self.terminal(request)
        if terminal is None:
            if not self.new_terminals.allow(self.address(request)):
                # More new terminals from this address this minute than kiosks start (a city's kiosks all
                # switched on at once, or a client making buckets): the resident's conversation starts all
                # the same, counted per address like a page without a credential; the page asks again later.
                return response.json(self.tokens.new(prefix))
            terminal = "terminal-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(24))
        return response.json(dict(self.tokens.new(prefix), **self.credential(terminal)))
