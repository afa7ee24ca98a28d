"""The measures of the analytics tables, each defined once, over a period of days in Japan time."""

# A conversation of the period is a session of the tracker store with at least one resident message that
# started on one of the period's days. Numbers here are exact; the report hides small groups (disclosure.py).
# Longer than 300 lines on purpose: every measure is defined in this one file (docs/analytics.md#measures).
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import sqlalchemy as sa

from assistant.analytics.disclosure import SMALL_GROUP
from assistant.analytics.feedback import EntryFeedback, per_entry
from assistant.analytics.figures import Activity, Rate
from assistant.analytics.funnels import GuideFunnel, GuideRun, StepFunnel
from assistant.analytics.period import Period, week_of
from assistant.channels.common import CHANNELS
from assistant.analytics.themes import Theme, group_questions
from assistant.storage.models import (
    AnalyticsConversation, AnalyticsGuideEvent, AnalyticsHandoff, AnalyticsMessage, AnalyticsTopic, utcnow,
)

SATISFACTION_SCORES = (1, 2, 3, 4, 5)
# A guide run whose conversation has been silent this long (the session expiry) was left: abandoned at its last step.
GUIDE_IDLE = dt.timedelta(minutes=60)
NO_TOPIC = "(none)"
# Topics that are not procedures: greetings, the request for a person itself, vague or unrelated questions.
NOT_PROCEDURES = frozenset({"greeting", "goodbye", "human_help_request", "unclear_need_clarification", "out_of_scope"})

_C = AnalyticsConversation.__table__
_M = AnalyticsMessage.__table__
_T = AnalyticsTopic.__table__
_G = AnalyticsGuideEvent.__table__
_H = AnalyticsHandoff.__table__


@dataclass(frozen=True)
class Satisfaction:
    """The 1-5 answers after handoffs: how many of each, how many answered of those asked, the mean."""

    distribution: Dict[int, int]
    rated: int
    asked: int  # handoffs resolved in the chat (the question is sent with the closing message)

    @property
    def mean(self) -> Optional[float]:
        return sum(k * v for k, v in self.distribution.items()) / self.rated if self.rated else None


def _in_period(period: Period):
    """Conversations of the period: started on one of its days, with at least one resident message."""
    return sa.and_(_C.c.local_date >= period.start, _C.c.local_date <= period.end, _C.c.messages > 0)


def _handed_over():
    """The conversation has a handoff record."""
    return sa.exists().where(_H.c.conversation_id == _C.c.id)


def _handoffs_in(period: Period):
    return sa.and_(_H.c.local_date >= period.start, _H.c.local_date <= period.end)


