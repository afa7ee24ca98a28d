"""Handoff triggers, office hours and the callback, with action_respond in the test process and a frozen clock."""
import datetime as dt

from assistant.handoff.door import HandoffDoor
from assistant.handoff.profile import load_handoff_profile
from assistant.knowledge.office_hours import JST
from assistant.privacy import redact
from assistant.settings import PROJECT_ROOT
from assistant.staff.accounts import StaffAccounts
from tests.helpers.conversation import OPEN_HOURS, Conversation

EVENING = dt.datetime(2026, 11, 26, 19, 30, tzinfo=JST)          # Thursday after closing
LABOUR_DAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=JST)        # 勤労感謝の日 (Monday)
YEAR_END = dt.datetime(2026, 12, 30, 10, 0, tzinfo=JST)          # 年末年始


async def test_asking_for_a_person_within_hours_queues_with_position_and_wait(knowledge):
    chat = Conversation(knowledge, now=OPEN_HOURS)
    messages = await chat.say("human_help_request", "職員さんと話したいです")
    assert "職員におつなぎします" in messages[0]["text"] and "番目" in messages[0]["text"] and "分" in messages[0]["text"]
    record = chat.handoff()
    assert (record.status, record.reason, record.channel) == ("waiting", "asked", "rest")
    assert record.transcript[0] == {"who": "resident", "text": "職員さんと話したいです", "at": None}


async def test_asking_twice_opens_exactly_one_handoff(knowledge):
    chat = Conversation(knowledge)
    await chat.say("human_help_request", "人と話したい")
    first = chat.handoff().id
    await chat.say("human_help_request", "/human_help_request")
    assert chat.handoff().id == first
    assert len(chat.store.search(status="waiting", limit=1000)) == len({h.conversation_id for h in chat.store.search(status="waiting", limit=1000)})


