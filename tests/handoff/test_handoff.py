"""Handoff over the REST channel with the real servers: a person takes over, the bot stays silent,
staff replies reach the resident, resolving brings the bot back with the satisfaction question. (A restart
while a handoff waits is a fault: tests/server/test_faults.py, on the stack it restarts anyway.)"""
import uuid

import pytest

from assistant.staff.accounts import StaffAccounts

pytestmark = pytest.mark.model


def new_sender() -> str:
    return f"h-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def staff(assistant):
    return StaffAccounts(assistant.store.engine).create_staff(f"yamada-{uuid.uuid4().hex[:6]}", "山田", "not-a-real-hash")


def test_resident_asks_for_a_person_staff_answers_and_the_bot_comes_back(assistant, staff):
    store, sender = assistant.store, new_sender()
    first = assistant.send(sender, "職員さんと話がしたいです")
    assert "職員におつなぎします" in first[0]["text"]
    record = store.open_handoff(sender)
    assert (record.status, record.reason, record.channel) == ("waiting", "asked", "rest")
    events_before = len(assistant.tracker(sender)["events"])

    # While staff have it, the bot stays silent: the message goes to staff, redacted.
    held = assistant.send(sender, "暗証番号を忘れました。電話は090-1111-2222です")
    assert [m["custom"]["from"] for m in held] == ["system"] and "出典" not in held[0]["text"]
    assert len(assistant.tracker(sender)["events"]) == events_before
    resident_lines = [m.text for m in store.messages(record.id) if m.author == "resident"]
    assert resident_lines == ["暗証番号を忘れました。電話は［電話番号］です"]

    # A staff reply reaches the resident by polling, once.
    store.reply(record.id, staff.id, "山田です。暗証番号の再設定は、カードと本人確認書類を持って窓口へどうぞ。")
    inbox = assistant.post("/webhooks/rest/inbox", {"sender": sender})
    assert [m["text"] for m in inbox] == ["【職員より】山田です。暗証番号の再設定は、カードと本人確認書類を持って窓口へどうぞ。"]
    assert assistant.post("/webhooks/rest/inbox", {"sender": sender}) == []
    assert store.get(record.id).status == "assigned"

    # ... or with the answer to the resident's next message.
    store.reply(record.id, staff.id, "ほかにご不明な点はありますか？")
    answer = assistant.send(sender, "わかりました")
    assert answer[0]["text"] == "【職員より】ほかにご不明な点はありますか？"

    # Resolving brings the bot back with a one-tap satisfaction question.
    store.resolve(record.id, staff.id, "answered", "窓口を案内", "相談を終わりました。\n満足度は？",
                  [{"title": str(n), "payload": f'/handoff_feedback{{"score":"{n}"}}'} for n in range(1, 6)])
    closing = assistant.post("/webhooks/rest/inbox", {"sender": sender})
    assert [b["title"] for b in closing[0]["buttons"]] == ["1", "2", "3", "4", "5"]
    thanks = assistant.send(sender, closing[0]["buttons"][3]["payload"])
    assert "ありがとうございました" in thanks[0]["text"]
    assert store.get(record.id).satisfaction == 4
    back = assistant.text(sender, "暗証番号を忘れた")
    assert "出典" in back and store.open_handoff(sender) is None


def test_kiosk_call_button_names_the_kiosk(assistant):
    sender = new_sender()
    status, replies = assistant.raw(
        ('{"sender": "%s", "message": "/human_help_request", "input_channel": "kiosk", "metadata": {"kiosk": "5"}}'
         % sender).encode())
    assert status == 200 and "キオスク 5" in replies[0]["text"]
    record = assistant.store.open_handoff(sender)
    assert (record.channel, record.reason, record.kiosk_id) == ("kiosk", "kiosk_call", "5")


def test_a_dv_victim_is_answered_and_handed_to_a_person(assistant):
    sender = new_sender()
    text = assistant.text(sender, "夫の暴力から避難していて、マイナンバーカードを家に置いてきてしまいました")
    assert "0120-95-0178" in text and "職員におつなぎします" in text
    assert assistant.store.open_handoff(sender).reason == "sensitive_dv"


def test_outbox_for_bridges_needs_the_token_and_acknowledges(assistant, staff):
    import json
    import urllib.error
    import urllib.request

    sender = new_sender()
    assistant.raw(json.dumps({"sender": sender, "message": "人と話したい", "input_channel": "telegram"}).encode())
    record = assistant.store.open_handoff(sender)
    message = assistant.store.reply(record.id, staff.id, "お待たせしました。")
    url = f"{assistant.url}/webhooks/rest/outbox?channel=telegram"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 401
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {assistant.token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        pending = json.loads(resp.read())["messages"]
    assert {"id": message.id, "recipient_id": sender, "text": "【職員より】お待たせしました。"}.items() <= next(
        m for m in pending if m["id"] == message.id).items()
    ack = urllib.request.Request(f"{assistant.url}/webhooks/rest/outbox/ack", data=json.dumps({"ids": [message.id]}).encode(),
                                 headers={"Authorization": f"Bearer {assistant.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(ack, timeout=10) as resp:
        assert json.loads(resp.read()) == {"acknowledged": 1}
    assert assistant.post("/webhooks/rest/inbox", {"sender": sender}) == []
