"""What every browser test uses: Debian's Chromium launched with its switches, and axe-core for accessibility."""
from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from assistant.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    """Skips the test where Debian's Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium fonts-noto-cjk)")


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium driven by Playwright with CHROMIUM_ARGS (the test skips where it is missing); closed after."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


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
