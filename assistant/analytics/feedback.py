"""Residents' 「役に立った」「役に立たなかった」 under an answer: the buttons, storing a tap, and the counts per entry."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Dict, List, Optional

import sqlalchemy as sa

from assistant.analytics.period import Period, day_and_hour
from assistant.storage.models import AnswerFeedback, utcnow

# The trained model's domain has one button-only feedback intent (handoff_feedback, with the entities
# `answer` and `subtopic`): an answer's feedback rides on it, so no retraining is needed for these buttons.
FEEDBACK_INTENT = "handoff_feedback"
HELPFUL, UNHELPFUL = "helpful", "unhelpful"
TITLES = {HELPFUL: "役に立った", UNHELPFUL: "役に立たなかった"}


def buttons(entry_key: str) -> List[Dict[str, str]]:
    """The two buttons under an answer; the payload names the answer's entry, so an old button counts for its own."""
    return [{"title": TITLES[value], "payload": "/%s%s" % (FEEDBACK_INTENT, json.dumps(
        {"answer": value, "subtopic": entry_key}, ensure_ascii=False, separators=(",", ":")))}
        for value in (HELPFUL, UNHELPFUL)]


def is_answer_feedback(answer: Optional[str]) -> bool:
    return answer in TITLES


def record(engine: sa.engine.Engine, entry_key: str, helpful: bool, channel: Optional[str],
           now: Optional[dt.datetime] = None) -> None:
    """Stores one tap (no conversation id, no text: nothing about the resident)."""
    now = now or utcnow()
    with engine.begin() as conn:
        conn.execute(sa.insert(AnswerFeedback.__table__).values(
            entry=entry_key[:130], helpful=helpful, channel=(channel or "")[:16] or None, at=now,
            local_date=day_and_hour(now)[0]))


@dataclass(frozen=True)
class EntryFeedback:
    entry: str
    helpful: int
    unhelpful: int


def per_entry(conn: sa.engine.Connection, period: Optional[Period] = None) -> List[EntryFeedback]:
    """Taps per entry (days in Japan time), the most 「役に立たなかった」 first."""
    table = AnswerFeedback.__table__
    helpful = sa.func.sum(sa.case((table.c.helpful == sa.true(), 1), else_=0))
    unhelpful = sa.func.sum(sa.case((table.c.helpful == sa.false(), 1), else_=0))
    query = sa.select(table.c.entry, helpful, unhelpful).group_by(table.c.entry)
    if period is not None:
        query = query.where(table.c.local_date.between(period.start, period.end))
    rows = [EntryFeedback(entry, int(h or 0), int(u or 0)) for entry, h, u in conn.execute(query)]
    return sorted(rows, key=lambda r: (-r.unhelpful, -r.helpful, r.entry))


def format_counts(rows: List[EntryFeedback], period: Optional[Period] = None) -> str:
    """The counts as `madoguchi analytics feedback` prints them."""
    when = f"{period.start}〜{period.end}" if period else "全期間"
    if not rows:
        return f"回答への評価（{when}）：まだありません。"
    lines = [f"回答への評価（{when}）：役に立った / 役に立たなかった"]
    lines += [f"{r.entry}\t{r.helpful}\t{r.unhelpful}" for r in rows]
    return "\n".join(lines)
