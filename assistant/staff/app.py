"""The staff console's web server: a Sanic app with the pages, the JSON API, static files and security headers."""
from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import Optional

from jinja2 import Environment, FileSystemLoader
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.common import STAFF_HEADERS
from assistant.handoff.store import HandoffStore
from assistant.settings import Settings

logger = logging.getLogger(__name__)

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE_ROOT / "templates" / "staff"
STATIC = PACKAGE_ROOT / "static" / "staff"
SECURITY_HEADERS = STAFF_HEADERS
MAX_REQUEST_BYTES = 64 * 1024


def templates() -> Environment:
    """Jinja2 with autoescape on for every template: whatever a resident wrote renders as text."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True,
                       lstrip_blocks=True)


def _error_page(request: Request, status: int, message: str) -> HTTPResponse:
    if request.path.startswith("/staff/api/") or request.path == "/staff/health":
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(status, "error")
        return response.json({"error": code, "message": message}, status=status, ensure_ascii=False)
    html = request.app.ctx.templates.get_template("error.html").render(
        me=None, csrf=None, title="表示できません", message=message)
    return response.html(html, status=status)


def create_app(settings: Settings, store: Optional[HandoffStore] = None) -> Sanic:
    """The console over `store` (by default one on settings.database_url, which must be migrated)."""
    from assistant.staff import answers, api, dashboard, pages, review, review_queue
    from assistant.staff.accounts import StaffAccounts
    from assistant.server.edge import refuse_nul_in_path
    from assistant.staff.auth import LoginThrottle
    from assistant.staff.console import Console
    from assistant.staff.present import Labels

    own_store = store is None
    store = store or HandoffStore.from_url(settings.database_url)
    labels = Labels.load(settings.knowledge_dir)
    app = Sanic(f"madoguchi_staff_{secrets.token_hex(4)}")
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.ctx.settings = settings
    app.ctx.store = store
    app.ctx.accounts = StaffAccounts(store.engine)
    app.ctx.console = Console(store, labels, app.ctx.accounts)
    app.ctx.throttle = LoginThrottle()
    app.ctx.templates = templates()

    app.blueprint(pages.blueprint())
    app.blueprint(api.blueprint())
    app.blueprint(dashboard.blueprint())
    app.blueprint(review.blueprint())
    app.blueprint(review_queue.blueprint())
    app.blueprint(answers.blueprint())
    app.static("/staff/static", str(STATIC), name="staff_static")
    app.register_middleware(refuse_nul_in_path, "request")  # a 404, not the file system's error

    @app.get("/staff/health")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.middleware("response")
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        resp.headers.update(SECURITY_HEADERS)
        # Pages and data are never cached; stylesheets and scripts are checked again on every load.
        resp.headers["Cache-Control"] = "no-cache" if request.path.startswith("/staff/static/") else "no-store"

    def on_error(request: Request, exc: Exception) -> HTTPResponse:
        if isinstance(exc, SanicException) and 400 <= (exc.status_code or 500) < 500:
            messages = {404: "ページが見つかりません。", 405: "この操作はできません。",
                        413: "送られた内容が大きすぎます。"}
            return _error_page(request, exc.status_code, messages.get(exc.status_code, "リクエストが正しくありません。"))
        logger.exception("staff console: unexpected error on %s %s", request.method, request.path)
        return _error_page(request, 500, "サーバーでエラーが起きました。少し待ってから、もう一度お試しください。")

    app.error_handler.add(Exception, on_error)

    if own_store and settings.analytics_collect_minutes > 0:
        @app.listener("after_server_start")
        async def start_collector(app_: Sanic, _loop) -> None:
            from assistant.analytics.schedule import run_every

            app_.ctx.collector = asyncio.get_running_loop().create_task(
                run_every(settings, settings.analytics_collect_minutes))

        @app.listener("before_server_stop")
        async def stop_collector(app_: Sanic, _loop) -> None:
            task = getattr(app_.ctx, "collector", None)
            if task is not None:
                task.cancel()

    if own_store:
        @app.listener("after_server_stop")
        async def close_store(app_: Sanic, _loop) -> None:
            store.close()

    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 5080) -> None:
    """Brings the database up to date, then serves the console until interrupted."""
    from assistant.storage.db import migrate

    migrate(settings.database_url)
    app = create_app(settings)
    app.run(host=host, port=port, access_log=False, motd=False, workers=1)
