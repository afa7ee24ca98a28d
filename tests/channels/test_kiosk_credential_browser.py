"""The kiosk page's conversation credential in a real browser (Debian's Chromium): the page keeps it in its
memory only (never in storage, cookies, the address or the page), sends it with every message, another
browser without it can neither read nor write in that conversation, and おわる or the idle wipe forget it."""
import json

import pytest

from tests.helpers.kiosk_browser import PHONE, browser, kiosk, kiosk_page, press  # noqa: F401

pytestmark = [pytest.mark.model, pytest.mark.browser]

POST_FROM_PAGE = """async ([path, body]) => {
  const response = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                      body: JSON.stringify(body)});
  return [response.status, await response.text()];
}"""


def started(page, title):
    """Presses a topic button on a fresh screen; the conversation (sender, token) the page got for it."""
    with page.expect_response(lambda r: r.url.endswith("/webhooks/kiosk/start")) as start:
        press(page, title)
    conversation = start.value.json()
    assert start.value.status == 200 and conversation["sender"] and len(conversation["token"]) >= 32
    return conversation


def posted(page):
    """Every JSON body the page posts from now on, by path (a live list)."""
    bodies = []
    page.on("request", lambda r: bodies.append((r.url.rsplit("/", 1)[-1], json.loads(r.post_data)))
            if r.method == "POST" else None)
    return bodies


def where_the_page_keeps(page, secret):
    """The places a script, a later visitor or the address bar could find `secret` in."""
    state = json.dumps(page.context.storage_state())  # cookies and every origin's local storage
    places = {"storage or cookies": state, "session storage": page.evaluate("JSON.stringify(sessionStorage)"),
              "address": page.url, "page": page.content(), "cookie": page.evaluate("document.cookie")}
    return [name for name, text in places.items() if secret in text]


def test_the_credential_stays_in_the_pages_memory_and_goes_with_every_message(kiosk):
    bodies = posted(kiosk)
    c = started(kiosk, "暗証番号")
    press(kiosk, kiosk.locator(".message .choice:not([disabled])").last.inner_text())
    kiosk.fill("#question", "窓口は何時まで開いていますか")
    before = kiosk.locator(".message.bot").count()
    kiosk.locator(".send").click()
    kiosk.wait_for_function("n => document.querySelectorAll('.message.bot').length > n", arg=before, timeout=30000)
    messages = [body for path, body in bodies if path == "webhook"]
    assert len(messages) == 3
    assert all((m["sender"], m["token"]) == (c["sender"], c["token"]) for m in messages)
    assert [path for path, _ in bodies].count("start") == 1  # one conversation for the three messages
    assert where_the_page_keeps(kiosk, c["token"]) == [] and where_the_page_keeps(kiosk, c["sender"]) == []
    # Local storage holds at most the kiosk's terminal credential (whether the session's stack has handed
    # one out yet depends on the tests before), and nothing of the resident's.
    stored = kiosk.evaluate("Object.assign({}, localStorage)")
    assert set(stored) <= {"madoguchi-kiosk-terminal"}
    if stored:
        assert set(json.loads(stored["madoguchi-kiosk-terminal"])) == {"terminal", "terminal_token"}


def test_another_browser_without_the_credential_can_neither_read_nor_write_in_the_conversation(kiosk, browser, assistant):
    other = kiosk_page(browser, assistant, PHONE, "3")  # opened first: the resident's screen is not left idle
    try:
        own = other.evaluate(POST_FROM_PAGE, ["start", {}])  # the other browser's own conversation and token
        assert own[0] == 200
        own_token = json.loads(own[1])["token"]
        c = started(kiosk, "受取")
        attempts = {
            "write, no token": ("webhook", {"sender": c["sender"], "message": "住所が変わりました"}),
            "write, its own token": ("webhook", {"sender": c["sender"], "token": own_token, "message": "住所が変わりました"}),
            "read, no token": ("inbox", {"sender": c["sender"]}),
            "read, its own token": ("inbox", {"sender": c["sender"], "token": own_token}),
            "leave, no token": ("leave", {"sender": c["sender"]}),
        }
        answers = {name: other.evaluate(POST_FROM_PAGE, list(attempt)) for name, attempt in attempts.items()}
    finally:
        other.context.close()
    assert {name: status for name, (status, _) in answers.items()} == {
        "write, no token": 401, "write, its own token": 403, "read, no token": 401, "read, its own token": 403,
        "leave, no token": 401}
    assert all(json.loads(text).get("message") for _, text in answers.values())  # said politely, in words
    # The resident's own page goes on in the same conversation, and nothing the other browser tried is in it.
    bodies = posted(kiosk)
    before = kiosk.locator(".message.bot").count()
    kiosk.fill("#question", "受け取りに必要なものは何ですか")
    kiosk.locator(".send").click()
    kiosk.wait_for_function("n => document.querySelectorAll('.message.bot').length > n", arg=before, timeout=30000)
    assert [(b["sender"], b["token"]) for path, b in bodies if path == "webhook"] == [(c["sender"], c["token"])]
    said = [e.get("text") for e in assistant.tracker(c["sender"])["events"] if e["event"] == "user"]
    assert "受け取りに必要なものは何ですか" in said and "住所が変わりました" not in said


def test_owaru_forgets_the_credential(kiosk):
    first = started(kiosk, "受取")
    bodies = posted(kiosk)
    kiosk.locator("#finish").click()
    second = started(kiosk, "申請")
    assert (second["sender"], second["token"]) != (first["sender"], first["token"])
    assert first["token"] not in json.dumps(bodies) and first["sender"] not in json.dumps(bodies)
    assert [(b["sender"], b["token"]) for path, b in bodies if path == "webhook"] == [(second["sender"], second["token"])]


def test_the_idle_wipe_forgets_the_credential(browser, assistant):
    page = kiosk_page(browser, assistant, PHONE, "4")
    try:
        first = started(page, "更新")
        bodies = posted(page)
        page.wait_for_selector("#idle:not([hidden])", timeout=60000)  # no touch: the countdown, then the wipe
        page.wait_for_selector("#idle", state="hidden", timeout=60000)
        assert page.locator(".message.resident").count() == 0
        second = started(page, "暗証番号")
        assert second["sender"] != first["sender"] and second["token"] != first["token"]
        assert first["token"] not in json.dumps(bodies) and first["sender"] not in json.dumps(bodies)
        assert where_the_page_keeps(page, first["token"]) == []
    finally:
        page.context.close()
