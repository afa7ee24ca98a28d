"""The kiosk as an 80-year-old resident sees it, at 1080×1920 and 390×844: rating buttons as large as the menu's
under their question, header labels whole at 文字 大 and 特大, the icon and assets through public routes, and a
walk through a visit (hiragana question, ふりがな, やさしい日本語, a guide, 職員を呼ぶ, おわる) with screenshots
in test-artifacts/kiosk/look-*.png and axe-core."""
import urllib.error
import urllib.request

import pytest

from tests.helpers.kiosk_browser import (KIOSK, PHONE, SHOTS, bot_texts, browser, kiosk_page,  # noqa: F401
                                         press, wait_for_reply)
from tests.helpers.kiosk_look import MIN_TARGET, cut_labels, open_tools, serious_axe

pytestmark = [pytest.mark.model, pytest.mark.browser]

SIZES = {"kiosk": KIOSK, "phone": PHONE}
TERMINAL = {"kiosk": "1", "phone": "2"}  # the last digit of the kiosk numbers these tests use


def ask(page, text: str) -> None:
    before = page.locator(".message.bot, .message.staff").count()
    page.fill("#question", text)
    page.locator(".send").click()
    wait_for_reply(page, before)


def last_plain(page) -> str:
    """The latest reply's text without its readings (with ふりがな on, inner_text holds them too)."""
    return page.locator(".message.bot .text, .message.staff .text").last.get_attribute("data-plain") or ""


@pytest.mark.parametrize("size", SIZES)
def test_rating_buttons_are_as_large_as_the_menu_and_ask_their_question(browser, assistant, size):
    page = kiosk_page(browser, assistant, SIZES[size], "5" + TERMINAL[size])
    menu = page.locator(".menu .choice").first.bounding_box()
    ask(page, "あんしょうばんごうをわすれました")
    answer = page.locator(".message.bot").last
    rating = answer.locator(".rating")
    assert rating.get_attribute("role") == "group"
    assert rating.locator(".rating-question").inner_text() == "この答えは、役に立ちましたか？"
    assert rating.locator(".choice").all_inner_texts() == ["役に立った", "役に立たなかった"]
    # Not among the answer's other buttons, and each at least as large as a menu button.
    assert answer.locator(".buttons:not(.rating-buttons) .choice", has_text="役に立").count() == 0
    for box in [rating.locator(".choice").nth(i).bounding_box() for i in range(2)]:
        assert box["height"] >= max(MIN_TARGET, menu["height"]) and box["width"] >= menu["width"]
    answer.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"look-rating-{size}.png"))
    press(page, "役に立った")
    assert "ありがとうございます" in bot_texts(page)[-1]


@pytest.mark.parametrize("size", SIZES)
def test_header_labels_read_in_full_at_both_text_sizes(browser, assistant, size):
    page = kiosk_page(browser, assistant, SIZES[size], "6" + TERMINAL[size])
    assert cut_labels(page) == []
    open_tools(page)
    assert cut_labels(page) == []
    page.screenshot(path=str(SHOTS / f"look-header-large-{size}.png"))
    page.locator("#size-xlarge").click()
    assert page.locator("html.size-xlarge").count() == 1
    assert cut_labels(page) == []
    page.screenshot(path=str(SHOTS / f"look-header-xlarge-{size}.png"))
    assert serious_axe(page) == []
    if size == "phone":  # the long menu label stays on one line (never 「マイナポ／ータル」)
        portal = page.locator(".menu .choice", has_text="マイナポータル")
        assert portal.evaluate("b => { const r = document.createRange(); r.selectNodeContents(b);"
                               " return new Set(Array.from(r.getClientRects()).map((x) => Math.round(x.top))).size; }") == 1


def test_icon_and_kiosk_files_through_public_routes(assistant):
    with urllib.request.urlopen(f"{assistant.url}/favicon.ico", timeout=10) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "image/x-icon"
        modified = resp.headers["Last-Modified"]
        assert 0 < len(resp.read()) < 20000
    again = urllib.request.Request(f"{assistant.url}/favicon.ico", headers={"If-Modified-Since": modified})
    with pytest.raises(urllib.error.HTTPError) as unchanged:
        urllib.request.urlopen(again, timeout=10)
    assert unchanged.value.code == 304
    for name, kind in (("kiosk.css", "text/css"), ("kiosk.js", "javascript")):
        with urllib.request.urlopen(f"{assistant.url}/webhooks/kiosk/static/{name}", timeout=10) as resp:
            assert resp.status == 200 and kind in resp.headers["Content-Type"]


@pytest.mark.parametrize("size", SIZES)
def test_a_visit_as_an_80_year_old_resident(browser, assistant, size):
    page = kiosk_page(browser, assistant, SIZES[size], "7" + TERMINAL[size])
    shot = lambda step: page.screenshot(path=str(SHOTS / f"look-{size}-{step}.png"))  # noqa: E731
    shot("1-start")
    ask(page, "あんしょうばんごうをわすれました")  # in hiragana, as typed with one finger
    assert "再設定" in bot_texts(page)[-1]
    shot("2-hiragana-question")
    open_tools(page)
    page.locator("#furigana").click()
    page.locator("#size-xlarge").click()
    assert page.locator(".message.bot").last.locator("rt").count() > 0
    page.locator("#easy").click()
    # The switch says what it did where the resident looks, not at the end of the conversation.
    note = page.locator("#switch-note")
    assert note.is_visible() and "やさしい日本語" in note.inner_text() and note.bounding_box()["y"] < SIZES[size]["height"] / 2
    shot("3-furigana-xlarge-easy")
    ask(page, "パソコンでしんせいしたい")
    while "手順 1/" not in last_plain(page):
        press(page, page.locator(".message.bot").last.locator(".choice").first.inner_text())
    press(page, "できた")
    assert "手順 2/" in last_plain(page)
    steps = page.locator(".message.bot").last.locator(".choice")
    assert steps.count() >= 4 and all(steps.nth(i).bounding_box()["height"] >= MIN_TARGET for i in range(steps.count()))
    shot("4-guide-step")
    before = page.locator(".message.bot").count()
    page.locator("#call-staff").click()
    wait_for_reply(page, before)
    assert page.locator("#waiting").is_visible() and cut_labels(page) == []
    shot("5-staff-called")
    page.locator("#finish").click()
    assert page.locator("#leave").is_visible()
    shot("6-finish-asks")
    page.locator("#leave-confirm").click()  # the call is cancelled first, then the screen cleared
    page.wait_for_function("() => document.querySelectorAll('.message').length === 1")  # the start screen only
    assert page.locator(".message.resident").count() == 0 and page.locator("html.size-large").count() == 1
    assert page.locator("#switch-note").is_hidden()
    shot("7-after-finish")
    page.context.close()
