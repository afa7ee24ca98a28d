"""Resident feedback on the REST channel of the running servers: stored with the answer's entry id and counted."""
import uuid

import pytest

from assistant.analytics.feedback import per_entry
from assistant.cli import main as cli_main

pytestmark = pytest.mark.model


def button(reply, title):
    return next(b for b in reply["buttons"] if b["title"] == title)


def counts(assistant):
    with assistant.store.engine.connect() as conn:
        return {r.entry: (r.helpful, r.unhelpful) for r in per_entry(conn)}


def test_rest_feedback_is_stored_with_the_entry_and_counted_even_from_an_old_answer(assistant, capsys):
    sender = f"feedback-{uuid.uuid4().hex[:8]}"
    first = assistant.send(sender, '/fees{"subtopic":"reissue"}')[-1]
    second = assistant.send(sender, '/fees{"subtopic":"express"}')[-1]
    assert [b["title"] for b in first["buttons"]][-2:] == ["役に立った", "役に立たなかった"]
    assert len(first["buttons"]) <= 5
    before = counts(assistant)

    thanks = assistant.text(sender, button(first, "役に立たなかった")["payload"])  # the older answer's button
    assert "お役に立てず" in thanks
    assert "ありがとうございます" in assistant.text(sender, button(second, "役に立った")["payload"])

    after = counts(assistant)
    old = before.get("fees/reissue", (0, 0))
    assert after["fees/reissue"] == (old[0], old[1] + 1)
    assert after["fees/express"][0] == before.get("fees/express", (0, 0))[0] + 1

    assert cli_main(["analytics", "feedback", "--database-url", str(assistant.store.engine.url)]) == 0
    out = capsys.readouterr().out
    assert f"fees/reissue\t{after['fees/reissue'][0]}\t{after['fees/reissue'][1]}" in out
