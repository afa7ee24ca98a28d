"""The actions, run with a tracker and a CollectingDispatcher (no server needed)."""

import pytest
from rasa_sdk.events import SlotSet

from actions.respond import ActionRespond
from tests.helpers.conversation import OPEN_HOURS, handoff_store
from tests.helpers.actions import run, tracker


@pytest.fixture
def answer(knowledge):
    return ActionRespond(knowledge, store=handoff_store(), clock=lambda: OPEN_HOURS)


did_you_mean = answer


async def test_lost_card_answer_gives_the_24h_free_dial_with_source(answer):
    messages, events = await run(answer, tracker("lost_card_suspend", "マイナンバーカードをなくしてしまいました。すぐに止めたい"))
    text = messages[0]["text"]
    assert "0120-95-0178" in text and "24時間" in text
    assert "出典：http" in text and "時点の情報です" in text
    assert SlotSet("fallback_count", 0.0) in events
    assert SlotSet("last_topic", "lost_card_suspend") in events


async def test_every_answer_offers_follow_up_buttons(answer, knowledge):
    for topic_id in knowledge.topics:
        if topic_id == "human_help_request":  # a person takes over: the bot offers nothing more
            continue
        messages, _ = await run(answer, tracker(topic_id, knowledge.topics[topic_id].default_entry.questions[0]))
        assert messages[0]["buttons"], topic_id


async def test_a_single_word_gets_a_clarifying_question_with_buttons(answer):
    messages, events = await run(answer, tracker("pin_forgotten_locked", "暗証番号"))
    assert messages[0]["text"].startswith("どの暗証番号のことですか")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/pin_forgotten_locked{"subtopic":"convenience_store_reset"}' in payloads
    assert SlotSet("last_entry", None) in events


async def test_a_subtopic_button_answers_that_entry(answer):
    entities = [{"entity": "subtopic", "value": "convenience_store_reset"}]
    messages, _ = await run(answer, tracker("pin_forgotten_locked", '/pin_forgotten_locked{"subtopic":"convenience_store_reset"}', entities))
    assert "JPKI暗証番号リセット" in messages[0]["text"]


async def test_an_unknown_subtopic_is_ignored_not_fatal(answer):
    entities = [{"entity": "subtopic", "value": "no_such_entry"}]
    messages, _ = await run(answer, tracker("fees", "再発行の手数料", entities))
    assert "1,000円" in messages[0]["text"]


async def test_out_of_scope_gives_the_city_general_contact(answer, knowledge):
    messages, _ = await run(answer, tracker("out_of_scope", "明日の天気は？"))
    assert knowledge.municipality["city"]["general_phone"] in messages[0]["text"]


async def test_greeting_shows_the_topic_menu(answer, knowledge):
    messages, _ = await run(answer, tracker("greeting", "こんにちは"))
    assert [b["title"] for b in messages[0]["buttons"]] == [label for label, _ in knowledge.menu]


async def test_an_intent_without_knowledge_still_gets_an_answer(answer, knowledge):
    messages, _ = await run(answer, tracker("something_new", "?"))
    assert knowledge.municipality["city"]["general_phone"] in messages[0]["text"]


async def test_did_you_mean_offers_the_top_topics(did_you_mean):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "fees", "confidence": 0.3},
        {"name": "out_of_scope", "confidence": 0.2},
        {"name": "card_renewal", "confidence": 0.2},
        {"name": "cert_renewal", "confidence": 0.1},
        {"name": "apply_card", "confidence": 0.06},
    ]
    messages, events = await run(did_you_mean, tracker("nlu_fallback", "かーどのおかね", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/fees", "/card_renewal", "/cert_renewal", "/human_help_request"]
    assert "職員" in messages[0]["text"]  # a question no entry answers is one for staff
    assert events == [SlotSet("fallback_count", 1.0)]


async def test_second_failure_in_a_row_hands_over_to_staff(did_you_mean, knowledge):
    t = tracker("nlu_fallback", "???", slots={"fallback_count": 1.0})
    messages, events = await run(did_you_mean, t)
    assert "職員におつなぎします" in messages[0]["text"]
    assert handoff_store().open_handoff(t.sender_id).reason == "nlu_failure"
    assert events[-2:] == [SlotSet("fallback_count", 0.0), SlotSet("handoff_stage", None)]
    handoff_store().cancel(handoff_store().open_handoff(t.sender_id))


async def test_no_candidates_shows_the_menu(did_you_mean, knowledge):
    messages, _ = await run(did_you_mean, tracker("nlu_fallback", "🙂🙂🙂🙂🙂🙂🙂", ranking=[{"name": "nlu_fallback", "confidence": 1.0}]))
    assert len(messages[0]["buttons"]) == len(knowledge.menu)


async def test_a_bare_word_is_asked_to_say_more_with_the_menu(did_you_mean, knowledge):
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "fees", "confidence": 0.14}]
    messages, events = await run(did_you_mean, tracker("nlu_fallback", "カード", ranking=ranking))
    assert messages[0]["text"] == knowledge.topics["unclear_need_clarification"].default_entry.answer
    assert len(messages[0]["buttons"]) == len(knowledge.menu)
    assert events == [SlotSet("fallback_count", 1.0), SlotSet("last_topic", "unclear_need_clarification")]


