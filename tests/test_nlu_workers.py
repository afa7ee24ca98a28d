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
