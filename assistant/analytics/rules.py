"""Recommended measures: the explicit rules that turn the measures into proposals, all defined here."""

# Every rule reads only groups of at least 5 (disclosure.py): a proposal never rests on, or names, a handful
# of residents.
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Tuple

from assistant.analytics.disclosure import SMALL_GROUP, usable
from assistant.analytics.measures import NO_TOPIC, NOT_PROCEDURES, Measures
from assistant.analytics.names import Names

STUCK_RATE = 0.30  # a step where more than this share of the runs that reached it said 「わからない」
KIOSK_HANDOFFS = 10  # kiosk calls for staff on one procedure in the period
THEME_QUESTIONS = 5  # unanswered questions in one theme
LOW_SATISFACTION = 3.0  # mean satisfaction (1-5) after handoffs below this

Proposal = Tuple[float, str, str]  # (priority, what to do, the figures behind it)


@dataclass(frozen=True)
class Rule:
    id: str
    when: str  # the condition, as printed in the report
    then: str  # the kind of measure
    apply: Callable[[Measures, Names], Iterator[Proposal]]


@dataclass(frozen=True)
class Recommendation:
    rule: Rule
    text: str
    evidence: str


def _stuck_steps(m: Measures, names: Names) -> Iterator[Proposal]:
    for funnel in m.guide_funnels.values():
        for s in funnel.steps.values():
            if usable(s.reached) and usable(s.stuck) and s.stuck / s.reached > STUCK_RATE:
                yield (s.stuck / s.reached,
                       f"スマホ教室で『{names.guide(s.guide)} の {names.step(s.guide, s.step, s.position)}』を取り上げる",
                       f"この手順に進んだ{s.reached}件のうち{s.stuck}件で「わからない」（{100 * s.stuck / s.reached:.0f}%）")


def _kiosk_calls(m: Measures, names: Names) -> Iterator[Proposal]:
    by_procedure: Dict[str, Counter] = {}
    for topic, kiosks in m.kiosk_handoffs_by_topic.items():  # a call before choosing a procedure has none
        by_procedure.setdefault(NO_TOPIC if topic in NOT_PROCEDURES else topic, Counter()).update(kiosks)
    for topic, kiosks in by_procedure.items():
        total = sum(kiosks.values())
        if total < max(KIOSK_HANDOFFS, SMALL_GROUP):
            continue
        named = [f"キオスク {k}" for k, n in sorted(kiosks.items(), key=lambda kv: (-kv[1], kv[0]))
                 if usable(n) and k != NO_TOPIC]
        where = "・".join(named) + " の近く" if named else "キオスクの近く"
        if topic == NO_TOPIC:
            text = f"{where}に、手続きを対面で手伝う職員（案内係）を置く"
        else:
            text = f"『{names.topic(topic)}』の手続きを対面で手伝う職員を、{where}の窓口に置く"
        yield float(total), text, f"キオスクからの職員呼び出し{total}件"


def _knowledge_gaps(m: Measures, names: Names) -> Iterator[Proposal]:
    for theme in m.unanswered_themes:
        if theme.count >= max(THEME_QUESTIONS, SMALL_GROUP) and theme.residents >= SMALL_GROUP and theme.examples:
            yield (float(theme.count), f"ナビの知識に、『{theme.examples[0]}』のような質問への答えを加える",
                   f"読み取れなかった質問{theme.count}件、{theme.residents}人から（例：{'／'.join(theme.examples)}）")


def _low_satisfaction(m: Measures, names: Names) -> Iterator[Proposal]:
    overall = m.satisfaction
    if usable(overall.rated) and overall.mean < LOW_SATISFACTION:
        yield (LOW_SATISFACTION - overall.mean, "職員研修で、引き継ぎ後のチャット対応全般を取り上げる",
               f"満足度の平均{overall.mean:.1f}（回答{overall.rated}件）")
    for topic, s in m.satisfaction_by_topic.items():
        if topic != NO_TOPIC and usable(s.rated) and s.mean < LOW_SATISFACTION:
            yield (LOW_SATISFACTION - s.mean, f"職員研修で、『{names.topic(topic)}』の相談への対応を取り上げる",
                   f"この話題の引き継ぎ後の満足度の平均{s.mean:.1f}（回答{s.rated}件）")


RULES: Tuple[Rule, ...] = (
    Rule("stuck_step", f"手順で「わからない」と答えた割合が{STUCK_RATE:.0%}を超える"
                       f"（その手順に進んだ件数と「わからない」の件数がともに{SMALL_GROUP}件以上）",
         "スマホ教室でその手順を取り上げる", _stuck_steps),
    Rule("kiosk_calls", f"同じ手続きで、キオスクからの職員呼び出しが期間中{KIOSK_HANDOFFS}件以上",
         "その窓口（キオスクの近く）に対面で手伝う職員を置く", _kiosk_calls),
    Rule("knowledge_gap", f"ナビが読み取れなかった質問のまとまりが{THEME_QUESTIONS}件以上、"
                          f"{SMALL_GROUP}人以上から（あいさつ・お礼・ひとことだけの入力は数えません）",
         "その質問への答えをナビの知識に加える", _knowledge_gaps),
    Rule("low_satisfaction", f"引き継ぎ後の満足度の平均が{LOW_SATISFACTION:.1f}未満（回答{SMALL_GROUP}件以上）",
         "職員研修のテーマにする", _low_satisfaction),
)


def recommend(m: Measures, names: Names) -> List[Recommendation]:
    """The proposals of every rule, in the order of RULES, the strongest first within a rule."""
    result = []
    for rule in RULES:
        for _, text, evidence in sorted(rule.apply(m, names), key=lambda p: (-p[0], p[1])):
            result.append(Recommendation(rule, text, evidence))
    return result
