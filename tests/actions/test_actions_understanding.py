"""The actions acting on the NLU's entry choice (response_selector), with guard rails and conversation words."""
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.respond import ActionRespond
from tests.helpers.conversation import OPEN_HOURS, handoff_store
from tests.helpers.actions import run


def tracker(intent: str, text: str, ranking: List[Tuple[str, float]],
            parts: Optional[List[Tuple[str, float, str]]] = None) -> Tracker:
    latest: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [],
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "response_selector": {"default": {
            "ranking": [{"intent_response_key": k, "confidence": c} for k, c in ranking],
            "parts": [{"intent_response_key": k, "confidence": c, "text": t, "asks": not t.endswith("。")} for k, c, t in parts or []],
        }},
    }
    return Tracker("resident-1", {}, latest, [], False, None, {}, "action_listen")


@pytest.fixture
def respond(knowledge):
    yield ActionRespond(knowledge, store=handoff_store(), clock=lambda: OPEN_HOURS)
    opened = handoff_store().open_handoff("resident-1")
    if opened is not None:  # leave the shared store as the other action tests expect it
        handoff_store().cancel(opened)


async def test_the_nlu_entry_is_answered(respond, knowledge):
    text = "電子証明書ってなんですか"
    messages, events = await run(respond, tracker("cert_renewal", text, [("cert_renewal/what_is", 0.7), ("cert_renewal/expiry", 0.2)]))
    assert messages[0]["text"].startswith(knowledge.entry_by_key("cert_renewal/what_is").answer.splitlines()[0])
    assert SlotSet("last_entry", "what_is") in events


async def test_a_high_stakes_entry_without_its_signal_falls_to_the_next(respond):
    text = "災害で避難所にいてカードが手元にありません"
    messages, events = await run(respond, tracker("lost_card_suspend", text, [
        ("lost_card_suspend/dv_evacuated", 0.6), ("lost_card_suspend/doctor_visit", 0.2)]))
    assert SlotSet("last_entry", "doctor_visit") in events
    assert not any("handoff" in (m.get("custom") or {}) for m in messages)


async def test_the_high_stakes_entry_with_its_signal_hands_over(respond):
    text = "夫の暴力から逃げてきて、カードは夫の家にあります"
    messages, events = await run(respond, tracker("lost_card_suspend", text, [("lost_card_suspend/dv_evacuated", 0.8)]))
    assert SlotSet("last_entry", "dv_evacuated") in events
    assert any("handoff" in (m.get("custom") or {}) for m in messages)


async def test_phishing_warning_comes_first_with_the_question_as_a_button(respond):
    text = "ポイントの付与が保留されていますとメールが来ました。ポイントの確認方法は？"
    messages, events = await run(respond, tracker("mynapoint", text, [("mynapoint/check_points", 0.8)]))
    assert "詐欺" in messages[0]["text"]
    assert SlotSet("last_entry", "phishing") in events
    assert '/mynapoint{"subtopic":"check_points"}' in [b["payload"] for b in messages[0]["buttons"]]


async def test_a_suspected_scam_mail_the_nlu_could_not_place_still_gets_the_warning(respond):
    text = "マイナポイント2万円分の付与が保留中ですってメールがきた。ポイントってどこで確認できる？"
    t = tied(text, [("mynapoint", 0.5), ("scam_security", 0.45)], [("mynapoint/check_points", 0.5), ("scam_security/phishing", 0.45)])
    messages, events = await run(respond, t)
    assert "詐欺" in messages[0]["text"] and SlotSet("last_topic", "scam_security") in events


async def test_a_scam_call_asking_for_money_gets_the_warning_about_calls_first(respond):
    text = "Somebody called me, he said he is from the city and I must pay money for my card. true??"
    messages, events = await run(respond, tracker("scam_security", text, [("scam_security/bank_info", 0.8)]))
    assert SlotSet("last_entry", "scam_calls") in events
    assert "電話" in messages[0]["text"]
    assert "0120-0178-27" in messages[0]["text"]  # in English: the multilingual lines first


