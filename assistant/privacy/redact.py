"""Redaction at the door: My Numbers, corporate numbers, phone numbers, e-mail addresses and PINs never pass in clear."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Sequence, Tuple

from assistant.privacy.normalise import normalise
from assistant.privacy.numbers import (
    KANJI_VALUE, DIGIT, UNITS, Group, chains, classify, is_corporate_number, is_my_number,  # noqa: F401 (re-exported)
)

MY_NUMBER = "［個人番号］"
CORPORATE_NUMBER = "［法人番号］"
PHONE = "［電話番号］"
EMAIL = "［メールアドレス］"
PIN = "［暗証番号］"
_PLACEHOLDER = {"my_number": MY_NUMBER, "pin": PIN, "phone": PHONE, "corporate": CORPORATE_NUMBER}

# --- e-mail addresses: with @ (full-width becomes @ when normalised), written "at"/"dot", Japanese domains ---
_JA = r"\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_AT = (r"(?:\s*@\s*|\s+(?i:at)\s+|\s*[\[(<{]\s*(?i:at)\s*[\])>}]\s*|\s*(?:アットマーク|あっとまーく|アット)\s*)")
_DOT = r"(?:\.|\s+(?i:dot)\s+|\s*[\[(<{]\s*(?i:dot)\s*[\])>}]\s*|\s*(?:ドット|どっと)\s*)"
_LABEL = rf"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?|[{_JA}]+)"
_EMAIL_RE = re.compile(rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+{_AT}{_LABEL}(?:{_DOT}{_LABEL})+")

_SEP = r"[\s\-‐‑‒–—―−ー.()]"
_INTL_PHONE_RE = re.compile(rf"\+\s?81{_SEP}{{0,3}}(?:0\){_SEP}?)?[0-9]{{1,4}}(?:{_SEP}{{1,3}}[0-9]{{1,4}}){{1,3}}(?![0-9])")

# --- PINs: the value after (or just before) a word for PIN or password, in Japanese or English ---
_WORD = (r"(?:暗証番号|暗唱番号|暗証コード|暗証ナンバー|暗証|あんしょうばんごう|あんしょう番号|パスワード|ぱすわーど|パスコード"
         r"|ピン番号|ピンコード|(?<![ァ-ヺー])パス(?![ァ-ヺー])"
         r"|(?<![A-Za-z])(?i:pin(?:\s?(?:code|number|no)|コード|番号|ナンバー)?|pass\s?(?:word|code)|passwd|pw)(?![A-Za-z]))")
# A small count in romaji or English (「password 3kai machigaeta」, "2nd"): no value, but a word the gap before a value
# steps over (「password 3kai 1234」). Under 6 letters and digits: a signing password has 6 to 16, a PIN 4 digits.
_ROMAJI_COUNT = (r"(?=[0-9A-Za-z]{2,5}(?![0-9A-Za-z]))(?i:[0-9]{1,2}(?:kai(?:me)?|ka?getsu|nen|nichi|ji|fun|pun|byou|mai"
                 r"|sai|do|ko|hon|times?|st|nd|rd|th|days?|months?|years?|min|hours?)(?![0-9A-Za-z]))")
# A small count with a unit (「暗証番号3回目は1234」「3回間違えた。番号は1234」): the gap before a value steps over it too.
_COUNT = r"[0-9０-９]{1,2}\s*(?:回目?|度目?|か月|ヶ月|カ月|年|日|時間?|分|枚|桁|才|歳|人)"
_FILLER = rf"(?:(?i:is|was|are|my|new|old|the|now|will\s+be|should\s+be)(?![A-Za-z])|{_ROMAJI_COUNT}|{_COUNT})"
_GAP = rf"(?:[^0-9A-Za-z\n]|{_FILLER}){{0,20}}?"
_DIGITS_VALUE = (rf"(?<![0-9〇零一二三四五六七八九])(?<![0-9][/.:,\-]){DIGIT}(?:[ \u3000]?{DIGIT}){{3,15}}"
                 rf"(?!{DIGIT})(?![/.:,\-‐‑‒–—―−ー()][0-9])(?!\s*{UNITS})")
_PW = r"[A-Za-z0-9!#$%&*+?@_.\-]"
_MIXED_VALUE = (rf"(?<![0-9A-Za-z])(?![0-9]+{UNITS})(?!{_ROMAJI_COUNT})(?=[A-Za-z0-9]*[0-9])(?=[0-9]*[A-Za-z])"
                rf"[A-Za-z0-9]{_PW}{{2,14}}[A-Za-z0-9](?![0-9A-Za-z])")
_PIN_AFTER_RE = re.compile(rf"({_WORD}{_GAP})({_DIGITS_VALUE}|{_MIXED_VALUE})")
_PIN_BEFORE_RE = re.compile(
    rf"({_DIGITS_VALUE}|{_MIXED_VALUE})(\s*(?:が|は|って|:|=|、)?\s*|\s+(?i:is)\s+(?:(?i:my|the|your)\s+)?)({_WORD})")
# Letters alone only after a word that says "is" (パスワードはqxzvbnmk, password is ...): "PIN locks" is no PIN.
_ALPHA_PIN_RE = re.compile(rf"({_WORD}\s*(?:は|が|:|=|\s(?i:is|was))\s*)((?<![A-Za-z0-9])[A-Za-z]{{4,16}})(?![A-Za-z0-9])")
_NOT_A_PASSWORD = set("""wrong again locked lock forgot forgotten forget reset change changed number code required expired
invalid incorrect blocked please help what when where which how card with from this that have here there same entered
enter needed need does work working correct right okay long short digits letters characters unknown also only still
just cannot wont dont didnt isnt none four five six eight twelve sixteen line mail email phone online smart apple google
android iphone error reissue renew renewal never ever maybe used using sent send lost mynaportal mynumber portal
different valid optional mandatory
""".split())

CARRY_REACH = 10  # a message's first number continues the previous message's when it starts this early
TAIL_AFTER = 8  # ... and a message's last digits may go on in the next when at most this much text follows


@dataclass
class Redaction:
    """The redacted text, what kinds of personal data were found, and the digits the text ends with."""

    text: str
    found: List[str] = field(default_factory=list)
    tail: Tuple[str, ...] = ()  # trailing digit groups (at most 11 digits) that the next message might complete

    @property
    def had_secret(self) -> bool:
        """The resident typed a My Number or a PIN (they are told not to)."""
        return MY_NUMBER in self.found or PIN in self.found


def _span(text: str, chain: Sequence[Group], i: int, j: int) -> Tuple[int, int]:
    """Where groups i..j stand in the text; "(090)6677-8899": the opening parenthesis goes with the number."""
    start, end = chain[i].start, chain[j].end
    return start - (text[start - 1:start] == "(" and ")" in text[start:end]), end


def _numbers(text: str, carry: Sequence[str], found: List[str], others: bool) -> Tuple[str, Tuple[str, ...]]:
    """Replaces My Numbers and a PIN right after one (with `others`, phones and corporate numbers too); the tail."""
    runs = chains(text)
    linked = bool(carry and runs and runs[0][0].start <= CARRY_REACH)
    cuts: List[Tuple[int, int, str]] = []
    tail: Tuple[str, ...] = ()
    for n, chain in enumerate(runs):
        carried = len(carry) if n == 0 and linked else 0
        chain = [Group(-1, -1, d) for d in carry[:carried]] + chain
        spans = classify(text, chain, carried, others)
        cuts += [(*_span(text, chain, i, j), _PLACEHOLDER[kind]) for i, j, kind in spans]
        if n == len(runs) - 1 and len(text) - chain[-1].end <= TAIL_AFTER:
            marked = max((j for _, j, _ in spans), default=-1)
            digits = [g.digits for g in chain[marked + 1:]]
            while digits and sum(map(len, digits)) > 11:
                digits.pop(0)
            tail = tuple(digits)
    for start, end, placeholder in sorted(cuts, reverse=True):
        text = text[:start] + placeholder + text[end:]
        found.append(placeholder)
    return text, tail


def _pin_kind(value: str) -> str:
    """A valid My Number written where a PIN goes is still a My Number."""
    return MY_NUMBER if is_my_number(re.sub(r"\s", "", value).translate(KANJI_VALUE)) else PIN


def _pins(text: str, found: List[str]) -> str:
    def after(m: re.Match) -> str:
        found.append(_pin_kind(m.group(2)))
        return m.group(1) + found[-1]

    def alpha(m: re.Match) -> str:
        if m.group(2).lower() in _NOT_A_PASSWORD:
            return m.group(0)
        return after(m)

    def before(m: re.Match) -> str:
        found.append(_pin_kind(m.group(1)))
        return found[-1] + m.group(2) + m.group(3)

    for _ in range(5):  # "暗証番号は1234と5678": a second value after the first placeholder
        again = _PIN_BEFORE_RE.sub(before, _ALPHA_PIN_RE.sub(alpha, _PIN_AFTER_RE.sub(after, text)))
        if again == text:
            break
        text = again
    return text


def redact(text: str, carry: Sequence[str] = ()) -> Redaction:
    """Normalises the text, then replaces personal data with typed placeholders such as ［個人番号］.
    `carry` holds the digit groups the conversation's previous message ended with (its `tail`): a number
    split over the two messages is found, and its part in this message is replaced."""
    found: List[str] = []
    text = normalise(text)

    def mark(kind: str):
        def sub(m: re.Match) -> str:
            found.append(kind)
            return kind
        return sub

    text = _EMAIL_RE.sub(mark(EMAIL), text)
    text = _INTL_PHONE_RE.sub(mark(PHONE), text)
    # My Numbers first, in whatever they stand; the digits the text ends with (even a PIN's or a phone's) are
    # the tail: the next message may complete them.
    text, tail = _numbers(text, tuple(carry), found, others=False)
    text = _pins(text, found)  # then PINs: a PIN of 10 digits starting with 0 is no phone number
    text, _ = _numbers(text, tuple(carry), found, others=True)
    text = _pins(text, found)
    return Redaction(text, found, tail)


def find_phones(text: str) -> List[str]:
    """The phone numbers in a text, normalised (for a consented callback only)."""
    text = normalise(text)
    found = [m.group(0) for m in _INTL_PHONE_RE.finditer(text)]
    masked = _INTL_PHONE_RE.sub(" ", _EMAIL_RE.sub(" ", text))
    for chain in chains(masked):
        found += [masked[slice(*_span(masked, chain, i, j))] for i, j, kind in classify(masked, chain) if kind == "phone"]
    return found
