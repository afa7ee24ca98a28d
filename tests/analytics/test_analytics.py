"""Analytics: the collector over real tracker-store rows, every measure's numbers, privacy, the report."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import time
import unicodedata
import uuid
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa

from assistant.analytics import measures as M
from assistant.analytics.collect import collect
from assistant.analytics.disclosure import SMALL_LABEL, shown, shown_rate
from assistant.analytics.measures import Activity, Rate
from assistant.analytics.names import load_names
from assistant.analytics.period import Period
from assistant.analytics.report import ReportInput, render
from assistant.analytics.rules import recommend
from assistant.handoff.store import HandoffStore
from assistant.knowledge.office_hours import JST
from assistant.privacy.scan import find_my_numbers
from assistant.settings import PROJECT_ROOT
from assistant.storage.db import make_engine
from tests.helpers.analytics import (COLLECT_NOW, CONVENIENCE, KEY, MYNA, MY_NUMBER, OCTOBER, Conversation, Handoffs,
                                     event_row, october_tracker, save, tracker_engine)

FUNNEL_NOW = dt.datetime(2026, 10, 31, 14, 50)  # naive UTC: 23:50 on the 31st in Japan
ANALYTICS_TABLES = ("analytics_conversations", "analytics_messages", "analytics_topics", "analytics_guide_events",
                    "analytics_handoffs", "analytics_watermarks")


@pytest.fixture()
def world(tmp_path):
    """A tracker store with the October fixture and the product's database with its handoffs."""
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    database_url = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    tracker = tracker_engine(tmp_path / "tracker.db")
    store = HandoffStore.from_url(database_url, upgrade=True)
    october_tracker(tracker, Handoffs(store))
    yield {"tracker_url": tracker_url, "database_url": database_url, "tracker": tracker, "store": store}
    store.close()
    tracker.dispose()


def run_collect(world, **options):
    return collect(world["tracker_url"], world["database_url"], KEY, now=COLLECT_NOW, **options)


def table_counts(url: str) -> Dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in ANALYTICS_TABLES}
    engine.dispose()
    return counts


def october(url: str, now: dt.datetime = FUNNEL_NOW) -> M.Measures:
    engine = make_engine(url)
    with engine.connect() as conn:
        result = M.all_measures(conn, OCTOBER, now)
    engine.dispose()
    return result


@pytest.fixture()
def measured(world):
    run_collect(world)
    return october(world["database_url"])


# --- the collector ---------------------------------------------------------------------------
def test_collector_reads_every_conversation_and_handoff(world):
    result = run_collect(world)
    assert (result.conversations, result.messages, result.topics, result.guide_events) == (39, 106, 51, 75)
    assert (result.handoffs, result.linked) == (19, 18)  # the record without a conversation stays unlinked
    counts = table_counts(world["database_url"])
    assert counts["analytics_conversations"] == 39  # 36 in October, one without a message, two just outside
    assert counts["analytics_handoffs"] == 19


def test_collector_is_idempotent(world):
    first = run_collect(world)
    before = table_counts(world["database_url"])
    second = run_collect(world)
    assert table_counts(world["database_url"]) == before
    assert (second.events, second.conversations, second.messages, second.topics, second.guide_events,
            second.handoffs, second.linked) == (0, 0, 0, 0, 0, 0, 0)
    assert second.last_id == first.last_id


def test_small_batches_give_the_same_measures(world, tmp_path):
    """Batches of 7 events split conversations across transactions; the result is the same."""
    run_collect(world)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    collect(world["tracker_url"], other, KEY, now=COLLECT_NOW, batch_events=7)
    # The other database has no handoff records, so compare what comes from the tracker store alone.
    a, b = october(world["database_url"]), october(other)
    assert (a.daily, a.channels, a.heat_map, a.fallback_rate, a.guide_funnels) == \
           (b.daily, b.channels, b.heat_map, b.fallback_rate, b.guide_funnels)
    assert table_counts(other)["analytics_conversations"] == table_counts(world["database_url"])["analytics_conversations"]


