"""Loads and validates knowledge/: the municipality profile and one answer file per topic."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from assistant.knowledge.conversation import Conversation
from assistant.knowledge.currency import MUNICIPALITY_SOURCE, OTHER_MUNICIPALITY_NOTE, Currency, Sourced
from assistant.knowledge.fields import KnowledgeError, easy_text, one_sentence_a_line, read_named_file
from assistant.knowledge.fields import fill as _fill, read_yaml as _read_yaml, required_text as _text
from assistant.knowledge.guides import load_guides
from assistant.knowledge.office_hours import OfficeHours

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_LABEL_CHARS = 14
# An answer (or its easy form) as residents read it: a kiosk screen or a phone without long scrolling.
MAX_ANSWER_CHARS = 600
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
# Answers written in the staff console, by "topic/entry": the fields that replace the file's (answer, easy,
# source, checked, review_by), validated here exactly as the file's own.
Overlay = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Entry(Sourced):
    """One sub-question of a topic and its answer."""

    id: str
    label: str
    questions: Tuple[str, ...]
    answer: str
    currency: Currency  # source, checked (the day a person compared it with the source), review_by
    default: bool = False
    # A reason from knowledge/handoff.yml: after this answer a person takes over at once.
    handoff: Optional[str] = None
    # The answer in やさしい日本語 (short sentences, everyday words), for the kiosk's easy mode; required in knowledge/.
    easy: Optional[str] = None
    # For a high-stakes answer (a handoff): patterns of which the resident's own words must show one.
    signals: Tuple["re.Pattern[str]", ...] = ()
    # Words that take a signal back (「払ってない」「話したいわけじゃない」).
    unless: Tuple["re.Pattern[str]", ...] = ()

    def signalled_by(self, text: str) -> bool:
        """True for an entry without signals, or when the text shows one of them and none of `unless`."""
        if not self.signals:
            return True
        return any(s.search(text) for s in self.signals) and not any(u.search(text) for u in self.unless)


@dataclass(frozen=True)
class Topic:
    """What the assistant knows about one topic (an NLU intent)."""

    id: str
    title: str
    entries: Tuple[Entry, ...]
    followups: Tuple[str, ...]
    clarify: Optional[str]
    path: Path

    @property
    def default_entry(self) -> Entry:
        return next(e for e in self.entries if e.default)

    def entry(self, entry_id: str) -> Optional[Entry]:
        return next((e for e in self.entries if e.id == entry_id), None)


@dataclass(frozen=True)
class Knowledge:
    """The whole knowledge folder, validated, with answers already filled from the profile."""

    municipality: Dict[str, Any]
    topics: Dict[str, Topic] = field(default_factory=dict)
    menu: Tuple[Tuple[str, str], ...] = ()  # (button label, topic id)
    guides: Dict[str, Any] = field(default_factory=dict)  # guide id -> assistant.knowledge.guides.Guide
    office_hours: Any = None  # assistant.knowledge.office_hours.OfficeHours
    conversation: Any = None  # Conversation

    def entry_by_key(self, key: str) -> Optional[Entry]:
        """The entry named `topic/entry`, or None."""
        topic_id, _, entry_id = (key or "").partition("/")
        topic = self.topics.get(topic_id)
        return topic.entry(entry_id) if topic else None

    def guides_for(self, topic_id: str) -> List[Any]:
        return [g for g in self.guides.values() if topic_id in g.topics]

    def guided_entries(self, topic_id: str) -> Set[str]:
        """The `topic/entry` ids of this topic whose question its guides answer step by step (a guide that names
        none walks through the topic's default entry)."""
        topic = self.topics.get(topic_id)
        keys: Set[str] = set()
        for guide in self.guides_for(topic_id):
            named = [k for k in guide.walks_through if k.startswith(topic_id + "/")]
            if named:
                keys.update(named)
            elif topic is not None and topic.entries:
                keys.add(f"{topic_id}/{topic.default_entry.id}")
        return keys

    def topic(self, topic_id: str) -> Optional[Topic]:
        return self.topics.get(topic_id)

    def menu_buttons(self) -> List[Dict[str, str]]:
        """The topic menu as buttons (a greeting, a vague question, an empty message)."""
        return [{"title": label, "payload": f"/{topic}"} for label, topic in self.menu]


_REQUIRED_PROFILE = {
    "city": ["name", "website", "general_contact_name", "general_phone", "general_hours"],
    "desk": ["name", "place", "phone", "hours"],
}


def load_municipality(path: Path) -> Dict[str, Any]:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeError(path, "(file)", "expected a mapping")
    for section, keys in _REQUIRED_PROFILE.items():
        if not isinstance(data.get(section), dict):
            raise KnowledgeError(path, section, "missing section")
        for key in keys:
            value = data[section].get(key)
            if not isinstance(value, str) or not value.strip():
                raise KnowledgeError(path, f"{section}.{key}", "missing or empty")
    return data


def _namespace(value: Any) -> Any:
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _namespace(v) for k, v in value.items()})
    return value


