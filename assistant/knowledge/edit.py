"""An answer written in the staff console, checked by the loader itself (the whole folder with it over the file's), with the wrong field named."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import yaml

from assistant.knowledge import Entry, Knowledge, KnowledgeError, load_knowledge, one_sentence_a_line
from assistant.knowledge.versions import Draft
from assistant.knowledge.yes_no import FILE_NAME, check_short

FIELD_LABELS = {"answer": "回答", "easy": "やさしい日本語", "source": "出典", "checked": "確認日", "review_by": "見直し日",
                "yes_no": "はい/いいえの短い答え", "yes_no_opposite": "逆向きに聞くことば", "note": "変更の理由"}
# The box an editor ticks after comparing the short answer with a changed answer.
SHORT_REVIEWED = "yes_no_reviewed"
SHORT_UNREVIEWED = ("回答を変えたので、はい/いいえの短い答えが新しい回答と食い違わないか確かめてください。"
                    "直すか消すか、そのままでよければ「短い答えも確かめました」にチェックしてください")
MAX_NOTE_CHARS = 200
_KEY_RE = re.compile(r"^([a-z][a-z0-9_]*)/([a-z][a-z0-9_]*)$")
_ENTRY_FIELD_RE = re.compile(r"^entries\[\d+\]\.(\w+)$")


# The loader's words for a problem, said for staff (the loader's own message follows in brackets).
_PLAIN = (
    ("placeholder", "差し込み（{…}）の名前が正しくありません。municipality.yml にある名前だけ使えます"),
    ("names other placeholders", "回答と同じ差し込み（{…}）を使ってください"),
    ("longer than", "長すぎます"),
    ("missing", "入力してください"),
    ("not a date", "日付は 2026-12-07 の形で書いてください"),
    ("expected a URL", "出典は https:// で始まるページのアドレスか、市のページなら municipality と書いてください"),
    ("must start with", "短い答えは「はい、」か「いいえ、」で始めてください"),
    ("not a regular expression", "ことばを | で区切って書いてください（正規表現として読めません）"),
)


class EditError(ValueError):
    """The form's text is refused: `field` names the form field (None when the problem is elsewhere)."""

    def __init__(self, field: Optional[str], problem: str) -> None:
        self.field, self.problem = field, problem
        plain = next((words for start, words in _PLAIN if problem.startswith(start)), "")
        self.plain = f"{plain}（{problem}）" if plain else problem
        label = FIELD_LABELS.get(field or "", "")
        super().__init__(f"「{label}」: {self.plain}" if label else self.plain)


def split_key(key: str) -> Optional[Tuple[str, str]]:
    match = _KEY_RE.match(key or "")
    return (match.group(1), match.group(2)) if match else None


def file_entry(folder: Path, key: str) -> Optional[Dict[str, Any]]:
    """The entry as written in knowledge/topics/<topic>.yml, or None."""
    parts = split_key(key)
    if parts is None:
        return None
    path = Path(folder) / "topics" / f"{parts[0]}.yml"
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return next((e for e in data.get("entries") or [] if isinstance(e, dict) and e.get("id") == parts[1]), None)


def lines(text: str) -> str:
    """A text as the form shows it: a version's own lines, or one sentence a line (a file's folded text is one line)."""
    rows = [" ".join(row.split()) for row in str(text or "").split("\n")]
    return "\n".join(one_sentence_a_line(row) for row in rows if row)


def form_values(fields: Mapping[str, Any], short: Optional[Mapping[str, Any]] = None) -> Dict[str, str]:
    """The form's initial values from a file entry or a version's fields, and the entry's short answer."""
    review_by = fields.get("review_by")
    return {"answer": lines(fields.get("answer", "")), "easy": lines(fields.get("easy", "")),
            "source": str(fields.get("source") or ""), "checked": str(fields.get("checked") or ""),
            "review_by": str(review_by) if review_by else "", "note": "",
            "yes_no": str((short or {}).get("answer") or ""), "yes_no_opposite": str((short or {}).get("opposite") or "")}


