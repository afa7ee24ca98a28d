"""A short follow-up read with the previous question: when it is, and what of the two readings is kept."""
from types import SimpleNamespace

from assistant.channels import follow_up


class FakeTracker:
    def __init__(self, text, intent=None, **slots):
        """The latest message was understood as the slots' topic unless `intent` says otherwise."""
        self.latest_message = SimpleNamespace(text=text, intent={"name": intent or slots.get("last_topic")})
        self._slots = slots

    def get_slot(self, name):
        return self._slots.get(name)


def test_a_short_question_may_follow_up_but_a_new_subject_or_a_button_does_not():
    assert follow_up.may_follow_up("何時まで？")
    assert follow_up.may_follow_up("How long does it take?")
    assert not follow_up.may_follow_up("ところで暗証番号忘れたんだけど")
    assert not follow_up.may_follow_up("Also, I lost my card")
    assert not follow_up.may_follow_up('/fees{"subtopic":"renewal"}')
    assert not follow_up.may_follow_up("マイナ保険証の登録はどこでできるのか教えてください、今月中に")
    # Longer, when the NLU could not read it alone.
    longer = "別に住んでいる息子が代わりに行ってもいいですか"
    assert not follow_up.may_follow_up(longer, {"intent": {"name": "address_change"}})
    assert follow_up.may_follow_up(longer, {"intent": {"name": "nlu_fallback"}})


def test_the_previous_question_counts_only_after_an_answered_entry_and_outside_a_guide(knowledge):
    answered = dict(last_topic="convenience_store_certificate", last_entry="overview")
    assert follow_up.previous_question(FakeTracker("コンビニで住民票とりたい", **answered)) == "コンビニで住民票とりたい"
    assert follow_up.previous_question(FakeTracker("コンビニで住民票とりたい", last_topic="card_renewal")) is None  # asked back
    assert follow_up.previous_question(FakeTracker("ありがとう", last_topic="goodbye", last_entry="thanks")) is None
    assert follow_up.previous_question(FakeTracker("コンビニで住民票とりたい", guide_id="lost_card", **answered)) is None
    assert follow_up.previous_question(FakeTracker('/card_renewal{"subtopic":"notice"}', **answered)) is None
    # A pressed button: the answered entry's own first question.
    pressed = FakeTracker('/convenience_store_certificate{"subtopic":"overview"}', **answered)
    assert follow_up.previous_question(pressed, knowledge) == knowledge.entry_by_key(
        "convenience_store_certificate/overview").questions[0]
    assert follow_up.previous_question(None) is None
    # The slots still name the entry answered before, but the last message got a question back.
    assert follow_up.previous_question(FakeTracker("えーと、あの、ほら", intent="nlu_fallback", **answered)) is None
    # A follow-up to a follow-up is read with the chain's first question.
    chained = FakeTracker("手数料いくら？", **answered)
    chained.latest_message.parse_data = {"read_with": "コンビニで住民票とりたい"}
    assert follow_up.previous_question(chained) == "コンビニで住民票とりたい"


