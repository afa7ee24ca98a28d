"""The kiosk page in Chromium: the browser and a kiosk page (fixtures), pressing a button, reading the replies."""
from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.helpers.browser import chromium

SHOTS = ARTIFACTS / "kiosk"
KIOSK = {"width": 1080, "height": 1920}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium for the module's kiosk pages."""
    with chromium() as browser:
        SHOTS.mkdir(parents=True, exist_ok=True)
        yield browser


@pytest.fixture
def kiosk(browser, assistant):
    """The kiosk page of kiosk 7 at kiosk size, its topic menu shown."""
    context = browser.new_context(viewport=KIOSK, device_scale_factor=1, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{assistant.url}/webhooks/kiosk/page?kiosk=7")
    page.wait_for_selector(".menu .choice")
    yield page
    context.close()


def bot_texts(page):
    return page.locator(".message.bot .text, .message.staff .text").all_inner_texts()


def wait_for_reply(page, count_before: int):
    page.wait_for_function(
        "n => document.querySelectorAll('.message.bot, .message.staff').length > n", arg=count_before, timeout=30000)


def press(page, title: str):
    """Presses the latest active button with that title and waits for the reply."""
    before = page.locator(".message.bot, .message.staff").count()
    page.locator(".message .choice:not([disabled])", has_text=title).last.click()
    wait_for_reply(page, before)


def kiosk_page(browser, assistant, viewport, number: str):
    """A kiosk page at the viewport's size for kiosk `number`, its topic menu shown."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{assistant.url}/webhooks/kiosk/page?kiosk={number}")
    page.wait_for_selector(".menu .choice")
    return page
