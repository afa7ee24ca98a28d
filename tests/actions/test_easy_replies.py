"""In easy mode every answer and guide step is its やさしい日本語 text, marked as such for the kiosk; other texts are not marked."""
from actions.common import Answers
from tests.helpers.conversation import Conversation

EASY = {"easy": True}


def test_every_entry_answers_with_its_easy_text_marked_easy(knowledge):
    answers = Answers(knowledge)
    for topic in knowledge.topics.values():
        for entry in topic.entries:
            easy = answers.answer(topic, entry, easy=True)
            assert easy["text"].startswith(entry.easy) and easy["custom"] == EASY, (topic.id, entry.id)
            ordinary = answers.answer(topic, entry)
            assert ordinary["text"].startswith(entry.answer) and not ordinary["custom"], (topic.id, entry.id)


async def test_a_resident_in_easy_mode_gets_the_easy_answer_marked(knowledge):
    chat = Conversation(knowledge, metadata=EASY)
    messages = await chat.say("card_return", entities={"subtopic": "deceased"})
    assert knowledge.topics["card_return"].entry("deceased").easy in messages[0]["text"]
    assert messages[0]["custom"] == EASY


async def test_a_guide_step_in_easy_mode_is_the_easy_text_marked(knowledge):
    guide = knowledge.guides["apply_pc"]
    chat = Conversation(knowledge, metadata=EASY)
    messages = await chat.say("guide_start", entities={"guide": guide.id})
    step = [m for m in messages if "手順 1/" in m.get("text", "")][0]
    assert step["text"].startswith("手順 1/") and guide.steps[0].easy in step["text"] and step["custom"] == EASY
    ordinary = await Conversation(knowledge).say("guide_start", entities={"guide": guide.id})
    assert not [m for m in ordinary if "手順 1/" in m.get("text", "")][0]["custom"]


async def test_a_question_back_has_no_easy_form_and_is_not_marked_easy(knowledge):
    chat = Conversation(knowledge, metadata=EASY)
    messages = await chat.say("pin_forgotten_locked", text="暗証番号")
    assert messages[0]["text"].startswith("どの暗証番号のことですか")
    assert not messages[0]["custom"].get("easy")


def test_the_kiosk_reply_carries_the_easy_mark_that_rasa_sends_as_its_own_message():
    from assistant.channels.render import to_kiosk
    from assistant.channels.furigana import get_furigana

    messages = [{"recipient_id": "k", "text": "やさしい答え", "buttons": []}, {"recipient_id": "k", "custom": {"easy": True}},
                {"recipient_id": "k", "text": "どれですか？", "buttons": [{"title": "はい", "payload": "/yes"}]}]
    shown = [m for m in to_kiosk(messages, get_furigana()) if m["text"]]
    assert [m["text"] for m in shown] == ["やさしい答え", "どれですか？"]
    assert shown[0]["custom"].get("easy") is True and not shown[1]["custom"].get("easy")