async def test_a_bare_acknowledgement_gets_a_plain_go_on_when_you_like(respond):
    # The NLU reads 「了解」 as a guide's 「できた」 or a fee question; outside a guide it is neither.
    messages, events = await run(respond, tracker("fees", "了解", [("fees/first_time", 0.8)]))
    assert SlotSet("last_topic", "goodbye") in events and SlotSet("last_entry", "ok") in events
    assert "円" not in messages[0]["text"]


async def test_a_question_in_english_names_the_multilingual_lines_first(respond, knowledge):
    messages, events = await run(respond, tracker("card_renewal", "How do I renew my My Number card?",
                                                  [("card_renewal/how_to_renew", 0.9)]))
    assert messages[0]["text"].startswith(knowledge.conversation.english_note)
    assert "0120-0178-27" in messages[0]["text"] and SlotSet("last_entry", "how_to_renew") in events
    messages, _ = await run(respond, tracker("card_renewal", "カードの更新はどうすればいいですか", [("card_renewal/how_to_renew", 0.9)]))
    assert "0120-0178-27" not in messages[0]["text"]


async def test_other_parts_are_offered_as_buttons(respond):
    text = "引越しの手続きを忘れてた。カードまだ使える？再発行いくら？"
    messages, events = await run(respond, tracker("address_change", text, [("address_change/ninety_days", 0.6)],
                                                  parts=[("fees/reissue", 0.7, "再発行いくら？")]))
    assert SlotSet("last_entry", "ninety_days") in events
    assert messages[0]["buttons"][0]["payload"] == '/fees{"subtopic":"reissue"}'


async def test_a_fee_the_answer_states_is_not_offered_unless_its_procedure_is_named(respond):
    text = "電子証明書の期限が切れた。更新はどこ？あと手数料いる？"
    messages, _ = await run(respond, tracker("cert_renewal", text, [("cert_renewal/how_to_renew", 0.8)],
                                             parts=[("fees/first_time", 0.7, "あと手数料いる？")]))
    assert not any(b["payload"].startswith("/fees") for b in messages[0]["buttons"])
    text = "電子証明書の期限が切れた。更新はどこ？カードの再発行っていくら？"
    messages, _ = await run(respond, tracker("cert_renewal", text, [("cert_renewal/how_to_renew", 0.8)],
                                             parts=[("fees/reissue", 0.7, "カードの再発行っていくら？")]))
    assert messages[0]["buttons"][0]["payload"] == '/fees{"subtopic":"reissue"}'


async def test_greeting_and_feeling_come_before_the_fact(respond):
    text = "こんにちは。暗証番号がわからなくて困っています"
    messages, _ = await run(respond, tracker("pin_forgotten_locked", text, [("pin_forgotten_locked/forgotten_locked", 0.8)]))
    first = messages[0]["text"]
    assert first.startswith("こんにちは。お困りですね。\n")


async def test_out_of_scope_with_domain_words_goes_to_the_domain(respond):
    text = "施設にいる母の保険証のことで"
    messages, events = await run(respond, tracker("out_of_scope", text, [
        ("out_of_scope/chitchat", 0.5), ("health_insurance_card/care_facility", 0.4)]))
    assert SlotSet("last_topic", "health_insurance_card") in events


async def test_giving_up_offers_a_person_at_once(respond):
    messages, events = await run(respond, tracker("goodbye", "もういい、人間だして", [("goodbye/bye", 0.6)]))
    assert SlotSet("last_entry", "talk_staff") in events
    assert any("handoff" in (m.get("custom") or {}) for m in messages)


async def test_person_intent_without_asking_words_offers_instead_of_calling(respond):
    messages, events = await run(respond, tracker("human_help_request", "電話したいんだけど何時まで", [
        ("human_help_request/talk_staff", 0.5)]))
    assert not any("handoff" in (m.get("custom") or {}) for m in messages)
    assert messages[0]["buttons"][0]["payload"] == "/human_help_request"


