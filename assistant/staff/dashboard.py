"""The analytics dashboard of the staff console (admin only): the page, its JSON, CSV exports and the monthly report."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import hashlib
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import sqlalchemy as sa

from assistant.analytics.disclosure import SMALL_LABEL
from assistant.analytics.schedule import last_collected
from assistant.analytics.measures import NOT_PROCEDURES, Measures, all_measures
from assistant.analytics.names import Names, load_names
from assistant.analytics.period import Period
from assistant.analytics.cells import table_csv, table_json
from assistant.analytics.tables import TABLE_IDS, dashboard_tables
from assistant.knowledge.office_hours import JST
from assistant.storage.models import AnalyticsConversation
from assistant.staff.auth import Principal, authenticate, client_address
from assistant.staff.pages import _page, render

Handler = Callable[..., Awaitable[HTTPResponse]]

DEFAULT_DAYS = 30
MAX_DAYS = 366
CHART_JS = Path(__file__).resolve().parents[1] / "static" / "vendor" / "chart.umd.min.js"
EXPORT_RE = re.compile(r"^([a-z_]{1,32})\.csv$")
STYLE_RE = re.compile(r"<style>(.*?)</style>", re.S)


class Refused(Exception):
    """A dashboard request refused with a status and a message for staff."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


# --- periods ---------------------------------------------------------------------------------
def today_in_japan() -> dt.date:
    return dt.datetime.now(JST).date()


def default_period(today: Optional[dt.date] = None) -> Period:
    """The last 30 days in Japan time, today included."""
    today = today or today_in_japan()
    return Period(today - dt.timedelta(days=DEFAULT_DAYS - 1), today)


def _day(raw: Optional[str], label: str) -> Optional[dt.date]:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Refused(400, f"{label}は 2026-10-01 の形で指定してください。") from None


def period_from(args: Mapping[str, Any]) -> Period:
    """from/to (YYYY-MM-DD, Japan time, both included); the last 30 days when neither is given."""
    start, end = _day(args.get("from"), "開始日"), _day(args.get("to"), "終了日")
    if start is None and end is None:
        return default_period()
    end = end or today_in_japan()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Refused(400, "開始日が終了日より後になっています。")
    if (end - start).days + 1 > MAX_DAYS:
        raise Refused(400, f"期間は{MAX_DAYS}日までにしてください。")
    return Period(start, end)


def month_from(raw: Optional[str]) -> Period:
    try:
        return Period.month(raw or "")
    except ValueError:
        raise Refused(400, "月は 2026-10 の形で指定してください。") from None


def previous_month(today: Optional[dt.date] = None) -> str:
    first = (today or today_in_japan()).replace(day=1)
    return f"{first - dt.timedelta(days=1):%Y-%m}"


def conversations_in(conn, period: Period) -> int:
    """Conversations started in the period (Japan-time days), with or without messages."""
    table = AnalyticsConversation.__table__
    return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(
        table.c.local_date >= period.start, table.c.local_date <= period.end)).scalar() or 0)


def month_choice(conn, today: Optional[dt.date] = None) -> Dict[str, Any]:
    """The report's month: last month, with an offer of this month when only this month has conversations."""
    today = today or today_in_japan()
    last, this = previous_month(today), f"{today:%Y-%m}"
    last_n, this_n = conversations_in(conn, Period.month(last)), conversations_in(conn, Period.month(this))
    return {"month": last, "last_label": Period.month(last).label, "this": this, "this_label": Period.month(this).label,
            "this_count": this_n, "offer_this": last_n == 0 and this_n > 0}


def every_label(minutes: float) -> str:
    """How often the console collects: 「5分ごと」, 「30秒ごと」, or "" when it does not."""
    if minutes <= 0:
        return ""
    return f"{minutes:g}分ごと" if minutes >= 1 else f"{round(minutes * 60, 1):g}秒ごと"


def collected_label(moment: Optional[dt.datetime], today: Optional[dt.date] = None) -> str:
    """「最終集計 14:05」 (with the date when it was not today), or that nothing was collected yet."""
    if moment is None:
        return "まだ集計していません"
    local = moment.replace(tzinfo=dt.timezone.utc).astimezone(JST)
    if local.date() == (today or today_in_japan()):
        return f"最終集計 {local:%H:%M}"
    return f"最終集計 {local:%m/%d %H:%M}"


# --- what the routes compute -----------------------------------------------------------------
def _names(request: Request) -> Tuple[Names, str]:
    """Names from knowledge/ and the city's name, loaded once per console."""
    ctx = request.app.ctx
    if getattr(ctx, "analytics_names", None) is None:
        from assistant.knowledge import load_municipality

        knowledge_dir = ctx.settings.knowledge_dir
        city = load_municipality(Path(knowledge_dir) / "municipality.yml").get("city", {}).get("name", "")
        ctx.analytics_names = (load_names(knowledge_dir), city)
    return ctx.analytics_names


async def measures_of(request: Request, period: Period) -> Measures:
    def compute() -> Measures:
        with request.app.ctx.store.engine.connect() as conn:
            return all_measures(conn, period)

    return await asyncio.to_thread(compute)


def export_url(table_id: str, period: Period) -> str:
    return f"/staff/dashboard/export/{table_id}.csv?from={period.start}&to={period.end}"


def payload(measures: Measures, names: Names) -> Dict[str, Any]:
    """The JSON of the page: the period and every table with exact values and the cells as shown."""
    period = measures.period
    tables = dashboard_tables(measures, names)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(), "label": period.label,
                   "days": (period.end - period.start).days + 1},
        "small_label": SMALL_LABEL,
        "not_procedures": sorted(NOT_PROCEDURES),
        "tables": {tid: dict(table_json(t), csv=export_url(tid, period)) for tid, t in tables.items()},
    }


