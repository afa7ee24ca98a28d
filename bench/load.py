"""Load benchmark over REST: 200 residents chatting for 60 s, then a ramp to find where p95 passes 200 ms.

Runs the embedded profile (one server, SQLite) and the production profile (two servers on the
local PostgreSQL, Redis and RabbitMQ, each conversation's messages going to the two servers in
turn, as a load balancer would send them).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.launcher import Stack  # noqa: E402
from tests.conftest import free_port, nlu_examples  # noqa: E402

MODEL = ROOT / "models" / "current.tar.gz"
# The embedded profile as `make run` starts it (the settings' NLU workers unless MADOGUCHI_NLU_WORKERS says).
NO_LIMITS = {"MADOGUCHI_RATE_PER_IP": "0", "MADOGUCHI_RATE_PER_SENDER": "0"}


def messages() -> List[str]:
    texts = [t for examples in nlu_examples(ROOT / "tests" / "data" / "nlu_test.yml").values() for t in examples]
    random.Random(7).shuffle(texts)
    return texts


def percentiles(latencies: List[float]) -> List[float]:
    """The 1st to 99th percentiles (index 49 is p50, 94 is p95); needs two latencies or more."""
    return statistics.quantiles(latencies, n=100, method="inclusive")


class Stats:
    def __init__(self) -> None:
        self.latencies: List[float] = []
        self.errors = 0
        self.by_phase: Dict[str, List[float]] = {}  # e.g. a conversation's first message / later ones
        self.cpu = ""  # CPU per message by part of the deployment (measured())

    def line(self, seconds: float) -> str:
        lat = self.latencies
        if len(lat) < 2:
            return f"{len(lat)} messages, {self.errors} errors"
        q = percentiles(lat)
        return (f"{len(lat) / seconds:6.1f} msg/s  p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  p99 {q[98]:6.1f} ms  "
                f"errors {self.errors}  ({len(lat)} replies)")

    def phases(self) -> str:
        parts = []
        for phase, lat in self.by_phase.items():
            if len(lat) > 1:
                q = percentiles(lat)
                parts.append(f"{phase}: {len(lat)} replies, p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms")
        return "; ".join(parts)

    def p95(self) -> float:
        return percentiles(self.latencies)[94] if len(self.latencies) > 1 else 0.0


# The load client is a trusted integrator of each server (its API token): it names its residents' sender ids.
INTEGRATOR: Dict[str, Dict[str, str]] = {}


async def send(session, url: str, sender: str, text: str, stats: Stats, phase: str = "") -> None:
    start = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}, headers=INTEGRATOR.get(url)) as resp:
            body = await resp.json()
            ok = resp.status == 200 and body
    except Exception:
        ok = False
    if ok:
        stats.latencies.append((time.perf_counter() - start) * 1000)
        if phase:
            stats.by_phase.setdefault(phase, []).append(stats.latencies[-1])
    else:
        stats.errors += 1


async def steady(urls: List[str], conversations: int, seconds: float) -> Stats:
    """Each resident sends, waits for the reply, then 2-5 s before the next message."""
    import aiohttp

    stats, texts = Stats(), messages()
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        async def resident(n: int) -> None:
            rng = random.Random(n)
            sender = f"load-{uuid.uuid4().hex[:8]}"
            await asyncio.sleep(rng.uniform(0, 5))  # residents do not all start together
            for i in itertools.count():
                if time.monotonic() >= deadline:
                    return
                # A conversation's first message also starts its session (Rasa's session start, a new
                # tracker in the database): reported apart, as it costs more than the others.
                await send(session, urls[(n + i) % len(urls)], sender, texts[(n * 13 + i) % len(texts)], stats,
                           "first messages" if i == 0 else "later messages")
                await asyncio.sleep(rng.uniform(2, 5))

        await asyncio.gather(*(resident(n) for n in range(conversations)))
    return stats


async def open_rate(urls: List[str], rate: float, seconds: float) -> Stats:
    """Messages arrive at a fixed rate, whatever the replies do (from 500 residents)."""
    import aiohttp

    stats, texts = Stats(), messages()
    senders = [f"ramp-{uuid.uuid4().hex[:8]}" for _ in range(500)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=30)) as session:
        tasks, start = [], time.monotonic()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            # Each resident's next message goes to the next server, as in steady(): a load balancer
            # does not keep a conversation on one server.
            resident, nth = i % len(senders), i // len(senders)
            url = urls[(resident + nth) % len(urls)]
            tasks.append(asyncio.create_task(send(session, url, senders[resident], texts[i % len(texts)], stats)))
        await asyncio.gather(*tasks)
    return stats


def cpu_times() -> List[int]:
    """The machine's CPU counters (/proc/stat): user nice system idle iowait irq softirq steal."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return []


