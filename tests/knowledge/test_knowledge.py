"""Loading knowledge/: the real folder is valid; a broken file stops loading and names the file and key."""
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.cli import main as cli_main
from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_every_answer_has_source_and_checked_date(knowledge):
    for topic in knowledge.topics.values():
        assert sum(e.default for e in topic.entries) == 1, topic.id
        for entry in topic.entries:
            assert entry.source.startswith("http") or entry.source == "municipality", (topic.id, entry.id)
            assert entry.checked.year >= 2025, (topic.id, entry.id)
            assert "{" not in entry.answer and "}" not in entry.answer, (topic.id, entry.id)
    for guide in knowledge.guides.values():
        assert guide.currency.source.startswith("http") and guide.currency.checked.year >= 2025, guide.id


def test_entries_changed_by_the_corrections_carry_that_day_and_source(knowledge):
    """The facts were corrected on 2026-12-05 with sources (spec: mynumber_facts.md, last section)."""
    for key, source in [("receive_card/what_to_bring", "https://www.city.karatsu.lg.jp/page/40137.html"),
                        ("card_return/after_return", "https://www.city.iwaki.lg.jp/www/contents/1734573194820/index.html"),
                        ("fees/express", "https://www.kojinbango-card.go.jp/apprec/apply/express_apply/")]:
        entry = knowledge.entry_by_key(key)
        assert (entry.source, entry.checked.isoformat()) == (source, "2026-12-05"), key
    assert knowledge.entry_by_key("fees/first_time").checked.isoformat() == "2026-11-26"


def test_municipality_values_are_filled_in(knowledge):
    desk = knowledge.municipality["desk"]
    answer = knowledge.topics["pin_forgotten_locked"].entry("forgotten_locked").answer
    assert desk["name"] in answer and knowledge.municipality["city"]["name"] in answer


def test_facts_marked_uncertain_are_not_stated(knowledge):
    everything = " ".join(e.answer for t in knowledge.topics.values() for e in t.entries)
    assert "219-8732" not in everything  # disputed postal code
    assert "0570-783-578" not in everything  # call-centre hours disagree between sources


@pytest.mark.parametrize(
    "file, change, key",
    [
        ("topics/fees.yml", lambda d: d["entries"][1].pop("source"), "entries[1].source"),
        ("topics/fees.yml", lambda d: d["entries"][0].update(answer="電話は{desk.telephone}です"), "entries[0].answer"),
        ("topics/fees.yml", lambda d: d.update(followups=["no_such_topic"]), "followups[0]"),
        ("topics/fees.yml", lambda d: d.update(topic="fee"), "topic"),
        ("topics/fees.yml", lambda d: d["entries"][0].update(checked="昨日"), "entries[0].checked"),
        ("topics/fees.yml", lambda d: d["entries"][2].pop("checked"), "entries[2].checked"),
        ("topics/fees.yml", lambda d: d["entries"][0].update(review_by="来年"), "entries[0].review_by"),
        ("guides/lost_card.yml", lambda d: d.pop("checked"), "checked"),
        ("guides/lost_card.yml", lambda d: d.pop("source"), "source"),
        ("topics/fees.yml", lambda d: d["entries"][1].update(default=True), "entries"),
        ("topics/fees.yml", lambda d: d["entries"][0].update(label="とても長いボタンの文字になってしまいました"), "entries[0].label"),
        ("municipality.yml", lambda d: d["desk"].pop("phone"), "desk.phone"),
        ("menu.yml", lambda d: d["menu"][0].update(topic="nothing"), "menu[0].topic"),
    ],
)
def test_a_broken_file_is_named_with_its_key(copy, file, change, key):
    edit(copy / file, change)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(copy)
    assert err.value.path.name == Path(file).name
    assert err.value.key == key


def test_invalid_yaml_is_reported_with_the_file(copy):
    (copy / "topics" / "fees.yml").write_text("topic: fees\nentries: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="fees.yml: \\(file\\): not valid YAML"):
        load_knowledge(copy)


def test_check_command_fails_loudly_on_a_bad_file(copy, capsys):
    edit(copy / "topics" / "fees.yml", lambda d: d["entries"][0].pop("answer"))
    assert cli_main(["check", "--knowledge", str(copy)]) == 1
    assert "fees.yml: entries[0].answer" in capsys.readouterr().err
    assert cli_main(["check", "--knowledge", str(KNOWLEDGE)]) == 0
