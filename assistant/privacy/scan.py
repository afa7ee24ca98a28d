"""Searches stores (files, SQL tables) for valid My Numbers and PINs (with --contacts, phones and e-mails too):
an audit that redaction held. Each finding is (where, the 12 digits) for a My Number, (where, kind) otherwise."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Tuple

from assistant.privacy.normalise import normalise
from assistant.privacy.numbers import find_my_numbers as _my_numbers_in
from assistant.privacy.redact import EMAIL, PIN, find_phones, redact

# JSON escapes as stores write them: \u and four hex digits (astral digits such as 𝟖 as a surrogate pair), \n, \t, \r and \/.
_JSON_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\([ntr/])")
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "/": "/"}


def unescape_json(text: str) -> str:
    """The text with JSON's escapes undone (the tracker store keeps events as ASCII-only JSON)."""
    return _JSON_ESCAPE.sub(_unescape, text)


def _unescape(m: re.Match) -> str:
    if m.group(1):
        high, low = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    if m.group(3):
        return chr(int(m.group(3), 16))
    return _ESCAPED[m.group(4)]


# A JSON number outside a string (a stored confidence such as 9.830660917139e-07) is not something a
# resident typed: its 12 fraction digits must not read as a My Number. What residents type is in strings.
_JSON_FLOAT = re.compile(r"(?<=[:\[,])(\s*)-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?(?=\s*[,}\]])")


def _without_json_floats(text: str) -> str:
    return _JSON_FLOAT.sub(r"\g<1>0", text)


def find_my_numbers(text: str) -> List[str]:
    """Valid My Numbers written in the text, in every format redaction knows (any digits, kanji numerals,
    any separator between digit groups, next to other numbers), JSON-escaped or not."""
    return _my_numbers_in(normalise(unescape_json(_without_json_floats(text))))


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def find_personal_data(text: str, contacts: bool = False, public: Iterable[str] = ()) -> List[str]:
    """The 12 digits of each valid My Number in the text, and "PIN" for each PIN; with `contacts`, "phone" for
    each phone number not among the `public` ones (the desk's) and "e-mail" for each address."""
    text = normalise(unescape_json(_without_json_floats(text)))
    found: List[str] = _my_numbers_in(text)
    redaction = redact(text)
    found += ["PIN"] * redaction.found.count(PIN)
    if contacts:
        found += ["e-mail"] * redaction.found.count(EMAIL)
        known = {_digits(p) for p in public}
        found += ["phone" for p in find_phones(text) if _digits(p) not in known]
    return found


_SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLite's write-ahead log and shared memory: read through the database itself (sqlite3 applies the log).
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
# The number a resident gave for a callback, with consent, is kept in the handoff record on purpose.
_CONSENTED_COLUMNS = {"callback_phone"}


def scan_sqlite_file(path: Path, contacts: bool = False, public: Iterable[str] = ()) -> List[Tuple[str, str]]:
    """(file:table, finding) for any text cell of an SQLite database, cell by cell
    (reading the raw file would join neighbouring cells, such as two timestamps, into false numbers)."""
    import sqlite3

    hits = []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, cell in zip(columns, row):
                    if isinstance(cell, bytes):
                        cell = cell.decode("utf-8", errors="ignore")
                    if isinstance(cell, str):
                        hits += [(f"{path}:{table}", n) for n in
                                 find_personal_data(cell, contacts and column not in _CONSENTED_COLUMNS, public)]
    finally:
        conn.close()
    return hits


def scan_files(paths: Iterable[Path], contacts: bool = False, public: Iterable[str] = ()) -> List[Tuple[str, str]]:
    """(file, finding) for the text files under the given paths (SQLite databases cell by cell; other binary
    files, such as screenshots, are skipped)."""
    hits = []
    public = list(public)
    for root in paths:
        files = [root] if Path(root).is_file() else sorted(p for p in Path(root).rglob("*") if p.is_file())
        for path in files:
            if path.name.endswith(_SQLITE_SIDE_FILES):
                continue
            data = path.read_bytes()
            if data.startswith(_SQLITE_MAGIC):
                hits += scan_sqlite_file(path, contacts, public)
                continue
            if b"\x00" in data[:8192]:
                continue  # a binary file (a screenshot): its bytes read as text would be noise
            text = data.decode("utf-8", errors="ignore")
            hits += [(str(path), n) for n in find_personal_data(text, contacts, public)]
    return hits


def scan_sql(db_url: str, table: str = "events", column: str = "data", contacts: bool = False,
             public: Iterable[str] = ()) -> List[Tuple[str, str]]:
    """(table row id, finding) for a SQL table's text column."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    public = list(public)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table):
                return []
            rows = conn.execute(sa.text(f"SELECT id, {column} FROM {table}"))
            return [(f"{table}#{row[0]}", n) for row in rows for n in find_personal_data(str(row[1] or ""), contacts, public)]
    finally:
        engine.dispose()


def public_phones(knowledge_dir: Path) -> List[str]:
    """The phone numbers the city publishes in its knowledge files (the desk's): the assistant says them."""
    return [p for path in sorted(Path(knowledge_dir).rglob("*.yml"))
            for p in find_phones(path.read_text(encoding="utf-8"))]
