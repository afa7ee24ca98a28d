"""A corpus of malformed input over every public route of the resident doors (REST and kiosk, served by Sanic in
this process, no model) and the staff console's login: each answer is a clear, polite 4xx or an ordinary
answer, never a 5xx or a stack trace, and a My Number or phone number sent anywhere is not kept in clear."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from assistant.privacy.scan import find_personal_data, scan_sqlite_file
from tests.privacy.strategies import with_check_digit
from tests.helpers.door import BRIDGE, Door, EchoAgent

MY_NUMBER = with_check_digit("48020645052")
PHONE = "090-6677-8899"
JSON = "application/json"
HUGE = "あ" * 200_000  # 600 KB of UTF-8
TRACE_MARKS = ("Traceback", 'File "', "Exception", "sanic.exceptions", "site-packages")


def bodies() -> Iterator[Tuple[str, bytes, str]]:
    """(label, body, content type): malformed in every way a client can be."""
    raw = [
        ("empty", b"", JSON), ("spaces", b"   ", JSON), ("null", b"null", JSON), ("list", b"[1, 2]", JSON),
        ("string", b'"hello"', JSON), ("number", b"12", JSON), ("true", b"true", JSON),
        ("broken", b'{"sender": "a", "message": ', JSON), ("invalid utf-8", b'{"sender": "\xff\xfe", "message": "\xc3"}', JSON),
        ("NUL bytes", b"\x00\x00{}", JSON), ("BOM", b'\xef\xbb\xbf{"sender": "a"}', JSON),
        ("deep", b"[" * 5000 + b"]" * 5000, JSON), ("huge", json.dumps({"sender": "a", "message": HUGE}).encode(), JSON),
        ("form", b"sender=a&message=hello", "application/x-www-form-urlencoded"),
        ("text", b"sender: a", "text/plain"), ("xml", b"<sender>a</sender>", "application/xml"),
        ("multipart", b"--x\r\nContent-Disposition: form-data; name=\"sender\"\r\n\r\na\r\n--x--\r\n",
         "multipart/form-data; boundary=x"),
        ("lone surrogate, raw", '{"sender": "a", "message": "\\ud800"}'.encode(), JSON),
        ("JSON with NaN", b'{"sender": "a", "message": NaN}', JSON),
    ]
    yield from raw
    values = [None, True, 1, 1.5, -1, 10 ** 40, [], ["a"], {}, {"x": 1}, "", " ", "\x00\x01\x1b", "\ud800",
              "\udfff x", "x" * 10_000, "<script>alert(1)</script>", "'; DROP TABLE handoffs; --", "../../etc/passwd",
              "\u202e\u200b\ufeff", "𝟒𝟖𝟎𝟐", MY_NUMBER, PHONE]
    fields = ["sender", "message", "token", "metadata", "input_channel", "terminal", "terminal_token", "ids"]
    for field in fields:
        for n, value in enumerate(values):
            body = {"sender": "resident-a", "token": "x" * 43, "message": "こんにちは", field: value}
            yield f"{field}={n}", json.dumps(body).encode(), JSON
    yield "unknown fields", json.dumps({"sender": "a", "message": "b", "extra": {"deep": [1, 2]}, "__proto__": 1}).encode(), JSON
    yield "everything personal", json.dumps({"sender": f"tel {PHONE}", "message": f"番号は {MY_NUMBER}",
                                             "metadata": {"kiosk": MY_NUMBER, "note": PHONE}}).encode(), JSON


POSTS = ["/webhooks/rest/start", "/webhooks/rest/webhook", "/webhooks/rest/inbox", "/webhooks/rest/outbox/ack",
         "/webhooks/kiosk/start", "/webhooks/kiosk/webhook", "/webhooks/kiosk/inbox", "/webhooks/kiosk/leave"]
GETS = ["/webhooks/rest/", "/webhooks/kiosk/", "/webhooks/rest/outbox", "/webhooks/kiosk/page", "/webhooks/kiosk/qr",
        "/favicon.ico", "/webhooks/kiosk/static/kiosk.js", "/webhooks/kiosk/static/%00", "/webhooks/kiosk/static/%ED%A0%80",
        "/webhooks/kiosk/static/..%2f..%2fsettings.py", "/webhooks/%00/webhook", "/%ff"]
QUERIES = ["", "?kiosk=%00%01", "?kiosk=%ff%fe", "?kiosk=%ED%A0%80", "?kiosk=" + "9" * 5000, "?url=javascript:alert(1)",
           "?url=%00", "?channel=%ED%A0%80", "?kiosk=<script>alert(1)</script>", f"?kiosk={MY_NUMBER}", "?a=1&a=2&a=3"]


def polite(status: int, text: str, content_type: str) -> List[str]:
    """What is wrong with an answer: a 5xx, a stack trace, or a 4xx that does not say what went wrong."""
    problems = []
    if status >= 500:
        problems.append(f"status {status}")
    if any(mark in text for mark in TRACE_MARKS):
        problems.append("a stack trace or an internal name")
    if 400 <= status < 500:
        if content_type.startswith("application/json"):
            try:
                body = json.loads(text)
            except ValueError:
                return problems + [f"a {status} labelled JSON that is not: {text[:200]}"]
            if not (isinstance(body, dict) and (body.get("message") or body.get("description"))):
                problems.append(f"a {status} without a message: {text[:200]}")
        elif not text.strip():
            problems.append(f"an empty {status}")
    return problems


class Recording(EchoAgent):
    """The echo agent, keeping what would reach Rasa (and so its tracker store)."""

    def __init__(self) -> None:
        self.seen: List[str] = []

    async def handle_message(self, message) -> None:
        self.seen.append(json.dumps([message.sender_id, message.text, message.metadata], ensure_ascii=False))
        await super().handle_message(message)


async def test_every_door_route_answers_bad_input_politely_and_keeps_nothing_in_clear(tmp_path, knowledge, caplog):
    caplog.set_level(logging.DEBUG)
    for client_side in ("httpx", "httpcore"):  # the test's own client, which logs the addresses it asks for
        logging.getLogger(client_side).setLevel(logging.WARNING)
    problems, statuses = [], {}
    async with Door(tmp_path, knowledge, per_sender=0, per_address=0) as door:
        door.app.ctx.agent = agent = Recording()
        for path in POSTS:
            for label, body, content_type in bodies():
                for auth in ({}, {"Authorization": f"Bearer {BRIDGE}"}):
                    resp = await door.http.post(path, content=body, headers={"Content-Type": content_type, **auth})
                    statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                    for problem in polite(resp.status_code, resp.text, resp.headers.get("content-type", "")):
                        problems.append((path, label, bool(auth), problem))
            for method in ("GET", "PUT", "DELETE", "PATCH"):
                resp = await door.http.request(method, path)
                if resp.status_code != 405:
                    problems.append((path, method, False, f"status {resp.status_code}, not 405"))
                problems.extend((path, method, False, p) for p in polite(resp.status_code, resp.text,
                                                                         resp.headers.get("content-type", "")))
        for path in GETS:
            for query in QUERIES:
                resp = await door.http.get(path + query)
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                problems.extend((path, query, False, p) for p in polite(resp.status_code, resp.text,
                                                                        resp.headers.get("content-type", "")))
                if MY_NUMBER in resp.text:
                    problems.append((path, query, False, "the My Number echoed in clear"))
        door.store.close()
        stored = scan_sqlite_file(tmp_path / "door.db", contacts=True)
    assert problems == [], problems[:20]
    assert statuses.get(400, 0) > 100 and statuses.get(200, 0) > 100, statuses  # both kinds were really exercised
    assert agent.seen, "no message reached the assistant: the corpus tested only refusals"
    assert [s for s in agent.seen if find_personal_data(s, contacts=True)] == []
    assert stored == []
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    assert MY_NUMBER not in logged and PHONE not in logged


# --- the staff console's public routes ---------------------------------------------------------------
@pytest.fixture(scope="module")
def console(tmp_path_factory):
    from tests.helpers.staff_console import start_console

    yield from start_console(tmp_path_factory.mktemp("bad-input-console"), "bad_input_console.log")


LOGIN_BODIES = [
    ("empty", b"", "application/x-www-form-urlencoded"),
    ("no token", b"username=a&password=b", "application/x-www-form-urlencoded"),
    ("lone surrogate", b"username=%ED%A0%80&password=%ED%A0%80&login_token=x", "application/x-www-form-urlencoded"),
    ("invalid utf-8", b"username=\xff\xfe&password=\xc3&login_token=\xff", "application/x-www-form-urlencoded"),
    ("control", b"username=%00%01%1b&password=%00&login_token=%00", "application/x-www-form-urlencoded"),
    ("long", b"username=" + b"a" * 100_000 + b"&password=" + b"b" * 100_000, "application/x-www-form-urlencoded"),
    ("json", b'{"username": "a", "password": "b"}', JSON), ("broken json", b'{"username": ', JSON),
    ("repeated", b"username=a&username=b&password=c&password=d", "application/x-www-form-urlencoded"),
    ("multipart", b"--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\na\r\n--x--\r\n",
     "multipart/form-data; boundary=x"),
    ("broken multipart", b"--x\r\nnonsense", "multipart/form-data; boundary=x"),
    ("my number", f"username={MY_NUMBER}&password={PHONE}&login_token=x".encode(), "application/x-www-form-urlencoded"),
]


def test_the_staff_consoles_public_routes_answer_bad_input_politely(console):
    import requests

    problems = []
    for label, body, content_type in LOGIN_BODIES:
        resp = requests.post(f"{console.url}/staff/login", data=body, headers={"Content-Type": content_type},
                             allow_redirects=False, timeout=30)
        problems.extend((label, p) for p in polite(resp.status_code, resp.text, resp.headers.get("content-type", "")))
        if resp.status_code < 400:
            problems.append((label, f"status {resp.status_code}: signed in?"))
    for path in ("/staff/health", "/staff/login", "/staff/static/console.js", "/staff/static/%00", "/staff/static/%ED%A0%80",
                 "/staff/%00", "/staff/handoffs/%00",
                 "/staff/static/../../assistant/settings.py", "/staff/login?next=%ED%A0%80", "/staff/login?next=" + "x" * 5000):
        resp = requests.get(f"{console.url}{path}", allow_redirects=False, timeout=30)
        problems.extend((path, p) for p in polite(resp.status_code, resp.text, resp.headers.get("content-type", "")))
        assert "SettingsError" not in resp.text
    for method in ("PUT", "DELETE", "PATCH"):
        resp = requests.request(method, f"{console.url}/staff/login", timeout=30)
        if resp.status_code != 405:
            problems.append((method, f"status {resp.status_code}, not 405"))
    assert problems == [], problems
    browser = requests.Session()  # with the login form's token: a failed login is audited with the name typed
    for typed in (MY_NUMBER, f"tel {PHONE}", "4802 0645 0527"):
        resp = console.login(browser, typed, PHONE)
        assert resp.status_code in (401, 429) and not polite(resp.status_code, resp.text, resp.headers["content-type"])
    database = Path(console.env["MADOGUCHI_DATABASE_URL"][len("sqlite:///"):])
    assert scan_sqlite_file(database, contacts=True) == []  # the audit log keeps the names typed, redacted


# --- the Telegram bridge's webhook (the internet reaches it through the city's TLS proxy) ---------------
TELEGRAM_SECRET = "s3cret-Value_1"


@pytest.fixture(scope="module")
def telegram_webhook(tmp_path_factory):
    """The bridge in webhook mode between a fake Bot API and a fake assistant; (fakes, the webhook's URL)."""
    from assistant.channels.telegram.logmask import install_log_mask, quiet_libraries
    from tests.conftest import free_port
    from tests.helpers.telegram import API_TOKEN, TOKEN, RunningBridge, Servers, telegram_settings

    fakes, port = Servers(), free_port()
    settings = telegram_settings(fakes, MADOGUCHI_TELEGRAM_MODE="webhook", MADOGUCHI_TELEGRAM_WEBHOOK_PORT=str(port),
                                 MADOGUCHI_TELEGRAM_WEBHOOK_URL="https://navi.example.jp/telegram/updates",
                                 MADOGUCHI_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET)
    quiet_libraries()
    remove = install_log_mask(TOKEN, TELEGRAM_SECRET, API_TOKEN)
    running = RunningBridge(settings, tmp_path_factory.mktemp("telegram-webhook")).start()
    try:
        yield fakes, f"http://127.0.0.1:{port}/telegram/updates"
    finally:
        running.stop()
        remove()
        fakes.close()


def telegram_bodies() -> Iterator[Tuple[str, bytes, str]]:
    """Updates malformed in every way, besides the corpus above: wrong types in each field of a text message."""
    yield from bodies()
    from tests.helpers.telegram import text_update

    values = [None, True, 1, -1, 10 ** 40, 1.5, [], ["a"], {}, {"x": 1}, "", "\x00\x01\x1b", "\ud800", "x" * 10_000,
              "<script>alert(1)</script>", f"番号は {MY_NUMBER}", PHONE]
    for field in ("update_id", "message", "text", "chat", "from", "callback_query", "date", "entities"):
        for n, value in enumerate(values):
            update = dict(text_update("こんにちは"), update_id=900 + n)
            if field in ("update_id", "message", "callback_query"):
                update[field] = value
            else:
                update["message"] = dict(update["message"], **{field: value})
            yield f"telegram {field}={n}", json.dumps(update).encode(), JSON
    yield "unknown update kind", json.dumps({"update_id": 1, "poll_answer_x": {"deep": [1]}}).encode(), JSON
    yield "unknown fields", json.dumps(dict(text_update("こんにちは"), update_id=2, extra={"a": [1]})).encode(), JSON


def test_the_telegram_webhook_checks_its_secret_and_answers_bad_input_politely(telegram_webhook, caplog):
    import requests

    fakes, url = telegram_webhook
    caplog.set_level(logging.DEBUG)
    wrong = {"none": None, "wrong": "wrong-secret", "prefix": TELEGRAM_SECRET[:-1], "longer": TELEGRAM_SECRET + "x",
             "empty": "", "control": TELEGRAM_SECRET + "\x01", "huge": "s" * 20_000}
    problems, statuses = [], {}
    for label, body, content_type in telegram_bodies():
        for secret_label, secret in [("right", TELEGRAM_SECRET), *wrong.items()]:
            if secret_label != "right" and not label.startswith(("empty", "huge", "telegram message=", "invalid")):
                continue  # every refusal is exercised on a few bodies; the right secret on all of them
            headers = {"Content-Type": content_type}
            if secret is not None:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            try:
                resp = requests.post(url, data=body, headers=headers, timeout=30)
            except requests.RequestException as exc:
                problems.append((label, secret_label, f"no answer: {type(exc).__name__}"))
                continue
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            problems.extend((label, secret_label, p) for p in polite(resp.status_code, resp.text,
                                                                     resp.headers.get("content-type", "")))
            malformed_header = secret_label in ("control", "huge")  # refused by the HTTP parser itself
            if secret_label != "right" and not (resp.status_code == 403 or malformed_header and resp.status_code == 400):
                problems.append((label, secret_label, f"status {resp.status_code}, not 403"))
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        resp = requests.request(method, url, timeout=30)
        if resp.status_code != 405:
            problems.append((method, f"status {resp.status_code}, not 405"))
    for path in ("/", "/telegram", "/telegram/updates/x", "/%00", "/%ff"):
        resp = requests.post(url.rsplit("/telegram/", 1)[0] + path, json={}, timeout=30)
        problems.extend((path, p) for p in polite(resp.status_code, resp.text, resp.headers.get("content-type", "")))
    assert problems == [], problems[:20]
    assert statuses.get(200, 0) > 20 and statuses.get(400, 0) > 20 and statuses.get(403, 0) > 20, statuses
    assert not [b for b in fakes.assistant.received if not isinstance(b.get("message"), str)]
    refused_before = len(fakes.assistant.received)
    good = requests.post(url, json={"update_id": 7001, "message": {"message_id": 1, "date": 1, "text": "住所が変わりました",
                                    "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False, "first_name": "A"}}},
                         headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}, timeout=30)
    assert good.status_code == 200  # after all that, an ordinary update still reaches the assistant
    from tests.helpers.telegram import wait_until

    wait_until(lambda: any(b.get("message") == "住所が変わりました" for b in fakes.assistant.received[refused_before:]),
               what="the ordinary update to reach the assistant")
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert TELEGRAM_SECRET not in logged and "s" * 20_000 not in logged
    assert MY_NUMBER not in logged and PHONE not in logged
