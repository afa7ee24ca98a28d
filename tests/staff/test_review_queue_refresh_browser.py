"""回答の見直し keeps itself up to date in Debian's Chromium: a question residents ask while the page is open appears
by itself, and a note being typed for another question stays as it was (text and focus); a question decided by
someone else meanwhile leaves the list, unless it is being decided on this page."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest

from assistant.staff.review_queue import REFRESH_SECONDS
from tests.helpers.browser import CHROMIUM
from tests.helpers.review import Tracker
from tests.helpers.staff_browser import SHOTS, log_in, page, serious_violations  # noqa: F401 (page: a fixture)
from tests.helpers.staff_console import ConsoleServer, start_console

pytestmark = pytest.mark.browser
FIRST = "マイナ保険証の使い方がよくわからない"
SECOND = "写真は自分で撮ったものでもいいですか"
LATER = "住民票をコンビニで出したいけど夜でもいける?"
NOTE = "保険証の使い方の回答を"
WAIT_MS = (2 * REFRESH_SECONDS + 5) * 1000


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("review-refresh")


@pytest.fixture(scope="module")
def tracker(folder) -> Tracker:
    return Tracker(folder / "tracker.db")  # the console reads the tracker store of its data folder


@pytest.fixture(scope="module")
def console(folder, tracker) -> Iterator[ConsoleServer]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make install installs it)")
    tracker.says("r1", FIRST, "nlu_fallback", 0.2, ["health_insurance_card/how_to_use"])
    tracker.says("r2", SECOND, "nlu_fallback", 0.25, ["apply_photo/rules"])
    yield from start_console(folder, "staff_review_queue_refresh.log")


def test_new_questions_appear_without_losing_a_half_made_decision(console, tracker, page):
    from playwright.sync_api import expect

    log_in(console, page, role="admin")
    page.goto(f"{console.url}/staff/review-queue")
    expect(page.locator("#review-count")).to_have_text("2件")
    first = page.locator("article.review-card", has_text=FIRST)
    note = first.get_by_label("新しい回答についてのメモ")
    note.fill(NOTE)
    note.press("ArrowLeft")  # the caret one character back: it must stay there

    tracker.says("r3", LATER, "nlu_fallback", 0.22, ["convenience_store_certificate/fees"])
    expect(page.locator("article.review-card", has_text=LATER)).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#review-count")).to_have_text("3件")
    expect(note).to_have_value(NOTE)
    expect(note).to_be_focused()
    assert note.evaluate("e => e.selectionStart") == len(NOTE) - 1
    expect(page.locator("#review-refresh")).to_contain_text("一覧を確かめました")

    # Another editor decides both questions shown before: the one being written here stays, marked; the other goes.
    other = console.session(console.staff(role="editor"))
    form = other.get(f"{console.url}/staff/review-queue").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    for text in (FIRST, SECOND):
        card = next(c for c in form.split("<article")[1:] if text in c)
        item = re.search(r'data-item="(\d+)"', card).group(1)
        done = other.post(f"{console.url}/staff/review-queue/{item}", allow_redirects=False,
                          data={"decision": "not_in_scope", "csrf_token": csrf})
        assert done.status_code == 302
    expect(page.locator("article.review-card", has_text=SECOND)).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator("#review-count")).to_have_text("1件")
    expect(first).to_contain_text("ほかの人が決めたため一覧から外れました")
    expect(note).to_have_value(NOTE)
    page.screenshot(path=str(SHOTS / "review-05-refreshed.png"), full_page=True)
    assert serious_violations(page, "review-queue-refreshed") == []
    assert page.problems == []