# Reasons an answer may hand over to staff at once (knowledge/handoff.yml names them for staff).
HANDOFF_REASONS = ("asked", "sensitive_dv", "fraud")


def _load_entry(raw: Any, index: int, profile: SimpleNamespace, path: Path) -> Entry:
    where = f"entries[{index}]."
    if not isinstance(raw, dict):
        raise KnowledgeError(path, f"entries[{index}]", "expected a mapping")
    entry_id = _text(raw, "id", path, where)
    if not _ID_RE.match(entry_id):
        raise KnowledgeError(path, f"{where}id", f"{entry_id!r} must be snake_case")
    label = _text(raw, "label", path, where)
    if len(label) > _MAX_LABEL_CHARS:
        raise KnowledgeError(path, f"{where}label", f"longer than {_MAX_LABEL_CHARS} characters")
    questions = raw.get("questions")
    if not isinstance(questions, list) or not questions or not all(isinstance(q, str) and q.strip() for q in questions):
        raise KnowledgeError(path, f"{where}questions", "expected a non-empty list of texts")
    answer = _fill(" ".join(_text(raw, "answer", path, where).split()), profile, path, f"{where}answer")
    answer = one_sentence_a_line(answer)
    if len(answer) > MAX_ANSWER_CHARS:
        raise KnowledgeError(path, f"{where}answer", f"longer than {MAX_ANSWER_CHARS} characters ({len(answer)})")
    currency = Currency.read(raw, path, where)
    default = raw.get("default", False)
    if not isinstance(default, bool):
        raise KnowledgeError(path, f"{where}default", "expected true or false")
    handoff = raw.get("handoff")
    if handoff is not None and handoff not in HANDOFF_REASONS:
        raise KnowledgeError(path, f"{where}handoff", f"expected one of {', '.join(HANDOFF_REASONS)}")
    signals = _signals(raw.get("signals"), path, f"{where}signals")
    unless = _signals(raw.get("unless"), path, f"{where}unless")
    if handoff in ("sensitive_dv", "fraud") and not signals:
        raise KnowledgeError(path, f"{where}signals", "a high-stakes answer needs the signals that must be in the resident's words")
    easy = one_sentence_a_line(_fill(" ".join(easy_text(raw, "easy", path, where).split()), profile, path, f"{where}easy"))
    if len(easy) > MAX_ANSWER_CHARS:
        raise KnowledgeError(path, f"{where}easy", f"longer than {MAX_ANSWER_CHARS} characters ({len(easy)})")
    if _named(raw["answer"]) != _named(raw["easy"]):
        raise KnowledgeError(path, f"{where}easy", f"names other placeholders ({', '.join(sorted(_named(raw['easy']))) or 'none'}) "
                                                   f"than the answer ({', '.join(sorted(_named(raw['answer']))) or 'none'})")
    return Entry(entry_id, label, tuple(q.strip() for q in questions), answer, currency, default, handoff, easy, signals, unless)


def _named(template: str) -> set:
    """The profile values a text names; an easy twin ({practice.x_easy}) counts as the value it simplifies."""
    return {re.sub(r"_easy$", "", name) for name in _PLACEHOLDER_RE.findall(template)}


