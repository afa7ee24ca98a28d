"""The gate a candidate model passes before it goes live: the frozen independent set scored on the live model and
the candidate side by side (entry accuracy may drop by at most MADOGUCHI_RETRAIN_MAX_DROP points), then every
understanding test (tests/nlu/test_understanding.py) against the candidate. Both run in a private stack of their own,
so residents' conversations, the live tracker store and the analytics never see the evaluation."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from assistant.settings import PROJECT_ROOT

UNDERSTANDING_TESTS = "tests/nlu/test_understanding.py"


@dataclass(frozen=True)
class Figures:
    """One model's figures on the independent set."""

    n: int
    entry_accuracy: float
    topic_accuracy: float
    nearmiss_high_stakes: int
    nearmiss: int


@dataclass
class Verdict:
    """The gate's decision with its reasons and the figures it compared."""

    live: Figures
    candidate: Figures
    max_drop_points: float
    understanding: Optional[str] = None  # None: not run; "" passed; else pytest's summary of the failures
    reasons: List[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons

    def table(self) -> str:
        rows = [("", "live", "candidate"),
                ("entry accuracy", f"{self.live.entry_accuracy:.3f}", f"{self.candidate.entry_accuracy:.3f}"),
                ("topic accuracy", f"{self.live.topic_accuracy:.3f}", f"{self.candidate.topic_accuracy:.3f}"),
                ("near-miss given a high-stakes reply", f"{self.live.nearmiss_high_stakes} of {self.live.nearmiss}",
                 f"{self.candidate.nearmiss_high_stakes} of {self.candidate.nearmiss}"),
                ("understanding tests", "-", {None: "not run", "": "passed"}.get(self.understanding, "FAILED"))]
        head = f"independent set ({self.live.n} messages), allowed entry-accuracy drop {self.max_drop_points:.1f} points"
        return "\n".join([head] + [f"  {a:38}{b:>12}{c:>12}" for a, b, c in rows])


def _figures(stack_url: str, token: str, cases, high_stakes: Sequence[str], label: str) -> Figures:
    from bench.understanding import Assistant, judge

    client = Assistant(stack_url, token)
    outcomes = [client.outcome(f"gate-{label}-{i}", case.text) for i, case in enumerate(cases)]
    s = judge(cases, outcomes, high_stakes)
    return Figures(s.n, s.entry_accuracy, s.topic_accuracy, s.nearmiss_high_stakes, s.nearmiss)


def repeats_evaluation(data: Path) -> List[str]:
    """Training examples of `data` that are messages of the frozen evaluation set (spacing and width aside):
    trained on, they would make the gate's figures meaningless."""
    import re
    import unicodedata

    from bench.understanding import independent_cases, training_examples

    def norm(text: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()

    held = {norm(c.text) for c in independent_cases()}
    return sorted({text for text, _ in training_examples(data) if norm(text) in held})


def run_understanding_tests(url: str, token: str, tests: str = UNDERSTANDING_TESTS) -> str:
    """The understanding tests against the server at url: "" when they pass, else pytest's short summary."""
    env = dict(os.environ, MADOGUCHI_TEST_SERVER=url, MADOGUCHI_API_TOKEN=token)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", tests, "-rf"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if proc.returncode == 0:
        return ""
    lines = [l for l in proc.stdout.splitlines() if l.startswith(("FAILED", "ERROR"))] or proc.stdout.splitlines()[-5:]
    return "\n".join(lines) or f"pytest exited with {proc.returncode}"


def evaluate(live: Path, candidate: Path, max_drop_points: float, swap: Callable[[str, str, Path], None],
             sample: int = 1, understanding: str = UNDERSTANDING_TESTS, log: Callable[[str], None] = print) -> Verdict:
    """Scores live then candidate in one private stack (the candidate put in by `swap(url, token, path)`, as on the
    real servers); the understanding tests run only when accuracy holds. sample=N scores every Nth message (tests)."""
    from assistant.knowledge import load_knowledge
    from assistant.launcher import Stack
    from assistant.knowledge.always_open import always_open_knowledge
    from assistant.server.ports import free_port
    from bench.understanding import independent_cases

    cases = independent_cases()[::sample]
    with tempfile.TemporaryDirectory(prefix="madoguchi-gate-") as tmp:
        folder = Path(tmp)
        knowledge = always_open_knowledge(folder)  # the understanding tests' desk hours: never closed
        high_stakes = [f"{t.id}/{e.id}" for t in load_knowledge(knowledge).topics.values() for e in t.entries if e.handoff]
        stack = Stack(model=live, data_dir=folder / "data", rasa_port=free_port(), action_port=free_port(),
                      console_port=free_port(), log_dir=folder / "logs",
                      extra_env={"MADOGUCHI_KNOWLEDGE_DIR": str(knowledge), "MADOGUCHI_NLU_WORKERS": "0",
                                 "MADOGUCHI_RATE_PER_IP": "0", "MADOGUCHI_RATE_PER_SENDER": "0"})
        stack.start(timeout=300)
        try:
            token = stack.token
            log(f"gate: scoring the live model on {len(cases)} messages of the independent set ...")
            before = _figures(stack.url, token, cases, high_stakes, "live")
            swap(stack.url, token, candidate)
            log("gate: scoring the candidate ...")
            after = _figures(stack.url, token, cases, high_stakes, "candidate")
            verdict = Verdict(before, after, max_drop_points)
            drop = (before.entry_accuracy - after.entry_accuracy) * 100
            if drop > max_drop_points + 1e-9:
                verdict.reasons.append(f"entry accuracy drops by {drop:.2f} points "
                                       f"({before.entry_accuracy:.3f} -> {after.entry_accuracy:.3f}; "
                                       f"at most {max_drop_points:.1f} allowed)")
                return verdict
            log("gate: running the understanding tests against the candidate ...")
            verdict.understanding = run_understanding_tests(stack.url, token, understanding)
            if verdict.understanding:
                verdict.reasons.append("understanding tests fail on the candidate:\n" + verdict.understanding)
            return verdict
        finally:
            stack.stop()
