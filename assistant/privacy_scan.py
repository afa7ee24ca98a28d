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
