"""Answer editing end to end in Debian's Chromium: an editor logs in, finds an answer, is refused an invalid
placeholder with the field named, previews and publishes a valid text, and a resident on the REST channel gets
the new text within a minute from the running servers (no restart, no retrain). Screenshots in
test-artifacts/answers/; once the test has passed, two of them become docs/img/answers-editing-*.png."""
from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from tests.conftest import ARTIFACTS
from tests.helpers.browser import chromium, require_chromium
from tests.helpers.docs_images import to_docs
from tests.helpers.staff_browser import serious_violations

pytestmark = [pytest.mark.model, pytest.mark.browser]

SHOTS = ARTIFACTS / "answers"
QUESTION = "再発行の手数料はいくらですか"
NEW_LINE = "申請のときは、本人確認書類をお持ちください。"
EASY_LINE = "本人確認書類を、持ってきてください。"
MINUTE = 60
# The text of an element as read without its furigana (the <rt> readings).
READ_WITHOUT_RUBY = "e => { const c = e.cloneNode(true); c.querySelectorAll('rt').forEach(r => r.remove()); return c.textContent; }"


def create_editor(assistant, username: str, password: str) -> None:
    from assistant.staff.accounts import StaffAccounts
    from assistant.staff.auth import hash_password

    StaffAccounts(assistant.store.engine).create_staff(username, "回答 係", hash_password(password), role="editor")


def resident_reply(assistant) -> str:
    """A resident's own conversation on the REST channel (its credential from /start), asking the question."""
    conversation = assistant.start()
    status, replies = assistant.raw(json.dumps({"sender": conversation["sender"], "token": conversation["token"],
                                                "message": QUESTION}).encode("utf-8"), as_integrator=False)
    assert status == 200, replies
    return "\n".join(r.get("text", "") for r in replies)


def wait_for_reply(assistant, wanted, seconds: float) -> float:
    """Seconds until a new resident's reply satisfies `wanted`; fails after `seconds`."""
    started = time.monotonic()
    while True:
        text = resident_reply(assistant)
        if wanted(text):
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, f"still the old answer after {seconds} s: {text}"
        time.sleep(2)


def test_an_editor_publishes_an_answer_and_residents_get_it_within_a_minute(assistant):
    require_chromium()
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    before = resident_reply(assistant)
    assert "合わせて1,000円です。" in before and NEW_LINE not in before
    pids = [proc.pid for proc in assistant.stack.processes]
    username, password = f"editor{uuid.uuid4().hex[:4]}", "answer-keeper-" + uuid.uuid4().hex[:8]
    create_editor(assistant, username, password)
    console = assistant.stack.console_url

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP").new_page()
        page.set_default_timeout(20_000)
        problems = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{console}/staff/login")
        page.get_by_label("ユーザー名").fill(username)
        page.get_by_label("パスワード").fill(password)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url(lambda url: "/staff/login" not in url)
        page.goto(f"{console}/staff/answers")
        expect(page.get_by_role("link", name="回答の編集")).to_have_attribute("aria-current", "page")

        # Find the answer by its title.
        page.get_by_label("回答を探す（題名・言葉）").fill("再発行")
        page.get_by_role("button", name="探す").click()
        page.get_by_role("link", name="手数料：再発行の手数料を編集").click()
        expect(page.get_by_role("heading", name="手数料：再発行の手数料")).to_be_visible()
        page.screenshot(path=str(SHOTS / "1-search-and-open.png"))
        answer = page.get_by_label("回答", exact=True)
        original = answer.input_value()

        # A misspelt placeholder is refused, with the field named and the text kept.
        answer.fill(original + "\n{desk.phon}にお電話ください。")
        page.get_by_role("button", name="公開する").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("「回答」を直してください。")
        expect(alert).to_contain_text("{desk.phon}")
        expect(page.get_by_label("回答", exact=True)).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=str(SHOTS / "2-refused.png"), full_page=True)
        assert serious_violations(page, "answer-refused") == []
        assert NEW_LINE not in resident_reply(assistant)

        # A valid text: the preview as the kiosk (furigana, やさしい日本語) and Telegram show it, then publish.
        page.get_by_label("回答", exact=True).fill(original + "\n" + NEW_LINE)
        easy = page.get_by_label("やさしい日本語", exact=True)
        easy.fill(easy.input_value() + "\n" + EASY_LINE)
        # The answer changed: its はい/いいえ short answer (「はい、…1,000円…」) still holds, and the editor says so.
        expect(page.get_by_label("はい/いいえの短い答え", exact=True)).to_have_value(re.compile("^はい、.*1,000円"))
        page.get_by_label("短い答えも確かめました", exact=False).check()
        page.get_by_label("変更の理由（任意・記録に残ります）").fill("本人確認書類のことを加えた")
        page.get_by_role("button", name="プレビュー").click()
        expect(page.get_by_role("heading", name="プレビュー（まだ公開していません）")).to_be_visible()
        expect(page.locator("#preview-kiosk ruby", has_text="本人確認書類")).to_have_count(1)
        assert EASY_LINE in page.locator("#preview-easy").evaluate(READ_WITHOUT_RUBY)
        expect(page.locator("#preview-telegram")).to_contain_text(NEW_LINE)
        page.screenshot(path=str(SHOTS / "3-preview.png"), full_page=True)
        assert serious_violations(page, "answer-preview") == []
        page.get_by_role("button", name="公開する").click()
        expect(page.get_by_role("status")).to_contain_text("公開しました")
        published_at = time.monotonic()
        page.screenshot(path=str(SHOTS / "4-published.png"), full_page=True)

        # The version can be compared with the file's text.
        page.get_by_role("link", name="違いを見る").first.click()
        expect(page.locator("li.diff-added")).to_contain_text([NEW_LINE])
        page.screenshot(path=str(SHOTS / "5-diff.png"), full_page=True)
        assert serious_violations(page, "answer-diff") == []
        # The refused form came back with 422, which Chromium logs; nothing else may show in its console.
        assert [p for p in problems if "status of 422" not in p] == [], problems

        # A resident on REST gets the new text within a minute, from the same running servers.
        waited = wait_for_reply(assistant, lambda text: NEW_LINE in text, MINUTE - (time.monotonic() - published_at))
        assert time.monotonic() - published_at < MINUTE, waited
        assert [proc.pid for proc in assistant.stack.processes] == pids
        assert all(proc.poll() is None for proc in assistant.stack.processes)
        # Everything held: the pictures of docs/answers-editing.md are those of this run.
        to_docs({"answers-editing-refused.png": SHOTS / "2-refused.png",
                 "answers-editing-preview.png": SHOTS / "3-preview.png"})

        # Put the file's answer back for the other tests of this run (a restore is audited like a publish).
        page.goto(f"{console}/staff/answers/fees/reissue/versions/file")
        page.get_by_role("button", name="この内容に戻す").click()
        expect(page.get_by_role("status")).to_contain_text("前の版に戻して公開しました")
        browser.close()

    wait_for_reply(assistant, lambda text: NEW_LINE not in text and "合わせて1,000円です。" in text, MINUTE)
    from assistant.staff.accounts import StaffAccounts

    actions = [(e.action, e.detail) for e in StaffAccounts(assistant.store.engine).audit_entries(limit=100)
               if e.username == username]
    assert [a for a, _ in actions[:2]] == ["answer_restore", "answer_publish"], actions
