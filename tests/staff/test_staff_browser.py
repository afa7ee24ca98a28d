"""The staff console in Debian's Chromium: log in, find the waiting resident, read, reply, resolve;
screenshots at 1366x768 go to test-artifacts/staff/."""
from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from typing import Iterator

import pytest

from assistant.staff.auth import hash_password
from assistant.storage.models import utcnow
from tests.helpers.browser import require_chromium
from tests.helpers.staff_browser import PASSWORD, SHOTS, log_in, page, serious_violations  # noqa: F401 (page)
from tests.helpers.staff_console import ConsoleServer, start_console

pytestmark = pytest.mark.browser

LINES = [  # (minutes before the handoff, who, text) as the REST channel stores them: already redacted
    (3, "resident", "マイナンバーカードの暗証番号を忘れてしまいました。4桁のほうです。"),
    (3, "bot", "利用者証明用（数字4桁）の暗証番号の再設定ですね。市役所の窓口か、スマホとコンビニで再設定できます。"
               "手順 2：カードと本人確認書類を持って、市民課の窓口にお越しください。"),
    (2, "resident", "暗証番号は［暗証番号］だったと思うけど、3回まちがえてロックされたみたいです。"),
    (2, "bot", "入力された番号は記録せず、伏せ字にしました。ロックされていても、窓口で再設定できます。"),
    (1, "resident", "わからない"),
    (1, "bot", "わかりにくくて、すみません。もう一度、順番にご説明します。"),
    (0, "resident", "やっぱりわからないです。人と話せますか"),
]


