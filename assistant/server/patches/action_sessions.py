"""Kept-alive connections to the action server: one HTTP session per endpoint and event loop instead of a new
session (and connection) for every action. Nothing is sent twice: an idle connection is given up after
KEEPALIVE_SECONDS, before the action server (Sanic: 5 s) could close it under a request."""
from __future__ import annotations

import asyncio
import atexit
from typing import Any, Dict, Tuple

from assistant.server.patches.base import Swap

RASA_VERSION = "3.6.21"
TARGET = "rasa.utils.endpoints:EndpointConfig.session"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(self) -> aiohttp.client.ClientSession",
    # request() uses the session as `async with self.session() as session` (it does not close a kept one)
    "rasa.utils.endpoints:EndpointConfig.request":
        "(self, method: str = 'post', subpath: Optional[str] = None, content_type: Optional[str] = "
        "'application/json', compress: bool = False, **kwargs: Any) -> Optional[Any]",
})
KEEPALIVE_SECONDS = 2.0  # under the action server's keep-alive timeout (Sanic's default: 5 s)

# (id of the endpoint, id of the loop) -> (endpoint, loop, session): the references keep the ids unique
_sessions: Dict[Tuple[int, int], Tuple[Any, Any, Any]] = {}


class _Kept:
    """`async with` gives the kept session and leaves it open (Rasa closes the session it made per request)."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def new_session(endpoint: Any) -> Any:
    """The session Rasa's EndpointConfig.session makes (headers, basic auth, its timeout), on a connector
    that drops idle connections after KEEPALIVE_SECONDS."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(headers=endpoint.headers, auth=auth,
                                 timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                 connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))


def session(self: Any) -> _Kept:
    loop = asyncio.get_running_loop()
    key = (id(self), id(loop))
    kept = _sessions.get(key)
    if kept is None or kept[2].closed:
        kept = _sessions[key] = (self, loop, new_session(self))
    return _Kept(kept[2])


async def close_sessions() -> None:
    """Closes the sessions kept on the running loop (at the end of a server, or of a test)."""
    loop = asyncio.get_running_loop()
    for key, (_, owner, kept) in list(_sessions.items()):
        if owner is loop:
            del _sessions[key]
            await kept.close()


def _close_at_exit() -> None:
    """Closes the kept connections when the server's process ends (its loop is closed by then: closing the
    connector needs none, and a session left open would be reported as unclosed in the log)."""
    for _, _, kept in _sessions.values():
        if kept.connector is not None:
            kept.connector.close()
    _sessions.clear()


def apply() -> None:
    if not SWAP.active:
        atexit.register(_close_at_exit)
    SWAP.apply({TARGET: session})


def revert() -> None:
    SWAP.revert()
    atexit.unregister(_close_at_exit)
    _sessions.clear()
