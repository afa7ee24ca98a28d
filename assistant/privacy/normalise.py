"""Normalises what a resident typed before redaction: width, any script's digits, invisible characters."""
from __future__ import annotations

import re
import unicodedata

from assistant.text import circled_as_numbers

# The placeholders redaction writes; normalising again must leave them as they are (redaction is idempotent).
PLACEHOLDERS = ("［個人番号］", "［法人番号］", "［電話番号］", "［メールアドレス］", "［暗証番号］")
_PLACEHOLDER_RE = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS) + ")")


def _normalise_part(text: str) -> str:
    text = unicodedata.normalize("NFKC", circled_as_numbers(text))
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Nd":
            out.append(str(unicodedata.decimal(ch)))  # Devanagari, Arabic-Indic ... digits read as 0-9
        elif category == "Cf":
            continue  # soft hyphen, zero-width characters, direction marks: they only hide what is written
        elif category == "Cc" and ch not in "\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    """NFKC (full-width and mathematical digits and letters, ＠, NBSP become plain), every decimal digit as
    0-9, format characters dropped, control characters as spaces. What the NLU normaliser does after this
    (NFKC again, lower case, long vowels, spelling variants) cannot make a new digit, @ or letter appear."""
    parts = _PLACEHOLDER_RE.split(text)
    return "".join(part if n % 2 else _normalise_part(part) for n, part in enumerate(parts))