def at(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def transcript(handoff_at: dt.datetime):
    return [{"who": who, "text": text, "at": at(handoff_at - dt.timedelta(minutes=minutes))}
            for minutes, who, text in LINES]


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    require_chromium()
    yield from start_console(tmp_path_factory.mktemp("staff-browser"), "staff_browser.log")


def test_staff_member_answers_a_resident_stuck_in_the_pin_reset_guide(console, page):
    from playwright.sync_api import expect

    store = console.store
    console.accounts.create_staff("suzuki", "鈴木 一郎", hash_password(PASSWORD), role="staff")
    conversation = f"resident-{uuid.uuid4().hex[:8]}"
    handoff_at = utcnow().replace(microsecond=0) - dt.timedelta(minutes=14, seconds=20)
    record, _ = store.open(conversation_id=conversation, channel="rest", reason="guide_stuck",
                           topic="pin_forgotten_locked", guide_id="pin_reset", guide_step=2,
                           guide_step_title="窓口で再設定する", transcript=transcript(handoff_at))
    kiosk, _ = store.open(conversation_id=f"kiosk-{uuid.uuid4().hex[:8]}", channel="kiosk", reason="kiosk_call",
                          kiosk_id="3", topic="receive_card",
                          transcript=[{"who": "resident", "text": "受け取りに必要なものは？", "at": at(utcnow())}])
    callback, _ = store.open(conversation_id=f"resident-{uuid.uuid4().hex[:8]}", channel="rest", reason="asked",
                             status="callback_collecting", topic="health_insurance_card",
                             transcript=[{"who": "resident", "text": "夜なので、明日電話してほしいです", "at": at(utcnow())}])
    store.save_callback(callback, "090-1234-5678", "平日の午前")
    console.backdate(record.id, handoff_at)

    # log in
    page.goto(f"{console.url}/staff/")
    expect(page).to_have_url(f"{console.url}/staff/login?next=/staff/")
    expect(page.get_by_role("heading", name="職員ログイン")).to_be_visible()
    page.screenshot(path=str(SHOTS / "01-login.png"))
    assert serious_violations(page, "login") == []
    page.get_by_label("ユーザー名").fill("suzuki")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    # the queue: the longest-waiting first, refreshed without reloading
    expect(page).to_have_url(f"{console.url}/staff/")
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("手順の途中で2回「わからない」")
    expect(rows.nth(0)).to_contain_text("暗証番号の再設定・手順 2")
    expect(rows.nth(0)).to_contain_text("14分")
    expect(page.get_by_text("キオスク 3 が職員を呼んでいます")).to_be_visible()
    expect(page.get_by_text("090-****-5678")).to_be_visible()
    store.open(conversation_id=f"resident-{uuid.uuid4().hex[:8]}", channel="telegram", reason="nlu_failure",
               transcript=[{"who": "resident", "text": "マイナポイントの申込み期限はいつまで", "at": at(utcnow())}])
    expect(rows).to_have_count(4, timeout=12_000)  # appears by polling
    expect(rows.nth(0)).to_contain_text("手順の途中で2回「わからない」")
    page.screenshot(path=str(SHOTS / "02-queue.png"))

    # the conversation
    rows.nth(0).get_by_role("link", name="開く").click()
    expect(page).to_have_url(f"{console.url}/staff/handoffs/{record.id}")
    chat = page.locator("#chat")
    expect(chat).to_contain_text("マイナンバーカードの暗証番号を忘れてしまいました。")
    expect(chat).to_contain_text("暗証番号は［暗証番号］だったと思うけど")
    expect(page.locator(".facts")).to_contain_text("暗証番号の再設定")
    expect(page.locator(".facts")).to_contain_text("手順 2「窓口で再設定する」")
    store.add_resident_message(store.get(record.id), "すみません、まだ待っていればいいですか")
    expect(chat).to_contain_text("すみません、まだ待っていればいいですか", timeout=10_000)  # appears by polling
    page.get_by_label("住民への返信").fill(
        "お待たせしました。市民課の鈴木です。ロックされた暗証番号は、窓口で再設定できます。"
        "マイナンバーカードと、運転免許証などの本人確認書類をお持ちください。")
    page.get_by_role("button", name="返信を送る").click()
    expect(chat.locator(".msg-staff")).to_contain_text("市民課の鈴木です", timeout=10_000)
    expect(page.get_by_label("住民への返信")).to_have_value("")
    expect(page.locator("#status-label")).to_have_text("対応中", timeout=10_000)
    expect(page.locator("#status-label")).to_have_class("badge badge-assigned")
    expect(page.get_by_text("あなたが担当しています。")).to_be_visible()
    expect(page.get_by_role("button", name="担当する")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "03-conversation.png"))
    assert serious_violations(page, "conversation") == []

    # resolve
    page.get_by_label("対応結果").select_option("in_person")
    page.get_by_label("メモ（職員だけが見ます）").fill("窓口での再設定を案内。明日来庁予定。")
    page.get_by_role("button", name="解決にして終える").click()
    expect(page.get_by_text("相談を終了にしました。")).to_be_visible()
    expect(page.locator("#status-label")).to_have_text("解決")
    expect(page.locator("#reply-form")).to_have_count(0)
    expect(chat).to_contain_text("職員との相談を終わりました。")
    page.screenshot(path=str(SHOTS / "04-resolved.png"))

    # the resolved handoff among past ones
    page.get_by_role("link", name="過去の相談を探す").click()
    page.get_by_label("話題").select_option("pin_forgotten_locked")
    page.get_by_label("対応結果").select_option("in_person")
    page.get_by_role("button", name="探す").click()
    expect(page.locator("#result-count")).to_have_text("1件")
    expect(page.locator("table.results tbody tr")).to_contain_text("窓口での手続きを案内した")
    page.screenshot(path=str(SHOTS / "05-search.png"))

    stored = store.get(record.id)
    assert (stored.status, stored.outcome, stored.staff.username) == ("resolved", "in_person", "suzuki")
    assert stored.staff_notes == "窓口での再設定を案内。明日来庁予定。"
    messages = store.messages(record.id)
    assert [m.author for m in messages] == ["resident", "staff", "bot"]
    assert messages[1].delivered_at is None and messages[1].text.startswith("お待たせしました。市民課の鈴木です。")
    assert [b["title"] for b in messages[2].buttons] == ["1 とても不満", "2 不満", "3 ふつう", "4 満足", "5 とても満足"]
    assert [e.action for e in console.accounts.audit_entries(handoff_id=record.id)] == ["view", "resolve", "reply", "view"]
    assert store.get(kiosk.id).status == "waiting"
    assert page.problems == [], page.problems  # no script errors, no CSP violations
    assert all((SHOTS / name).stat().st_size > 10_000 for name in os.listdir(SHOTS) if name.endswith(".png"))


WATCH_LIVE_REGIONS = """() => {
    window.announced = [];
    const regions = document.querySelectorAll('[aria-live], [role=status], [role=alert]');
    const observer = new MutationObserver(() => regions.forEach((r) => {
        const text = r.textContent.trim();
        if (text && !r.hidden && r.dataset.said !== text) { r.dataset.said = text; window.announced.push(text); }
    }));
    regions.forEach((r) => { r.dataset.said = r.textContent.trim();
        observer.observe(r, {childList: true, subtree: true, characterData: true, attributes: true}); });
}"""


