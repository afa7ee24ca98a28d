"""`madoguchi demo`: a small demo month driven through the running servers, moved into the month and collected."""
import datetime as dt
import json
import random
import time

import pytest
import sqlalchemy as sa

from assistant.analytics import measures as M
from assistant.analytics.anonymize import ResidentKeys
from assistant.analytics.collect import collect
from assistant.analytics.period import Period
from assistant.privacy.keys import load_id_key
from assistant.demo.cli import main
from assistant.demo.run import DemoOptions, run_demo
from assistant.demo.timeline import Placer, Timeline, last_month, quotas
from assistant.knowledge.office_hours import JST, load_office_hours
from assistant.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
SEED = 4  # its 30 conversations have several handoffs, stuck steps and unanswered questions


def options(assistant, conversations, **extra):
    data = assistant.data_dir
    return DemoOptions(url=assistant.url, tracker_url=f"sqlite:///{data / 'tracker.db'}",
                       database_url=f"sqlite:///{data / 'madoguchi.db'}", id_key=load_id_key(data),
                       knowledge_dir=KNOWLEDGE, month=last_month(), conversations=conversations,
                       api_token=assistant.token, **extra)


def select(conn, sql, **lists):
    """Rows of a query whose :names are lists (expanded into IN (...))."""
    query = sa.text(sql).bindparams(*(sa.bindparam(name, expanding=True) for name in lists))
    return conn.execute(query, lists).all()


def at(text):
    """A time as SQLite returns it (text), as a naive UTC datetime."""
    return dt.datetime.fromisoformat(str(text))


def conversations_of(conn, keys, senders):
    return select(conn, "SELECT id, local_date, channel FROM analytics_conversations WHERE resident IN :r",
                  r=[keys(s) for s in senders])


@pytest.fixture(scope="module")
def demo(assistant):
    """A conversation of today's resident, then a demo of 30 conversations last month."""
    before = time.time()
    assistant.send("resident-before-demo", "マイナンバーカードの暗証番号わすれた")
    result = run_demo(options(assistant, 30, seed=SEED, concurrency=3))
    return result, before


@pytest.mark.model
def test_the_demo_month_is_collected_for_the_dashboard(assistant, demo):
    result, _ = demo
    assert result.conversations == 30 and result.messages >= 60
    assert result.guide_runs and result.handoffs and result.rated
    period = Period.month(last_month())
    keys = ResidentKeys(load_id_key(assistant.data_dir))
    engine = sa.create_engine(f"sqlite:///{assistant.data_dir / 'madoguchi.db'}")
    with engine.connect() as conn:
        rows = conversations_of(conn, keys, result.senders)
        assert len(rows) == 30
        assert all(period.start <= dt.date.fromisoformat(str(r.local_date)) <= period.end for r in rows)
        assert {"rest", "kiosk", "telegram"} <= {r.channel for r in rows}
        ids = [r.id for r in rows]
        assert select(conn, "SELECT text FROM analytics_messages WHERE fallback AND text IS NOT NULL "
                            "AND conversation_id IN :ids", ids=ids), "no unanswered question in the demo"
        rated = select(conn, "SELECT satisfaction FROM analytics_handoffs WHERE status = 'resolved' "
                             "AND satisfaction IS NOT NULL AND resident IN :r", r=[keys(s) for s in result.senders])
        assert rated and all(1 <= r.satisfaction <= 5 for r in rated)
        # What the dashboard and the report show for the month.
        funnels = M.guide_funnels(conn, period)
        assert any(step.stuck for funnel in funnels.values() for step in funnel.steps.values())
        assert M.satisfaction(conn, period).rated >= 1
        assert M.unanswered_themes(conn, period)
        assert {"kiosk", "telegram"} <= set(M.channel_split(conn, period))
    engine.dispose()


@pytest.mark.model
def test_only_demo_conversations_are_moved_into_the_month(assistant, demo):
    result, before = demo
    first, after = Period.month(last_month()).utc_bounds()
    low = first.replace(tzinfo=dt.timezone.utc).timestamp()
    high = after.replace(tzinfo=dt.timezone.utc).timestamp()
    tracker = sa.create_engine(f"sqlite:///{assistant.data_dir / 'tracker.db'}")
    with tracker.connect() as conn:
        rows = select(conn, "SELECT sender_id, timestamp, data FROM events WHERE sender_id IN :s", s=result.senders)
        assert {r.sender_id for r in rows} == set(result.senders)
        for row in rows:
            assert low <= row.timestamp < high and json.loads(row.data)["timestamp"] == row.timestamp
        today = conn.execute(sa.text("SELECT timestamp FROM events WHERE sender_id = 'resident-before-demo'")).all()
        assert today and all(r.timestamp >= before - 5 for r in today)
    tracker.dispose()
    product = sa.create_engine(f"sqlite:///{assistant.data_dir / 'madoguchi.db'}")
    with product.connect() as conn:
        records = select(conn, "SELECT status, created_at, resolved_at, updated_at FROM handoffs "
                               "WHERE conversation_id IN :s", s=result.senders)
        messages = select(conn, "SELECT created_at FROM handoff_messages WHERE conversation_id IN :s", s=result.senders)
    product.dispose()
    assert records and messages
    for status, created, resolved, updated in records:
        assert status in ("resolved", "called_back", "cancelled")  # nothing of the demo left in the queue
        assert first <= at(created) <= at(resolved) <= at(updated) < after
    assert all(first <= at(m.created_at) < after for m in messages)


