"""How an answer will look to residents, made by the channels' own code: the kiosk's (furigana, やさしい日本語) and Telegram's."""
from __future__ import annotations

import difflib
from functools import partial
from types import SimpleNamespace
from typing import Any, Dict, List, Mapping

from assistant.knowledge import Knowledge


def _messages(answers: Any, topic: Any, entry: Any, easy: bool) -> List[Dict[str, Any]]:
    """The messages the action server sends for this entry (Rasa sends its custom data as a message of its own)."""
    from actions.feedback import with_rating

    reply = answers.answer(topic, entry, easy)
    messages: List[Dict[str, Any]] = [{"text": reply["text"], "buttons": with_rating(reply["buttons"], topic, entry)}]
    if reply.get("custom"):
        messages.append({"custom": reply["custom"]})
    return messages


def preview(knowledge: Knowledge, key: str) -> Dict[str, Any]:
    """The entry `topic/entry` of `knowledge` as the kiosk shows it (ordinary and easy, with ruby) and as Telegram does."""
    from actions.common import Answers
    from assistant.channels.kiosk import KioskInput
    from assistant.channels.render import for_telegram, to_kiosk
    from assistant.channels.furigana import get_furigana

    topic_id, _, entry_id = key.partition("/")
    topic = knowledge.topics[topic_id]
    entry = topic.entry(entry_id)
    answers = Answers(knowledge)
    # The kiosk names a source in words; its method needs only the channel's knowledge.
    source_title = partial(KioskInput.source_title, SimpleNamespace(knowledge=knowledge))
    kiosk = {easy: next(m for m in to_kiosk(_messages(answers, topic, entry, easy), get_furigana(), source_title) if m["text"])
             for easy in (False, True)}
    return {"kiosk": kiosk[False], "kiosk_easy": kiosk[True],
            "telegram": for_telegram(_messages(answers, topic, entry, False))}


def line_diff(before: str, after: str) -> List[Dict[str, str]]:
    """Line by line (a sentence a line): kind same, removed or added."""
    kinds = {" ": "same", "-": "removed", "+": "added"}
    return [{"kind": kinds[line[0]], "text": line[2:]}
            for line in difflib.ndiff((before or "").splitlines(), (after or "").splitlines()) if line[0] in kinds]


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The fields of two versions side by side: texts line by line, the others as before → after."""
    from assistant.knowledge.edit import FIELD_LABELS, lines

    rows = []
    for name in ("answer", "easy"):
        diff = line_diff(lines(before.get(name, "")), lines(after.get(name, "")))
        rows.append({"name": name, "label": FIELD_LABELS[name], "lines": diff,
                     "changed": any(d["kind"] != "same" for d in diff)})
    for name in ("source", "checked", "review_by", "yes_no", "yes_no_opposite"):
        old, new = str(before.get(name) or "—"), str(after.get(name) or "—")
        rows.append({"name": name, "label": FIELD_LABELS[name], "before": old, "after": new, "changed": old != new})
    return rows