def test_thanks_a_person_or_a_guide_step_are_read_alone():
    assert follow_up.reads_alone({"intent": {"name": "goodbye"}}, "ありがとう")
    person = {"intent": {"name": "human_help_request"},
              "response_selector": {"default": {"response": {"intent_response_key": "human_help_request/talk_staff"}}}}
    assert follow_up.reads_alone(person, "人と話したい")
    # 「何時まで？」: the desk's hours alone, the previous topic's hours with it.
    hours = {**person, "response_selector": {"default": {"response": {"intent_response_key": "human_help_request/desk_hours"}}}}
    assert not follow_up.reads_alone(hours, "何時まで？")
    assert follow_up.reads_alone({"intent": {"name": "guide_stuck"}}, "わからない")
    assert not follow_up.reads_alone({"intent": {"name": "fees"}}, "手数料は？")
    # 「何が必要？」 alone reads as "what can you do"; after an answer it asks about that answer's subject.
    what = {"intent": {"name": "greeting"},
            "response_selector": {"default": {"response": {"intent_response_key": "greeting/what_can_you_do"}}}}
    assert not follow_up.reads_alone(what, "何が必要？")
    assert follow_up.reads_alone(what, "マイナンバーカードで何ができるの？")
    assert follow_up.reads_alone(what, "他に何ができるの？")  # asks what the assistant can do
    assert follow_up.reads_alone({**what, "response_selector": {"default": {"response": {
        "intent_response_key": "greeting/hello"}}}}, "こんにちは")
    # 「どこで？」 alone reads as out of scope; a question word alone asks about the previous question's subject.
    elsewhere = {"intent": {"name": "out_of_scope"}}
    for text in ("どこで？", "いつまで？", "それってどこで？", "いくらぐらい？"):
        assert not follow_up.reads_alone(elsewhere, text), text
    assert follow_up.reads_alone(elsewhere, "天気は？")
    # 「だれか？」 asks for a person, 「なんか…」 is no question word.
    assert follow_up.reads_alone(person, "だれか？")
    assert not follow_up._BARE_QUESTION.search("なんか")


def test_a_message_sure_of_itself_is_read_alone_only_when_it_names_its_subject():
    sure = {"intent": {"name": "lost_card_suspend"}, "response_selector": {"default": {"own_confidence": 0.998}}}
    assert follow_up.reads_alone(sure, "マイナンバーカードをなくしました")  # after a question on 暗証番号
    assert not follow_up.reads_alone({**sure, "response_selector": {"default": {"own_confidence": 0.4}}},
                                     "マイナンバーカードをなくしました")
    # 「手数料は？」 reads near certainly as the first card's fee, but names nothing: read with its question.
    assert not follow_up.reads_alone({**sure, "intent": {"name": "fees"}}, "手数料は？")
    # Too unclear alone: with the previous question when it names no thing, the question back when it does.
    unsure = {"intent": {"name": "nlu_fallback"}}
    assert not follow_up.reads_alone(unsure, "どこに いけば ええの")
    assert follow_up.reads_alone(unsure, "はがきの件")
    # A bare word the NLU reads as vague is asked back whatever it is read with: alone.
    assert follow_up.reads_alone({"intent": {"name": "unclear_need_clarification"}}, "カード")
    assert follow_up.names_a_subject("在留カードの期限") and not follow_up.names_a_subject("いくら？")


def test_the_reading_together_keeps_the_follow_ups_text_entities_and_own_parts():
    alone = {"text": "何時まで？", "intent": {"name": "human_help_request"}, "entities": [{"entity": "x", "value": "1"}]}
    together = {"text": "コンビニで住民票とりたい\n何時まで？", "intent": {"name": "convenience_store_certificate"}, "entities": [],
                "response_selector": {"default": {"response": {"intent_response_key": "convenience_store_certificate/hours_stores"},
                                                  "parts": [{"intent_response_key": "convenience_store_certificate/overview",
                                                             "text": "コンビニで住民票とりたい"},
                                                            {"intent_response_key": "human_help_request/desk_hours",
                                                             "text": "何時まで？"}]}}}
    merged = follow_up.in_context(alone, together, "何時まで？", "コンビニで住民票とりたい")
    assert merged["text"] == "何時まで？" and merged["entities"] == alone["entities"]
    assert merged["intent"]["name"] == "convenience_store_certificate"
    assert [p["text"] for p in merged["response_selector"]["default"]["parts"]] == ["何時まで？"]
    assert merged["read_with"] == "コンビニで住民票とりたい"
    assert together["response_selector"]["default"]["parts"][0]["text"] == "コンビニで住民票とりたい"  # not changed in place