def _count_if(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


# --- volume ----------------------------------------------------------------------------------
def daily_activity(conn, period: Period) -> Dict[dt.date, Activity]:
    """For every day of the period: conversations started that day, and resident messages sent that day
    (typed or button presses)."""
    result = {day: Activity() for day in period.days()}
    conversations = conn.execute(sa.select(_C.c.local_date, sa.func.count()).where(_in_period(period))
                                 .group_by(_C.c.local_date)).all()
    messages = conn.execute(sa.select(_M.c.local_date, sa.func.count())
                            .where(_M.c.local_date >= period.start, _M.c.local_date <= period.end)
                            .group_by(_M.c.local_date)).all()
    for day, n in conversations:
        result[day] += Activity(conversations=n)
    for day, n in messages:
        result[day] += Activity(messages=n)
    return result


def weekly_activity(conn, period: Period) -> Dict[dt.date, Activity]:
    """daily_activity summed by week (Monday to Sunday, keyed by its Monday); only the period's days count."""
    result: Dict[dt.date, Activity] = {}
    for day, activity in daily_activity(conn, period).items():
        result[week_of(day)] = result.get(week_of(day), Activity()) + activity
    return result


def channel_split(conn, period: Period) -> Dict[str, Activity]:
    """Per channel (rest, kiosk, telegram, then any other): conversations started (by the channel of their
    first message) and resident messages sent in the period."""
    result = {channel: Activity() for channel in CHANNELS}
    conversations = conn.execute(sa.select(_C.c.channel, sa.func.count()).where(_in_period(period))
                                 .group_by(_C.c.channel)).all()
    messages = conn.execute(sa.select(_M.c.channel, sa.func.count())
                            .where(_M.c.local_date >= period.start, _M.c.local_date <= period.end)
                            .group_by(_M.c.channel)).all()
    for channel, n in conversations:
        result[channel or "other"] = result.get(channel or "other", Activity()) + Activity(conversations=n)
    for channel, n in messages:
        result[channel or "other"] = result.get(channel or "other", Activity()) + Activity(messages=n)
    return result


def heat_map(conn, period: Period) -> List[List[int]]:
    """Conversations started, by weekday (0 = Monday) and hour of the day, in Japan time: 7 rows of 24."""
    grid = [[0] * 24 for _ in range(7)]
    rows = conn.execute(sa.select(_C.c.local_date, _C.c.local_hour, sa.func.count()).where(_in_period(period))
                        .group_by(_C.c.local_date, _C.c.local_hour)).all()
    for day, hour, n in rows:
        grid[day.weekday()][hour] += n
    return grid


# --- containment and handoffs ----------------------------------------------------------------
def containment(conn, period: Period) -> Rate:
    """Conversations that ended without a person: no handoff record and no offer of a person while the desk
    was closed (out of all conversations of the period)."""
    row = conn.execute(sa.select(_count_if(sa.and_(_C.c.handoff_offered == sa.false(), ~_handed_over())),
                                 sa.func.count()).where(_in_period(period))).one()
    return Rate(int(row[0] or 0), int(row[1]))


def containment_by_topic(conn, period: Period) -> Dict[str, Rate]:
    """Per topic answered in a conversation (the slot last_topic): those conversations that ended without a
    person (as in containment) out of all conversations in which the topic was answered. A conversation
    counts once for each topic it touched."""
    pairs = sa.select(_T.c.topic, _T.c.conversation_id).join(_C, _C.c.id == _T.c.conversation_id) \
        .where(_in_period(period)).distinct().subquery()
    rows = conn.execute(
        sa.select(pairs.c.topic, _count_if(sa.and_(_C.c.handoff_offered == sa.false(), ~_handed_over())),
                  sa.func.count()).join(_C, _C.c.id == pairs.c.conversation_id).group_by(pairs.c.topic)).all()
    return {topic: Rate(int(contained or 0), int(total)) for topic, contained, total in rows}


def handoff_rate(conn, period: Period) -> Rate:
    """Conversations with a handoff record (any status) out of all conversations of the period."""
    row = conn.execute(sa.select(_count_if(_handed_over()), sa.func.count()).where(_in_period(period))).one()
    return Rate(int(row[0] or 0), int(row[1]))


def handoff_rate_by_topic(conn, period: Period) -> Dict[str, Rate]:
    """Per topic answered: conversations with a handoff record out of the conversations that touched the topic."""
    pairs = sa.select(_T.c.topic, _T.c.conversation_id).join(_C, _C.c.id == _T.c.conversation_id) \
        .where(_in_period(period)).distinct().subquery()
    rows = conn.execute(sa.select(pairs.c.topic, _count_if(_handed_over()), sa.func.count())
                        .join(_C, _C.c.id == pairs.c.conversation_id).group_by(pairs.c.topic)).all()
    return {topic: Rate(int(n or 0), int(total)) for topic, n, total in rows}


def handoff_rate_by_channel(conn, period: Period) -> Dict[str, Rate]:
    """Per channel of the conversation: conversations with a handoff record out of its conversations."""
    rows = conn.execute(sa.select(_C.c.channel, _count_if(_handed_over()), sa.func.count())
                        .where(_in_period(period)).group_by(_C.c.channel)).all()
    return {channel or "other": Rate(int(n or 0), int(total)) for channel, n, total in rows}


def _handoff_counts(conn, period: Period, key, value) -> Dict[str, Dict[str, int]]:
    result: Dict[str, Dict[str, int]] = {}
    rows = conn.execute(sa.select(key, value, sa.func.count()).where(_handoffs_in(period)).group_by(key, value)).all()
    for k, v, n in rows:
        result.setdefault(k or NO_TOPIC, {})[v or NO_TOPIC] = n
    return result


def handoff_reasons_by_topic(conn, period: Period) -> Dict[str, Dict[str, int]]:
    """Handoff records opened in the period (any status, callbacks too), by the topic in the record (the
    procedure the resident was on; "(none)" when unknown) and reason."""
    return _handoff_counts(conn, period, _H.c.topic, _H.c.reason)


def handoff_reasons_by_channel(conn, period: Period) -> Dict[str, Dict[str, int]]:
    """Handoff records opened in the period, by channel and reason."""
    return _handoff_counts(conn, period, _H.c.channel, _H.c.reason)


def kiosk_handoffs_by_topic(conn, period: Period) -> Dict[str, Dict[str, int]]:
    """Handoff records from the kiosks opened in the period, by topic and kiosk ("(none)" when unknown)."""
    result: Dict[str, Dict[str, int]] = {}
    rows = conn.execute(sa.select(_H.c.topic, _H.c.kiosk_id, sa.func.count())
                        .where(_handoffs_in(period), _H.c.channel == "kiosk").group_by(_H.c.topic, _H.c.kiosk_id)).all()
    for topic, kiosk, n in rows:
        result.setdefault(topic or NO_TOPIC, {})[kiosk or NO_TOPIC] = n
    return result


def _satisfaction(rows) -> Satisfaction:
    distribution = {score: 0 for score in SATISFACTION_SCORES}
    asked = 0
    for status, score in rows:
        asked += status == "resolved"
        if score in distribution:
            distribution[score] += 1
    return Satisfaction(distribution, sum(distribution.values()), asked)


def satisfaction(conn, period: Period) -> Satisfaction:
    """Satisfaction answers (1-5) on handoffs opened in the period; asked = those resolved in the chat."""
    rows = conn.execute(sa.select(_H.c.status, _H.c.satisfaction).where(_handoffs_in(period))).all()
    return _satisfaction(rows)


def satisfaction_by_topic(conn, period: Period) -> Dict[str, Satisfaction]:
    """satisfaction for each topic of the handoff records."""
    grouped: Dict[str, list] = {}
    for topic, status, score in conn.execute(sa.select(_H.c.topic, _H.c.status, _H.c.satisfaction)
                                             .where(_handoffs_in(period))):
        grouped.setdefault(topic or NO_TOPIC, []).append((status, score))
    return {topic: _satisfaction(rows) for topic, rows in grouped.items()}


# --- understanding ---------------------------------------------------------------------------
# --- age bands -------------------------------------------------------------------------------
AGE_ORDER = ("under20", "20s", "30s", "40s", "50s", "60s", "70s", "80plus", "declined", "unknown")


@dataclass(frozen=True)
class AgeCut:
    """One age band (as residents gave it at the end; "unknown" when not asked or not answered)."""

    conversations: int
    handoff: Rate  # conversations with a handoff record of the band's conversations
    stuck: Rate  # conversations stuck (「わからない」) on a guide step of the band's conversations that were shown a step


def by_age_band(conn, period: Period) -> Dict[str, AgeCut]:
    """Per age band: conversations of the period, their handoff rate, and how many of those that were shown a
    guide step got stuck on one. Residents give a band only if they want to, so the bands are a sample."""
    shown_step = sa.exists().where(sa.and_(_G.c.conversation_id == _C.c.id, _G.c.kind == "step_shown"))
    stuck = sa.exists().where(sa.and_(_G.c.conversation_id == _C.c.id, _G.c.kind == "step_stuck"))
    band = sa.func.coalesce(_C.c.age_band, "unknown")
    rows = conn.execute(sa.select(band, sa.func.count(), _count_if(_handed_over()), _count_if(shown_step),
                                  _count_if(sa.and_(shown_step, stuck)))
                        .where(_in_period(period)).group_by(band)).all()
    cuts = {name: AgeCut(int(total), Rate(int(handed or 0), int(total)), Rate(int(stuck_n or 0), int(shown_n or 0)))
            for name, total, handed, shown_n, stuck_n in rows}
    return {name: cuts[name] for name in sorted(cuts, key=lambda n: AGE_ORDER.index(n) if n in AGE_ORDER else 99)}


def _typed_in(period: Period):
    return sa.and_(_M.c.local_date >= period.start, _M.c.local_date <= period.end, _M.c.typed == sa.true())


def fallback_rate(conn, period: Period) -> Rate:
    """Typed messages the NLU could not place (nlu_fallback) out of all typed messages (button presses
    are not counted: a button is always understood)."""
    row = conn.execute(sa.select(_count_if(_M.c.fallback == sa.true()), sa.func.count()).where(_typed_in(period))).one()
    return Rate(int(row[0] or 0), int(row[1]))


def fallback_rate_by_channel(conn, period: Period) -> Dict[str, Rate]:
    """fallback_rate per channel of the message."""
    rows = conn.execute(sa.select(_M.c.channel, _count_if(_M.c.fallback == sa.true()), sa.func.count())
                        .where(_typed_in(period)).group_by(_M.c.channel)).all()
    return {channel or "other": Rate(int(n or 0), int(total)) for channel, n, total in rows}


def out_of_scope_rate(conn, period: Period) -> Rate:
    """Typed messages read as out of scope (not about the card or online procedures) out of all typed messages."""
    row = conn.execute(sa.select(_count_if(_M.c.out_of_scope == sa.true()), sa.func.count())
                       .where(_typed_in(period))).one()
    return Rate(int(row[0] or 0), int(row[1]))


def unanswered_themes(conn, period: Period, top: int = 20) -> List[Theme]:
    """The texts of the period's nlu_fallback messages grouped by similarity (assistant/analytics/themes.py):
    the `top` largest groups asked by at least two residents, with their numbers of questions and residents
    and three short, de-identified example wordings."""
    rows = conn.execute(sa.select(_M.c.text, _C.c.resident).join(_C, _C.c.id == _M.c.conversation_id)
                        .where(_typed_in(period), _M.c.fallback == sa.true(), _M.c.text.isnot(None)).order_by(_M.c.id)).all()
    return group_questions([t for t, _ in rows], top=top, residents=[r for _, r in rows])


# --- guides ----------------------------------------------------------------------------------
def guide_funnels(conn, period: Period, now: Optional[dt.datetime] = None) -> Dict[str, GuideFunnel]:
    """Runs of each guide in the period's conversations. A run starts at guide_started and ends at
    guide_completed or guide_abandoned (reason stop, handoff, or replaced by another guide) at the step of
    that event. A run with neither was left when its conversation has had no event for GUIDE_IDLE before
    `now` (naive UTC, default the present): abandoned ("left") at the last step it showed or was answered
    on; otherwise it is in progress. For each step, a run counts once however often the step was shown."""
    now = now or utcnow()
    rows = conn.execute(
        sa.select(_G.c.conversation_id, _G.c.kind, _G.c.guide, _G.c.step, _G.c.position, _G.c.reason)
        .join(_C, _C.c.id == _G.c.conversation_id).where(_in_period(period))
        .order_by(_G.c.conversation_id, _G.c.event_id)).all()
    funnels: Dict[str, GuideFunnel] = {}
    open_runs: List[GuideRun] = []
    run: Optional[GuideRun] = None
    for conversation, kind, guide, step, position, reason in rows:
        if run is not None and run.conversation != conversation:
            open_runs.append(run)
            run = None
        elif run is not None and (kind == "guide_started" or guide != run.guide):
            run.close(funnels, completed=False, step=run.last_step, reason="replaced")
            run = None
        if run is None:
            run = GuideRun(conversation, guide)
        if kind == "guide_completed":
            run.close(funnels, completed=True)
            run = None
        elif kind == "guide_abandoned":
            run.close(funnels, completed=False, step=step, reason=reason or "stop")
            run = None
        elif step:
            run.see(kind, step, position)
    if run is not None:
        open_runs.append(run)
    last_at = _last_events(conn, [r.conversation for r in open_runs])
    for run in open_runs:
        if now - last_at[run.conversation] > GUIDE_IDLE:
            run.close(funnels, completed=False, step=run.last_step, reason="left")
        else:
            run.close(funnels, completed=False)
    return funnels


def _last_events(conn, conversation_ids: List[int]) -> Dict[int, dt.datetime]:
    found: Dict[int, dt.datetime] = {}
    for i in range(0, len(conversation_ids), 500):
        chunk = conversation_ids[i:i + 500]
        found.update(conn.execute(sa.select(_C.c.id, _C.c.last_at).where(_C.c.id.in_(chunk))).all())
    return found


def hardest_steps(funnels: Dict[str, GuideFunnel], top: int = 5) -> List[StepFunnel]:
    """The steps with the highest stuck rate (stuck / reached) among steps reached in at least 5 runs and
    stuck on at least once (ties: more stuck first, then guide and step id)."""
    steps = [s for f in funnels.values() for s in f.steps.values() if s.reached >= SMALL_GROUP and s.stuck]
    steps.sort(key=lambda s: (-s.stuck / s.reached, -s.stuck, s.guide, s.step))
    return steps[:top]


# --- all of them -----------------------------------------------------------------------------
@dataclass
class Measures:
    """Every measure of one period (what the report and the benchmark compute)."""

    period: Period
    daily: Dict[dt.date, Activity]
    weekly: Dict[dt.date, Activity]
    channels: Dict[str, Activity]
    heat_map: List[List[int]]
    containment: Rate
    containment_by_topic: Dict[str, Rate]
    handoff_rate: Rate
    handoff_rate_by_topic: Dict[str, Rate]
    handoff_rate_by_channel: Dict[str, Rate]
    handoff_reasons_by_topic: Dict[str, Dict[str, int]]
    handoff_reasons_by_channel: Dict[str, Dict[str, int]]
    kiosk_handoffs_by_topic: Dict[str, Dict[str, int]]
    satisfaction: Satisfaction
    satisfaction_by_topic: Dict[str, Satisfaction]
    fallback_rate: Rate
    fallback_rate_by_channel: Dict[str, Rate]
    out_of_scope_rate: Rate
    unanswered_themes: List[Theme]
    guide_funnels: Dict[str, GuideFunnel]
    hardest_steps: List[StepFunnel]
    by_age_band: Dict[str, AgeCut] = field(default_factory=dict)
    answer_feedback: List[EntryFeedback] = field(default_factory=list)  # 役に立った／役に立たなかった per entry

    @property
    def totals(self) -> Activity:
        return sum(self.daily.values(), Activity())


def all_measures(conn, period: Period, now: Optional[dt.datetime] = None) -> Measures:
    funnels = guide_funnels(conn, period, now)
    return Measures(
        period=period, daily=daily_activity(conn, period), weekly=weekly_activity(conn, period),
        channels=channel_split(conn, period), heat_map=heat_map(conn, period), containment=containment(conn, period),
        containment_by_topic=containment_by_topic(conn, period), handoff_rate=handoff_rate(conn, period),
        handoff_rate_by_topic=handoff_rate_by_topic(conn, period),
        handoff_rate_by_channel=handoff_rate_by_channel(conn, period),
        handoff_reasons_by_topic=handoff_reasons_by_topic(conn, period),
        handoff_reasons_by_channel=handoff_reasons_by_channel(conn, period),
        kiosk_handoffs_by_topic=kiosk_handoffs_by_topic(conn, period), satisfaction=satisfaction(conn, period),
        satisfaction_by_topic=satisfaction_by_topic(conn, period), fallback_rate=fallback_rate(conn, period),
        fallback_rate_by_channel=fallback_rate_by_channel(conn, period),
        out_of_scope_rate=out_of_scope_rate(conn, period), unanswered_themes=unanswered_themes(conn, period),
        guide_funnels=funnels, hardest_steps=hardest_steps(funnels), by_age_band=by_age_band(conn, period),
        answer_feedback=per_entry(conn, period),
    )
