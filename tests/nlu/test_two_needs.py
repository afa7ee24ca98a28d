"""Two needs in one message, over REST with the real model: every part answered or offered as a button
(a floor on the development set of tests/data/two_needs/, which was used to tune the splitting)."""
from __future__ import annotations

import csv
import re
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

SET = Path(__file__).resolve().parents[1] / "data" / "two_needs" / "two_needs.tsv"
_BUTTON_ENTRY = re.compile(r'^/([a-z_]+)\{"subtopic":"([a-z0-9_]+)"\}$')
# Measured 2026-12-06: 48 of 90 (34 before the asking sentence's own entry and the sentences that tell were offered);
# 2026-12-07: 61 (58 before a sentence that says it is another need took its entry from its own words).
FLOOR = 52


def cases():
    with SET.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            parts = [set(row[name].split(",")) for name in ("part1", "part2", "part3") if row[name]]
            yield row["text"].replace("\\n", "\n"), parts


def answered_and_offered(assistant, text):
    sender = f"two-{uuid.uuid4().hex}"
    replies = assistant.send(sender, text)
    slots = assistant.tracker(sender)["slots"]
    seen = {f"{slots['last_topic']}/{slots['last_entry']}"} if slots.get("last_entry") else set()
    for reply in replies:
        for button in reply.get("buttons") or []:
            m = _BUTTON_ENTRY.match(button.get("payload") or "")
            if m:
                seen.add(f"{m.group(1)}/{m.group(2)}")
    return seen


def test_the_set_is_well_formed(knowledge):
    rows = list(cases())
    assert len(rows) == 90
    for text, parts in rows:
        assert text and 2 <= len(parts) <= 3
        for part in parts:
            assert all(knowledge.entry_by_key(key) is not None for key in part), part


def test_every_part_is_answered_or_offered_in_most_two_need_messages(assistant):
    complete = 0
    for text, parts in cases():
        seen = answered_and_offered(assistant, text)
        complete += all(part & seen for part in parts)
    print(f"two-need messages with every part answered or offered: {complete} of 90")
    assert complete >= FLOOR
