"""Faults: the action server dies, the whole server restarts mid-guide or while a handoff waits. Residents get an
answer; nothing is lost."""
import os
import signal
import subprocess
import sys
import uuid

import pytest

from assistant.launcher import Stack, wait_for
from assistant.staff.accounts import StaffAccounts
from tests.conftest import ARTIFACTS, MODEL, Assistant, always_open_knowledge, free_port

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack of its own to break and restart (the session's servers go on untouched); its desk never closes, so
    that a resident asking for a person is always handed over."""
    data_dir = tmp_path_factory.mktemp("faults")
    s = Stack(model=MODEL, data_dir=data_dir, rasa_port=free_port(), action_port=free_port(), console_port=free_port(),
              log_dir=ARTIFACTS / "logs-faults",
              extra_env={"MADOGUCHI_NLU_WORKERS": "0",  # the session's server tests the worker
                         "MADOGUCHI_KNOWLEDGE_DIR": str(always_open_knowledge(tmp_path_factory.mktemp("k")))})
    s.start(timeout=240)
    yield s
    s.stop()


def test_action_server_down_gives_the_fixed_apology_then_recovers(stack, knowledge):
    client = Assistant(stack.url, stack.token)
    sender = f"f-{uuid.uuid4().hex[:8]}"
    assert "0120-95-0178" in client.text(sender, "マイナンバーカードをなくしました")
    actions = stack.processes[0]
    actions.send_signal(signal.SIGKILL)
    actions.wait(timeout=10)
    reply = client.text(sender, "暗証番号を忘れました")
    assert "申し訳ありません" in reply and knowledge.municipality["desk"]["phone"] in reply
    # The action server comes back; so does the assistant, with the same conversation.
    restarted = subprocess.Popen([sys.executable, "-m", "assistant.cli", "actions", "--port", str(stack.action_port)],
                                 env=stack._env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.processes[0] = restarted
    wait_for(f"http://127.0.0.1:{stack.action_port}/health", 60, restarted)
    assert "再設定" in client.text(sender, "暗証番号を忘れました")
    users = [e["text"] for e in client.tracker(sender)["events"] if e["event"] == "user"]
    assert users == ["マイナンバーカードをなくしました", "暗証番号を忘れました", "暗証番号を忘れました"]


@pytest.fixture(scope="module")
def restarted(stack):
    """One restart for the tests below: a resident is mid-guide, another waits for staff, and a staff member answers
    the waiting one while the servers are down."""
    client = Assistant(stack.url, stack.token, stack.data_dir)
    mid_guide, waiting = f"f-{uuid.uuid4().hex[:8]}", f"h-{uuid.uuid4().hex[:10]}"
    client.send(mid_guide, '/guide_start{"guide":"apply_pc"}')
    client.send(mid_guide, "できました")
    staff = StaffAccounts(client.store.engine).create_staff(f"yamada-{uuid.uuid4().hex[:6]}", "山田", "not-a-real-hash")
    client.send(waiting, "職員と話したいです")
    record = client.store.open_handoff(waiting)
    client.send(waiting, "マイナポータルにログインできません")
    stack.stop()
    client.store.reply(record.id, staff.id, "ログインの画面で、どこまで進みましたか？")  # staff answer while it is down
    stack.start(timeout=240)
    return Assistant(stack.url, stack.token, stack.data_dir), mid_guide, waiting, record


def test_a_restart_mid_guide_loses_nothing(restarted):
    client, sender, _, _ = restarted
    slots = client.tracker(sender)["slots"]
    assert slots["guide_id"] == "apply_pc" and slots["guide_step"] == 1.0
    assert "手順 2/" in client.text(sender, "続きから")


@pytest.mark.slow
def test_a_restart_while_a_handoff_waits_loses_nothing(restarted):
    client, _, sender, record = restarted
    store = client.store
    replies = client.send(sender, "カードを読み取るところです")
    assert replies[0]["text"] == "【職員より】ログインの画面で、どこまで進みましたか？"
    lines = [(m.author, m.text) for m in store.messages(record.id)]
    assert lines == [("resident", "マイナポータルにログインできません"),
                     ("staff", "ログインの画面で、どこまで進みましたか？"),
                     ("resident", "カードを読み取るところです")]
    assert store.open_handoff(sender).id == record.id
