"""When a demo conversation happened: a weighted moment of the month, and the map from real times onto it."""
from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import jpholiday

from assistant.analytics.period import Period
from assistant.knowledge.office_hours import JST, OfficeHours

# Monday to Sunday: residents ask on weekdays, fewer at weekends (the desk is closed).
DAY_WEIGHTS = (1.0, 0.95, 0.95, 0.9, 0.9, 0.45, 0.35)
HOLIDAY_WEIGHT = 0.35
# Japan time 0-23 h: office hours first, a lunch peak, and evenings at home.
HOUR_WEIGHTS = {
    "rest": (0.3, 0.15, 0.1, 0.05, 0.05, 0.1, 0.3, 0.8, 1.6, 3.0, 3.5, 3.2, 3.4, 3.2, 3.2, 3.0, 2.6, 2.0,
             1.6, 1.8, 2.0, 1.8, 1.2, 0.6),
    "telegram": (0.5, 0.25, 0.1, 0.05, 0.05, 0.1, 0.4, 1.2, 1.6, 2.2, 2.4, 2.2, 3.0, 2.4, 2.2, 2.2, 2.0, 2.0,
                 2.2, 2.6, 3.0, 2.8, 2.0, 1.0),
}
# Within the desk's hours (kiosks in city hall, chats answered by staff): mornings are busiest.
OPEN_HOUR_WEIGHTS = {8: 1.5, 9: 3.0, 10: 3.6, 11: 3.0, 12: 1.8, 13: 2.6, 14: 3.0, 15: 2.8, 16: 2.0, 17: 0.6}
_TRIES = 400


class MonthError(ValueError):
    """A month the demo cannot fill."""


def last_month(today: Optional[dt.date] = None) -> str:
    today = today or dt.datetime.now(JST).date()
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


class Placer:
    """Picks the start of a conversation in a month (Japan time), weighted by weekday, holiday and hour."""

    def __init__(self, month: str, hours: OfficeHours, now: Optional[float] = None) -> None:
        self.period = Period.month(month)  # ValueError names the bad text
        self.hours = hours
        self.first = dt.datetime.combine(self.period.start, dt.time(), JST).timestamp()
        after = dt.datetime.combine(self.period.end + dt.timedelta(days=1), dt.time(), JST).timestamp()
        self.last = min(after, (time.time() if now is None else now) - 3600)  # never in the future
        if self.last - self.first < 2 * 86400:
            raise MonthError(f"{month} has not happened yet: choose a month that has passed (default: last month)")
        self.days = [d for d in self.period.days() if dt.datetime.combine(d, dt.time(), JST).timestamp() < self.last]
        self.open_days = [d for d in self.days if self.hours.hours_on(d)]

    def _day_weight(self, day: dt.date) -> float:
        return HOLIDAY_WEIGHT if jpholiday.is_holiday(day) else DAY_WEIGHTS[day.weekday()]

    def _fits(self, start: float, length: float) -> bool:
        return self.first <= start and start + length < self.last

    def any_time(self, rng: random.Random, channel: str, length: float) -> float:
        weights = HOUR_WEIGHTS.get(channel, HOUR_WEIGHTS["rest"])
        start = self.first
        for _ in range(_TRIES):
            day = rng.choices(self.days, [self._day_weight(d) for d in self.days])[0]
            hour = rng.choices(range(24), weights)[0]
            start = dt.datetime.combine(day, dt.time(hour), JST).timestamp() + rng.uniform(0, 3600)
            if self._fits(start, length):
                return start
        return max(self.first, min(start, self.last - length))

    def open_time(self, rng: random.Random, length: float) -> float:
        """Within the desk's hours on a day it opens (a kiosk in city hall, a chat staff answered)."""
        if not self.open_days:
            return self.any_time(rng, "rest", length)
        start = self.first
        for _ in range(_TRIES):
            day = rng.choices(self.open_days, [self._day_weight(d) for d in self.open_days])[0]
            opens, closes = self.hours.hours_on(day)
            begin = dt.datetime.combine(day, opens, JST).timestamp()
            end = max(begin, dt.datetime.combine(day, closes, JST).timestamp() - length)
            hours = list(range(opens.hour, closes.hour + 1))
            hour = rng.choices(hours, [OPEN_HOUR_WEIGHTS.get(h, 0.5) for h in hours])[0]
            start = dt.datetime.combine(day, dt.time(hour), JST).timestamp() + rng.uniform(0, 3600)
            start = min(end, max(begin, start))
            if self._fits(start, length):
                return start
        return max(self.first, min(start, self.last - length))

    def closed_time(self, rng: random.Random, channel: str, length: float, span: float) -> float:
        """When the desk was closed for the first `span` seconds (a resident offered a callback)."""
        start = self.first
        for _ in range(_TRIES):
            start = self.any_time(rng, channel, length)
            if not self._open_at(start) and not self._open_at(start + span):
                return start
        return start

    def _open_at(self, moment: float) -> bool:
        return self.hours.is_open(dt.datetime.fromtimestamp(moment, JST))


@dataclass
class Timeline:
    """Real moments of one conversation and the pauses a person would have taken between them."""

    start: Optional[float] = None
    marks: List[float] = field(default_factory=list)
    pauses: List[float] = field(default_factory=list)  # cumulative seconds added from each mark on

    def mark(self, pause: float = 0.0) -> None:
        """Now, before a resident's message or a staff action, `pause` seconds after the previous one."""
        now = time.time()
        if self.start is None:
            self.start = now
        elif pause > 0:
            self.marks.append(now)
            self.pauses.append((self.pauses[-1] if self.pauses else 0.0) + pause)

    def added(self, moment: float) -> float:
        i = bisect.bisect_right(self.marks, moment)
        return self.pauses[i - 1] if i else 0.0

    @property
    def length(self) -> float:
        """Seconds from the first message to the last action, with the pauses."""
        if self.start is None:
            return 0.0
        return max(0.0, time.time() - self.start) + (self.pauses[-1] if self.pauses else 0.0)

    def length_until(self, moment: float) -> float:
        return max(0.0, moment - (self.start or moment)) + self.added(moment)

    def mapper(self, new_start: float) -> Callable[[float], float]:
        """Real time -> demo time: the same order and gaps, plus the pauses, from `new_start` on."""
        origin = self.start if self.start is not None else time.time()

        def to_demo(moment: float) -> float:
            return new_start + (moment - origin) + self.added(moment)

        return to_demo


def quotas(names: Sequence[str], weights: Sequence[float], count: int, rng: random.Random) -> List[str]:
    """`count` names in the given shares exactly (largest remainder), every name at least once when
    count allows, shuffled."""
    total = float(sum(weights))
    exact = [count * w / total for w in weights]
    sizes = [int(x) for x in exact]
    if count >= len(names):
        sizes = [max(1, s) for s in sizes]
    order = sorted(range(len(names)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    i = 0
    while sum(sizes) < count:
        sizes[order[i % len(order)]] += 1
        i += 1
    while sum(sizes) > count:
        biggest = max(range(len(names)), key=lambda j: sizes[j])
        sizes[biggest] -= 1
    result = [name for name, size in zip(names, sizes) for _ in range(size)]
    rng.shuffle(result)
    return result


def place(placer: Placer, rng: random.Random, channel: str, need: Optional[str], length: float,
          span: float = 0.0) -> float:
    """The demo start of a conversation: `need` is "open" (the desk was open), "closed" or None."""
    if need == "open" or channel == "kiosk":
        return placer.open_time(rng, length)
    if need == "closed":
        return placer.closed_time(rng, channel, length, span)
    return placer.any_time(rng, channel, length)

