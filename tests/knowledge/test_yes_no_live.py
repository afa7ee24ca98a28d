"""はい/いいえ short answers written with an answer in the console: checked as knowledge/yes_no.yml is, never left
silently behind a changed answer, kept with the version, and live on a running server with the answer."""
from __future__ import annotations

import pytest

from assistant.knowledge.edit import EditError, check, file_entry, file_short, form_values
from assistant.knowledge.live import LiveKnowledge
from assistant.knowledge.versions import AnswerVersions, Draft
from assistant.knowledge.yes_no import short_answer
from assistant.settings import PROJECT_ROOT
from assistant.storage.db import migrate

KNOWLEDGE = PROJECT_ROOT / "knowledge"
KEY = "receive_card/lost_postcard"  # 「はい、はがきをなくしても、カードは受け取れます。」
ASKED = "はがきをなくしても受け取れますか？"


@pytest.fixture
def versions(tmp_path):
    url = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    migrate(url)
    store = AnswerVersions.from_url(url)
    yield store
    store.close()


def as_written(**change: str):
    values = form_values(file_entry(KNOWLEDGE, KEY), file_short(KNOWLEDGE, KEY))
    values.update(change)
    return values


def test_the_file_has_a_short_answer_for_the_entry():
    assert file_short(KNOWLEDGE, KEY)["answer"].startswith("はい、")


def test_a_changed_answer_with_its_short_answer_unlooked_at_is_refused_for_the_short_answer():
    changed = as_written(answer=as_written()["answer"] + "\n受け取りには予約が必要です。")
    with pytest.raises(EditError) as refused:
        check(KNOWLEDGE, KEY, changed)
    assert refused.value.field == "yes_no" and "食い違わないか" in str(refused.value)
    with pytest.raises(EditError):  # a client that leaves the field out is no way around it
        check(KNOWLEDGE, KEY, {k: v for k, v in changed.items() if not k.startswith("yes_no")})
    assert check(KNOWLEDGE, KEY, {**changed, "yes_no_reviewed": "1"}).draft.yes_no == file_short(KNOWLEDGE, KEY)["answer"]
    assert check(KNOWLEDGE, KEY, {**changed, "yes_no": ""}).draft.yes_no == ""  # cleared: no short answer
    rewritten = check(KNOWLEDGE, KEY, {**changed, "yes_no": "はい、予約すれば受け取れます。"}).draft
    assert (rewritten.yes_no, rewritten.yes_no_opposite) == ("はい、予約すれば受け取れます。", None)
    # Only another field (a date) changed, not the answer: nothing to look at.
    assert check(KNOWLEDGE, KEY, as_written(checked="2026-12-01")).draft.yes_no == file_short(KNOWLEDGE, KEY)["answer"]


@pytest.mark.parametrize("change, field, words", [
    ({"yes_no": "受け取れます。"}, "yes_no", "must start with"),
    ({"yes_no": "はい、" + "受け取れます" * 10}, "yes_no", "longer than 60"),
    ({"yes_no_opposite": "(はがき"}, "yes_no_opposite", "not a regular expression"),
])
def test_a_short_answer_is_checked_as_the_file_is(change, field, words):
    with pytest.raises(EditError) as refused:
        check(KNOWLEDGE, KEY, as_written(**change))
    assert refused.value.field == field and words in refused.value.problem


def test_a_running_server_answers_yes_or_no_with_the_published_short_answer(versions):
    now = [0.0]
    live = LiveKnowledge(KNOWLEDGE, versions.engine.url.render_as_string(hide_password=False), refresh_seconds=20,
                         clock=lambda: now[0])
    assert short_answer(KEY, ASKED, live.yes_no()) == file_short(KNOWLEDGE, KEY)["answer"]
    draft = check(KNOWLEDGE, KEY, as_written(yes_no="はい、予約すれば受け取れます。")).draft
    versions.add(KEY, draft, "tanaka", publish=True)
    now[0] = 20.0
    assert short_answer(KEY, ASKED, live.yes_no()) == "はい、予約すれば受け取れます。"
    assert short_answer(KEY, "はがきをなくしたら受け取れないの？", live.yes_no()) == "いいえ、予約すれば受け取れます。"
    versions.add(KEY, check(KNOWLEDGE, KEY, as_written(yes_no="")).draft, "tanaka", publish=True)
    now[0] = 40.0
    assert short_answer(KEY, ASKED, live.yes_no()) is None  # cleared with the answer: no はい in front of it
    entry = live.current().entry_by_key(KEY)
    older = Draft(entry.answer, entry.easy or "", entry.currency.source, entry.currency.checked)  # kept no short answer
    versions.add(KEY, older, "tanaka", publish=True)
    now[0] = 60.0
    assert short_answer(KEY, ASKED, live.yes_no()) == file_short(KNOWLEDGE, KEY)["answer"]  # the file's again


def test_the_export_writes_the_published_short_answers_into_yes_no_yml(versions, tmp_path):
    import shutil

    from assistant.knowledge import load_knowledge
    from assistant.knowledge.export import export
    from assistant.knowledge.yes_no import load_yes_no

    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    kept = check(folder, KEY, as_written(checked="2026-12-01")).draft  # the same short answer: yes_no.yml untouched
    versions.add(KEY, kept, "tanaka", publish=True)
    assert export(folder, folder, versions.overlay(), versions.short_overlay()) == [folder / "topics" / "receive_card.yml"]
    assert (folder / "yes_no.yml").read_bytes() == (KNOWLEDGE / "yes_no.yml").read_bytes()
    versions.add(KEY, check(folder, KEY, as_written(yes_no="はい、予約すれば受け取れます。", yes_no_opposite="受け取れない")).draft,
                 "tanaka", publish=True)
    versions.add("fees/reissue", check(folder, "fees/reissue", {**form_values(file_entry(folder, "fees/reissue")),
                                                                 "yes_no": ""}).draft, "tanaka", publish=True)
    assert folder / "yes_no.yml" in export(folder, folder, versions.overlay(), versions.short_overlay())
    entries = [f"{t.id}/{e.id}" for t in load_knowledge(folder).topics.values() for e in t.entries]
    table = load_yes_no(folder / "yes_no.yml", entries)
    assert table[KEY].text == "はい、予約すれば受け取れます。" and "fees/reissue" not in table and "fees/first_time" in table
    text = (folder / "yes_no.yml").read_text(encoding="utf-8")
    assert "answer: はい、予約すれば受け取れます。" in text and "opposite: 受け取れない" in text
    assert "fees/reissue:" not in text and "fees/first_time:" in text
