"""The kiosk's ふりがな switch reaches every text the resident reads, its dialogs too (take-home QR code, idle
countdown, おわる while staff are called), the notes and labels the page writes itself; おわる takes it off
everywhere. At 390×844 and 1080×1920, screenshots in test-artifacts/kiosk/dialog-furigana-*.png."""
import pytest

from tests.helpers.kiosk_browser import KIOSK, PHONE, SHOTS, browser, kiosk_page, press, wait_for_reply  # noqa: F401
from tests.helpers.kiosk_look import line_faults, open_tools

pytestmark = [pytest.mark.model, pytest.mark.browser]

SIZES = {"kiosk": KIOSK, "phone": PHONE}
TERMINAL = {"kiosk": "41", "phone": "42"}

# Visible text with kanji outside a <ruby> (the resident's own words, the typing field and the page's title aside).
WITHOUT_READINGS_JS = """() => { const found = [];
    const walk = document.createTreeWalker(document.getElementById('kiosk'), NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const parent = n.parentElement;
      if (!/[\\u3400-\\u9fff々]/.test(n.data) || !parent.getClientRects().length) continue;
      if (parent.closest('ruby, textarea, .message.resident .text, .visually-hidden, .title')) continue;
      found.push(n.data.trim());
    }
    return found; }"""


def without_readings(page):
    return page.evaluate(WITHOUT_READINGS_JS)


@pytest.mark.parametrize("size", SIZES)
def test_furigana_reaches_the_dialogs_and_the_pages_own_texts(browser, assistant, size):
    page = kiosk_page(browser, assistant, SIZES[size], TERMINAL[size])
    shot = lambda name: page.screenshot(path=str(SHOTS / f"dialog-furigana-{name}-{size}.png"))  # noqa: E731
    open_tools(page)
    page.locator("#furigana").click()
    page.locator("#easy").click()  # its note in the header and in the conversation
    press(page, "暗証番号")
    press(page, page.locator(".message.bot").last.locator(".choice").first.inner_text())
    assert page.locator(".message.bot").last.locator(".take-home rt").count() > 0
    assert without_readings(page) == []

    page.locator(".message.bot").last.locator(".take-home").click()
    assert page.locator("#qr").is_visible()
    assert page.locator("#qr-title rt").count() and page.locator("#qr-source rt").count()
    assert page.locator("#qr-close rt").all_inner_texts() == ["と"]
    assert without_readings(page) == [] and line_faults(page, "#qr p, #qr h2") == []
    shot("1-qr")
    page.locator("#qr-close").click()

    # The countdown's seconds keep changing under the readings of the words around them.
    page.wait_for_selector("#idle:not([hidden])", timeout=60000)
    assert without_readings(page) == []
    first = page.locator("#idle-seconds").inner_text()
    page.wait_for_function("s => document.getElementById('idle-seconds').textContent !== s", arg=first, timeout=5000)
    assert page.locator("#idle rt").count() >= 4 and line_faults(page, "#idle p, #idle h2") == []
    shot("2-idle")
    page.locator("#idle-continue").click()

    before = page.locator(".message.bot").count()
    page.locator("#call-staff").click()
    wait_for_reply(page, before)
    page.locator("#finish").click()
    assert page.locator("#leave").is_visible()
    assert page.locator("#leave-title rt").all_inner_texts() == ["しょくいん", "よ"]
    assert page.locator("#leave-stay rt").all_inner_texts() == ["ま"]
    assert without_readings(page) == [] and line_faults(page, "#leave p, #leave h2") == []
    shot("3-leave")

    page.locator("#leave-stay").click()
    open_tools(page)
    page.locator("#furigana").click()  # off: no reading left anywhere, the hidden dialogs included
    assert page.locator("#kiosk rt").count() == 0
    page.locator("#finish").click()
    assert page.locator("#leave-text").inner_text() == "おわると、職員の呼び出しを取り消して、画面を消します。よろしいですか？"
    page.locator("#leave-stay").click()
    page.locator("#furigana").click()
    assert page.locator("#qr rt").count() > 0
    page.locator("#finish").click()
    page.locator("#leave-confirm").click()
    page.wait_for_function("() => document.querySelectorAll('.message').length === 1")
    # おわる: the next resident starts without furigana, in the header and the dialogs as well.
    assert page.locator("#furigana").get_attribute("aria-pressed") == "false"
    assert page.locator("#kiosk rt").count() == 0
    page.context.close()
