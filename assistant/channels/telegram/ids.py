"""Who is talking: sender ids and user keys as keyed hashes, never the Telegram user id."""
from __future__ import annotations

import hashlib
import hmac

from assistant.privacy.redact import redact


class SenderIds:
    """Sender ids and user keys as HMAC-SHA256 of the Telegram user id under the bridge's key."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    def _mac(self, message: str) -> str:
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def user_key(self, user_id: int) -> str:
        return self._mac(str(user_id))

    def sender(self, user_id: int, generation: int) -> str:
        sender = "tg-" + self._mac(f"{user_id}:{generation}")[:32]
        extra = 0
        # The REST channel redacts senders as well; a hex id whose digit run reads as a number would change there.
        while redact(sender).text != sender:
            extra += 1
            sender = "tg-" + self._mac(f"{user_id}:{generation}:{extra}")[:32]
        return sender
