"""「役に立った」「役に立たなかった」 under an answer: few buttons, the tap stored with the entry id, counted per entry."""
import json
import tempfile
from pathlib import Path

from rasa_sdk import Tracker

from actions.respond import ActionRespond
from assistant.analytics.feedback import per_entry
from assistant.handoff.store import HandoffStore
from tests.helpers.conversation import OPEN_HOURS
from tests.helpers.actions import run, tracker


def action_and_store(knowledge):
    """An action over a database of its own (tests.helpers.conversation's store is shared by the whole run)."""
    store = HandoffStore.from_url(f"sqlite:///{Path(tempfile.mkdtemp(prefix='madoguchi-feedback-')) / 'm.db'}", upgrade=True)
    return ActionRespond(knowledge, store=store, clock=lambda: OPEN_HOURS), store


def tap(button, channel="rest"):
    """The tracker of a resident pressing `button` (the payload parsed as Rasa's regex interpreter does)."""
    intent, _, body = button["payload"][1:].partition("{")
    entities = [{"entity": k, "value": v} for k, v in json.loads("{" + body).items()]
    latest = {"text": button["payload"], "intent": {"name": intent, "confidence": 1.0}, "entities": entities}
    events = [{"event": "user", "text": button["payload"], "input_channel": channel}]
    return Tracker("resident-9", {}, latest, events, False, None, {}, "action_listen")


async def test_an_answer_ends_with_the_two_ratings_and_few_buttons(knowledge):
    action, _ = action_and_store(knowledge)
    messages, _ = await run(action, tracker("fees", "再発行の手数料はいくら"))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles[-2:] == ["役に立った", "役に立たなかった"]
    assert len(titles) <= 5
    assert '"subtopic":"fees/reissue"' in messages[0]["buttons"][-1]["payload"]


async def test_conversation_and_clarifying_questions_ask_for_no_rating(knowledge):
    action, _ = action_and_store(knowledge)
    for intent, text in (("greeting", "こんにちは"), ("pin_forgotten_locked", "暗証番号")):
        messages, _ = await run(action, tracker(intent, text))
        assert "役に立った" not in [b["title"] for b in messages[0]["buttons"]], intent


async def test_a_tap_is_stored_with_its_entry_and_counted_even_on_an_old_answer(knowledge):
    action, store = action_and_store(knowledge)
    first, _ = await run(action, tracker("fees", "再発行の手数料はいくら"))
    second, _ = await run(action, tracker("lost_card_suspend", "カードをなくしたので止めたい", entry="lost_card_suspend/stop_now"))
    old_helpful = next(b for b in first[0]["buttons"] if b["title"] == "役に立った")
    new_unhelpful = next(b for b in second[0]["buttons"] if b["title"] == "役に立たなかった")
    reply, _ = await run(action, tap(old_helpful))
    assert reply[0]["text"].startswith("ありがとうございます")
    reply, _ = await run(action, tap(new_unhelpful, channel="telegram"))
    assert [b["payload"] for b in reply[0]["buttons"]] == ["/human_help_request"]
    await run(action, tap(old_helpful))
    with store.engine.connect() as conn:
        counts = {r.entry: (r.helpful, r.unhelpful) for r in per_entry(conn)}
    lost = second[0]["buttons"][-1]["payload"].split('"subtopic":"')[1].split('"')[0]
    assert counts == {"fees/reissue": (2, 0), lost: (0, 1)}


async def test_an_unknown_entry_is_thanked_but_not_stored(knowledge):
    action, store = action_and_store(knowledge)
    button = {"title": "役に立った", "payload": '/handoff_feedback{"answer":"helpful","subtopic":"fees/nothing"}'}
    reply, _ = await run(action, tap(button))
    assert reply[0]["text"].startswith("ありがとうございます")
    with store.engine.connect() as conn:
        assert per_entry(conn) == []


async def test_the_satisfaction_score_after_staff_still_works(knowledge):
    action, _ = action_and_store(knowledge)
    reply, _ = await run(action, tap({"title": "5", "payload": '/handoff_feedback{"score":"5"}'}))
    assert reply[0]["text"] and "役に立った" not in reply[0]["text"]
