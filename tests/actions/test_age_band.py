"""The optional age band: asked once at the end of a visit, skippable; only the band is kept."""
from tests.helpers.conversation import Conversation


async def test_goodbye_asks_the_age_band_once_and_keeps_the_band(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("goodbye", "ありがとうございました")
    assert "ご利用ありがとうございました" in messages[0]["text"]
    assert "年代を教えてください" in messages[1]["text"] and "答えなくても大丈夫" in messages[1]["text"]
    assert [b["title"] for b in messages[1]["buttons"]] == [
        "10代以下", "20代", "30代", "40代", "50代", "60代", "70代", "80代以上", "答えない"]
    messages = await chat.press(messages, "70代")
    assert messages[0]["text"] == "ありがとうございました。" and chat.slots["age_band"] == "70s"
    messages = await chat.say("goodbye", "さようなら")
    assert len(messages) == 1  # asked once per conversation


async def test_the_age_band_may_be_declined(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("goodbye", "どうも")
    messages = await chat.press(messages, "答えない")
    assert messages[0]["text"] == "わかりました。" and chat.slots["age_band"] == "declined"


async def test_a_finished_guide_asks_the_age_band(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    for _ in knowledge.guides["apply_pc"].steps:
        messages = await chat.press(messages, "できた")
    assert "おしまい" in messages[0]["text"] and "年代を教えてください" in messages[-1]["text"]


async def test_an_ordinary_answer_does_not_ask(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("pin_forgotten_locked", "暗証番号を忘れた")
    assert all("年代" not in m["text"] for m in messages)


def test_analytics_knows_every_band_the_question_offers():
    from actions.age_band import BANDS, DECLINED
    from assistant.analytics.collect import AGE_BANDS

    assert set(AGE_BANDS) == set(BANDS) | {DECLINED}


def test_analytics_cuts_by_the_age_band_residents_gave(tmp_path):
    """Three conversations: a 70s resident stuck on a step and handed over, a 70s resident who finished,
    one who declined; the cut counts each exactly, and the report shows the bands."""
    import datetime as dt

    from assistant.analytics import measures as M
    from assistant.analytics.collect import collect
    from assistant.analytics.report import ReportInput, render
    from assistant.analytics.names import load_names
    from assistant.handoff.store import HandoffStore
    from assistant.settings import PROJECT_ROOT
    from assistant.storage.db import make_engine
    from tests.helpers.analytics import COLLECT_NOW, KEY, OCTOBER, Conversation, Handoffs, save, tracker_engine

    tracker = tracker_engine(tmp_path / "tracker.db")
    store = HandoffStore.from_url(f"sqlite:///{tmp_path / 'madoguchi.db'}", upgrade=True)
    stuck = Conversation("a1", dt.datetime(2026, 10, 6, 10, 0), "kiosk")
    stuck.says("スマホで申請したい", "apply_online_smartphone").guide("step_shown", "apply_smartphone", "photo")
    stuck.guide("step_stuck", "apply_smartphone", "photo").slot("age_band", "70s")
    done = Conversation("a2", dt.datetime(2026, 10, 7, 10, 0), "rest")
    done.says("スマホで申請したい", "apply_online_smartphone").guide("step_shown", "apply_smartphone", "photo")
    done.slot("age_band", "70s")
    declined = Conversation("a3", dt.datetime(2026, 10, 8, 10, 0), "rest")
    declined.says("ありがとう", "goodbye").slot("age_band", "declined")
    silent = Conversation("a4", dt.datetime(2026, 10, 8, 11, 0), "rest")
    silent.says("手数料は？", "fees")
    save(tracker, stuck, done, declined, silent)
    Handoffs(store).open(stuck, reason="guide_stuck")
    collect(f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'madoguchi.db'}", KEY, now=COLLECT_NOW)
    engine = make_engine(f"sqlite:///{tmp_path / 'madoguchi.db'}")
    with engine.connect() as conn:
        cuts = M.by_age_band(conn, OCTOBER)
        everything = M.all_measures(conn, OCTOBER)
    engine.dispose()
    assert list(cuts) == ["70s", "declined", "unknown"]
    assert (cuts["70s"].conversations, cuts["70s"].handoff.part, cuts["70s"].stuck.part, cuts["70s"].stuck.whole) == (2, 1, 1, 2)
    assert (cuts["declined"].conversations, cuts["unknown"].conversations) == (1, 1)
    html = render(ReportInput(everything, load_names(PROJECT_ROOT / "knowledge")))
    assert "年代別" in html and "70代" in html and "答えない" in html
    store.close()
    tracker.dispose()
