"""How readings are combined: two readings of the same labels, and entries with the topic classifier's belief."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

# Added to probabilities before their logarithm: an entry one reading rules out is not ruled out for good.
_FLOOR = 1e-6


def geometric_mix(first: np.ndarray, second: np.ndarray, weight: float) -> np.ndarray:
    """Two readings' probabilities of the same labels, combined so that the result needs the support of both:
    first^(1-weight) · second^weight, normalized. A label either rules out is floored, not ruled out for good."""
    logs = (1 - weight) * np.log(np.asarray(first) + _FLOOR) + weight * np.log(np.asarray(second) + _FLOOR)
    combined = np.exp(logs - logs.max())
    return combined / combined.sum()


def topic_of(entry_key: str) -> str:
    return entry_key.split("/", 1)[0]


def joint_ranking(entries: List[Tuple[str, float]], topics: Dict[str, float],
                  topic_weight: float = 1.0) -> List[Tuple[str, float]]:
    """Entries re-scored by the topic classifier's belief in their topic (normalized to sum 1)."""
    scored = [(key, p * (topics.get(topic_of(key), 0.0) + 1e-3) ** topic_weight) for key, p in entries]
    total = sum(s for _, s in scored) or 1.0
    return sorted(((k, s / total) for k, s in scored), key=lambda kv: -kv[1])


def topic_confidences(ranking: List[Tuple[str, float]], topics: Dict[str, float],
                      weight: float = 0.5) -> Dict[str, float]:
    """Each topic's confidence: the topic classifier's and the entries' summed belief, mixed."""
    summed: Dict[str, float] = {}
    for key, p in ranking:
        summed[topic_of(key)] = summed.get(topic_of(key), 0.0) + p
    names = set(topics) | set(summed)
    return {t: weight * topics.get(t, 0.0) + (1 - weight) * summed.get(t, 0.0) for t in names}


def best_topic(confidences: Dict[str, float]) -> Optional[str]:
    return max(confidences, key=confidences.get) if confidences else None
