"""The kiosk while a resident waits for staff, and on a phone: no idle wipe during a staff call, おわる
that asks and cancels the call, answers that open at their first line, switches that keep the place,
a compact phone header (screenshots in test-artifacts/kiosk/)."""
import pytest

from assistant.handoff.door import LEFT_NOTE
from assistant.handoff.profile import SATISFACTION_TITLES, satisfaction_buttons
from assistant.staff.accounts import StaffAccounts
from tests.helpers.kiosk_browser import KIOSK, PHONE, SHOTS, browser, kiosk_page, press, wait_for_reply  # noqa: F401

pytestmark = [pytest.mark.model, pytest.mark.browser]

IDLE_AND_COUNTDOWN_MS = (15 + 3) * 1000  # the test servers' kiosk: 0.25 min without a touch, then 3 s


def call_staff(page, assistant, number: str):
    before = page.locator(".message.bot").count()
    page.locator("#call-staff").click()
    wait_for_reply(page, before)
    waiting = [h for h in assistant.store.queue() if h.kiosk_id == number]
    assert len(waiting) == 1
    return waiting[0]


def top_in_view(page, selector_js: str) -> float:
    """How far below the conversation's top edge an element starts (negative: above the view)."""
    return page.evaluate(f"""() => {{ const log = document.getElementById('log');
        const el = {selector_js};
        return el.getBoundingClientRect().top - log.getBoundingClientRect().top; }}""")


def test_waiting_for_staff_the_screen_stays_past_the_idle_time(browser, assistant):
    page = kiosk_page(browser, assistant, PHONE, "21")
    press(page, "受取")
    record = call_staff(page, assistant, "21")
    assert page.locator("#waiting").is_visible()
    page.wait_for_timeout(IDLE_AND_COUNTDOWN_MS + 5000)
    assert page.locator("#idle").is_hidden()
    assert page.locator(".message.resident").count() == 2 and page.locator("#waiting").is_visible()
    page.screenshot(path=str(SHOTS / "8-waiting-after-idle-time-phone.png"))
    staff = StaffAccounts(assistant.store.engine).create_staff("kiosk-wait", "窓口 佐藤", "x")
    assistant.store.reply(record.id, staff.id, "いま参ります。")
    page.wait_for_selector(".message.staff", timeout=15000)
    # Staff close the chat: the satisfaction question comes with worded buttons, and the wait is over.
    assistant.store.resolve(record.id, staff.id, "in_person", "", closing_text="相談を終わりました。",
                            closing_buttons=satisfaction_buttons())
    page.wait_for_selector(".choice:has-text('とても満足')", timeout=15000)
    titles = page.locator(".message.bot").last.locator(".choice").all_inner_texts()
    assert titles == list(SATISFACTION_TITLES)
    assert page.locator("#waiting").is_hidden()
    page.context.close()


def test_finish_while_waiting_asks_then_cancels_the_call(browser, assistant):
    page = kiosk_page(browser, assistant, KIOSK, "22")
    record = call_staff(page, assistant, "22")
    page.locator("#finish").click()
    assert page.locator("#leave").is_visible() and page.evaluate("document.activeElement.id") == "leave-stay"
    page.locator("#leave-stay").click()  # 待つ: nothing changes
    assert page.locator("#leave").is_hidden() and page.locator(".message.resident").count() == 1
    assert assistant.store.get(record.id).status == "waiting"
    page.locator("#finish").click()
    with page.expect_response(lambda r: r.url.endswith("/leave")) as left:
        page.locator("#leave-confirm").click()
    assert left.value.status == 200
    page.wait_for_function("() => document.querySelectorAll('.message').length === 1")  # the start screen only
    assert page.locator("#waiting").is_hidden()
    assert assistant.store.get(record.id).status == "cancelled"
    assert assistant.store.messages(record.id)[-1].text == LEFT_NOTE  # staff read that the resident left
    page.context.close()