def test_the_queue_refreshes_in_place_keeps_focus_and_announces_only_a_new_handoff(console, page):
    from playwright.sync_api import expect

    store = console.store
    for record in store.queue():  # a queue of this test's own
        store.cancel(record)
    first, _ = store.open(conversation_id=f"web-{uuid.uuid4().hex[:8]}", channel="rest", reason="asked",
                          transcript=[{"who": "resident", "text": "申請の写真のサイズは？", "at": at(utcnow())}])
    store.open(conversation_id=f"web-{uuid.uuid4().hex[:8]}", channel="rest", reason="nlu_failure",
               transcript=[{"who": "resident", "text": "はがきをなくしました", "at": at(utcnow())}])
    log_in(console, page)
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(2)
    link = rows.nth(0).get_by_role("link", name="開く")
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # as a keyboard user gets there
    page.evaluate(WATCH_LIVE_REGIONS)
    console.backdate(first.id, utcnow() - dt.timedelta(minutes=12))  # its row changes: 12分, a long wait
    expect(rows.nth(0).locator("td.wait")).to_have_text("12分", timeout=12_000)
    page.wait_for_timeout(5_500)  # one more refresh
    focused = "() => document.activeElement.getAttribute('href')"
    assert page.evaluate(focused) == f"/staff/handoffs/{first.id}"
    assert page.evaluate("window.announced") == []  # nothing said while nothing new came
    assert serious_violations(page, "queue") == []

    page.get_by_label("新しい相談を音で知らせる").check()
    link.focus()
    kiosk, _ = store.open(conversation_id=f"kiosk-{uuid.uuid4().hex[:8]}", channel="kiosk", reason="kiosk_call",
                          kiosk_id="5", transcript=[{"who": "resident", "text": "［ボタン］/human_help_request",
                                                     "at": at(utcnow())}])
    expect(rows).to_have_count(3, timeout=12_000)
    banner = page.locator("#new-handoff")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("キオスク 5 が職員を呼んでいます")
    expect(rows.nth(2)).to_have_class(re.compile(r"\bis-new\b"))
    expect(rows.nth(2)).to_contain_text("「［ボタン］職員を呼ぶ」")
    assert page.evaluate(focused) == f"/staff/handoffs/{first.id}"
    assert page.locator("#queue-sound").get_attribute("data-chimes") == "1"
    page.screenshot(path=str(SHOTS / "06-queue-new-handoff.png"))
    page.wait_for_timeout(6_000)
    announced = page.evaluate("window.announced")
    assert announced == ["新しい相談が届きました：キオスク 5 が職員を呼んでいます"], announced
    assert page.locator("#queue-sound").get_attribute("data-chimes") == "1"
    page.get_by_role("button", name="確認しました").click()
    expect(banner).to_be_hidden()
    assert page.problems == [], page.problems
    store.cancel(kiosk)


def test_a_closed_handoff_shows_every_message(console, page):
    from playwright.sync_api import expect

    store = console.store
    start = utcnow() - dt.timedelta(minutes=40)
    lines = [{"who": "resident" if n % 2 == 0 else "bot", "text": f"やりとり {n + 1} 番目の文です。" * 3,
              "at": at(start + dt.timedelta(seconds=30 * n))} for n in range(24)]
    record, _ = store.open(conversation_id=f"web-{uuid.uuid4().hex[:8]}", channel="rest", reason="asked",
                           transcript=lines)
    username = log_in(console, page, role="admin")
    staff = console.accounts.staff_by_username(username)
    for n in range(4):
        store.add_resident_message(store.get(record.id), f"引き継ぎ後の質問 {n + 1}")
        store.reply(record.id, staff.id, f"職員の答え {n + 1}")
    store.resolve(record.id, staff.id, "answered", "", closing_text="職員との相談を終わりました。", closing_buttons=[])
    page.goto(f"{console.url}/staff/handoffs/{record.id}")
    chat = page.locator("#chat")
    expect(chat).to_contain_text("職員との相談を終わりました。")
    hidden = page.evaluate("() => { const c = document.getElementById('chat'); return c.scrollHeight - c.clientHeight; }")
    assert hidden <= 1, f"{hidden}px of the conversation are hidden in its box"
    page.get_by_text("職員の答え 4").scroll_into_view_if_needed()
    expect(page.get_by_text("職員の答え 4")).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / "07-closed-handoff.png"), full_page=True)
    assert serious_violations(page, "closed-handoff") == []
    for name in ("search", "audit"):
        page.goto(f"{console.url}/staff/{name}?q=1")
        assert serious_violations(page, name) == [], name
    assert page.problems == [], page.problems
