"""Screenshots the docs show: a browser test that passed copies its own screenshots into docs/img/, so the
pictures in docs/ are always those of the last passing run (tests/test_docs_images.py checks each has a test)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Mapping

from assistant.settings import PROJECT_ROOT

DOCS_IMG = PROJECT_ROOT / "docs" / "img"


def to_docs(shots: Mapping[str, Path]) -> None:
    """Copies each screenshot (test-artifacts/…) to docs/img/<name>; call it after the test's last assertion."""
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    for name, shot in shots.items():
        target = DOCS_IMG / name
        part = target.with_name(f".{name}.part")
        shutil.copyfile(shot, part)
        part.replace(target)  # a reader of docs/ never sees half a picture
