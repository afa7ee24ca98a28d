"""Staff sign-in: password hashes, session cookies and API tokens, CSRF checks and the login throttle."""
from __future__ import annotations

import asyncio
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sanic.request import Request

from assistant.staff.accounts import ROLE_LABELS, StaffAccounts, can
from assistant.storage.models import StaffUser

COOKIE = "madoguchi_staff"        # the session; its value is stored only as a hash
LOGIN_COOKIE = "madoguchi_login"  # double-submit token of the login form (no session exists yet)
COOKIE_PATH = "/staff"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256

_hasher: Optional[PasswordHasher] = None
_dummy_hash: Optional[str] = None


def hasher() -> PasswordHasher:
    global _hasher
    if _hasher is None:
        _hasher = PasswordHasher()
    return _hasher


def password_problem(password: str) -> Optional[str]:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"password must be at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"password must be at most {MAX_PASSWORD_CHARS} characters"
    if not password.strip():
        return "password must not be blank"
    return None


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: Optional[str], password: str) -> bool:
    """True when the password matches; an unknown user costs the same time as a wrong password."""
    global _dummy_hash
    if not password or len(password) > MAX_PASSWORD_CHARS:
        return False
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = hasher().hash("not a password of anyone")
        password_hash, password = _dummy_hash, password + "\x00"
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def csrf_matches(expected: Optional[str], given: Optional[str]) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def client_address(request: Request) -> str:
    """The client's address (the proxy's, unless Sanic is told how many proxies forward it)."""
    return (request.remote_addr or request.ip or "?")[:64]


@dataclass(frozen=True)
class Principal:
    """Who is asking: a staff member through a session (with its CSRF token) or an API token."""

    staff: StaffUser
    csrf: Optional[str] = None  # None for API tokens, which need no CSRF token

    @property
    def via_token(self) -> bool:
        return self.csrf is None

    @property
    def is_admin(self) -> bool:
        return self.staff.role == "admin"

    def can(self, ability: str) -> bool:
        """May use pages of that kind (accounts.ABILITIES): conversations, answers or admin."""
        return can(self.staff.role, ability)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.staff.role, self.staff.role)

    @property
    def home(self) -> str:
        """The first page of the role: the handoff queue, or the review queue for an editor."""
        return "/staff/" if self.can("conversations") else "/staff/review-queue"


def bearer_token(request: Request) -> Optional[str]:
    """The token of an `Authorization: Bearer` header; "" for any other Authorization header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def authenticate(request: Request, accounts: StaffAccounts, allow_token: bool = True) -> Optional[Principal]:
    """The principal of the request, checked against the database on every request (an account
    deactivated a second ago is refused), or None. An Authorization header never falls back to the cookie."""
    token = bearer_token(request) if allow_token else None
    if token is not None:
        staff = await asyncio.to_thread(accounts.staff_for_api_token, token) if token else None
        return Principal(staff) if staff is not None else None
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 200:
        return None
    session = await asyncio.to_thread(accounts.session_for, cookie)
    if session is None:
        return None
    return Principal(session.staff, session.csrf_token)


class LoginThrottle:
    """Refuses sign-in for a while after repeated failures for one username or from one address."""

    def __init__(self, per_user: int = 5, per_address: int = 30, window_seconds: float = 900,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user, self.per_address, self.window, self.clock = per_user, per_address, window_seconds, clock
        self._failures: Dict[str, Deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(address: str, username: str):
        return (f"addr:{address}", f"user:{username.strip().lower()[:64]}")

    def _recent(self, key: str, now: float) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return len(times)

    def blocked(self, address: str, username: str) -> bool:
        addr_key, user_key = self._keys(address, username)
        with self._lock:
            now = self.clock()
            return self._recent(addr_key, now) >= self.per_address or self._recent(user_key, now) >= self.per_user

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._failures) > 10_000:  # forget keys whose failures have all aged out
                for key in list(self._failures):
                    self._recent(key, now)
            for key in self._keys(address, username):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self._keys("", username)[1], None)
