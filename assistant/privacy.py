"""Redaction at the door: My Numbers, corporate numbers, phone numbers, e-mail addresses and PINs never pass in clear."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import List

MY_NUMBER = "［個人番号］"
CORPORATE_NUMBER = "［法人番号］"
PHONE = "［電話番号］"
EMAIL = "［メールアドレス］"
PIN = "［暗証番号］"

_DIGIT = "[0-9０-９]"
_SEP = "[ 　\\-‐－―ー−.．]"
# Runs of digits, possibly split by single spaces or hyphens (1234 5678 9012, 1234-5678-9012).
_DIGIT_RUN_RE = re.compile(rf"(?<![0-9０-９]){_DIGIT}+(?:{_SEP}{_DIGIT}+)*(?![0-9０-９])")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_INTL_PHONE_RE = re.compile(rf"\+81{_SEP}?{_DIGIT}{{1,4}}(?:{_SEP}?{_DIGIT}{{1,4}}){{2}}")
_PIN_WORDS = r"(?:暗証番号|暗唱番号|あんしょうばんごう|パスワード|ぱすわーど|PIN|ＰＩＮ|pin|password|パス)"
# A PIN-like string a few characters after a PIN word: 4 digits, or 6-16 letters and digits.
_PIN_RE = re.compile(
    rf"({_PIN_WORDS}[^0-9０-９A-Za-zＡ-Ｚａ-ｚ。\n]{{0,6}}?)"
    r"((?<![0-9０-９A-Za-z])(?:[0-9０-９]{4}|(?=[0-9０-９A-Za-zＡ-Ｚａ-ｚ]*[0-9０-９])(?=[0-9０-９A-Za-zＡ-Ｚａ-ｚ]*[A-Za-zＡ-Ｚａ-ｚ])[0-9０-９A-Za-zＡ-Ｚａ-ｚ]{6,16})(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ]))"
    r"(?!\s*(?:桁|けた|回|円|日|年|月|文字|時|分|歳|才|番目|か月|ヶ月))"
)


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


def is_my_number(digits: str) -> bool:
    """A 12-digit individual number with a valid check digit."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body, check = digits[:11], int(digits[11])
    total = 0
    for n, ch in enumerate(reversed(body), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(ch) * q
    remainder = total % 11
    expected = 0 if remainder <= 1 else 11 - remainder
    return check == expected


def is_corporate_number(digits: str) -> bool:
    """A 13-digit corporate number; its check digit comes first."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    check, body = int(digits[0]), digits[1:]
    total = 0
    for n, ch in enumerate(reversed(body), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return check == 9 - total % 9


def _is_phone(raw: str, digits: str) -> bool:
    if not digits.startswith("0") or not 10 <= len(digits) <= 11:
        return False
    separated = re.search(_SEP, raw) is not None
    # 03-1234-5678, 0120-12-3456, 090-1234-5678, or 10/11 digits written together.
    return separated or len(digits) in (10, 11)


@dataclass
class Redaction:
    """The redacted text and what kinds of personal data were found in it."""

    text: str
    found: List[str] = field(default_factory=list)

    @property
    def had_secret(self) -> bool:
        """The resident typed a My Number or a PIN (they are told not to)."""
        return MY_NUMBER in self.found or PIN in self.found


def redact(text: str) -> Redaction:
    """Replaces personal data with typed placeholders such as ［個人番号］."""
    found: List[str] = []

    def mark(kind: str) -> str:
        found.append(kind)
        return kind

    text = _EMAIL_RE.sub(lambda m: mark(EMAIL), text)
    text = _INTL_PHONE_RE.sub(lambda m: mark(PHONE), text)

    def digit_run(m: re.Match) -> str:
        raw = m.group(0)
        digits = _digits(raw)
        if is_my_number(digits):
            return mark(MY_NUMBER)
        if is_corporate_number(digits):
            return mark(CORPORATE_NUMBER)
        if _is_phone(raw, digits):
            return mark(PHONE)
        return raw

    text = _DIGIT_RUN_RE.sub(digit_run, text)
    text = _PIN_RE.sub(lambda m: m.group(1) + mark(PIN), text)
    return Redaction(text, found)



def find_phones(text: str) -> List[str]:
    """The phone numbers in a text as the resident wrote them (for a consented callback only)."""
    found = [m.group(0) for m in _INTL_PHONE_RE.finditer(text)]
    for m in _DIGIT_RUN_RE.finditer(text):
        raw = m.group(0)
        digits = _digits(raw)
        if not is_my_number(digits) and not is_corporate_number(digits) and _is_phone(raw, digits):
            found.append(raw)
    return found
