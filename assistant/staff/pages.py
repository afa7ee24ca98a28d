"""The staff console's HTML pages: login, the queue, the conversation view, search and the audit log."""
from __future__ import annotations

import asyncio
import functools
import re
import secrets
from typing import Any, Awaitable, Callable, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.handoff.profile import STATUS_LABELS
from assistant.privacy.redact import redact
from assistant.staff import present
from assistant.staff.auth import (
    COOKIE, COOKIE_PATH, CSRF_FIELD, LOGIN_COOKIE, Principal, authenticate, client_address, csrf_matches,
    needs_rehash, hash_password, verify_password,
)
from assistant.staff.console import ConsoleError, parse_id
from assistant.storage.models import CHAT_STATUSES, OPEN_STATUSES

Handler = Callable[..., Awaitable[HTTPResponse]]
_NEXT_RE = re.compile(r"^/staff/(handoffs/\d{1,10}|search|audit|dashboard|review|review-queue|answers(/[a-z0-9_]{1,64}/[a-z0-9_]{1,64})?)?$")


def render(request: Request, template: str, who: Optional[Principal] = None, status: int = 200,
           **context: Any) -> HTTPResponse:
    html = request.app.ctx.templates.get_template(template).render(
        me=who, csrf=who.csrf if who else None, **context)
    return response.html(html, status=status)


def set_cookie(request: Request, resp: HTTPResponse, name: str, value: str, max_age: Optional[int] = None) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["path"] = COOKIE_PATH
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if request.app.ctx.settings.staff_secure_cookie:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


REFUSALS = {  # what a signed-in member of the wrong role reads
    "conversations": "このページは、住民との相談を受ける職員と管理者が使います。",
    "answers": "このページは、回答の担当と管理者が使います。",
    "admin": "このページは管理者だけが見られます。",
}


def refuse(request: Request, who: Principal, ability: str) -> HTTPResponse:
    """The polite 403 page for a role without the ability, with a link to the role's own first page."""
    return render(request, "error.html", who, 403, title="このページは見られません",
                  message=f"{REFUSALS[ability]}（あなたの役割：{who.role_label}）")


def _page(admin: bool = False, post: bool = False, ability: Optional[str] = None) -> Callable[[Handler], Handler]:
    """Pages need a live session: without one a redirect to the login page; a POST needs the session's
    CSRF token; `ability` (accounts.ABILITIES; admin=True is ability="admin") needs a role that has it."""
    ability = "admin" if admin else ability

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            who = await authenticate(request, request.app.ctx.accounts, allow_token=False)
            if who is None:
                target = "/staff/login"
                if request.method == "GET" and _NEXT_RE.match(request.path):
                    target += f"?next={request.path}"
                return response.redirect(target)
            if post and not csrf_matches(who.csrf, request.form.get(CSRF_FIELD)):
                return render(request, "error.html", who, 403, title="操作を受け付けられませんでした",
                              message="画面の有効期限が切れています。画面を開き直してから、もう一度操作してください。")
            if ability and not who.can(ability):
                return refuse(request, who, ability)
            try:
                return await handler(request, who, *args, **kwargs)
            except ConsoleError as exc:
                return render(request, "error.html", who, exc.status, title="表示できません", message=exc.message)

        return wrapper

    return decorate


async def _view(request: Request, who: Principal, handoff_id: Any, *, audit: bool = True, error: str = "",
                draft: str = "", notes: str = "", status: int = 200) -> HTTPResponse:
    console = request.app.ctx.console
    if audit:
        record, rows = await asyncio.to_thread(console.view, who, handoff_id, client_address(request))
    else:
        record, rows = await asyncio.to_thread(console.messages, handoff_id, None)
    notices = {"assign": "この相談の担当になりました。", "reply": "返信を送りました。", "resolve": "相談を終了にしました。"}
    # Another staff member's handoff: only its owner answers and ends it, so its forms give way to 「引き継ぐ」.
    taken = record.staff_id is not None and record.staff_id != who.staff.id
    return render(request, "handoff.html", who, status, nav="queue", h=present.detail(record, console.labels),
                  messages=[present.message(m) for m in rows], outcomes=console.labels.profile.outcomes,
                  can_reply=record.status in CHAT_STATUSES and not taken, taken=taken,
                  is_open=record.status in OPEN_STATUSES,
                  is_mine=record.staff_id == who.staff.id, is_callback=record.status.startswith("callback"),
                  notice=notices.get(request.args.get("done", "")), error=error, draft=draft, notes=notes,
                  last_id=rows[-1].id if rows else 0)


