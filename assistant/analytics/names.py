"""Japanese names for the report: topics, guides and steps from knowledge/, reasons from handoff.yml, channels."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Tuple

from assistant.handoff.profile import CHANNEL_LABELS

STEP_LABEL_CHARS = 30
ABANDON_REASONS = {"stop": "「やめる」", "handoff": "職員へ引き継ぎ", "replaced": "別の手順へ", "left": "返事がないまま終了"}


@dataclass(frozen=True)
class Names:
    """Looks names up, falling back to the id for anything knowledge/ no longer has."""

    topics: Dict[str, str] = field(default_factory=dict)
    guides: Dict[str, str] = field(default_factory=dict)
    steps: Dict[Tuple[str, str], str] = field(default_factory=dict)
    reasons: Dict[str, str] = field(default_factory=dict)
    entries: Dict[str, str] = field(default_factory=dict)  # "topic/entry" → 「話題：回答の見出し」

    def topic(self, topic_id: Optional[str]) -> str:
        if not topic_id or topic_id == "(none)":
            return "（話題なし）"
        return self.topics.get(topic_id, topic_id)

    def entry(self, key: str) -> str:
        return self.entries.get(key, key)

    def guide(self, guide_id: str) -> str:
        return self.guides.get(guide_id, guide_id)

    def step(self, guide_id: str, step_id: str, position: int = 0) -> str:
        """「手順3（カードを読み取る…）」: the number the resident saw and the step's first words."""
        words = self.steps.get((guide_id, step_id), step_id)
        return f"手順{position}（{words}）" if position else f"手順（{words}）"

    def reason(self, reason: Optional[str]) -> str:
        return self.reasons.get(reason or "", reason or "（不明）")

    @staticmethod
    def channel(channel: Optional[str]) -> str:
        return CHANNEL_LABELS.get(channel or "", channel or "（不明）")

    @staticmethod
    def abandon_reason(reason: str) -> str:
        return ABANDON_REASONS.get(reason, reason)


def _short(text: str) -> str:
    first = text.split("。")[0].strip()
    return first if len(first) <= STEP_LABEL_CHARS else first[:STEP_LABEL_CHARS] + "…"


def load_names(knowledge_dir: Path) -> Names:
    """Names from the knowledge folder (topics' titles, guides' titles and their steps' first sentence)."""
    from assistant.handoff.profile import load_handoff_profile
    from assistant.knowledge import load_knowledge

    knowledge = load_knowledge(Path(knowledge_dir))
    steps = {(g.id, s.id): _short(s.text) for g in knowledge.guides.values() for s in g.steps}
    return Names(topics={t.id: t.title for t in knowledge.topics.values()},
                 guides={g.id: g.title for g in knowledge.guides.values()}, steps=steps,
                 reasons=load_handoff_profile(Path(knowledge_dir)).reasons,
                 entries={f"{t.id}/{e.id}": f"{t.title}：{e.label}" for t in knowledge.topics.values() for e in t.entries})
