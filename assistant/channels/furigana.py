"""Furigana for the kiosk: readings above kanji as HTML ruby, from the SudachiPy dictionary and
morphology that GiNZA itself uses (reading, part of speech, neighbouring words), without loading
GiNZA's word vectors a second time. The dictionary's reading is corrected where it depends on the
context: 方 (かた for a person, ほう in a comparison or a direction), a number with 日 or 分 (ぷん, ふん), 何 before a
particle (なにを), an adjective the dictionary took for an adverb (正しく); brackets are tokens of
their own, and kana, digits and Latin letters never get a reading."""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ"
_KANJI_RE = re.compile(f"[{_KANJI}]")
_KANA_RE = re.compile(r"[\u3041-\u309f\u30a0-\u30ffー]")
_READING_RE = re.compile(r"^[\u3041-\u309fー]+$")
# Runs of a word: kanji, kana, anything else (digits, Latin letters, symbols).
_RUN_RE = re.compile(f"([{_KANJI}]+)|([\u3041-\u309f\u30a0-\u30ffー]+)|([^{_KANJI}\u3041-\u309f\u30a0-\u30ffー]+)")
# Brackets are never part of a word: 「交付通知書（はがき）」 is 交付, 通知書, （, はがき, ）.
_BRACKETS_RE = re.compile(r"([（）()「」『』【】［］\[\]〈〉《》〔〕｛｝{}＜＞<>])")
_DAY_RE = re.compile(r"^([0-9０-９]+)日(.*)$")
_NUMBER_END_RE = re.compile(r"[0-9０-９][0-9０-９,，.]*$")
_HIRAGANA_RE = re.compile(r"^[\u3041-\u309fー]+$")
_CLOSING_RE = re.compile(r"^[、。，．！？!?）)」』】〉》〕]+$")  # (searched at the end of the markup written so far)
_WORD_MAX = 10  # characters of a word with its kana kept together (持ってきてください); a longer run may break
_NUMBER_MARK = "\x00"  # marks, while html() runs, a number waiting for its counter

Piece = Tuple[str, str]


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def align(surface: str, reading: str) -> List[Piece]:
    """Puts a word's reading over its kanji only: 「取り扱い」「とりあつかい」 -> 取/と, り, 扱/あつか, い;
    「マイナ保険証」 -> マイナ, 保険証/ほけんしょう. A word without kanji gets no reading."""
    runs = [(m.group(0), m.lastindex) for m in _RUN_RE.finditer(surface)]
    if not any(kind == 1 for _, kind in runs):
        return [(surface, "")]
    pattern = "".join("(.+?)" if kind == 1 else re.escape(to_hiragana(run)) if kind == 2 else "(.*?)"
                      for run, kind in runs)
    match = re.fullmatch(pattern, reading)
    if not match:
        # A reading that does not fit the word's kana: a reading over kanji alone is still right.
        return [(surface, reading if len(runs) == 1 else "")]
    groups = iter(match.groups())
    pieces = []
    for run, kind in runs:
        reading_of_run = next(groups) if kind != 2 else ""
        if kind == 3 and not reading_of_run:
            return []  # the digits' or letters' share of the reading is unknown
        pieces.append((run, reading_of_run if kind == 1 else ""))
    return pieces


