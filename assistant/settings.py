"""Settings read from the environment in one place, with the defaults of the embedded profile."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    """Everything the product reads from its environment.

    MADOGUCHI_KNOWLEDGE_DIR  folder with municipality.yml and topics/ (default: ./knowledge)
    MADOGUCHI_MAX_MESSAGE_CHARS  longest message a resident may send (default 1000)
    MADOGUCHI_RATE_PER_SENDER  messages a minute one conversation may send (default 30; 0 = no limit)
    MADOGUCHI_RATE_PER_IP  messages a minute one client address may send (default 600; 0 = no limit)
    MADOGUCHI_RETENTION_DAYS  days conversations and closed handoffs are kept before `madoguchi retention` deletes them (default 90)
    MADOGUCHI_DATA_DIR  folder of the embedded profile's files: SQLite databases, API token, keys (default: ./data)
    MADOGUCHI_DATABASE_URL  the product's own database (handoffs, staff, audit) as an SQLAlchemy URL (default: SQLite in the data folder)
    MADOGUCHI_STAFF_SESSION_HOURS  hours a staff login lasts (default 8)
    MADOGUCHI_STAFF_SECURE_COOKIE  1 when the staff console is served over HTTPS, so its cookie is sent only over HTTPS (default 0)
    """

    knowledge_dir: Path
    max_message_chars: int
    rate_per_sender: int = 30
    rate_per_ip: int = 600
    retention_days: int = 90
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: str = ""
    staff_session_hours: int = 8
    staff_secure_cookie: bool = False

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        knowledge_dir = Path(env.get("MADOGUCHI_KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge")
        raw_max = env.get("MADOGUCHI_MAX_MESSAGE_CHARS", "1000")
        try:
            max_chars = int(raw_max)
        except ValueError:
            raise SettingsError(f"MADOGUCHI_MAX_MESSAGE_CHARS must be a whole number, not {raw_max!r}")
        if max_chars < 10:
            raise SettingsError("MADOGUCHI_MAX_MESSAGE_CHARS must be at least 10")
        data_dir = Path(env.get("MADOGUCHI_DATA_DIR") or PROJECT_ROOT / "data").resolve()
        return cls(
            knowledge_dir=knowledge_dir,
            max_message_chars=max_chars,
            rate_per_sender=_whole(env, "MADOGUCHI_RATE_PER_SENDER", 30),
            rate_per_ip=_whole(env, "MADOGUCHI_RATE_PER_IP", 600),
            retention_days=_whole(env, "MADOGUCHI_RETENTION_DAYS", 90) or 90,
            data_dir=data_dir,
            database_url=env.get("MADOGUCHI_DATABASE_URL") or f"sqlite:///{data_dir / 'madoguchi.db'}",
            staff_session_hours=_whole(env, "MADOGUCHI_STAFF_SESSION_HOURS", 8) or 8,
            staff_secure_cookie=_flag(env, "MADOGUCHI_STAFF_SECURE_COOKIE"),
        )


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}")
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "0").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("", "0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")
