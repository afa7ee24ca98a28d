"""Small groups: a count under 5 is shown as 「5未満」 and never drives a recommendation."""
from __future__ import annotations

from typing import Optional

SMALL_GROUP = 5
SMALL_LABEL = "5未満"


def is_small(count: int) -> bool:
    """1 to 4: few enough that a reader might tell who the residents were (0 hides nobody)."""
    return 0 < count < SMALL_GROUP


def shown(count: int) -> str:
    """A count as the report prints it: 「5未満」 for 1-4, otherwise the number with thousands separators."""
    return SMALL_LABEL if is_small(count) else f"{count:,}"


def shown_rate(part: int, whole: int, digits: int = 0) -> str:
    """A percentage, or 「—」 when its base is under 5 or its count is 1-4 (the rate would reveal the count)."""
    if whole < SMALL_GROUP or is_small(part):
        return "—"
    return f"{100 * part / whole:.{digits}f}%"


def usable(count: Optional[int]) -> bool:
    """Whether a group is large enough to base a recommendation on."""
    return count is not None and count >= SMALL_GROUP