def cpu_line(before: List[int], after: List[int]) -> str:
    """How busy the cores were, and how much of their time the VM's host took for others (steal):
    on a shared VM the same code runs slower when the host is busy, so every figure carries it."""
    if len(before) < 8 or len(after) < 8:
        return ""
    d = [b - a for a, b in zip(before, after)]
    total = sum(d) or 1
    busy = total - d[3] - d[4] - d[7]
    return f"  [CPU busy {busy / total * 100:3.0f}%, stolen {d[7] / total * 100:3.0f}%]"


def _children(pid: int) -> List[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


SERVICES = {"postgres": "PostgreSQL", "redis-server": "Redis", "beam.smp": "RabbitMQ", "erl_child_setup": "RabbitMQ"}


def process_cpu(stacks: List[Stack]) -> Dict[str, int]:
    """CPU ticks so far of each part of the deployment: the stacks' processes (a Rasa server's
    children are its NLU workers) and the local PostgreSQL, Redis and RabbitMQ (/proc, Linux)."""
    ticks: Dict[str, int] = {}
    ours = set()
    for stack in stacks:
        for proc, name in zip(stack.processes, ("action servers", "Rasa servers", "staff consoles")):
            ours.add(proc.pid)
            ticks[name] = ticks.get(name, 0) + _cpu_ticks(proc.pid)
            for child in _children(proc.pid):
                ours.add(child)
                part = "NLU workers" if name == "Rasa servers" else name
                ticks[part] = ticks.get(part, 0) + _cpu_ticks(child)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in ours:
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                part = SERVICES.get(f.read().strip())
        except OSError:
            continue
        if part:
            ticks[part] = ticks.get(part, 0) + _cpu_ticks(int(entry))
    ticks["load client"] = _cpu_ticks(os.getpid())
    return ticks


def cpu_per_message(before: Dict[str, int], after: Dict[str, int], messages: int) -> str:
    """Milliseconds of CPU per message answered, by part: what a deployment needs in cores per
    message/s (services idle in one profile show their own background work)."""
    if not messages:
        return ""
    ms = {part: (after.get(part, 0) - before.get(part, 0)) * 1000 / os.sysconf("SC_CLK_TCK") / messages for part in after}
    served = sum(v for part, v in ms.items() if part != "load client")
    parts = ", ".join(f"{part} {v:.1f}" for part, v in ms.items() if v >= 0.05 and part != "load client")
    return f"CPU per message: {served:.1f} ms ({parts}; load client {ms.get('load client', 0):.1f})"


def measured(coroutine_factory, stacks: Optional[List[Stack]] = None):
    before, parts = cpu_times(), process_cpu(stacks or [])
    stats = asyncio.run(coroutine_factory())
    stats.cpu = cpu_per_message(parts, process_cpu(stacks or []), len(stats.latencies))
    return stats, cpu_line(before, cpu_times())


def core_speed() -> float:
    """Seconds one core takes for 5 million Python additions, with the machine otherwise idle: the
    same VM has differed by a factor of two and more between days (README, Load)."""
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - start


def expected_workers(stack: Stack) -> int:
    """The NLU workers the stack's server starts: its MADOGUCHI_NLU_WORKERS, or the settings' default."""
    from assistant.settings import Settings

    env = {**os.environ, **stack.extra_env}
    return Settings.from_env({k: v for k, v in env.items() if k == "MADOGUCHI_NLU_WORKERS"}).nlu_workers


def wait_for_nlu_workers(stacks: List[Stack], timeout: float = 300) -> None:
    """A server answers as soon as it is up, but an NLU worker loads the model for a while longer
    (taking a core meanwhile): a city's server has long been running, so measure once they are ready.
    Without workers (MADOGUCHI_NLU_WORKERS=0) there is nothing to wait for."""
    import json
    import urllib.request

    deadline = time.monotonic() + timeout
    for s in stacks:
        want = expected_workers(s)
        while want > 0:
            with urllib.request.urlopen(f"{s.url}/webhooks/rest/", timeout=10) as resp:
                if json.loads(resp.read()).get("nlu_workers", 0) >= want:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the NLU workers did not start ({want} expected)")
            time.sleep(1)


def run_profile(name: str, stacks: List[Stack], args) -> Tuple[str, float]:
    urls = [f"{s.url}/webhooks/rest/webhook" for s in stacks]
    INTEGRATOR.update({f"{s.url}/webhooks/rest/webhook": {"Authorization": f"Bearer {s.token}"} for s in stacks})
    print(f"\n== {name}")
    wait_for_nlu_workers(stacks)
    if args.warmup > 0:
        # A server that has just loaded its model answers its first few hundred messages slower
        # (first calls of the model and the stores); a city's server has long been running.
        warm = asyncio.run(open_rate(urls, 20, args.warmup))
        print(f"warm-up {args.warmup:.0f} s at 20 msg/s (not counted): {warm.line(args.warmup)}")
    result, cpu = measured(lambda: steady(urls, args.conversations, args.seconds), stacks)
    print(f"{args.conversations} conversations, {args.seconds:.0f} s:  {result.line(args.seconds)}{cpu}")
    print(f"    {result.phases()}")
    print(f"    {result.cpu}")
    saturation = 0.0
    for rate in args.rates:
        step, cpu = measured(lambda: open_rate(urls, rate, args.step_seconds), stacks)
        print(f"ramp {rate:5.0f} msg/s offered: {step.line(args.step_seconds)}{cpu}")
        print(f"    {step.cpu}")
        if step.p95() > 200 or step.errors:
            break
        saturation = len(step.latencies) / args.step_seconds
    print(f"highest load with p95 <= 200 ms and no errors: {saturation:.1f} msg/s")
    return name, saturation


def production_env(db: str, queue: str) -> Dict[str, str]:
    return {
        "MADOGUCHI_PG_HOST": "127.0.0.1", "MADOGUCHI_PG_PORT": "5432", "MADOGUCHI_PG_DB": db,
        "MADOGUCHI_PG_USER": "postgres", "MADOGUCHI_PG_PASSWORD": "",
        "MADOGUCHI_REDIS_HOST": "127.0.0.1", "MADOGUCHI_REDIS_PORT": "6379",
        "MADOGUCHI_RABBITMQ_HOST": "127.0.0.1", "MADOGUCHI_RABBITMQ_PORT": "5672",
        "MADOGUCHI_RABBITMQ_USER": "guest", "MADOGUCHI_RABBITMQ_PASSWORD": "guest", "MADOGUCHI_RABBITMQ_QUEUE": queue,
        # The handoff store (read for every message: is a member of staff holding the conversation?)
        # on the same PostgreSQL, shared by both servers, as in production.
        "MADOGUCHI_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{db}",
        **NO_LIMITS,
        # Two servers already use both cores; a worker each would only add processes (README, Production).
        "MADOGUCHI_NLU_WORKERS": "0",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--step-seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=15, help="seconds of load before measuring (0: none)")
    parser.add_argument("--rates", type=float, nargs="+", default=[20, 30, 40, 50, 60, 70, 80, 100, 120, 140, 160, 180, 200])
    parser.add_argument("--profiles", nargs="+", default=["embedded", "production"])
    args = parser.parse_args()
    print(f"machine: {os.uname().nodename}, {os.cpu_count()} cores; load client on the same machine; "
          f"5M Python additions on one core: {core_speed():.2f} s")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "embedded" in args.profiles:
            stack = Stack(model=MODEL, data_dir=tmp / "embedded", rasa_port=free_port(), action_port=free_port(), console_port=free_port(),
                          log_dir=tmp / "logs-embedded", extra_env=NO_LIMITS)
            stack.start(timeout=300)
            try:
                results.append(run_profile("embedded (1 server, SQLite)", [stack], args))
            finally:
                stack.stop()
        if "production" in args.profiles:
            import pika
            import psycopg2

            run = uuid.uuid4().hex[:8]
            db = queue = f"madoguchi_bench_{run}"
            admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
            admin.autocommit = True
            admin.cursor().execute(f'CREATE DATABASE "{db}"')
            stacks = [Stack(model=MODEL, data_dir=tmp / f"prod{i}", rasa_port=free_port(), action_port=free_port(), console_port=free_port(),
                            endpoints=ROOT / "assistant" / "rasa" / "endpoints.production.yml",
                            log_dir=tmp / f"logs-prod{i}", extra_env=production_env(db, queue)) for i in range(2)]
            try:
                for s in stacks:
                    s.start(timeout=300)
                results.append(run_profile("production (2 servers, PostgreSQL + Redis + RabbitMQ)", stacks, args))
            finally:
                for s in stacks:
                    s.stop()
                admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db}"')
                admin.close()
                conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
                conn.channel().queue_delete(queue)
                conn.close()
    print()
    for name, saturation in results:
        print(f"saturation {saturation:6.1f} msg/s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