def pin_answer(page) -> str:
    """Asks about the PIN and picks its first sub-question; a script expression for the answer's element."""
    press(page, "暗証番号")
    press(page, page.locator(".message.bot").last.locator(".choice").first.inner_text())
    return "[...document.querySelectorAll('#log > .message.resident')].pop().nextElementSibling"


def test_a_new_answer_opens_at_its_first_line_on_a_phone(browser, assistant):
    page = kiosk_page(browser, assistant, PHONE, "23")
    page.locator("#show-tools").click()
    page.locator("#size-xlarge").click()
    page.locator("#show-tools").click()
    answer = pin_answer(page)
    height = page.evaluate(f"{answer}.offsetHeight")
    assert height > page.evaluate("document.getElementById('log').clientHeight")  # longer than the view
    assert 0 <= top_in_view(page, answer) < 260  # its first line is in view, under the question
    page.screenshot(path=str(SHOTS / "9-phone-answer-first-line.png"))
    page.context.close()


def test_switches_keep_the_reading_place(browser, assistant):
    page = kiosk_page(browser, assistant, PHONE, "24")
    press(page, "更新")
    for title in ("引越し", "保険証"):
        page.locator("#menu-again").click()
        press(page, title)
    # The resident scrolls back to the first answer and reads it; then turns furigana on and the text bigger.
    first = "document.querySelectorAll('#log > .message.bot')[1]"
    page.evaluate(f"document.getElementById('log').scrollTop = {first}.offsetTop")
    assert abs(top_in_view(page, first)) < 2
    page.locator("#show-tools").click()
    page.locator("#furigana").click()
    assert abs(top_in_view(page, first)) < 30
    page.locator("#size-xlarge").click()
    assert abs(top_in_view(page, first)) < 30
    page.context.close()


def test_easy_japanese_on_a_phone_leaves_the_answer_read_in_view(browser, assistant):
    page = kiosk_page(browser, assistant, PHONE, "26")
    page.locator("#show-tools").click()
    page.locator("#furigana").click()
    page.locator("#size-xlarge").click()
    answer = pin_answer(page)
    page.evaluate(f"document.getElementById('log').scrollTop = {answer}.offsetTop")  # reading it from its start
    page.locator("#show-tools").click()
    page.locator("#easy").click()
    # Its first line stays at the top of the conversation, in the upper half of the screen (not under the header
    # with the switches and the note), and the note says what the switch did.
    top = page.evaluate(f"{answer}.getBoundingClientRect().top")
    assert abs(top_in_view(page, answer)) < 30 and top < PHONE["height"] / 2
    assert page.locator("#switch-note").is_visible()
    page.screenshot(path=str(SHOTS / "12-phone-easy-answer-in-view.png"))
    page.context.close()


def test_phone_header_is_compact_and_the_call_stays_in_view(browser, assistant):
    page = kiosk_page(browser, assistant, PHONE, "25")
    page.screenshot(path=str(SHOTS / "11-phone-start.png"))
    header = page.locator("header").bounding_box()
    assert header["height"] <= 170
    log = page.locator("#log").bounding_box()
    last_menu = page.locator(".menu .choice").last.bounding_box()
    assert last_menu["y"] + last_menu["height"] <= log["y"] + log["height"]  # the whole menu without scrolling
    for button in ("#call-staff", "#finish", "#menu-again", "#show-tools"):
        box = page.locator(button).bounding_box()
        assert box["height"] >= 48 and box["y"] + box["height"] <= header["y"] + header["height"]
    call_staff(page, assistant, "25")
    page.evaluate("document.getElementById('log').scrollTop = 0")
    banner = page.locator("#waiting").bounding_box()
    assert page.locator("#waiting").is_visible() and banner["y"] >= 0 and banner["y"] + banner["height"] <= PHONE["height"]
    page.screenshot(path=str(SHOTS / "10-phone-staff-called.png"))
    page.context.close()
