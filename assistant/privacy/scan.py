"""Searches stores (files, SQL tables) for valid My Numbers: an audit that redaction held."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Tuple

from assistant.privacy.normalise import normalise
from assistant.privacy.numbers import find_my_numbers as _my_numbers_in

# JSON escapes as stores write them: \uXXXX (astral digits such as 𝟖 as a surrogate pair), \n, \t ...
_JSON_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\([ntr/])")
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "/": "/"}


def _unescape(m: re.Match) -> str:
    if m.group(1):
        high, low = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    if m.group(3):
        return chr(int(m.group(3), 16))
    return _ESCAPED[m.group(4)]


def find_my_numbers(text: str) -> List[str]:
    """Valid My Numbers written in the text, in every format redaction knows (any digits, kanji numerals,
    any separator between digit groups, next to other numbers), JSON-escaped or not."""
    return _my_numbers_in(normalise(_JSON_ESCAPE.sub(_unescape, text)))


_SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLite's write-ahead log and shared memory: read through the database itself (sqlite3 applies the log).
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def scan_sqlite_file(path: Path) -> List[Tuple[str, str]]:
    """(file:table, number) for every valid My Number in any text cell of an SQLite database, cell by cell
    (reading the raw file would join neighbouring cells, such as two timestamps, into false numbers)."""
    import sqlite3

    hits = []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    if isinstance(cell, bytes):
                        cell = cell.decode("utf-8", errors="ignore")
                    if isinstance(cell, str):
                        hits += [(f"{path}:{table}", n) for n in find_my_numbers(cell)]
    finally:
        conn.close()
    return hits


def scan_files(paths: Iterable[Path]) -> List[Tuple[str, str]]:
    """(file, number) for every valid My Number in the files under the given paths."""
    hits = []
    for root in paths:
        files = [root] if Path(root).is_file() else sorted(p for p in Path(root).rglob("*") if p.is_file())
        for path in files:
            if path.name.endswith(_SQLITE_SIDE_FILES):
                continue
            data = path.read_bytes()
            if data.startswith(_SQLITE_MAGIC):
                hits += scan_sqlite_file(path)
                continue
            hits += [(str(path), n) for n in find_my_numbers(data.decode("utf-8", errors="ignore"))]
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
