"""The kiosk's やさしい日本語 switch re-shows the answers already on the screen (and back), without asking the
assistant again and without losing the conversation; the header's buttons get furigana; another city's page is
named as a reference for a nationwide procedure. At 1080×1920 and 390×844, screenshots in
test-artifacts/kiosk/easy-again-*.png."""
import pytest

from tests.helpers.kiosk_browser import KIOSK, PHONE, SHOTS, browser, kiosk_page, press  # noqa: F401 (fixtures)
from tests.helpers.kiosk_look import cut_labels, open_tools, serious_axe

pytestmark = [pytest.mark.model, pytest.mark.browser]

SIZES = {"kiosk": KIOSK, "phone": PHONE}
TERMINAL = {"kiosk": "91", "phone": "92"}


def plain(locator) -> str:
    return locator.locator(".text").get_attribute("data-plain") or ""


@pytest.mark.parametrize("size", SIZES)
def test_the_switch_reshows_answers_on_the_screen_and_the_header_reads_with_furigana(browser, assistant, knowledge, size):
    page = kiosk_page(browser, assistant, SIZES[size], TERMINAL[size])
    shot = lambda name: page.screenshot(path=str(SHOTS / f"easy-again-{name}-{size}.png"))  # noqa: E731
    press(page, "暗証番号")
    bots = page.locator(".message.bot")
    question = bots.nth(bots.count() - 1)  # this one, not whichever is last later
    title = question.locator(".choice").first.inner_text()
    entry = next(e for e in knowledge.topics["pin_forgotten_locked"].entries if e.label == title)
    press(page, title)
    answer = bots.nth(bots.count() - 1)
    assert plain(answer).startswith(entry.answer)
    messages = page.locator("#log > *").count()

    open_tools(page)
    page.locator("#easy").click()
    # The answer on the screen is now its easy text, in place: no new message but the switch's own line.
    page.wait_for_function("n => document.querySelectorAll('#log > *').length === n + 1", arg=messages, timeout=5000)
    assert plain(answer).startswith(entry.easy) and answer.locator(".no-easy").count() == 0
    assert question.locator(".no-easy").inner_text() == "この文は、やさしい日本語ではありません。"
    assert page.locator(".message.resident").count() == 2  # the conversation stays
    assert "画面の答えも" in page.locator("#switch-note").inner_text()

    open_tools(page)  # on a phone the switches closed after やさしい日本語 (the answer stays in view)
    page.locator("#furigana").click()
    assert "<ruby>" in answer.locator(".text").inner_html()  # the easy text with readings
    readings = {key: page.locator(f"#{key} rt").all_inner_texts() for key in ("menu-again", "call-staff", "easy", "show-tools")}
    assert readings["menu-again"] == ["さいしょ"] and readings["call-staff"] == ["しょくいん", "よ"]
    assert readings["easy"] == ["にほんご"]
    if size == "phone":
        assert readings["show-tools"] == ["もじ"]
    assert page.locator("#size-large rt").all_inner_texts() == ["もじ", "だい"]
    assert cut_labels(page) == [] and serious_axe(page) == []
    shot("1-easy-furigana")

    page.locator("#easy").click()  # back: the ordinary text again, and no label left
    assert plain(answer).startswith(entry.answer) and page.locator(".no-easy").count() == 0
    open_tools(page)
    page.locator("#furigana").click()
    assert page.locator("#menu-again").inner_html() == "最初の<wbr>メニュー"
    assert page.locator(".bar rt").count() == 0
    shot("2-ordinary")
    page.context.close()


def test_another_citys_page_is_a_reference_for_a_nationwide_procedure(browser, assistant, knowledge):
    entry = knowledge.topics["address_change"].entry("overview")
    assert ".city." in entry.source  # cited from another city's page
    page = kiosk_page(browser, assistant, KIOSK, "93")
    press(page, "引越し")
    press(page, entry.label)
    shown = page.locator(".message.bot").last
    assert "\n参考：ほかの市区町村の案内（全国で同じ手続き）（" in plain(shown)
    assert "出典：参考" not in plain(shown) and "http" not in plain(shown)
    shown.locator(".take-home").click()  # the QR code still opens that page
    assert page.locator("#qr-source").inner_text() == "参考：ほかの市区町村の案内（全国で同じ手続き）"
    page.wait_for_function("() => document.getElementById('qr-image').naturalWidth > 0", timeout=10000)
    page.screenshot(path=str(SHOTS / "easy-again-3-reference-qr-kiosk.png"))
    page.context.close()
