"""The monthly デジタルデバイド対策レポート: the measures of a month as a printable HTML page."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from assistant.analytics.disclosure import SMALL_GROUP, SMALL_LABEL, is_small, shown, shown_rate
from assistant.analytics.measures import CHANNELS, NOT_PROCEDURES, Measures, all_measures
from assistant.analytics.names import Names
from assistant.analytics.period import WEEKDAYS, Period
from assistant.analytics.rules import RULES, recommend
from assistant.knowledge.office_hours import JST

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "report"
TITLE = "デジタルデバイド対策レポート"
TOP_HANDOFF_TOPICS = 10
AGE_LABELS = {"under20": "10代以下", "20s": "20代", "30s": "30代", "40s": "40代", "50s": "50代", "60s": "60代",
              "70s": "70代", "80plus": "80代以上", "declined": "答えない", "unknown": "聞いていない・無回答"}


@dataclass(frozen=True)
class ReportInput:
    measures: Measures
    names: Names
    city: str = ""
    generated: Optional[dt.datetime] = None
    offer: Optional[Tuple[str, str]] = None  # (YYYY-MM, label) of a month with records, when this one has none


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    env.filters["count"] = shown
    env.filters["rate"] = lambda r, digits=0: shown_rate(r.part, r.whole, digits)
    return env


def _heat_class(n: int, top: int) -> str:
    if n == 0:
        return "h0"
    if is_small(n) or top == 0:
        return "h1"  # the palest shade for every small cell: the colour does not tell 1 from 4
    return f"h{min(5, 2 + int(3 * n / (top + 1)))}"


def _handoff_topics(m: Measures, names: Names) -> List[Dict[str, Any]]:
    rows = []
    for topic, reasons in m.handoff_reasons_by_topic.items():
        if topic in NOT_PROCEDURES:
            continue
        total = sum(reasons.values())
        main = max(sorted(reasons), key=lambda r: reasons[r])
        rows.append({
            "name": names.topic(topic), "total": total, "main_reason": names.reason(main) if not is_small(total) else "—",
            "rate": m.handoff_rate_by_topic.get(topic), "contained": m.containment_by_topic.get(topic),
            "kiosk": sum(m.kiosk_handoffs_by_topic.get(topic, {}).values()),
        })
    rows.sort(key=lambda r: (-r["total"], r["name"]))
    return rows[:TOP_HANDOFF_TOPICS]


def _channels(m: Measures, names: Names) -> List[Dict[str, Any]]:
    rows = []
    for channel in list(CHANNELS) + sorted(set(m.channels) - set(CHANNELS)):
        activity = m.channels.get(channel)
        reasons = m.handoff_reasons_by_channel.get(channel, {})
        rows.append({
            "name": names.channel(channel), "conversations": activity.conversations, "messages": activity.messages,
            "handoff_rate": m.handoff_rate_by_channel.get(channel),
            "fallback_rate": m.fallback_rate_by_channel.get(channel),
            "handoffs": sum(reasons.values()),
            "reasons": [(names.reason(r), n) for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
        })
    return rows


def _guides(m: Measures, names: Names) -> List[Dict[str, Any]]:
    rows = []
    for guide, f in sorted(m.guide_funnels.items(), key=lambda kv: (-kv[1].started, kv[0])):
        rows.append({"name": names.guide(guide), "started": f.started, "completed": f.completed,
                     "abandoned": f.abandoned, "in_progress": f.in_progress,
                     "reasons": [(names.abandon_reason(r), n) for r, n in sorted(f.reasons.items())]})
    return rows


def context(data: ReportInput) -> Dict[str, Any]:
    """Everything the template shows; counts go through the 「5未満」 filter in the template."""
    m, names = data.measures, data.names
    top_cell = max((n for row in m.heat_map for n in row), default=0)
    completed = sum(f.completed for f in m.guide_funnels.values())
    started = sum(f.started for f in m.guide_funnels.values())
    return {
        "title": TITLE, "city": data.city, "period": m.period.label, "offer": data.offer,
        "generated": (data.generated or dt.datetime.now(JST)).strftime("%Y年%m月%d日 %H:%M"),
        "small": SMALL_GROUP, "small_label": SMALL_LABEL,
        "totals": m.totals, "containment": m.containment, "handoff_rate": m.handoff_rate,
        "fallback_rate": m.fallback_rate, "out_of_scope_rate": m.out_of_scope_rate,
        "guides_started": started, "guides_completed": completed,
        "satisfaction": m.satisfaction,
        "satisfaction_mean": (f"{m.satisfaction.mean:.1f}" if m.satisfaction.rated >= SMALL_GROUP else "—"),
        "recommendations": recommend(m, names), "rules": RULES,
        "hardest": [{"guide": names.guide(s.guide), "step": names.step(s.guide, s.step, s.position), "s": s}
                    for s in m.hardest_steps],
        "themes": m.unanswered_themes,
        "handoff_topics": _handoff_topics(m, names),
        "channels": _channels(m, names),
        "weeks": sorted(m.weekly.items()), "days": sorted(m.daily.items()),
        "weekdays": WEEKDAYS,
        "heat": [[(n, _heat_class(n, top_cell)) for n in row] for row in m.heat_map],
        "guides": _guides(m, names),
        "ages": [{"name": AGE_LABELS.get(band, band), "cut": cut} for band, cut in m.by_age_band.items()],
    }


def render(data: ReportInput) -> str:
    return _environment().get_template("monthly.html").render(**context(data))


def write_report(database_url: str, month: str, out: Path, knowledge_dir: Path,
                 now: Optional[dt.datetime] = None) -> Path:
    """Computes the month's measures from the analytics tables and writes the HTML report to `out`."""
    from assistant.analytics.names import load_names
    from assistant.knowledge import load_municipality
    from assistant.storage.db import make_engine

    period = Period.month(month)
    names = load_names(knowledge_dir)
    city = load_municipality(Path(knowledge_dir) / "municipality.yml").get("city", {}).get("name", "")
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            measures = all_measures(conn, period, now)
    finally:
        engine.dispose()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(ReportInput(measures, names, city)), encoding="utf-8")
    return out
