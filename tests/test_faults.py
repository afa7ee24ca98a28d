"""Faults: the action server dies, the whole server restarts mid-guide. Residents get an answer; nothing is lost."""
import os
import signal
import subprocess
import sys
import uuid

import pytest

from assistant.launcher import Stack, wait_for
from tests.conftest import ARTIFACTS, MODEL, Assistant, free_port

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("faults")
    s = Stack(model=MODEL, data_dir=data_dir, rasa_port=free_port(), action_port=free_port(), console_port=free_port(),
              log_dir=ARTIFACTS / "logs-faults", extra_env={"MADOGUCHI_NLU_WORKERS": "0"})  # the session's server tests the worker
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


def test_a_restart_mid_guide_loses_nothing(stack):
    client = Assistant(stack.url, stack.token)
    sender = f"f-{uuid.uuid4().hex[:8]}"
    client.send(sender, '/guide_start{"guide":"apply_pc"}')
    client.send(sender, "できました")
    stack.stop()
    stack.start(timeout=240)
    client = Assistant(stack.url, stack.token)
    slots = client.tracker(sender)["slots"]
    assert slots["guide_id"] == "apply_pc" and slots["guide_step"] == 1.0
    assert "手順 2/" in client.text(sender, "続きから")
