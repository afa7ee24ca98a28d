"""Guide funnels: runs of residents through a guide, and what each step saw of them."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from assistant.analytics.figures import Rate

@dataclass
class StepFunnel:
    """One step of a guide: in how many runs of the guide it was shown, done, stuck on, left."""

    guide: str
    step: str
    position: int = 0  # the lowest 1-based number the step had on screen (it depends on the answers)
    reached: int = 0  # runs in which the step was shown
    done: int = 0  # runs in which the resident answered 「できた」 on it
    stuck: int = 0  # runs with at least one 「わからない」 on it
    abandoned: int = 0  # runs that ended here without being completed

    @property
    def stuck_rate(self) -> Rate:
        return Rate(self.stuck, self.reached)


@dataclass
class GuideFunnel:
    """One guide: runs started, completed, abandoned (and why), and its steps in order."""

    guide: str
    started: int = 0
    completed: int = 0
    abandoned: int = 0
    in_progress: int = 0
    abandoned_before_steps: int = 0  # during the branch questions, before any step
    reasons: Counter = field(default_factory=Counter)  # stop, handoff, replaced, left
    steps: Dict[str, StepFunnel] = field(default_factory=dict)

    def ordered_steps(self) -> List[StepFunnel]:
        return sorted(self.steps.values(), key=lambda s: (s.position or 999, s.step))


class GuideRun:
    """One pass of a resident through a guide, while its events are read."""

    def __init__(self, conversation: int, guide: str) -> None:
        self.conversation, self.guide = conversation, guide
        self.shown: Dict[str, Optional[int]] = {}  # step -> lowest position shown
        self.done: set = set()
        self.stuck: set = set()
        self.last_step: Optional[str] = None

    def see(self, kind: str, step: str, position: Optional[int]) -> None:
        if kind == "step_shown":
            known = [p for p in (self.shown.get(step), position) if p]
            self.shown[step] = min(known) if known else None
        elif kind == "step_done":
            self.done.add(step)
        elif kind == "step_stuck":
            self.stuck.add(step)
        self.last_step = step

    def close(self, funnels: Dict[str, GuideFunnel], completed: bool, step: Optional[str] = None,
              reason: Optional[str] = None) -> None:
        """Adds the run to its guide's funnel: completed, abandoned at `step` for `reason`, or (no reason) in progress."""
        funnel = funnels.setdefault(self.guide, GuideFunnel(self.guide))
        funnel.started += 1
        for name in set(self.shown) | self.done | self.stuck:
            counted = funnel.steps.setdefault(name, StepFunnel(self.guide, name))
            position = self.shown.get(name)
            if position and (not counted.position or position < counted.position):
                counted.position = position
            counted.reached += name in self.shown
            counted.done += name in self.done
            counted.stuck += name in self.stuck
        if completed:
            funnel.completed += 1
        elif reason is None:
            funnel.in_progress += 1
        else:
            funnel.abandoned += 1
            funnel.reasons[reason] += 1
            if step:
                funnel.steps.setdefault(step, StepFunnel(self.guide, step)).abandoned += 1
            else:
                funnel.abandoned_before_steps += 1
