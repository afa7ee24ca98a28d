"""A message in a new conversation over REST, and the entry its reply answered (read from the tracker)."""
from __future__ import annotations

import uuid
from typing import List, Optional, Tuple


def reply_and_entry(assistant, text: str) -> Tuple[Optional[str], List[dict]]:
    """The `topic/entry` the reply answered (None for a question back) and the replies themselves."""
    sender = f"u-{uuid.uuid4().hex}"
    replies = assistant.send(sender, text)
    slots = assistant.tracker(sender)["slots"]
    entry = f"{slots['last_topic']}/{slots['last_entry']}" if slots.get("last_entry") else None
    return entry, replies


def offered_payloads(replies: List[dict]) -> set:
    """The payloads of every button under the replies."""
    return {b["payload"] for r in replies for b in r.get("buttons") or []}


def answered_entry(assistant, text: str) -> Optional[str]:
    return reply_and_entry(assistant, text)[0]