def test_young_events_wait_for_the_next_run(world):
    """Events of the last five minutes are left for later (a transaction may still write lower ids)."""
    c = Conversation("web-late", dt.datetime(2026, 11, 2, 8, 58), "rest").says("手数料", "fees", 0.9).topic("fees")
    save(world["tracker"], c)
    now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=JST).timestamp()
    first = collect(world["tracker_url"], world["database_url"], KEY, now=now)
    later = collect(world["tracker_url"], world["database_url"], KEY, now=now + 600)
    assert (later.conversations, later.messages) == (1, 1)
    assert first.messages == 106


def test_a_session_continued_in_a_later_run_stays_one_conversation(world):
    run_collect(world)
    from rasa.shared.core.events import UserUttered

    t = dt.datetime(2026, 10, 31, 23, 40, tzinfo=JST).timestamp()
    parsed = {"name": "guide_done", "confidence": 1.0}
    event = UserUttered("/guide_done", intent=parsed, parse_data={"intent": parsed, "entities": []},
                        input_channel="rest", timestamp=t)
    from rasa.core.tracker_store import SQLTrackerStore

    with world["tracker"].begin() as conn:
        conn.execute(SQLTrackerStore.SQLEvent.__table__.insert(), [event_row("web-g8", event)])
    result = run_collect(world)
    assert (result.conversations, result.messages) == (0, 1)
    assert october(world["database_url"]).daily[dt.date(2026, 10, 31)] == Activity(1, 3)


def test_a_replaced_tracker_store_is_refused(world):
    """Ids that start again below the watermark would be skipped: the collector says so instead."""
    from assistant.analytics.collect import CollectorError

    run_collect(world)
    with world["tracker"].begin() as conn:
        conn.execute(sa.text("DELETE FROM events"))
    save(world["tracker"], Conversation("web-new", dt.datetime(2026, 11, 1, 9), "rest").says("手数料", "fees"))
    with pytest.raises(CollectorError, match="new --source"):
        run_collect(world)
    assert run_collect(world, source="tracker-2").messages == 1


def test_handoff_changes_are_copied_again(world):
    run_collect(world)
    store = world["store"]
    x1 = next(h for h in store.search(status="callback_requested"))
    store.resolve(x1.id, staff_id=None, outcome="phone", notes="")
    result = run_collect(world)
    assert (result.handoffs, result.linked) == (1, 0)
    engine = make_engine(world["database_url"])
    with engine.connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM analytics_handoffs WHERE handoff_id = :i"), {"i": x1.id}).scalar()
    engine.dispose()
    assert status == "called_back"


def test_a_handoff_waits_for_its_conversation(world):
    """A handoff on the first message of a session is linked once that session's events arrive, not to the one before."""
    run_collect(world)
    c = Conversation("web-r", dt.datetime(2026, 10, 22, 9), "rest").says("職員と話したい", "human_help_request", 0.97)
    record = Handoffs(world["store"]).open(c, reason="asked")
    c.slot("handoff_stage", None)
    soon = dt.datetime(2026, 10, 22, 10, tzinfo=JST).timestamp()
    assert collect(world["tracker_url"], world["database_url"], KEY, now=soon).linked == 0  # its session is not in yet
    save(world["tracker"], c)
    assert collect(world["tracker_url"], world["database_url"], KEY, now=soon).linked == 1
    engine = make_engine(world["database_url"])
    with engine.connect() as conn:
        linked = conn.execute(sa.text(
            "SELECT c.local_date FROM analytics_handoffs h JOIN analytics_conversations c ON c.id = h.conversation_id "
            "WHERE h.handoff_id = :i"), {"i": record.id}).scalar()
    engine.dispose()
    assert str(linked) == "2026-10-22"


