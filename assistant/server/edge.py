"""The Rasa server's HTTP edge: request size and time limits, security headers on every route (Rasa's own
included), and the version told only to callers with the API token. Installed from the REST channel's blueprint
(a Sanic listener) before the server accepts a connection."""
from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from typing import Mapping, Optional
from urllib.parse import unquote

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

# Routes of Rasa's that tell its version (and so which published flaws apply) to anyone who asks.
VERSION_PATHS = ("/", "/version")


@dataclass(frozen=True)
class EdgeSettings:
    """MADOGUCHI_MAX_REQUEST_BYTES  largest request body the Rasa server reads (default 65536)
    MADOGUCHI_HTTP_REQUEST_TIMEOUT  seconds a client has to send its whole request (default 10)
    MADOGUCHI_HTTP_KEEP_ALIVE_TIMEOUT  seconds an idle kept-alive connection stays open (default 15)
    MADOGUCHI_HTTP_RESPONSE_TIMEOUT  seconds from the end of the headers to the answer, the body's upload
        included (default 60; Rasa's is an hour)"""

    max_request_bytes: int = 64 * 1024
    request_timeout: float = 10.0
    keep_alive_timeout: float = 15.0
    response_timeout: float = 60.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "EdgeSettings":
        from assistant.settings import SettingsError

        env = os.environ if env is None else env
        values = {}
        for name, key, kind in (("MADOGUCHI_MAX_REQUEST_BYTES", "max_request_bytes", int),
                                ("MADOGUCHI_HTTP_REQUEST_TIMEOUT", "request_timeout", float),
                                ("MADOGUCHI_HTTP_KEEP_ALIVE_TIMEOUT", "keep_alive_timeout", float),
                                ("MADOGUCHI_HTTP_RESPONSE_TIMEOUT", "response_timeout", float)):
            raw = env.get(name, "").strip()
            if not raw:
                continue
            try:
                values[key] = kind(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number, not {raw!r}") from None
            if values[key] <= 0:
                raise SettingsError(f"{name} must be more than 0")
        return cls(**values)


def has_token(request: Request, token: Optional[str]) -> bool:
    """The API token as Rasa takes it (?token=...), or as a Bearer header."""
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    given = request.args.get("token") or (header[7:] if header.startswith("Bearer ") else "")
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


async def refuse_nul_in_path(request: Request) -> Optional[HTTPResponse]:
    """A 404 for a path holding a NUL byte (%00): no route or file has one, and the file system would
    answer a static file's lookup with an error (a 500) instead."""
    if "\x00" in unquote(request.path):
        return response.json({"error": "not_found", "message": "ページが見つかりません。"}, status=404)
    return None


def install(app: Sanic, token: Optional[str], headers: Mapping[str, str],
            settings: Optional[EdgeSettings] = None) -> None:
    """Limits and app-wide middleware on Rasa's server app; the app reads these for each new connection."""
    settings = settings or EdgeSettings.from_env()
    app.config.REQUEST_MAX_SIZE = settings.max_request_bytes
    app.config.REQUEST_TIMEOUT = settings.request_timeout
    app.config.KEEP_ALIVE_TIMEOUT = settings.keep_alive_timeout
    app.config.RESPONSE_TIMEOUT = settings.response_timeout
    if getattr(app.ctx, "madoguchi_edge", False):
        return
    app.ctx.madoguchi_edge = True

    async def no_version_without_token(request: Request) -> Optional[HTTPResponse]:
        if request.path not in VERSION_PATHS or has_token(request, token):
            return None
        if request.path == "/":
            return response.text("ok")
        return response.json({"error": "unauthorized", "message": "API token required"}, status=401)

    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        for name, value in headers.items():
            resp.headers.setdefault(name, value)  # a channel's own (the kiosk page's) come after and win

    app.register_middleware(no_version_without_token, "request")
    app.register_middleware(security_headers, "response")


def hang_up_on_cut_uploads(app_names=("rasa_server", "rasa_core_no_api")) -> None:
    """After the response timeout Sanic (21.12) answers 503 to a client still sending its body, but keeps
    the socket open for as long as the client likes; a Sanic signal closes it. Registered while Rasa builds
    its app (signals must exist before the server starts)."""
    from sanic.exceptions import SanicException

    for name in app_names:
        try:
            app = Sanic.get_app(name)
        except SanicException:
            continue
        if getattr(app.ctx, "madoguchi_hang_up", False):
            continue
        app.ctx.madoguchi_hang_up = True

        @app.signal("http.lifecycle.response")
        async def hang_up(request: Request, response: HTTPResponse) -> None:
            expected = request.headers.get("content-length") or "0"
            if (response.status == 503 and expected.isdigit() and len(request.body or b"") < int(expected)
                    and request.transport is not None):
                request.transport.close()