async def test_an_unsure_guide_command_outside_a_guide_is_not_understood(answer):
    t = tracker("guide_stop", "qwertyuiop asdf")
    t.latest_message["intent"]["confidence"] = 0.44
    messages, events = await run(answer, t)
    assert "読み取れませんでした" in messages[0]["text"] or "ご用件" in messages[0]["text"]
    assert SlotSet("fallback_count", 1.0) in events


async def test_a_sure_guide_command_outside_a_guide_says_so(answer):
    messages, _ = await run(answer, tracker("guide_done", "できました"))
    assert "いまは手順のご案内をしていません" in messages[0]["text"]


async def test_i_dont_understand_after_an_answer_offers_the_steps_a_person_and_the_phone(answer):
    messages, events = await run(answer, tracker("guide_stuck", "わからない",
                                                 slots={"last_topic": "pin_forgotten_locked", "last_entry": "forgotten_locked"}))
    assert "すみません" in messages[0]["text"] and "いまは手順のご案内をしていません" not in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[:3] == ['/guide_start{"guide":"pin_reset"}', "/human_help_request", '/human_help_request{"subtopic":"phone"}']
    assert events == []
    # Nothing answered yet: nothing to apologise for.
    first, _ = await run(answer, tracker("guide_stuck", "わからない"))
    assert "いまは手順のご案内をしていません" in first[0]["text"]


async def test_a_greeting_the_nlu_is_unsure_of_is_greeted_back_with_the_menu(did_you_mean, knowledge):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "unclear_need_clarification", "confidence": 0.51},
               {"name": "greeting", "confidence": 0.49}]
    t = tracker("nlu_fallback", "おはようございます、ちょっと聞きたいことがあって", ranking=ranking, slots={"fallback_count": 1.0})
    messages, events = await run(did_you_mean, t)
    assert messages[0]["text"].startswith("おはようございます。")  # the resident's own greeting, returned
    assert len(messages[0]["buttons"]) == len(knowledge.menu)
    assert SlotSet("fallback_count", 0.0) in events  # a greeting is no failure: no handoff follows


async def test_a_greeting_with_a_question_it_cannot_place_gets_the_nearest_topics(did_you_mean):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "apply_card", "confidence": 0.45},
               {"name": "smartphone_card", "confidence": 0.3}]
    messages, _ = await run(did_you_mean, tracker("nlu_fallback", "こんにちは、カードケースはどこで買えますか", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]][:2] == ["/apply_card", "/smartphone_card"]


def test_an_answer_with_its_own_yes_or_no_says_it_once_and_the_right_way_round():
    from actions.answer import with_yes_no

    answer = "いいえ。コンビニで取る住民票の写しには、マイナンバーを載せることができません。\n窓口で取れます。"
    # asked the usual way round: said once, not 「いいえ、いいえ。」
    assert with_yes_no(answer, "いいえ、コンビニの住民票には載せられません。", True) == answer
    # asked the other way round (「載せられないの？」): the short answer's はい replaces the answer's own いいえ
    assert with_yes_no(answer, "はい、コンビニの住民票には載せられません。", True).startswith("はい。コンビニで取る")
    # no yes/no question (「番号入りの住民票はどこで取れる？」): no はい or いいえ at all
    assert with_yes_no(answer, None, False).startswith("コンビニで取る住民票の写しには")
    # not sure enough of the entry for a short answer, but a yes/no question: the answer as written
    assert with_yes_no(answer, None, True) == answer
    assert with_yes_no("手数料は無料です。", "いいえ、無料です。", True) == "いいえ、手数料は無料です。"


def test_a_short_answer_that_says_the_first_line_again_in_other_words_is_said_once():
    from actions.answer import says_the_same

    head = "署名用と利用者証明用の暗証番号は、一部のコンビニ（セブン-イレブン、イオンなど）のマルチコピー機で無料で再設定できます。"
    assert says_the_same("署名用と利用者証明用は、一部のコンビニ（セブン-イレブンなど）で再設定できます。", head)
    assert not says_the_same("はがきをなくしても、カードは受け取れます。", "交付通知書をなくしたときは、窓口にご相談ください。")
    assert not says_the_same("一部のコンビニで再設定できます。", "一部のコンビニでは再設定できません。")
