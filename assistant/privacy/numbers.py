"""Digit groups in a normalised text, chained by separators, and the My Numbers, phones and corporate numbers among them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

KANJI_DIGITS = "〇零一二三四五六七八九"
KANJI_VALUE = str.maketrans({"〇": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4",
                              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"})
DIGIT = f"[0-9{KANJI_DIGITS}]"
_GROUP_RE = re.compile(f"{DIGIT}+")
# What residents put between digit groups: spaces of any kind, newlines, tabs, dashes and hyphens of every
# width, dots, middle dots, slashes, commas, parentheses (a phone's area code) -- up to five in a row.
_SEPARATOR_RE = re.compile(r"[\s\-‐‑‒–—―−ー.・,、/()]{1,5}")
# Identifiers that hold digit runs by chance: hex ids (message ids, keyed hashes) and UUIDs.
_IDENTIFIER_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{16,})(?![0-9A-Za-z])"
)
_POSTCODE_RE = re.compile(r"〒\s?[0-9]{3}[\-‐‑‒–—―−ー]?[0-9]{4}(?![0-9])")  # a postcode stays readable, and apart
APPLICATION_ID_DIGITS = 23  # the application ID printed on the card application form: kept readable
UNITS = (r"(?:桁|けた|回|円|日|年|月|文字|時|分|秒|歳|才|番目|番|か月|ヶ月|カ月|ケ月|度|人|枚|件|週|号|丁目|階|%|パーセント"
         r"|(?i:digits?|times|yen|characters?|chars|letters?)(?![A-Za-z]))")
_UNIT_AFTER_RE = re.compile(rf"\s*{UNITS}")
# A word that names the number that follows as a My Number (with at most a few characters between).
_LABELLED_RE = re.compile(r"(?:マイナンバー|まいなんばー|個人番号|こじんばんごう|(?i:my\s*number|mynumber|kojin\s*bango))"
                          r"(?:カード|かーど|card)?(?:の番号)?[^0-9\n]{0,8}$")


@dataclass
class Group:
    start: int
    end: int
    digits: str


def is_my_number(digits: str) -> bool:
    """A 12-digit individual number with a valid check digit."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    total = sum(int(ch) * (n + 1 if n <= 6 else n - 5) for n, ch in enumerate(reversed(digits[:11]), start=1))
    remainder = total % 11
    return int(digits[11]) == (0 if remainder <= 1 else 11 - remainder)


def is_corporate_number(digits: str) -> bool:
    """A 13-digit corporate number; its check digit comes first."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(ch) * (1 if n % 2 else 2) for n, ch in enumerate(reversed(digits[1:]), start=1))
    return int(digits[0]) == 9 - total % 9


def chains(text: str) -> List[List[Group]]:
    """Digit groups (ASCII or kanji digits) outside identifiers, in runs joined only by separators."""
    hidden = [m.span() for m in _IDENTIFIER_RE.finditer(text)] + [m.span() for m in _POSTCODE_RE.finditer(text)]
    result: List[List[Group]] = []
    for m in _GROUP_RE.finditer(text):
        if any(a <= m.start() < b for a, b in hidden):
            if result and result[-1]:
                result.append([])
            continue
        group = Group(m.start(), m.end(), m.group(0).translate(KANJI_VALUE))
        last = result[-1][-1] if result and result[-1] else None
        if last is not None and _SEPARATOR_RE.fullmatch(text, last.end, group.start):
            result[-1].append(group)
        else:
            result.append([group])
    return [c for c in result if c]


def _windows(groups: Sequence[Group], size: int) -> List[Tuple[int, int]]:
    """(i, j): the groups i..j whose digits add up to `size`."""
    found = []
    for i in range(len(groups)):
        total = 0
        for j in range(i, len(groups)):
            total += len(groups[j].digits)
            if total == size:
                found.append((i, j))
            if total >= size:
                break
    return found


def _joined(groups: Sequence[Group], i: int, j: int) -> str:
    return "".join(g.digits for g in groups[i:j + 1])


def _called_a_my_number(text: str, first: Group) -> bool:
    """Whether the words just before a number's first group call it a My Number (マイナンバーは…)."""
    return bool(_LABELLED_RE.search(text, max(0, first.start - 24), first.start))


def _is_application_id(groups: Sequence[Group]) -> bool:
    return (sum(len(g.digits) for g in groups) == APPLICATION_ID_DIGITS
            and not any(is_my_number(g.digits) for g in groups))


def classify(text: str, chain: List[Group], carried: int = 0, others: bool = True) -> List[Tuple[int, int, str]]:
    """(first group, last group, kind) for each number in one chain. The first `carried` groups came from
    the conversation's previous message: they are never marked themselves, only help to find a number.
    My Numbers (and a PIN right after one) always; phones and corporate numbers only with `others`."""
    kinds: List[Optional[str]] = [None] * len(chain)
    if _is_application_id(chain[carried:]):
        return []
    for i, j in _windows(chain, 12):
        if j >= carried and is_my_number(_joined(chain, i, j)):
            for k in range(i, j + 1):
                kinds[k] = "my_number"
    for i, j in _windows(chain, 12):
        # 「マイナンバーは1234…」: twelve digits the resident calls a My Number are one, even mistyped.
        if i >= carried and all(kinds[k] is None for k in range(i, j + 1)) and _called_a_my_number(text, chain[i]):
            for k in range(i, j + 1):
                kinds[k] = "my_number"
    for k in range(carried, len(chain) - 1):  # a PIN written right after the number (041641068851 5921)
        nxt = chain[k + 1]
        if (kinds[k] == "my_number" and kinds[k + 1] is None and 4 <= len(nxt.digits) <= 8
                and not _UNIT_AFTER_RE.match(text, nxt.end)):
            kinds[k + 1] = "pin"
    for size in (11, 10) if others else ():
        for i, j in _windows(chain, size):
            if (j >= carried and all(kinds[k] is None for k in range(i, j + 1))
                    and chain[i].digits.startswith("0")):
                for k in range(i, j + 1):
                    kinds[k] = "phone"
    for i, j in _windows(chain, 13) if others else ():
        if all(kinds[k] is None for k in range(i, j + 1)) and (i == j or (i, j) == (carried, len(chain) - 1)) \
                and is_corporate_number(_joined(chain, i, j)):
            for k in range(i, j + 1):
                kinds[k] = "corporate"
    spans: List[Tuple[int, int, str]] = []
    for k in range(carried, len(chain)):
        kind = kinds[k]
        if kind is None:
            continue
        if spans and spans[-1][2] == kind and spans[-1][1] == k - 1:
            spans[-1] = (spans[-1][0], k, kind)
        else:
            spans.append((k, k, kind))
    return spans


def find_my_numbers(text: str) -> List[str]:
    """The My Numbers in a normalised text (valid ones, and twelve digits called a My Number), as 12 digits each."""
    found = []
    for chain in chains(text):
        if not _is_application_id(chain):
            found += [d for i, j in _windows(chain, 12) if is_my_number(d := _joined(chain, i, j))
                      or _called_a_my_number(text, chain[i])]
    return found
