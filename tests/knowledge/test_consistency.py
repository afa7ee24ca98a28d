"""Data and code agree: topics, intents, knowledge, rules, training data, test data, README, the settings page."""
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


SETTINGS_PAGE = PROJECT_ROOT / "docs" / "settings.md"


def settings_table() -> dict:
    """docs/settings.md's table: each setting named in a row's first cell -> that row's default cell."""
    rows = {}
    for line in SETTINGS_PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `MADOGUCHI_") and len(cells) == 3:
            for name in re.findall(r"`(MADOGUCHI_[A-Z0-9_]+)`", cells[0]):
                rows[name] = cells[1]
    return rows


def settings_the_code_reads() -> set:
    """Every MADOGUCHI_ name in the product's code and endpoint files (not a family prefix like MADOGUCHI_PG_)."""
    names = set()
    for path in (PROJECT_ROOT / "assistant").rglob("*"):
        if path.suffix in (".py", ".yml") and path.is_file():
            names.update(re.findall(r"MADOGUCHI_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    return names


def test_every_setting_has_a_row_in_the_settings_page():
    missing = sorted(settings_the_code_reads() - set(settings_table()))
    assert missing == [], f"not in docs/settings.md's table: {missing}"


def test_the_settings_page_states_the_codes_defaults():
    """A number or 0/1 switch of Settings, TelegramSettings or EdgeSettings has that default in its row."""
    from assistant.server.edge import EdgeSettings
    from assistant.settings import Settings, TelegramSettings

    table = settings_table()
    defaults = {**vars(Settings.from_env({})), **vars(TelegramSettings.from_env({"MADOGUCHI_TELEGRAM_TOKEN": "1:a"}))}
    defaults.update({f"http_{k}" if k.endswith("timeout") else k: v for k, v in vars(EdgeSettings.from_env({})).items()})
    checked = 0
    for name, cell in table.items():
        key = name[len("MADOGUCHI_"):].lower()
        value = defaults.get(key)
        if key == "nlu_workers" or isinstance(value, str) or not isinstance(value, (bool, int, float)):
            continue
        shown = str(int(value)) if isinstance(value, bool) or float(value).is_integer() else str(value)
        assert re.match(rf"`{re.escape(shown)}`", cell), (name, cell, value)
        checked += 1
    assert checked >= 15
