"""Answers edited in the console: the loader's checks name the field, versions keep who and when, a running
server picks up a published answer without a restart, and the export is knowledge/ again."""
from __future__ import annotations

import datetime as dt
import filecmp
import subprocess
import sys

import pytest
import yaml

from assistant.knowledge import load_knowledge
from assistant.knowledge.edit import EditError, check, file_entry, file_short, form_values
from assistant.knowledge.export import export
from assistant.knowledge.live import LiveKnowledge
from assistant.knowledge.versions import PENDING, PUBLISHED, REJECTED, SUPERSEDED, AnswerVersions, Draft, VersionError
from assistant.settings import PROJECT_ROOT
from assistant.storage.db import migrate

KNOWLEDGE = PROJECT_ROOT / "knowledge"
KEY = "fees/reissue"
NEW_LINE = "申請のときは、本人確認書類をお持ちください。"
EASY_LINE = "本人確認書類を、持ってきてください。"


@pytest.fixture
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    migrate(url)
    return url


@pytest.fixture
def versions(db_url):
    store = AnswerVersions.from_url(db_url)
    yield store
    store.close()


def edited_form(**change: str):
    """The entry's text with a line added; its はい/いいえ short answer (left as it was) looked at."""
    values = form_values(file_entry(KNOWLEDGE, KEY), file_short(KNOWLEDGE, KEY))
    values["answer"] += "\n" + NEW_LINE
    values["easy"] += "\n" + EASY_LINE
    values.update({"yes_no_reviewed": "1", **change})
    return values


@pytest.mark.parametrize("change, field, words", [
    ({"answer": "{desk.phon}にお電話ください。"}, "answer", "placeholder {desk.phon} not in municipality.yml"),
    ({"answer": "{desk}にお電話ください。"}, "answer", "must look like {section.key}"),
    ({"answer": "   "}, "answer", "missing or empty"),
    ({"answer": "あ" * 601}, "answer", "longer than 600"),
    ({"easy": ""}, "easy", "やさしい日本語"),
    ({"easy": "お金がかかります。"}, "easy", "names other placeholders"),
    ({"source": "市のホームページ"}, "source", "expected a URL"),
    ({"checked": ""}, "checked", "not a date"),
    ({"checked": "2026-02-30"}, "checked", "not a date"),
    ({"review_by": "来年"}, "review_by", "not a date"),
])
def test_the_loaders_own_checks_refuse_the_form_naming_the_field(change, field, words):
    with pytest.raises(EditError) as error:
        check(KNOWLEDGE, KEY, edited_form(**change))
    assert error.value.field == field and words in error.value.problem


def test_an_accepted_form_is_the_entry_residents_get_with_its_placeholders_filled():
    checked = check(KNOWLEDGE, KEY, edited_form(checked="2026-12-07", review_by="2027-04-01", note="窓口で確認"))
    assert checked.entry.answer.endswith(NEW_LINE) and "{practice" not in checked.entry.answer
    assert checked.draft.answer.endswith("\n" + NEW_LINE) and "{practice.reissue_payment}" in checked.draft.answer
    assert (checked.draft.checked, checked.draft.review_by, checked.draft.note) == (dt.date(2026, 12, 7), dt.date(2027, 4, 1), "窓口で確認")
    assert load_knowledge(KNOWLEDGE).entry_by_key(KEY).answer != checked.entry.answer  # nothing written to the files


def test_versions_keep_who_and_when_and_the_latest_published_one_is_live(versions):
    draft = check(KNOWLEDGE, KEY, edited_form()).draft
    first = versions.add(KEY, draft, "tanaka", publish=True)
    second = versions.add(KEY, Draft(draft.answer, draft.easy, draft.source, draft.checked, note="2"), "sato", publish=True)
    assert (first.state, first.created_by, first.decided_by) == (PUBLISHED, "tanaka", "tanaka")
    assert first.created_at and first.decided_at
    assert versions.live()[KEY].id == second.id and [v.id for v in versions.history(KEY)] == [second.id, first.id]
    assert versions.overlay()[KEY]["answer"] == draft.answer


def test_a_waiting_version_needs_another_editor_and_an_older_one_is_withdrawn(versions):
    draft = check(KNOWLEDGE, KEY, edited_form()).draft
    older = versions.add(KEY, draft, "tanaka", publish=False)
    waiting = versions.add(KEY, draft, "tanaka", publish=False)
    assert versions.live() == {} and versions.signature()[0] == 0
    with pytest.raises(VersionError, match="ほかの担当者"):
        versions.decide(waiting.id, "tanaka", approve=True)
    versions.decide(waiting.id, "sato", approve=True)
    assert versions.get(waiting.id).state == PUBLISHED and versions.get(waiting.id).decided_by == "sato"
    assert versions.get(older.id).state == SUPERSEDED
    with pytest.raises(VersionError, match="承認待ちではありません"):
        versions.decide(waiting.id, "suzuki", approve=False)
    sent_back = versions.add(KEY, draft, "tanaka", publish=False)
    versions.decide(sent_back.id, "sato", approve=False)
    assert versions.get(sent_back.id).state == REJECTED and versions.live()[KEY].id == waiting.id
    assert [v.state for v in versions.pending()] == [] and PENDING not in {v.state for v in versions.history(KEY)}


