"""The staff console's JSON API under /staff/api/ (session cookie with X-CSRF-Token on POST, or a Bearer token)."""
from __future__ import annotations

import asyncio
import functools
from typing import Any, Awaitable, Callable, Dict

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.staff.auth import CSRF_HEADER, Principal, authenticate, client_address, csrf_matches
from assistant.staff.console import SEARCH_KEYS, Console, ConsoleError
from assistant.staff import present

Handler = Callable[..., Awaitable[HTTPResponse]]


def error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status, ensure_ascii=False)


def ok(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, ensure_ascii=False)


def _authorized(handler: Handler) -> Handler:
    """Runs the handler with the principal; 401 without one, 403 for a role without conversations (an editor)
    or a session POST without its CSRF token;
    a ConsoleError becomes its 4xx JSON."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        principal = await authenticate(request, request.app.ctx.accounts)
        if principal is None:
            return error(401, "unauthorized", "ログインするか、APIトークンを指定してください。")
        if not principal.can("conversations"):
            return error(403, "forbidden", "この操作は、住民との相談を受ける職員と管理者が使えます。")
        if request.method not in ("GET", "HEAD") and not principal.via_token:
            if not csrf_matches(principal.csrf, request.headers.get(CSRF_HEADER)):
                return error(403, "csrf", "CSRFトークンがないか、正しくありません。")
        try:
            return await handler(request, principal, *args, **kwargs)
        except ConsoleError as exc:
            return error(exc.status, exc.code, exc.message)

    return wrapper


def _body(request: Request) -> Dict[str, Any]:
    try:
        body = request.json
    except Exception:  # invalid JSON or invalid UTF-8
        raise ConsoleError(400, "bad_request", "本文はJSONで送ってください。") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ConsoleError(400, "bad_request", "本文はJSONのオブジェクトで送ってください。")
    return body


def blueprint() -> Blueprint:
    api = Blueprint("staff_api", url_prefix="/staff/api")

    def console(request: Request) -> Console:
        return request.app.ctx.console

    @api.get("/handoffs")
    @_authorized
    async def handoffs(request: Request, who: Principal) -> HTTPResponse:
        labels = console(request).labels
        params = {key: request.args.get(key) for key in SEARCH_KEYS}
        if any(params.values()):
            filters = console(request).search_filters(params)  # 400 before any database work
            records = await asyncio.to_thread(console(request).store.search, **filters)
        else:
            records = await asyncio.to_thread(console(request).queue)
        return ok({"handoffs": [present.summary(r, labels) for r in records]})

    @api.get("/handoffs/<handoff_id>")
    @_authorized
    async def handoff(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        record, messages = await asyncio.to_thread(console(request).view, who, handoff_id, client_address(request),
                                                   "API")
        return ok({"handoff": present.detail(record, console(request).labels),
                   "messages": [present.message(m) for m in messages]})

    @api.get("/handoffs/<handoff_id>/messages")
    @_authorized
    async def messages(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        record, rows = await asyncio.to_thread(console(request).messages, handoff_id, request.args.get("after"))
        summary = present.summary(record, console(request).labels)
        return ok({"handoff": {k: summary[k] for k in ("id", "status", "status_label", "is_open", "staff")},
                   "messages": [present.message(m) for m in rows]})

    @api.post("/handoffs/<handoff_id>/assign")
    @_authorized
    async def assign(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        record = await asyncio.to_thread(console(request).assign, who, handoff_id, client_address(request))
        return ok({"handoff": present.summary(record, console(request).labels)})

    @api.post("/handoffs/<handoff_id>/take_over")
    @_authorized
    async def take_over(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        """Another staff member's handoff becomes the caller's (audited as take_over)."""
        record = await asyncio.to_thread(console(request).take_over, who, handoff_id, client_address(request))
        return ok({"handoff": present.summary(record, console(request).labels)})

    @api.post("/handoffs/<handoff_id>/reply")
    @_authorized
    async def reply(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        body = _body(request)
        message = await asyncio.to_thread(console(request).reply, who, handoff_id, body.get("text"),
                                          client_address(request))
        return ok({"message": present.message(message)}, status=201)

    @api.post("/handoffs/<handoff_id>/resolve")
    @_authorized
    async def resolve(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        body = _body(request)
        record = await asyncio.to_thread(console(request).resolve, who, handoff_id, body.get("outcome"),
                                         body.get("notes"), client_address(request))
        return ok({"handoff": present.summary(record, console(request).labels)})

    return api