def file_short(folder: Path, key: str) -> Optional[Dict[str, Any]]:
    """The entry's short answer as knowledge/yes_no.yml writes it ({"answer", "opposite"}), or None."""
    path = Path(folder) / FILE_NAME
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    value = (data or {}).get(key) if isinstance(data, dict) else None
    if value is None:
        return None
    raw = value if isinstance(value, dict) else {"answer": value}
    return {"answer": raw.get("answer"), "opposite": raw.get("opposite")}


def _short(folder: Path, key: str, form: Mapping[str, Any], before: Mapping[str, Any], answer: str,
           publishing: bool = True) -> Tuple[str, Optional[str]]:
    """The form's short answer ("" for none), checked as the loader checks knowledge/yes_no.yml; when the answer
    changed and the short answer was left as it was, the editor must have ticked that it was compared."""
    given = form if "yes_no" in form else before  # a form without the field leaves the short answer as it is
    text = " ".join((given.get("yes_no") or "").split())
    opposite = (given.get("yes_no_opposite") or "").strip() or None
    if text or opposite:
        try:
            check_short(Path(folder) / FILE_NAME, key, {"answer": text, "opposite": opposite})
        except KnowledgeError as exc:
            raise EditError("yes_no_opposite" if exc.key.endswith(".opposite") else "yes_no", exc.problem) from None
    old_text, old_opposite = before.get("yes_no") or "", before.get("yes_no_opposite") or None
    untouched = (text, opposite) == (old_text, old_opposite)
    if publishing and text and untouched and _text(answer) != _text(before.get("answer")) and not form.get(SHORT_REVIEWED):
        raise EditError("yes_no", SHORT_UNREVIEWED)
    return text, opposite if text else None


def _text(value: Optional[str]) -> str:
    """The form's text as stored: lines stripped, empty lines dropped, one line each."""
    return "\n".join(line.strip() for line in (value or "").replace("\r", "").split("\n") if line.strip())


@dataclass(frozen=True)
class Checked:
    """A form that the loader accepted: the draft to store and the entry and knowledge as residents would get them."""

    draft: Draft
    entry: Entry
    knowledge: Knowledge


def check(folder: Path, key: str, form: Mapping[str, Any], overlay: Optional[Mapping[str, Mapping[str, Any]]] = None,
          before: Optional[Mapping[str, Any]] = None, publishing: bool = True) -> Checked:
    """Validates the form exactly as the loader validates knowledge/ (placeholders, length, required fields,
    source and dates) and knowledge/yes_no.yml (the short answer), with the other published answers (`overlay`)
    in place; `before` is the entry's live form values (answer and short answer), to see whether the answer
    changed without its short answer being looked at (for publishing only: a preview may come first). EditError
    names the field."""
    note = (form.get("note") or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise EditError("note", f"{MAX_NOTE_CHARS}文字までにしてください。")
    fields: Dict[str, Any] = {"answer": _text(form.get("answer")), "easy": _text(form.get("easy")),
                              "source": (form.get("source") or "").strip(), "checked": (form.get("checked") or "").strip()}
    review_by = (form.get("review_by") or "").strip()
    fields["review_by"] = review_by or None
    try:
        knowledge = load_knowledge(folder, {**(overlay or {}), key: fields})
    except KnowledgeError as exc:
        parts = split_key(key)
        match = _ENTRY_FIELD_RE.match(exc.key)
        if parts and exc.path.stem == parts[0] and match and match.group(1) in FIELD_LABELS:
            raise EditError(match.group(1), exc.problem) from None
        raise EditError(None, str(exc)) from None
    entry = knowledge.entry_by_key(key)
    if entry is None:
        raise EditError(None, f"{key} という回答はありません。")
    if before is None:
        before = form_values(file_entry(folder, key) or {}, file_short(folder, key))
    yes_no, opposite = _short(folder, key, form, before, fields["answer"], publishing)
    draft = Draft(fields["answer"], fields["easy"], entry.currency.source, entry.currency.checked,
                  entry.currency.review_by, note, yes_no, opposite)
    return Checked(draft, entry, knowledge)
