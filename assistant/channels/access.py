"""Who may speak in a conversation, and how often: conversation tokens for residents' clients, integrator
tokens for trusted back ends (they name their own sender ids), the client's address behind trusted proxies."""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import string
from typing import Any, Iterable, Optional, Sequence, Tuple, Union

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.ratelimit import DoorLimits

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
_PURPOSE = b"madoguchi conversation token\x00"


class ConversationTokens:
    """A conversation's token is an HMAC of its sender id under the product's key: nothing is stored,
    and nobody without the key can make the token of a conversation they did not start."""

    def __init__(self, key: str, purpose: bytes = _PURPOSE) -> None:
        self._key = key.encode("utf-8")
        self._purpose = purpose

    def kind(self, purpose: bytes) -> "ConversationTokens":
        """Tokens of another kind under the same key: one kind never passes for the other."""
        return ConversationTokens(self._key.decode("utf-8"), purpose)

    def token(self, sender: str) -> str:
        mac = hmac.new(self._key, self._purpose + sender.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def new(self, prefix: str) -> dict:
        """A new conversation: a random sender id (28 letters, 131 bits) and its token. Letters only: a
        digit run in an id could look like a phone number or a My Number to the redaction at the door."""
        sender = f"{prefix}-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(28))
        return {"sender": sender, "token": self.token(sender)}

    def valid(self, sender: str, token: Any) -> bool:
        if not isinstance(token, str) or not token:
            return False
        return hmac.compare_digest(self.token(sender).encode("ascii"), token.encode("utf-8", "surrogatepass"))


def parse_networks(entries: Iterable[str]) -> Tuple[Network, ...]:
    """Addresses or networks ("10.0.0.5", "10.0.0.0/8", "::1"); ValueError names a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {entry!r}") from None
    return tuple(networks)


def _within(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: Sequence[str], proxies: Sequence[Network]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the nearest address in
    X-Forwarded-For that is not a trusted proxy (what the client itself wrote there is never believed)."""
    if not proxies or not _within(peer, proxies):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, proxies):
            return hop
    return hops[0] if hops else peer


def _refusal(status: int, error: str, message: str) -> HTTPResponse:
    return response.json({"error": error, "message": message}, status=status)


class Gate:
    """The checks before a conversation is heard: an integrator's token or the conversation's own, and
    the limits (per client address for residents' clients; per resident for everyone)."""

    def __init__(self, tokens: ConversationTokens, limits: DoorLimits, integrator_tokens: Iterable[str] = (),
                 trusted_proxies: Sequence[Network] = ()) -> None:
        self.tokens = tokens
        self.limits = limits
        self._integrators = [t.encode("utf-8") for t in integrator_tokens if t]
        self.proxies = tuple(trusted_proxies)

    def integrator(self, request: Request) -> Optional[bool]:
        """True for a known integrator token, False for a wrong one, None without an Authorization header."""
        header = request.headers.get("Authorization")
        if header is None:
            return None
        given = header[7:].strip().encode("utf-8", "surrogateescape") if header.startswith("Bearer ") else b""
        return bool(given) and any(hmac.compare_digest(given, token) for token in self._integrators)

    def address(self, request: Request) -> str:
        return client_address(request.ip or "?", request.headers.getall("X-Forwarded-For", []), self.proxies)

    def enter(self, request: Request) -> Tuple[Optional[HTTPResponse], bool]:
        """(a refusal or None, whether the caller is a trusted integrator); integrators skip the address limit."""
        trusted = self.integrator(request)
        if trusted is not True and not self.within_limit(request):
            return too_many(), False
        if trusted is False:
            return _refusal(401, "unauthorized", "連携用のトークンが正しくありません（Authorization: Bearer ...）。"), False
        return None, bool(trusted)

    def within_limit(self, request: Request) -> bool:
        """Whether a caller who is no integrator may go on now: counted per client address."""
        return self.limits.address_allows(self.address(request))

    def start(self, request: Request, prefix: str) -> HTTPResponse:
        """The answer to a start call that passed enter(): a new conversation and its token."""
        return response.json(self.tokens.new(prefix))

    def admit(self, sender: str, token: Any, trusted: bool, start_path: str) -> Optional[HTTPResponse]:
        """A refusal, or None when this caller may speak in this conversation now."""
        if not trusted:
            if token is None or token == "":
                return _refusal(401, "unauthorized", "会話を確認できませんでした。お手数ですが、はじめからやり直してください。"
                                f"（{start_path} で受け取った sender と token を、毎回いっしょに送ってください）")
            if not self.tokens.valid(sender, token):
                return _refusal(403, "forbidden", "この会話の確認ができませんでした（token が sender と合いません）。"
                                "お手数ですが、はじめからやり直してください。")
        if not self.limits.sender_allows(sender):
            return too_many()
        return None


def too_many() -> HTTPResponse:
    return response.json(
        {"error": "too_many_requests", "message": "短い時間に送信が多すぎます。1分ほど待ってから、もう一度送ってください。"},
        status=429, headers={"Retry-After": "60"},
    )
