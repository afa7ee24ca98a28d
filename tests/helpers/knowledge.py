"""Knowledge copies for tests: the real folder with answers made due for review."""
from __future__ import annotations

import datetime as dt

import yaml

from tests.conftest import always_open_knowledge


def stale_copy(tmp_path):
    """A knowledge copy where fees/first_time was checked long ago and fees/reissue has a review_by date passed."""
    folder = always_open_knowledge(tmp_path)
    path = folder / "topics" / "fees.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"][0]["checked"] = dt.date(2025, 3, 1)
    data["entries"][1]["review_by"] = dt.date(2026, 12, 1)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder, data
