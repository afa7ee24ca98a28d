"""The handoff page in Debian's Chromium: a staff member who opens a handoff another has taken sees who has
it and 「引き継ぐ」; it asks first (やめる changes nothing), then makes them the owner, audited; screenshots
go to test-artifacts/staff/."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.helpers.browser import require_chromium
from tests.helpers.staff_browser import SHOTS, log_in, page, serious_violations  # noqa: F401 (page: a fixture)
from tests.helpers.staff_console import ConsoleServer, start_console

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    require_chromium()
    yield from start_console(tmp_path_factory.mktemp("staff-take-over"), "staff_take_over.log")


def audit_log(console: ConsoleServer, handoff_id: int) -> str:
    """The text of the admin's 「操作の記録」 page for one handoff."""
    import re

    admin = console.session(console.staff(role="admin"))
    html = admin.get(f"{console.url}/staff/audit?handoff={handoff_id}").text
    return re.sub(r"<[^>]+>", " ", html[html.index("<main"):])


def test_a_handoff_another_staff_member_has_is_taken_over_after_a_confirmation(console, page):
    from playwright.sync_api import expect

    owner = console.staff(name="担当 一郎")
    record = console.handoff()
    owners_browser = console.session(owner)
    assigned = owners_browser.post(f"{console.url}/staff/handoffs/{record.id}/assign", allow_redirects=False,
                                   data={"csrf_token": console.csrf(owners_browser)})
    assert assigned.status_code == 302
    me = log_in(console, page)
    page.goto(f"{console.url}/staff/handoffs/{record.id}")

    expect(page.locator("#staff-name")).to_have_text("担当 一郎")
    expect(page.get_by_role("button", name="担当する")).to_have_count(0)
    take_over = page.get_by_role("button", name="引き継ぐ")
    expect(take_over).to_be_visible()
    expect(page.get_by_text("あなたが担当しています。")).to_be_hidden()

    # Asked first: やめる changes nothing.
    take_over.click()
    dialog = page.get_by_role("dialog", name="この相談を引き継ぎますか？")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("担当 一郎さんに代わって、あなたが担当になります。")
    expect(dialog.get_by_role("button", name="やめる")).to_be_focused()
    page.screenshot(path=str(SHOTS / "08-take-over-confirm.png"))
    assert serious_violations(page, "take-over-confirm") == []
    dialog.get_by_role("button", name="やめる").click()
    expect(dialog).to_be_hidden()
    assert console.store.get(record.id).staff.username == owner
    assert "引き継ぎ" not in audit_log(console, record.id)

    # Confirmed: the handoff is mine, and the take-over is in the audit log with the previous owner.
    take_over.click()
    dialog.get_by_role("button", name="引き継ぐ").click()
    expect(page.get_by_text("この相談の担当になりました。")).to_be_visible()
    expect(page.get_by_text("あなたが担当しています。")).to_be_visible()
    expect(page.locator("#staff-name")).to_have_text("窓口 花子")
    expect(page.get_by_role("button", name="引き継ぐ")).to_have_count(0)
    assert console.store.get(record.id).staff.username == me
    log = audit_log(console, record.id)
    assert log.count("引き継ぎ") == 1 and f"{owner}から引き継ぎ" in log

    # The new owner answers.
    page.get_by_label("住民への返信").fill("担当を交代しました。窓口の花子です。")
    page.get_by_role("button", name="返信を送る").click()
    expect(page.locator("#chat .msg-staff")).to_contain_text("窓口の花子です", timeout=10_000)
    page.screenshot(path=str(SHOTS / "09-taken-over.png"))
    assert serious_violations(page, "taken-over") == []
    assert page.problems == [], page.problems


def test_an_unowned_handoff_shows_担当する_and_the_owner_sees_no_take_over(console, page):
    from playwright.sync_api import expect

    record = console.handoff()
    log_in(console, page)
    page.goto(f"{console.url}/staff/handoffs/{record.id}")
    expect(page.get_by_role("button", name="引き継ぐ")).to_have_count(0)
    page.get_by_role("button", name="担当する").click()
    expect(page.get_by_text("あなたが担当しています。")).to_be_visible()
    expect(page.get_by_role("button", name="引き継ぐ")).to_have_count(0)
    expect(page.get_by_role("button", name="担当する")).to_have_count(0)
    assert page.problems == [], page.problems


def assign_as(console: ConsoleServer, username: str, handoff_id: int) -> None:
    browser = console.session(username)
    assigned = browser.post(f"{console.url}/staff/handoffs/{handoff_id}/assign", allow_redirects=False,
                            data={"csrf_token": console.csrf(browser)})
    assert assigned.status_code == 302


def test_a_handoff_another_has_shows_引き継ぐ_instead_of_the_reply_and_end_forms(console, page):
    from playwright.sync_api import expect

    owner = console.staff(name="担当 一郎")
    record = console.handoff()
    assign_as(console, owner, record.id)
    log_in(console, page)
    page.goto(f"{console.url}/staff/handoffs/{record.id}")

    expect(page.get_by_label("住民への返信")).to_have_count(0)
    expect(page.get_by_role("button", name="返信を送る")).to_have_count(0)
    expect(page.get_by_role("button", name="解決にして終える")).to_have_count(0)
    expect(page.locator("#taken-note")).to_have_text(
        "この相談は担当 一郎さんが担当しています。返信と終了は担当者だけができます。代わりに対応するときは、右の「引き継ぐ」を押してください。")
    expect(page.get_by_role("button", name="引き継ぐ")).to_be_visible()
    page.screenshot(path=str(SHOTS / "10-taken-by-another.png"), full_page=True)
    assert serious_violations(page, "taken-by-another") == []

    # Taken over, the handoff is mine: the reply and end forms are back.
    page.get_by_role("button", name="引き継ぐ").click()
    page.get_by_role("dialog").get_by_role("button", name="引き継ぐ").click()
    expect(page.get_by_text("この相談の担当になりました。")).to_be_visible()
    expect(page.get_by_label("住民への返信")).to_be_visible()
    expect(page.get_by_role("button", name="解決にして終える")).to_be_visible()
    expect(page.locator("#taken-note")).to_have_count(0)
    assert page.problems == [], page.problems


def test_when_another_takes_the_handoff_meanwhile_the_forms_go_and_a_note_says_so(console, page):
    from playwright.sync_api import expect

    record = console.handoff()
    log_in(console, page)
    page.goto(f"{console.url}/staff/handoffs/{record.id}")
    expect(page.get_by_label("住民への返信")).to_be_visible()  # unowned: the first reply also assigns

    assign_as(console, console.staff(name="担当 二郎"), record.id)
    note = page.locator("#status-changed")
    expect(note).to_contain_text("担当 二郎さんが担当になりました", timeout=10_000)
    expect(page.get_by_label("住民への返信")).to_have_count(0)
    expect(page.get_by_role("button", name="解決にして終える")).to_have_count(0)
    expect(page.get_by_role("button", name="担当する")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "11-taken-meanwhile.png"), full_page=True)
    assert serious_violations(page, "taken-meanwhile") == []

    page.reload()
    expect(page.get_by_role("button", name="引き継ぐ")).to_be_visible()
    expect(page.get_by_label("住民への返信")).to_have_count(0)
    assert page.problems == [], page.problems
