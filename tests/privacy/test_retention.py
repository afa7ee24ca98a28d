"""Retention deletes old conversation events and keeps recent ones."""
import time

import pytest
import sqlalchemy as sa

from assistant.cli import main as cli_main
from assistant.privacy.retention import purge_old_events, purge_telegram_chats
from assistant.staff.accounts import StaffAccounts


@pytest.fixture
def tracker_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url)
    now = time.time()
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp FLOAT, data TEXT)"))
        rows = [("old", now - 100 * 86400), ("old", now - 91 * 86400), ("recent", now - 10 * 86400), ("recent", now - 60)]
        for sender, ts in rows:
            conn.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, '{}')"), {"s": sender, "t": ts})
    engine.dispose()
    return url, now


def test_events_older_than_the_period_are_deleted(tracker_db):
    url, now = tracker_db
    result = purge_old_events(url, 90, now=now)
    assert result.events_deleted == 2 and result.conversations_left == 1
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars().all() == ["recent"]


def test_zero_days_is_refused(tracker_db):
    with pytest.raises(ValueError):
        purge_old_events(tracker_db[0], 0)


def test_the_command_reports_what_it_did(tracker_db, tmp_path, capsys):
    handoffs = f"sqlite:///{tmp_path / 'handoff.db'}"
    assert cli_main(["retention", "--days", "5", "--db-url", tracker_db[0], "--database-url", handoffs]) == 0
    out = capsys.readouterr().out
    assert "deleted 3 events, 0 closed handoffs and 0 Telegram chat addresses" in out and "blanked 0" in out


def test_closed_handoffs_and_their_callback_numbers_are_deleted_open_ones_kept(tmp_path):
    import datetime as dt

    from assistant.handoff.store import HandoffStore
    from assistant.storage.models import Handoff

    store = HandoffStore.from_url(f"sqlite:///{tmp_path / 'handoff.db'}", upgrade=True)
    staff = StaffAccounts(store.engine).create_staff("sato", "佐藤", "x")
    old, _ = store.open(conversation_id="old", channel="rest", reason="asked", status="callback_collecting")
    store.save_callback(old, "090-1111-2222", "午前")
    store.resolve(old.id, staff.id, "phone", "")
    waiting, _ = store.open(conversation_id="waiting", channel="rest", reason="asked")
    store.add_resident_message(waiting, "まだ待っています")
    with store.Session() as s, s.begin():  # both were last touched 100 days ago
        s.execute(sa.update(Handoff).values(updated_at=dt.datetime.utcnow() - dt.timedelta(days=100)))
    assert store.purge_closed(90) == 1
    assert [h.conversation_id for h in store.search()] == ["waiting"]
    assert len(store.messages(waiting.id)) == 1


def test_telegram_chat_addresses_of_residents_not_seen_for_the_period_are_forgotten(tmp_path):
    import datetime as dt

    from assistant.handoff.store import HandoffStore
    from assistant.storage.models import TelegramChat

    store = HandoffStore.from_url(f"sqlite:///{tmp_path / 'handoff.db'}", upgrade=True)
    now = dt.datetime.utcnow()
    with store.Session() as s, s.begin():
        s.add(TelegramChat(sender_id="tg-old", chat_id=111, user_key="k1", generation=0, updated_at=now - dt.timedelta(days=91)))
        s.add(TelegramChat(sender_id="tg-new", chat_id=222, user_key="k2", generation=0, updated_at=now))
    assert purge_telegram_chats(store.engine, 90) == 1
    with store.Session() as s:
        assert [c.sender_id for c in s.query(TelegramChat)] == ["tg-new"]
