"""Understanding as a resident judges it: did the reply answer this message's entry? With a char TF-IDF baseline."""
from __future__ import annotations

import csv
import json
import re
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
INDEPENDENT = ROOT / "tests" / "data" / "independent"
OLD_TEST = ROOT / "tests" / "data" / "nlu_test.yml"
VAGUE = "unclear_need_clarification/ask_need"
_BUTTON_ENTRY = re.compile(r'^/([a-z_]+)\{"subtopic":"([a-z0-9_]+)"\}$')


@dataclass(frozen=True)
class Case:
    """One message of an evaluation set with the entries that answer it."""

    text: str
    expected: Tuple[str, ...]
    kind: str = "clear"
    persona: str = ""

    @property
    def topics(self) -> Tuple[str, ...]:
        return tuple(e.split("/", 1)[0] for e in self.expected)


def independent_cases(folder: Path = INDEPENDENT) -> List[Case]:
    cases = []
    for path in sorted(folder.glob("*.tsv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                text = row["text"].replace("\\n", "\n")
                cases.append(Case(text, tuple(row["expected"].split("|")), row["kind"], row["persona"]))
    return cases


def follow_up_cases(path: Path = ROOT / "tests" / "data" / "follow_ups" / "follow_ups.tsv") -> List[Tuple[str, Case]]:
    """(first message, the follow-up as a case): the follow-up is judged on the reply to it, in the same conversation."""
    pairs = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            pairs.append((row["first"], Case(row["followup"], tuple(row["expected"].split("|")), row["kind"], row["persona"])))
    return pairs


def topic_cases(path: Path = OLD_TEST) -> List[Case]:
    """The older held-out file: topic labels only (its entry is any entry of the topic)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for block in data.get("nlu", []):
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                cases.append(Case(line.strip()[2:].strip(), (block["intent"] + "/*",)))
    return cases


def training_examples(folder: Path = ROOT / "nlu_data") -> List[Tuple[str, str]]:
    """(text, label) of every training example; label is `topic/entry` or a bare intent."""
    pairs = []
    for path in sorted(folder.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) or []:
            if "intent" in block and "examples" in block:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        pairs.append((line.strip()[2:].strip(), block["intent"]))
    return pairs


@dataclass
class Outcome:
    """What the assistant did with one message."""

    topic: Optional[str]
    entry: Optional[str]  # topic/entry answered, None for a question back or "did you mean"
    asked_back: bool
    offered: Tuple[str, ...] = ()  # entries offered as buttons
    handoff: bool = False
    fallback: bool = False  # "I could not read that" (nlu_fallback), not a question back within a topic


@dataclass
class Scores:
    """Figures over one set."""

    n: int = 0
    entry_hits: int = 0
    topic_hits: int = 0
    clear: int = 0
    clear_fallback: int = 0
    nearmiss: int = 0
    nearmiss_high_stakes: int = 0
    multi: int = 0
    multi_both: int = 0
    confusions: Counter = field(default_factory=Counter)
    truth: List[str] = field(default_factory=list)
    predicted: List[str] = field(default_factory=list)

    @property
    def entry_accuracy(self) -> float:
        return self.entry_hits / self.n if self.n else 0.0

    @property
    def topic_accuracy(self) -> float:
        return self.topic_hits / self.n if self.n else 0.0

    def macro_f1(self) -> float:
        from sklearn.metrics import f1_score

        return float(f1_score(self.truth, self.predicted, labels=sorted(set(self.truth)), average="macro", zero_division=0))


def matches(expected: str, got: Optional[str]) -> bool:
    if got is None:
        return False
    if expected.endswith("/*"):
        return got.split("/", 1)[0] == expected[:-2]
    return got == expected


def judge(cases: Sequence[Case], outcomes: Sequence[Outcome], high_stakes: Iterable[str]) -> Scores:
    """A resident's verdict per message: the reply's entry is an expected one (a question back counts
    only for a vague message); the topic is one of the expected topics."""
    high = set(high_stakes)
    s = Scores()
    for case, out in zip(cases, outcomes):
        s.n += 1
        vague_ok = case.kind == "vague" and (out.asked_back or out.entry == VAGUE)
        hit = vague_ok or any(matches(e, out.entry) for e in case.expected)
        s.entry_hits += hit
        s.topic_hits += vague_ok or (out.topic in case.topics and not (out.asked_back and case.kind != "vague"))
        s.truth.append(case.expected[0])
        s.predicted.append(next((e for e in case.expected if matches(e, out.entry)), out.entry or "(asked back)"))
        if not hit:
            s.confusions[(case.expected[0], out.entry or f"(asked back: {out.topic})")] += 1
        if case.kind == "clear":
            s.clear += 1
            s.clear_fallback += out.fallback
        if case.kind == "nearmiss":
            s.nearmiss += 1
            s.nearmiss_high_stakes += bool(out.handoff or (out.entry in high and out.entry not in case.expected))
        if case.kind == "multi" and len(set(case.expected)) > 1:
            s.multi += 1
            seen = {out.entry, *out.offered}
            s.multi_both += sum(1 for e in set(case.expected) if e in seen) >= 2
    return s


class Assistant:
    """A running stack reached over REST: each message in a new conversation, its outcome read from the tracker."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def _call(self, path: str, body: Optional[dict] = None):
        """A GET, or a POST as a trusted integrator (the API token: it names its own sender ids)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read().decode())

    def outcome(self, sender: str, text: str) -> Outcome:
        replies = self._call("/webhooks/rest/webhook", {"sender": sender, "message": text})
        tracker = self._call(f"/conversations/{sender}/tracker?token={self.token}")
        slots = tracker.get("slots") or {}
        topic, entry = slots.get("last_topic"), slots.get("last_entry")
        offered = []
        for reply in replies:
            for button in reply.get("buttons") or []:
                m = _BUTTON_ENTRY.match(button.get("payload") or "")
                if m:
                    offered.append(f"{m.group(1)}/{m.group(2)}")
        # A handoff opened (the reply carries its id) or, out of hours, a callback offered for one.
        handoff = any("handoff" in (r.get("custom") or {}) for r in replies) or str(
            slots.get("handoff_stage") or "").startswith("offered:")
        fallback = float(slots.get("fallback_count") or 0) >= 1
        return Outcome(topic, f"{topic}/{entry}" if topic and entry else None, entry is None, tuple(offered), handoff, fallback)


def baseline(train: List[Tuple[str, str]], cases: Sequence[Case]) -> List[Outcome]:
    """What a city might build instead: char TF-IDF (1-3) nearest neighbour by cosine. The topic is the
    nearest training example's; the entry is the nearest `topic/entry`-labelled example's."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import KNeighborsClassifier

    def nearest(pairs: List[Tuple[str, str]]) -> List[str]:
        texts, labels = zip(*pairs)
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        knn = KNeighborsClassifier(n_neighbors=1, metric="cosine").fit(vectorizer.fit_transform(texts), labels)
        return list(knn.predict(vectorizer.transform([c.text for c in cases])))

    topics = [label.split("/", 1)[0] for label in nearest(train)]
    entries = nearest([(t, l) for t, l in train if "/" in l])
    return [Outcome(topic, entry, False, fallback=topic == "nlu_fallback") for topic, entry in zip(topics, entries)]


def report(name: str, s: Scores, base: Optional[Scores] = None) -> List[str]:
    def row(label: str, a: Scores) -> str:
        return (f"{label:34}{a.entry_accuracy:>9.3f}{a.topic_accuracy:>9.3f}{a.macro_f1():>10.3f}"
                f"{(a.clear_fallback / a.clear if a.clear else 0):>10.3f}")
    lines = [f"{name} ({s.n} messages)", f"{'':34}{'entry':>9}{'topic':>9}{'macro-F1':>10}{'fallback':>10}",
             row("assistant", s)]
    if base is not None:
        lines.append(row("baseline: char TF-IDF 1-NN", base))
        if base.entry_accuracy:
            lines.append(f"entry accuracy vs baseline: {s.entry_accuracy / base.entry_accuracy:.2f}x")
    if s.nearmiss:
        lines.append(f"near-miss messages given a high-stakes reply: {s.nearmiss_high_stakes} of {s.nearmiss}")
    if s.multi:
        lines.append(f"two-part messages with both parts answered or offered: {s.multi_both} of {s.multi}")
    return lines
