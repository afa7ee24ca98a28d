"""Plain figures the measures return: a rate as its two counts, and conversations with messages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Rate:
    """part of whole; value is None when whole is 0."""

    part: int
    whole: int

    @property
    def value(self) -> Optional[float]:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Activity:
    """Conversations started and resident messages sent."""

    conversations: int = 0
    messages: int = 0

    def __add__(self, other: "Activity") -> "Activity":
        return Activity(self.conversations + other.conversations, self.messages + other.messages)
