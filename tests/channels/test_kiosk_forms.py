"""The kiosk's replies carry both forms of an answer or guide step (the やさしい日本語 switch re-shows them),
and the header's buttons have furigana."""
from actions.common import Answers
from assistant.channels.kiosk import header_labels
from assistant.channels.kiosk_forms import add_forms, both_forms, text_pairs
from assistant.channels.render import to_kiosk
from assistant.channels.furigana import get_furigana


def test_every_answer_in_either_form_carries_both(knowledge):
    pairs, answers = text_pairs(knowledge), Answers(knowledge)
    for topic in knowledge.topics.values():
        for entry in topic.entries:
            ordinary, easy = (answers.answer(topic, entry, e)["text"] for e in (False, True))
            assert both_forms(ordinary, pairs) == both_forms(easy, pairs) == (ordinary, easy), f"{topic.id}/{entry.id}"


def test_a_guide_step_keeps_its_heading_and_checklist_in_the_other_form(knowledge):
    step = knowledge.guides["apply_pc"].steps[1]
    text = f"手順 2/5「パソコンで申請」\n{step.text}\n・本人確認書類"
    shown = add_forms(to_kiosk([{"text": text}], get_furigana()), text_pairs(knowledge), get_furigana())[0]
    assert shown["forms"]["ordinary"]["text"] == text
    assert shown["forms"]["easy"]["text"] == f"手順 2/5「パソコンで申請」\n{step.easy}\n・本人確認書類"
    assert "<ruby>" in shown["forms"]["easy"]["ruby"]


def test_a_text_without_an_easy_form_has_none(knowledge):
    pairs = text_pairs(knowledge)
    assert both_forms("どの暗証番号のことですか？", pairs) is None
    entry = next(iter(knowledge.topics.values())).entries[0]
    assert both_forms("はい。" + entry.answer, pairs) is None  # only whole lines are an answer's text
    assert "forms" not in add_forms(to_kiosk([{"text": "ありがとうございます。"}], get_furigana()), pairs, get_furigana())[0]


def test_header_buttons_have_furigana_and_keep_their_break_points():
    labels = header_labels(get_furigana())
    assert 'data-plain-html="最初の&lt;wbr&gt;メニュー"' in labels["menu-again"]
    assert labels["menu-again"].endswith(">最初の<wbr>メニュー")
    assert "&lt;rt&gt;しょくいん&lt;/rt&gt;" in labels["call-staff"] and "&lt;rt&gt;よ&lt;/rt&gt;" in labels["call-staff"]
    assert "&lt;rt&gt;もじ&lt;/rt&gt;" in labels["show-tools"] and "&lt;rt&gt;にほんご&lt;/rt&gt;" in labels["easy"]
    assert "&lt;rt&gt;だい&lt;/rt&gt;" in labels["size-large"]
    assert 'data-ruby="おわる"' in labels["finish"]
