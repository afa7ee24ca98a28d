"""What analytics keeps of a resident: a keyed hash instead of the sender id, redacted text, plain labels."""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Optional

from assistant.privacy.redact import redact

_LABEL_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_KIOSK_RE = re.compile(r"^[A-Za-z0-9_-]{1,8}$")  # too short for a phone or My Number
MAX_TEXT_CHARS = 500


class ResidentKeys:
    """HMAC-SHA256 of sender ids under the product's id key (a different message from the Telegram bridge's)."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("analytics needs the id key to hash sender ids")
        self._key = key.encode("utf-8")

    def __call__(self, sender_id: str) -> str:
        return hmac.new(self._key, f"analytics:{sender_id}".encode("utf-8"), hashlib.sha256).hexdigest()


def label(value: Any, size: int = 64) -> Optional[str]:
    """An identifier such as an intent, topic, guide, step or channel; anything else (free text) is dropped."""
    if not isinstance(value, str) or not _LABEL_RE.match(value) or redact(value).found:
        return None
    return value[:size]


def kiosk_label(value: Any) -> Optional[str]:
    """A kiosk's short name (its number); anything that could be text a person typed is dropped."""
    value = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return value if _KIOSK_RE.match(value) else None


def resident_text(text: Any) -> Optional[str]:
    """A resident's message, redacted once more (the channel already did) and shortened."""
    if not isinstance(text, str) or not text.strip():
        return None
    return redact(text.strip()[:MAX_TEXT_CHARS]).text