@pytest.mark.parametrize("text, ranking, topic, entry", [
    # the resident says what they want instead of a person: the desk's number, or another question
    ("職員と話したいわけじゃない、市民課の電話番号だけ知りたい",
     [("human_help_request/talk_staff", 0.5), ("lost_card_suspend/stop_now", 0.2), ("human_help_request/phone", 0.15)],
     "human_help_request", "phone"),
    ("人と話したいわけではなくて、暗証番号を忘れたときのことが知りたいです",
     [("human_help_request/talk_staff", 0.5), ("pin_forgotten_locked/forgotten_locked", 0.3)],
     "pin_forgotten_locked", "forgotten_locked"),
])
async def test_no_person_when_the_resident_says_they_want_something_else(respond, text, ranking, topic, entry):
    messages, events = await run(respond, tracker("human_help_request", text, ranking))
    assert not any("handoff" in (m.get("custom") or {}) for m in messages)
    assert SlotSet("last_topic", topic) in events
    assert SlotSet("last_entry", entry) in events


@pytest.mark.parametrize("text", ["ロボットじゃなくて人間と話したい", "機械じゃなくて、ちゃんと人に聞きたいです",
                                  "電話じゃなくて、チャットで職員さんとやりとりしたい"])
async def test_not_the_machine_but_a_person_gets_a_person(respond, text):
    messages, events = await run(respond, tracker("human_help_request", text, [("human_help_request/talk_staff", 0.9)]))
    assert SlotSet("last_entry", "talk_staff") in events
    assert any("handoff" in (m.get("custom") or {}) for m in messages)


async def test_a_way_to_do_one_thing_is_answered_and_the_procedure_starts_the_guide(respond, knowledge):
    """「方法」 asking one entry's question (a faster reissue) gets that entry with the guide as a button;
    asking for the procedure of the topic's default entry starts the guide."""
    text = "なくしたカードを急いで作り直してもらう方法はありますか"
    messages, events = await run(respond, tracker("lost_card_suspend", text, [
        ("lost_card_suspend/express", 0.9), ("lost_card_suspend/reissue", 0.05)]))
    assert SlotSet("last_entry", "express") in events
    assert knowledge.entry_by_key("lost_card_suspend/express").answer.splitlines()[0][:20] in messages[0]["text"]
    assert any(b["payload"].startswith("/guide_start") for b in messages[0]["buttons"])

    text = "カードをなくしました。どうすればいいか手順を教えてください"
    messages, events = await run(respond, tracker("lost_card_suspend", text, [("lost_card_suspend/stop_now", 0.9)]))
    assert "手順を、ひとつずつご案内します" in messages[0]["text"]

    # Torn between two entries that are not the default (what the guide walks through): the better one is answered.
    text = "母の代わりに、家族でもマイナポータルにログインできる方法はありますか"
    torn = [("mynaportal_login/proxy", 0.49), ("mynaportal_login/what_can_do", 0.48), ("mynaportal_login/login_needs", 0.01)]
    messages, events = await run(respond, tracker("mynaportal_login", text, torn))
    assert SlotSet("last_entry", "proxy") in events
    likely = [("mynaportal_login/proxy", 0.5), ("mynaportal_login/login_needs", 0.4)]
    messages, events = await run(respond, tracker("mynaportal_login", "マイナポータルにログインする方法を教えて", likely))
    assert "手順を、ひとつずつご案内します" in messages[0]["text"]


async def test_a_way_to_find_the_period_is_answered_and_the_renewal_guide_answers_how_to_renew(respond):
    """The renewal guide walks through how to renew, not the period (the topic's default entry): 「期限を確認する
    方法」 gets the period; 「更新の方法」 starts the guide, which answers how to renew."""
    text = "父の電子証明書の期限がいつまでか確認する方法を教えて"
    messages, events = await run(respond, tracker("cert_renewal", text, [("cert_renewal/expiry", 0.99)]))
    assert SlotSet("last_entry", "expiry") in events and "手順を、ひとつずつご案内します" not in messages[0]["text"]
    text = "電子証明書の更新の方法を教えてください"
    messages, events = await run(respond, tracker("cert_renewal", text, [("cert_renewal/how_to_renew", 0.7), ("cert_renewal/expiry", 0.2)]))
    assert "手順を、ひとつずつご案内します" in messages[0]["text"]
    assert SlotSet("guide_id", "cert_renewal") in events and SlotSet("last_entry", "how_to_renew") in events