def blueprint() -> Blueprint:
    pages = Blueprint("staff_pages", url_prefix="/staff")

    # --- signing in and out ---------------------------------------------------------------
    def login_form(request: Request, status: int = 200, error: str = "", username: str = "") -> HTTPResponse:
        token = secrets.token_urlsafe(24)
        next_path = request.args.get("next") or request.form.get("next") or ""
        resp = render(request, "login.html", None, status, login_token=token, error=error, username=username,
                      next=next_path if _NEXT_RE.match(next_path) else "",
                      logged_out=request.args.get("out") == "1")
        set_cookie(request, resp, LOGIN_COOKIE, token)
        return resp

    @pages.get("/login")
    async def login_page(request: Request) -> HTTPResponse:
        who = await authenticate(request, request.app.ctx.accounts, allow_token=False)
        if who:
            return response.redirect(who.home)
        return login_form(request)

    @pages.post("/login")
    async def login(request: Request) -> HTTPResponse:
        store, throttle = request.app.ctx.accounts, request.app.ctx.throttle
        if not csrf_matches(request.cookies.get(LOGIN_COOKIE), request.form.get("login_token")):
            return login_form(request, 403, "画面の有効期限が切れました。もう一度入力してください。")
        username = (request.form.get("username") or "").strip()[:64]
        password = request.form.get("password") or ""
        address = client_address(request)
        typed = redact(username).text  # as the audit log keeps it: a number typed here by mistake is not kept in clear
        if throttle.blocked(address, username):
            await asyncio.to_thread(store.audit, None, "login_failed", detail="試行が多すぎるため一時停止中",
                                    remote_addr=address, username=typed)
            return login_form(request, 429, "ログインの失敗が続いたため、しばらく受け付けません。15分ほど待ってから、"
                                            "もう一度お試しください。", username)
        user = await asyncio.to_thread(store.staff_by_username, username) if username else None
        valid = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
        if not valid or user is None or not user.active:
            throttle.failed(address, username)
            why = "ユーザー名がない" if user is None else ("無効なアカウント" if not user.active else "パスワード違い")
            await asyncio.to_thread(store.audit, user, "login_failed", detail=why, remote_addr=address,
                                    username=typed)
            return login_form(request, 401, "ユーザー名またはパスワードが違います。", username)
        throttle.succeeded(username)
        if needs_rehash(user.password_hash):
            await asyncio.to_thread(store.set_password, user.username, hash_password(password))
        old = request.cookies.get(COOKIE)
        if old:
            await asyncio.to_thread(store.end_session, old)
        token, _csrf = await asyncio.to_thread(store.create_session, user.id,
                                               request.app.ctx.settings.staff_session_hours)
        await asyncio.to_thread(store.audit, user, "login", remote_addr=address)
        next_path = request.form.get("next") or ""
        resp = response.redirect(next_path if _NEXT_RE.match(next_path) else "/staff/")
        set_cookie(request, resp, COOKIE, token)
        set_cookie(request, resp, LOGIN_COOKIE, "", max_age=0)
        return resp

    @pages.post("/logout")
    @_page(post=True)
    async def logout(request: Request, who: Principal) -> HTTPResponse:
        await asyncio.to_thread(request.app.ctx.accounts.end_session, request.cookies.get(COOKIE))
        await asyncio.to_thread(request.app.ctx.accounts.audit, who.staff, "logout", remote_addr=client_address(request))
        resp = response.redirect("/staff/login?out=1")
        set_cookie(request, resp, COOKIE, "", max_age=0)
        return resp

    # --- the queue and the conversation ---------------------------------------------------
    @pages.get("/")
    @_page()
    async def queue(request: Request, who: Principal) -> HTTPResponse:
        if not who.can("conversations"):  # an editor's first page is the review queue
            return response.redirect(who.home)
        console = request.app.ctx.console
        records = await asyncio.to_thread(console.queue)
        rows = [present.summary(r, console.labels) for r in records]
        return render(request, "queue.html", who, nav="queue", rows=rows)

    @pages.get("/handoffs/<handoff_id>")
    @_page(ability="conversations")
    async def handoff(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        return await _view(request, who, handoff_id)

    async def _take(request: Request, who: Principal, handoff_id: str, how: str) -> HTTPResponse:
        """Assigns the handoff to who (`assign`), or takes it over from another (`take_over`)."""
        try:
            record = await asyncio.to_thread(getattr(request.app.ctx.console, how), who, handoff_id, client_address(request))
        except ConsoleError as exc:
            if exc.status == 404:
                raise
            return await _view(request, who, handoff_id, audit=False, error=exc.message, status=exc.status)
        return response.redirect(f"/staff/handoffs/{record.id}?done=assign")

    @pages.post("/handoffs/<handoff_id>/assign")
    @_page(post=True, ability="conversations")
    async def assign(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        return await _take(request, who, handoff_id, "assign")

    @pages.post("/handoffs/<handoff_id>/take_over")
    @_page(post=True, ability="conversations")
    async def take_over(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        return await _take(request, who, handoff_id, "take_over")

    @pages.post("/handoffs/<handoff_id>/reply")
    @_page(post=True, ability="conversations")
    async def reply(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        text = request.form.get("text") or ""
        try:
            await asyncio.to_thread(request.app.ctx.console.reply, who, handoff_id, text, client_address(request))
        except ConsoleError as exc:
            if exc.status == 404:
                raise
            return await _view(request, who, handoff_id, audit=False, error=exc.message, draft=text, status=exc.status)
        return response.redirect(f"/staff/handoffs/{parse_id(handoff_id)}?done=reply")

    @pages.post("/handoffs/<handoff_id>/resolve")
    @_page(post=True, ability="conversations")
    async def resolve(request: Request, who: Principal, handoff_id: str) -> HTTPResponse:
        outcome, notes = request.form.get("outcome") or "", request.form.get("notes") or ""
        try:
            record = await asyncio.to_thread(request.app.ctx.console.resolve, who, handoff_id, outcome, notes,
                                             client_address(request))
        except ConsoleError as exc:
            if exc.status == 404:
                raise
            return await _view(request, who, handoff_id, audit=False, error=exc.message, notes=notes,
                               status=exc.status)
        return response.redirect(f"/staff/handoffs/{record.id}?done=resolve")

    # --- past handoffs and the audit log --------------------------------------------------
    @pages.get("/search")
    @_page(ability="conversations")
    async def search(request: Request, who: Principal) -> HTTPResponse:
        console = request.app.ctx.console
        params = {key: (request.args.get(key) or "").strip() for key in ("from", "to", "topic", "outcome", "status")}
        rows, error, status = None, "", 200
        if request.args.get("q") or any(params.values()):
            try:
                records = await asyncio.to_thread(console.search, params)
                rows = [present.summary(r, console.labels) for r in records]
            except ConsoleError as exc:
                error, status = exc.message, exc.status
        return render(request, "search.html", who, status, nav="search", rows=rows, error=error, params=params,
                      topics=console.labels.topics, outcomes=console.labels.profile.outcomes, statuses=STATUS_LABELS)

    @pages.get("/audit")
    @_page(admin=True)
    async def audit(request: Request, who: Principal) -> HTTPResponse:
        raw = (request.args.get("handoff") or "").strip()
        handoff_id = parse_id(raw) if raw else None
        entries = await asyncio.to_thread(request.app.ctx.accounts.audit_entries, handoff_id, 500)
        return render(request, "audit.html", who, nav="audit", entries=[present.audit_row(e) for e in entries],
                      handoff_id=handoff_id)

    return pages
