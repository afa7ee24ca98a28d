"""When the municipal help desk is open: weekly hours, some Saturdays, public holidays, year-end."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import jpholiday

from assistant.knowledge.fields import KnowledgeError

JST = dt.timezone(dt.timedelta(hours=9), "JST")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HOURS_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")

Span = Tuple[dt.time, dt.time]


def _span(value: Any, path: Path, key: str) -> Span:
    match = _HOURS_RE.match(str(value))
    if not match:
        raise KnowledgeError(path, key, f"expected HH:MM-HH:MM, not {value!r}")
    h1, m1, h2, m2 = map(int, match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise KnowledgeError(path, key, f"not a time of day: {value!r}") from None
    if start >= end:
        raise KnowledgeError(path, key, "opening must be before closing")
    return start, end


def _month_day(value: Any, path: Path, key: str) -> Tuple[int, int]:
    match = _MONTH_DAY_RE.match(str(value))
    if not match:
        raise KnowledgeError(path, key, f"expected MM-DD, not {value!r}")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class OfficeHours:
    """The desk's opening times; every datetime is read in Japan time."""

    weekly: Dict[int, Span]
    saturday_weeks: Tuple[int, ...]
    saturday_hours: Optional[Span]
    closed_on_public_holidays: bool
    year_end: Optional[Tuple[Tuple[int, int], Tuple[int, int]]]
    closed_dates: Tuple[dt.date, ...]

    @classmethod
    def from_profile(cls, profile: Dict[str, Any], path: Path) -> "OfficeHours":
        raw = profile.get("office_hours")
        if not isinstance(raw, dict):
            raise KnowledgeError(path, "office_hours", "missing section")
        weekly = {}
        for name, hours in (raw.get("weekly") or {}).items():
            if name not in DAYS:
                raise KnowledgeError(path, f"office_hours.weekly.{name}", "expected mon..sun")
            weekly[DAYS.index(name)] = _span(hours, path, f"office_hours.weekly.{name}")
        saturdays = raw.get("saturdays") or {}
        weeks = tuple(int(w) for w in saturdays.get("weeks", []))
        if any(not 1 <= w <= 5 for w in weeks):
            raise KnowledgeError(path, "office_hours.saturdays.weeks", "weeks of the month are 1..5")
        saturday_hours = _span(saturdays["hours"], path, "office_hours.saturdays.hours") if weeks else None
        year_end = raw.get("year_end")
        if year_end is not None:
            year_end = (_month_day(year_end.get("from"), path, "office_hours.year_end.from"),
                        _month_day(year_end.get("to"), path, "office_hours.year_end.to"))
        closed = []
        for index, value in enumerate(raw.get("closed_dates") or []):
            try:
                closed.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
            except ValueError:
                raise KnowledgeError(path, f"office_hours.closed_dates[{index}]", "expected YYYY-MM-DD") from None
        return cls(weekly, weeks, saturday_hours, bool(raw.get("closed_on_public_holidays", True)), year_end, tuple(closed))

    # --- one day -----------------------------------------------------------------------------
    def closed_reason(self, day: dt.date) -> Optional[str]:
        """Why the desk is closed all day, or None."""
        if day in self.closed_dates:
            return "臨時休業"
        if self.year_end is not None:
            (m1, d1), (m2, d2) = self.year_end
            key = (day.month, day.day)
            if (m1, d1) <= key or key <= (m2, d2):
                return "年末年始"
        if self.closed_on_public_holidays and jpholiday.is_holiday(day):
            return jpholiday.is_holiday_name(day) or "祝日"
        return None

    def hours_on(self, day: dt.date) -> Optional[Span]:
        if self.closed_reason(day):
            return None
        if day.weekday() == 5 and self.saturday_hours and (day.day - 1) // 7 + 1 in self.saturday_weeks:
            return self.saturday_hours
        return self.weekly.get(day.weekday())

    # --- a moment ----------------------------------------------------------------------------
    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(JST)
        span = self.hours_on(local.date())
        return span is not None and span[0] <= local.time() < span[1]

    def next_opening(self, moment: dt.datetime, horizon_days: int = 30) -> Optional[dt.datetime]:
        """The next time the desk opens after `moment` (now, if it is open)."""
        local = moment.astimezone(JST)
        if self.is_open(local):
            return local
        for offset in range(horizon_days + 1):
            day = local.date() + dt.timedelta(days=offset)
            span = self.hours_on(day)
            if span is None:
                continue
            opening = dt.datetime.combine(day, span[0], JST)
            if opening > local:
                return opening
        return None


def describe(moment: dt.datetime) -> str:
    """「12月1日（月）8時30分」"""
    local = moment.astimezone(JST)
    weekday = "月火水木金土日"[local.weekday()]
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{local.month}月{local.day}日（{weekday}）{local.hour}時{minutes}"


def load_office_hours(knowledge_dir: Path) -> OfficeHours:
    import yaml

    path = Path(knowledge_dir) / "municipality.yml"
    return OfficeHours.from_profile(yaml.safe_load(path.read_text(encoding="utf-8")), path)
