"""Step-by-step guides: the data, every branch walked to the end, stuck, back, stop, resume, checklists."""
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.settings import PROJECT_ROOT
from tests.helpers.conversation import Conversation

REQUIRED_GUIDES = {
    "apply_smartphone", "apply_pc", "apply_photo_booth", "apply_mail", "receive_card", "proxy_receive",
    "pin_reset", "lost_card", "card_renewal", "cert_renewal", "moving_continue_use", "mynaportal_first_login",
    "health_insurance_register", "public_fund_account_register", "childcare_allowance_online",
    "convenience_store_residence_certificate",
}


def all_paths():
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    for guide in knowledge.guides.values():
        for answers in guide.answer_paths():
            label = ",".join(f"{k}={v}" for k, v in answers.items()) or "no questions"
            yield pytest.param(guide.id, answers, id=f"{guide.id}[{label}]")


# --- the data ---------------------------------------------------------------------------------
def test_every_required_procedure_has_a_guide(knowledge):
    assert REQUIRED_GUIDES <= set(knowledge.guides)


def test_every_guide_step_is_complete_and_belongs_to_known_topics(knowledge):
    for guide in knowledge.guides.values():
        assert set(guide.topics) <= set(knowledge.topics), guide.id
        ids = [s.id for s in guide.steps]
        assert len(ids) == len(set(ids)), guide.id
        for step in guide.steps:
            assert step.text and (step.easy or step.hint), (guide.id, step.id)
            assert "{" not in step.text + step.easy + step.hint, (guide.id, step.id)
            assert step.source.startswith("http"), (guide.id, step.id)


def test_every_branch_leads_to_steps(knowledge):
    for guide in knowledge.guides.values():
        for answers in guide.answer_paths():
            assert 1 <= len(guide.steps_for(answers)) <= 12, (guide.id, answers)


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    return target


def test_a_guide_walks_through_the_entries_it_names_or_its_topics_default(knowledge):
    """The renewal guides walk through how to renew, not the period (the topic's default entry)."""
    assert knowledge.guided_entries("cert_renewal") == {"cert_renewal/how_to_renew"}
    assert knowledge.guided_entries("pin_forgotten_locked") == {"pin_forgotten_locked/forgotten_locked",
                                                                "pin_forgotten_locked/convenience_store_reset"}
    assert knowledge.guided_entries("lost_card_suspend") == {"lost_card_suspend/stop_now"}
    assert knowledge.guided_entries("fees") == set()


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    "change, key",
    [
        (lambda d: d["steps"][0].update(when={"under15": ["maybe"]}), "steps[0].when"),
        (lambda d: d["steps"][0].update(when={"no_such_question": ["yes"]}), "steps[0].when"),
        (lambda d: d.update(topics=["not_a_topic"]), "topics[0]"),
        (lambda d: d["steps"][1].update(id=d["steps"][0]["id"]), "steps[1].id"),
        (lambda d: d["steps"][0].pop("text"), "steps[0].text"),
        (lambda d: d.update(walks_through=["card_renewal/how_to_renew"]), "walks_through"),  # not its topic's
        (lambda d: d.update(walks_through=["receive_card/no_such_entry"]), "walks_through"),
        # Only the proxy steps remain: the 本人 branch leads nowhere.
        (lambda d: d.update(steps=[s for s in d["steps"] if s.get("when") == {"who": ["proxy"]}]), "steps"),
    ],
)
def test_a_bad_guide_stops_loading_and_names_file_and_step(copy, change, key):
    edit(copy / "guides" / "receive_card.yml", change)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(copy)
    assert err.value.path.name == "receive_card.yml"
    assert err.value.key == key


async def answer_questions(chat, guide, answers, messages):
    """Presses the option buttons for the given answers while branch questions are asked."""
    while chat.slots.get("guide_question"):
        question = guide.question(chat.slots["guide_question"])
        messages = await chat.press(messages, question.option(answers[question.id]).label)
    return messages


async def start_and_answer(chat, guide, answers):
    messages = await chat.say("guide_start", entities={"guide": guide.id})
    return await answer_questions(chat, guide, answers, messages)