def test_a_running_server_answers_with_a_published_version_after_its_next_look(versions, db_url):
    now = [0.0]
    live = LiveKnowledge(KNOWLEDGE, db_url, refresh_seconds=20, clock=lambda: now[0])
    before = live.current()
    assert not before.entry_by_key(KEY).answer.endswith(NEW_LINE)
    versions.add(KEY, check(KNOWLEDGE, KEY, edited_form()).draft, "tanaka", publish=True)
    now[0] = 19.0
    assert live.current() is before  # no look before refresh_seconds
    now[0] = 20.0
    after = live.current()
    assert after.entry_by_key(KEY).answer.endswith(NEW_LINE) and after.entry_by_key(KEY).easy.endswith(EASY_LINE)
    now[0] = 45.0
    assert live.current() is after  # nothing published since: the same knowledge, no reload


def test_a_published_answer_the_files_no_longer_accept_is_left_out(versions, db_url, tmp_path):
    import shutil

    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    profile_path = folder / "municipality.yml"
    profile = yaml.safe_load(profile_path.read_text(encoding="utf-8"))
    profile["desk"]["counter"] = "2番窓口"
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    form = edited_form()
    form["answer"] += "\n{desk.counter}へどうぞ。"
    form["easy"] += "\n{desk.counter}に来てください。"
    versions.add(KEY, check(folder, KEY, form).draft, "tanaka", publish=True)
    assert LiveKnowledge(folder, db_url).current().entry_by_key(KEY).answer.endswith("2番窓口へどうぞ。")
    del profile["desk"]["counter"]  # the city takes the value out of its profile
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    answer = LiveKnowledge(folder, db_url).current().entry_by_key(KEY).answer
    assert answer == load_knowledge(folder).entry_by_key(KEY).answer  # the file's answer, not a broken one


def test_without_the_table_the_files_answers_are_used(tmp_path):
    live = LiveKnowledge(KNOWLEDGE, f"sqlite:///{tmp_path / 'empty.db'}")
    assert live.current().entry_by_key(KEY).answer == load_knowledge(KNOWLEDGE).entry_by_key(KEY).answer


def test_the_export_is_knowledge_in_its_own_format_with_the_published_answers(versions, db_url, tmp_path):
    versions.add(KEY, check(KNOWLEDGE, KEY, edited_form(checked="2026-12-07", review_by="2027-04-01")).draft,
                 "tanaka", publish=True)
    out = tmp_path / "export"
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "knowledge", "export", "--out", str(out),
                             "--knowledge", str(KNOWLEDGE), "--database-url", db_url],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "1 answers published in the console, 1 topic files rewritten" in result.stdout
    exported = load_knowledge(out)
    entry = exported.entry_by_key(KEY)
    assert entry.answer.endswith(NEW_LINE) and entry.currency.review_by == dt.date(2027, 4, 1)
    assert entry.checked == dt.date(2026, 12, 7)
    # Other files unchanged byte for byte; in the rewritten one only the edited entry's lines differ.
    same = filecmp.dircmp(KNOWLEDGE / "topics", out / "topics")
    assert same.diff_files == ["fees.yml"] and not same.left_only and not same.right_only
    original = (KNOWLEDGE / "topics" / "fees.yml").read_text(encoding="utf-8").splitlines()
    written = (out / "topics" / "fees.yml").read_text(encoding="utf-8").splitlines()
    import difflib

    changed = [line for line in difflib.unified_diff(original, written, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert sorted(changed) == sorted([f"+      {NEW_LINE}", f"+      {EASY_LINE}", "-    checked: 2026-12-05",
                                      "+    checked: 2026-12-07", "+    review_by: 2027-04-01"]), changed
    for topic in load_knowledge(KNOWLEDGE).topics.values():  # everything else reads the same
        for other in topic.entries:
            key = f"{topic.id}/{other.id}"
            if key != KEY:
                assert exported.entry_by_key(key) == other


def test_export_into_the_knowledge_folder_itself(versions, tmp_path):
    import shutil

    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    versions.add(KEY, check(folder, KEY, edited_form()).draft, "tanaka", publish=True)
    assert export(folder, folder, versions.overlay()) == [folder / "topics" / "fees.yml"]
    assert load_knowledge(folder).entry_by_key(KEY).answer.endswith(NEW_LINE)


def test_the_kiosk_gives_a_qr_code_of_a_source_only_a_published_answer_cites(versions, db_url, monkeypatch):
    from assistant.channels.kiosk import published_source

    new = "https://www.city.example.lg.jp/mynumber/fees.html"
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", db_url)
    draft = check(KNOWLEDGE, KEY, edited_form(source=new)).draft
    versions.add(KEY, draft, "tanaka", publish=False)
    assert not published_source(new)  # a version still waiting for approval is not cited
    versions.add(KEY, draft, "tanaka", publish=True)
    assert published_source(new)
    assert not published_source("https://www.example.com/anything") and not published_source("javascript:alert(1)")