def report_csp(html: str) -> str:
    """The report's own policy: nothing but its inline stylesheet (by hash), no script at all."""
    sources = " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode("ascii")
                       for s in STYLE_RE.findall(html)) or "'none'"
    return f"default-src 'none'; style-src {sources}; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"


# --- access ----------------------------------------------------------------------------------
def _refusal(request: Request, who: Optional[Principal], status: int, message: str, as_json: bool) -> HTTPResponse:
    if as_json or request.headers.get("authorization") is not None:
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(status, "error")
        return response.json({"error": code, "message": message}, status=status, ensure_ascii=False)
    title = "表示できません" if status != 403 else "このページは見られません"
    return render(request, "error.html", who, status, title=title, message=message)


def _admin(as_json: bool = False) -> Callable[[Handler], Handler]:
    """Data routes: an admin's session or API token; 401 without credentials, 403 for staff. Answers in JSON
    for the page's data and for API tokens, otherwise as a page."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            who = await authenticate(request, request.app.ctx.accounts)
            if who is None:
                return _refusal(request, None, 401, "ログインするか、管理者のAPIトークンを指定してください。", as_json)
            if not who.is_admin:
                return _refusal(request, who, 403, "この集計は管理者だけが見られます。", as_json)
            try:
                return await handler(request, who, *args, **kwargs)
            except Refused as exc:
                return _refusal(request, who, exc.status, exc.message, as_json)

        return wrapper

    return decorate


# --- routes ----------------------------------------------------------------------------------
def blueprint() -> Blueprint:
    bp = Blueprint("staff_dashboard", url_prefix="/staff")

    @bp.get("/dashboard")
    @_page(admin=True)
    async def dashboard(request: Request, who: Principal) -> HTTPResponse:
        default, error = default_period(), ""
        try:
            period = period_from(request.args)
        except Refused as exc:
            period, error = default, exc.message
        def state() -> Tuple[Dict[str, Any], Optional[dt.datetime]]:
            with request.app.ctx.store.engine.connect() as conn:
                return month_choice(conn), last_collected(conn)

        months, collected = await asyncio.to_thread(state)
        done = request.args.get("collected")
        notice = {"1": "集計しました。数字は最新です。", "busy": "ほかの集計が動いています。少し待ってから画面を開き直してください。"
                  }.get(done or "", "")
        return render(request, "dashboard.html", who, nav="dashboard", period=period, default=default, error=error,
                      month=months["month"], months=months, max_month=f"{today_in_japan():%Y-%m}",
                      small_label=SMALL_LABEL, exports={t: export_url(t, period) for t in TABLE_IDS}, max_days=MAX_DAYS,
                      collected=collected_label(collected), every=every_label(request.app.ctx.settings.analytics_collect_minutes),
                      notice=notice)

    @bp.post("/dashboard/collect")
    @_page(admin=True, post=True)
    async def collect(request: Request, who: Principal) -> HTTPResponse:
        from assistant.analytics.schedule import collect_now

        result = await asyncio.to_thread(collect_now, request.app.ctx.settings)
        back = {k: (request.form.get(k) or "").strip() for k in ("from", "to")}
        query = "&".join(f"{k}={v}" for k, v in back.items() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v))
        return response.redirect(f"/staff/dashboard?collected={'1' if result else 'busy'}" + (f"&{query}" if query else ""))

    @bp.get("/dashboard/data")
    @_admin(as_json=True)
    async def data(request: Request, who: Principal) -> HTTPResponse:
        period = period_from(request.args)
        names, _city = _names(request)
        body = payload(await measures_of(request, period), names)
        return response.json(body, ensure_ascii=False)

    @bp.get("/dashboard/export/<filename>")
    @_admin()
    async def export(request: Request, who: Principal, filename: str) -> HTTPResponse:
        match = EXPORT_RE.match(filename)
        if not match or match.group(1) not in TABLE_IDS:
            raise Refused(404, "その表はありません。")
        period = period_from(request.args)
        names, _city = _names(request)
        table = dashboard_tables(await measures_of(request, period), names)[match.group(1)]
        name = f"madoguchi-{table.id}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
        return response.raw(table_csv(table).encode("utf-8"), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @bp.get("/dashboard/report")
    @_admin()
    async def report(request: Request, who: Principal) -> HTTPResponse:
        from assistant.analytics.report import ReportInput, render as render_report

        period = month_from(request.args.get("month"))
        names, city = _names(request)
        measures = await measures_of(request, period)
        offer = None
        if measures.totals.conversations == 0:
            def this_month() -> Dict[str, Any]:
                with request.app.ctx.store.engine.connect() as conn:
                    return month_choice(conn)

            months = await asyncio.to_thread(this_month)
            if months["this"] != f"{period.start:%Y-%m}" and months["this_count"]:
                offer = (months["this"], months["this_label"])
        html = render_report(ReportInput(measures, names, city, offer=offer))
        await asyncio.to_thread(request.app.ctx.accounts.audit, who.staff, "report", detail=f"{period.label}の月次レポート",
                                remote_addr=client_address(request))
        return response.html(html, headers={"X-Report-Policy": report_csp(html)})

    @bp.middleware("response")
    async def report_policy(request: Request, resp: HTTPResponse) -> None:
        # Runs after the console's own headers: the report keeps its inline stylesheet and nothing else.
        policy = resp.headers.pop("X-Report-Policy", None)
        if policy:
            resp.headers["Content-Security-Policy"] = policy

    bp.static("/static/vendor/chart.umd.min.js", str(CHART_JS), name="chart_js")
    return bp