def test_rows_written_by_rasas_own_tracker_store_are_read(tmp_path):
    """One conversation saved by SQLTrackerStore itself (not by the fixture's copy of its mapping)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    path = tmp_path / "rasa.db"
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    t = time.time() - 3600
    parsed = {"name": "nlu_fallback", "confidence": 0.2}
    events = [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t + 1),
              ActionExecuted("action_listen", timestamp=t + 2),
              UserUttered("ねんきんのこと", intent=parsed, parse_data={"intent": parsed, "entities": []},
                          input_channel="telegram", timestamp=t + 3),
              SlotSet("last_topic", "fees", timestamp=t + 4)]
    asyncio.run(store.save(DialogueStateTracker.from_events("tg-rasa", events)))
    store.engine.dispose()
    database_url = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    result = collect(f"sqlite:///{path}", database_url, KEY)
    assert (result.conversations, result.messages, result.topics) == (1, 1, 1)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT channel, intent, fallback, text FROM analytics_messages")).one()
    engine.dispose()
    assert (row.channel, row.intent, bool(row.fallback), row.text) == ("telegram", "nlu_fallback", True, "ねんきんのこと")


# --- privacy ---------------------------------------------------------------------------------
def every_text_cell(url: str) -> List[str]:
    engine = make_engine(url)
    cells = []
    with engine.connect() as conn:
        for table in ANALYTICS_TABLES:
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")):
                cells += [str(v) for v in row if v is not None]
    engine.dispose()
    return cells


def test_no_personal_data_in_the_analytics_tables(world):
    run_collect(world)
    cells = every_text_cell(world["database_url"])
    text = "\n".join(cells)
    assert [n for cell in cells for n in find_my_numbers(cell)] == []  # cell by cell: dates in a row are no number
    assert MY_NUMBER not in text.replace(" ", "")
    for phone in ("090-1234-5678", "09012345678", "090-1111-2222", "09011112222"):
        assert phone not in text
    senders = [f"web-g{i}" for i in range(1, 9)] + ["kiosk-7", "kiosk-k1", "tg-f1", "tg-f7", "tg-secret-f9",
                                                     "web-w1", "web-x1", "web-o2", "web-r", "tg-ghost"]
    for sender in senders:
        assert sender not in text
    assert "私の番号は［個人番号］で、電話は［電話番号］です" in cells
    assert "［電話番号］ 午前中にお願いします" not in cells  # the callback turn is not an unanswered question


def test_residents_are_keyed_hashes(world):
    import hashlib
    import hmac

    run_collect(world)
    expected = hmac.new(KEY.encode(), b"analytics:web-r", hashlib.sha256).hexdigest()
    engine = make_engine(world["database_url"])
    with engine.connect() as conn:
        residents = [r for (r,) in conn.execute(sa.text("SELECT resident FROM analytics_conversations"))]
    engine.dispose()
    assert residents.count(expected) == 2  # the two sessions of one resident
    assert all(len(r) == 64 and int(r, 16) >= 0 for r in residents)


# --- every measure ---------------------------------------------------------------------------
def test_daily_and_weekly_activity(measured):
    busy = {1: (1, 1), 5: (6, 43), 6: (1, 3), 7: (10, 20), 10: (8, 15), 12: (1, 1), 14: (5, 10), 17: (1, 5),
            20: (2, 4), 31: (1, 2)}
    assert measured.daily == {dt.date(2026, 10, d): Activity(*busy.get(d, (0, 0))) for d in range(1, 32)}
    assert measured.totals == Activity(36, 104)
    monday = lambda d: dt.date(2026, 9, 28) if d < 1 else dt.date(2026, 10, d)  # noqa: E731
    assert measured.weekly == {monday(0): Activity(1, 1), monday(5): Activity(25, 81), monday(12): Activity(7, 16),
                               monday(19): Activity(2, 4), monday(26): Activity(1, 2)}


def test_channel_split(measured):
    assert measured.channels == {"rest": Activity(16, 65), "kiosk": Activity(11, 23), "telegram": Activity(9, 16)}


def test_heat_map(measured):
    expected = [[0] * 24 for _ in range(7)]
    for weekday, hour, n in ((3, 0, 1), (0, 10, 6), (1, 14, 1), (2, 9, 10), (5, 20, 8), (0, 8, 1), (2, 13, 5),
                             (5, 19, 1), (1, 9, 1), (1, 11, 1), (5, 23, 1)):
        expected[weekday][hour] = n
    assert measured.heat_map == expected


def test_containment(measured):
    # 17 conversations with a handoff record, and one offered a person at night.
    assert measured.containment == Rate(18, 36)
    assert measured.containment_by_topic == {
        "mynaportal_login": Rate(5, 6), "pin_forgotten_locked": Rate(1, 2), "receive_card": Rate(1, 16),
        "human_help_request": Rate(0, 16), "goodbye": Rate(6, 6), "out_of_scope": Rate(1, 1), "fees": Rate(2, 2),
        "greeting": Rate(1, 1),
    }


def test_handoff_rates(measured):
    assert measured.handoff_rate == Rate(17, 36)
    assert measured.handoff_rate_by_topic == {
        "mynaportal_login": Rate(1, 6), "pin_forgotten_locked": Rate(1, 2), "receive_card": Rate(15, 16),
        "human_help_request": Rate(16, 16), "goodbye": Rate(0, 6), "out_of_scope": Rate(0, 1), "fees": Rate(0, 2),
        "greeting": Rate(0, 1),
    }
    assert measured.handoff_rate_by_channel == {"rest": Rate(7, 16), "kiosk": Rate(10, 11), "telegram": Rate(0, 9)}


def test_handoff_reasons(measured):
    assert measured.handoff_reasons_by_topic == {
        "mynaportal_login": {"guide_stuck": 1}, "receive_card": {"kiosk_call": 10, "asked": 5},
        "pin_forgotten_locked": {"asked": 1}, "(none)": {"asked": 1},
    }
    assert measured.handoff_reasons_by_channel == {"rest": {"guide_stuck": 1, "asked": 6}, "kiosk": {"kiosk_call": 10},
                                                   "telegram": {"asked": 1}}
    assert measured.kiosk_handoffs_by_topic == {"receive_card": {"1": 6, "2": 4}}


def test_satisfaction(measured):
    s = measured.satisfaction
    assert (s.distribution, s.rated, s.asked, s.mean) == ({1: 1, 2: 3, 3: 0, 4: 1, 5: 0}, 5, 16, 2.2)
    by_topic = {t: (v.distribution, v.rated, v.asked) for t, v in measured.satisfaction_by_topic.items()}
    assert by_topic == {
        "mynaportal_login": ({1: 0, 2: 1, 3: 0, 4: 0, 5: 0}, 1, 1),
        "receive_card": ({1: 1, 2: 2, 3: 0, 4: 1, 5: 0}, 4, 15),
        "pin_forgotten_locked": ({1: 0, 2: 0, 3: 0, 4: 0, 5: 0}, 0, 0),
        "(none)": ({1: 0, 2: 0, 3: 0, 4: 0, 5: 0}, 0, 0),
    }


def test_fallback_and_out_of_scope(measured):
    assert measured.fallback_rate == Rate(9, 39)
    assert measured.fallback_rate_by_channel == {"rest": Rate(0, 23), "telegram": Rate(9, 16)}
    assert measured.out_of_scope_rate == Rate(1, 39)


def test_unanswered_themes(measured):
    themes = measured.unanswered_themes
    # The pension question was asked twice by one resident, the leaked number once: neither is a theme.
    assert [(t.count, t.wordings, t.residents) for t in themes] == [(6, 6, 6)]
    nfkc = lambda texts: {unicodedata.normalize("NFKC", t) for t in texts}  # noqa: E731 - as stored
    assert len(themes[0].examples) == 3 and nfkc(themes[0].examples) <= nfkc(CONVENIENCE)


def test_guide_funnels(world, measured):
    funnels = measured.guide_funnels
    assert set(funnels) == {MYNA, "pin_reset", "apply_smartphone", "receive_card"}
    myna = funnels[MYNA]
    assert (myna.started, myna.completed, myna.abandoned, myna.in_progress, myna.abandoned_before_steps) == (6, 3, 3, 0, 0)
    assert dict(myna.reasons) == {"handoff": 1, "stop": 1, "left": 1}
    steps = [(s.step, s.position, s.reached, s.done, s.stuck, s.abandoned) for s in myna.ordered_steps()]
    assert steps == [("prepare", 1, 6, 6, 0, 0), ("phone_install", 2, 6, 6, 0, 0), ("phone_cover", 3, 6, 6, 0, 0),
                     ("phone_nfc", 4, 6, 3, 5, 3), ("phone_open_login", 5, 3, 3, 0, 0)]
    pin = funnels["pin_reset"]
    assert (pin.started, pin.completed, pin.abandoned, dict(pin.reasons)) == (1, 0, 1, {"left": 1})
    assert [(s.step, s.reached, s.stuck, s.abandoned) for s in pin.ordered_steps()] == [("desk_reserve", 1, 1, 1)]
    smartphone = funnels["apply_smartphone"]
    assert (smartphone.started, smartphone.abandoned, smartphone.abandoned_before_steps, smartphone.steps) == (1, 1, 1, {})
    receive = funnels["receive_card"]
    assert (receive.started, receive.in_progress, receive.abandoned) == (1, 1, 0)
    # An hour later the resident in the receive guide has left it.
    engine = make_engine(world["database_url"])
    with engine.connect() as conn:
        later = M.guide_funnels(conn, OCTOBER, FUNNEL_NOW + dt.timedelta(hours=1))["receive_card"]
    engine.dispose()
    assert (later.in_progress, later.abandoned, dict(later.reasons)) == (0, 1, {"left": 1})


def test_hardest_steps(measured):
    assert [(s.guide, s.step, s.stuck, s.reached) for s in measured.hardest_steps] == [(MYNA, "phone_nfc", 5, 6)]


def test_migration_up_and_down(tmp_path):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from assistant.storage.db import alembic_config, migrate
    from assistant.storage.models import metadata

    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    command.downgrade(alembic_config(url), "0002")
    with engine.connect() as conn:
        assert not [t for t in sa.inspect(conn).get_table_names() if t.startswith("analytics")]
    migrate(url)
    with engine.connect() as conn:
        assert set(ANALYTICS_TABLES) <= set(sa.inspect(conn).get_table_names())
    engine.dispose()


def test_periods_are_days_in_japan_time():
    assert Period.month("2026-10").utc_bounds() == (dt.datetime(2026, 9, 30, 15), dt.datetime(2026, 10, 31, 15))
    assert Period.month("2026-12") == Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    with pytest.raises(ValueError):
        Period.month("2026-13")


# --- small groups, rules, report -------------------------------------------------------------
def test_small_groups_are_shown_as_under_five():
    assert [shown(n) for n in (0, 1, 4, 5, 1234)] == ["0", SMALL_LABEL, SMALL_LABEL, "5", "1,234"]
    assert [shown_rate(*r) for r in ((1, 4), (3, 100), (5, 6), (0, 10))] == ["—", "—", "83%", "0%"]


@pytest.fixture(scope="module")
def names():
    return load_names(PROJECT_ROOT / "knowledge")


def test_recommendations_follow_the_rules(measured, names):
    recs = [(r.rule.id, r.text) for r in recommend(measured, names)]
    step = names.step(MYNA, "phone_nfc", 4)
    assert recs == [
        ("stuck_step", f"スマホ教室で『マイナポータルに初めてログイン の {step}』を取り上げる"),
        ("kiosk_calls", "『本人による受取』の手続きを対面で手伝う職員を、キオスク 1 の近くの窓口に置く"),
        ("knowledge_gap", f"ナビの知識に、『{measured.unanswered_themes[0].examples[0]}』のような質問への答えを加える"),
        ("low_satisfaction", "職員研修で、引き継ぎ後のチャット対応全般を取り上げる"),
    ]
    # Never from a small group: the pension theme (2), the PIN reset step (1), satisfaction by topic (4 answers).
    text = "\n".join(t for _, t in recs)
    assert "年金" not in text and "暗証番号" not in text and "キオスク 2" not in text


def test_report_renders(measured, names):
    html = render(ReportInput(measured, names, city="さくらみなと市"))
    assert "デジタルデバイド対策レポート" in html and "2026年10月" in html
    step = names.step(MYNA, "phone_nfc", 4)
    assert "マイナポータルに初めてログイン" in html and step in html
    assert f"スマホ教室で『マイナポータルに初めてログイン の {step}』を取り上げる" in html
    assert SMALL_LABEL in html
    # The pension questions of one resident make no theme: neither they nor their count are printed.
    assert "年金の手続き" not in html
    assert "私の番号は" not in html
    assert "<script" not in html


def test_report_escapes_what_residents_wrote(measured, names):
    from assistant.analytics.themes import Theme

    measured.unanswered_themes = [Theme(7, ("<script>alert(1)</script>",), 1)]
    html = render(ReportInput(measured, names))
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_commands(tmp_path, monkeypatch):
    """`madoguchi analytics collect` then `madoguchi report` on a small tracker of yesterday."""
    from assistant.analytics.cli import main

    monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MADOGUCHI_ID_KEY", raising=False)
    monkeypatch.delenv("MADOGUCHI_PG_HOST", raising=False)
    database_url = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    tracker = tracker_engine(tmp_path / "tracker.db")
    yesterday = dt.datetime.now(JST).replace(tzinfo=None) - dt.timedelta(days=1)
    save(tracker, Conversation("web-cli", yesterday, "rest").says("手数料", "fees", 0.9).topic("fees"))
    tracker.dispose()
    monkeypatch.setenv("MADOGUCHI_TRACKER_DB", str(tmp_path / "tracker.db"))
    assert main(["analytics", "collect", "--database-url", database_url]) == 0
    assert (tmp_path / "id_key").exists()  # the product's id key, generated once
    assert table_counts(database_url)["analytics_messages"] == 1
    out = tmp_path / "report" / "monthly.html"
    assert main(["report", "--month", f"{yesterday:%Y-%m}", "--out", str(out), "--database-url", database_url]) == 0
    assert "デジタルデバイド対策レポート" in out.read_text(encoding="utf-8")
    if Path("/usr/bin/chromium").exists():  # printed to PDF where a renderer is at hand
        assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(SystemExit):
        main(["report", "--out", str(out)])


# --- PostgreSQL ------------------------------------------------------------------------------
def _postgres() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


@pytest.mark.services
def test_the_same_measures_on_postgresql(world, tmp_path):
    if not _postgres():
        if os.environ.get("MADOGUCHI_REQUIRE_SERVICES"):
            pytest.fail("PostgreSQL not running on 127.0.0.1")
        pytest.skip("PostgreSQL not running on 127.0.0.1")
    from tests.helpers.services import postgres_database, postgres_url

    with postgres_database("madoguchi_analytics") as name:
        url = postgres_url(name)
        store = HandoffStore.from_url(url, upgrade=True)
        tracker = tracker_engine(tmp_path / "pg-tracker.db")
        october_tracker(tracker, Handoffs(store))
        store.close()
        tracker.dispose()
        pg_tracker = f"sqlite:///{tmp_path / 'pg-tracker.db'}"
        first = collect(pg_tracker, url, KEY, now=COLLECT_NOW)
        again = collect(pg_tracker, url, KEY, now=COLLECT_NOW)
        assert (first.conversations, first.messages, first.handoffs, first.linked) == (39, 106, 19, 18)
        assert (again.conversations, again.messages, again.handoffs) == (0, 0, 0)
        run_collect(world)
        on_pg, on_sqlite = october(url), october(world["database_url"])
        for measure in ("daily", "weekly", "channels", "heat_map", "containment", "containment_by_topic", "handoff_rate",
                        "handoff_rate_by_topic", "handoff_rate_by_channel", "handoff_reasons_by_topic",
                        "handoff_reasons_by_channel", "kiosk_handoffs_by_topic", "satisfaction", "fallback_rate",
                        "fallback_rate_by_channel", "out_of_scope_rate", "unanswered_themes", "guide_funnels"):
            assert getattr(on_pg, measure) == getattr(on_sqlite, measure), measure


# --- unanswered themes: what the report may quote -----------------------------------------------
STORIES = [  # identifying stories from six residents, all about collecting a parent's card for them
    "母（82歳）が施設に入所しています。母のカードの受け取りを代わりにしたいのですが、私は娘で別世帯です。どうすればいいですか？",
    "父が87歳で寝たきりです。父のカードの受け取りを息子の私が代わりにできますか。昭和14年生まれです。",
    "祖母（91歳）が入院中で、祖母のカードの受け取りを孫の私が代理でしてもいいですか",
    "妻が病気で外に出られません。妻のカードの受け取りを夫の私が代わりにできますか？",
    "義母が介護施設にいて、義母のカードの受け取りを嫁の私がしたいです。主人は単身赴任中です。",
    "母が90歳で足が悪いです。母のカードの受け取りを代わりに娘がしてもいいでしょうか",
]
NOISE = ["thx", "どうも〜", "ありがとうございました", "こんにちは", "カード", "マイナ保険証", "はい", "OK!"]


def story_world(tmp_path, texts_by_sender: Dict[str, List[str]]) -> M.Measures:
    tracker = tracker_engine(tmp_path / "tracker.db")
    conversations = []
    for n, (sender, texts) in enumerate(texts_by_sender.items()):
        c = Conversation(sender, dt.datetime(2026, 10, 6, 9, n % 60), "rest")
        for text in texts:
            c.says(text, "nlu_fallback", 0.2)
        conversations.append(c)
    save(tracker, *conversations)
    url = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    collect(f"sqlite:///{tmp_path / 'tracker.db'}", url, KEY, now=COLLECT_NOW)
    tracker.dispose()
    return october(url)


def test_the_report_never_prints_a_residents_story(tmp_path, names):
    measured = story_world(tmp_path, {f"web-story{i}": [text] for i, text in enumerate(STORIES)})
    themes = measured.unanswered_themes
    assert sum(t.count for t in themes) == 6 and all(t.residents >= 2 for t in themes)
    assert themes[0].count >= 5  # its examples are printed
    html = render(ReportInput(measured, names))
    examples = themes[0].examples
    assert len(examples) == 3 and all(len(e) <= 32 for e in examples), examples
    for example in examples:
        assert example in html
    for story in STORIES:
        assert story not in html
        for sentence in story.replace("？", "。").split("。"):
            assert len(sentence) < 20 or sentence not in html, sentence  # no whole sentence of a story either
    for identifying in ("82歳", "87歳", "91歳", "90歳", "昭和14年", "別世帯", "寝たきり", "単身赴任"):
        assert identifying not in html, identifying
    quoted = "".join(examples)
    for relation in ("母", "父", "娘", "息子", "祖母", "孫", "妻", "夫", "義母", "嫁", "主人"):
        assert relation not in quoted, (relation, examples)
    assert "家族" in quoted
    recs = [r.text + r.evidence for r in recommend(measured, names) if r.rule.id == "knowledge_gap"]
    assert all(story not in rec and "歳" not in rec and "娘" not in rec for rec in recs for story in STORIES)


def test_greetings_thanks_and_bare_words_make_no_theme(tmp_path, names):
    senders = {f"tg-noise{i}": NOISE for i in range(8)}
    senders["web-repeat"] = ["年金の振込口座を変えたい"] * 7  # one resident, seven times
    senders.update({f"web-stamp{i}": ["印鑑登録の証明書はどこで取れますか"] for i in range(2)})
    measured = story_world(tmp_path, senders)
    themes = measured.unanswered_themes
    assert [(t.count, t.residents) for t in themes] == [(2, 2)]  # only the question two residents asked
    assert themes[0].examples == ("印鑑登録の証明書はどこで取れますか",)
    quoted = "".join(e for t in themes for e in t.examples)
    assert not any(word in quoted for word in ("thx", "どうも", "ありがとう", "こんにちは", "年金"))
    assert [r for r in recommend(measured, names) if r.rule.id == "knowledge_gap"] == []  # 2 residents: too few
    html = render(ReportInput(measured, names))
    assert "thx" not in html and "『カード』" not in html and "年金" not in html


def test_examples_are_short_and_generalised():
    from assistant.analytics.examples import deidentify, example_wording, is_noise

    assert deidentify("母（82歳）と私") == "家族（80代）と私"
    assert deidentify("父は75歳です") == "家族は70代です"
    assert deidentify("大丈夫ですか、母子手帳は") == "大丈夫ですか、母子手帳は"  # words that only contain 夫 or 母 stay
    long_question = "マイナンバーカードの電子証明書の更新の通知が来たのですがコンビニでも更新できるのでしょうか"
    shown_text = example_wording(long_question)
    assert len(shown_text) <= 31 and shown_text.endswith("…") and shown_text != long_question
    assert [is_noise(t) for t in ("thx", "どうもー", "カード", "暗証番号", "コンビニ 住民票", "カードを落とした")] == \
        [True, True, True, True, False, False]