def test_the_topics_entries_are_weighed_with_what_the_follow_up_says_alone():
    """「公金受取口座ってなんですか」 then 「どうやって登録するの？」: read together, the overview just answered leads; alone,
    the message asks how to register. Entries of other topics keep their place."""
    alone = {"text": "どうやって登録するの？", "intent": {"name": "health_insurance_card"},
             "response_selector": {"default": {"ranking": [
                 {"intent_response_key": "health_insurance_card/register", "confidence": 0.5},
                 {"intent_response_key": "public_fund_account/how_to_register", "confidence": 0.4},
                 {"intent_response_key": "public_fund_account/overview", "confidence": 0.01}]}}}
    together = {"text": "公金受取口座ってなんですか\nどうやって登録するの？", "intent": {"name": "public_fund_account"},
                "response_selector": {"default": {
                    "response": {"intent_response_key": "public_fund_account/overview", "confidence": 0.6},
                    "ranking": [{"intent_response_key": "public_fund_account/overview", "confidence": 0.6},
                                {"intent_response_key": "public_fund_account/how_to_register", "confidence": 0.3},
                                {"intent_response_key": "health_insurance_card/register", "confidence": 0.1}],
                    "parts": []}}}
    merged = follow_up.in_context(alone, together, "どうやって登録するの？", "公金受取口座ってなんですか")
    selector = merged["response_selector"]["default"]
    assert selector["response"]["intent_response_key"] == "public_fund_account/how_to_register"
    assert [r["intent_response_key"] for r in selector["ranking"]] == [
        "public_fund_account/how_to_register", "public_fund_account/overview", "health_insurance_card/register"]
    assert abs(sum(r["confidence"] for r in selector["ranking"][:2]) - 0.9) < 1e-9  # the topic keeps its belief
    assert together["response_selector"]["default"]["response"]["intent_response_key"] == "public_fund_account/overview"


def test_a_follow_up_that_ranks_none_of_the_topics_entries_leaves_the_reading_together_as_it_is():
    together = {"text": "a\nb", "intent": {"name": "fees"}, "response_selector": {"default": {
        "response": {"intent_response_key": "fees/renewal", "confidence": 0.3},
        "ranking": [{"intent_response_key": "fees/renewal", "confidence": 0.3},
                    {"intent_response_key": "fees/first_time", "confidence": 0.2}], "parts": []}}}
    alone = {"text": "b", "intent": {"name": "greeting"}, "response_selector": {"default": {"ranking": [
        {"intent_response_key": "greeting/hello", "confidence": 0.9}]}}}
    merged = follow_up.in_context(alone, together, "b", "a")
    assert merged["response_selector"]["default"]["ranking"] == together["response_selector"]["default"]["ranking"]


def test_a_question_the_nlu_reads_as_a_goodbye_is_read_with_the_previous_question():
    goodbye = {"intent": {"name": "goodbye"}, "response_selector": {"default": {
        "response": {"intent_response_key": "goodbye/bye"}, "own_confidence": 0.9}}}
    assert not follow_up.reads_alone(goodbye, "ほんで何日以内やったっけ")
    assert follow_up.reads_alone(goodbye, "ほな、さいなら")
    assert follow_up.reads_alone(goodbye, "どうもありがとう")
    assert follow_up.reads_alone(goodbye, "いつもありがとうございます")


