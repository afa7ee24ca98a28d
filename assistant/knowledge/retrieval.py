"""Picks the sub-question (knowledge entry) of a topic that best fits a resident's text (BM25 over character bigrams).

The fallback for a message whose NLU ranking names no entry of its topic (a button's topic, a re-route). The
NLU's entry model reads kana and kanji alike (the words' readings); this picker needs no dictionary, so the
action server does not map SudachiPy's (about 170 MB of its memory; on the independent set every reply was the
same without it, 2026-12-06)."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from assistant.knowledge import Entry, Topic
from assistant.text import TextNormalizer, to_katakana

# Characters that carry no meaning for matching.
_SKIP = set(" 　、。，．,.!?！？「」『』()（）・…ー〜~-の")


def grams(text: str) -> List[str]:
    """Character bigrams of the text (katakana-folded), skipping punctuation; unigrams for one-character words."""
    chars = [c for c in to_katakana(text) if c not in _SKIP]
    if len(chars) < 2:
        return chars
    return [a + b for a, b in zip(chars, chars[1:])]


@dataclass(frozen=True)
class Choice:
    """The outcome of picking an entry: the best entry, or the candidates to ask about."""

    entry: Entry
    ambiguous: bool
    candidates: Tuple[Entry, ...]
    scores: Dict[str, float]


class EntryPicker:
    """BM25 index over the entries of one topic (each entry's label and questions)."""

    k1 = 1.2
    b = 0.5
    # Below this score the text says too little to choose (a single word such as 「暗証番号」).
    min_evidence = 5.0
    # A runner-up this close to the best makes the choice a tie, unless the best is the default.
    tie_ratio = 0.95

    def __init__(self, topic: Topic, normalizer: TextNormalizer) -> None:
        self.topic = topic
        self._normalizer = normalizer
        self._docs: List[Counter] = []
        for entry in topic.entries:
            text = " ".join([entry.label, *entry.questions])
            self._docs.append(Counter(grams(normalizer(text))))
        self._avg_len = sum(sum(d.values()) for d in self._docs) / max(len(self._docs), 1)
        df: Counter = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        n = len(self._docs)
        self._idf = {g: math.log(1 + (n - f + 0.5) / (f + 0.5)) for g, f in df.items()}

    def scores(self, text: str) -> Dict[str, float]:
        query = set(grams(self._normalizer(text)))
        result: Dict[str, float] = {}
        for entry, doc in zip(self.topic.entries, self._docs):
            length = sum(doc.values())
            score = 0.0
            for g in query:
                tf = doc.get(g, 0)
                if tf:
                    norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / self._avg_len))
                    score += self._idf[g] * norm
            result[entry.id] = score
        return result

    def pick(self, text: str) -> Choice:
        """The best entry; ambiguous when the text says too little, or two entries tie."""
        scores = self.scores(text)
        entries = self.topic.entries
        if len(entries) == 1:
            return Choice(entries[0], False, entries, scores)
        ranked: Sequence[Entry] = sorted(entries, key=lambda e: (-scores[e.id], not e.default))
        best, runner_up = scores[ranked[0].id], scores[ranked[1].id]
        if best < self.min_evidence:
            entry = ranked[0] if best > 0 else self.topic.default_entry
            return Choice(entry, True, tuple(ranked), scores)
        tie = runner_up >= best * self.tie_ratio and not ranked[0].default
        return Choice(ranked[0], tie, tuple(ranked), scores)
