"""Numbers split over two messages: each conversation's trailing digits, kept in process memory for a few minutes.

A resident may send 「4802 0645」 and then 「0527です」. The first message holds no My Number on its own and
goes on as typed (at most 11 digits: not a number anyone can use). Its trailing digit groups are kept here --
in this process's memory only, never in a store or a log, for `seconds` at most -- and the next message of
the same conversation is redacted with them: the part that completes a valid number becomes ［個人番号］ and
the resident is warned, so the stores never hold the whole number.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Tuple

from assistant.privacy.redact import Redaction, redact


class SplitNumbers:
    """Redacts a conversation's messages in order, remembering the digits each one ends with."""

    def __init__(self, seconds: float = 300, conversations: int = 10000) -> None:
        self.seconds = seconds
        self.conversations = conversations
        self._tails: "OrderedDict[str, Tuple[float, Tuple[str, ...]]]" = OrderedDict()
        self._lock = threading.Lock()

    def redact(self, conversation_id: str, text: str) -> Redaction:
        now = time.monotonic()
        with self._lock:
            at, carry = self._tails.pop(conversation_id, (0.0, ()))
        result = redact(text, carry if now - at <= self.seconds else ())
        if result.tail:
            with self._lock:
                self._tails[conversation_id] = (now, result.tail)
                while len(self._tails) > self.conversations:
                    self._tails.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._tails)


_DOOR = SplitNumbers()


def redact_message(conversation_id: str, text: str) -> Redaction:
    """The door's redaction of one resident message: normalised, redacted, with the conversation's previous
    message's trailing digits (every channel of this server process shares the memory)."""
    return _DOOR.redact(conversation_id, text)
