"""Data and code agree: topics, intents, knowledge, rules, training data, test data, README."""
import re

import pytest
import yaml

from assistant.knowledge import topic_ids_in
from assistant.settings import PROJECT_ROOT
from assistant.text import TextNormalizer
from tests.conftest import SPEC_TOPICS, nlu_examples

DOMAIN = yaml.safe_load((PROJECT_ROOT / "assistant/rasa/domain.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((PROJECT_ROOT / "assistant/rasa/rules.yml").read_text(encoding="utf-8"))
NLU_FILES = sorted(p for p in (PROJECT_ROOT / "nlu_data").glob("*.yml") if p.name != "normalization.yml")
REGISTER_FILES = sorted((PROJECT_ROOT / "nlu_data" / "registers").glob("*.yml"))
REGISTER_FILES += sorted((PROJECT_ROOT / "nlu_data" / "control").glob("*.yml"))
TRAINING = {}
for _path in NLU_FILES + REGISTER_FILES:
    for _intent, _examples in nlu_examples(_path).items():
        TRAINING.setdefault(_intent, []).extend(_examples)
TEST_SET = nlu_examples(PROJECT_ROOT / "tests/data/nlu_test.yml")


@pytest.fixture(scope="module")
def topic_ids():
    return topic_ids_in(SPEC_TOPICS)


CONTROL_FILES = sorted((PROJECT_ROOT / "nlu_data" / "control").glob("*.yml"))
PAYLOAD_ONLY = {"guide_start", "guide_answer", "handoff_callback", "handoff_feedback", "age_band"}


def test_intents_are_the_topics_then_the_guide_controls(topic_ids):
    controls = [p.stem for p in CONTROL_FILES]
    assert DOMAIN["intents"][: len(topic_ids)] == topic_ids
    assert set(DOMAIN["intents"][len(topic_ids):]) == set(controls) | PAYLOAD_ONLY
    for path in CONTROL_FILES:
        assert set(nlu_examples(path)) == {path.stem}, path.name


def test_every_topic_has_knowledge_training_data_and_a_rule(knowledge, topic_ids):
    assert set(knowledge.topics) == set(topic_ids)
    assert {p.stem for p in NLU_FILES} == set(topic_ids)
    answered = {r["steps"][0]["intent"] for r in RULES["rules"] if r["steps"][1]["action"] == "action_respond"}
    assert answered == set(DOMAIN["intents"]) | {"nlu_fallback"}


def test_each_topic_file_holds_its_own_intent_and_register_files_only_known_ones(knowledge):
    for path in NLU_FILES:
        assert set(nlu_examples(path)) == {path.stem}, path.name
    for path in REGISTER_FILES:
        assert set(nlu_examples(path)) <= set(DOMAIN["intents"]), path.name


@pytest.mark.parametrize("intent", sorted(TRAINING))
def test_at_least_40_varied_examples_per_topic(intent):
    examples = TRAINING[intent]
    assert len(examples) >= 40
    duplicates = sorted({e for e in examples if examples.count(e) > 1})
    assert duplicates == []


def test_training_data_covers_the_registers():
    everything = [e for examples in TRAINING.values() for e in examples]
    half_width = [e for e in everything if re.search(r"[\uff66-\uff9f]", e)]
    kana_only = [e for e in everything if re.fullmatch(r"[\u3041-\u309f\u30fc\s、。？！?!]+", e)]
    english = [e for e in everything if re.search(r"[A-Za-z]{4,}", e)]
    assert len(half_width) >= 32 and len(kana_only) >= 64 and len(english) >= 64


def test_test_set_is_held_out_and_covers_every_topic(knowledge):
    normalize = TextNormalizer.from_file()
    assert set(knowledge.topics) <= set(TEST_SET)
    assert all(len(v) >= 5 for v in TEST_SET.values())
    training = {normalize(e) for examples in TRAINING.values() for e in examples}
    leaked = [e for examples in TEST_SET.values() for e in examples if normalize(e) in training]
    assert leaked == []


def test_domain_lists_the_actions_the_rules_use():
    used = {step["action"] for rule in RULES["rules"] for step in rule["steps"] if "action" in step}
    assert used <= set(DOMAIN["actions"])


def test_readme_states_the_two_commands_and_ci_runs_make_test():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make run$", readme, re.M) and re.search(r"^make test$", readme, re.M)
    assert "make test" in (PROJECT_ROOT / ".ci/run").read_text()


def test_every_setting_is_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    source = (PROJECT_ROOT / "assistant/settings.py").read_text(encoding="utf-8")
    source += (PROJECT_ROOT / "assistant/launcher.py").read_text(encoding="utf-8")
    for name in sorted(set(re.findall(r"MADOGUCHI_[A-Z_]+", source))):
        assert name in readme, name
