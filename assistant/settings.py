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
    """

    knowledge_dir: Path
    max_message_chars: int

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
        return cls(knowledge_dir=knowledge_dir, max_message_chars=max_chars)
