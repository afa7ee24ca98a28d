"""Words of conversation around a need (knowledge/conversation.yml): greetings, feelings, scams, a person."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from assistant.knowledge.fields import KnowledgeError, read_yaml, required_text


def _pattern(data: Dict[str, Any], key: str, path: Path, where: str) -> "re.Pattern[str]":
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise KnowledgeError(path, f"{where}{key}", "expected a regular expression")
    try:
        return re.compile(value, re.I)
    except re.error as exc:
        raise KnowledgeError(path, f"{where}{key}", f"not a regular expression: {exc}") from None


@dataclass(frozen=True)
class Conversation:
    """Compiled patterns and texts of knowledge/conversation.yml."""

    greeting: "re.Pattern[str]"
    greeting_reply: str
    acknowledge: Tuple[Tuple["re.Pattern[str]", str], ...]
    phishing_entry: str
    phishing_channel: "re.Pattern[str]"
    phishing_bait: "re.Pattern[str]"
    phishing_already: Tuple[str, ...]
    in_domain: "re.Pattern[str]"
    person: "re.Pattern[str]"
    giving_up: "re.Pattern[str]"
    # The entry that calls a person (human_help_request/talk_staff): its `unless:` words (「人と話すのが苦手」「職員を
    # 名乗る人から電話」) say a message asks for no person, here too; the loader fills them from the entry.
    person_entry: str
    person_max_chars: int
    vague: "re.Pattern[str]"
    easier: "re.Pattern[str]"
    easier_unless: "re.Pattern[str]"
    easier_max_chars: int
    easier_reply: str
    easier_no_answer: str
    easier_already: str
    other_language: Optional["re.Pattern[str]"] = None
    other_language_entry: str = ""
    english: Optional["re.Pattern[str]"] = None
    english_note: str = ""
    only_ok: Optional["re.Pattern[str]"] = None
    only_ok_entry: str = ""
    phishing_call: Optional["re.Pattern[str]"] = None
    phishing_call_entry: str = ""
    phishing_visit: Optional["re.Pattern[str]"] = None
    phishing_visit_entry: str = ""
    greeting_replies: Tuple[Tuple["re.Pattern[str]", str], ...] = ()
    person_unless: Tuple["re.Pattern[str]", ...] = ()

    @classmethod
    def from_file(cls, path: Path) -> "Conversation":
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise KnowledgeError(path, "(file)", "expected a mapping")
        greeting = data.get("greeting") or {}
        replies = greeting.get("replies") or []
        if not isinstance(replies, list):
            raise KnowledgeError(path, "greeting.replies", "expected a list of {pattern, text}")
        acknowledge = data.get("acknowledge")
        if not isinstance(acknowledge, list) or not acknowledge:
            raise KnowledgeError(path, "acknowledge", "expected a list of {pattern, text}")
        phishing = data.get("phishing") or {}
        already = phishing.get("already") or []
        if not isinstance(already, list) or not all(isinstance(a, str) for a in already):
            raise KnowledgeError(path, "phishing.already", "expected a list of topic/entry ids")
        person = data.get("person") or {}
        max_chars = person.get("max_chars", 40)
        if not isinstance(max_chars, int) or max_chars < 1:
            raise KnowledgeError(path, "person.max_chars", "expected a positive whole number")
        easier = data.get("easier") or {}
        easier_chars = easier.get("max_chars", 30)
        if not isinstance(easier_chars, int) or easier_chars < 1:
            raise KnowledgeError(path, "easier.max_chars", "expected a positive whole number")
        other = data.get("other_language") or {}
        ok = data.get("only_ok") or {}
        english = data.get("english") or {}
        return cls(
            other_language=_pattern(other, "pattern", path, "other_language.") if other else None,
            other_language_entry=required_text(other, "entry", path, "other_language.") if other else "",
            english=_pattern(english, "pattern", path, "english.") if english else None,
            english_note=required_text(english, "note", path, "english.") if english else "",
            only_ok=_pattern(ok, "pattern", path, "only_ok.") if ok else None,
            only_ok_entry=required_text(ok, "entry", path, "only_ok.") if ok else "",
            greeting=_pattern(greeting, "pattern", path, "greeting."),
            greeting_reply=required_text(greeting, "reply", path, "greeting."),
            acknowledge=tuple((_pattern(a, "pattern", path, f"acknowledge[{i}]."), required_text(a, "text", path, f"acknowledge[{i}]."))
                              for i, a in enumerate(acknowledge)),
            phishing_entry=required_text(phishing, "entry", path, "phishing."),
            phishing_channel=_pattern(phishing, "channel", path, "phishing."),
            phishing_bait=_pattern(phishing, "bait", path, "phishing."),
            phishing_already=tuple(already),
            phishing_call=_pattern(phishing, "call", path, "phishing.") if phishing.get("call") else None,
            phishing_visit=_pattern(phishing, "visit", path, "phishing.") if phishing.get("visit") else None,
            phishing_visit_entry=required_text(phishing, "visit_entry", path, "phishing.") if phishing.get("visit") else "",
            phishing_call_entry=required_text(phishing, "call_entry", path, "phishing.") if phishing.get("call") else "",
            in_domain=_pattern(data, "in_domain", path, ""),
            person=_pattern(person, "pattern", path, "person."),
            giving_up=_pattern(person, "giving_up", path, "person."),
            person_entry=required_text(person, "entry", path, "person."),
            person_max_chars=max_chars,
            vague=_pattern(data, "vague", path, ""),
            easier=_pattern(easier, "pattern", path, "easier."),
            easier_unless=_pattern(easier, "unless", path, "easier."),
            easier_max_chars=easier_chars,
            easier_reply=required_text(easier, "reply", path, "easier."),
            easier_no_answer=required_text(easier, "no_answer", path, "easier."),
            easier_already=required_text(easier, "already", path, "easier."),
            greeting_replies=tuple((_pattern(r, "pattern", path, f"greeting.replies[{i}]."),
                                    required_text(r, "text", path, f"greeting.replies[{i}]."))
                                   for i, r in enumerate(replies)),
        )

    def entry_ids(self) -> List[str]:
        """Every `topic/entry` this file names (checked against the topics by the loader)."""
        return ([self.phishing_entry, *self.phishing_already] + ([self.phishing_call_entry] if self.phishing_call_entry else [])
                + ([self.phishing_visit_entry] if self.phishing_visit_entry else [])
                + ([self.other_language_entry] if self.other_language_entry else [])
                + ([self.only_ok_entry] if self.only_ok_entry else []) + [self.person_entry])

    def greets(self, text: str) -> bool:
        return bool(self.greeting.search(text))

    def greeting_back(self, text: str) -> str:
        """The greeting the resident used, returned (おはようございます → おはようございます。); else the reply."""
        return next((line for pattern, line in self.greeting_replies if pattern.search(text)), self.greeting_reply)

    def acknowledgement(self, text: str) -> Optional[str]:
        """One short sentence for the feeling the text shows, or None (the file's first pattern that matches: a
        complaint before worry, so an angry resident who is also 困って hears the apology)."""
        return next((line for pattern, line in self.acknowledge if pattern.search(text)), None)

    def looks_like_phishing(self, text: str) -> bool:
        return bool(self.phishing_channel.search(text) and self.phishing_bait.search(text))

    def scam_warning_for(self, text: str) -> str:
        """The warning a suspected scam gets: about visits for a visit, about calls for a call, else about mails and SMS."""
        if self.phishing_visit_entry and self.phishing_visit.search(text):
            return self.phishing_visit_entry
        if self.phishing_call_entry and self.phishing_call.search(text):
            return self.phishing_call_entry
        return self.phishing_entry

    def about_the_domain(self, text: str) -> bool:
        return bool(self.in_domain.search(text))

    def is_vague(self, text: str) -> bool:
        """One word that names no need (「カード」「手続き」)."""
        return bool(self.vague.search(text.strip()))

    def in_english(self, text: str) -> bool:
        """「How do I renew my card?」: English (or romaji) only, three words or more."""
        return bool(self.english and self.english.search(text.strip()))

    def english_first(self, text: str) -> str:
        """The English note and a line break for a message in English (read it as written: the NLU's text has
        「マイナンバーカード」 for "My Number card"), else ""."""
        return self.english_note + "\n" if self.english_note and self.in_english(text) else ""

    def says_only_ok(self, text: str) -> bool:
        """「了解」「わかりました」 and nothing more (not 「了解？」)."""
        return bool(self.only_ok and self.only_ok.search(text.strip()))

    def in_another_language(self, text: str) -> bool:
        """A message in Chinese or Korean (no kana): answered with the multilingual line (other_language.entry)."""
        return bool(self.other_language and self.other_language.search(text.strip()))

    def asks_easier(self, text: str) -> bool:
        """A short request for easier words (「もっとかんたんに」「むずかしい」) that names no thing of the card, asks for
        no person, thanks for nothing and shows no scam (not 「申請って難しい？」 or 「わかりやすくて助かりました」)."""
        text = text.strip()
        if len(text) > self.easier_max_chars or not self.easier.search(text) or self.easier_unless.search(text):
            return False
        # 「にほんご むずかしい です。まどぐち の ひと と はなしたい」 asks for a person; 「簡単にポイント…ってメール」 is a scam.
        return not (self.about_the_domain(text) or self.person.search(text) or self.looks_like_phishing(text))

    def asks_for_person(self, text: str) -> bool:
        """A short message that asks for a person in words, or gives up on the assistant."""
        text = text.strip()
        if len(text) > self.person_max_chars or any(u.search(text) for u in self.person_unless):
            return False
        return bool(self.person.search(text) or self.giving_up.search(text))
