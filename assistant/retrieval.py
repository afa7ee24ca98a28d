"""Picks the sub-question (knowledge entry) of a topic that best fits a resident's text (BM25 over character bigrams)."""
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
    # Below this share of the best score, a runner-up does not make the choice ambiguous.
    ambiguity_ratio = 0.8

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
        """The best entry; ambiguous when several entries fit about equally (or none fits at all)."""
        scores = self.scores(text)
        entries = self.topic.entries
        if len(entries) == 1:
            return Choice(entries[0], False, entries, scores)
        ranked: Sequence[Entry] = sorted(entries, key=lambda e: (-scores[e.id], not e.default))
        best = scores[ranked[0].id]
        if best <= 0:
            return Choice(self.topic.default_entry, True, tuple(ranked), scores)
        close = tuple(e for e in ranked if scores[e.id] >= best * self.ambiguity_ratio)
        if len(close) > 1:
            return Choice(ranked[0], True, tuple(ranked), scores)
        return Choice(ranked[0], False, tuple(ranked), scores)
