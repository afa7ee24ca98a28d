"""Every picture docs/ shows is written by a browser test (tests/helpers/docs_images.py `to_docs`), so no
screenshot in docs/ is copied by hand or left from an older look; and docs/img/ holds nothing the docs do not show."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Set

from assistant.settings import PROJECT_ROOT
from tests.helpers.docs_images import DOCS_IMG

PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\((?:docs/)?img/([^)\s]+)\)")
_TO_DOCS_RE = re.compile(r"to_docs\(\{(.*?)\}\)", re.S)


def shown() -> Set[str]:
    return {name for page in PAGES for name in _IMAGE_RE.findall(page.read_text(encoding="utf-8"))}


def written_by_tests() -> Set[str]:
    names = set()
    for path in (PROJECT_ROOT / "tests").rglob("*.py"):
        for call in _TO_DOCS_RE.findall(path.read_text(encoding="utf-8")):
            names |= set(re.findall(r'"([^"]+\.png)"\s*:', call))
    return names


def test_every_picture_the_docs_show_is_written_by_a_browser_test():
    assert shown(), "no picture found in docs/: the pattern no longer matches"
    missing = sorted(shown() - written_by_tests())
    assert missing == [], f"pictures in docs/ that no test writes (use tests/helpers/docs_images.py to_docs): {missing}"
    assert sorted(name for name in shown() if not (DOCS_IMG / name).is_file()) == []


def test_docs_img_holds_only_pictures_the_docs_show():
    extra = sorted(p.name for p in Path(DOCS_IMG).iterdir() if p.is_file() and p.name not in shown())
    assert extra == [], f"files in docs/img/ no page shows: {extra}"
