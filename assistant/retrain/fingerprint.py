"""The fingerprint of what a model is trained from (training data, pipeline, domain, rules, Rasa's version):
`madoguchi retrain` skips training when it equals the live model's, kept beside it as current.fingerprint."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, List

from assistant.settings import PROJECT_ROOT

# The files Rasa reads as training data; anything else in the folder (reviewed_by.csv, notes) does not count.
TRAINING_SUFFIXES = (".yml", ".yaml", ".json")
# The same domain and rules the Makefile's `train` and `madoguchi retrain` give Rasa.
FIXED_INPUTS = (PROJECT_ROOT / "assistant" / "rasa" / "domain.yml", PROJECT_ROOT / "assistant" / "rasa" / "rules.yml")


def training_files(data: Path) -> List[Path]:
    """The training data files under data, sorted, hidden files and folders left out."""
    return sorted(p for p in data.rglob("*") if p.is_file() and p.suffix in TRAINING_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(data).parts))


def _rasa_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rasa")
    except PackageNotFoundError:
        return "unknown"


def fingerprint(config: Path, data: Path, fixed: Iterable[Path] = FIXED_INPUTS) -> str:
    """sha256 over each input's name and bytes: the same files with the same contents give the same value,
    whichever folder they were copied to."""
    digest = hashlib.sha256(f"rasa {_rasa_version()}\n".encode())
    named = [("config", config)] + [(f"fixed/{p.name}", p) for p in fixed]
    named += [(f"data/{p.relative_to(data).as_posix()}", p) for p in training_files(data)]
    for name, path in named:
        body = path.read_bytes()
        digest.update(f"{name}\0{len(body)}\0".encode("utf-8"))
        digest.update(body)
    return digest.hexdigest()
