"""Benchmark: understanding on the independent set vs a char TF-IDF baseline, parse and REST latency, the cold start,
the memory of every process, training time."""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant.launcher import Stack, rasa_env  # noqa: E402
from tests.conftest import free_port  # noqa: E402


def post(url: str, body: Dict, token: str = "") -> Tuple[float, object]:
    """(milliseconds, the JSON answer); with a token, as a trusted integrator (it names its own sender ids)."""
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **auth})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        data = json.loads(resp.read().decode())
    return (time.perf_counter() - start) * 1000, data


def pct(values: List[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def train_seconds() -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "rasa"), "train", "--config", "config.yml",
             "--domain", "assistant/rasa/domain.yml", "--data", "nlu_data", "assistant/rasa/rules.yml",
             "--out", out, "--force"],
            cwd=ROOT, env=rasa_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=600, help="messages for each latency run (>= 500)")
    parser.add_argument("--no-train", action="store_true", help="skip timing a full training run")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "current.tar.gz", help="the trained model to measure")
    parser.add_argument("--dump", type=Path, help="write each independent message's outcome to this TSV file")
    parser.add_argument("--accuracy-only", action="store_true", help="only the understanding figures (no latency, no training)")
    args = parser.parse_args()
    if args.accuracy_only:
        args.messages, args.no_train = 0, True

    from understanding import (Assistant, baseline, follow_up_cases, independent_cases, judge, matches, report,
                               topic_cases, training_examples)
    from assistant.knowledge import load_knowledge

    knowledge = load_knowledge(ROOT / "knowledge")
    high_stakes = [f"{t.id}/{e.id}" for t in knowledge.topics.values() for e in t.entries if e.handoff]
    train = training_examples()
    independent, old = independent_cases(), topic_cases()
    development = independent_cases(ROOT / "tests" / "data" / "blind_dev")
    development2 = independent_cases(ROOT / "tests" / "data" / "blind_dev2")
    follow_ups = follow_up_cases()
    follow_ups2 = follow_up_cases(ROOT / "tests" / "data" / "follow_ups2" / "follow_ups2.tsv")
    test_texts = [c.text for c in old]
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"data: {len(train)} training examples ({sum('/' in l for _, l in train)} with an entry label); "
          f"independent set {len(independent)} messages; development set {len(development)}; older held-out file {len(old)}")

    os.environ.setdefault("MADOGUCHI_API_TOKEN", "bench-" + os.urandom(6).hex())
    with tempfile.TemporaryDirectory() as data_dir:
        stack = Stack(model=args.model, data_dir=Path(data_dir),
                      rasa_port=free_port(), action_port=free_port(), console_port=free_port(), log_dir=Path(data_dir) / "logs",
                      # All load comes from this one client address: no rate limit here.
                      extra_env={"MADOGUCHI_RATE_PER_IP": "0", "MADOGUCHI_RATE_PER_SENDER": "0"})
        launched = time.monotonic()
        stack.start(timeout=300)
        try:
            from load import wait_for_nlu_workers
            from memory import first_answer, report as memory_report, stack_usage

            startup = {"server_up_s": time.monotonic() - launched, "cold_start_s": first_answer(stack) - launched}
            wait_for_nlu_workers([stack])  # with MADOGUCHI_NLU_WORKERS set: once the workers are ready
            client = Assistant(stack.url, stack.token)
            outcomes = {name: [client.outcome(f"eval-{name}-{i}", c.text) for i, c in enumerate(cases)]
                        for name, cases in (("independent", independent), ("development", development),
                                            ("development2", development2), ("old", old))}
            # A follow-up in the conversation its first message started: its reply is the outcome.
            for name, pairs in (("follow_ups", follow_ups), ("follow_ups2", follow_ups2)):
                outcomes[name] = []
                for i, (first, case) in enumerate(pairs):
                    client.outcome(f"eval-{name}-{i}", first)
                    outcomes[name].append(client.outcome(f"eval-{name}-{i}", case.text))
            parse_url = f"{stack.url}/model/parse?token={stack.token}"
            parse_ms = []
            for i in range(args.messages):
                ms, _ = post(parse_url, {"text": test_texts[i % len(test_texts)]})
                parse_ms.append(ms)
            rest_ms = []
            webhook = f"{stack.url}/webhooks/rest/webhook"
            for i in range(args.messages):
                ms, replies = post(webhook, {"sender": f"bench-{i % 50}", "message": test_texts[(i * 7) % len(test_texts)]},
                                   stack.token)
                assert replies, "empty reply"
                rest_ms.append(ms)
            startup["processes"] = stack_usage(stack)  # after some 2,000 messages
        finally:
            stack.stop()
    training = None if args.no_train else train_seconds()

    ind = judge(independent, outcomes["independent"], high_stakes)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for case, o in zip(independent, outcomes["independent"]):
                print(case.text.replace("\n", " "), "|".join(case.expected), case.kind, o.entry or f"(asked back: {o.topic})",
                      " ".join(o.offered), "handoff" if o.handoff else "", sep="\t", file=out)
    print()
    for line in report("independent set", ind, judge(independent, baseline(train, independent), high_stakes)):
        print(line)
    print()
    for line in report("development set (tests/data/blind_dev/: tuned on, not frozen)", judge(development, outcomes["development"], high_stakes),
                       judge(development, baseline(train, development), high_stakes)):
        print(line)
    print()
    for line in report("second development set (tests/data/blind_dev2/: tuned on, not frozen)",
                       judge(development2, outcomes["development2"], high_stakes),
                       judge(development2, baseline(train, development2), high_stakes)):
        print(line)
    print()
    for name, pairs in (("follow_ups", follow_ups), ("follow_ups2", follow_ups2)):
        cases = [case for _, case in pairs]
        for kind in ("followup", "switch"):
            picked = [(c, o) for c, o in zip(cases, outcomes[name]) if c.kind == kind]
            # A question back leaves the first answer's entry in the slots: it is no hit.
            hits = sum(any(matches(e, o.entry) for e in c.expected) and not o.fallback for c, o in picked)
            print(f"follow-ups (tests/data/{name}/, second message of a conversation), {kind}: "
                  f"{hits} of {len(picked)} answered with an expected entry")
    print()
    for line in report("older held-out file (topic labels: entry = any entry of the topic)", judge(old, outcomes["old"], high_stakes),
                       judge(old, baseline(train, old), high_stakes)):
        print(line)
    print()
    print("20 most frequent confusions on the independent set (expected -> answered):")
    for (want, got), n in ind.confusions.most_common(20):
        print(f"  {n:3}  {want} -> {got}")
    print()
    if args.accuracy_only:
        return 0
    print(f"NLU parse latency over {len(parse_ms)} messages:   p50 {pct(parse_ms, 50):6.1f} ms   p95 {pct(parse_ms, 95):6.1f} ms")
    print(f"REST round trip over {len(rest_ms)} messages:      p50 {pct(rest_ms, 50):6.1f} ms   p95 {pct(rest_ms, 95):6.1f} ms")
    for line in memory_report(startup):
        print(line)
    if training is not None:
        print(f"full training (rasa train --force): {training:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
