"""Both forms (ordinary and やさしい日本語) of the answers and guide steps in the kiosk's replies, so that its switch
re-shows the answers already on the screen without asking the assistant again."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

Pair = Tuple[str, str]  # (ordinary, easy)


def text_pairs(knowledge: Any) -> Tuple[Pair, ...]:
    """Every entry's and guide step's two texts, the longest first (a text inside another never wins over it)."""
    pairs = {(e.answer, e.easy) for t in knowledge.topics.values() for e in t.entries}
    pairs |= {(s.text, s.easy) for g in knowledge.guides.values() for s in g.steps}
    return tuple(sorted(((a, b) for a, b in pairs if a and b and a != b), key=lambda p: -max(len(p[0]), len(p[1]))))


def _whole_lines(text: str, part: str) -> int:
    """Where `part` stands in `text` as whole lines (-1 when it does not)."""
    at = text.find(part)
    while at >= 0:
        end = at + len(part)
        if (at == 0 or text[at - 1] == "\n") and (end == len(text) or text[end] == "\n"):
            return at
        at = text.find(part, at + 1)
    return -1


def both_forms(text: str, pairs: Tuple[Pair, ...]) -> Optional[Pair]:
    """The message text in its ordinary and its easy form, or None when it holds no answer or step with an easy form."""
    for ordinary, easy in pairs:
        for mine, other in ((ordinary, easy), (easy, ordinary)):
            at = _whole_lines(text, mine)
            if at >= 0:
                swapped = text[:at] + other + text[at + len(mine):]
                return (text, swapped) if mine == ordinary else (swapped, text)
    return None


def add_forms(shown: List[Dict[str, Any]], pairs: Tuple[Pair, ...], furigana: Any) -> List[Dict[str, Any]]:
    """The kiosk's rendered replies with "forms" ({"ordinary": {text, ruby}, "easy": {text, ruby}}) where there are two."""
    for message in shown:
        forms = both_forms(message.get("text") or "", pairs)
        if forms is not None:
            message["forms"] = {name: {"text": text, "ruby": message["ruby"] if text == message["text"] else furigana.html(text)}
                                for name, text in zip(("ordinary", "easy"), forms)}
    return shown


@lru_cache(maxsize=1)
def _live():
    from assistant.knowledge.live import LiveKnowledge
    from assistant.settings import Settings

    settings = Settings.from_env()
    return LiveKnowledge(settings.knowledge_dir, settings.database_url, settings.knowledge_refresh_seconds)


_pairs_of: Dict[int, Tuple[Any, Tuple[Pair, ...]]] = {}


def live_pairs() -> Tuple[Pair, ...]:
    """The pairs of the knowledge the assistant answers from (with the answers published in the staff console)."""
    knowledge = _live().current()
    cached = _pairs_of.get(id(knowledge))
    if cached is None or cached[0] is not knowledge:
        _pairs_of.clear()
        cached = _pairs_of[id(knowledge)] = (knowledge, text_pairs(knowledge))
    return cached[1]
