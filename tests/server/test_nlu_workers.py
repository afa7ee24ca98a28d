"""An NLU worker beside the Rasa server (MADOGUCHI_NLU_WORKERS=1; none by default): forked from the server once
it has loaded the model, it understands messages exactly as the server would; when it dies the server keeps
answering and a new worker takes over; when the server is given another model, messages are understood with
that model at once and new workers follow it."""
import json
import os
import shutil
import subprocess
import time
import urllib.request
import uuid

import pytest

from tests.conftest import ARTIFACTS, MODEL, Assistant, free_port

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    """A stack of its own with one NLU worker (the session's server has none, as `make run`)."""
    from assistant.launcher import Stack

    data_dir = tmp_path_factory.mktemp("workers")
    os.environ.setdefault("MADOGUCHI_API_TOKEN", "test-token-" + os.urandom(6).hex())
    stack = Stack(model=MODEL, data_dir=data_dir, rasa_port=free_port(), action_port=free_port(),
                  console_port=free_port(), log_dir=ARTIFACTS / "logs-workers",
                  extra_env={"MADOGUCHI_NLU_WORKERS": "1", "MADOGUCHI_RATE_PER_IP": "5000"})
    stack.start(timeout=240)
    client = Assistant(stack.url, stack.token, data_dir, stack.log_dir)
    client.stack = stack
    yield client
    stack.stop()


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


@pytest.mark.parametrize("signal", ["-KILL", "-TERM", "-INT"])
def test_a_dead_worker_is_replaced_and_no_message_goes_unanswered(assistant, signal):
    """Killed outright or asked to stop: a signal to the forked worker never reaches its server."""
    wait_for_worker(assistant)
    pids = worker_pids(assistant)
    assert len(pids) == 1, pids
    subprocess.run(["kill", signal, str(pids[0])], check=True)
    if signal == "-INT":  # Ctrl-C reaches every process of the terminal: the worker leaves it to its server
        time.sleep(1)
        assert worker_pids(assistant) == pids
        subprocess.run(["kill", "-KILL", str(pids[0])], check=True)
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


def test_a_worker_shares_the_servers_model_instead_of_loading_a_copy(assistant):
    """Forked after the server loaded the model: most of its memory is the server's pages (PSS << RSS)."""
    wait_for_worker(assistant)
    assert assistant.send(f"nlu-worker-{uuid.uuid4().hex[:8]}", TEXTS[0])
    (pid,) = worker_pids(assistant)
    rollup = dict(line.split(":", 1) for line in open(f"/proc/{pid}/smaps_rollup").read().splitlines()[1:])
    kb = {k: int(v.split()[0]) for k, v in rollup.items()}
    private = kb["Private_Clean"] + kb["Private_Dirty"]
    assert private < 0.4 * kb["Rss"], kb  # a worker that loaded its own copy has nearly all of it private


def test_after_a_model_swap_messages_are_understood_with_the_new_model(assistant, tmp_path):
    """PUT /model (as `madoguchi retrain` does) with a model at another path: the next messages are parsed by
    the server with the new model, then by a new worker forked from the server holding the new model."""
    wait_for_worker(assistant)
    old = worker_pids(assistant)
    swapped = tmp_path / "swapped.tar.gz"
    shutil.copy(MODEL, swapped)
    req = urllib.request.Request(f"{assistant.url}/model?token={assistant.token}", method="PUT",
                                 data=json.dumps({"model_file": str(swapped)}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=180) as resp:
        assert resp.status == 204
    before = health(assistant)["parsed_by_workers"]
    sender = f"nlu-worker-{uuid.uuid4().hex[:8]}"
    assert assistant.send(sender, TEXTS[1])
    assert health(assistant)["parsed_by_workers"] == before  # the old worker's model is never used
    assert user_parse(assistant, sender)["intent"]["name"] == assistant.parse(TEXTS[1])["intent"]["name"]
    state = wait_for_worker(assistant)
    new = worker_pids(assistant)
    assert new and new != old
    assert assistant.send(sender, TEXTS[4])
    assert health(assistant)["parsed_by_workers"] == state["parsed_by_workers"] + 1


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