def _signals(value: Any, path: Path, key: str) -> Tuple["re.Pattern[str]", ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise KnowledgeError(path, key, "expected a list of regular expressions")
    try:
        return tuple(re.compile(v, re.I) for v in value)
    except re.error as exc:
        raise KnowledgeError(path, key, f"not a regular expression: {exc}") from None


def _overlaid(raw: Any, topic_id: str, overlay: Optional[Overlay]) -> Any:
    """The file's entry with the console's fields for it, if any."""
    if not overlay or not isinstance(raw, dict):
        return raw
    fields = overlay.get(f"{topic_id}/{raw.get('id')}")
    return {**raw, **fields} if fields else raw


def load_topic(path: Path, profile: SimpleNamespace, overlay: Optional[Overlay] = None) -> Topic:
    data, topic_id = read_named_file(path, "topic")
    title = _text(data, "title", path, "")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise KnowledgeError(path, "entries", "expected a non-empty list")
    entries = tuple(_load_entry(_overlaid(raw, topic_id, overlay), i, profile, path) for i, raw in enumerate(raw_entries))
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KnowledgeError(path, "entries", f"duplicate ids: {', '.join(duplicates)}")
    defaults = [e.id for e in entries if e.default]
    if len(defaults) != 1:
        raise KnowledgeError(path, "entries", f"exactly one entry needs default: true (found {len(defaults)})")
    clarify = data.get("clarify")
    if clarify is not None and (not isinstance(clarify, str) or not clarify.strip()):
        raise KnowledgeError(path, "clarify", "expected a question text")
    if len(entries) > 1 and clarify is None:
        raise KnowledgeError(path, "clarify", "a topic with several entries needs a clarifying question")
    followups = data.get("followups", [])
    if not isinstance(followups, list) or not all(isinstance(f, str) for f in followups) or len(followups) > 2:
        raise KnowledgeError(path, "followups", "expected a list of at most two topic ids")
    return Topic(topic_id, title, entries, tuple(followups), clarify.strip() if clarify else None, path)


def load_knowledge(folder: Path, overlay: Optional[Overlay] = None) -> Knowledge:
    """Loads and validates the whole folder (with the console's published answers over it, when given);
    raises KnowledgeError naming the file and key."""
    folder = Path(folder)
    profile_path = folder / "municipality.yml"
    if not profile_path.is_file():
        raise KnowledgeError(profile_path, "(file)", "missing")
    municipality = load_municipality(profile_path)
    profile = _namespace(municipality)
    topic_paths = sorted((folder / "topics").glob("*.yml"))
    if not topic_paths:
        raise KnowledgeError(folder / "topics", "(folder)", "no topic files")
    topics: Dict[str, Topic] = {}
    for path in topic_paths:
        topic = load_topic(path, profile, overlay)
        topics[topic.id] = topic
    for topic in topics.values():
        for index, followup in enumerate(topic.followups):
            if followup not in topics:
                raise KnowledgeError(topic.path, f"followups[{index}]", f"unknown topic {followup!r}")
    menu = load_menu(folder / "menu.yml", topics)
    guides = load_guides(folder / "guides", profile, list(topics))
    office_hours = OfficeHours.from_profile(municipality, profile_path)
    conversation_path = folder / "conversation.yml"
    conversation = Conversation.from_file(conversation_path)
    person = topics.get(conversation.person_entry.split("/", 1)[0])
    person_entry = person.entry(conversation.person_entry.split("/", 1)[-1]) if person else None
    if person_entry is None:
        raise KnowledgeError(conversation_path, "person.entry", f"unknown entry {conversation.person_entry!r}")
    # One list of the words that say a message asks for no person: the entry's own.
    conversation = replace(conversation, person_unless=person_entry.unless)
    knowledge = Knowledge(municipality=municipality, topics=topics, menu=menu, guides=guides,
                          office_hours=office_hours, conversation=conversation)
    for key in conversation.entry_ids():
        if knowledge.entry_by_key(key) is None:
            raise KnowledgeError(conversation_path, "phishing", f"unknown entry {key!r}")
    for guide in guides.values():
        for key in guide.walks_through:
            if knowledge.entry_by_key(key) is None:
                raise KnowledgeError(guide.path, "walks_through", f"unknown entry {key!r}")
    return knowledge


def load_menu(path: Path, topics: Dict[str, Topic]) -> Tuple[Tuple[str, str], ...]:
    data = _read_yaml(path) if path.is_file() else None
    items = data.get("menu") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise KnowledgeError(path, "menu", "expected a non-empty list of {label, topic}")
    menu = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise KnowledgeError(path, f"menu[{index}]", "expected a mapping with label and topic")
        label = _text(item, "label", path, f"menu[{index}].")
        topic = _text(item, "topic", path, f"menu[{index}].")
        if topic not in topics:
            raise KnowledgeError(path, f"menu[{index}].topic", f"unknown topic {topic!r}")
        menu.append((label, topic))
    return tuple(menu)


def topic_ids_in(topics_spec: Path) -> List[str]:
    """The topic ids of a topics.yml (the product owner's list)."""
    data = _read_yaml(Path(topics_spec))
    return [t["id"] for t in data["topics"]]
