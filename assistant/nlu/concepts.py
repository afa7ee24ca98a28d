"""What a message is about, what happened and who asks, as concept words and their pairs (assistant/nlu/concepts.yml)."""
from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml

LEXICON = Path(__file__).with_name("concepts.yml")


def load_lexicon(path: Path = LEXICON, groups: Optional[Iterable[str]] = None) -> Dict[str, str]:
    """Concept name → its words as one regular expression (groups of the file flattened; only `groups`, if given)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lexicon: Dict[str, str] = {}
    for group_name, group in data.items():
        if groups is not None and group_name not in groups:
            continue
        for name, pattern in (group or {}).items():
            re.compile(pattern)  # a broken pattern stops training, naming nothing else
            lexicon[name] = pattern
    return lexicon


class ConceptReader:
    """Turns a text into its concepts and every pair of them ("CARD LOST CARD_LOST"), or "NONE"."""

    def __init__(self, lexicon: Dict[str, str]) -> None:
        self.lexicon = dict(lexicon)
        self._compiled = None

    def __getstate__(self) -> Dict[str, str]:
        return {"lexicon": self.lexicon}  # the trained model keeps the words it was trained with

    def __setstate__(self, state: Dict[str, str]) -> None:
        self.lexicon, self._compiled = state["lexicon"], None

    def found(self, text: str) -> List[str]:
        if self._compiled is None:
            self._compiled = {name: re.compile(p, re.I) for name, p in self.lexicon.items()}
        return sorted(name for name, pattern in self._compiled.items() if pattern.search(text))

    def __call__(self, text: str) -> str:
        names = self.found(text)
        words = names + [f"{a}_{b}" for a, b in itertools.combinations(names, 2)]
        return " ".join(words) if words else "NONE"
