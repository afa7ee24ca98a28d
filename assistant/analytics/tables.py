"""The measures as tables with Japanese headers: what the dashboard shows and exports as CSV."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from assistant.analytics.cells import Count, Mean, Percent, Table
from assistant.analytics.disclosure import SMALL_GROUP
from assistant.analytics.figures import Rate
from assistant.analytics.measures import CHANNELS, SATISFACTION_SCORES, Measures
from assistant.analytics.names import ABANDON_REASONS, Names
from assistant.analytics.period import WEEKDAYS
from assistant.analytics.report import AGE_LABELS, _heat_class

FEW_EXAMPLES = "（件数が少ないため例は載せません）"
SCORE_LABELS = {1: "1（とても不満）", 5: "5（とても満足）"}
ABANDON_ORDER = ("stop", "handoff", "replaced", "left")


def _percent(rate: Optional[Rate]) -> Percent:
    return Percent(rate.part, rate.whole) if rate else Percent(0, 0)


def _channels(present: Sequence[str]) -> List[str]:
    return list(CHANNELS) + sorted(set(present) - set(CHANNELS))


# --- the tables ------------------------------------------------------------------------------
def summary(m: Measures) -> Table:
    t = Table("summary", "主な数字", ["項目", "値", "全体", "割合"])
    totals, s = m.totals, m.satisfaction
    started = sum(f.started for f in m.guide_funnels.values())
    completed = sum(f.completed for f in m.guide_funnels.values())
    t.add("conversations", "会話の数", Count(totals.conversations), "", "")
    t.add("messages", "住民のメッセージ", Count(totals.messages), "", "")
    for key, label, rate in (("containment", "ナビだけで終わった会話", m.containment),
                             ("handoff", "職員に引き継いだ会話", m.handoff_rate),
                             ("fallback", "ナビが読み取れなかった質問", m.fallback_rate),
                             ("out_of_scope", "範囲外の質問", m.out_of_scope_rate)):
        t.add(key, label, Count(rate.part), Count(rate.whole), _percent(rate))
    t.add("guides_completed", "手順の案内を最後まで進んだ", Count(completed), Count(started), Percent(completed, started))
    t.add("satisfaction_rated", "満足度に答えた", Count(s.rated), Count(s.asked), Percent(s.rated, s.asked))
    t.add("satisfaction_mean", "満足度の平均（1〜5）", Mean(s.mean, s.rated), "", "")
    t.note = ("「全体」は割合のもとになる数：会話の数、入力された質問の数、始めた案内の数、"
              "満足度をたずねた数（チャットで対応を終えた引き継ぎ）。")
    return t


def daily(m: Measures) -> Table:
    t = Table("daily", "日ごとの会話とメッセージ", ["日付", "曜日", "会話の数", "住民のメッセージ"])
    for day, a in sorted(m.daily.items()):
        t.add(day.isoformat(), day.isoformat(), WEEKDAYS[day.weekday()], Count(a.conversations), Count(a.messages))
    return t


def channels(m: Measures, names: Names) -> Table:
    t = Table("channels", "経路ごとの利用", ["経路", "会話の数", "住民のメッセージ", "引き継いだ会話", "引き継ぎ率"])
    for channel in _channels(list(m.channels)):
        a = m.channels.get(channel)
        rate = m.handoff_rate_by_channel.get(channel)
        t.add(channel, names.channel(channel), Count(a.conversations if a else 0), Count(a.messages if a else 0),
              Count(rate.part if rate else 0), _percent(rate))
    t.note = "会話は最初のメッセージの経路で数えます。"
    return t


def heat_map(m: Measures) -> Table:
    t = Table("heat_map", "曜日と時間帯ごとの会話の始まり", ["曜日"] + [f"{h}時" for h in range(24)] + ["合計"])
    top = max((n for row in m.heat_map for n in row), default=0)
    t.shades = []
    for weekday, row in enumerate(m.heat_map):
        t.add(str(weekday), f"{WEEKDAYS[weekday]}曜", *[Count(n) for n in row], Count(sum(row)))
        t.shades.append([None] + [_heat_class(n, top) for n in row] + [None])
    t.note = "時間は日本時間。色が濃いほど多く、5未満のますはどれも同じ薄い色です。"
    return t


def topics(m: Measures, names: Names) -> Table:
    t = Table("topics", "話題ごとの、ナビだけで終わった会話と引き継ぎ",
              ["話題", "会話の数", "ナビだけで終わった", "ナビだけで終わった率", "引き継いだ", "引き継ぎ率"])
    keys = set(m.containment_by_topic) | set(m.handoff_rate_by_topic)
    rows = []
    for topic in keys:
        contained, handed = m.containment_by_topic.get(topic), m.handoff_rate_by_topic.get(topic)
        whole = (contained or handed).whole
        rows.append((-whole, names.topic(topic), topic, contained, handed))
    for minus_whole, name, topic, contained, handed in sorted(rows):
        t.add(topic, name, Count(-minus_whole), Count(contained.part if contained else 0), _percent(contained),
              Count(handed.part if handed else 0), _percent(handed))
    t.note = ("話題はナビが答えた内容です。ひとつの会話が複数の話題にふれたときは、それぞれに数えます。"
              "「ナビだけで終わった」は、職員への引き継ぎも、時間外の相談の案内もなかった会話です。")
    return t


def handoff_reasons(m: Measures, names: Names) -> Table:
    present = {r for reasons in m.handoff_reasons_by_channel.values() for r in reasons}
    reasons = list(names.reasons) + sorted(present - set(names.reasons))
    t = Table("handoff_reasons", "経路ごとの、職員への引き継ぎの理由",
              ["経路"] + [names.reason(r) for r in reasons] + ["合計"])
    for channel in _channels(list(m.handoff_reasons_by_channel)):
        counts = m.handoff_reasons_by_channel.get(channel, {})
        t.add(channel, names.channel(channel), *[Count(counts.get(r, 0)) for r in reasons], Count(sum(counts.values())))
    t.note = "期間中に受け付けた引き継ぎ（折り返し電話の依頼を含む）を数えます。"
    return t


def fallback(m: Measures, names: Names) -> Table:
    t = Table("fallback", "ナビが読み取れなかった質問の割合",
              ["経路", "入力された質問", "読み取れなかった質問", "読み取れなかった率"])
    for channel in _channels(list(m.fallback_rate_by_channel)):
        rate = m.fallback_rate_by_channel.get(channel) or Rate(0, 0)
        t.add(channel, names.channel(channel), Count(rate.whole), Count(rate.part), _percent(rate))
    t.add("total", "合計", Count(m.fallback_rate.whole), Count(m.fallback_rate.part), _percent(m.fallback_rate))
    t.note = "文字で入力された質問だけを数えます（ボタンはいつも読み取れるので数えません）。"
    return t


def themes(m: Measures) -> Table:
    t = Table("themes", "ナビが答えられなかった質問（似た質問のまとまり）",
              ["順位", "質問の数", "言い方の数", "例1", "例2", "例3"])
    for rank, theme in enumerate(m.unanswered_themes, start=1):
        examples = list(theme.examples) if theme.count >= SMALL_GROUP else [FEW_EXAMPLES]
        examples += [""] * (3 - len(examples))
        t.add(str(rank), str(rank), Count(theme.count), Count(theme.wordings), *examples[:3])
    t.note = "件数が5件に満たないまとまりは、例を載せません。質問の文は個人番号・電話番号などを伏せたものです。"
    return t


def _guide_order(m: Measures) -> List[str]:
    return [g for g, _ in sorted(m.guide_funnels.items(), key=lambda kv: (-kv[1].started, kv[0]))]


def guides(m: Measures, names: Names) -> Table:
    t = Table("guides", "手順の案内ごとの完了状況",
              ["手順の案内", "始めた", "最後まで進んだ", "最後まで進んだ率", "途中で終わった"]
              + [f"うち{ABANDON_REASONS[r]}" for r in ABANDON_ORDER] + ["手順の前に終わった", "進行中"])
    for guide in _guide_order(m):
        f = m.guide_funnels[guide]
        t.add(guide, names.guide(guide), Count(f.started), Count(f.completed), Percent(f.completed, f.started),
              Count(f.abandoned), *[Count(f.reasons.get(r, 0)) for r in ABANDON_ORDER],
              Count(f.abandoned_before_steps), Count(f.in_progress))
    t.note = "「返事がないまま終了」は、案内の途中で60分やりとりがなかったものです。"
    return t


def guide_steps(m: Measures, names: Names) -> Table:
    t = Table("guide_steps", "手順ごとの、進んだ・できた・わからない・終わった",
              ["手順の案内", "手順", "表示された", "「できた」", "「わからない」", "ここで終わった", "「わからない」の率"])
    for guide in _guide_order(m):
        for s in m.guide_funnels[guide].ordered_steps():
            t.add(guide, names.guide(guide), names.step(guide, s.step, s.position), Count(s.reached), Count(s.done),
                  Count(s.stuck), Count(s.abandoned), Percent(s.stuck, s.reached))
    t.note = "ひとりの住民が同じ手順を何度見ても1回と数えます。率 = 「わからない」の数 ÷ 表示された数。"
    return t


def satisfaction(m: Measures) -> Table:
    s = m.satisfaction
    t = Table("satisfaction", "引き継ぎ後の満足度", ["満足度", "回答の数", "割合"])
    for score in SATISFACTION_SCORES:
        n = s.distribution.get(score, 0)
        t.add(str(score), SCORE_LABELS.get(score, str(score)), Count(n), Percent(n, s.rated))
    t.note = "チャットで職員が対応を終えたときに、1（とても不満）〜5（とても満足）でたずねています。"
    return t


def age_bands(m: Measures) -> Table:
    t = Table("age_bands", "年代ごとの利用（答えた人だけ）",
              ["年代", "会話の数", "引き継ぎ率", "手順で「わからない」になった率"])
    for band, cut in m.by_age_band.items():
        t.add(band, AGE_LABELS.get(band, band), Count(cut.conversations), _percent(cut.handoff), _percent(cut.stuck))
    t.note = "年代は、会話の終わりに住民が答えてもよいときだけたずねています。"
    return t


def answer_feedback(m: Measures, names: Names) -> Table:
    t = Table("answer_feedback", "回答ごとの評価（役に立った・役に立たなかった）",
              ["回答", "役に立った", "役に立たなかった", "役に立たなかった率"])
    for row in m.answer_feedback:
        t.add(row.entry, names.entry(row.entry), Count(row.helpful), Count(row.unhelpful),
              Percent(row.unhelpful, row.helpful + row.unhelpful))
    t.note = "回答の下のボタンを押した数です（だれが押したかは残していません）。「役に立たなかった」が多い順。"
    return t


TABLE_IDS = ("summary", "daily", "channels", "heat_map", "topics", "handoff_reasons", "fallback", "themes", "guides",
             "guide_steps", "satisfaction", "age_bands", "answer_feedback")


def dashboard_tables(m: Measures, names: Names) -> Dict[str, Table]:
    """Every table of the dashboard, in the order of TABLE_IDS."""
    built = [summary(m), daily(m), channels(m, names), heat_map(m), topics(m, names), handoff_reasons(m, names),
             fallback(m, names), themes(m), guides(m, names), guide_steps(m, names), satisfaction(m), age_bands(m),
             answer_feedback(m, names)]
    return {t.id: t for t in built}
