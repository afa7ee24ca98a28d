"""Date ranges in Japan time, and the Japan-time day and hour of a moment stored as naive UTC."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterator, Tuple

from assistant.knowledge.office_hours import JST

WEEKDAYS = "月火水木金土日"


def local(moment: dt.datetime) -> dt.datetime:
    """Japan time of a naive UTC moment."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(JST)


def utc_from_epoch(seconds: float) -> dt.datetime:
    """Naive UTC of a Unix time (the tracker store's timestamps)."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)


def day_and_hour(moment: dt.datetime) -> Tuple[dt.date, int]:
    """The Japan-time day and hour of a naive UTC moment."""
    there = local(moment)
    return there.date(), there.hour


@dataclass(frozen=True)
class Period:
    """Days in Japan time, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @classmethod
    def month(cls, text: str) -> "Period":
        """YYYY-MM."""
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"a month is written YYYY-MM, not {text!r}")
        year, month = int(match.group(1)), int(match.group(2))
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - dt.timedelta(days=1))

    def days(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def utc_bounds(self) -> Tuple[dt.datetime, dt.datetime]:
        """[first moment, moment after the last day) as naive UTC."""
        start = dt.datetime.combine(self.start, dt.time(), JST).astimezone(dt.timezone.utc).replace(tzinfo=None)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), JST)
        return start, end.astimezone(dt.timezone.utc).replace(tzinfo=None)

    @property
    def label(self) -> str:
        if self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1 and self.start.month == self.end.month:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start:%Y年%m月%d日}〜{self.end:%Y年%m月%d日}"


def week_of(day: dt.date) -> dt.date:
    """The Monday that starts the day's week."""
    return day - dt.timedelta(days=day.weekday())
