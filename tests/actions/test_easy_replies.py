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


async def test_asking_for_easier_words_gives_the_last_answer_again_easy_and_easy_answers_after_it(knowledge):
    chat = Conversation(knowledge)
    first = await chat.say("public_fund_account", text="公金受取口座ってなんですか", entities={"subtopic": "overview"})
    overview = knowledge.topics["public_fund_account"].entry("overview")
    assert first[0]["text"].startswith(overview.answer[:20])
    for said in ("むずかしくて わからん", "easier please", "ひらがなで おねがい"):
        other = Conversation(knowledge)
        await other.say("public_fund_account", text="公金受取口座ってなんですか", entities={"subtopic": "overview"})
        assert overview.easy in (await other.say("nlu_fallback", text=said))[0]["text"], said
    easier = await chat.say("nlu_fallback", text="もっとかんたんに いうて")
    assert overview.easy in easier[0]["text"] and easier[0]["custom"] == EASY
    assert chat.slots["last_entry"] == "overview" and chat.slots["easy_words"] is True
    later = await chat.say("card_return", text="返納したい", entities={"subtopic": "deceased"})
    assert knowledge.topics["card_return"].entry("deceased").easy in later[0]["text"] and later[0]["custom"] == EASY


async def test_easier_words_asked_before_any_answer_are_promised_and_a_question_about_difficulty_is_answered(knowledge):
    chat = Conversation(knowledge)
    promised = await chat.say("guide_stuck", text="むずかしい ことば わからん")
    assert promised[0]["text"] == knowledge.conversation.easier_no_answer and chat.slots["easy_words"] is True
    # Hard Japanese and a person asked for: the person, not easier words.
    assert not knowledge.conversation.asks_easier("にほんご むずかしい です。まどぐち の ひと と はなしたい")
    assert knowledge.conversation.asks_for_person("にほんご むずかしい です。まどぐち の ひと と はなしたい")
    # Thanks, the past, a scam mail, a question about ease: no request for easier words.
    for text in ("わかりやすく説明してくれて助かりました", "むずかしかったけど できました", "簡単にポイントもらえるってメール来た、本物？",
                 "簡単にできる？", "難しいので人と話したい"):
        assert not knowledge.conversation.asks_easier(text), text
    for text in ("もっとかんたんに", "もう少しやさしく説明して", "むずかしい", "ひらがなで おねがい"):
        assert knowledge.conversation.asks_easier(text), text
    # 「申請って難しい？」 names a thing of the card: a question, answered as one.
    question = await Conversation(knowledge).say("apply_card", text="マイナの申請って難しい？", entities={"subtopic": "methods"})
    assert not question[0]["text"].startswith(knowledge.conversation.easier_reply)
    # In a guide, 「むずかしい」 is being stuck, not a request for another wording of an answer.
    guide = Conversation(knowledge)
    await guide.say("guide_start", entities={"guide": "apply_pc"})
    stuck = await guide.say("guide_stuck", text="むずかしい")
    assert "easy_words" not in guide.slots and not stuck[0]["text"].startswith(knowledge.conversation.easier_reply)


async def test_a_message_in_hiragana_gets_the_easy_answer_and_one_with_kanji_or_hankaku_the_usual_one(knowledge):
    entry = knowledge.topics["pin_forgotten_locked"].entry("forgotten_locked")
    for text, easy in (("あんしょうばんごう わすれて しもうた", True), ("まいなかーど の ばんごう わすれた どないしたら ええ", True),
                       ("暗証番号わすれた", False), ("ｱﾝｼｮｳﾊﾞﾝｺﾞｳ ﾜｽﾚﾀ", False), ("I forgot my PIN", False),
                       ("カードのばんごうわすれた", False)):
        messages = await Conversation(knowledge).say("pin_forgotten_locked", text=text, entities={"subtopic": "forgotten_locked"})
        assert (entry.easy.splitlines()[0] in messages[0]["text"]) is easy, text
        assert (messages[0]["custom"] == EASY) is easy, text


async def test_a_hiragana_question_keeps_easy_words_and_asking_easier_again_offers_a_person(knowledge):
    entry = knowledge.topics["pin_forgotten_locked"].entry("forgotten_locked")
    chat = Conversation(knowledge)
    await chat.say("pin_forgotten_locked", text="あんしょうばんごう わすれて しもうた", entities={"subtopic": "forgotten_locked"})
    assert chat.slots["easy_words"] is True
    later = await chat.say("card_return", text="返納したい", entities={"subtopic": "deceased"})
    assert knowledge.topics["card_return"].entry("deceased").easy in later[0]["text"]
    # Already in its easiest words: not the same text again, a person instead.
    again = await chat.say("nlu_fallback", text="もっと かんたんに いって")
    assert again[0]["text"] == knowledge.conversation.easier_already and entry.easy not in again[0]["text"]
    assert "/human_help_request" in [b["payload"] for b in again[0]["buttons"]]