def test_a_follow_up_asking_the_fee_or_the_desk_is_not_answered_with_the_entry_just_answered():
    """「コンビニで戸籍謄本はとれますか」 then 「手数料はいくらだ」: read together, the 戸籍 answer leads again; alone the message
    asks a fee, so the likeliest fee read together is answered (the convenience store's, not the first card's)."""
    together = {"text": "コンビニで戸籍謄本はとれますか\n手数料はいくらだ", "intent": {"name": "convenience_store_certificate"},
                "response_selector": {"default": {
                    "response": {"intent_response_key": "convenience_store_certificate/koseki", "confidence": 0.9},
                    "ranking": [{"intent_response_key": "convenience_store_certificate/koseki", "confidence": 0.9},
                                {"intent_response_key": "convenience_store_certificate/fees", "confidence": 0.05},
                                {"intent_response_key": "fees/first_time", "confidence": 0.01}], "parts": []}}}
    alone = {"text": "手数料はいくらだ", "intent": {"name": "fees"}, "response_selector": {"default": {"ranking": [
        {"intent_response_key": "fees/first_time", "confidence": 0.97}]}}}
    merged = follow_up.in_context(alone, together, "手数料はいくらだ", "コンビニで戸籍謄本はとれますか",
                                  answered="convenience_store_certificate/koseki")
    selector = merged["response_selector"]["default"]
    assert selector["response"]["intent_response_key"] == "convenience_store_certificate/fees"
    assert selector["ranking"][0]["intent_response_key"] == "convenience_store_certificate/fees"
    assert merged["intent"]["name"] == "convenience_store_certificate"
    # Read together in another topic than the one just answered, or the follow-up unsure of its fee: as it was.
    for answered, sure in (("apply_card/methods", 0.97), ("convenience_store_certificate/koseki", 0.3)):
        alone["response_selector"]["default"]["ranking"][0]["confidence"] = sure
        merged = follow_up.in_context(alone, together, "手数料はいくらだ", "コンビニで戸籍謄本はとれますか", answered=answered)
        assert merged["response_selector"]["default"]["response"]["intent_response_key"] == "convenience_store_certificate/koseki"


def test_a_follow_up_read_alone_is_kept_when_the_reading_together_is_torn():
    alone = {"text": "お金はかかる？", "intent": {"name": "fees", "confidence": 1.0}, "response_selector": {"default": {
        "response": {"intent_response_key": "fees/renewal"}, "ranking": [{"intent_response_key": "fees/renewal", "confidence": 0.7}]}}}
    together = {"text": "…\nお金はかかる？", "intent": {"name": "nlu_fallback", "confidence": 0.5}, "response_selector": {"default": {
        "response": {"intent_response_key": "fees/renewal"}, "ranking": [], "parts": []}}}
    merged = follow_up.in_context(alone, together, "お金はかかる？", "母が施設に入っています。…")
    assert merged["intent"]["name"] == "fees" and merged["read_with"] == "母が施設に入っています。…"
    # Both torn: the reading together, as before.
    alone["intent"] = {"name": "nlu_fallback"}
    assert follow_up.in_context(alone, together, "お金はかかる？", "…")["intent"]["name"] == "nlu_fallback"


def _reading(text, intent, ranking):
    keys = [{"intent_response_key": k, "confidence": c} for k, c in ranking]
    return {"text": text, "intent": {"name": intent, "confidence": 1.0}, "response_selector": {"default": {
        "response": dict(keys[0]), "ranking": keys, "parts": []}}}


def test_a_follow_up_that_alone_asks_another_entry_of_the_subject_does_not_get_the_same_answer_again():
    """「カードを返したい」 then 「何を持っていけば？」: read together, the answer on returning leads again; alone the message
    asks what to bring (to receive a card): what to bring to return it, the same kind of entry in the subject."""
    together = _reading("カードを返したい\n何を持っていけば？", "card_return",
                        [("card_return/voluntary", 0.6), ("card_return/what_to_bring", 0.3), ("card_return/deceased", 0.1)])
    alone = _reading("何を持っていけば？", "receive_card", [("receive_card/what_to_bring", 0.9), ("proxy_receive/what_to_bring", 0.1)])
    merged = follow_up.in_context(alone, together, "何を持っていけば？", "カードを返したい", answered="card_return/voluntary")
    assert merged["response_selector"]["default"]["response"]["intent_response_key"] == "card_return/what_to_bring"
    assert merged["intent"]["name"] == "card_return"
    # Another entry of the subject itself: that entry.
    alone = _reading("やめるときは？", "health_insurance_card", [("health_insurance_card/cancel", 0.8)])
    together = _reading("…\nやめるときは？", "health_insurance_card",
                        [("health_insurance_card/check_registered", 0.7), ("health_insurance_card/cancel", 0.3)])
    merged = follow_up.in_context(alone, together, "やめるときは？", "…", answered="health_insurance_card/check_registered")
    assert merged["response_selector"]["default"]["response"]["intent_response_key"] == "health_insurance_card/cancel"


