"""The kiosk's rendering of an answer's 「役に立った」「役に立たなかった」: a group of its own with the question it answers."""
from assistant.analytics import feedback
from assistant.channels.render import RATING_QUESTION, Button, is_rating, to_kiosk
from assistant.channels.furigana import get_furigana


def test_rating_buttons_come_apart_under_their_question():
    other = {"title": "コンビニ交付", "payload": "/convenience_store"}
    shown = to_kiosk([{"text": "暗証番号は窓口で再設定できます。", "buttons": [other, *feedback.buttons("pin/forgot")]}],
                     get_furigana())[0]
    assert [b["title"] for b in shown["buttons"]] == ["コンビニ交付"]
    rating = shown["rating"]
    assert rating["question"] == RATING_QUESTION and "<rt>" in rating["ruby"]
    assert [(b["title"], b["payload"]) for b in rating["buttons"]] == \
        [(b["title"], b["payload"]) for b in feedback.buttons("pin/forgot")]
    assert all("<rt>" in b["ruby"] for b in rating["buttons"])  # 役に立った gets its reading


def test_other_buttons_on_the_feedback_intent_are_no_rating():
    assert not is_rating(Button("職員に相談", "/human_help_request"))
    assert not is_rating(Button("はい", '/handoff_feedback{"answer":"yes"}'))  # a handoff's own question
    assert not is_rating(Button("壊れた", "/handoff_feedback{not json"))
    plain = to_kiosk([{"text": "どの暗証番号ですか？", "buttons": [{"title": "署名用", "payload": "/a"}]}], get_furigana())[0]
    assert plain["rating"] is None and len(plain["buttons"]) == 1
