"""Kiosks behind one address (a city hall's NAT) are limited per terminal, not per address: each kiosk page
holds a terminal credential from its first start call and sends it with every request."""
from __future__ import annotations

import secrets
import string
import time
from typing import Any, Callable, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.access import Gate, too_many
from assistant.ratelimit import RateLimiter

_PURPOSE = b"madoguchi kiosk terminal\x00"
NEW_TERMINALS_PER_MINUTE = 10  # per client address: a kiosk page asks once and keeps its credential
MAX_TERMINAL_CHARS = 64


class KioskGate(Gate):
    """The kiosk's gate: a request with a valid terminal credential counts in its terminal's bucket
    (MADOGUCHI_RATE_PER_KIOSK a minute) instead of its address's; one without counts per address as before.
    New terminal credentials are issued at most NEW_TERMINALS_PER_MINUTE a minute per address, so a
    client that makes terminals to multiply its buckets is slowed, and kiosks holding one go on."""

    def __init__(self, gate: Gate, per_kiosk: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.__dict__.update(vars(gate))  # the same tokens, limits, integrators and proxies
        self.terminal_tokens = gate.tokens.kind(_PURPOSE)
        self.per_terminal = RateLimiter(per_kiosk, clock)
        self.new_terminals = RateLimiter(NEW_TERMINALS_PER_MINUTE, clock)

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
        return terminal if self.terminal_tokens.valid(terminal, body.get("terminal_token")) else None

    def within_limit(self, request: Request) -> bool:
        terminal = self.terminal(request)
        return super().within_limit(request) if terminal is None else self.per_terminal.allow(terminal)

    def start(self, request: Request, prefix: str) -> HTTPResponse:
        """A new conversation; for a page without a terminal credential, also a new terminal's."""
        if self.terminal(request) is not None:
            return super().start(request, prefix)
        if not self.new_terminals.allow(self.address(request)):
            return too_many()
        terminal = "terminal-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(24))
        return response.json(dict(self.tokens.new(prefix), terminal=terminal,
                                  terminal_token=self.terminal_tokens.token(terminal)))


def per_kiosk_gate(gate: Any, per_kiosk: int) -> KioskGate:
    """The kiosk's gate around the channel's (an existing KioskGate keeps its buckets, with the new limit)."""
    if isinstance(gate, KioskGate):
        gate.per_terminal.per_minute = per_kiosk
        return gate
    return KioskGate(gate, per_kiosk)