async def test_asking_for_the_phone_number_answers_without_a_handoff(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("human_help_request", "窓口の電話番号を教えて")
    assert knowledge.municipality["desk"]["phone"] in messages[0]["text"]
    assert chat.handoff() is None


async def test_second_nlu_failure_in_a_row_opens_a_handoff(knowledge):
    chat = Conversation(knowledge)
    await chat.say("nlu_fallback", "ぴよぴよほげほげ")
    assert chat.handoff() is None
    messages = await chat.say("nlu_fallback", "ぴよぴよほげほげふが")
    assert "職員におつなぎします" in messages[0]["text"]
    assert chat.handoff().reason == "nlu_failure"


async def test_a_dv_victims_card_gets_the_answer_and_a_person(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("lost_card_suspend", "DVで避難していてカードが相手の家にあります",
                              entities={"subtopic": "dv_evacuated"})
    assert "0120-95-0178" in messages[0]["text"] and "出典" in messages[0]["text"]
    assert "職員におつなぎします" in messages[1]["text"]
    assert (chat.handoff().reason, chat.handoff().topic) == ("sensitive_dv", "lost_card_suspend")


async def test_fraud_under_way_gets_the_police_and_a_person(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("scam_security", "市役所の人だという電話でお金を振り込んでしまった",
                              entities={"subtopic": "money_sent"})
    assert "110" in messages[0]["text"]
    assert chat.handoff().reason == "fraud"


async def test_the_kiosk_call_button_calls_staff_to_that_kiosk_even_after_hours(knowledge):
    chat = Conversation(knowledge, channel="kiosk", now=EVENING, metadata={"kiosk": "2"})
    messages = await chat.say("human_help_request", "/human_help_request")
    assert "職員を呼びました（キオスク 2）" in messages[0]["text"]
    assert (chat.handoff().reason, chat.handoff().kiosk_id) == ("kiosk_call", "2")


async def test_handoff_outside_office_hours_offers_callback(knowledge):
    chat = Conversation(knowledge, now=EVENING)
    messages = await chat.say("human_help_request", "職員と話したい")
    assert "受付時間外" in messages[0]["text"] and "11月27日（金）8時30分" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["折り返し電話を希望する", "希望しない"]
    assert chat.handoff() is None


async def test_on_a_public_holiday_the_desk_is_closed_and_names_the_holiday(knowledge):
    chat = Conversation(knowledge, now=LABOUR_DAY)
    messages = await chat.say("human_help_request", "職員と話したい")
    assert "勤労感謝の日" in messages[0]["text"] and "11月24日（火）8時30分" in messages[0]["text"]


async def test_at_year_end_the_desk_opens_in_january(knowledge):
    chat = Conversation(knowledge, now=YEAR_END)
    messages = await chat.say("human_help_request", "職員と話したい")
    assert "年末年始" in messages[0]["text"] and "1月4日（月）8時30分" in messages[0]["text"]


async def test_callback_with_consent_keeps_the_number_only_in_the_handoff_record(knowledge):
    chat = Conversation(knowledge, now=EVENING)
    door = HandoffDoor(chat.store, load_handoff_profile(PROJECT_ROOT / "knowledge"))
    messages = await chat.say("human_help_request", "職員と話したい")
    messages = await chat.press(messages, "折り返し電話を希望する")
    assert "同意" in messages[0]["text"] and "90日後に消去" in messages[0]["text"]
    messages = await chat.press(messages, "同意する")
    assert chat.handoff().status == "callback_collecting"
    # The channel takes the number from the raw text before redaction; the bot sees the placeholder.
    raw = "080-2345-6789 平日の午前中がいいです"
    redacted = redact(raw).text
    assert door.hold(chat.sender, raw, redacted) is None
    messages = await chat.say("human_help_request", redacted)
    assert "承りました" in messages[0]["text"] and "11月27日（金）8時30分" in messages[0]["text"]
    record = chat.store.search(status="callback_requested", limit=1000)
    mine = next(r for r in record if r.conversation_id == chat.sender)
    assert (mine.callback_phone, mine.callback_time) == ("080-2345-6789", "平日の午前中がいいです")
    assert "2345" not in str(mine.transcript) and "2345" not in str(chat.history)


async def test_callback_without_a_number_asks_again_and_can_be_cancelled(knowledge):
    chat = Conversation(knowledge, now=EVENING)
    messages = await chat.say("human_help_request", "職員と話したい")
    messages = await chat.press(messages, "折り返し電話を希望する")
    messages = await chat.press(messages, "同意する")
    messages = await chat.say("nlu_fallback", "午後ならいつでも")
    assert "読み取れませんでした" in messages[0]["text"]
    messages = await chat.say("nlu_fallback", "やっぱりやめます")
    assert "0120-000-111" in messages[0]["text"] or knowledge.municipality["desk"]["phone"] in messages[0]["text"]
    assert chat.handoff() is None


async def test_declining_the_callback_gives_the_desk_phone_and_the_bot_goes_on(knowledge):
    chat = Conversation(knowledge, now=EVENING)
    messages = await chat.say("human_help_request", "職員と話したい")
    messages = await chat.press(messages, "希望しない")
    assert knowledge.municipality["desk"]["phone"] in messages[0]["text"]
    messages = await chat.say("pin_forgotten_locked", "暗証番号を忘れた")
    assert "暗証番号" in messages[0]["text"] and chat.handoff() is None


async def test_satisfaction_after_resolve_is_stored(knowledge):
    chat = Conversation(knowledge)
    await chat.say("human_help_request", "人と話したい")
    record = chat.handoff()
    staff = StaffAccounts(chat.store.engine).create_staff(f"s{record.id}", "佐藤", "x")
    chat.store.resolve(record.id, staff.id, "answered", "", "おわり", [])
    messages = await chat.say("handoff_feedback", '/handoff_feedback{"score":"4"}', entities={"score": "4"})
    assert "ありがとうございました" in messages[0]["text"]
    assert chat.store.get(record.id).satisfaction == 4
