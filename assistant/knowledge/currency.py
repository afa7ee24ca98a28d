"""Per-entry currency: each answer's source, the day a person checked it, its known change date, and the review list."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from dateutil.relativedelta import relativedelta

from assistant.knowledge.fields import KnowledgeError

MUNICIPALITY_SOURCE = "municipality"
# Said after the source of an answer checked on another city's page (the rule is the same everywhere); the kiosk,
# which names such a source 「参考：ほかの市区町村の案内（全国で同じ手続き）」 itself, leaves it out.
OTHER_MUNICIPALITY_NOTE = "全国共通の内容を、ほかの市町村の案内で確かめました。"
DEFAULT_MONTHS = 6
_URL_RE = re.compile(r"^https?://\S+$")


def _error(path: Path, key: str, problem: str) -> Exception:
    return KnowledgeError(path, key, problem)


def read_date(value: Any, path: Path, key: str) -> dt.date:
    """An ISO date (YAML reads 2026-12-05 as a date already)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _error(path, key, f"not a date (YYYY-MM-DD): {value!r}") from None


@dataclass(frozen=True)
class Currency:
    """Where an answer comes from and how current it is."""

    source: str  # a URL, or "municipality" for the city's own page (municipality.yml city.website)
    checked: dt.date  # the day a person compared the answer with the source
    review_by: Optional[dt.date] = None  # a known change date: look again by then

    @classmethod
    def read(cls, raw: Dict[str, Any], path: Path, where: str, inherited: Optional["Currency"] = None) -> "Currency":
        """The source, checked and review_by of `raw`; missing ones come from `inherited` (a guide's, for its steps)."""
        source = raw.get("source", inherited.source if inherited else None)
        if not isinstance(source, str) or not source.strip():
            raise _error(path, f"{where}source", "missing: every answer needs the URL it was checked against")
        source = source.strip()
        if source != MUNICIPALITY_SOURCE and not _URL_RE.match(source):
            raise _error(path, f"{where}source", f"expected a URL or '{MUNICIPALITY_SOURCE}'")
        if "checked" in raw:
            checked = read_date(raw["checked"], path, f"{where}checked")
        elif inherited is not None:
            checked = inherited.checked
        else:
            raise _error(path, f"{where}checked", "missing: the day (YYYY-MM-DD) a person compared this answer with its source")
        if "review_by" in raw and raw["review_by"] is not None:
            review_by: Optional[dt.date] = read_date(raw["review_by"], path, f"{where}review_by")
        else:
            review_by = inherited.review_by if inherited else None
        return cls(source, checked, review_by)


class Sourced:
    """An answer or a guide step with its `currency`: its source and checked date, read through."""

    currency: Currency

    @property
    def source(self) -> str:
        return self.currency.source

    @property
    def checked(self) -> dt.date:
        return self.currency.checked


@dataclass(frozen=True)
class ReviewItem:
    """An answer (or a guide) due for a person to compare with its source again."""

    key: str  # "topic/entry" or "guide:<id>"
    title: str
    source: str  # always a link (the city's website for "municipality")
    checked: dt.date
    review_by: Optional[dt.date]
    reason: str
    path: Path


def source_link(source: str, municipality: Dict[str, Any]) -> str:
    return municipality["city"]["website"] if source == MUNICIPALITY_SOURCE else source


def _reason(currency: Currency, today: dt.date, oldest: dt.date) -> Optional[str]:
    if currency.review_by is not None and currency.review_by <= today:
        return f"見直し日（{currency.review_by.isoformat()}）を過ぎています"
    if currency.checked < oldest:
        return f"最後の確認（{currency.checked.isoformat()}）から時間がたっています"
    return None


def due_for_review(knowledge: Any, today: Optional[dt.date] = None, months: int = DEFAULT_MONTHS) -> List[ReviewItem]:
    """Entries and guides whose check is older than `months` or whose review_by has come, the oldest check first."""
    today = today or dt.date.today()
    oldest = today - relativedelta(months=months)
    items: List[ReviewItem] = []

    def consider(key: str, title: str, currency: Currency, path: Path) -> None:
        reason = _reason(currency, today, oldest)
        if reason:
            items.append(ReviewItem(key, title, source_link(currency.source, knowledge.municipality),
                                    currency.checked, currency.review_by, reason, path))

    for topic in knowledge.topics.values():
        for entry in topic.entries:
            consider(f"{topic.id}/{entry.id}", f"{topic.title}：{entry.label}", entry.currency, topic.path)
    for guide in knowledge.guides.values():
        consider(f"guide:{guide.id}", f"手順：{guide.title}", guide.currency, guide.path)
        for step in guide.steps:
            if step.currency.checked != guide.currency.checked or step.currency.review_by != guide.currency.review_by:
                consider(f"guide:{guide.id}/{step.id}", f"手順：{guide.title}（{step.id}）", step.currency, guide.path)
    items.sort(key=lambda i: (i.checked, i.key))
    return items


def format_review(items: List[ReviewItem], months: int) -> str:
    """The review list as the CLI prints it."""
    if not items:
        return f"確認が必要な回答はありません（{months}か月以内に確認済みで、見直し日も来ていません）。"
    lines = [f"確認が必要な回答：{len(items)}件（{months}か月より前の確認、または見直し日が来たもの）"]
    for item in items:
        lines.append(f"- {item.key}  {item.title}\n    {item.reason}\n    出典：{item.source}\n    ファイル：{item.path}")
    return "\n".join(lines)
