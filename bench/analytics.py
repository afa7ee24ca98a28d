"""Benchmark: every analytics measure over a month of 100,000 synthetic conversations, and the collector's speed."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from assistant.analytics.collect import collect  # noqa: E402
from assistant.analytics.measures import all_measures  # noqa: E402
from assistant.analytics.names import load_names  # noqa: E402
from assistant.analytics.period import Period, day_and_hour  # noqa: E402
from assistant.analytics.report import ReportInput, render  # noqa: E402
from assistant.knowledge import load_knowledge  # noqa: E402
from assistant.knowledge.office_hours import JST  # noqa: E402
from assistant.storage.db import make_engine, migrate  # noqa: E402
from assistant.storage.models import (  # noqa: E402
    AnalyticsConversation, AnalyticsGuideEvent, AnalyticsHandoff, AnalyticsMessage, AnalyticsTopic,
)

MONTH = "2026-10"
KEY = "bench-key"
CHANNELS = (("rest", 0.55), ("kiosk", 0.30), ("telegram", 0.15))
HOURS = [0.2] * 7 + [1, 3, 8, 9, 8, 6, 7, 8, 7, 5, 3, 2, 2, 1.5, 1, 0.6, 0.3]
# Wordings of unanswered questions: themes × ways of asking, plus one-off questions.
THEMES = ["住民票をコンビニで取りたい", "年金の手続き", "ごみの出し方", "パスポートの申請", "印鑑登録をしたい",
          "児童手当の振込日", "国民健康保険の保険料", "転入届の書き方", "犬の登録", "税金の支払い方法",
          "駐車場の場所", "戸籍謄本の取り方", "介護保険の申請", "選挙の投票所", "粗大ごみの申込み"]
ENDINGS = ["", "はどうすればいい？", "について教えて", "を知りたいです", "はどこでできますか", "のやり方", "わからない", "したいんだけど"]
ONE_OFF = "きのうの天気 バスの時刻 図書館の本 公園の予約 水道の料金 道路の穴 市長への意見 花火大会 ワクチン 引越しの手伝い".split()


def pick(rng: random.Random, weighted) -> Any:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


class Month:
    """Synthetic analytics rows for one month, as the collector would have written them."""

    def __init__(self, conversations: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        knowledge = load_knowledge(ROOT / "knowledge")
        self.topics = [t for t in knowledge.topics if t not in ("greeting", "goodbye")]
        self.guides = [(g.id, g.topics[0], [s.id for s in g.steps][:8]) for g in knowledge.guides.values()]
        # Some steps are hard: a fixed stuck chance per (guide, step).
        self.hard = {(g, s): self.rng.choice((0.02, 0.05, 0.1, 0.1, 0.25, 0.45))
                     for g, _, steps in self.guides for s in steps}
        self.count = conversations
        self.rows: Dict[str, List[Dict[str, Any]]] = {"conversations": [], "messages": [], "topics": [],
                                                       "guide_events": [], "handoffs": []}
        self.event_id = 0

    def _event(self) -> int:
        self.event_id += 1
        return self.event_id

    def question(self) -> str:
        if self.rng.random() < 0.15:
            return self.rng.choice(ONE_OFF) + self.rng.choice(ENDINGS)
        return self.rng.choice(THEMES) + self.rng.choice(ENDINGS)

    def build(self) -> "Month":
        period = Period.month(MONTH)
        days = list(period.days())
        for cid in range(1, self.count + 1):
            start = dt.datetime.combine(self.rng.choice(days), dt.time(), JST) + dt.timedelta(
                hours=self.rng.choices(range(24), HOURS)[0], minutes=self.rng.randrange(60), seconds=self.rng.randrange(60))
            self.conversation(cid, utc(start))
        return self

    def conversation(self, cid: int, at: dt.datetime) -> None:
        rng, channel = self.rng, pick(self.rng, CHANNELS)
        resident = f"{rng.getrandbits(256):064x}"
        messages = rng.choices((1, 2, 3, 4, 5, 6, 8, 12), (10, 20, 20, 15, 12, 10, 8, 5))[0]
        offered = False
        for n in range(messages):
            when = at + dt.timedelta(seconds=30 * n)
            typed = channel != "kiosk" and rng.random() < 0.7
            fallback = typed and rng.random() < 0.09
            out_of_scope = typed and not fallback and rng.random() < 0.02
            intent = "nlu_fallback" if fallback else "out_of_scope" if out_of_scope else rng.choice(self.topics)
            day, hour = day_and_hour(when)
            self.rows["messages"].append(dict(
                source="tracker", event_id=self._event(), conversation_id=cid, at=when, local_date=day, local_hour=hour,
                channel=channel, intent=intent, confidence=rng.random(), typed=typed, fallback=fallback,
                out_of_scope=out_of_scope, text=self.question() if fallback else None))
        for topic in rng.sample(self.topics, rng.choice((1, 1, 1, 2, 2, 3))):
            self.rows["topics"].append(dict(source="tracker", event_id=self._event(), conversation_id=cid, at=at,
                                            topic=topic))
        handoff = None
        if rng.random() < 0.25:
            handoff = self.guide_run(cid, at, channel)
        if handoff is None and rng.random() < 0.06:
            handoff = ("kiosk_call" if channel == "kiosk" else "asked", rng.choice(self.topics), None)
        if handoff is None and rng.random() < 0.01:
            offered = True
        if handoff is not None:
            self.handoff(cid, resident, at + dt.timedelta(minutes=3), channel, *handoff)
        day, hour = day_and_hour(at)
        self.rows["conversations"].append(dict(
            id=cid, source="tracker", first_event_id=self._event(), resident=resident, channel=channel, started_at=at,
            last_at=at + dt.timedelta(seconds=30 * messages), local_date=day, local_hour=hour, messages=messages,
            handoff_offered=offered, awaiting_phone=False))

    def guide_run(self, cid: int, at: dt.datetime, channel: str):
        """Events of one run through a guide; returns a handoff (reason, topic, guide) when it ended in one."""
        rng = self.rng
        guide, topic, steps = rng.choice(self.guides)
        events = [("guide_started", None, None, None, None)]
        outcome = None
        for position, step in enumerate(steps, start=1):
            events.append(("step_shown", step, position, None, None))
            if rng.random() < self.hard[(guide, step)]:
                events.append(("step_stuck", step, None, 1, None))
                fate = rng.random()
                if fate < 0.25:
                    events += [("step_stuck", step, None, 2, None), ("guide_abandoned", step, None, None, "handoff")]
                    outcome = ("guide_stuck", topic, guide)
                    break
                if fate < 0.45:
                    events.append(("guide_abandoned", step, None, None, "stop"))
                    break
                if fate < 0.55:
                    break  # left without a word
            elif rng.random() < 0.03:
                break
            events.append(("step_done", step, None, None, None))
        else:
            events.append(("guide_completed", None, None, None, None))
        for n, (kind, step, position, times, reason) in enumerate(events):
            self.rows["guide_events"].append(dict(
                source="tracker", event_id=self._event(), conversation_id=cid, at=at + dt.timedelta(seconds=20 * n),
                kind=kind, guide=guide, step=step, position=position, total=len(steps), times=times, reason=reason,
                channel=channel))
        return outcome

    def handoff(self, cid: int, resident: str, at: dt.datetime, channel: str, reason: str, topic: str, guide) -> None:
        rng = self.rng
        status = rng.choices(("resolved", "called_back", "cancelled"), (85, 10, 5))[0]
        satisfaction = rng.choices((None, 1, 2, 3, 4, 5), (55, 3, 4, 10, 15, 13))[0] if status == "resolved" else None
        self.rows["handoffs"].append(dict(
            handoff_id=len(self.rows["handoffs"]) + 1, conversation_id=cid, resident=resident, channel=channel,
            kiosk_id=str(rng.randint(1, 4)) if channel == "kiosk" else None, reason=reason, topic=topic, guide=guide,
            guide_step=None, status=status, outcome="answered", satisfaction=satisfaction, created_at=at,
            resolved_at=at + dt.timedelta(minutes=12), local_date=day_and_hour(at)[0], source_updated_at=at))

    def insert(self, engine: sa.engine.Engine) -> Dict[str, int]:
        tables = {"conversations": AnalyticsConversation, "messages": AnalyticsMessage, "topics": AnalyticsTopic,
                  "guide_events": AnalyticsGuideEvent, "handoffs": AnalyticsHandoff}
        with engine.begin() as conn:
            for name, model in tables.items():
                rows = self.rows[name]
                for i in range(0, len(rows), 20000):
                    conn.execute(sa.insert(model.__table__), rows[i:i + 20000])
        return {name: len(rows) for name, rows in self.rows.items()}


def tracker_rows(conversations: int, seed: int = 11) -> List[Dict[str, Any]]:
    """Rasa tracker-store rows (every event type the store holds), a few turns per conversation, last week."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

    rng = random.Random(seed)
    rows = []
    base = time.time() - 7 * 86400
    for i in range(conversations):
        sender = f"bench-{i}"
        t = base + rng.randrange(6 * 86400)
        channel = pick(rng, CHANNELS)
        events = [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t + 0.01),
                  ActionExecuted("action_listen", timestamp=t + 0.02)]
        for turn in range(rng.choice((1, 2, 3, 4))):
            t += 20
            fallback = rng.random() < 0.1
            parsed = {"name": "nlu_fallback" if fallback else "fees", "confidence": 0.9}
            events += [UserUttered("手数料はいくら" if not fallback else "年金のこと", intent=parsed, input_channel=channel,
                                   parse_data={"intent": parsed, "entities": [], "intent_ranking": [parsed]}, timestamp=t),
                       ActionExecuted("action_respond", timestamp=t + 0.1),
                       SlotSet("last_topic", "fees", timestamp=t + 0.2),
                       SlotSet("guide_event", {"type": "step_shown", "guide": "pin_reset", "step": "desk_reserve",
                                               "channel": channel, "index": 1, "total": 6}, timestamp=t + 0.3),
                       BotUttered("手数料は…", timestamp=t + 0.4), ActionExecuted("action_listen", timestamp=t + 0.5)]
        for event in events:
            data = event.as_dict()
            rows.append({"sender_id": sender, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                         "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                         "action_name": data.get("name"), "data": json.dumps(data)})
    return rows


def bench_measures(folder: Path, conversations: int) -> Tuple[float, float, Dict[str, int]]:
    url = f"sqlite:///{folder / 'analytics.db'}"
    migrate(url)
    engine = make_engine(url)
    t0 = time.perf_counter()
    sizes = Month(conversations).build().insert(engine)
    generated = time.perf_counter() - t0
    period = Period.month(MONTH)
    with engine.connect() as conn:
        t0 = time.perf_counter()
        measures = all_measures(conn, period, now=dt.datetime(2026, 11, 2))
        seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = render(ReportInput(measures, load_names(ROOT / "knowledge")))
    rendering = time.perf_counter() - t0
    engine.dispose()
    assert measures.totals.conversations == conversations, measures.totals
    sizes["report_bytes"] = len(html.encode("utf-8"))
    print(f"generated {sizes} in {generated:.1f} s")
    return seconds, rendering, sizes


def bench_collector(folder: Path, conversations: int) -> Tuple[int, int, float]:
    from rasa.core.tracker_store import SQLTrackerStore

    tracker_url = f"sqlite:///{folder / 'tracker.db'}"
    engine = sa.create_engine(tracker_url, future=True)
    SQLTrackerStore.Base.metadata.create_all(engine)
    rows = tracker_rows(conversations)
    with engine.begin() as conn:
        conn.execute(SQLTrackerStore.SQLEvent.__table__.insert(), rows)
    engine.dispose()
    database_url = f"sqlite:///{folder / 'collected.db'}"
    migrate(database_url)
    t0 = time.perf_counter()
    result = collect(tracker_url, database_url, KEY, upgrade=False)
    seconds = time.perf_counter() - t0
    assert result.conversations == conversations, result
    print(result.summary())
    return len(rows), result.events, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--tracker-conversations", type=int, default=10_000)
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    with tempfile.TemporaryDirectory() as tmp:
        seconds, rendering, sizes = bench_measures(Path(tmp), args.conversations)
        events, read, collecting = bench_collector(Path(tmp), args.tracker_conversations)
    print(f"machine: {machine}")
    print(f"all measures over {args.conversations:,} conversations ({sizes['messages']:,} messages, "
          f"{sizes['guide_events']:,} guide events, {sizes['handoffs']:,} handoffs): {seconds:.2f} s "
          f"(target under 10 s); report rendering {rendering:.2f} s")
    print(f"collector: {events:,} tracker events ({read:,} of them read: messages, session starts, tracked slots) in "
          f"{collecting:.2f} s = {1e6 * collecting / events:.1f} ms per 1,000 events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
