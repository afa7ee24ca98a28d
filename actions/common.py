"""Shared pieces of the actions: the knowledge factory and how an answer becomes a message."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from assistant.knowledge import MUNICIPALITY_SOURCE, OTHER_MUNICIPALITY_NOTE, Entry, Knowledge, Topic
from assistant.knowledge.live import LiveKnowledge
from assistant.knowledge.sources import other_local_government
from assistant.knowledge.retrieval import EntryPicker
from assistant.settings import Settings
from assistant.text import TextNormalizer

# Intents that are not residents' topics and never offered as "did you mean".
NOT_SUGGESTED = {"nlu_fallback", "out_of_scope", "greeting", "goodbye", "unclear_need_clarification"}
HUMAN_TOPIC = "human_help_request"
# A message this short names a thing, not a question about it, unless it has a question word or a verb.
BARE_WORD_CHARS = 6
_ASKING_WORDS = re.compile(r"いつ|いくら|どこ|何|なに|なん|ない|たい|した|しま|でき|なくし|忘れ|わすれ|切れ|きれ|\?|？|how|what|when", re.I)


@lru_cache(maxsize=1)
def _live() -> LiveKnowledge:
    settings = Settings.from_env()
    return LiveKnowledge(settings.knowledge_dir, settings.database_url, settings.knowledge_refresh_seconds)


def get_knowledge() -> Knowledge:
    """The validated knowledge of this process: knowledge/ with the answers published in the staff console,
    looked up again every MADOGUCHI_KNOWLEDGE_REFRESH_SECONDS (the same object until one is published)."""
    return _live().current()


def get_yes_no() -> Dict[str, Any]:
    """The はい/いいえ short answers of this process: knowledge/yes_no.yml with those published in the staff console."""
    return _live().yes_no()


class Answers:
    """Turns topics and entries into messages (text and buttons) for the dispatcher."""

    def __init__(self, knowledge: Knowledge, normalizer: Optional[TextNormalizer] = None) -> None:
        self.knowledge = knowledge
        self.normalizer = normalizer or TextNormalizer.from_file()
        # One index per topic, built here once so that no resident waits for it.
        self._pickers = {t.id: EntryPicker(t, self.normalizer) for t in knowledge.topics.values()}

    def picker(self, topic: Topic) -> EntryPicker:
        return self._pickers[topic.id]

    def source_line(self, entry: Entry) -> str:
        when = f"{entry.checked.year}年{entry.checked.month}月{entry.checked.day}日時点の情報です"
        city = self.knowledge.municipality["city"]
        if entry.source == MUNICIPALITY_SOURCE:
            return f"出典：{city['name']}の案内 {city['website']}（{when}）"
        if other_local_government(entry.source, city.get("website") or "") == "city":
            # 「上山市？」: a rule the same everywhere, checked on another city's page, says so.
            return f"出典：{entry.source}（{OTHER_MUNICIPALITY_NOTE}{when}）"
        return f"出典：{entry.source}（{when}）"

    def topic_button(self, topic_id: str) -> Dict[str, str]:
        topic = self.knowledge.topics[topic_id]
        return {"title": topic.title, "payload": f"/{topic_id}"}

    def entry_button(self, topic: Topic, entry: Entry) -> Dict[str, str]:
        return {"title": entry.label, "payload": f'/{topic.id}{{"subtopic":"{entry.id}"}}'}

    def menu_buttons(self) -> List[Dict[str, str]]:
        return self.knowledge.menu_buttons()

    def person_buttons(self) -> List[Dict[str, str]]:
        """A person, and the desk's phone number (its entry's button)."""
        human = self.knowledge.topics.get(HUMAN_TOPIC)
        phone = human.entry("phone") if human is not None else None
        return [{"title": "職員に相談", "payload": f"/{HUMAN_TOPIC}"}] + ([self.entry_button(human, phone)] if phone else [])

    def answer(self, topic: Topic, entry: Entry, easy: bool = False) -> Dict[str, Any]:
        """The message for one entry: answer (its easy text when asked for), source and checked date, follow-ups."""
        buttons = [self.topic_button(t) for t in topic.followups]
        others = [e for e in topic.entries if e.id != entry.id]
        if others and len(buttons) < 2:
            buttons.append(self.entry_button(topic, others[0]))
        text = entry.easy if easy and entry.easy else entry.answer
        # "custom": {"easy": true} tells the kiosk the text is the やさしい日本語 form (it labels the texts without one).
        return {"text": f"{text}\n\n{self.source_line(entry)}", "buttons": buttons,
                "custom": {"easy": True} if easy and entry.easy else {}}

    def clarify(self, topic: Topic, candidates: Iterable[Entry]) -> Dict[str, Any]:
        """Asks which sub-question the resident means, with a button per entry."""
        buttons = [self.entry_button(topic, e) for e in list(candidates)[:6]]
        return {"text": topic.clarify or topic.title, "buttons": buttons}

    def respond(
        self, topic: Topic, text: str, subtopic: Optional[str], may_ask: bool = True, easy: bool = False,
        chosen: Optional[Entry] = None,
    ) -> Tuple[Dict[str, Any], Entry, bool]:
        """The message for a topic and the resident's text: an answer, or a clarifying question.
        `chosen` is the entry the NLU read in the text (already checked against the entry's signals)."""
        if subtopic:
            entry = topic.entry(subtopic)
            if entry is not None:
                return self.answer(topic, entry, easy), entry, False
        if text.startswith("/"):
            # A topic button (menu or follow-up): offer its sub-questions as buttons.
            if may_ask and topic.clarify and len(topic.entries) > 1:
                return self.clarify(topic, topic.entries), topic.default_entry, True
            return self.answer(topic, topic.default_entry, easy), topic.default_entry, False
        if chosen is not None:
            if may_ask and topic.clarify and len(topic.entries) > 1 and is_bare_word(text):
                # A bare word (「暗証番号」「更新」) says too little: ask, with the likeliest entry first.
                rest = [e for e in topic.entries if e is not chosen]
                return self.clarify(topic, [chosen, *rest]), chosen, True
            return self.answer(topic, chosen, easy), chosen, False
        choice = self.picker(topic).pick(text)
        entry = choice.entry if choice.entry.signalled_by(text) else topic.default_entry
        if choice.ambiguous and topic.clarify and may_ask:
            return self.clarify(topic, choice.candidates), entry, True
        return self.answer(topic, entry, easy), entry, False


def is_bare_word(text: str) -> bool:
    """A few characters naming a thing (「暗証番号」), without a question word or a verb."""
    text = text.strip()
    return len(text) <= BARE_WORD_CHARS and not _ASKING_WORDS.search(text)


# A message written in hiragana (「あんしょうばんごう わすれて しもうた」): at least this many letters, no kanji, and
# nearly all hiragana (not 「カードをなくした」 typed in a hurry, nor ﾊﾝｶｸ katakana).
KANA_ONLY_MIN_LETTERS = 8
_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_LETTER = re.compile(r"[\u3041-\u30ff\uff66-\uff9fA-Za-z]")


def written_in_hiragana(text: str) -> bool:
    """True for a message in hiragana only (no kanji), as residents write who do not read kanji easily."""
    letters = len(_LETTER.findall(text or ""))
    return (letters >= KANA_ONLY_MIN_LETTERS and not _KANJI.search(text)
            and len(_HIRAGANA.findall(text)) >= 0.8 * letters)


def _latest_user_event(tracker) -> Optional[Dict[str, Any]]:
    return next((e for e in reversed(tracker.events or []) if e.get("event") == "user"), None)


def as_typed(tracker) -> str:
    """The resident's latest message as the channel received it (the NLU's text is normalised: 「あんしょうばんごう」
    becomes 「暗証番号」)."""
    event = _latest_user_event(tracker)
    return (event or tracker.latest_message or {}).get("text") or ""


def wants_easy(tracker) -> bool:
    """The resident asked for easier words earlier (「もっとかんたんに」: the slot easy_words), or the front end asks
    for やさしい日本語 (the kiosk's toggle sends metadata {"easy": true})."""
    if tracker.get_slot("easy_words"):
        return True
    return bool(((_latest_user_event(tracker) or {}).get("metadata") or {}).get("easy"))


def entity_value(entities: Iterable[Dict[str, Any]], name: str) -> Optional[str]:
    for entity in entities or []:
        if entity.get("entity") == name and isinstance(entity.get("value"), str):
            return entity["value"]
    return None
