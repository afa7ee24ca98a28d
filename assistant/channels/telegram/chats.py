"""Telegram chats (for staff replies) and long button payloads, kept in the product's database."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assistant.channels.telegram.ids import SenderIds
from assistant.storage.db import session_factory
from assistant.storage.models import TelegramButton, TelegramChat, utcnow

KEY_PREFIX = "~"  # callback_data that names a stored payload (payloads themselves start with "/")
BUTTON_DAYS = 30  # stored payloads older than this are forgotten; their buttons then ask to type again


class ChatStore:
    """Telegram chats and long button payloads in the product's database; synchronous (use worker threads)."""

    def __init__(self, engine: sa.engine.Engine, ids: SenderIds) -> None:
        engine.hide_parameters = True  # a database error in the log must not show a chat id
        self.engine = engine
        self.Session = session_factory(engine)
        self.ids = ids

    def _latest(self, session, user_key: str) -> Optional[TelegramChat]:
        return session.execute(
            sa.select(TelegramChat).where(TelegramChat.user_key == user_key)
            .order_by(TelegramChat.generation.desc()).limit(1)
        ).scalars().first()

    def _retry(self, work: Callable[[], str]) -> str:
        try:
            return work()
        except IntegrityError:  # another process added the same row just now
            return work()

    def sender_for(self, user_id: int, chat_id: int) -> str:
        """The resident's current sender id; remembers the chat so staff replies can reach it."""
        def work() -> str:
            user_key = self.ids.user_key(user_id)
            with self.Session() as s, s.begin():
                row = self._latest(s, user_key)
                if row is None:
                    row = TelegramChat(sender_id=self.ids.sender(user_id, 0), chat_id=chat_id, user_key=user_key,
                                       generation=0, updated_at=utcnow())
                    s.add(row)
                elif row.chat_id != chat_id or row.updated_at < utcnow() - dt.timedelta(minutes=10):
                    row.chat_id, row.updated_at = chat_id, utcnow()
                return row.sender_id
        return self._retry(work)

    def reset(self, user_id: int, chat_id: int) -> str:
        """A fresh conversation: the next generation's sender id."""
        def work() -> str:
            user_key = self.ids.user_key(user_id)
            with self.Session() as s, s.begin():
                row = self._latest(s, user_key)
                generation = 0 if row is None else row.generation + 1
                sender = self.ids.sender(user_id, generation)
                s.add(TelegramChat(sender_id=sender, chat_id=chat_id, user_key=user_key, generation=generation,
                                   updated_at=utcnow()))
                return sender
        return self._retry(work)

    def chat_for(self, sender: str) -> Optional[int]:
        with self.Session() as s:
            row = s.get(TelegramChat, sender)
            return None if row is None else int(row.chat_id)

    def key_for(self, payload: str) -> str:
        """A short callback key for a long payload (the same payload keeps its key)."""
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:15]
        key = KEY_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")

        def work() -> str:
            with self.Session() as s, s.begin():
                row = s.get(TelegramButton, key)
                if row is None:
                    s.add(TelegramButton(key=key, payload=payload, created_at=utcnow()))
                else:
                    row.created_at = utcnow()
            return key
        return self._retry(work)

    def payload_for(self, key: str) -> Optional[str]:
        with self.Session() as s:
            row = s.get(TelegramButton, key)
            return None if row is None else row.payload

    def forget_buttons(self, days: int = BUTTON_DAYS) -> int:
        cutoff = utcnow() - dt.timedelta(days=days)
        with self.Session() as s, s.begin():
            return s.execute(sa.delete(TelegramButton).where(TelegramButton.created_at < cutoff)).rowcount or 0

    def close(self) -> None:
        self.engine.dispose()