_ONES = ["", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"]
_HUNDREDS = ["", "ひゃく", "にひゃく", "さんびゃく", "よんひゃく", "ごひゃく", "ろっぴゃく", "ななひゃく", "はっぴゃく", "きゅうひゃく"]
_THOUSANDS = ["", "せん", "にせん", "さんぜん", "よんせん", "ごせん", "ろくせん", "ななせん", "はっせん", "きゅうせん"]
# The day counter's own readings (a date or a number of days alike), 1 aside.
_DAYS = {2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか", 7: "なのか", 8: "ようか",
         9: "ここのか", 10: "とおか", 14: "じゅうよっか", 20: "はつか", 24: "にじゅうよっか"}
_ONES_BEFORE_NICHI = ["", "いち", "に", "さん", "", "ご", "ろく", "しち", "はち", "く"]


def day_reading(number: int, is_date: bool) -> Optional[str]:
    """How 「N日」 is read: 1日 ついたち (a date) or いちにち, 20日 はつか, 25日 にじゅうごにち, 365日 …"""
    if number == 1:
        return "ついたち" if is_date else "いちにち"
    if number in _DAYS:
        return _DAYS[number]
    if number <= 0 or number >= 10000:
        return None
    thousands, hundreds, tens, ones = number // 1000, number // 100 % 10, number // 10 % 10, number % 10
    if ones == 4:
        return (day_reading(number - 4, is_date) or "").removesuffix("にち") + "よっか"
    tens_part = "" if not tens else ("" if tens == 1 else _ONES[tens]) + "じゅう"
    return _THOUSANDS[thousands] + _HUNDREDS[hundreds] + tens_part + _ONES_BEFORE_NICHI[ones] + "にち"


def _pos(m) -> Tuple[str, ...]:
    return tuple(m.part_of_speech())


def _number(surface: str) -> Optional[int]:
    digits = unicodedata.normalize("NFKC", surface)
    return int(digits) if digits.isdigit() and digits.isascii() else None


class Furigana:
    """Turns text into HTML with <ruby> readings over every word that has kanji; everything else escaped."""

    def __init__(self) -> None:
        from sudachipy import dictionary, tokenizer

        self._tokenizer = dictionary.Dictionary(dict="core").create(tokenizer.Tokenizer.SplitMode.C)

    def pieces(self, text: str) -> List[Piece]:
        """(surface, reading in hiragana or "") pieces that together are the text."""
        result: List[Piece] = []
        for line_no, line in enumerate(text.split("\n")):
            if line_no:
                result.append(("\n", ""))
            for segment in _BRACKETS_RE.split(line[:4000]):
                if _BRACKETS_RE.fullmatch(segment):
                    result.append((segment, ""))
                elif segment:
                    result += self._segment(list(self._tokenizer.tokenize(segment)))
        return result

    def _segment(self, ms: Sequence) -> List[Piece]:
        result: List[Piece] = []
        i = 0
        while i < len(ms):
            day = self._day(ms, i)
            if day:
                piece, used = day
                result.append(piece)
                i += used
                continue
            surface = ms[i].surface()
            if _KANJI_RE.search(surface):
                result += self._word(ms, i)
            else:
                result.append((surface, ""))
            i += 1
        return result

    def _day(self, ms: Sequence, i: int) -> Optional[Tuple[Piece, int]]:
        """A number of days or a date: digits and 日 as one word with the whole reading, or None."""
        surface = ms[i].surface()
        match = _DAY_RE.match(surface)
        if match:
            number, rest, used = _number(match.group(1)), match.group(2), 1
        elif _number(surface) is not None and i + 1 < len(ms) and ms[i + 1].surface().startswith("日"):
            number, rest, used = _number(surface), ms[i + 1].surface()[1:], 2
        else:
            return None
        reading = to_hiragana(ms[i + used - 1].reading_form())
        rest_reading = re.sub(r"^(ついたち|にち|か)", "", reading) if rest else ""
        is_date = i > 0 and ms[i - 1].surface().endswith("月")
        day = day_reading(number, is_date) if number is not None else None
        if not day or (rest and _KANJI_RE.search(rest) and not rest_reading):
            return None
        return (surface + (ms[i + 1].surface() if used == 2 else ""), day + rest_reading), used

    def _word(self, ms: Sequence, i: int) -> List[Piece]:
        """A word with kanji: its reading over the kanji; 「1人」 read whole (ひとり); in 「FAX番号」
        the kanji read on their own (ばんごう), as the letters' share of the reading is unknown."""
        surface, reading = ms[i].surface(), self._reading(ms, i)
        if not reading:
            return [(surface, "")]
        pieces = align(surface, reading)
        if pieces:
            return pieces
        if re.match(r"^[0-9０-９]+[^0-9０-９]+$", surface) and _KANJI_RE.search(surface[-1]):
            return [(surface, reading)]
        return [(run, self._alone(run)) if _KANJI_RE.match(run) else (run, "")
                for run in (m.group(0) for m in _RUN_RE.finditer(surface))]

    def _alone(self, kanji: str) -> str:
        ms = list(self._tokenizer.tokenize(kanji))
        reading = "".join(to_hiragana(m.reading_form()) for m in ms)
        return reading if _READING_RE.match(reading) else ""

    def _reading(self, ms: Sequence, i: int) -> str:
        m = ms[i]
        surface, pos = m.surface(), _pos(m)
        reading = to_hiragana(m.reading_form())
        if surface == "方" and pos[0] == "名詞":
            reading = "ほう" if self._means_side(ms, i) else "かた"
        elif surface == "何" and i + 1 < len(ms) and _pos(ms[i + 1])[0] == "助詞" \
                and ms[i + 1].surface() in ("を", "が", "も", "は", "に", "か", "へ", "や"):
            reading = "なに"
        elif surface == "分" and i > 0 and (_number(ms[i - 1].surface()) is not None or ms[i - 1].surface() == "何"):
            # 30分 さんじゅっぷん, 15分 じゅうごふん: ぷん after 1, 3, 4, 6, 8, 0 and 何.
            before = ms[i - 1].surface()
            reading = "ぷん" if before == "何" or unicodedata.normalize("NFKC", before)[-1] in "134680" else "ふん"
        elif surface == "何時" and reading == "いつ":
            reading = "なんじ"  # いつ is written in kana today; 何時から asks the hour
        elif pos[0] == "副詞" and surface.endswith("く"):
            reading = self._as_adjective(surface) or reading
        elif reading.startswith("にっぽん") and pos[1:3] != ("固有名詞", "一般"):
            reading = "にほん" + reading[4:]  # 日本国籍, 日本に住む; an organisation's name (日本郵便) as it is
        return reading if _READING_RE.match(reading) and reading != surface else ""

    def _as_adjective(self, surface: str) -> Optional[str]:
        """正しく read as the adjective 正しい's 〜く form (ただしく), not as an adverb (まさしく)."""
        ms = list(self._tokenizer.tokenize(surface[:-1] + "い"))
        if len(ms) == 1 and _pos(ms[0])[0] == "形容詞":
            return to_hiragana(ms[0].reading_form())[:-1] + "く"
        return None

    @staticmethod
    def _means_side(ms: Sequence, i: int) -> bool:
        """方 as ほう: a comparison (〜の方が早い, 〜した方がいい, AよりBの方), a direction (〜の方へ),
        or after こちら/この; otherwise a person (代理の方, 届いた方), read かた."""
        before = []
        for m in reversed(ms[:i]):
            if m.surface() in ("。", "！", "？"):
                break
            before.append(m)
        if any(m.surface() == "より" and _pos(m)[0] == "助詞" for m in before):
            return True
        after = list(ms[i + 1:i + 4])
        if after and after[0].surface() in ("へ", "向け") and before and before[0].surface() == "の":
            return True  # 窓口の方へ; but 覚えたい方へ is for a person
        if len(after) >= 2 and after[0].surface() == "が":
            predicate = _pos(after[1])[0]
            follows = after[2].surface() if len(after) > 2 else ""
            if predicate == "形容詞" or after[1].surface() in ("いい", "よい", "良い") \
                    or ((predicate == "形状詞" or _pos(after[1])[2] == "形状詞可能") and follows != "に"):
                return True
        if before and _pos(before[0])[0] == "連体詞":
            return True
        return len(before) >= 2 and before[0].surface() == "の" and _pos(before[1])[0] == "代名詞"

    def html(self, text: str) -> str:
        """The text as HTML. A word with its reading, the kana that follow it (戻ります, 画面を) and a number
        before it (24時間) form a <span class="w">, which the kiosk breaks only when a line cannot hold it:
        no 「す。」 or 「24」 alone on a line."""
        out: List[str] = []
        pieces = self.pieces(text)
        open_chars = 0  # characters in the open <span class="w">, 0 when none is open

        def close() -> None:
            nonlocal open_chars
            if open_chars:
                out.append("</span>")
            open_chars = 0

        for i, (surface, reading) in enumerate(pieces):
            before_word = i + 1 < len(pieces) and bool(pieces[i + 1][1])
            number = _NUMBER_END_RE.search(surface) if not reading and before_word else None
            if surface == "\n":
                close()
                out.append("<br>")
            elif reading:
                if not (open_chars and out[-1].endswith(_NUMBER_MARK)):
                    close()
                    out.append('<span class="w">')
                else:
                    out[-1] = out[-1][:-len(_NUMBER_MARK)]
                out.append(f"<ruby>{html.escape(surface)}<rt>{html.escape(reading)}</rt></ruby>")
                open_chars += len(surface)
            elif number:
                close()
                out.append(html.escape(surface[:number.start()]) + '<span class="w">'
                           + html.escape(number.group(0)) + _NUMBER_MARK)
                open_chars = len(number.group(0))
            elif open_chars and _HIRAGANA_RE.match(surface) and open_chars + len(surface) <= _WORD_MAX \
                    and not _CLOSING_RE.search(out[-1]):
                out.append(html.escape(surface))
                open_chars += len(surface)
            elif open_chars and _CLOSING_RE.match(surface):  # never 「。」 alone at a line's start
                out.append(html.escape(surface))
            else:
                close()
                out.append(html.escape(surface))
        close()
        return "".join(out)


@lru_cache(maxsize=1)
def get_furigana() -> Furigana:
    return Furigana()
