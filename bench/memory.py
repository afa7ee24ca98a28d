"""Memory of every process of a running stack (RSS and PSS) and the cold start to the first answer.

`python bench/memory.py` starts the embedded default as `make run` does, times it from launch to the
first resident's answer, and prints each process's memory once the stack has loaded everything.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.launcher import Stack  # noqa: E402
from bench.load import wait_for_nlu_workers  # noqa: E402
from tests.conftest import free_port  # noqa: E402

MODEL = ROOT / "models" / "current.tar.gz"
# The launcher's children in the order Stack.start spawns them.
NAMES = ["action server", "Rasa server", "staff console", "Telegram bridge"]


@dataclass
class Usage:
    name: str
    pid: int
    rss_mb: float  # resident pages, shared ones counted in every process that maps them
    pss_mb: float  # each shared page divided among the processes that share it: these add up


def children(pid: int) -> List[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def usage(pid: int, name: str) -> Optional[Usage]:
    """RSS and PSS of one process (/proc/<pid>/smaps_rollup), or None when it has ended."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    except (FileNotFoundError, ProcessLookupError):
        return None
    kb = {k: int(v.split()[0]) for k, v in fields.items()}
    return Usage(name, pid, kb["Rss"] / 1024, kb["Pss"] / 1024)


def stack_usage(stack: Stack) -> List[Usage]:
    """Every process the launcher started and their own children (an NLU worker, multiprocessing's helper)."""
    found = []
    for name, proc in zip(NAMES, stack.processes):
        own = usage(proc.pid, name)
        if own is not None:
            found.append(own)
        for child in children(proc.pid):
            cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            kind = "its helper" if "resource_tracker" in cmd else "its NLU worker"
            sub = usage(child, f"{name}: {kind}")
            if sub is not None:
                found.append(sub)
    return found


def first_answer(stack: Stack, timeout: float = 120) -> float:
    """Seconds until the REST channel answers a resident (the server is up once /status answers)."""
    body = json.dumps({"sender": "cold-start", "message": "マイナンバーカードを作りたい"}).encode()
    req = urllib.request.Request(f"{stack.url}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {stack.token}"})
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                if resp.status == 200 and json.loads(resp.read()):
                    return time.monotonic()
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def measure(model: Path = MODEL, extra_env: Optional[Dict[str, str]] = None, settle: float = 5.0) -> Dict[str, object]:
    """Starts a stack, times launch → first answer, waits `settle` seconds, reads every process's memory."""
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(model=model, data_dir=Path(tmp), rasa_port=free_port(), action_port=free_port(),
                      console_port=free_port(), log_dir=Path(tmp) / "logs", extra_env=dict(extra_env or {}))
        launched = time.monotonic()
        stack.start(timeout=300)
        try:
            up = time.monotonic()
            answered = first_answer(stack)
            wait_for_nlu_workers([stack])  # a worker loading in the background counts once it has loaded
            time.sleep(settle)
            processes = stack_usage(stack)
        finally:
            stack.stop()
    return {"server_up_s": up - launched, "cold_start_s": answered - launched, "processes": processes}


def report(result: Dict[str, object]) -> List[str]:
    processes: List[Usage] = result["processes"]  # type: ignore[assignment]
    lines = [f"cold start (launch to the first answer): {result['cold_start_s']:.1f} s "
             f"(every server up after {result['server_up_s']:.1f} s)",
             "memory after load:        RSS MB    PSS MB"]
    for u in processes:
        lines.append(f"  {u.name:<24}{u.rss_mb:7.0f}   {u.pss_mb:7.0f}")
    lines.append(f"  {'all together':<24}{sum(u.rss_mb for u in processes):7.0f}   {sum(u.pss_mb for u in processes):7.0f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--workers", help="MADOGUCHI_NLU_WORKERS for this run (default: the settings' default)")
    args = parser.parse_args()
    env = {"MADOGUCHI_NLU_WORKERS": args.workers} if args.workers is not None else {}
    print(f"machine: {os.uname().nodename}, {os.cpu_count()} cores")
    for line in report(measure(args.model, env)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
