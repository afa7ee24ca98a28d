"""What every browser test uses: Debian's Chromium with its switches, and axe-core for the accessibility checks."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def axe_source() -> str:
    """axe-core from the npm registry, installed once into .cache/npm (served to the page by Playwright)."""
    folder = PROJECT_ROOT / ".cache" / "npm"
    path = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: the accessibility check needs axe-core from the npm registry")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", "axe-core@4"],
                       check=True, capture_output=True, timeout=300)
    return path.read_text(encoding="utf-8")
