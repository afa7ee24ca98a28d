"""Benchmark: NLU accuracy vs a char TF-IDF baseline, parse and REST latency, memory, training time."""
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

from actions.fallback import VAGUE_MAX_CHARS, VAGUE_TOPIC  # noqa: E402
from assistant.launcher import Stack, rasa_env  # noqa: E402
from tests.conftest import free_port, nlu_examples  # noqa: E402


def load(paths: List[Path]) -> Tuple[List[str], List[str]]:
    texts, labels = [], []
    for path in paths:
        for intent, examples in nlu_examples(path).items():
            texts += examples
            labels += [intent] * len(examples)
    return texts, labels


def training_files() -> List[Path]:
    files = sorted((ROOT / "nlu_data").rglob("*.yml"))
    return [p for p in files if p.name != "normalization.yml"]


def baseline(train: Tuple[List[str], List[str]], test_texts: List[str]) -> List[str]:
    """What a city might build instead: character TF-IDF, nearest training example by cosine."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import KNeighborsClassifier

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    x = vectorizer.fit_transform(train[0])
    knn = KNeighborsClassifier(n_neighbors=1, metric="cosine").fit(x, train[1])
    return list(knn.predict(vectorizer.transform(test_texts)))


def scores(truth: List[str], predicted: List[str]) -> Tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(truth))
    return accuracy_score(truth, predicted), f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)


def post(url: str, body: Dict) -> Tuple[float, object]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        data = json.loads(resp.read().decode())
    return (time.perf_counter() - start) * 1000, data


def acted_on(parse: Dict) -> str:
    """The topic whose answer the resident gets: an unsure reading of a bare word (「カード」)
    gets the answer of unclear_need_clarification (actions/fallback.py); any other unsure
    reading is a "did you mean", counted as a miss."""
    name = parse["intent"]["name"]
    if name == "nlu_fallback" and len(parse.get("text") or "") <= VAGUE_MAX_CHARS:
        return VAGUE_TOPIC
    return name


def pct(values: List[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def rss_mb(pid: int) -> float:
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


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
    args = parser.parse_args()

    train = load(training_files())
    test_texts, test_labels = load([ROOT / "tests" / "data" / "nlu_test.yml"])
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"data: {len(train[0])} training examples, {len(test_texts)} held-out test questions, {len(set(test_labels))} intents")

    base_acc, base_f1 = scores(test_labels, baseline(train, test_texts))

    os.environ.setdefault("MADOGUCHI_API_TOKEN", "bench-" + os.urandom(6).hex())
    with tempfile.TemporaryDirectory() as data_dir:
        stack = Stack(model=ROOT / "models" / "current.tar.gz", data_dir=Path(data_dir),
                      rasa_port=free_port(), action_port=free_port(), console_port=free_port(), log_dir=Path(data_dir) / "logs",
                      # All load comes from this one client address: no rate limit here.
                      extra_env={"MADOGUCHI_RATE_PER_IP": "0", "MADOGUCHI_RATE_PER_SENDER": "0"})
        stack.start(timeout=300)
        try:
            from load import wait_for_nlu_workers

            wait_for_nlu_workers([stack])  # REST messages are then understood by the NLU worker
            parse_url = f"{stack.url}/model/parse?token={stack.token}"
            acted, diet_top, parse_ms = [], [], []
            for text in test_texts:
                ms, data = post(parse_url, {"text": text})
                acted.append(acted_on(data))
                diet_top.append(next(r["name"] for r in data["intent_ranking"] if r["name"] != "nlu_fallback"))
            for i in range(args.messages):
                ms, _ = post(parse_url, {"text": test_texts[i % len(test_texts)]})
                parse_ms.append(ms)
            rest_ms = []
            webhook = f"{stack.url}/webhooks/rest/webhook"
            for i in range(args.messages):
                ms, replies = post(webhook, {"sender": f"bench-{i % 50}", "message": test_texts[(i * 7) % len(test_texts)]})
                assert replies, "empty reply"
                rest_ms.append(ms)
            rasa_mb, actions_mb = rss_mb(stack.processes[1].pid), rss_mb(stack.processes[0].pid)
        finally:
            stack.stop()

    acc, f1 = scores(test_labels, acted)
    top_acc, top_f1 = scores(test_labels, diet_top)
    training = None if args.no_train else train_seconds()

    print()
    print(f"{'':44}{'accuracy':>10}{'macro-F1':>10}")
    print(f"{'assistant (what it acts on; unsure = miss)':44}{acc:>10.3f}{f1:>10.3f}")
    print(f"{'assistant, top intent before fallback':44}{top_acc:>10.3f}{top_f1:>10.3f}")
    print(f"{'baseline: char TF-IDF nearest neighbour':44}{base_acc:>10.3f}{base_f1:>10.3f}")
    print(f"difference: {100 * (acc - base_acc):+.1f} points accuracy")
    print()
    print(f"NLU parse latency over {len(parse_ms)} messages:   p50 {pct(parse_ms, 50):6.1f} ms   p95 {pct(parse_ms, 95):6.1f} ms")
    print(f"REST round trip over {len(rest_ms)} messages:      p50 {pct(rest_ms, 50):6.1f} ms   p95 {pct(rest_ms, 95):6.1f} ms")
    print(f"memory after load: Rasa server with its NLU worker {rasa_mb:.0f} MB, action server {actions_mb:.0f} MB")
    if training is not None:
        print(f"full training (rasa train --force): {training:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
