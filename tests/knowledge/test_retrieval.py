"""Picking the sub-question of a topic that fits the resident's words (the fallback when the NLU names no entry of
the topic; kana and kanji meet in the NLU: tests/nlu)."""
import pytest

from assistant.knowledge.retrieval import EntryPicker, grams
from assistant.text import TextNormalizer


@pytest.fixture(scope="module")
def pick(knowledge):
    normalizer = TextNormalizer.from_file()
    pickers = {}

    def _pick(topic_id, text):
        if topic_id not in pickers:
            pickers[topic_id] = EntryPicker(knowledge.topics[topic_id], normalizer)
        return pickers[topic_id].pick(text)

    return _pick


@pytest.mark.parametrize(
    "topic, text, entry",
    [
        ("pin_forgotten_locked", "暗証番号を忘れてしまいました", "forgotten_locked"),
        ("pin_forgotten_locked", "コンビニで暗証番号をリセットできる？", "convenience_store_reset"),
        ("pin_forgotten_locked", "何回まちがえたらロックされますか", "tries"),
        ("lost_card_suspend", "見つかったらどうすればいい", "found"),
        ("lost_card_suspend", "特急で発行してほしい", "express"),
        ("fees", "再発行の手数料はいくら", "reissue"),
        ("receive_card", "はがきをなくしてしまった", "lost_postcard"),
        ("address_change", "90日過ぎたらどうなる", "ninety_days"),
        ("apply_photo", "眼鏡をかけたままでいい？", "glasses"),
        ("card_return", "マイナンバーカードを返納したいです", "voluntary"),
        ("proxy_receive", "母が入院していて受け取りに行けません。家族が代わりに受け取れますか", "hospital_facility"),
    ],
)
def test_specific_questions_get_their_entry(pick, topic, text, entry):
    choice = pick(topic, text)
    assert choice.entry.id == entry
    assert not choice.ambiguous


def test_a_single_word_is_ambiguous_and_lists_every_entry(pick, knowledge):
    choice = pick("pin_forgotten_locked", "暗証番号")
    assert choice.ambiguous
    assert {e.id for e in choice.candidates} == {e.id for e in knowledge.topics["pin_forgotten_locked"].entries}


def test_nothing_in_common_falls_back_to_the_default_and_asks(pick):
    choice = pick("fees", "🙂")
    assert choice.ambiguous and choice.entry.default


def test_grams_fold_kana_and_skip_punctuation():
    assert grams("あい、う") == ["アイ", "イウ"]
    assert grams("") == []
