"""The analytics dashboard of the staff console: admins only, the JSON equals all_measures(), exact CSV files,
the date filter, the monthly report; and in Debian's Chromium (screenshots in test-artifacts/dashboard/)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests
import sqlalchemy as sa

from assistant.analytics import measures as M
from assistant.analytics.collect import collect
from assistant.analytics.names import load_names
from assistant.analytics.period import WEEKDAYS, Period
from assistant.knowledge.office_hours import JST
from assistant.settings import PROJECT_ROOT
from assistant.storage.db import make_engine
from tests.conftest import ARTIFACTS
from tests.helpers.browser import chromium, require_chromium
from tests.helpers.analytics import COLLECT_NOW, KEY, MYNA, Handoffs, october_tracker, tracker_engine
from tests.helpers.staff_browser import serious_violations
from tests.helpers.staff_console import ConsoleServer, start_console

OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}
FIFTH = {"from": "2026-10-05", "to": "2026-10-05"}
TABLES = ("summary", "daily", "channels", "heat_map", "topics", "handoff_reasons", "fallback", "themes", "guides",
          "guide_steps", "satisfaction", "age_bands", "answer_feedback")
ROUTES = ("/staff/dashboard/data?from=2026-10-01&to=2026-10-31",
          "/staff/dashboard/export/channels.csv?from=2026-10-01&to=2026-10-31",
          "/staff/dashboard/report?month=2026-10")


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    """A console whose database holds the analytics of test_analytics' October fixture, collected."""
    folder = tmp_path_factory.mktemp("staff-dashboard")
    for server in start_console(folder, "staff_dashboard.log"):
        tracker = tracker_engine(folder / "tracker.db")
        october_tracker(tracker, Handoffs(server.store))
        collect(f"sqlite:///{folder / 'tracker.db'}", server.env["MADOGUCHI_DATABASE_URL"], KEY, now=COLLECT_NOW)
        tracker.dispose()
        yield server


@pytest.fixture(scope="module")
def admin(console) -> requests.Session:
    return console.session(console.staff(role="admin", name="企画 花子"))


def measured(console: ConsoleServer, period: Period) -> M.Measures:
    engine = make_engine(console.env["MADOGUCHI_DATABASE_URL"])
    with engine.connect() as conn:
        result = M.all_measures(conn, period)
    engine.dispose()
    return result


def data(browser: requests.Session, console: ConsoleServer, params: Dict[str, str]) -> dict:
    response = browser.get(f"{console.url}/staff/dashboard/data", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def csv_rows(response: requests.Response) -> List[List[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = response.content.decode("utf-8")[1:]
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text)))


def rate(part: int, whole: int) -> dict:
    return {"part": part, "whole": whole}


# --- who may see it -----------------------------------------------------------------------------
@pytest.mark.parametrize("credentials", [{}, {"cookies": {"madoguchi_staff": "forged-session"}},
                                         {"headers": {"Authorization": "Bearer mdg_forged"}}],
                         ids=["nothing", "forged cookie", "forged token"])
def test_without_a_login_everything_is_refused(console, credentials):
    page = requests.get(f"{console.url}/staff/dashboard", allow_redirects=False, **credentials)
    assert page.status_code == 302 and page.headers["Location"].startswith("/staff/login")
    for path in ROUTES:
        response = requests.get(console.url + path, allow_redirects=False, **credentials)
        assert response.status_code == 401, path
        assert "企画" not in response.text and "デジタルデバイド" not in response.text
    assert requests.get(f"{console.url}{ROUTES[0]}", **credentials).json()["error"] == "unauthorized"


