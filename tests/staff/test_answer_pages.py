"""The console's 「回答の編集」 pages over HTTP: roles, the loader's checks naming the field, preview, publish,
versions compared and restored, second-person approval, and the audit log."""
from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests

from assistant.knowledge.edit import file_entry, file_short, form_values
from assistant.knowledge.versions import AnswerVersions
from assistant.settings import PROJECT_ROOT
from tests.helpers.staff_console import PASSWORD, ConsoleServer, start_console

KEY = "fees/reissue"
NEW_LINE = "申請のときは、本人確認書類をお持ちください。"


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    yield from start_console(tmp_path_factory.mktemp("answers"), "staff_answers.log")


@pytest.fixture(scope="module")
def approving(tmp_path_factory) -> Iterator[ConsoleServer]:
    yield from start_console(tmp_path_factory.mktemp("answers-approval"), "staff_answers_approval.log",
                             MADOGUCHI_ANSWER_APPROVAL="1")


def signed_in(console: ConsoleServer, role: str) -> tuple:
    username = console.staff(role)
    browser = requests.Session()
    response = console.login(browser, username, PASSWORD)
    assert response.status_code == 302, response.text
    page = browser.get(f"{console.url}/staff/answers")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return browser, username, csrf.group(1) if csrf else None


def form(csrf: str, action: str = "publish", key: str = KEY, **change: str):
    """The entry's form as the page fills it, with a line added to both texts and its short answer looked at."""
    values = form_values(file_entry(PROJECT_ROOT / "knowledge", key), file_short(PROJECT_ROOT / "knowledge", key))
    values["answer"] += "\n" + NEW_LINE
    values["easy"] += "\n本人確認書類を、持ってきてください。"
    values.update({"yes_no_reviewed": "1", **change})
    return {**values, "csrf_token": csrf, "action": action}


def versions(console: ConsoleServer) -> AnswerVersions:
    return AnswerVersions(console.store.engine)


def audit(console: ConsoleServer, username: str):
    return [(e.action, e.detail) for e in console.accounts.audit_entries(limit=50) if e.username == username]


def test_pages_need_a_login_and_the_editor_or_admin_role(console):
    for path in ("/staff/answers", f"/staff/answers/{KEY}"):  # after the login, back to the page asked for
        assert requests.get(f"{console.url}{path}", allow_redirects=False).headers["Location"] == f"/staff/login?next={path}"
    browser, _, _ = signed_in(console, "staff")
    for path in ("/staff/answers", f"/staff/answers/{KEY}", f"/staff/answers/{KEY}/versions/file"):
        refused = browser.get(f"{console.url}{path}")
        assert refused.status_code == 403 and "回答の担当と管理者" in refused.text
    assert "回答の編集" not in browser.get(f"{console.url}/staff/search").text.split("</nav>")[0]
    for role in ("editor", "admin"):
        browser, _, _ = signed_in(console, role)
        page = browser.get(f"{console.url}/staff/answers", params={"q": "再発行"})
        assert page.status_code == 200 and 'href="/staff/answers"' in page.text.split("</nav>")[0]
        assert "手数料：再発行の手数料" in page.text and f'href="/staff/answers/{KEY}"' in page.text
        assert 'data-key="pin_forgotten_locked/' not in page.text and 'data-key="fees/' in page.text  # only what matches


def test_a_post_without_the_sessions_csrf_token_changes_nothing(console):
    browser, _, csrf = signed_in(console, "editor")
    before = len(versions(console).history(KEY))
    response = browser.post(f"{console.url}/staff/answers/{KEY}", data=form("forged"))
    assert response.status_code == 403 and len(versions(console).history(KEY)) == before


def test_an_invalid_placeholder_is_refused_naming_the_field_and_nothing_is_stored(console):
    browser, username, csrf = signed_in(console, "editor")
    before = len(versions(console).history(KEY))
    bad = form(csrf, answer=form(csrf)["answer"] + "\n{desk.phon}にお電話ください。")
    response = browser.post(f"{console.url}/staff/answers/{KEY}", data=bad)
    assert response.status_code == 422
    assert "「回答」を直してください。" in response.text and "{desk.phon}" in response.text
    assert re.search(r'<textarea id="answer" name="answer"[^>]*aria-invalid="true"', response.text)
    assert "{desk.phon}にお電話ください。" in response.text  # the editor's text is kept in the form
    assert len(versions(console).history(KEY)) == before and audit(console, username)[0][0] == "login"


