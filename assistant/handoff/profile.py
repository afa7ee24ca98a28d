"""The handoff profile (knowledge/handoff.yml): texts shown to residents, reasons and outcome categories."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

import yaml

from assistant.knowledge import KnowledgeError

REASONS = ("asked", "nlu_failure", "guide_stuck", "kiosk_call", "sensitive_dv", "fraud")
TEXTS = ("queued", "queued_kiosk", "received", "closed", "callback_offer", "callback_consent", "callback_ask",
         "callback_retry", "callback_done", "callback_declined", "resolved", "satisfaction", "thanks")
STATUS_LABELS = {
    "waiting": "待ち", "assigned": "対応中", "callback_collecting": "電話番号の入力中",
    "callback_requested": "折り返し電話待ち", "resolved": "解決", "called_back": "折り返し済み", "cancelled": "取り消し",
}
CHANNEL_LABELS = {"rest": "ウェブ", "kiosk": "キオスク", "telegram": "Telegram"}
# The 1-5 satisfaction buttons say what each number means.
SATISFACTION_TITLES = ("1 とても不満", "2 不満", "3 ふつう", "4 満足", "5 とても満足")


def satisfaction_buttons() -> list:
    """The buttons of the satisfaction question after staff closed a chat: a number and its meaning."""
    return [{"title": title, "payload": '/handoff_feedback{"score":"%d"}' % n}
            for n, title in enumerate(SATISFACTION_TITLES, start=1)]


@dataclass(frozen=True)
class HandoffProfile:
    minutes_per_resident: int
    reasons: Dict[str, str]
    outcomes: Dict[str, str]
    texts: Dict[str, str]

    def text(self, key: str, **values: Any) -> str:
        return self.texts[key].format(**values)


def load_handoff_profile(knowledge_dir: Path) -> HandoffProfile:
    path = Path(knowledge_dir) / "handoff.yml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(path, "-", "file missing") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(path, "-", f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "-", "expected a mapping")
    minutes = raw.get("minutes_per_resident")
    if not isinstance(minutes, int) or minutes < 1:
        raise KnowledgeError(path, "minutes_per_resident", "expected a whole number of minutes, at least 1")
    sections = {}
    for section, required in (("reasons", REASONS), ("outcomes", ()), ("texts", TEXTS)):
        value = raw.get(section)
        if not isinstance(value, dict) or not value:
            raise KnowledgeError(path, section, "missing section")
        for key, label in value.items():
            if not isinstance(label, str) or not label.strip():
                raise KnowledgeError(path, f"{section}.{key}", "expected text")
        for key in required:
            if key not in value:
                raise KnowledgeError(path, f"{section}.{key}", "missing")
        sections[section] = {str(k): _one_line(v) for k, v in value.items()}
    return HandoffProfile(minutes, sections["reasons"], sections["outcomes"], sections["texts"])


def _one_line(text: str) -> str:
    """Folded YAML joins lines with a space; Japanese sentences run on without one."""
    return re.sub(r"(?<=[。、！？）」])\s+", "", " ".join(text.split()))
