"""A copy of knowledge/ whose desk never closes: for private stacks whose replies must not depend on the hour."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from assistant.settings import PROJECT_ROOT


def always_open_knowledge(folder: Path, source: Path = PROJECT_ROOT / "knowledge") -> Path:
    """folder/knowledge: a copy of source with office hours 00:00-23:59 every day, holidays included."""
    target = folder / "knowledge"
    shutil.copytree(source, target)
    profile = yaml.safe_load((target / "municipality.yml").read_text(encoding="utf-8"))
    profile["office_hours"] = {
        "weekly": {day: "00:00-23:59" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "closed_on_public_holidays": False,
    }
    (target / "municipality.yml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return target
