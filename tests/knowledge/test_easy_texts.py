"""やさしい日本語: every answer and guide step has an easy form with the same placeholders, and the loader refuses one without."""
import re
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
# The guidelines' short sentence: one fact, read in one breath (placeholders counted as one character).
MAX_SENTENCE = 55


def raw_items():
    """(file, key, ordinary text, easy text) of every entry and guide step, as written in the YAML."""
    for path in sorted((KNOWLEDGE / "topics").glob("*.yml")) + sorted((KNOWLEDGE / "guides").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for kind, text_key in (("entries", "answer"), ("steps", "text")):
            for item in data.get(kind) or []:
                yield path.name, f"{kind}/{item['id']}", item[text_key], item.get("easy")


def placeholders(text: str) -> set:
    """The profile values a text names; an easy twin ({practice.x_easy}) counts as the value it simplifies."""
    return {re.sub(r"_easy$", "", name) for name in PLACEHOLDER.findall(text or "")}


def test_every_entry_and_step_has_an_easy_text(knowledge):
    entries = [e for t in knowledge.topics.values() for e in t.entries]
    steps = [s for g in knowledge.guides.values() for s in g.steps]
    assert len(entries) > 150 and len(steps) > 150
    assert all(e.easy and e.easy != e.answer for e in entries)
    assert all(s.easy and s.easy != s.text for s in steps)


def test_easy_texts_name_the_same_placeholders_as_their_answer():
    wrong = [f"{name} {key}: answer {sorted(placeholders(text))}, easy {sorted(placeholders(easy))}"
             for name, key, text, easy in raw_items() if placeholders(text) != placeholders(easy)]
    assert not wrong, "\n".join(wrong)


def test_easy_texts_are_short_sentences():
    long = []
    for name, key, _, easy in raw_items():
        for sentence in re.split(r"(?<=[。？！])", " ".join((easy or "").split())):
            sentence = PLACEHOLDER.sub("X", sentence.strip())
            if len(sentence) > MAX_SENTENCE:
                long.append(f"{name} {key}: {sentence}")
    assert not long, "\n".join(long)


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def drop_easy(path: Path, kind: str, index: int) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[kind][index].pop("easy")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_loader_refuses_an_entry_without_easy_text(copy):
    drop_easy(copy / "topics" / "fees.yml", "entries", 1)
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(copy)
    assert error.value.path.name == "fees.yml" and error.value.key == "entries[1].easy"
    assert "やさしい日本語" in str(error.value)


def test_loader_refuses_a_guide_step_without_easy_text(copy):
    drop_easy(copy / "guides" / "pin_reset.yml", "steps", 0)
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(copy)
    assert error.value.path.name == "pin_reset.yml" and error.value.key == "steps[0].easy"
