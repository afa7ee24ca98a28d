"""The staff console over HTTP, run as its own process on a temporary SQLite database: sign-in, CSRF, roles,
escaping, the audit log, replies, resolving, search, API tokens and the `staff` commands."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Iterator

import pytest
import requests

from assistant.handoff.store import HandoffStore
from tests.helpers.staff_console import PASSWORD, ConsoleServer, staff_command, start_console

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    yield from start_console(tmp_path_factory.mktemp("staff-console"), "staff_console.log")


def pending_staff_messages(store: HandoffStore, handoff_id: int):
    return [m for m in store.messages(handoff_id) if m.author == "staff" and m.delivered_at is None]


# --- no default account, and nothing without a login ---------------------------------------
def test_no_default_account_exists(console):
    assert console.staff_at_start == 0
    for username, password in (("admin", "admin"), ("admin", "password"), ("staff", "staff")):
        response = console.login(requests.Session(), username, password)
        assert response.status_code == 401
        assert "madoguchi_staff" not in response.headers.get("Set-Cookie", "")


def test_health_answers_without_login(console):
    response = requests.get(f"{console.url}/staff/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


PAGES = [("GET", "/staff/"), ("GET", "/staff/handoffs/{id}"), ("GET", "/staff/search"), ("GET", "/staff/audit"),
         ("POST", "/staff/logout"), ("POST", "/staff/handoffs/{id}/assign"), ("POST", "/staff/handoffs/{id}/reply"),
         ("POST", "/staff/handoffs/{id}/resolve")]
API = [("GET", "/staff/api/handoffs"), ("GET", "/staff/api/handoffs?status=waiting"),
       ("GET", "/staff/api/handoffs/{id}"), ("GET", "/staff/api/handoffs/{id}/messages?after=0"),
       ("POST", "/staff/api/handoffs/{id}/assign"), ("POST", "/staff/api/handoffs/{id}/reply"),
       ("POST", "/staff/api/handoffs/{id}/resolve")]


@pytest.mark.parametrize("credentials", [{}, {"cookies": {"madoguchi_staff": "forged-session"}},
                                         {"headers": {"Authorization": "Bearer mdg_forged"}}],
                         ids=["nothing", "forged cookie", "forged token"])
def test_every_page_and_api_route_refuses_an_unauthenticated_request(console, credentials):
    record = console.handoff()
    for method, path in PAGES:
        response = requests.request(method, console.url + path.format(id=record.id), allow_redirects=False,
                                    data={"text": "x", "outcome": "answered"}, **credentials)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/staff/login"), (method, path)
    for method, path in API:
        response = requests.request(method, console.url + path.format(id=record.id),
                                    json={"text": "x", "outcome": "answered"}, **credentials)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "unauthorized"
    assert console.store.get(record.id).status == "waiting"
    assert console.store.messages(record.id) == []


def test_pages_send_the_security_headers(console):
    browser = console.session(console.staff())
    for path in ("/staff/login", "/staff/", "/staff/search", "/staff/api/handoffs"):
        headers = browser.get(console.url + path).headers
        assert headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_samesite_strict_and_limited_to_staff_paths(console):
    response = console.login(requests.Session(), console.staff(), PASSWORD)
    cookie = next(c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("madoguchi_staff="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie  # MADOGUCHI_STAFF_SECURE_COOKIE is off in this test


def test_pages_use_no_inline_script(console):
    browser = console.session(console.staff())
    record = console.handoff()
    for path in ("/staff/login", "/staff/", f"/staff/handoffs/{record.id}", "/staff/search"):
        html = browser.get(console.url + path).text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], path
        assert " on" + "click=" not in html and "javascript:" not in html


# --- CSRF -------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["without token", "wrong token"])
def test_a_post_without_the_sessions_csrf_token_is_refused(console, token):
    browser = console.session(console.staff())
    record = console.handoff()
    form = {"text": "返信です", "outcome": "answered", "notes": ""}
    if token:
        form["csrf_token"] = token
    for action in ("assign", "reply", "resolve"):
        response = browser.post(f"{console.url}/staff/handoffs/{record.id}/{action}", data=form,
                                allow_redirects=False)
        assert response.status_code == 403, action
    assert browser.post(f"{console.url}/staff/logout", data=form, allow_redirects=False).status_code == 403
    headers = {"X-CSRF-Token": token} if token else {}
    for action in ("assign", "reply", "resolve"):
        response = browser.post(f"{console.url}/staff/api/handoffs/{record.id}/{action}",
                                json={"text": "返信です", "outcome": "answered"}, headers=headers)
        assert response.status_code == 403, action
        assert response.json()["error"] == "csrf"
    assert console.store.get(record.id).status == "waiting"
    assert console.store.messages(record.id) == []
    assert browser.get(f"{console.url}/staff/").status_code == 200  # still logged in


def test_the_csrf_token_of_another_session_is_refused(console):
    username = console.staff()
    mine, other = console.session(username), console.session(username)
    record = console.handoff()
    response = mine.post(f"{console.url}/staff/handoffs/{record.id}/reply", allow_redirects=False,
                         data={"text": "返信です", "csrf_token": console.csrf(other)})
    assert response.status_code == 403
    assert console.store.messages(record.id) == []


# --- signing in -------------------------------------------------------------------------------
def test_login_with_a_wrong_password_is_refused_and_audited(console):
    username = console.staff()
    browser = requests.Session()
    response = console.login(browser, username, "wrong-password-123")
    assert response.status_code == 401
    assert "ユーザー名またはパスワードが違います" in response.text
    assert browser.get(f"{console.url}/staff/", allow_redirects=False).status_code == 302
    entry = next(e for e in console.accounts.audit_entries() if e.username == username)
    assert entry.action == "login_failed" and entry.remote_addr == "127.0.0.1"


def test_login_with_an_unknown_username_is_refused_and_audited(console):
    response = console.login(requests.Session(), "nobody-here", PASSWORD)
    assert response.status_code == 401
    assert any(e.action == "login_failed" and e.username == "nobody-here" for e in console.accounts.audit_entries())


def test_login_without_the_login_forms_token_is_refused(console):
    username = console.staff()
    response = requests.post(f"{console.url}/staff/login", data={"username": username, "password": PASSWORD},
                             allow_redirects=False)
    assert response.status_code == 403
    assert "madoguchi_staff=" not in response.headers.get("Set-Cookie", "")


def test_repeated_failed_logins_for_a_username_are_throttled(console):
    username = console.staff()
    for _ in range(5):
        assert console.login(requests.Session(), username, "wrong-password-123").status_code == 401
    response = console.login(requests.Session(), username, PASSWORD)  # right, but too late
    assert response.status_code == 429
    assert "しばらく受け付けません" in response.text


def test_login_returns_to_the_page_asked_for_and_never_to_another_site(console):
    username = console.staff()
    record = console.handoff()
    asked = requests.get(f"{console.url}/staff/handoffs/{record.id}", allow_redirects=False)
    assert asked.headers["Location"] == f"/staff/login?next=/staff/handoffs/{record.id}"
    form = requests.get(console.url + asked.headers["Location"]).text
    assert f'name="next" value="/staff/handoffs/{record.id}"' in form
    back = console.login(requests.Session(), username, PASSWORD, next=f"/staff/handoffs/{record.id}")
    assert back.headers["Location"] == f"/staff/handoffs/{record.id}"
    for elsewhere in ("https://example.com/", "//example.com/staff/", "/staff/../admin", "/staff/handoffs/1\\x"):
        response = console.login(requests.Session(), username, PASSWORD, next=elsewhere)
        assert response.headers["Location"] == "/staff/", elsewhere


def test_unknown_pages_answer_404_with_the_security_headers(console):
    for path in ("/staff/nothing-here", "/staff/api/nothing-here"):
        response = requests.get(console.url + path)
        assert response.status_code == 404
        assert response.headers["X-Frame-Options"] == "DENY" and "default-src 'self'" in response.headers[
            "Content-Security-Policy"]
    assert requests.get(f"{console.url}/staff/api/nothing-here").json()["error"] == "not_found"


def test_successful_login_and_logout_are_audited_and_logout_ends_the_session(console):
    username = console.staff()
    browser = console.session(username)
    response = browser.post(f"{console.url}/staff/logout", data={"csrf_token": console.csrf(browser)},
                            allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login?out=1"
    actions = [e.action for e in console.accounts.audit_entries() if e.username == username]
    assert actions[:2] == ["logout", "login"]
    assert browser.get(f"{console.url}/staff/", allow_redirects=False).status_code == 302


def test_a_deactivated_account_cannot_log_in_and_its_existing_session_stops_working(console):
    username = console.staff()
    browser = console.session(username)
    csrf = console.csrf(browser)
    record = console.handoff()
    console.accounts.set_active(username, False)
    assert browser.get(f"{console.url}/staff/", allow_redirects=False).status_code == 302
    assert browser.get(f"{console.url}/staff/api/handoffs").status_code == 401
    response = browser.post(f"{console.url}/staff/api/handoffs/{record.id}/reply", json={"text": "x"},
                            headers={"X-CSRF-Token": csrf})
    assert response.status_code == 401
    assert console.login(requests.Session(), username, PASSWORD).status_code == 401
    assert console.store.messages(record.id) == []


def test_reactivating_an_account_does_not_bring_back_its_old_sessions(console):
    username = console.staff()
    browser = console.session(username)
    console.accounts.set_active(username, False)
    console.accounts.set_active(username, True)
    assert browser.get(f"{console.url}/staff/", allow_redirects=False).status_code == 302
    assert console.session(username).get(f"{console.url}/staff/").status_code == 200


# --- roles --------------------------------------------------------------------------------------
def test_staff_cannot_see_the_audit_log_but_an_admin_can(console):
    staff = console.session(console.staff())
    response = staff.get(f"{console.url}/staff/audit")
    assert response.status_code == 403
    assert "操作の記録" not in staff.get(f"{console.url}/staff/").text  # no menu entry either
    admin_name = console.staff(role="admin", name="管理 花子")
    admin = console.session(admin_name)
    page = admin.get(f"{console.url}/staff/audit")
    assert page.status_code == 200
    assert admin_name in page.text and "ログイン" in page.text


def test_the_audit_log_lists_who_opened_replied_to_and_resolved_a_handoff(console):
    username = console.staff(name="記録 確認")
    browser = console.session(username)
    record = console.handoff()
    csrf = console.csrf(browser)
    browser.get(f"{console.url}/staff/handoffs/{record.id}")
    browser.post(f"{console.url}/staff/handoffs/{record.id}/reply", data={"text": "確認します", "csrf_token": csrf})
    browser.post(f"{console.url}/staff/handoffs/{record.id}/resolve",
                 data={"outcome": "answered", "notes": "", "csrf_token": csrf})
    console.login(requests.Session(), username, "wrong-password-123")
    admin = console.session(console.staff(role="admin"))
    page = admin.get(f"{console.url}/staff/audit", params={"handoff": record.id}).text
    for label in ("相談を開いた", "返信した", "終了にした"):
        assert label in page
    assert "ログイン失敗" in admin.get(f"{console.url}/staff/audit").text


# --- what residents wrote is text --------------------------------------------------------------
def test_a_residents_script_shows_as_escaped_text_in_the_queue_and_the_conversation(console):
    record = console.handoff(transcript=[{"who": "resident", "text": SCRIPT, "at": "2026-11-26T01:00:00Z"},
                                         {"who": "bot", "text": "もう一度お書きください。", "at": "2026-11-26T01:00:01Z"}])
    console.store.add_resident_message(record, f"まだですか{SCRIPT}")
    browser = console.session(console.staff())
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    queue = browser.get(f"{console.url}/staff/").text
    view = browser.get(f"{console.url}/staff/handoffs/{record.id}").text
    for html in (queue, view):
        assert escaped in html
        assert SCRIPT not in html
    assert f"まだですか{escaped}" in view
    data = browser.get(f"{console.url}/staff/api/handoffs/{record.id}").json()
    assert data["handoff"]["transcript"][0]["text"] == SCRIPT  # JSON carries the text as it is; the page escapes


# --- the queue and the conversation ------------------------------------------------------------
def test_the_queue_lists_the_longest_waiting_first_with_labels_and_the_kiosk_number(console):
    older = console.handoff(reason="guide_stuck", guide_id="pin_reset", guide_step=2, guide_step_title="窓口へ")
    kiosk = console.handoff(channel="kiosk", reason="kiosk_call", kiosk_id="3")
    console.backdate(older.id, dt.datetime(2001, 1, 1, 0, 0))
    browser = console.session(console.staff())
    rows = browser.get(f"{console.url}/staff/api/handoffs").json()["handoffs"]
    assert rows[0]["id"] == older.id
    assert [r["id"] for r in rows].index(older.id) < [r["id"] for r in rows].index(kiosk.id)
    first = rows[0]
    assert first["reason_label"] == "手順の途中で2回「わからない」"
    assert first["guide_title"] == "暗証番号の再設定" and first["guide_step"] == 2
    assert first["topic_label"] == "暗証番号（忘れた・ロック・再設定）"
    assert first["waited_minutes"] > 60
    page = browser.get(f"{console.url}/staff/").text
    assert "キオスク 3 が職員を呼んでいます" in page
    assert page.index(f"/staff/handoffs/{older.id}") < page.index(f"/staff/handoffs/{kiosk.id}")
    console.store.resolve(older.id, console.accounts.list_staff()[0].id, "answered", "")
    assert older.id not in [r["id"] for r in browser.get(f"{console.url}/staff/api/handoffs").json()["handoffs"]]


def test_button_presses_show_the_title_the_resident_saw(console):
    """No raw payloads: the queue's 住民のことば are the resident's own words, button presses show their title."""
    at = "2026-11-26T01:00:00Z"
    typed = console.handoff(channel="kiosk", reason="kiosk_call", kiosk_id="4", transcript=[
        {"who": "resident", "text": "カードの受け取りに何が必要ですか", "at": at},
        {"who": "bot", "text": "受け取りには通知書と本人確認書類が必要です。", "at": at},
        {"who": "resident", "text": "［ボタン］/human_help_request", "at": at}])
    pressed = console.handoff(channel="rest", transcript=[
        {"who": "resident", "text": "［ボタン］/human_help_request", "at": at},
        {"who": "bot", "text": "折り返しのお電話のために、電話番号をお預かりします。", "at": at},
        {"who": "resident", "text": '［ボタン］/handoff_callback{"answer":"consent"}', "at": at}])
    console.store.add_resident_message(typed, '/human_help_request{"guide":"pin_reset","step":"desk"}')
    browser = console.session(console.staff())
    rows = {r["id"]: r for r in browser.get(f"{console.url}/staff/api/handoffs").json()["handoffs"]}
    assert rows[typed.id]["resident_said"] == "カードの受け取りに何が必要ですか"
    assert rows[pressed.id]["resident_said"] == "［ボタン］同意する"
    queue = browser.get(f"{console.url}/staff/").text
    assert "「カードの受け取りに何が必要ですか」" in queue and "「［ボタン］同意する」" in queue
    kiosk_view = browser.get(f"{console.url}/staff/handoffs/{typed.id}").text
    web_view = browser.get(f"{console.url}/staff/handoffs/{pressed.id}").text
    assert "［ボタン］職員を呼ぶ" in kiosk_view and "［ボタン］職員と話したい" in web_view
    for html in (queue, kiosk_view, web_view):
        assert "/human_help_request" not in html and "handoff_callback" not in html


def test_a_conversation_records_the_titles_of_the_buttons_pressed():
    from actions.handoff import transcript_of
    from assistant.handoff.buttons import payload_title, shown_text

    class Tracker:
        events = [
            {"event": "bot", "text": "暗証番号の再設定です。", "timestamp": 1.0,
             "data": {"buttons": [{"title": "手順を見る：暗証番号の再設定", "payload": '/guide_start{"guide":"pin_reset"}'}]}},
            {"event": "bot", "text": "出典：総務省", "timestamp": 1.0, "data": {}},  # a last message without buttons
            {"event": "user", "text": '/guide_start{"guide":"pin_reset"}', "timestamp": 2.0, "input_channel": "rest"},
            {"event": "user", "text": "/human_help_request", "timestamp": 3.0, "input_channel": "kiosk"},
        ]

    lines = [line["text"] for line in transcript_of(Tracker()) if line["who"] == "resident"]
    assert lines == ["［ボタン］手順を見る：暗証番号の再設定", "［ボタン］職員を呼ぶ"]
    assert payload_title('/handoff_feedback{"score":"4"}') == "満足度 4"
    assert payload_title("/apply_card", topics={"apply_card": "カードの申請"}) == "カードの申請"
    assert shown_text("［ボタン］/guide_stuck") == "［ボタン］わからない"
    assert shown_text("/ で区切って書きました") == "/ で区切って書きました"  # typed, not a payload


def test_viewing_a_transcript_writes_an_audit_entry(console):
    username = console.staff()
    browser = console.session(username)
    record = console.handoff()
    assert console.accounts.audit_entries(handoff_id=record.id) == []
    page = browser.get(f"{console.url}/staff/handoffs/{record.id}")
    assert page.status_code == 200 and "暗証番号を忘れました" in page.text
    entries = console.accounts.audit_entries(handoff_id=record.id)
    assert [(e.action, e.username) for e in entries] == [("view", username)]
    browser.get(f"{console.url}/staff/api/handoffs/{record.id}")
    assert [e.action for e in console.accounts.audit_entries(handoff_id=record.id)] == ["view", "view"]
    browser.get(f"{console.url}/staff/api/handoffs/{record.id}/messages?after=0")  # polling is not an opening
    assert len(console.accounts.audit_entries(handoff_id=record.id)) == 2


def test_assigning_makes_the_staff_member_responsible(console):
    username = console.staff(name="担当 一郎")
    browser = console.session(username)
    record = console.handoff()
    response = browser.post(f"{console.url}/staff/handoffs/{record.id}/assign",
                            data={"csrf_token": console.csrf(browser)})
    assert response.status_code == 200 and '<p class="mine" id="mine">あなたが担当しています。' in response.text
    stored = console.store.get(record.id)
    assert stored.status == "assigned" and stored.staff.username == username


def test_a_reply_becomes_a_staff_message_pending_for_delivery(console):
    username = console.staff(name="返信 次郎")
    browser = console.session(username)
    record = console.handoff()
    response = browser.post(f"{console.url}/staff/handoffs/{record.id}/reply",
                            data={"text": "担当の返信です。お待たせしました。", "csrf_token": console.csrf(browser)},
                            allow_redirects=False)
    assert response.status_code == 302
    pending = pending_staff_messages(console.store, record.id)
    assert [m.text for m in pending] == ["担当の返信です。お待たせしました。"]
    assert pending[0].staff.username == username and pending[0].conversation_id == record.conversation_id
    assert console.store.get(record.id).status == "assigned"
    delivered = console.store.take_pending(record.conversation_id)
    assert [m.text for m in delivered] == ["担当の返信です。お待たせしました。"]


def test_a_reply_through_the_json_api_with_the_csrf_header(console):
    browser = console.session(console.staff())
    record = console.handoff()
    console.store.add_resident_message(record, "まだですか")
    response = browser.post(f"{console.url}/staff/api/handoffs/{record.id}/reply", json={"text": "いま見ています"},
                            headers={"X-CSRF-Token": console.csrf(browser)})
    assert response.status_code == 201
    assert response.json()["message"]["author"] == "staff"
    messages = browser.get(f"{console.url}/staff/api/handoffs/{record.id}/messages?after=0").json()["messages"]
    assert [(m["author"], m["text"]) for m in messages] == [("resident", "まだですか"), ("staff", "いま見ています")]
    later = browser.get(f"{console.url}/staff/api/handoffs/{record.id}/messages",
                        params={"after": messages[0]["id"]}).json()["messages"]
    assert [m["text"] for m in later] == ["いま見ています"]


def test_resolving_closes_the_handoff_with_the_closing_message_and_five_buttons(console):
    browser = console.session(console.staff())
    record = console.handoff()
    response = browser.post(f"{console.url}/staff/handoffs/{record.id}/resolve", allow_redirects=False,
                            data={"outcome": "in_person", "notes": "窓口を案内", "csrf_token": console.csrf(browser)})
    assert response.status_code == 302
    stored = console.store.get(record.id)
    assert (stored.status, stored.outcome, stored.staff_notes) == ("resolved", "in_person", "窓口を案内")
    closing = [m for m in console.store.messages(record.id) if m.author == "bot"]
    assert len(closing) == 1 and closing[0].delivered_at is None
    assert closing[0].text.startswith("職員との相談を終わりました。") and "1（とても不満）から5（とても満足）" in closing[0].text
    assert closing[0].buttons == [{"title": t, "payload": f'/handoff_feedback{{"score":"{n}"}}'}
                                  for n, t in enumerate(["1 とても不満", "2 不満", "3 ふつう", "4 満足", "5 とても満足"], 1)]
    page = browser.get(f"{console.url}/staff/handoffs/{record.id}").text
    assert "解決" in page and 'id="reply-form"' not in page and 'id="resolve-form"' not in page


def test_a_callback_shows_the_phone_only_in_the_conversation_and_resolving_marks_it_called_back(console):
    record = console.handoff(status="callback_collecting")
    console.store.save_callback(record, "090-1234-5678", "平日の午前")
    browser = console.session(console.staff())
    queue = browser.get(f"{console.url}/staff/").text
    listed = next(h for h in browser.get(f"{console.url}/staff/api/handoffs").json()["handoffs"] if h["id"] == record.id)
    assert "090-1234-5678" not in queue and "090-****-5678" in queue
    assert listed["callback_phone_masked"] == "090-****-5678" and "callback_phone" not in listed
    view = browser.get(f"{console.url}/staff/handoffs/{record.id}").text
    assert "090-1234-5678" in view and "平日の午前" in view and 'id="reply-form"' not in view
    csrf = console.csrf(browser)
    reply = browser.post(f"{console.url}/staff/api/handoffs/{record.id}/reply", json={"text": "x"},
                         headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 409
    response = browser.post(f"{console.url}/staff/api/handoffs/{record.id}/resolve", json={"outcome": "phone"},
                            headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200 and response.json()["handoff"]["status"] == "called_back"
    assert console.store.messages(record.id) == []  # no closing message for a callback


# --- search -----------------------------------------------------------------------------------
def test_search_filters_by_date_topic_and_outcome(console):
    staff_id = console.accounts.staff_by_username(console.staff()).id
    made = {}
    for key, when, topic, outcome in (("may1", dt.datetime(2020, 5, 1, 1), "fees", "answered"),
                                      ("may3", dt.datetime(2020, 5, 3, 1), "fees", "referred"),
                                      # 2020-06-01 01:00 in Japan: outside a search up to 2020-05-31
                                      ("jun1", dt.datetime(2020, 5, 31, 16), "fees", "answered"),
                                      ("jun10", dt.datetime(2020, 6, 10, 1), "proxy_receive", "answered")):
        record = console.handoff(topic=topic)
        console.store.resolve(record.id, staff_id, outcome, "")
        console.backdate(record.id, when)
        made[key] = record.id
    browser = console.session(console.staff())

    def found(**params):
        response = browser.get(f"{console.url}/staff/api/handoffs", params=params)
        assert response.status_code == 200, response.text
        return {h["id"] for h in response.json()["handoffs"]}

    assert found(**{"from": "2020-05-01", "to": "2020-05-31"}) == {made["may1"], made["may3"]}
    assert found(**{"from": "2020-05-01", "to": "2020-05-31", "outcome": "referred"}) == {made["may3"]}
    assert found(**{"from": "2020-01-01", "to": "2020-12-31", "topic": "proxy_receive"}) == {made["jun10"]}
    assert found(**{"from": "2020-06-01", "to": "2020-06-01", "status": "resolved"}) == {made["jun1"]}
    page = browser.get(f"{console.url}/staff/search",
                       params={"from": "2020-05-01", "to": "2020-05-31", "topic": "fees", "outcome": "answered"}).text
    assert f"/staff/handoffs/{made['may1']}" in page
    assert f"/staff/handoffs/{made['may3']}" not in page and f"/staff/handoffs/{made['jun1']}" not in page
    assert "1件" in page


# --- clean 4xx for bad input --------------------------------------------------------------------
def test_the_api_answers_bad_input_with_clean_4xx_json(console):
    browser = console.session(console.staff())
    csrf = {"X-CSRF-Token": console.csrf(browser)}
    record = console.handoff()
    base = f"{console.url}/staff/api/handoffs"
    cases = [
        (browser.get(f"{base}/999999"), 404), (browser.get(f"{base}/99999999999999999999"), 404),
        (browser.get(f"{base}/abc"), 404), (browser.get(f"{base}/-1/messages"), 404),
        (browser.get(f"{base}/{record.id}/messages?after=x"), 400),
        (browser.get(base, params={"from": "2020-02-30"}), 400), (browser.get(base, params={"status": "nope"}), 400),
        (browser.get(base, params={"outcome": "nope"}), 400),
        (browser.get(base, params={"from": "2020-02-02", "to": "2020-02-01"}), 400),
        (browser.post(f"{base}/999999/assign", headers=csrf), 404),
        (browser.post(f"{base}/{record.id}/reply", json={"text": "   "}, headers=csrf), 400),
        (browser.post(f"{base}/{record.id}/reply", json={"text": 5}, headers=csrf), 400),
        (browser.post(f"{base}/{record.id}/reply", json={"text": "あ" * 2001}, headers=csrf), 400),
        (browser.post(f"{base}/{record.id}/reply", data=b"\xff{not json", headers=csrf), 400),
        (browser.post(f"{base}/{record.id}/reply", json=["text"], headers=csrf), 400),
        (browser.post(f"{base}/{record.id}/resolve", json={"outcome": "made_up"}, headers=csrf), 400),
        (browser.post(f"{base}/{record.id}/resolve", json={"outcome": "answered", "notes": ["x"]}, headers=csrf), 400),
        (browser.delete(f"{base}/{record.id}"), 405),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.method, response.request.url, response.text)
        assert response.json()["message"]
    assert browser.post(f"{base}/{record.id}/resolve", json={"outcome": "answered"}, headers=csrf).status_code == 200
    for action, body in (("resolve", {"outcome": "answered"}), ("reply", {"text": "x"}), ("assign", {})):
        response = browser.post(f"{base}/{record.id}/{action}", json=body, headers=csrf)
        assert response.status_code == 409 and response.json()["error"] == "closed", action


def test_pages_answer_unknown_handoffs_with_404_and_refused_actions_with_a_message(console):
    browser = console.session(console.staff())
    assert browser.get(f"{console.url}/staff/handoffs/424242").status_code == 404
    assert browser.get(f"{console.url}/staff/handoffs/99999999999999999999").status_code == 404
    record = console.handoff()
    csrf = console.csrf(browser)
    response = browser.post(f"{console.url}/staff/handoffs/{record.id}/resolve",
                            data={"outcome": "", "notes": "メモ", "csrf_token": csrf})
    assert response.status_code == 400 and "対応結果を選んでください" in response.text and "メモ" in response.text
    response = browser.get(f"{console.url}/staff/search", params={"from": "yesterday"})
    assert response.status_code == 400 and "2026-04-01 の形" in response.text


# --- API tokens --------------------------------------------------------------------------------
def test_an_api_token_works_for_get_and_post_without_csrf(console):
    username = console.staff(name="連携 用")
    token = console.accounts.create_api_token(username, "desk-monitor")
    auth = {"Authorization": f"Bearer {token}"}
    record = console.handoff()
    listed = requests.get(f"{console.url}/staff/api/handoffs", headers=auth)
    assert listed.status_code == 200 and record.id in [h["id"] for h in listed.json()["handoffs"]]
    detail = requests.get(f"{console.url}/staff/api/handoffs/{record.id}", headers=auth)
    assert detail.status_code == 200 and detail.json()["handoff"]["transcript"][0]["text"] == "暗証番号を忘れました"
    assert requests.post(f"{console.url}/staff/api/handoffs/{record.id}/assign", headers=auth).status_code == 200
    reply = requests.post(f"{console.url}/staff/api/handoffs/{record.id}/reply", json={"text": "API からの返信"},
                          headers=auth)
    assert reply.status_code == 201
    resolved = requests.post(f"{console.url}/staff/api/handoffs/{record.id}/resolve",
                             json={"outcome": "answered", "notes": "API"}, headers=auth)
    assert resolved.status_code == 200 and resolved.json()["handoff"]["status"] == "resolved"
    assert console.store.get(record.id).staff.username == username
    assert [e.action for e in console.accounts.audit_entries(handoff_id=record.id)] == ["resolve", "reply", "assign", "view"]
    # a token is for the API only: pages still want a login
    assert requests.get(f"{console.url}/staff/", headers=auth, allow_redirects=False).status_code == 302


def test_revoked_and_deactivated_api_tokens_are_refused(console):
    username = console.staff()
    revoked = console.accounts.create_api_token(username, "old")
    kept = console.accounts.create_api_token(username, "current")
    assert console.accounts.revoke_api_tokens(username, "old") == 1
    url = f"{console.url}/staff/api/handoffs"
    assert requests.get(url, headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {kept}"}).status_code == 200
    console.accounts.set_active(username, False)
    assert requests.get(url, headers={"Authorization": f"Bearer {kept}"}).status_code == 401
    record = console.handoff()
    response = requests.post(f"{console.url}/staff/api/handoffs/{record.id}/reply", json={"text": "x"},
                             headers={"Authorization": f"Bearer {kept}"})
    assert response.status_code == 401 and console.store.messages(record.id) == []


def test_cli_staff_create_with_password_stdin_then_login_works(console):
    username = f"cli-{uuid.uuid4().hex[:6]}"
    created = staff_command(console, "create", username, "--name", "窓口 三郎", "--role", "staff", "--password-stdin",
                            stdin="a-long-enough-password\n")
    assert created.returncode == 0, created.stderr
    assert "a-long-enough-password" not in created.stdout + created.stderr
    assert console.accounts.staff_by_username(username).password_hash.startswith("$argon2")
    browser = console.session(username, "a-long-enough-password")
    assert "窓口 三郎" in browser.get(f"{console.url}/staff/").text
    listed = staff_command(console, "list")
    assert username in listed.stdout and "窓口 三郎" in listed.stdout


def test_cli_refuses_a_short_password_and_a_duplicate_user(console):
    username = f"cli-{uuid.uuid4().hex[:6]}"
    short = staff_command(console, "create", username, "--name", "短い", "--password-stdin", stdin="short-pw\n")
    assert short.returncode != 0 and "at least 10" in short.stderr
    assert console.accounts.staff_by_username(username) is None
    existing = console.staff()
    again = staff_command(console, "create", existing, "--name", "二重", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.returncode != 0 and "already exists" in again.stderr


def test_cli_token_deactivate_activate_and_password(console):
    username = console.staff()
    token = staff_command(console, "token", username, "--name", "monitor")
    assert token.returncode == 0
    value = token.stdout.strip()
    assert value.startswith("mdg_")
    assert requests.get(f"{console.url}/staff/api/handoffs", headers={"Authorization": f"Bearer {value}"}).ok
    assert staff_command(console, "deactivate", username).returncode == 0
    assert requests.get(f"{console.url}/staff/api/handoffs",
                        headers={"Authorization": f"Bearer {value}"}).status_code == 401
    assert console.login(requests.Session(), username, PASSWORD).status_code == 401
    assert staff_command(console, "activate", username).returncode == 0
    changed = staff_command(console, "password", username, "--password-stdin", stdin="another-password-42\n")
    assert changed.returncode == 0, changed.stderr
    assert console.login(requests.Session(), username, PASSWORD).status_code == 401
    console.session(username, "another-password-42")
