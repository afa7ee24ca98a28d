"""A follow-up in a conversation, over REST with the real model: 「何時まで？」 after a question on コンビニ交付 is
answered from that question's context, and a message that changes the subject is answered on its own (a floor on
tests/data/follow_ups/, written blind from the entry list and used for tuning)."""
from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

DATA = Path(__file__).resolve().parents[1] / "data"
SET = DATA / "follow_ups" / "follow_ups.tsv"
# A second set, written 2026-12-07 by another writer who never labels a follow-up with the first message's entry.
SET2 = DATA / "follow_ups2" / "follow_ups2.tsv"
# Measured 2026-12-07 over REST (make bench; a question back is no hit): follow-ups 71 of 90 (42 with each message read
# alone), switches 27 of 30 (28); at 13:23, 76 and 29.
FOLLOW_UP_FLOOR, SWITCH_FLOOR = 63, 25
# The second set, first run 2026-12-07: 50 of 65 and 15 of 15; 54 and 15 once a follow-up that alone asks another entry
# of the subject no longer got the answer just given again.
FOLLOW_UP2_FLOOR, SWITCH2_FLOOR = 48, 13


def cases(path=SET):
    with path.open(encoding="utf-8") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


def test_the_set_is_well_formed(knowledge):
    rows = list(cases())
    assert len(rows) == 120 and {r["kind"] for r in rows} == {"followup", "switch"}
    for row in rows:
        assert all(knowledge.entry_by_key(key) is not None for key in row["expected"].split("|")), row["expected"]


def hits_of(assistant, path):
    hits = {"followup": 0, "switch": 0}
    for row in cases(path):
        sender = f"f-{uuid.uuid4().hex}"
        assistant.send(sender, row["first"])
        assistant.send(sender, row["followup"])
        slots = assistant.tracker(sender)["slots"]
        # A question back leaves the first answer's entry in the slots: no hit.
        hits[row["kind"]] += (f"{slots.get('last_topic')}/{slots.get('last_entry')}" in row["expected"].split("|")
                              and not slots.get("fallback_count"))
    print(f"{path.name}: follow-ups answered with an expected entry: {hits}")
    return hits


def test_a_follow_up_is_read_with_the_previous_question(assistant):
    hits = hits_of(assistant, SET)
    assert hits["followup"] >= FOLLOW_UP_FLOOR and hits["switch"] >= SWITCH_FLOOR


def test_the_second_set_is_well_formed(knowledge):
    rows = list(cases(SET2))
    assert len(rows) == 80 and {r["kind"] for r in rows} == {"followup", "switch"}
    for row in rows:
        assert all(knowledge.entry_by_key(key) is not None for key in row["expected"].split("|")), row["expected"]


def test_a_follow_up_of_the_second_set_is_read_with_the_previous_question(assistant):
    hits = hits_of(assistant, SET2)
    assert hits["followup"] >= FOLLOW_UP2_FLOOR and hits["switch"] >= SWITCH2_FLOOR


def test_thanks_after_an_answer_is_not_read_as_the_question_again(assistant):
    sender = f"f-{uuid.uuid4().hex}"
    assistant.send(sender, "コンビニで住民票とれますか")
    assistant.send(sender, "ありがとう")
    assert assistant.tracker(sender)["slots"]["last_topic"] == "goodbye"


def test_asking_for_easier_words_gets_the_answer_again_in_easy_japanese(assistant, knowledge):
    sender = f"f-{uuid.uuid4().hex}"
    assistant.send(sender, "公金受取口座ってなんですか")
    slots = assistant.tracker(sender)["slots"]
    entry = knowledge.topics[slots["last_topic"]].entry(slots["last_entry"])
    replies = assistant.send(sender, "ようわからん、もっと かんたんに いうて")
    assert entry.easy in replies[0]["text"]
    assert assistant.tracker(sender)["slots"]["easy_words"] is True


def test_a_question_word_alone_asks_about_the_previous_question(assistant):
    sender = f"f-{uuid.uuid4().hex}"
    assistant.send(sender, "暗証番号を忘れました")
    replies = assistant.send(sender, "どこで？")
    assert assistant.tracker(sender)["slots"]["last_topic"] == "pin_forgotten_locked"
    assert "窓口" in replies[0]["text"]


def test_telling_that_the_pin_or_account_was_already_given_after_a_scam_call_gets_the_victims_answer(assistant):
    """After a scam call, 「もう暗証番号を教えてしもうた」 is read with it: money or a PIN gone hands over to a person."""
    for first, then in (("市の職員を名乗る人から、医療費の還付金があるって電話がありました", "実はもう暗証番号を教えてしもうた"),
                        ("役所の人やいう電話で口座を教えてと言われたんよ", "もう いうてしもうた"),
                        ("市役所を名乗る電話で、給付金があるから口座を教えてと言われました", "もう口座番号言っちゃった"),
                        ("知らん男から電話で、市役所の者じゃけど暗証番号を確かめたい言われた", "もう教えてしもうた どうしよう"),
                        ("役所の者だという人が家に来て、カードを預かると言うんです", "もう渡してしもうた")):
        sender = f"f-{uuid.uuid4().hex}"
        assistant.send(sender, first)
        assert assistant.tracker(sender)["slots"]["last_topic"] == "scam_security"
        replies = assistant.send(sender, then)
        slots = assistant.tracker(sender)["slots"]
        assert f"{slots['last_topic']}/{slots['last_entry']}" == "scam_security/money_sent", then
        assert any("handoff" in (r.get("custom") or {}) for r in replies) or str(slots.get("handoff_stage") or "").startswith("offered")


def test_asking_what_if_after_a_scam_call_gets_no_victims_answer(assistant):
    sender = f"f-{uuid.uuid4().hex}"
    assistant.send(sender, "市役所を名乗る電話で、給付金があるから口座を教えてと言われました")
    replies = assistant.send(sender, "もし口座番号を言っちゃったらどうなるの？")
    slots = assistant.tracker(sender)["slots"]
    assert slots.get("last_entry") != "money_sent" and not any("handoff" in (r.get("custom") or {}) for r in replies)