async def test_no_yes_or_no_first_when_the_message_asks_another_question_too(respond):
    """「…どうなりますか？あと口座はそのまま使えますか？」: the yes/no question is the second one."""
    text = "海外に引っ越す予定です。カードはどうなりますか？あと公金受取口座はそのまま使えますか？"
    messages, _ = await run(respond, tracker("overseas_move", text, [("overseas_move/overview", 0.9)],
                                             parts=[("public_fund_account/overview", 0.6, "あと公金受取口座はそのまま使えますか？")]))
    assert not messages[0]["text"].startswith(("はい", "いいえ"))
    alone = "海外に引っ越しても、このカードは使えますか？"
    messages, _ = await run(respond, tracker("overseas_move", alone, [("overseas_move/overview", 0.9)]))
    assert messages[0]["text"].startswith("はい")


async def test_a_part_that_only_tells_is_offered_and_keeps_the_yes_or_no(respond):
    """「カードをなくしました。警察に届けないといけませんか？」: the NLU offers stopping the card (a sentence that
    tells); the one question asked is still answered はい/いいえ first."""
    text = "海外に引っ越しても、このカードは使えますか？"
    messages, _ = await run(respond, tracker("overseas_move", text, [("overseas_move/overview", 0.9)],
                                             parts=[("lost_card_suspend/stop_now", 0.95, "カードをなくしました。")]))
    assert messages[0]["text"].startswith("はい")
    assert any("subtopic" in b["payload"] and "stop_now" in b["payload"] for b in messages[0]["buttons"])


async def test_a_short_answer_that_says_the_first_line_is_not_said_twice(respond, knowledge):
    text = "口座を登録したら、預金の残高とかが国に知られたりしますか？"
    messages, _ = await run(respond, tracker("public_fund_account", text, [("public_fund_account/worries", 0.9)]))
    said = "預金の金額やお金の出し入れの記録が国に知られることはありません。"
    assert messages[0]["text"].startswith("いいえ、口座を登録しても、" + said)
    assert messages[0]["text"].count(said) == 1


async def test_a_negative_question_the_short_answer_already_states_gets_はい(respond):
    text = "顔認証のマイナンバーカードって、暗証番号いらないの？"
    messages, _ = await run(respond, tracker("face_auth_card", text, [("face_auth_card/overview", 0.9)]))
    first, second = messages[0]["text"].split("\n")[:2]
    # はい on the answer's first line, which says the same as the short answer (said once); no feeling read into it.
    assert first.startswith("はい、") and "暗証番号を設定しない" in first and "があります" not in second


async def test_a_dv_victims_answer_has_no_fee_or_rating_buttons(respond):
    text = "夫の暴力から逃げてシェルターにいます。カードは家に置いてきました"
    messages, _ = await run(respond, tracker("lost_card_suspend", text, [("lost_card_suspend/dv_evacuated", 0.9)],
                                             parts=[("fees/reissue", 0.6, "再発行はいくら？")]))
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert not any(p.startswith(("/fees", "/feedback")) for p in payloads), payloads


async def test_the_residents_own_greeting_comes_back(respond):
    text = "おはようございます。暗証番号がわからなくて困っています"
    messages, _ = await run(respond, tracker("pin_forgotten_locked", text, [("pin_forgotten_locked/forgotten_locked", 0.9)]))
    assert messages[0]["text"].startswith("おはようございます。お困りですね。\n")
    messages, _ = await run(respond, tracker("greeting", "こんばんは", [("greeting/hello", 0.9)]))
    assert messages[0]["text"].startswith("こんばんは。") and "まどぐちナビ" in messages[0]["text"]


async def test_an_unsure_reading_gets_no_yes_or_no(respond):
    """A はい/いいえ before an answer the NLU is not sure of would mislead if the entry is wrong."""
    text = "わしはスマホを持っとらんのじゃが、マイナンバーカードは作れるんかのう"
    unsure = [("apply_online_smartphone/too_hard", 0.45), ("apply_card/methods", 0.35)]
    messages, _ = await run(respond, tracker("apply_online_smartphone", text, unsure))
    assert not messages[0]["text"].startswith(("はい", "いいえ"))
    sure = [("apply_online_smartphone/too_hard", 0.9), ("apply_card/methods", 0.05)]
    messages, _ = await run(respond, tracker("apply_online_smartphone", text, sure))
    assert messages[0]["text"].startswith("はい、")