def test_preview_shows_the_kiosk_with_furigana_and_telegram_without_publishing(console):
    browser, _, csrf = signed_in(console, "editor")
    before = len(versions(console).history(KEY))
    response = browser.post(f"{console.url}/staff/answers/{KEY}", data=form(csrf, action="preview"))
    assert response.status_code == 200 and "プレビュー（まだ公開していません）" in response.text
    kiosk = response.text.split('id="preview-kiosk">')[1].split("</div>")[0]
    assert "<ruby>本人確認書類<rt>ほんにんかくにんしょるい</rt></ruby>" in kiosk
    easy = response.text.split('id="preview-easy">')[1].split("</div>")[0]
    assert "<ruby>持<rt>も</rt></ruby>ってきてください" in easy
    telegram = response.text.split('id="preview-telegram">')[1].split("</section>")[0]
    assert NEW_LINE in telegram and "役に立った" in telegram
    assert len(versions(console).history(KEY)) == before
    # The はい/いいえ short answer the edit would publish, as residents who ask a yes/no question see it first.
    changed = form(csrf, action="preview", yes_no="いいえ、再発行の手数料はかかります（試し）。")
    response = browser.post(f"{console.url}/staff/answers/{KEY}", data=changed)
    assert response.text.split('id="preview-yes-no">')[1].split("</div>")[0] == "いいえ、再発行の手数料はかかります（試し）。"


