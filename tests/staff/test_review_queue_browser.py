"""回答の見直し in Debian's Chromium: an editor logs in, finds an unanswered message in the queue, searches the answers
by title and labels it; a staff-role user cannot open the queue. Screenshots in test-artifacts/staff/."""
from __future__ import annotations

from typing import Iterator

import pytest

from assistant.staff import review_items
from assistant.staff.auth import hash_password
from tests.helpers.browser import require_chromium
from tests.helpers.review import Tracker
from tests.helpers.staff_browser import SHOTS, page, serious_violations  # noqa: F401 (page: a fixture)
from tests.helpers.staff_console import ConsoleServer, start_console

pytestmark = pytest.mark.browser
PASSWORD = "mitoshi-no-kaitou-2026"
UNANSWERED = "住民票をコンビニで出したいけど夜でもいける?"


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    require_chromium()
    folder = tmp_path_factory.mktemp("review-queue-browser")
    tracker = Tracker(folder / "tracker.db")  # the console reads the tracker store of its data folder
    tracker.says("r1", UNANSWERED, "nlu_fallback", 0.22, ["fees/first_time", "convenience_store_certificate/fees"])
    tracker.says("r2", "写真は自分で撮ったものでもいいですか", "apply_photo", 0.95, ["apply_photo/rules"])
    tracker.unhelpful("r2", "apply_photo/rules")
    yield from start_console(folder, "staff_review_queue_browser.log")


def log_in(console: ConsoleServer, page, role: str, name: str) -> str:
    username = f"{role}-{name}"
    console.accounts.create_staff(username, name, hash_password(PASSWORD), role=role)
    page.goto(f"{console.url}/staff/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    return username


def test_an_editor_labels_an_unanswered_message_with_the_right_answer(console, page):
    from playwright.sync_api import expect

    username = log_in(console, page, "editor", "編集 花子")
    expect(page).to_have_url(f"{console.url}/staff/review-queue")
    expect(page.get_by_role("link", name="回答の見直し")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="待っている相談")).to_have_count(0)
    expect(page.locator("#review-count")).to_have_text("2件")
    card = page.locator("article.review-card", has_text=UNANSWERED)
    expect(card).to_contain_text("ナビが話題を決められなかった")
    expect(page.locator("article.review-card", has_text="写真は自分で撮った")).to_contain_text("「役に立たなかった」が押された")
    page.screenshot(path=str(SHOTS / "review-01-queue.png"), full_page=True)
    assert serious_violations(page, "review-queue") == []

    card.get_by_label("正しい回答をタイトルで探す").fill("コンビニ 時間")
    card.get_by_role("button", name="探す").click()
    card = page.locator("article.review-card", has_text=UNANSWERED)
    choice = card.get_by_label("コンビニ交付：使える時間とお店")
    expect(choice).to_be_checked()
    page.screenshot(path=str(SHOTS / "review-02-search.png"), full_page=True)
    card.get_by_role("button", name="この回答に決める").click()
    expect(page.get_by_role("status")).to_have_text("回答を選びました。")
    expect(page.locator("#review-count")).to_have_text("1件")
    expect(page.locator("article.review-card", has_text=UNANSWERED)).to_have_count(0)
    expect(page.locator("#decided")).to_contain_text("コンビニ交付：使える時間とお店")
    page.screenshot(path=str(SHOTS / "review-03-decided.png"), full_page=True)
    assert serious_violations(page, "review-decided") == []

    stored = [r for r in review_items.recent_decisions(console.store.engine) if r.text == UNANSWERED]
    assert [(r.decision, r.entry, r.decided_by) for r in stored] == [
        ("entry", "convenience_store_certificate/hours_stores", username)]
    audited = [e for e in console.accounts.audit_entries() if e.username == username]
    assert [(e.action, e.detail) for e in audited][:1] == [
        ("review_entry", f"#{stored[0].id} convenience_store_certificate/hours_stores")]
    assert page.problems == [], page.problems


def test_a_staff_member_cannot_open_the_review_queue(console, page):
    from playwright.sync_api import expect

    log_in(console, page, "staff", "窓口 次郎")
    expect(page).to_have_url(f"{console.url}/staff/")
    expect(page.get_by_role("link", name="回答の見直し")).to_have_count(0)
    page.goto(f"{console.url}/staff/review-queue")
    expect(page.get_by_role("heading", name="このページは見られません")).to_be_visible()
    expect(page.get_by_text("このページは、回答の担当と管理者が使います。（あなたの役割：職員）")).to_be_visible()
    expect(page.get_by_text(UNANSWERED)).to_have_count(0)
    page.screenshot(path=str(SHOTS / "review-04-staff-refused.png"))
    assert serious_violations(page, "review-refused") == []
