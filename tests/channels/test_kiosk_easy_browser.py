"""The kiosk in easy mode, in a real browser: an answer shows its やさしい日本語 text, and a text without one says so."""
import pytest

from tests.helpers.kiosk_browser import SHOTS, bot_texts, browser, kiosk, press  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.model, pytest.mark.browser]


def test_easy_mode_shows_easy_answers_and_labels_a_text_without_easy_form(kiosk, knowledge):
    kiosk.locator("#easy").click()
    press(kiosk, "暗証番号")
    question = kiosk.locator(".message.bot").nth(kiosk.locator(".message.bot").count() - 1)  # this one, not the last
    assert "どの暗証番号" in bot_texts(kiosk)[-1]
    assert question.locator(".no-easy").inner_text() == "この文は、やさしい日本語ではありません。"
    title = question.locator(".choice").first.inner_text()
    entry = next(e for e in knowledge.topics["pin_forgotten_locked"].entries if e.label == title)
    press(kiosk, title)
    answer = kiosk.locator(".message.bot").last
    assert entry.easy.split("\n")[0] in answer.locator(".text").inner_text()
    assert answer.locator(".no-easy").count() == 0
    kiosk.locator("#furigana").click()
    assert question.locator(".no-easy rt").all_inner_texts() == ["ぶん", "にほんご"]
    kiosk.screenshot(path=str(SHOTS / "9-easy-mode-labels-kiosk.png"))
