"""Text normalization for residents' Japanese: width, long vowels and variant spellings (no Rasa import)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

import yaml

# Characters residents type for the katakana long vowel mark.
_LONG_VOWEL_LOOKALIKES = "-‐‑‒–—―−－ｰ~〜～"
_KATAKANA = r"\u30a1-\u30fa\u30fc"
_LONG_VOWEL_RE = re.compile(rf"(?<=[{_KATAKANA}])[{re.escape(_LONG_VOWEL_LOOKALIKES)}]+")
_CONTROL_RE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACE_RE = re.compile(r"\s+")

DEFAULT_VOCABULARY = Path(__file__).resolve().parents[1] / "nlu_data" / "normalization.yml"


def load_vocabulary(path: Path) -> List[Tuple[str, str]]:
    """Reads `normalization:` (canonical -> variants) and returns (variant, canonical) pairs, longest first."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    table = data.get("normalization")
    if not isinstance(table, dict):
        raise ValueError(f"{path}: normalization: expected a mapping of canonical word -> variants")
    pairs: List[Tuple[str, str]] = []
    for canonical, variants in table.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) and v for v in variants):
            raise ValueError(f"{path}: normalization.{canonical}: expected a list of non-empty strings")
        # The canonical word maps to itself, so that a shorter variant never matches inside it
        # (マイナンバ must not turn マイナンバー into マイナンバーー).
        for variant in [str(canonical), *variants]:
            pairs.append((_base_normalize(variant), str(canonical)))
    pairs.sort(key=lambda p: len(p[0]), reverse=True)
    return pairs


_CIRCLED_RE = re.compile("[\u2460-\u2473]")


def circled_as_numbers(text: str) -> str:
    """①…⑳ as 「1) 」…「20) 」: NFKC would make them bare digits (「②作るのに」 → 「2作るのに」), but they number
    a resident's questions, and 「2) 」 is read as the start of another question. Used before every NFKC
    a message goes through (the door's and the NLU's)."""
    return _CIRCLED_RE.sub(lambda m: f" {ord(m.group()) - 0x245F}) ", text)


def _base_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", circled_as_numbers(text))
    text = _CONTROL_RE.sub(" ", text)
    text = _LONG_VOWEL_RE.sub("ー", text)
    text = text.lower()
    return _SPACE_RE.sub(" ", text).strip()


# One romaji syllable (Hepburn or kunrei: ka, shi, chu, tsu, kyo, ji, fu), a syllabic n, or the first of a
# doubled consonant (kitte); an English word rarely is a string of them only (card, online, reset are not).
_ROMAJI_WORD = re.compile(r"(?:(?:[kgsztdnhbpmr]y?|sh|ch|ts|j|f|w|y)?[aiueo]|n(?![aiueoy])|([kgsztdbpcfhjmr])(?=\1))+")
_LATIN_WORD = re.compile(r"[a-z]+")
# English words that are strings of romaji syllables too: never evidence of romaji, and left as typed.
_ENGLISH = frozenset(
    "a i do go to no so in on we me be he she use one time name made make take same home site sure are here there"
    " more nine kind hi oh ok case date game hope june note rate safe tune".split())
# Japanese a message in romaji shows at least once: a particle or ending no English word is (desu, ka, wo,
# nakushita, dekimasu, kireta, doushitara, ii).
_JAPANESE_MARK = re.compile(
    r"desu|deshita|masu|masen|mashita|ka|wo|ga|wa|ha|ni|de|mo|ne|yo|tte|kedo|dake|kara|nai|kudasai|onegai|dou|nani|"
    r"doko|itsu|ikura|dou\w*|ii|.*(?:shita|tta|nda|tai|teru|reru|eru|tara|(?:ki|ri|ke|re|ne|ge)ta)")
# A message is read as romaji when at least this many of its words, and this share of them, are romaji.
_ROMAJI_MIN_WORDS, _ROMAJI_MIN_SHARE = 3, 0.5


def romaji_as_kana(text: str) -> str:
    """「myna card nakushita, keisatsu ni todoke dasanai to dame desu ka?」 → 「myna card なくした, けいさつ に
    とどけ ださない と だめ です か?」: in a message written mostly in romaji (lower case) with a word only Japanese
    has, the romaji words become hiragana, so that they read as the Japanese they are; English words and English
    messages (「do i need to go to the office?」) stay as they are."""
    words = _LATIN_WORD.findall(text)
    romaji = [w for w in words if w not in _ENGLISH and len(w) > 1 and _ROMAJI_WORD.fullmatch(w)]
    if (len(romaji) < _ROMAJI_MIN_WORDS or len(romaji) < _ROMAJI_MIN_SHARE * len(words)
            or not any(_JAPANESE_MARK.fullmatch(w) for w in romaji)):
        return text
    import jaconv

    def kana(match: "re.Match[str]") -> str:
        word = match.group()
        if (word in _ENGLISH and word not in ("no", "to")) or (len(word) == 1 and word not in "oe") \
                or not _ROMAJI_WORD.fullmatch(word):
            return word
        return jaconv.alphabet2kana(word)

    return _LATIN_WORD.sub(kana, text)


class TextNormalizer:
    """Normalizes a message: NFKC, control characters, long vowels, lower case, romaji, variant spellings."""

    def __init__(self, vocabulary: Iterable[Tuple[str, str]] = ()) -> None:
        self.vocabulary = list(vocabulary)
        self._pattern: Optional[re.Pattern] = None
        if self.vocabulary:
            self._map = {variant: canonical for variant, canonical in self.vocabulary}
            self._pattern = re.compile("|".join(re.escape(v) for v, _ in self.vocabulary))

    @classmethod
    def from_file(cls, path: Path = DEFAULT_VOCABULARY) -> "TextNormalizer":
        return cls(load_vocabulary(path))

    def __call__(self, text: Optional[str]) -> str:
        text = romaji_as_kana(_base_normalize(text or ""))
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self._map[m.group(0)], text)
        return text




_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def to_katakana(text: str) -> str:
    """Hiragana to katakana; everything else unchanged."""
    return text.translate(_HIRAGANA_TO_KATAKANA)
