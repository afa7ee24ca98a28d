"""The NLU worker beside the Rasa server: it understands messages exactly as the server would, and
when it dies the server keeps answering and a new worker takes over."""
import json
import subprocess
import time
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.model

TEXTS = ["マイナンバーカードを作りたい", "あんしょうばんごう わすれた", "ｶｰﾄﾞ なくした", "my number card の更新って？",
         "引っ越したんだけどカードの住所はどうしたらいい", "ありがとう"]


def health(assistant) -> dict:
    with urllib.request.urlopen(f"{assistant.url}/webhooks/rest/", timeout=10) as resp:
        return json.loads(resp.read().decode("utf-8"))


def wait_for_worker(assistant, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = health(assistant)
        if state["nlu_workers"] >= 1:
            return state
        time.sleep(1)
    pytest.fail(f"the NLU worker was not ready within {timeout:.0f} s: {health(assistant)}")


def worker_pids(assistant) -> list:
    rasa = assistant.stack.processes[1].pid
    pids = subprocess.run(["pgrep", "-P", str(rasa)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in pids if "resource_tracker" not in open(f"/proc/{p}/cmdline").read()]


def user_parse(assistant, sender: str) -> dict:
    events = assistant.tracker(sender)["events"]
    return [e for e in events if e["event"] == "user"][-1]["parse_data"]


def test_the_worker_understands_messages_as_the_server_does(assistant):
    before = wait_for_worker(assistant)["parsed_by_workers"]
    for text in TEXTS:
        sender = f"nlu-worker-{uuid.uuid4().hex[:8]}"
        assert assistant.send(sender, text)  # answered
        from_worker, in_server = user_parse(assistant, sender), assistant.parse(text)
        assert from_worker["intent"]["name"] == in_server["intent"]["name"], text
        assert from_worker["intent"]["confidence"] == pytest.approx(in_server["intent"]["confidence"], abs=1e-5)
        assert [i["name"] for i in from_worker["intent_ranking"]] == [i["name"] for i in in_server["intent_ranking"]]
    assert health(assistant)["parsed_by_workers"] >= before + len(TEXTS)  # they came from the worker


def test_a_dead_worker_is_replaced_and_no_message_goes_unanswered(assistant):
    wait_for_worker(assistant)
    pids = worker_pids(assistant)
    assert len(pids) == 1, pids
    subprocess.run(["kill", "-9", str(pids[0])], check=True)
    time.sleep(0.5)
    sender = f"nlu-worker-{uuid.uuid4().hex[:8]}"
    for text in TEXTS[:3]:  # parsed in the server while the new worker loads
        replies = assistant.send(sender, text)
        assert replies and all("ただいまお答えできませんでした" not in r.get("text", "") for r in replies), replies
    wait_for_worker(assistant)
    new = worker_pids(assistant)
    assert len(new) == 1 and new != pids
    before = health(assistant)["parsed_by_workers"]
    assert assistant.send(sender, TEXTS[3])
    assert health(assistant)["parsed_by_workers"] == before + 1


def test_a_worker_exits_when_its_server_is_killed(tmp_path):
    """Even a server killed outright (kill -9, the out-of-memory killer) leaves no worker holding
    the model's memory: the worker's watch on its parent (called first thing when it loads)."""
    import os
    import signal
    import sys

    (tmp_path / "worker.py").write_text(
        "import time\n"
        "from assistant.server.nlu_pool import _exit_with_parent\n"
        "def run():\n"
        "    _exit_with_parent()\n"
        "    time.sleep(60)\n")
    (tmp_path / "server.py").write_text(
        "import multiprocessing, time, worker\n"
        "if __name__ == '__main__':\n"
        "    child = multiprocessing.get_context('spawn').Process(target=worker.run)\n"
        "    child.start()\n"
        "    print(child.pid, flush=True)\n"
        "    time.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.getcwd()])}
    server = subprocess.Popen([sys.executable, str(tmp_path / "server.py")], stdout=subprocess.PIPE, text=True, env=env)

    def running(pid: int) -> bool:
        try:
            return "zombie" not in open(f"/proc/{pid}/status").read()
        except FileNotFoundError:
            return False

    try:
        worker = int(server.stdout.readline())
        time.sleep(1.5)  # the worker is up and watching
        assert running(worker)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while running(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not running(worker), "the worker outlived its server"
    finally:
        server.kill()