def test_staff_members_are_refused_and_see_no_menu_entry(console):
    username = console.staff(name="窓口 次郎")
    staff = console.session(username)
    page = staff.get(f"{console.url}/staff/dashboard")
    assert page.status_code == 403 and "管理者だけ" in page.text
    assert "/staff/dashboard" not in staff.get(f"{console.url}/staff/").text
    for path in ROUTES:
        response = staff.get(console.url + path)
        assert response.status_code == 403, path
        assert "デジタルデバイド" not in response.text and "ウェブ" not in response.text
    assert staff.get(f"{console.url}{ROUTES[0]}").json()["error"] == "forbidden"
    token = console.accounts.create_api_token(username, "report-bot")
    for path in ROUTES:
        response = requests.get(console.url + path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403 and response.json()["error"] == "forbidden", path
    assert not [e for e in console.accounts.audit_entries() if e.action == "report" and e.username == username]


def test_an_admin_sees_the_page_with_its_menu_entry_csv_links_and_report_button(console, admin):
    page = admin.get(f"{console.url}/staff/dashboard")
    assert page.status_code == 200
    assert '<a href="/staff/dashboard" aria-current="page">集計</a>' in page.text
    assert "月次レポートを作る" in page.text and 'type="month"' in page.text
    links = re.findall(r'data-table="([a-z_]+)" href="([^"]+)"', page.text)
    assert sorted(t for t, _ in links) == sorted(TABLES)
    assert page.text.count("CSVで保存") == len(TABLES)
    today = dt.datetime.now(JST).date()
    assert f'value="{today - dt.timedelta(days=29)}"' in page.text and f'value="{today}"' in page.text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []  # no inline script
    # Nothing loaded from elsewhere (a CDN): every src and href stays on this server. (Not a bare "cdn" in the
    # page: the form's random CSRF token can hold those three letters.)
    assert re.findall(r'(?:src|href)="(?:https?:)?//', page.text) == [] and "https://" not in page.text
    chart = admin.get(f"{console.url}/staff/static/vendor/chart.umd.min.js")
    assert chart.status_code == 200 and "javascript" in chart.headers["Content-Type"]
    assert chart.text.startswith("/*!\n * Chart.js v4.")
    assert (PROJECT_ROOT / "assistant" / "static" / "vendor" / "chart.js-LICENSE.md").read_text().startswith("The MIT")
    assert admin.get(f"{console.url}/staff/static/dashboard.js").status_code == 200


# --- the numbers --------------------------------------------------------------------------------
def test_the_json_equals_all_measures(console, admin):
    body = data(admin, console, OCTOBER)
    m = measured(console, Period.month("2026-10"))
    names = load_names(PROJECT_ROOT / "knowledge")
    assert body["period"] == {"from": "2026-10-01", "to": "2026-10-31", "label": "2026年10月", "days": 31}
    t = body["tables"]
    assert list(t) == list(TABLES)
    assert t["daily"]["values"] == [[d.isoformat(), WEEKDAYS[d.weekday()], a.conversations, a.messages]
                                    for d, a in sorted(m.daily.items())]
    channels = {k: v for k, v in zip(t["channels"]["keys"], t["channels"]["values"])}
    assert channels == {c: [names.channel(c), a.conversations, a.messages, m.handoff_rate_by_channel[c].part,
                            rate(m.handoff_rate_by_channel[c].part, m.handoff_rate_by_channel[c].whole)]
                        for c, a in m.channels.items()}
    assert [row[1:25] for row in t["heat_map"]["values"]] == m.heat_map
    assert [row[25] for row in t["heat_map"]["values"]] == [sum(row) for row in m.heat_map]
    topics = {k: v for k, v in zip(t["topics"]["keys"], t["topics"]["values"])}
    assert topics == {k: [names.topic(k), c.whole, c.part, rate(c.part, c.whole), m.handoff_rate_by_topic[k].part,
                          rate(m.handoff_rate_by_topic[k].part, m.handoff_rate_by_topic[k].whole)]
                      for k, c in m.containment_by_topic.items()}
    reasons = list(names.reasons)
    assert t["handoff_reasons"]["columns"] == ["経路"] + [names.reason(r) for r in reasons] + ["合計"]
    by_channel = {k: v[1:-1] for k, v in zip(t["handoff_reasons"]["keys"], t["handoff_reasons"]["values"])}
    assert {k: {r: n for r, n in zip(reasons, v) if n} for k, v in by_channel.items()} == m.handoff_reasons_by_channel
    fallback = {k: v for k, v in zip(t["fallback"]["keys"], t["fallback"]["values"])}
    assert fallback["total"][1:] == [m.fallback_rate.whole, m.fallback_rate.part, rate(m.fallback_rate.part,
                                                                                         m.fallback_rate.whole)]
    assert {k: rate(v[2], v[1]) for k, v in fallback.items() if k != "total" and v[1]} == \
        {k: rate(r.part, r.whole) for k, r in m.fallback_rate_by_channel.items()}
    assert [(row[1], row[2]) for row in t["themes"]["values"]] == [(th.count, th.wordings) for th in m.unanswered_themes]
    guides = {k: v for k, v in zip(t["guides"]["keys"], t["guides"]["values"])}
    assert {k: (v[1], v[2], v[4], v[-1], v[-2]) for k, v in guides.items()} == \
        {k: (f.started, f.completed, f.abandoned, f.in_progress, f.abandoned_before_steps)
         for k, f in m.guide_funnels.items()}
    steps = [(k, v[2:6]) for k, v in zip(t["guide_steps"]["keys"], t["guide_steps"]["values"]) if k == MYNA]
    assert steps == [(MYNA, [s.reached, s.done, s.stuck, s.abandoned]) for s in m.guide_funnels[MYNA].ordered_steps()]
    assert [row[1] for row in t["satisfaction"]["values"]] == [m.satisfaction.distribution[s] for s in range(1, 6)]
    summary = {k: v for k, v in zip(t["summary"]["keys"], t["summary"]["values"])}
    assert summary["conversations"][1] == m.totals.conversations == 36
    assert summary["messages"][1] == m.totals.messages == 104
    assert summary["containment"][1:] == [18, 36, rate(18, 36)] and m.containment == M.Rate(18, 36)
    assert summary["handoff"][1:] == [17, 36, rate(17, 36)]
    assert summary["satisfaction_mean"][1] == {"mean": m.satisfaction.mean, "n": 5}


def test_tables_show_small_groups_as_under_five(console, admin):
    t = data(admin, console, OCTOBER)["tables"]
    summary = dict(zip(t["summary"]["keys"], t["summary"]["shown"]))
    assert summary["out_of_scope"] == ["範囲外の質問", "5未満", "39", "—"]
    assert summary["satisfaction_mean"][1] == "2.2"
    themes = t["themes"]["shown"]
    assert len(themes) == 1 and themes[0][1] == "6"  # one resident's two pension questions make no theme
    assert all("年金" not in cell for row in themes for cell in row)
    assert t["heat_map"]["shades"][0][9] == "h1" and t["heat_map"]["shades"][2][10] == "h4"  # Mon 8h (1), Wed 9h (10)


def test_every_csv_has_its_japanese_header_and_the_rows_as_shown(console, admin):
    headers = {
        "summary": ["項目", "値", "全体", "割合"],
        "daily": ["日付", "曜日", "会話の数", "住民のメッセージ"],
        "channels": ["経路", "会話の数", "住民のメッセージ", "引き継いだ会話", "引き継ぎ率"],
        "heat_map": ["曜日"] + [f"{h}時" for h in range(24)] + ["合計"],
        "topics": ["話題", "会話の数", "ナビだけで終わった", "ナビだけで終わった率", "引き継いだ", "引き継ぎ率"],
        "fallback": ["経路", "入力された質問", "読み取れなかった質問", "読み取れなかった率"],
        "themes": ["順位", "質問の数", "言い方の数", "例1", "例2", "例3"],
        "guides": ["手順の案内", "始めた", "最後まで進んだ", "最後まで進んだ率", "途中で終わった", "うち「やめる」",
                   "うち職員へ引き継ぎ", "うち別の手順へ", "うち返事がないまま終了", "手順の前に終わった", "進行中"],
        "guide_steps": ["手順の案内", "手順", "表示された", "「できた」", "「わからない」", "ここで終わった", "「わからない」の率"],
        "satisfaction": ["満足度", "回答の数", "割合"],
        "age_bands": ["年代", "会話の数", "引き継ぎ率", "手順で「わからない」になった率"],
    }
    for table, header in headers.items():
        response = admin.get(f"{console.url}/staff/dashboard/export/{table}.csv", params=OCTOBER)
        assert csv_rows(response)[0] == header, table
        assert response.headers["Content-Disposition"] == \
            f'attachment; filename="madoguchi-{table}-20261001-20261031.csv"'
    channels = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/channels.csv", params=OCTOBER))
    assert channels[1:] == [["ウェブ", "16", "65", "7", "43.8%"], ["キオスク", "11", "23", "10", "90.9%"],
                            ["Telegram", "9", "16", "0", "0.0%"]]
    satisfaction = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/satisfaction.csv", params=OCTOBER))
    assert satisfaction[1:] == [["1（とても不満）", "5未満", "—"], ["2", "5未満", "—"], ["3", "0", "0.0%"],
                                ["4", "5未満", "—"], ["5（とても満足）", "0", "0.0%"]]
    fallback = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/fallback.csv", params=OCTOBER))
    assert fallback[1:] == [["ウェブ", "23", "0", "0.0%"], ["キオスク", "0", "0", "—"], ["Telegram", "16", "9", "56.2%"],
                            ["合計", "39", "9", "23.1%"]]
    summary = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/summary.csv", params=OCTOBER))
    assert summary[1:4] == [["会話の数", "36", "", ""], ["住民のメッセージ", "104", "", ""],
                            ["ナビだけで終わった会話", "18", "36", "50.0%"]]
    reasons = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/handoff_reasons.csv", params=OCTOBER))
    assert reasons[0][-1] == "合計" and [row[-1] for row in reasons[1:]] == ["7", "10", "5未満"]


def test_an_admins_api_token_downloads_csv(console):
    username = console.staff(role="admin", name="連携 管理")
    token = console.accounts.create_api_token(username, "excel")
    response = requests.get(f"{console.url}/staff/dashboard/export/daily.csv", params=FIFTH,
                            headers={"Authorization": f"Bearer {token}"})
    assert csv_rows(response) == [["日付", "曜日", "会話の数", "住民のメッセージ"], ["2026-10-05", "月", "6", "43"]]
    unknown = requests.get(f"{console.url}/staff/dashboard/export/secrets.csv",
                           headers={"Authorization": f"Bearer {token}"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


def test_the_date_range_changes_every_number(console, admin):
    day = data(admin, console, FIFTH)
    assert day["period"] == {"from": "2026-10-05", "to": "2026-10-05", "label": "2026年10月05日〜2026年10月05日",
                             "days": 1}
    t = day["tables"]
    summary = dict(zip(t["summary"]["keys"], t["summary"]["values"]))
    assert (summary["conversations"][1], summary["messages"][1]) == (6, 43)
    assert summary["handoff"][1:] == [1, 6, rate(1, 6)]
    assert dict(zip(t["channels"]["keys"], (row[1] for row in t["channels"]["values"]))) == \
        {"rest": 6, "kiosk": 0, "telegram": 0}
    assert t["themes"]["values"] == [] and list(zip(t["guides"]["keys"], (r[1] for r in t["guides"]["values"]))) == \
        [(MYNA, 6)]
    m = measured(console, Period(dt.date(2026, 10, 5), dt.date(2026, 10, 5)))
    assert [row[1:25] for row in t["heat_map"]["values"]] == m.heat_map
    assert t["daily"]["csv"] == "/staff/dashboard/export/daily.csv?from=2026-10-05&to=2026-10-05"
    october = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/summary.csv", params=OCTOBER))
    fifth = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/summary.csv", params=FIFTH))
    assert october[1] == ["会話の数", "36", "", ""] and fifth[1] == ["会話の数", "6", "", ""]


def test_without_dates_the_last_30_days_in_japan_time(console, admin):
    today = dt.datetime.now(JST).date()
    period = data(admin, console, {})["period"]
    assert period["from"] == str(today - dt.timedelta(days=29)) and period["to"] == str(today)
    assert period["days"] == 30


@pytest.mark.parametrize("params, message", [
    ({"from": "2026/10/01", "to": "2026-10-31"}, "開始日は 2026-10-01 の形"),
    ({"from": "2026-10-31", "to": "2026-10-01"}, "開始日が終了日より後"),
    ({"from": "2025-01-01", "to": "2026-10-31"}, "366日まで"),
])
def test_bad_dates_are_answered_with_400(console, admin, params, message):
    response = admin.get(f"{console.url}/staff/dashboard/data", params=params)
    assert response.status_code == 400 and message in response.json()["message"]
    csv_response = admin.get(f"{console.url}/staff/dashboard/export/daily.csv", params=params)
    assert csv_response.status_code == 400 and message in csv_response.text


# --- the monthly report -------------------------------------------------------------------------
def test_the_report_button_returns_the_printable_report_and_is_audited(console, admin):
    response = admin.get(f"{console.url}/staff/dashboard/report", params={"month": "2026-10"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert "デジタルデバイド対策レポート" in html and "2026年10月" in html and "さくらみなと市" in html
    assert "マイナポータルに初めてログイン" in html and "5未満" in html and "<script" not in html
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-") and "script-src" not in policy
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Cache-Control"] == "no-store"
    assert "X-Report-Policy" not in response.headers
    entry = next(e for e in console.accounts.audit_entries() if e.action == "report")
    assert entry.username.startswith("admin-") and entry.detail == "2026年10月の月次レポート"
    for month in ("2026-13", "", "October"):
        bad = admin.get(f"{console.url}/staff/dashboard/report", params={"month": month})
        assert bad.status_code == 400 and "2026-10 の形" in bad.text


# --- fresh figures: the collector on a timer, 「最終集計」 and 「今すぐ集計」 -------------------------
def analytics_conversations(console: ConsoleServer) -> int:
    with console.store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM analytics_conversations")).scalar()


def test_the_dashboard_says_when_it_was_collected_and_an_admin_collects_now(console, admin):
    page = admin.get(f"{console.url}/staff/dashboard").text
    shown = re.search(r'id="collected-at">最終集計 (\d\d):(\d\d)<', page)  # collected by the fixture, today
    assert shown, page[:3000]
    now = dt.datetime.now(JST)
    assert abs((int(shown.group(1)) * 60 + int(shown.group(2))) - (now.hour * 60 + now.minute)) <= 10
    assert "今すぐ集計" in page
    form = {"csrf_token": console.csrf(admin), "from": "2026-10-01", "to": "2026-10-31"}
    done = admin.post(f"{console.url}/staff/dashboard/collect", data=form, allow_redirects=False)
    assert done.status_code == 302
    assert done.headers["Location"] == "/staff/dashboard?collected=1&from=2026-10-01&to=2026-10-31"
    assert "集計しました" in admin.get(console.url + done.headers["Location"]).text
    forged = admin.post(f"{console.url}/staff/dashboard/collect", data={"csrf_token": "forged"}, allow_redirects=False)
    assert forged.status_code == 403
    staff = console.session(console.staff())
    refused = staff.post(f"{console.url}/staff/dashboard/collect", data={"csrf_token": console.csrf(staff)},
                         allow_redirects=False)
    assert refused.status_code == 403 and analytics_conversations(console) == 39  # nothing new to collect


def test_the_console_collects_on_a_timer(tmp_path):
    """MADOGUCHI_ANALYTICS_COLLECT_MINUTES: conversations reach the dashboard without any command."""
    for server in start_console(tmp_path, "staff_dashboard_timer.log", MADOGUCHI_ANALYTICS_COLLECT_MINUTES="0.02",
                                MADOGUCHI_ID_KEY=KEY):
        admin = server.session(server.staff(role="admin"))
        tracker = tracker_engine(tmp_path / "tracker.db")
        october_tracker(tracker, Handoffs(server.store))
        tracker.dispose()
        deadline = time.monotonic() + 30
        while analytics_conversations(server) < 36 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert analytics_conversations(server) == 36 + 3  # and three just outside October
        assert data(admin, server, OCTOBER)["tables"]["summary"]["values"][0][1] == 36
        assert "最終集計 " in admin.get(f"{server.url}/staff/dashboard").text
        assert "1.2秒ごとに自動で集計しています" in admin.get(f"{server.url}/staff/dashboard").text


def test_with_records_only_this_month_the_page_offers_this_months_report(tmp_path):
    from assistant.storage.models import AnalyticsConversation

    today = dt.datetime.now(JST).date()
    for server in start_console(tmp_path, "staff_dashboard_month.log"):
        with server.store.engine.begin() as conn:
            conn.execute(AnalyticsConversation.__table__.insert(), [
                {"source": "tracker", "first_event_id": n, "resident": f"{n:064x}", "channel": "kiosk",
                 "started_at": dt.datetime.utcnow(), "last_at": dt.datetime.utcnow(), "local_date": today,
                 "local_hour": 10, "messages": 1} for n in range(1, 8)])
        admin = server.session(server.staff(role="admin"))
        page = admin.get(f"{server.url}/staff/dashboard").text
        last = (today.replace(day=1) - dt.timedelta(days=1))
        assert f'value="{last:%Y-%m}"' in page  # last month stays the default, as documented
        assert f"{last.year}年{last.month}月の会話の記録はありません" in page
        link = f'href="/staff/dashboard/report?month={today:%Y-%m}"'
        assert link in page and f"今月（{today.year}年{today.month}月）のレポートを作る" in page
        report = admin.get(f"{server.url}/staff/dashboard/report", params={"month": f"{last:%Y-%m}"}).text
        assert f"{last.year}年{last.month}月の会話の記録はありません" in report
        assert f'href="?month={today:%Y-%m}"' in report
        this = admin.get(f"{server.url}/staff/dashboard/report", params={"month": f"{today:%Y-%m}"}).text
        assert "の会話の記録はありません" not in this and ">7<" in this


# --- in the browser -----------------------------------------------------------------------------
SHOTS = ARTIFACTS / "dashboard"
PASSWORD = "madoguchi-desk-2026"


@pytest.fixture(scope="module")
def busy_console(tmp_path_factory) -> Iterator[ConsoleServer]:
    """A console over a synthetic October of 3,000 conversations written straight into the analytics tables."""
    require_chromium()
    from bench.analytics import Month

    for server in start_console(tmp_path_factory.mktemp("staff-dashboard-browser"), "staff_dashboard_browser.log"):
        Month(3000).build().insert(server.store.engine)
        yield server


@pytest.mark.browser
def test_an_admin_reads_the_dashboard_changes_the_dates_and_downloads_a_csv(busy_console):
    from playwright.sync_api import expect

    console = busy_console
    from assistant.staff.auth import hash_password

    console.accounts.create_staff("kikaku", "企画 花子", hash_password(PASSWORD), role="admin")
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: List[str] = []
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

        page.goto(f"{console.url}/staff/login")
        page.get_by_label("ユーザー名").fill("kikaku")
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.get_by_role("link", name="集計", exact=True).click()
        expect(page).to_have_url(re.compile(r"/staff/dashboard"))

        page.get_by_label("いつから").fill("2026-10-01")
        page.get_by_label("いつまで").fill("2026-10-31")
        page.get_by_role("button", name="この期間を表示").click()
        expect(page.locator("#period-label")).to_have_text("集計の期間：2026年10月（31日間）")
        cards = page.locator("#cards .card")
        expect(cards.first).to_contain_text("3,000")
        canvases = ["chart-daily", "chart-channels", "chart-fallback", "chart-topics", "chart-reasons", "chart-guide",
                    "chart-satisfaction"]
        for canvas in canvases:
            drawn = page.evaluate("""(id) => {
                const canvas = document.getElementById(id);
                const chart = window.Chart && Chart.getChart(canvas);
                if (!chart || !chart.data.datasets.length) return false;
                const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
                return false;
            }""", canvas)
            assert drawn, canvas
        expect(page.locator('[data-table-body="heat_map"] td.h4').first).to_be_visible()
        expect(page.locator('[data-table-body="topics"] tbody tr').first).to_be_visible()
        expect(page.locator("#collected-at")).to_have_text("まだ集計していません")  # written straight into the tables
        page.screenshot(path=str(SHOTS / "01-dashboard-top.png"))
        assert serious_violations(page, "dashboard") == []
        page.locator("#h-topics").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "02-topics.png"))
        page.locator("#h-guides").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "03-guides.png"))
        page.screenshot(path=str(SHOTS / "04-dashboard-full.png"), full_page=True)

        # another guide in the funnel chart
        options = page.locator("#guide-select option")
        assert options.count() > 1
        first_labels = page.evaluate("Chart.getChart(document.getElementById('chart-guide')).data.labels.length")
        page.locator("#guide-select").select_option(index=1)
        assert page.evaluate("Chart.getChart(document.getElementById('chart-guide')).data.datasets[0].data.length") >= 1
        assert first_labels >= 1

        # one day instead of the month: every figure follows
        month_messages = page.evaluate("Chart.getChart(document.getElementById('chart-channels')).data.datasets[0].data")
        page.get_by_label("いつから").fill("2026-10-05")
        page.get_by_label("いつまで").fill("2026-10-05")
        page.get_by_role("button", name="この期間を表示").click()
        expect(page.locator("#period-label")).to_have_text("集計の期間：2026年10月05日〜2026年10月05日（1日間）")
        expect(cards.first).not_to_contain_text("3,000")
        day_messages = page.evaluate("Chart.getChart(document.getElementById('chart-channels')).data.datasets[0].data")
        assert sum(day_messages) < sum(month_messages)
        expect(page.locator('a.csv[data-table="daily"]')).to_have_attribute(
            "href", "/staff/dashboard/export/daily.csv?from=2026-10-05&to=2026-10-05")
        page.locator("#h-summary").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "05-one-day.png"))

        # a CSV download
        with page.expect_download() as info:
            page.locator('a.csv[data-table="daily"]').click()
        download = info.value
        assert download.suggested_filename == "madoguchi-daily-20261005-20261005.csv"
        content = Path(download.path()).read_bytes()
        assert content.startswith(b"\xef\xbb\xbf\xe6\x97\xa5\xe4\xbb\x98")  # BOM + 日付
        assert len(content.decode("utf-8").splitlines()) == 2

        # the monthly report in a new tab
        page.get_by_label("月次レポートの月").fill("2026-10")
        with page.expect_popup() as popup_info:
            page.get_by_role("button", name="月次レポートを作る").click()
        report = popup_info.value
        expect(report.get_by_role("heading", name="デジタルデバイド対策レポート")).to_be_visible()
        report.set_viewport_size({"width": 1366, "height": 768})
        report.screenshot(path=str(SHOTS / "06-report.png"))
        assert report.locator("main").count() == 1
        assert serious_violations(report, "report") == []
        context.close()
        browser.close()
    assert problems == []


