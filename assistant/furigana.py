"""Furigana for the kiosk: readings above kanji as HTML ruby, from the SudachiPy dictionary whose
readings GiNZA reports (token.morph "Reading"), without loading GiNZA's word vectors a second time."""
from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import List, Tuple

_KANJI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]")
_KANA_RE = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _split_okurigana(surface: str, reading: str) -> List[Tuple[str, str]]:
    """Aligns a word and its reading: 「忘れた」「わすれた」 -> [("忘", "わす"), ("れた", "")]."""
    head = 0
    while head < min(len(surface), len(reading)) and surface[head] == reading[head] and not _KANJI_RE.match(surface[head]):
        head += 1
    tail = 0
    while (tail < min(len(surface), len(reading)) - head and surface[-1 - tail] == reading[-1 - tail]
           and not _KANJI_RE.match(surface[-1 - tail])):
        tail += 1
    middle_surface = surface[head:len(surface) - tail]
    middle_reading = reading[head:len(reading) - tail]
    parts: List[Tuple[str, str]] = []
    if head:
        parts.append((surface[:head], ""))
    if middle_surface:
        parts.append((middle_surface, middle_reading if _KANJI_RE.search(middle_surface) else ""))
    if tail:
        parts.append((surface[len(surface) - tail:], ""))
    return parts


class Furigana:
    """Turns text into HTML with <ruby> readings over every word that has kanji; everything else escaped."""

    def __init__(self) -> None:
        from sudachipy import dictionary, tokenizer

        self._tokenizer = dictionary.Dictionary(dict="core").create(tokenizer.Tokenizer.SplitMode.C)

    def pieces(self, text: str) -> List[Tuple[str, str]]:
        """(surface, reading in hiragana or "") pieces that together are the text."""
        result: List[Tuple[str, str]] = []
        for line_no, line in enumerate(text.split("\n")):
            if line_no:
                result.append(("\n", ""))
            if not line:
                continue
            for m in self._tokenizer.tokenize(line[:4000]):
                surface = m.surface()
                if not _KANJI_RE.search(surface):
                    result.append((surface, ""))
                    continue
                reading = to_hiragana(m.reading_form())
                if not reading or not _KANA_RE.fullmatch(reading[0]) or reading == surface:
                    result.append((surface, ""))
                    continue
                result += _split_okurigana(surface, reading)
        return result

    def html(self, text: str) -> str:
        out = []
        for surface, reading in self.pieces(text):
            if surface == "\n":
                out.append("<br>")
            elif reading:
                out.append(f"<ruby>{html.escape(surface)}<rt>{html.escape(reading)}</rt></ruby>")
            else:
                out.append(html.escape(surface))
        return "".join(out)


@lru_cache(maxsize=1)
def get_furigana() -> Furigana:
    return Furigana()