def test_the_same_answer_is_kept_when_the_follow_up_alone_is_unsure_or_about_another_subject():
    together = _reading("…\nうちの母は80歳なんですけど", "proxy_receive",
                        [("proxy_receive/when_allowed", 0.8), ("proxy_receive/hospital_facility", 0.2)])
    for ranking in ([("health_insurance_card/elderly_kouki", 0.9)],  # another subject, read from a few words
                    [("proxy_receive/hospital_facility", 0.3)],  # the subject's, but unsure
                    [("proxy_receive/when_allowed", 0.9)]):  # alone it asks the same
        alone = _reading("うちの母は80歳なんですけど", ranking[0][0].split("/")[0], ranking)
        merged = follow_up.in_context(alone, together, "うちの母は80歳なんですけど", "…", answered="proxy_receive/when_allowed")
        assert merged["response_selector"]["default"]["response"]["intent_response_key"] == "proxy_receive/when_allowed"


def test_an_unsure_follow_up_naming_only_what_happened_or_a_bare_how_is_read_with_the_previous_question():
    unsure = {"intent": {"name": "nlu_fallback"}, "response_selector": {"default": {"own_confidence": 0.6}}}
    assert not follow_up.reads_alone(unsure, "エラーで進まん")
    # A thing of its own: a question the city has no answer for yet is asked back, not answered as the last one.
    assert follow_up.reads_alone(unsure, "マイナンバーカードのケースはもらえますか")
    other_office = {"intent": {"name": "out_of_scope"}, "response_selector": {"default": {
        "response": {"intent_response_key": "out_of_scope/other_city_matters"}, "own_confidence": 0.9}}}
    for text in ("どうすれば もらえますか", "できますか？", "どこで もらえるの"):
        assert not follow_up.reads_alone(other_office, text), text
    for text in ("ごみの出し方はどうすればいいですか", "犬の登録はどこでできますか"):
        assert follow_up.reads_alone(other_office, text), text


def test_a_follow_up_asking_the_hours_after_the_convenience_store_gets_the_stores_hours():
    together = _reading("コンビニで住民票\nなんじまで やっとるん", "convenience_store_certificate",
                        [("convenience_store_certificate/overview", 0.7), ("human_help_request/desk_hours", 0.2),
                         ("convenience_store_certificate/hours_stores", 0.1)])
    alone = _reading("なんじまで やっとるん", "human_help_request", [("human_help_request/desk_hours", 0.99)])
    merged = follow_up.in_context(alone, together, "なんじまで やっとるん", "コンビニで住民票",
                                  answered="convenience_store_certificate/overview")
    assert merged["response_selector"]["default"]["response"]["intent_response_key"] == "convenience_store_certificate/hours_stores"
    # The desk's phone number stays the desk's.
    together = _reading("コンビニで住民票\n電話番号は？", "convenience_store_certificate",
                        [("convenience_store_certificate/overview", 0.7), ("human_help_request/phone", 0.2),
                         ("convenience_store_certificate/hours_stores", 0.1)])
    alone = _reading("電話番号は？", "human_help_request", [("human_help_request/phone", 0.99)])
    merged = follow_up.in_context(alone, together, "電話番号は？", "コンビニで住民票", answered="convenience_store_certificate/overview")
    assert merged["response_selector"]["default"]["response"]["intent_response_key"] == "human_help_request/phone"
