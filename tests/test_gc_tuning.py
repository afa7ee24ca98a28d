"""The long-running processes' garbage collection: no full collection triggered by allocations,
a full one on a timer instead, and what was loaded at start-up out of the collector's sight."""
import subprocess
import sys

CHECK = """
import gc, time
from assistant.gc_tuning import calm_collector
kept = [[i] for i in range(100000)]  # what a server loads at start-up
full = []
gc.callbacks.append(lambda phase, info: phase == "stop" and info["generation"] == 2 and full.append(1))
calm_collector(period=0.05)
assert gc.get_freeze_count() >= 100000, gc.get_freeze_count()
assert gc.get_threshold()[2] >= 1_000_000, gc.get_threshold()
full.clear()
junk = [[[i]] for i in range(300000)]  # allocations alone...
del junk
time.sleep(0.5)
assert full, "no full collection from the timer"
print("ok")
"""


def test_full_collections_run_on_a_timer_not_on_allocations():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
