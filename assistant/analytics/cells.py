"""A dashboard table and its cells, as the page, the JSON and the CSV show them (1–4 as 「5未満」)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from assistant.analytics.disclosure import SMALL_GROUP, SMALL_LABEL, is_small, shown, shown_rate


@dataclass(frozen=True)
class Count:
    """A number of conversations, messages or handoffs: 1-4 are shown as 「5未満」."""

    n: int


@dataclass(frozen=True)
class Percent:
    """part of whole as a percentage with one decimal: 「—」 when the base is under 5 or the part is 1-4."""

    part: int
    whole: int


@dataclass(frozen=True)
class Mean:
    """An average of answers, shown only when at least 5 answered."""

    value: Optional[float]
    n: int


Cell = Union[str, Count, Percent, Mean]


@dataclass
class Table:
    """One table of the dashboard; `keys` name each row (topic, guide, channel ids) for the page's charts."""

    id: str
    title: str
    columns: List[str]
    rows: List[List[Cell]] = field(default_factory=list)
    keys: List[str] = field(default_factory=list)
    shades: Optional[List[List[Optional[str]]]] = None  # the heat map's cell classes h0-h5
    note: str = ""

    def add(self, key: str, *cells: Cell) -> None:
        self.keys.append(key)
        self.rows.append(list(cells))


def shown_cell(cell: Cell) -> str:
    """A cell as the page shows it (small groups hidden, thousands separators)."""
    if isinstance(cell, Count):
        return shown(cell.n)
    if isinstance(cell, Percent):
        return shown_rate(cell.part, cell.whole, 1)
    if isinstance(cell, Mean):
        return f"{cell.value:.1f}" if cell.value is not None and cell.n >= SMALL_GROUP else "—"
    return cell


def csv_cell(cell: Cell) -> str:
    """A cell as the CSV file has it: like the page, but numbers without separators so Excel reads them."""
    if isinstance(cell, Count):
        return SMALL_LABEL if is_small(cell.n) else str(cell.n)
    return shown_cell(cell)


def json_cell(cell: Cell) -> Any:
    """A cell's exact value: a number, {"part", "whole"}, {"mean", "n"} or text."""
    if isinstance(cell, Count):
        return cell.n
    if isinstance(cell, Percent):
        return {"part": cell.part, "whole": cell.whole}
    if isinstance(cell, Mean):
        return {"mean": cell.value, "n": cell.n}
    return cell


def table_json(t: Table) -> Dict[str, Any]:
    """A table for the page: exact values (for the charts) and the cells as shown (for the tables)."""
    body = {"id": t.id, "title": t.title, "columns": t.columns, "keys": t.keys, "note": t.note,
            "values": [[json_cell(c) for c in row] for row in t.rows],
            "shown": [[shown_cell(c) for c in row] for row in t.rows]}
    if t.shades is not None:
        body["shades"] = t.shades
    return body


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER_RE = re.compile(r"[+-]?\d+(\.\d+)?%?")


def inert(value: Any) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (= + - @, tab, CR) gets a leading
    apostrophe (OWASP's advice against CSV injection); plain numbers stay numbers."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def table_csv(t: Table) -> str:
    """The table as CSV for Excel in Japan: a byte-order mark, the Japanese header row, CRLF line ends."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)  # excel dialect: CRLF, quotes only where needed
    writer.writerow([inert(c) for c in t.columns])
    writer.writerows([inert(csv_cell(c)) for c in row] for row in t.rows)
    return "\ufeff" + out.getvalue()