@pytest.mark.model
def test_a_second_run_adds_a_batch_and_remove_deletes_all_demo_data(assistant, demo, capsys, monkeypatch):
    first, _ = demo
    second = run_demo(options(assistant, 4, seed=SEED, concurrency=2))
    assert not set(first.senders) & set(second.senders)
    keys = ResidentKeys(load_id_key(assistant.data_dir))
    engine = sa.create_engine(f"sqlite:///{assistant.data_dir / 'madoguchi.db'}")
    with engine.connect() as conn:
        assert len(conversations_of(conn, keys, first.senders + second.senders)) == 34
    monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(assistant.data_dir))
    assert main(["--remove", "--tracker-url", f"sqlite:///{assistant.data_dir / 'tracker.db'}",
                 "--database-url", f"sqlite:///{assistant.data_dir / 'madoguchi.db'}"]) == 0
    assert "34 conversations" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conversations_of(conn, keys, first.senders + second.senders) == []
        assert not conn.execute(sa.text("SELECT COUNT(*) FROM handoffs WHERE conversation_id LIKE 'demo-%'")).scalar()
    tracker = sa.create_engine(f"sqlite:///{assistant.data_dir / 'tracker.db'}")
    with tracker.connect() as conn:
        assert not conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id LIKE 'demo-%'")).scalar()
        assert conn.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = 'resident-before-demo'")).scalar()
    tracker.dispose()
    # The watermark went back with the deleted events: a conversation after them is still collected.
    assistant.send("resident-after-demo", "マイナンバーカードを作りたい")
    collect(f"sqlite:///{assistant.data_dir / 'tracker.db'}", f"sqlite:///{assistant.data_dir / 'madoguchi.db'}",
            load_id_key(assistant.data_dir), settle_seconds=0)
    with engine.connect() as conn:
        assert len(conversations_of(conn, keys, ["resident-after-demo"])) == 1
    engine.dispose()


# --- without the servers --------------------------------------------------------------------------

def test_an_unreachable_tracker_store_is_refused_with_a_clear_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(tmp_path))
    database = f"sqlite:///{tmp_path / 'madoguchi.db'}"
    assert main(["--tracker-url", f"sqlite:///{tmp_path / 'missing.db'}", "--database-url", database,
                 "--url", "http://127.0.0.1:9", "--month", "2026-10"]) == 1
    err = capsys.readouterr().err
    assert "the tracker store" in err and "missing.db does not exist" in err
    assert main(["--tracker-url", "postgresql://demo:secret-pw@127.0.0.1:9/tracker", "--database-url", database,
                 "--url", "http://127.0.0.1:9", "--month", "2026-10"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the tracker store postgresql://demo:***@127.0.0.1:9/tracker" in err and "secret-pw" not in err


def test_moments_fall_in_the_month_mostly_on_weekdays_and_open_hours_for_staff():
    hours = load_office_hours(KNOWLEDGE)
    placer = Placer("2026-10", hours, now=dt.datetime(2026, 11, 26, tzinfo=JST).timestamp())
    rng = random.Random(7)
    starts = [placer.any_time(rng, "rest", 600) for _ in range(2000)]
    month = Period.month("2026-10")
    local = [dt.datetime.fromtimestamp(s, JST) for s in starts]
    assert all(month.start <= t.date() <= month.end for t in local)
    assert sum(t.weekday() < 5 for t in local) / len(local) > 0.8
    assert sum(9 <= t.hour < 17 for t in local) / len(local) > 0.55
    for _ in range(200):
        start = placer.open_time(rng, 900)
        assert hours.is_open(dt.datetime.fromtimestamp(start, JST))
        assert hours.is_open(dt.datetime.fromtimestamp(start + 899, JST))
        closed = placer.closed_time(rng, "telegram", 300, 300)
        assert not hours.is_open(dt.datetime.fromtimestamp(closed, JST))


def test_a_month_that_has_not_passed_is_refused():
    from assistant.demo.timeline import MonthError

    with pytest.raises(MonthError):
        Placer("2026-12", load_office_hours(KNOWLEDGE), now=dt.datetime(2026, 11, 26, tzinfo=JST).timestamp())


def test_quotas_keep_the_shares_and_every_kind():
    names = quotas(("rest", "kiosk", "telegram"), (60, 25, 15), 1000, random.Random(1))
    assert (names.count("rest"), names.count("kiosk"), names.count("telegram")) == (600, 250, 150)
    few = quotas(("a", "b", "c", "d"), (80, 10, 6, 4), 10, random.Random(1))
    assert len(few) == 10 and set(few) == {"a", "b", "c", "d"}


def test_the_timeline_keeps_order_and_gaps_and_adds_pauses(monkeypatch):
    import types

    from assistant.demo import timeline as module

    clock = iter([100.0, 101.0, 103.0])
    monkeypatch.setattr(module, "time", types.SimpleNamespace(time=lambda: next(clock)))
    timeline = Timeline()
    timeline.mark()          # 100: the first message
    timeline.mark(60)        # 101: a minute of reading before the second
    timeline.mark(0)         # 103: straight on
    to_demo = timeline.mapper(5000.0)
    assert to_demo(100.0) == 5000.0 and to_demo(100.5) == 5000.5
    assert to_demo(101.0) == 5061.0 and to_demo(103.2) == 5063.2
