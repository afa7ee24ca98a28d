"""The whole handoff in a real browser: a resident asks for a person on the REST channel; a staff member
logs in to the console, sees them waiting with the whole story, answers and resolves; the resident gets the
answer and the bot comes back. Screenshots in test-artifacts/handoff/."""
import os
import subprocess
import sys
import uuid

import pytest

from assistant.staff.accounts import StaffAccounts
from tests.conftest import ARTIFACTS, PROJECT_ROOT
from tests.helpers.browser import chromium, require_chromium

pytestmark = [pytest.mark.model, pytest.mark.browser]

SHOTS = ARTIFACTS / "handoff"


def create_staff(assistant, username: str, password: str) -> None:
    """As an admin would: the CLI, with the password on stdin (there is no default account)."""
    env = dict(os.environ, MADOGUCHI_DATABASE_URL=f"sqlite:///{assistant.data_dir / 'madoguchi.db'}",
               MADOGUCHI_DATA_DIR=str(assistant.data_dir))
    subprocess.run([sys.executable, "-m", "assistant.cli", "staff", "create", username, "--name", "窓口 山田",
                    "--role", "staff", "--password-stdin"], input=password + "\n", text=True, env=env,
                   cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=60)


def test_staff_answer_a_waiting_resident_in_the_console_and_the_bot_comes_back(assistant):
    require_chromium()
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    sender = f"web-{uuid.uuid4().hex[:10]}"
    assistant.send(sender, "暗証番号を3回まちがえてロックされました")
    queued = assistant.text(sender, "よくわからないので職員さんと話したいです")
    assert "職員におつなぎします" in queued
    record = assistant.store.open_handoff(sender)
    username, password = f"yamada{uuid.uuid4().hex[:4]}", "correct-horse-" + uuid.uuid4().hex[:8]
    create_staff(assistant, username, password)
    console = assistant.stack.console_url

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP").new_page()
        page.goto(f"{console}/staff/")
        page.fill("#username", username)
        page.fill("#password", password)
        page.screenshot(path=str(SHOTS / "1-login.png"))
        page.get_by_role("button", name="ログイン").click()

        # The queue: the resident is waiting, with the reason and their own words.
        row = page.locator(f"a[href='/staff/handoffs/{record.id}']").first
        expect(row).to_be_visible()
        expect(page.locator(f"tr[data-id='{record.id}'] td.said")).to_have_text("「よくわからないので職員さんと話したいです」")
        # Another resident presses a button: staff read its title, never the payload.
        pressing = f"web-{uuid.uuid4().hex[:10]}"
        assistant.send(pressing, "暗証番号を忘れました")
        assistant.send(pressing, "/human_help_request")
        pressed = assistant.store.open_handoff(pressing)
        pressed_row = page.locator(f"tr[data-id='{pressed.id}'] td.said")
        expect(pressed_row).to_have_text("「暗証番号を忘れました」", timeout=15000)
        page.goto(f"{console}/staff/handoffs/{pressed.id}")
        expect(page.locator("#chat")).to_contain_text("［ボタン］")
        assert "/human_help_request" not in page.locator("#chat").inner_text()
        page.goto(f"{console}/staff/")
        page.screenshot(path=str(SHOTS / "2-queue.png"))
        row.click()

        # The whole story: what the resident asked before the handoff.
        chat = page.locator("#chat")
        expect(chat).to_contain_text("暗証番号を3回まちがえてロックされました")
        expect(chat).to_contain_text("よくわからないので職員さんと話したいです")
        page.fill("#reply-text", "山田です。ロックの解除は、カードを持って市民課の窓口へお越しください。")
        page.get_by_role("button", name="返信を送る").click()
        expect(chat).to_contain_text("ロックの解除は")

        # The resident gets the answer on their channel and writes back; staff see it.
        inbox = assistant.post("/webhooks/rest/inbox", {"sender": sender})
        assert inbox[0]["text"] == "【職員より】山田です。ロックの解除は、カードを持って市民課の窓口へお越しください。"
        held = assistant.send(sender, "わかりました。明日行きます")
        assert held[0]["custom"]["from"] == "system"
        expect(chat).to_contain_text("わかりました。明日行きます", timeout=15000)
        page.screenshot(path=str(SHOTS / "3-conversation.png"), full_page=True)

        page.select_option("#outcome", "in_person")
        page.fill("#notes", "窓口でロック解除を案内")
        page.get_by_role("button", name="解決にして終える").click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / "4-resolved.png"), full_page=True)
        browser.close()

    closed = assistant.store.get(record.id)
    assert (closed.status, closed.outcome, closed.staff_notes) == ("resolved", "in_person", "窓口でロック解除を案内")
    closing = assistant.post("/webhooks/rest/inbox", {"sender": sender})
    assert [b["title"] for b in closing[-1]["buttons"]] == ["1 とても不満", "2 不満", "3 ふつう", "4 満足", "5 とても満足"]
    thanks = assistant.text(sender, closing[-1]["buttons"][4]["payload"])
    assert "ありがとうございました" in thanks and assistant.store.get(record.id).satisfaction == 5
    assert "出典" in assistant.text(sender, "マイナンバーカードの更新はいつですか")
    seen = [e.action for e in StaffAccounts(assistant.store.engine).audit_entries(handoff_id=record.id)]
    assert "view" in seen