def tied(text: str, topics: List[Tuple[str, float]], ranking: List[Tuple[str, float]],
         parts: Optional[List[Tuple[str, float, str]]] = None) -> Tracker:
    """The fallback's reading: nlu_fallback first, the topics after it as the NLU ranked them."""
    t = tracker("nlu_fallback", text, ranking, parts=parts)
    t.latest_message["intent"] = {"name": "nlu_fallback", "confidence": 0.5}
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.5}] + [
        {"name": n, "confidence": c} for n, c in topics]
    return t


async def test_two_tied_topics_with_a_near_certain_entry_of_one_answer_it(respond):
    text = "子どものカードを作りたい。写真は赤ちゃんでもいる？"
    ranking = [("apply_photo/baby", 0.91), ("apply_card/child", 0.09)]
    messages, events = await run(respond, tied(text, [("apply_card", 0.51), ("apply_photo", 0.49)], ranking))
    assert SlotSet("last_entry", "baby") in events
    # Unsure of every topic (not a tie), or unsure of the entry: the question back stays.
    for topics, ranking in (([("apply_card", 0.45), ("apply_photo", 0.40)], ranking),
                            ([("apply_card", 0.51), ("apply_photo", 0.49)], [("apply_photo/baby", 0.6), ("apply_card/child", 0.4)]),
                            ([("apply_card", 0.51), ("fees", 0.48)], [("apply_photo/baby", 0.95)])):
        messages, events = await run(respond, tied(text, topics, ranking))
        assert SlotSet("fallback_count", 1.0) in events and not any(e.get("name") == "last_entry" and e.get("value") for e in events)


async def test_two_tied_topics_whose_asking_sentence_is_near_certain_of_the_best_entry_answer_it(respond):
    text = "更新のお知らせが届きました。更新手続きに手数料は発生しますでしょうか。"
    ranking = [("fees/renewal", 0.7), ("card_renewal/how_to_renew", 0.25)]
    topics = [("card_renewal", 0.53), ("fees", 0.47)]
    messages, events = await run(respond, tied(text, topics, ranking, parts=[("fees/renewal", 0.99, "更新手続きに手数料は発生しますでしょうか。")]))
    assert SlotSet("last_entry", "renewal") in events and SlotSet("last_topic", "fees") in events
    # The asking sentence near certain of another entry than the best: the question back stays.
    messages, events = await run(respond, tied(text, topics, ranking, parts=[("card_renewal/how_to_renew", 0.99, "更新は？")]))
    assert SlotSet("fallback_count", 1.0) in events


async def test_a_tie_never_hands_over_without_the_entrys_own_words(respond):
    text = "災害で避難所にいてカードが手元にありません"
    messages, events = await run(respond, tied(text, [("lost_card_suspend", 0.52), ("scam_security", 0.47)],
                                               [("lost_card_suspend/dv_evacuated", 0.95)]))
    assert not any("handoff" in (m.get("custom") or {}) for m in messages)


