"""The independent evaluation set: well-formed, labelled with real entries, and never trained on."""
from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from bench.understanding import independent_cases, training_examples

KINDS = {"clear", "story", "multi", "nearmiss", "vague", "conversation"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def test_set_is_large_and_labelled_with_known_entries(knowledge):
    cases = independent_cases()
    assert len(cases) >= 500
    known = {f"{t.id}/{e.id}" for t in knowledge.topics.values() for e in t.entries}
    for case in cases:
        assert case.kind in KINDS, case
        assert case.expected and all(e in known for e in case.expected), case
    assert len({c.persona for c in cases}) >= 5


def test_no_training_example_repeats_an_evaluation_message():
    held = {_norm(c.text) for c in independent_cases()}
    # The held-out stories and the development sets (two needs, short messages, follow-ups) are not trained on either.
    data = Path(__file__).resolve().parents[1] / "data"
    for path in (data / "stories" / "stories.tsv", data / "two_needs" / "two_needs.tsv", *sorted((data / "blind_dev").glob("*.tsv")),
                 *sorted((data / "blind_dev2").glob("*.tsv"))):
        with path.open(encoding="utf-8") as handle:
            held |= {_norm(row["text"].replace("\\n", "\n")) for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}
    for path in (data / "follow_ups" / "follow_ups.tsv", data / "follow_ups2" / "follow_ups2.tsv"):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                held.add(_norm(row["followup"]))  # the first messages are plain questions, often the knowledge's own
    overlap = [text for text, _ in training_examples() if _norm(text) in held]
    assert overlap == [], f"training data repeats frozen evaluation messages: {overlap[:5]}"


def test_every_entry_has_its_own_training_examples(knowledge):
    counts = {}
    for _, label in training_examples():
        counts[label] = counts.get(label, 0) + 1
    thin = {f"{t.id}/{e.id}": counts.get(f"{t.id}/{e.id}", 0) for t in knowledge.topics.values() for e in t.entries
            if counts.get(f"{t.id}/{e.id}", 0) < 8}
    assert thin == {}, f"entries with fewer than 8 examples: {thin}"
