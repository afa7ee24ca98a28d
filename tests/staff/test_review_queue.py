"""The review queue: residents' messages gathered from real tracker-store rows (why each came, redacted again, once
only), grouped by theme in the console, decisions stored and audited; staff are refused the page."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterator

import pytest
import requests
import sqlalchemy as sa

from assistant.privacy.retention import purge_review_texts
from assistant.staff import review_items
from assistant.storage.db import make_engine, migrate
from assistant.storage.models import ReviewItem
from tests.helpers.review import NOW, Tracker, residents_day
from tests.helpers.staff_console import ConsoleServer, start_console


@pytest.fixture()
def stores(tmp_path):
    url = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    migrate(url)
    product = make_engine(url)
    yield Tracker(tmp_path / "tracker.db"), product
    product.dispose()


def items(product) -> Dict[str, Any]:
    with product.connect() as conn:
        return {row.text: row for row in conn.execute(sa.select(ReviewItem.__table__))}


def test_each_reason_brings_the_residents_question_once_redacted_again(stores):
    tracker, product = stores
    residents_day(tracker)
    assert review_items.Gatherer(tracker.engine, product).run() == 6
    found = items(product)
    assert {text: (row.kind, row.guess, row.theme) for text, row in found.items()} == {
        "猫の住民票はどこでもらえますか": ("unplaced", "fees/first_time", "fees"),
        "カードの再発行はいくら?電話は［電話番号］です": ("unhelpful", "fees/reissue", "fees"),
        "写真の背景は白じゃないとだめ?": ("low_confidence", "apply_photo/rules", "apply_photo"),
        "暗証番号を忘れた": ("stuck", "pin_forgotten_locked/forgotten_locked", "pin_forgotten_locked"),
        "海外に行ってもカードは使える?": ("handoff", "overseas_move/overview", "overseas_move"),
        "今日の天気は?": ("out_of_scope", None, None),
    }
    assert not any("090" in text for text in found)
    tracker.says("h", "再発行の手数料を教えて", "fees", 0.3, ["fees/reissue"])
    assert review_items.Gatherer(tracker.engine, product).run() == 1  # only what is new since the last run
    assert len(items(product)) == 7


def test_a_stronger_reason_replaces_a_weaker_one_and_events_still_settling_wait(stores):
    tracker, product = stores
    tracker.says("c", "写真の背景は白じゃないとだめ？", "apply_photo", 0.42, ["apply_photo/rules"])
    tracker.unhelpful("c", "apply_photo/rules")
    assert review_items.Gatherer(tracker.engine, product, settle_seconds=3600).run(now=NOW) == 0
    assert review_items.Gatherer(tracker.engine, product).run() == 1
    assert items(product)["写真の背景は白じゃないとだめ?"].kind == "unhelpful"


def test_decisions_are_kept_and_texts_blanked_after_the_retention_period(stores):
    tracker, product = stores
    residents_day(tracker)
    review_items.Gatherer(tracker.engine, product).run()
    first = review_items.pending(product)
    assert [row.text for row in first][:2] == ["今日の天気は?", "海外に行ってもカードは使える?"]  # newest first
    cat = items(product)["猫の住民票はどこでもらえますか"]
    assert review_items.decide(product, cat.id, "not_in_scope", "editor-1")
    assert review_items.decide(product, cat.id, "new_answer", "editor-2", note="  猫の手続き  ")
    row = review_items.get(product, cat.id)
    assert (row.decision, row.note, row.entry, row.decided_by) == ("new_answer", "猫の手続き", None, "editor-2")
    assert cat.id not in [r.id for r in review_items.pending(product)]
    assert not review_items.decide(product, 99999, "not_in_scope", "editor-1")
    with pytest.raises(ValueError):
        review_items.decide(product, cat.id, "maybe", "editor-1")
    assert purge_review_texts(product, 0) == 6
    assert review_items.pending(product) == [] and review_items.get(product, cat.id).decision == "new_answer"


# --- the page ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    folder = tmp_path_factory.mktemp("review-queue")
    residents_day(Tracker(folder / "tracker.db"))
    yield from start_console(folder, "staff_review_queue.log")


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_an_editor_sees_the_queue_by_theme_searches_by_title_and_decides(console):
    username = console.staff(role="editor", name="編集 一郎")
    editor = console.session(username)
    page = editor.get(f"{console.url}/staff/review-queue")
    assert page.status_code == 200
    assert re.search(r'id="review-count">6件<', page.text)
    themes = re.findall(r'<h2 id="theme-\d+">([^<]+?) <span', page.text)
    assert themes == ["話題がわからない質問", "国外転出", "暗証番号（忘れた・ロック・再設定）", "申請用の顔写真", "手数料"]
    assert "カードの再発行はいくら?電話は［電話番号］です" in page.text and "090-1234" not in page.text
    item = re.search(r'data-item="(\d+)" aria-labelledby="text-\d+">\s*<p class="review-meta"><span class="badge">'
                     r'ナビが話題を決められなかった', page.text).group(1)
    found = editor.get(f"{console.url}/staff/review-queue", params={"item": item, "q": "コンビニ 取る"})
    assert 'value="convenience_store_certificate/overview"' in found.text
    missing = editor.post(f"{console.url}/staff/review-queue/{item}",
                          data={"decision": "entry", "entry": "fees/nothing", "csrf_token": csrf(page.text)})
    assert missing.status_code == 400 and "回答を一覧から選んでください" in missing.text
    done = editor.post(f"{console.url}/staff/review-queue/{item}", allow_redirects=False,
                       data={"decision": "entry", "entry": "convenience_store_certificate/overview",
                             "csrf_token": csrf(page.text)})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/review-queue?done=entry"
    after = editor.get(f"{console.url}/staff/review-queue")
    assert re.search(r'id="review-count">5件<', after.text) and "回答を選びました。" not in after.text
    assert "コンビニで取る方法" in after.text.split('id="decided"')[1]
    entry = next(e for e in console.accounts.audit_entries() if e.username == username)
    assert (entry.action, entry.detail) == ("review_entry", f"#{item} convenience_store_certificate/overview")


def test_new_answer_needs_a_note_and_staff_cannot_decide(console):
    editor = console.session(console.staff(role="admin"))
    page = editor.get(f"{console.url}/staff/review-queue").text
    item = re.search(r'data-item="(\d+)"', page).group(1)
    refused = editor.post(f"{console.url}/staff/review-queue/{item}",
                          data={"decision": "new_answer", "note": " ", "csrf_token": csrf(page)})
    assert refused.status_code == 400 and "メモを書いてください" in refused.text
    staff = console.session(console.staff(role="staff"))
    forbidden = staff.post(f"{console.url}/staff/review-queue/{item}",
                           data={"decision": "not_in_scope", "csrf_token": csrf(staff.get(f"{console.url}/staff/").text)})
    assert forbidden.status_code == 403
    engine = console.store.engine
    assert review_items.get(engine, int(item)).decision is None


# --- the JSON API ------------------------------------------------------------------------------
def test_the_queue_as_json_needs_an_editors_or_admins_credential(console):
    url = f"{console.url}/staff/api/review-queue"
    nobody = requests.get(url)
    assert nobody.status_code == 401 and nobody.json()["error"] == "unauthorized"
    assert requests.get(url, headers={"Authorization": "Bearer mdg_not-a-token"}).status_code == 401
    assert requests.get(url, headers={"Authorization": "Basic eDp5"}).status_code == 401  # never the cookie then
    staff_token = console.accounts.create_api_token(console.staff(role="staff"), "desk")
    refused = requests.get(url, headers={"Authorization": f"Bearer {staff_token}"})
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert console.session(console.staff(role="staff")).get(url).status_code == 403
    for role in ("editor", "admin"):
        token = console.accounts.create_api_token(console.staff(role=role), "integration")
        assert requests.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert console.session(console.staff(role=role)).get(url).status_code == 200
    editor = console.staff(role="editor")
    token = console.accounts.create_api_token(editor, "revoked")
    console.accounts.revoke_api_tokens(editor)
    assert requests.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_queue_as_json_lists_what_the_page_lists_redacted_with_theme_and_kind(console):
    token = console.accounts.create_api_token(console.staff(role="editor"), "integration")
    body = requests.get(f"{console.url}/staff/api/review-queue", headers={"Authorization": f"Bearer {token}"}).json()
    page = console.session(console.staff(role="editor")).get(f"{console.url}/staff/review-queue").text
    assert body["count"] == len(body["items"]) == int(re.search(r'id="review-count">(\d+)件<', page).group(1))
    shown = re.findall(r'<article[^>]* data-item="(\d+)"', page)  # grouped by theme there, so compared as sets
    assert sorted(item["id"] for item in body["items"]) == sorted(map(int, shown)) and len(shown) == body["count"]
    by_text = {item["text"]: item for item in body["items"]}
    reissue = by_text["カードの再発行はいくら?電話は［電話番号］です"]
    assert (reissue["kind"], reissue["kind_label"], reissue["theme"], reissue["theme_label"]) == (
        "unhelpful", "「役に立たなかった」が押された", "fees", "手数料")
    assert (reissue["guess"], reissue["guess_title"]) == ("fees/reissue", "手数料：再発行の手数料")
    weather = by_text["今日の天気は?"]
    assert (weather["kind"], weather["theme"], weather["theme_label"], weather["guess"]) == (
        "out_of_scope", None, "話題がわからない質問", None)
    assert all(item["at"].endswith("Z") and item["at_jst"] for item in body["items"])
    assert [item["at"] for item in body["items"]] == sorted((item["at"] for item in body["items"]), reverse=True)
    assert "090" not in json.dumps(body, ensure_ascii=False)