async def test_the_residence_period_topic_needs_a_residence_word_in_the_message_or_the_question_it_follows(respond):
    from actions.understanding import READ_WITH
    from assistant.channels.follow_up import CONTEXT_KEY

    assert READ_WITH == CONTEXT_KEY
    ranking = [("foreign_resident_period/expired", 0.95), ("fees/renewal", 0.03), ("card_renewal/already_expired", 0.01)]
    # 「カードの期限が切れてた、お金かかる？」: the card's own expiry, not the 1,000円 reissue after a residence period.
    messages, events = await run(respond, tracker("foreign_resident_period", "カードの期限が切れてた お金かかる？", ranking))
    assert SlotSet("last_topic", "fees") in events and "1,000円" not in messages[0]["text"]
    messages, events = await run(respond, tracker("foreign_resident_period", "在留期限が切れてた カードは？", ranking))
    assert SlotSet("last_entry", "expired") in events
    # No residence word, and every other topic all but ruled out: a question back, not another topic's answer.
    sure = [("foreign_resident_period/same_day", 0.96), ("foreign_resident_period/pending", 0.039), ("receive_card/organ_donation", 0.001)]
    messages, events = await run(respond, tracker("foreign_resident_period", "カードをもらいました。きょう いけますか", sure))
    assert SlotSet("fallback_count", 1.0) in events
    messages, events = await run(respond, tracker("foreign_resident_period", "きょう にゅうかんで カード もらいました", sure))
    assert SlotSet("last_entry", "same_day") in events
    # A follow-up read with its question: the question's words count.
    follow = tracker("foreign_resident_period", "なんかい のばせますか", [("foreign_resident_period/pending", 0.99)])
    follow.latest_message[READ_WITH] = "ざいりゅうきかんの こうしんを しんせいしています"
    messages, events = await run(respond, follow)
    assert SlotSet("last_entry", "pending") in events


async def test_a_residence_word_read_from_romaji_counts(respond):
    # The NLU's text of 「zairyu card no kigen」 is 「ざいりゅ card の きげん」 (romaji read as kana, no long vowel).
    messages, events = await run(respond, tracker("foreign_resident_period", "myna card の きげん? ざいりゅ card の きげん と おなじ です か",
                                                  [("foreign_resident_period/expiry_date", 0.9)]))
    assert SlotSet("last_entry", "expiry_date") in events


def test_a_way_to_find_out_is_no_person_and_a_person_after_本人_is_one(knowledge):
    talk = knowledge.entry_by_key("human_help_request/talk_staff")
    assert not talk.signalled_by("番号が分かる方法を教えて")
    assert talk.signalled_by("詳しい方に聞きたい")
    assert talk.signalled_by("本人じゃなくて娘ですが、担当の人と話したい")


@pytest.mark.parametrize("text", ["请问有会说中文的人吗？我的卡丢了。", "카드를 잃어버렸어요. 어떻게 해요?"])
async def test_a_message_in_chinese_or_korean_gets_the_multilingual_line(respond, text):
    messages, events = await run(respond, tracker("fees", text, [("fees/first_time", 0.5)]))
    assert SlotSet("last_entry", "foreign_language") in events and "0120-0178-27" in messages[0]["text"]


async def test_an_unread_message_after_a_persons_answer_does_not_call_a_person_again(respond):
    t = tracker("nlu_fallback", "直接がいい", [("human_help_request/talk_staff", 0.3)])
    t.slots["last_topic"], t.slots["last_entry"] = "human_help_request", "talk_staff"
    messages, events = await run(respond, t)
    assert not any("handoff" in (m.get("custom") or {}) for m in messages)


async def test_a_victims_words_the_nlu_cannot_read_after_a_scam_warning_get_the_victims_answer(respond):
    t = tracker("nlu_fallback", "もう口座番号言っちゃった", [("scam_security/money_sent", 0.4)])
    t.slots["last_topic"], t.slots["last_entry"] = "scam_security", "scam_calls"
    messages, events = await run(respond, t)
    assert SlotSet("last_entry", "money_sent") in events
    assert any("handoff" in (m.get("custom") or {}) for m in messages) or any(
        e.get("name") == "handoff_stage" and str(e.get("value") or "").startswith("offered") for e in events)
    # Read with the warning as the warning again (a follow-up) is no reading of its own either.
    t = tracker("scam_security", "もう教えてしもうた どうしよう", [("scam_security/scam_calls", 0.8)])
    t.slots["last_topic"], t.slots["last_entry"] = "scam_security", "scam_calls"
    messages, events = await run(respond, t)
    assert SlotSet("last_entry", "money_sent") in events
    # A "what if" is no victim's.
    t = tracker("nlu_fallback", "口座番号を言っちゃったらどうなる？", [("scam_security/money_sent", 0.4)])
    t.slots["last_topic"], t.slots["last_entry"] = "scam_security", "scam_calls"
    messages, events = await run(respond, t)
    assert SlotSet("last_entry", "money_sent") not in events
