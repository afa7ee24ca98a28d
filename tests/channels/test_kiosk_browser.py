"""The kiosk page in a real browser (Playwright driving Debian's Chromium), at kiosk (1080×1920 portrait)
and phone sizes, as an elderly resident uses it: buttons, furigana, easy Japanese, a guide, the staff call,
the idle reset; with an accessibility check (axe-core) and screenshots in test-artifacts/kiosk/."""
import json

import pytest

from assistant.staff.accounts import StaffAccounts
from tests.helpers.browser import axe_source
from tests.helpers.kiosk_browser import KIOSK, PHONE, SHOTS, bot_texts, browser, kiosk, press, wait_for_reply  # noqa: F401

pytestmark = [pytest.mark.model, pytest.mark.browser]


def test_start_screen_has_the_topic_menu_in_large_touch_targets(kiosk):
    titles = kiosk.locator(".menu .choice").all_inner_texts()
    assert titles == ["申請", "受取", "暗証番号", "なくした", "更新", "引越し", "保険証", "マイナポータル", "その他"]
    body = kiosk.evaluate("getComputedStyle(document.body).fontSize")
    assert float(body.rstrip("px")) >= 24
    for box in [kiosk.locator(sel).first.bounding_box() for sel in (".menu .choice", "#call-staff", "#finish", "#furigana")]:
        assert box["height"] >= 48 and box["width"] >= 48
    kiosk.screenshot(path=str(SHOTS / "1-start-kiosk.png"))


def test_a_topic_button_then_a_sub_question_answers_with_source_and_qr(kiosk):
    press(kiosk, "暗証番号")
    assert "どの暗証番号" in bot_texts(kiosk)[-1]
    press(kiosk, kiosk.locator(".message .choice").last.inner_text())
    answer = bot_texts(kiosk)[-1]
    assert "\n出典：" in answer or "\n参考：" in answer  # its source, or another city's page as a reference
    take_home = kiosk.locator(".message.bot").last.locator(".take-home")
    with kiosk.expect_response(lambda r: "/qr?url=" in r.url) as qr_response:
        take_home.click()
    assert qr_response.value.status == 200 and qr_response.value.header_value("content-type") == "image/svg+xml"
    kiosk.locator("#qr-image").wait_for(state="visible")
    kiosk.wait_for_function("document.getElementById('qr-image').complete")
    assert kiosk.locator("#qr .desk").inner_text().count("0120-000-111") == 1
    # The dialog has the focus; it names the page in words, and neither it nor the answer shows an address.
    assert kiosk.evaluate("document.activeElement.closest('#qr') !== null")
    assert kiosk.locator("#qr-source").inner_text().strip() and "http" not in kiosk.locator("#qr").inner_text()
    assert "http" not in answer and "http" not in kiosk.locator(".message.bot").last.inner_text()
    kiosk.screenshot(path=str(SHOTS / "2-answer-qr-kiosk.png"))
    kiosk.keyboard.press("Tab")  # Tab stays in the dialog
    assert kiosk.evaluate("document.activeElement.closest('#qr') !== null")
    kiosk.locator("#qr-close").click()
    assert kiosk.evaluate("document.activeElement.classList.contains('take-home')")  # back where the resident was


def test_free_text_question_with_furigana_on_and_off(kiosk):
    before = kiosk.locator(".message.bot").count()
    kiosk.fill("#question", "マイナンバーカードを落としてしまいました")
    kiosk.locator(".send").click()
    wait_for_reply(kiosk, before)
    assert "0120-95-0178" in bot_texts(kiosk)[-1]
    assert kiosk.locator(".message.bot ruby").count() == 0
    kiosk.locator("#furigana").click()
    assert kiosk.locator("#furigana").get_attribute("aria-pressed") == "true"
    readings = kiosk.locator(".message.bot").last.locator("rt").all_inner_texts()
    assert {"いちじていし", "でんわ", "むりょう"} <= set(readings)
    assert kiosk.locator(".menu .choice rt").count() > 0  # button titles too
    kiosk.screenshot(path=str(SHOTS / "3-furigana-kiosk.png"))
    kiosk.locator("#furigana").click()
    assert kiosk.locator(".message.bot ruby").count() == 0


def test_a_guide_step_by_step_in_easy_japanese_with_the_large_text(kiosk, knowledge):
    guide = knowledge.guides["apply_pc"]
    kiosk.locator("#size-xlarge").click()
    assert kiosk.evaluate("getComputedStyle(document.body).fontSize") == "34px"
    kiosk.locator("#easy").click()
    before = kiosk.locator(".message.bot").count()
    kiosk.fill("#question", "パソコンで申請するやり方を教えて")
    kiosk.locator(".send").click()
    wait_for_reply(kiosk, before)
    while "手順 1/" not in bot_texts(kiosk)[-1]:
        press(kiosk, kiosk.locator(".message.bot").last.locator(".choice").first.inner_text())
    assert guide.steps[0].easy.split("\n")[0] in bot_texts(kiosk)[-1]
    press(kiosk, "できた")
    assert "手順 2/" in bot_texts(kiosk)[-1]
    kiosk.screenshot(path=str(SHOTS / "4-guide-easy-xlarge-kiosk.png"))
    before = kiosk.locator(".message.bot").count()
    kiosk.locator("#easy").click()  # back to ordinary Japanese: the step on the screen changes where it is
    assert guide.steps[1].text.split("\n")[0][:20] in bot_texts(kiosk)[-1]
    assert kiosk.locator(".message.bot").count() == before  # no new message: the guide stays at its step


