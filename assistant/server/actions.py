"""The action server: on 127.0.0.1 unless MADOGUCHI_ACTION_HOST says otherwise, and behind a shared secret
header (MADOGUCHI_ACTION_SECRET) that the Rasa server sends with every call (endpoints*.yml)."""
from __future__ import annotations

import hmac
import ipaddress
import os
from typing import Mapping, Optional

import pluggy
from sanic import Sanic, response
from sanic.request import Request

SECRET_HEADER = "X-Madoguchi-Action-Secret"
DEFAULT_HOST = "127.0.0.1"
OPEN_PATHS = ("/health",)  # the launcher's readiness check; it tells nothing about conversations

hookimpl = pluggy.HookimplMarker("rasa_sdk")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def action_host(env: Optional[Mapping[str, str]] = None) -> str:
    """Where the action server listens; another host than loopback only with a shared secret."""
    env = os.environ if env is None else env
    host = env.get("MADOGUCHI_ACTION_HOST", "").strip() or DEFAULT_HOST
    if not is_loopback(host) and not env.get("MADOGUCHI_ACTION_SECRET", "").strip():
        raise SystemExit(f"MADOGUCHI_ACTION_HOST={host} is reachable from other machines: set MADOGUCHI_ACTION_SECRET "
                         "(the same value for the Rasa server) so that only it may call the action server")
    return host


class SecretCheck:
    """A rasa_sdk plug-in: calls without the shared secret header get 401 (when a secret is set)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        secret = self.secret.encode("utf-8")

        @app.middleware("request")
        async def require_secret(request: Request):
            if request.path in OPEN_PATHS:
                return None
            given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
            if not hmac.compare_digest(given, secret):
                return response.json({"error": "unauthorized"}, status=401)
            return None


def serve(port: int) -> None:
    """Serves the actions package until interrupted."""
    from rasa_sdk.endpoint import run
    from rasa_sdk.plugin import plugin_manager

    host = action_host()
    secret = os.environ.get("MADOGUCHI_ACTION_SECRET", "").strip()
    if secret:
        plugin_manager().register(SecretCheck(secret))
    os.environ["SANIC_HOST"] = host  # rasa_sdk's run() listens where SANIC_HOST says (its default: every interface)
    run("actions", port=port)