# --- the conversation --------------------------------------------------------------------------
@pytest.mark.parametrize("guide_id, answers", list(all_paths()))
async def test_each_branch_can_be_followed_to_the_end(knowledge, guide_id, answers):
    guide = knowledge.guides[guide_id]
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": guide_id})
    assert f"「{guide.title}」" in messages[0]["text"]
    while chat.slots.get("guide_question"):
        question = guide.question(chat.slots["guide_question"])
        label = question.option(answers[question.id]).label
        messages = await chat.press(messages, label)
    steps = guide.steps_for(answers)
    for number, step in enumerate(steps, start=1):
        assert f"手順 {number}/{len(steps)}" in messages[-1]["text"]
        assert step.text in messages[-1]["text"]
        assert [b["title"] for b in messages[-1]["buttons"]][:5] == ["できた", "わからない", "もう一度", "前に戻る", "職員に相談"]
        messages = await chat.press(messages, "できた")
    assert "おしまい" in messages[0]["text"] and "年代" in messages[-1]["text"]
    kinds = [e["type"] for e in chat.guide_events()]
    assert kinds == ["guide_started"] + ["step_shown", "step_done"] * len(steps) + ["guide_completed"]
    assert chat.slots["guide_id"] is None


async def test_last_step_carries_source_and_date(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    for _ in range(len(knowledge.guides["apply_pc"].steps) - 1):
        messages = await chat.press(messages, "できた")
    assert "出典：http" in messages[-1]["text"] and "時点の情報です" in messages[-1]["text"]


async def test_stuck_twice_hands_over_to_staff_with_guide_and_step(knowledge):
    chat = Conversation(knowledge, channel="kiosk", metadata={"kiosk": "3"})
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    messages = await chat.press(messages, "できた")
    step = knowledge.guides["apply_pc"].steps[1]
    messages = await chat.press(messages, "わからない")
    assert messages[0]["text"] == f"ヒント：{step.hint}"
    messages = await chat.press(messages, "わからない")
    assert "手順 2/" in messages[0]["text"] and "職員を呼びました（キオスク 3）" in messages[0]["text"]
    record = chat.handoff()
    assert (record.reason, record.channel, record.kiosk_id, record.guide_id, record.guide_step) == (
        "guide_stuck", "kiosk", "3", "apply_pc", 2)
    assert record.transcript[-1] == {"who": "resident", "text": "［ボタン］わからない", "at": None}
    stuck = [e for e in chat.guide_events() if e["type"] == "step_stuck"]
    assert [(e["step"], e["times"], e["channel"]) for e in stuck] == [(step.id, 1, "kiosk"), (step.id, 2, "kiosk")]
    assert chat.guide_events()[-1] == {"type": "guide_abandoned", "guide": "apply_pc", "step": step.id,
                                       "channel": "kiosk", "reason": "handoff"}
    assert chat.slots["guide_id"] is None


async def test_stuck_count_starts_again_on_the_next_step(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    messages = await chat.press(messages, "わからない")
    messages = await chat.press(messages, "できた")
    messages = await chat.press(messages, "わからない")
    assert messages[0]["text"].startswith("ヒント：")


async def test_side_question_then_resume_where_they_left(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    messages = await chat.press(messages, "できた")
    messages = await chat.press(messages, "できた")
    answer = await chat.say("fees", "手数料はかかりますか")
    assert answer[0]["buttons"][0] == {"title": "続きから", "payload": "/guide_resume"}
    assert chat.slots["guide_id"] == "apply_pc"
    resumed = await chat.press(answer, "続きから")
    assert resumed[0]["text"].startswith("続きからご案内します。\n手順 3/")


async def test_back_and_repeat(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    first = messages[-1]["text"]
    messages = await chat.press(messages, "前に戻る")
    assert messages[0]["text"].startswith("これが最初の手順です。")
    messages = await chat.press(messages, "できた")
    second = messages[-1]["text"]
    messages = await chat.press(messages, "もう一度")
    assert messages[-1]["text"] == second
    messages = await chat.press(messages, "前に戻る")
    assert messages[-1]["text"] == first.split("\n", 2)[-1] or "手順 1/" in messages[-1]["text"]


async def test_stop_ends_the_guide(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "lost_card"})
    messages = await chat.press(messages, "やめる")
    assert "終わります" in messages[0]["text"]
    assert chat.guide_events()[-1]["type"] == "guide_abandoned" and chat.guide_events()[-1]["reason"] == "stop"
    again = await chat.say("guide_done", "できた")
    assert "いまは手順のご案内をしていません" in again[0]["text"]


# --- buttons of earlier messages ---------------------------------------------------------------
async def test_step_buttons_name_their_guide_and_step(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    step = knowledge.guides["apply_pc"].steps[0]
    payloads = {b["title"]: b["payload"] for b in messages[-1]["buttons"]}
    assert payloads["できた"] == f'/guide_done{{"guide":"apply_pc","step":"{step.id}"}}'
    assert payloads["わからない"] == f'/guide_stuck{{"guide":"apply_pc","step":"{step.id}"}}'


async def test_an_earlier_steps_done_button_answers_with_the_current_step(knowledge):
    chat = Conversation(knowledge)
    first = await chat.say("guide_start", entities={"guide": "apply_pc"})
    second = await chat.press(first, "できた")
    assert "手順 2/" in second[-1]["text"] and chat.slots["guide_step"] == 1
    done_before = len([e for e in chat.guide_events() if e["type"] == "step_done"])
    again = await chat.press(first, "できた")  # the できた of step 1, still in the history
    assert again[-1]["text"].startswith("そのボタンは前のご案内のものです。いまの手順はこちらです。\n手順 2/")
    assert chat.slots["guide_step"] == 1
    assert len([e for e in chat.guide_events() if e["type"] == "step_done"]) == done_before
    third = await chat.press(again, "できた")  # the latest message's button still works
    assert "手順 3/" in third[-1]["text"]


async def test_an_earlier_steps_stuck_button_does_not_count_toward_a_handoff(knowledge):
    chat = Conversation(knowledge, channel="kiosk", metadata={"kiosk": "4"})
    first = await chat.say("guide_start", entities={"guide": "apply_pc"})
    hint = await chat.press(first, "わからない")
    second = await chat.press(hint, "できた")
    stale = await chat.press(hint, "わからない")  # step 1's hint, pressed again while step 2 is shown
    assert "いまの手順はこちらです" in stale[-1]["text"] and "手順 2/" in stale[-1]["text"]
    assert chat.handoff() is None and chat.slots["guide_stuck"] == 0
    now = await chat.press(second, "わからない")
    assert now[0]["text"].startswith("ヒント：") and chat.handoff() is None


async def test_a_finished_guides_button_says_no_guide_is_running(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("guide_start", entities={"guide": "apply_pc"})
    old = messages
    for _ in knowledge.guides["apply_pc"].steps:
        messages = await chat.press(messages, "できた")
    assert chat.slots["guide_id"] is None
    again = await chat.press(old, "できた")
    assert "前のご案内" in again[0]["text"] and "いまは手順のご案内をしていません" in again[0]["text"]
    assert not [e for e in chat.guide_events() if e["type"] == "step_done"][len(knowledge.guides["apply_pc"].steps):]


async def test_an_earlier_questions_option_does_not_answer_the_next_question(knowledge):
    chat = Conversation(knowledge)
    first = await chat.say("guide_start", entities={"guide": "receive_card"})
    asked = chat.slots["guide_question"]
    option = knowledge.guides["receive_card"].question(asked).options[0]
    await chat.press(first, option.label)
    answers, pending = dict(chat.slots["guide_answers"]), chat.slots["guide_question"]
    assert pending and pending != asked
    stale = await chat.press(first, knowledge.guides["receive_card"].question(asked).options[-1].label)
    assert stale[0]["text"].startswith("そのボタンは前のご案内のものです。")
    assert chat.slots["guide_answers"] == answers and chat.slots["guide_question"] == pending


@pytest.mark.parametrize(
    "typed, value",
    [("持ってない", "no"), ("はい、あります", "yes"), ("持っています", "yes"), ("いいえ", "no")],
)
async def test_branch_questions_take_free_text(knowledge, typed, value):
    chat = Conversation(knowledge)
    await chat.say("guide_start", entities={"guide": "proxy_receive"})
    assert chat.slots["guide_question"] == "old_cards"
    await chat.say("nlu_fallback", typed)
    assert chat.slots["guide_answers"] == {"old_cards": value}


async def test_how_to_question_starts_the_guide(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("apply_online_smartphone", "スマホで申請するやり方を教えてください")
    assert "「スマホでカードを申請する」" in messages[0]["text"] or chat.slots.get("guide_id") == "apply_smartphone"
    assert chat.slots.get("guide_id") == "apply_smartphone"


async def test_topic_answer_offers_its_guide(knowledge):
    chat = Conversation(knowledge)
    messages = await chat.say("lost_card_suspend", "マイナンバーカードをなくしました")
    assert messages[0]["buttons"][0]["payload"] == '/guide_start{"guide":"lost_card"}'


# --- the personalised checklist ----------------------------------------------------------------
PHOTO = "ご本人の顔写真付きの本人確認書類 1点（運転免許証、パスポートなど）"
NO_PHOTO = "ご本人の本人確認書類 2点（資格確認書、年金手帳、学生証など、氏名と生年月日か住所が書かれたもの）"
OLD = "お持ちの通知カード、住民基本台帳カード"
POSTCARD = "交付通知書（はがき）"
PROXY_POSTCARD = "交付通知書（はがき）。ご本人が委任状の欄と暗証番号の欄に記入し、目隠しシールを貼ったもの"
PARENT_ID = "親など法定代理人の本人確認書類（顔写真付きなら1点）"
PARENT_PROOF = "法定代理人であることがわかる書類（戸籍謄本など。同じ世帯の親子や本籍がさくらみなと市にある方は要らないことがあります）"
PROXY_ID = "代理の方（来る方）の顔写真付きの本人確認書類"
PROXY_REASON = "ご本人が来られない理由がわかる書類（診断書、障害者手帳、介護保険の被保険者証、施設の在所証明など）"


@pytest.mark.parametrize(
    "answers, expected",
    [
        ({"under15": "no", "who": "self", "old_cards": "no", "photo_id": "yes"}, [POSTCARD, PHOTO]),
        ({"under15": "no", "who": "self", "old_cards": "yes", "photo_id": "yes"}, [POSTCARD, OLD, PHOTO]),
        ({"under15": "no", "who": "self", "old_cards": "no", "photo_id": "no"}, [POSTCARD, NO_PHOTO]),
        ({"under15": "no", "who": "self", "old_cards": "yes", "photo_id": "no"}, [POSTCARD, OLD, NO_PHOTO]),
        ({"under15": "yes", "who": "self", "old_cards": "no", "photo_id": "yes"}, [POSTCARD, PHOTO, PARENT_ID, PARENT_PROOF]),
        ({"under15": "yes", "who": "self", "old_cards": "yes", "photo_id": "no"}, [POSTCARD, OLD, NO_PHOTO, PARENT_ID, PARENT_PROOF]),
        ({"under15": "no", "who": "proxy", "old_cards": "no", "photo_id": "yes"}, [PROXY_POSTCARD, PHOTO, PROXY_ID, PROXY_REASON]),
        ({"under15": "no", "who": "proxy", "old_cards": "yes", "photo_id": "no"}, [PROXY_POSTCARD, OLD, NO_PHOTO, PROXY_ID, PROXY_REASON]),
    ],
)
async def test_receive_checklist_lists_exactly_what_to_bring(knowledge, answers, expected):
    chat = Conversation(knowledge)
    messages = await start_and_answer(chat, knowledge.guides["receive_card"], answers)
    while "窓口にお持ちいただくもの" not in messages[-1]["text"]:
        messages = await chat.press(messages, "できた")
    items = [line[1:] for line in messages[-1]["text"].splitlines() if line.startswith("・")]
    assert items == expected


@pytest.mark.parametrize(
    "guide_id, typed, question, value",
    [
        ("lost_card", "家の外でなくしました", "where_lost", "outside"),
        ("lost_card", "家の中で見当たらないんです", "where_lost", "home"),
        ("receive_card", "本人が来ます", "under15", None),
    ],
)
async def test_free_text_matches_an_option_label(knowledge, guide_id, typed, question, value):
    chat = Conversation(knowledge)
    await chat.say("guide_start", entities={"guide": guide_id})
    assert chat.slots["guide_question"] == question
    await chat.say("nlu_fallback", typed)
    assert (chat.slots["guide_answers"] or {}).get(question) == value


async def test_an_answer_wins_over_a_misread_intent(knowledge):
    chat = Conversation(knowledge)
    await chat.say("guide_start", entities={"guide": "lost_card"})
    await chat.say("guide_done", "家の外でなくしました")  # the NLU took it for 「できた」
    assert chat.slots["guide_answers"] == {"where_lost": "outside"}


CHILD_FORM = "お子さんの交付申請書（お子さんの名前が書かれたもの）"
CHILD_PHOTO = "お子さんの顔写真（縦4.5cm、横3.5cm、6か月以内に撮ったもの）"
CHILD_PHOTO_DATA = "お子さんの顔写真のデータ（スマホで撮ったものでもかまいません）"
PARENT_MAIL = "親などの法定代理人のメールアドレス（申請の案内が届きます）"


@pytest.mark.parametrize(
    "answers, expected",
    [
        ({"under1": "yes", "how": "mail"}, [CHILD_FORM]),
        ({"under1": "no", "how": "mail"}, [CHILD_FORM, CHILD_PHOTO]),
        ({"under1": "yes", "how": "online"}, [CHILD_FORM, PARENT_MAIL]),
        ({"under1": "no", "how": "online"}, [CHILD_FORM, CHILD_PHOTO_DATA, PARENT_MAIL]),
    ],
)
async def test_child_application_checklist_lists_exactly_what_to_prepare(knowledge, answers, expected):
    chat = Conversation(knowledge)
    messages = await start_and_answer(chat, knowledge.guides["apply_child"], answers)
    items = [line[1:] for line in messages[-1]["text"].splitlines() if line.startswith("・")]
    assert "次のものを用意してください" in messages[-1]["text"] and items == expected
