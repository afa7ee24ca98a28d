"""Through the running servers: personal data typed by residents reaches neither the tracker store, nor the
handoff records and the messages to staff, nor the logs."""
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.privacy.strategies import FULL_WIDTH, with_check_digit

pytestmark = pytest.mark.model

SENT = []


def stored_bytes(assistant) -> bytes:
    data = b"".join(p.read_bytes() for p in assistant.data_dir.glob("tracker.db*"))
    data += b"".join(p.read_bytes() for p in assistant.data_dir.glob("madoguchi.db*"))
    data += b"".join(p.read_bytes() for p in assistant.log_dir.glob("*.log"))
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(alphabet="0123456789", min_size=11, max_size=11), style=st.integers(0, 3))
def test_my_numbers_typed_in_chat_are_not_stored(assistant, body, style):
    number = with_check_digit(body)
    shown = [number, f"{number[:4]} {number[4:8]} {number[8:]}", f"{number[:4]}-{number[4:8]}-{number[8:]}",
             number.translate(FULL_WIDTH)][style]
    replies = assistant.send(f"p-{uuid.uuid4().hex[:8]}", f"私のマイナンバーは{shown}です。カードをなくしました")
    assert "入力しないでください" in replies[0]["text"]
    SENT.extend([number, shown])


@pytest.fixture(scope="module")
def with_staff(assistant):
    """A conversation that staff have: what the resident types goes to the handoff record."""
    sender = f"p-{uuid.uuid4().hex[:8]}"
    assert "職員におつなぎします" in assistant.text(sender, "職員さんと話したいです")
    return sender


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(alphabet="0123456789", min_size=11, max_size=11), style=st.integers(0, 3))
def test_my_numbers_typed_to_staff_during_a_handoff_are_not_stored(assistant, with_staff, body, style):
    number = with_check_digit(body)
    shown = [number, f"{number[:4]} {number[4:8]} {number[8:]}", f"{number[:4]}-{number[4:8]}-{number[8:]}",
             number.translate(FULL_WIDTH)][style]
    replies = assistant.send(with_staff, f"職員さん、私の番号は{shown}です")
    assert "入力しないでください" in replies[0]["text"] and replies[1]["custom"]["from"] == "system"
    SENT.extend([number, shown])


def test_nothing_typed_is_found_in_the_tracker_store_or_logs(assistant):
    sender = f"p-{uuid.uuid4().hex[:8]}"
    assistant.send(sender, "暗証番号は4821です。ロックされました")
    assistant.send(sender, "電話番号は090-3141-5926、メールは hanako@example.jp です")
    events = assistant.tracker(sender)["events"]
    texts = [e["text"] for e in events if e["event"] == "user"]
    assert texts == ["暗証番号は［暗証番号］です。ロックされました", "電話番号は［電話番号］、メールは ［メールアドレス］ です"]
    stored = stored_bytes(assistant)
    for secret in ["4821です", "090-3141-5926", "hanako@example.jp"] + SENT:
        assert secret.encode() not in stored, secret
    assert SENT, "the My Number property tests ran first and sent numbers"
    held = [m.text for h in assistant.store.search(limit=1000) for m in assistant.store.messages(h.id)]
    assert any("［個人番号］" in text for text in held), "the handoff messages hold the placeholder instead"


def test_nothing_typed_reaches_the_analytics_tables(assistant):
    """The collector over this run's tracker store: the analytics cells hold no number that was typed."""
    import sqlite3

    from assistant.analytics.collect import collect

    sender = f"p-{uuid.uuid4().hex[:8]}"
    assistant.send(sender, "電話は090-2718-2818です。ぴよぴよ")
    database = assistant.data_dir / "madoguchi.db"
    result = collect(f"sqlite:///{assistant.data_dir / 'tracker.db'}", f"sqlite:///{database}", "k" * 32,
            source="privacy-test", settle_seconds=0)
    conn = sqlite3.connect(database)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'analytics_%'")]
        cells = [str(c) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"') for c in row if c is not None]
    finally:
        conn.close()
    assert result.conversations > 0 and cells
    for secret in ["090-2718-2818", sender] + SENT:
        assert not any(secret in c for c in cells), secret


def test_sender_ids_with_phone_numbers_stay_apart_and_are_not_stored(assistant):
    """An integrator may use a phone number as the sender id: each becomes its own keyed hash."""
    first, second = "sms-090-1357-2468", "sms-090-8642-9753"
    assistant.send(first, "暗証番号を忘れました")
    assistant.send(second, "マイナンバーカードをなくしました")
    import sqlite3

    conn = sqlite3.connect(assistant.data_dir / "tracker.db")
    try:
        senders = {row[0] for row in conn.execute("SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE 'h-%'")}
        stored = " ".join(str(r[0]) for r in conn.execute("SELECT sender_id || data FROM events"))
    finally:
        conn.close()
    assert len(senders) >= 2
    assert "1357-2468" not in stored and "8642-9753" not in stored
    again = assistant.send(first, "/pin_forgotten_locked")
    assert again
