"""A guide over the REST channel, with the resident typing instead of pressing buttons."""
import uuid

import pytest

pytestmark = pytest.mark.model


def test_a_guide_by_free_text(assistant):
    sender = f"g-{uuid.uuid4().hex[:8]}"
    first = assistant.text(sender, "マイナンバーカードをなくしたときの手順を教えて")
    assert "「" in first and "手順" in first
    # Answer the branch questions by typing, then walk the steps by typing.
    assert assistant.tracker(sender)["slots"]["guide_question"] == "where_lost"
    assistant.send(sender, "家の外でなくしました")
    assert assistant.tracker(sender)["slots"]["guide_question"] == "hurry"
    replies = assistant.send(sender, "ふつうでいいです")
    assert assistant.tracker(sender)["slots"]["guide_answers"] == {"where_lost": "outside", "hurry": "normal"}
    assert "手順 1/" in replies[-1]["text"] and "0120-95-0178" in replies[-1]["text"]
    assert "手順 2/" in assistant.text(sender, "できました")
    assert "手順 3/" in assistant.text(sender, "次")
    hint = assistant.text(sender, "うーん、わからん")
    assert hint.startswith("ヒント：")
    handed_over = assistant.text(sender, "やっぱりわからない")
    assert "手順 3/" in handed_over and "職員におつなぎします" in handed_over


def test_side_question_and_continue_by_typing(assistant):
    sender = f"g-{uuid.uuid4().hex[:8]}"
    assistant.send(sender, '/guide_start{"guide":"apply_pc"}')
    assistant.send(sender, "できた")
    side = assistant.send(sender, "写真のサイズは？")
    assert side[0]["buttons"][0]["title"] == "続きから"
    assert "手順 2/" in assistant.text(sender, "続きから")
    stopped = assistant.text(sender, "もうやめます")
    assert "終わります" in stopped
