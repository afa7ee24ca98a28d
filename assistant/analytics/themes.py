"""Unanswered questions grouped by similarity: TF-IDF of character 1- to 3-grams, agglomerative clustering;
greetings, thanks and bare words left out, a theme only when several residents asked, examples de-identified."""
from __future__ import annotations

import inspect
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from assistant.analytics.examples import deidentify, example_wording, is_noise

# Cosine distance under which two groups of questions are one theme (average linkage).
DISTANCE = 0.8
# The most frequent distinct texts are clustered; rarer ones join the nearest theme (or stand alone).
MAX_CLUSTERED = 1500
EXAMPLES = 3
# A theme is what several people could not get answered: one resident asking three times is not a theme.
MIN_RESIDENTS = 2
_PLACEHOLDER_RE = re.compile(r"［[^］]{1,10}］")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Theme:
    """A group of similar unanswered questions: how many were asked, and the most frequent wordings."""

    count: int
    examples: Tuple[str, ...]  # short and de-identified (examples.py), never a whole story
    wordings: int  # distinct texts
    residents: int = 0  # distinct residents who asked (0 when not known)


def _key(text: str) -> str:
    """What makes two questions the same wording: width, case, spaces and placeholders do not count."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACE_RE.sub("", _PLACEHOLDER_RE.sub("＃", text)).strip("。、.,!?！？")


def _agglomerative(distances):
    from sklearn.cluster import AgglomerativeClustering

    parameter = "metric" if "metric" in inspect.signature(AgglomerativeClustering).parameters else "affinity"
    model = AgglomerativeClustering(n_clusters=None, distance_threshold=DISTANCE, linkage="average",
                                    **{parameter: "precomputed"})
    return model.fit_predict(distances)


def group_questions(texts: Sequence[str], top: int = 20, residents: Optional[Sequence[str]] = None) -> List[Theme]:
    """The `top` largest themes of the texts, largest first (ties: by first example). With `residents` (who
    asked each text), a theme needs MIN_RESIDENTS of them. Greetings, thanks and bare words never count."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances
    from sklearn.preprocessing import normalize

    counts: Counter = Counter()
    wording: Dict[str, Counter] = {}
    askers: Dict[str, Set[str]] = {}
    for index, text in enumerate(texts):
        key = _key(deidentify(text))  # 「母が」 and 「父が」 are the same question
        if key and not is_noise(text):
            counts[key] += 1
            wording.setdefault(key, Counter())[text] += 1
            if residents is not None:
                askers.setdefault(key, set()).add(residents[index])
    if not counts:
        return []
    keys = sorted(counts, key=lambda k: (-counts[k], k))
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit_transform(keys)
    head = min(len(keys), MAX_CLUSTERED)
    if head == 1:
        labels = np.zeros(1, dtype=int)
    else:
        labels = _agglomerative(cosine_distances(vectors[:head]))
    groups: Dict[int, List[int]] = {}
    for index, group in enumerate(labels):
        groups.setdefault(int(group), []).append(index)
    if len(keys) > head:
        ids = sorted(groups)
        centroids = normalize(np.vstack([np.asarray(vectors[groups[g]].mean(axis=0)) for g in ids]))
        similarity = np.asarray(vectors[head:] @ centroids.T)
        best = similarity.argmax(axis=1)
        for offset, choice in enumerate(best):
            index = head + offset
            if similarity[offset, choice] >= 1 - DISTANCE:
                groups[ids[choice]].append(index)
            else:
                groups[len(ids) + index] = [index]
    themes = []
    for members in groups.values():
        ordered = sorted(members, key=lambda i: (-counts[keys[i]], keys[i]))
        people = set().union(*(askers.get(keys[i], set()) for i in members))
        if residents is not None and len(people) < MIN_RESIDENTS:
            continue
        examples: List[str] = []
        for i in ordered:
            shown = example_wording(wording[keys[i]].most_common(1)[0][0])
            if shown and shown not in examples:
                examples.append(shown)
            if len(examples) == EXAMPLES:
                break
        themes.append(Theme(sum(counts[keys[i]] for i in members), tuple(examples), len(members), len(people)))
    themes.sort(key=lambda t: (-t.count, t.examples[0] if t.examples else ""))
    return themes[:top]