def test_call_staff_opens_an_in_person_handoff_for_this_kiosk(kiosk, assistant):
    before = kiosk.locator(".message.bot").count()
    kiosk.locator("#call-staff").click()
    wait_for_reply(kiosk, before)
    assert "職員を呼びました（キオスク 7）" in bot_texts(kiosk)[-1]
    waiting = [h for h in assistant.store.queue() if h.kiosk_id == "7"]
    assert len(waiting) == 1 and waiting[0].channel == "kiosk" and waiting[0].reason == "kiosk_call"
    staff = StaffAccounts(assistant.store.engine).create_staff("kiosk-staff", "窓口 田中", "x")
    assistant.store.reply(waiting[0].id, staff.id, "すぐに参ります。")
    kiosk.wait_for_selector(".message.staff", timeout=15000)
    assert "すぐに参ります" in kiosk.locator(".message.staff").last.inner_text()
    kiosk.screenshot(path=str(SHOTS / "5-staff-called-kiosk.png"))
    assistant.store.resolve(waiting[0].id, staff.id, "in_person", "")


def test_finish_clears_the_screen_and_starts_a_new_conversation(kiosk):
    senders = []
    kiosk.on("request", lambda r: senders.append(json.loads(r.post_data)["sender"]) if r.url.endswith("/webhook") else None)
    press(kiosk, "受取")
    kiosk.locator("#finish").click()
    assert kiosk.locator(".message.resident").count() == 0
    assert kiosk.locator(".message.bot").count() == 1  # the start screen only
    press(kiosk, "申請")
    assert len(senders) == 2 and senders[0] != senders[1]


def test_idle_countdown_then_the_screen_is_cleared(browser, assistant):
    context = browser.new_context(viewport=PHONE, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{assistant.url}/webhooks/kiosk/page?kiosk=8")
    page.wait_for_selector(".menu .choice")
    press(page, "更新")
    page.screenshot(path=str(SHOTS / "6-phone.png"), full_page=False)
    page.wait_for_selector("#idle:not([hidden])", timeout=60000)
    assert page.evaluate("document.activeElement.id") == "idle-continue"
    page.screenshot(path=str(SHOTS / "7-idle-countdown-phone.png"))
    page.wait_for_selector("#idle", state="hidden", timeout=60000)
    assert page.locator(".message.resident").count() == 0
    assert page.locator(".message.bot").count() == 1  # the start screen only
    context.close()


def test_no_serious_accessibility_violations(browser, assistant):
    axe = axe_source()
    context = browser.new_context(viewport=KIOSK, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{assistant.url}/webhooks/kiosk/page?kiosk=9")
    page.wait_for_selector(".menu .choice")
    press(page, "なくした")
    page.fill("#question", "ありがとう")  # an answer without buttons: the conversation still takes the focus to scroll
    page.locator(".send").click()
    page.wait_for_function("() => document.querySelectorAll('.message.bot').length > 2", timeout=30000)
    page.evaluate(axe)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
               if v["impact"] in ("serious", "critical") or v["id"] in ("region", "scrollable-region-focusable")]
    (SHOTS / "axe.json").write_text(json.dumps(result["violations"], ensure_ascii=False, indent=1), encoding="utf-8")
    assert serious == []
    context.close()


def test_only_the_latest_message_keeps_active_buttons(kiosk):
    press(kiosk, "暗証番号")
    assert kiosk.locator(".menu .choice:not([disabled])").count() == 0  # the start menu has passed
    latest = kiosk.locator(".message.bot").last.locator(".choice")
    assert latest.count() > 0 and kiosk.locator(".message.bot").last.locator(".choice[disabled]").count() == 0
    style = kiosk.evaluate("getComputedStyle(document.querySelector('.menu .choice')).borderStyle")
    assert style == "dashed"  # a switched-off button looks switched off


def test_back_to_the_first_menu_keeps_furigana_and_text_size(kiosk):
    press(kiosk, "受取")
    kiosk.locator("#furigana").click()
    kiosk.locator("#size-xlarge").click()
    kiosk.locator("#menu-again").click()
    last = kiosk.locator("#log > .message").last
    assert "start" in last.get_attribute("class") and last.locator(".choice:not([disabled])").count() == 9
    assert last.locator("rt").count() > 0 and kiosk.evaluate("getComputedStyle(document.body).fontSize") == "34px"
    assert kiosk.locator(".message.resident").count() == 1  # the conversation so far stays
    press(kiosk, "申請")
    assert "申請" in bot_texts(kiosk)[-1] and kiosk.locator(".message.bot").last.locator("rt").count() > 0


def test_resident_text_is_at_least_24_px(kiosk):
    press(kiosk, "更新")
    kiosk.locator("#easy").click()  # a notice
    sizes = kiosk.evaluate("""() => Array.from(document.querySelectorAll('#kiosk *'))
        .filter((e) => e.getClientRects().length && !e.closest('rt, template, .visually-hidden')
                 && Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim()))
        .map((e) => [e.textContent.trim().slice(0, 12), parseFloat(getComputedStyle(e).fontSize)])""")
    small = [(text, size) for text, size in sizes if size < 24]
    assert sizes and small == []


def test_the_server_has_a_small_icon(assistant):
    import urllib.request

    with urllib.request.urlopen(f"{assistant.url}/favicon.ico", timeout=10) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("image/")
        assert 0 < len(resp.read()) < 20000


