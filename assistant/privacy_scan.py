"""Searches stores (files, SQL tables) for valid My Numbers: an audit that redaction held."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Iterable, List, Tuple

from assistant.privacy import is_my_number

# Twelve digits, alone or in groups split by spaces or hyphens, not inside a longer number or
# a word of letters and digits (hex ids such as message ids hold digit runs by chance).
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9][ \-]?){11}[0-9](?![0-9A-Za-z])")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def find_my_numbers(text: str) -> List[str]:
    """Valid My Numbers written in the text (any width, spaced or hyphenated, JSON-escaped or not)."""
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = unicodedata.normalize("NFKC", text)
    found = []
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"[ \-]", "", match.group(0))
        if is_my_number(digits):
            found.append(digits)
    return found


def scan_files(paths: Iterable[Path]) -> List[Tuple[str, str]]:
    """(file, number) for every valid My Number in the files under the given paths."""
    hits = []
    for root in paths:
        files = [root] if Path(root).is_file() else sorted(p for p in Path(root).rglob("*") if p.is_file())
        for path in files:
            text = path.read_bytes().decode("utf-8", errors="ignore")
            hits += [(str(path), n) for n in find_my_numbers(text)]
    return hits


def scan_sql(db_url: str, table: str = "events", column: str = "data") -> List[Tuple[str, str]]:
    """(table row id, number) for every valid My Number in a SQL table's text column."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table):
                return []
            rows = conn.execute(sa.text(f"SELECT id, {column} FROM {table}"))
            return [(f"{table}#{row[0]}", n) for row in rows for n in find_my_numbers(str(row[1] or ""))]
    finally:
        engine.dispose()