def test_residents_feedback_per_answer_is_counted_for_the_period(console, admin):
    from assistant.analytics.feedback import record

    engine = make_engine(console.env["MADOGUCHI_DATABASE_URL"])
    in_october = dt.datetime(2026, 10, 12, 2, 0)  # UTC: 11:00 in Japan
    for helpful in (False, False, True):
        record(engine, "pin_forgotten_locked/forgotten_locked", helpful, "kiosk", now=in_october)
    record(engine, "fees/reissue", True, "rest", now=in_october)
    record(engine, "fees/reissue", False, "rest", now=dt.datetime(2026, 11, 2, 2, 0))  # another month
    engine.dispose()
    names = load_names(PROJECT_ROOT / "knowledge")
    table = data(admin, console, OCTOBER)["tables"]["answer_feedback"]
    rows = dict(zip(table["keys"], table["values"]))
    assert table["keys"][0] == "pin_forgotten_locked/forgotten_locked"  # the most 「役に立たなかった」 first
    assert rows["pin_forgotten_locked/forgotten_locked"] == [
        names.entry("pin_forgotten_locked/forgotten_locked"), 1, 2, rate(2, 3)]
    assert rows["fees/reissue"][1:3] == [1, 0]
    assert "：" in rows["fees/reissue"][0]  # the topic's title and the answer's heading, not the id
    exported = csv_rows(admin.get(f"{console.url}/staff/dashboard/export/answer_feedback.csv", params=OCTOBER))
    assert exported[0] == ["回答", "役に立った", "役に立たなかった", "役に立たなかった率"]
    assert len(exported) == 3