def test_publish_keeps_the_version_with_who_and_when_compare_and_restore(console):
    browser, username, csrf = signed_in(console, "editor")
    response = browser.post(f"{console.url}/staff/answers/{KEY}", data=form(csrf, note="本人確認書類を追記"),
                            allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/answers/{KEY}?done=published"
    live = versions(console).live_one(KEY)
    assert (live.created_by, live.decided_by, live.note) == (username, username, "本人確認書類を追記")
    assert live.answer.endswith("\n" + NEW_LINE)
    page = browser.get(f"{console.url}{response.headers['Location']}")
    assert "公開しました" in page.text and f"版{live.id}" in page.text and username in page.text
    assert ("answer_publish", f"{KEY} 版{live.id}") in audit(console, username)

    diff = browser.get(f"{console.url}/staff/answers/{KEY}/versions/{live.id}")
    assert diff.status_code == 200 and f"版{live.id}とファイルの内容の違い" in diff.text
    assert re.search(r'<li class="diff-added">.*?' + NEW_LINE, diff.text)

    restored = browser.post(f"{console.url}/staff/answers/{KEY}/versions/file/restore", data={"csrf_token": csrf},
                            allow_redirects=False)
    assert restored.headers["Location"] == f"/staff/answers/{KEY}?done=restored"
    now = versions(console).live_one(KEY)
    assert now.id > live.id and now.note == "ファイルの内容に戻す" and not now.answer.endswith(NEW_LINE)
    assert ("answer_restore", f"{KEY} 版{now.id}（ファイルの内容に戻す）") in audit(console, username)
    again = browser.post(f"{console.url}/staff/answers/{KEY}/versions/{live.id}/restore", data={"csrf_token": csrf},
                         allow_redirects=False)
    assert again.status_code == 302 and versions(console).live_one(KEY).answer == live.answer
    assert browser.get(f"{console.url}/staff/answers/{KEY}/versions/999999").status_code == 404
    assert browser.get(f"{console.url}/staff/answers/fees/nothing_here").status_code == 404
    admin, _, _ = signed_in(console, "admin")
    log = admin.get(f"{console.url}/staff/audit").text
    assert "回答を公開した" in log and "回答を前の版に戻した" in log and f"{KEY} 版{live.id}" in log


def test_with_approval_on_a_second_editor_publishes_and_the_author_cannot(approving):
    author, author_name, author_csrf = signed_in(approving, "editor")
    page = author.get(f"{approving.url}/staff/answers/{KEY}")
    assert "承認を依頼する" in page.text and ">公開する<" not in page.text
    response = author.post(f"{approving.url}/staff/answers/{KEY}", data=form(author_csrf), allow_redirects=False)
    assert response.headers["Location"] == f"/staff/answers/{KEY}?done=pending"
    waiting = versions(approving).pending()[-1]
    assert versions(approving).live_one(KEY) is None
    assert ("answer_submit", f"{KEY} 版{waiting.id}") in audit(approving, author_name)
    assert f"{KEY} 版{waiting.id}" in author.get(f"{approving.url}/staff/answers").text  # listed as waiting
    own = author.post(f"{approving.url}/staff/answers/{KEY}/versions/{waiting.id}/approve", data={"csrf_token": author_csrf})
    assert own.status_code == 409 and versions(approving).live_one(KEY) is None

    second, second_name, second_csrf = signed_in(approving, "editor")
    diff = second.get(f"{approving.url}/staff/answers/{KEY}/versions/{waiting.id}")
    assert "承認して公開する" in diff.text and NEW_LINE in diff.text
    ok = second.post(f"{approving.url}/staff/answers/{KEY}/versions/{waiting.id}/approve", data={"csrf_token": second_csrf},
                     allow_redirects=False)
    assert ok.headers["Location"] == f"/staff/answers/{KEY}?done=approved"
    live = versions(approving).live_one(KEY)
    assert (live.id, live.created_by, live.decided_by) == (waiting.id, author_name, second_name)
    assert ("answer_approve", f"{KEY} 版{waiting.id}（{author_name}さんの版）") in audit(approving, second_name)


# --- the はい/いいえ short answer (knowledge/yes_no.yml) -------------------------------------------------
SHORT_KEY = "fees/renewal"  # 「いいえ、期限が来て新しいカードにするときも、電子証明書の更新も無料です。」, opposite 無料|…


def test_a_changed_answer_needs_its_short_answer_looked_at_and_the_short_answer_is_checked(console):
    browser, username, csrf = signed_in(console, "editor")
    url = f"{console.url}/staff/answers/{SHORT_KEY}"
    file_text = file_short(PROJECT_ROOT / "knowledge", SHORT_KEY)["answer"]
    page = browser.get(url).text
    assert re.search(r'<input id="yes_no" name="yes_no"[^>]* value="' + re.escape(file_text) + '"', page)
    assert 'value="無料|タダ|ただで|0円|free"' in page
    stored = len(versions(console).history(SHORT_KEY))

    preview = browser.post(url, data=form(csrf, key=SHORT_KEY, action="preview", yes_no_reviewed=""))
    assert preview.status_code == 200 and "プレビュー（まだ公開していません）" in preview.text  # looking comes first
    unlooked = browser.post(url, data=form(csrf, key=SHORT_KEY, yes_no_reviewed=""))
    assert unlooked.status_code == 422 and "「はい/いいえの短い答え」を直してください。" in unlooked.text
    assert "食い違わないか確かめてください" in unlooked.text
    assert re.search(r'<input id="yes_no" name="yes_no"[^>]*aria-invalid="true"', unlooked.text)
    for change, field, words in (({"yes_no": "無料です。"}, "yes_no", "「はい、」か「いいえ、」で始めて"),
                                 ({"yes_no": "いいえ、" + "無料" * 40}, "yes_no", "長すぎます"),
                                 ({"yes_no_opposite": "無料|(タダ"}, "yes_no_opposite", "正規表現として読めません")):
        refused = browser.post(url, data=form(csrf, key=SHORT_KEY, **change))
        assert refused.status_code == 422 and words in refused.text, change
        assert re.search(f'<input id="{field}" name="{field}"[^>]*aria-invalid="true"', refused.text)
    assert len(versions(console).history(SHORT_KEY)) == stored

    # Looked at and kept; then rewritten (no tick needed: it was changed); then cleared.
    assert browser.post(url, data=form(csrf, key=SHORT_KEY), allow_redirects=False).status_code == 302
    assert (versions(console).live_one(SHORT_KEY).yes_no, versions(console).live_one(SHORT_KEY).yes_no_opposite) == (
        file_text, "無料|タダ|ただで|0円|free")
    rewritten = "いいえ、更新の手数料はかかりません。"
    changed = form(csrf, key=SHORT_KEY, answer=form(csrf, key=SHORT_KEY)["answer"] + "\n窓口は混みます。",
                   yes_no=rewritten, yes_no_reviewed="")
    assert browser.post(url, data=changed, allow_redirects=False).status_code == 302
    kept = versions(console).live_one(SHORT_KEY)
    assert kept.yes_no == rewritten
    assert versions(console).short_overlay()[SHORT_KEY] == {"answer": rewritten, "opposite": "無料|タダ|ただで|0円|free"}
    diff = browser.get(f"{url}/versions/{kept.id}").text
    assert "はい/いいえの短い答え" in diff and re.search(re.escape(file_text) + r"</span> → <span class=\"diff-added\">"
                                                     + re.escape(rewritten), diff)

    cleared = form(csrf, key=SHORT_KEY, answer=changed["answer"] + "\n予約もできます。", yes_no="", yes_no_opposite="",
                   yes_no_reviewed="")
    assert browser.post(url, data=cleared, allow_redirects=False).status_code == 302
    assert versions(console).short_overlay()[SHORT_KEY] == {"answer": "", "opposite": None}

    # Restoring a version brings its short answer back with its text.
    assert browser.post(f"{url}/versions/{kept.id}/restore", data={"csrf_token": csrf},
                        allow_redirects=False).status_code == 302
    assert versions(console).live_one(SHORT_KEY).yes_no == rewritten
    assert browser.post(f"{url}/versions/file/restore", data={"csrf_token": csrf}, allow_redirects=False).status_code == 302
    assert versions(console).live_one(SHORT_KEY).yes_no == file_text
