"""The event log the broker consumer writes: rows in the tracker store's shape, in time order, once."""
import json

from assistant.analytics.event_log import event_log_engine, event_row, event_rows, store_events


def body(**event) -> bytes:
    return json.dumps(event).encode()


def test_a_rasa_event_becomes_a_tracker_store_row():
    row = event_row(body(event="user", sender_id="s1", timestamp=10.5, text="暗証番号",
                         parse_data={"intent": {"name": "pin_forgotten_locked"}}))
    assert (row["sender_id"], row["type_name"], row["timestamp"], row["intent_name"]) == ("s1", "user", 10.5, "pin_forgotten_locked")
    assert json.loads(row["data"])["text"] == "暗証番号" and "sender_id" not in json.loads(row["data"])
    assert event_row(b"not json") is None and event_row(body(event="user")) is None


def test_events_are_stored_in_time_order_and_a_redelivery_is_skipped(tmp_path):
    engine = event_log_engine(f"sqlite:///{tmp_path / 'events.db'}")
    late = event_row(body(event="user", sender_id="s1", timestamp=2.0, text="二つ目"))
    early = event_row(body(event="user", sender_id="s1", timestamp=1.0, text="一つ目"))
    assert store_events(engine, [late, early]) == 2
    assert store_events(engine, [early]) == 0
    with engine.connect() as conn:
        texts = [json.loads(d)["text"] for (d,) in conn.exec_driver_sql("SELECT data FROM events ORDER BY id")]
    assert texts == ["一つ目", "二つ目"]
    engine.dispose()


def test_a_saves_events_in_one_message_become_the_same_rows_as_one_message_each():
    events = [dict(event="user", sender_id="s2", timestamp=1.0, text="手数料は？", parse_data={"intent": {"name": "card_fee"}}),
              dict(event="action", sender_id="s2", timestamp=1.1, name="action_answer"),
              dict(event="bot", sender_id="s2", timestamp=1.2, text="無料です")]
    together = event_rows(json.dumps(events).encode())
    assert together == [event_row(body(**e)) for e in events]  # the same keys too: a redelivery in either form is skipped
    assert [r["action_name"] for r in together] == [None, "action_answer", None]
    assert event_rows(json.dumps([events[0], {"no": "event"}]).encode()) is None
    assert event_rows(b"[]") is None and event_row(json.dumps(events).encode()) is None
