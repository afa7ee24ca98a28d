"""The product's keys kept in the data folder: the key of the keyed hashes that replace resident ids
(Telegram sender ids, analytics residents, sender ids that hold a phone number)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping, Optional

from assistant.settings import SettingsError


def load_id_key(data_dir: Path, configured: str = "") -> str:
    """MADOGUCHI_ID_KEY, or a key generated once into <data_dir>/id_key (mode 0600)."""
    if configured:
        return configured
    path = data_dir / "id_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if not key:
        raise SettingsError(f"{path} is empty: delete it to generate a new key")
    return key


def product_id_key(data_dir: Path, env: Optional[Mapping[str, str]] = None) -> str:
    """MADOGUCHI_ID_KEY from the environment, else the key kept in the data folder."""
    env = os.environ if env is None else env
    return load_id_key(data_dir, env.get("MADOGUCHI_ID_KEY", "").strip())
