"""Process tuning: the long-running processes' garbage collection (no full collection triggered by
allocations, a full one on a timer, what was loaded at start-up out of the collector's sight), and
where an NLU worker process runs."""
import subprocess
import sys

CHECK = """
import gc, time
from assistant.server.gc_tuning import calm_collector
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


def test_an_nlu_worker_only_where_it_has_a_core_of_its_own(monkeypatch):
    import os

    import pytest

    from assistant.settings import Settings, SettingsError

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert Settings.from_env({}).nlu_workers == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert Settings.from_env({}).nlu_workers == 0
    assert Settings.from_env({"MADOGUCHI_NLU_WORKERS": "2"}).nlu_workers == 2
    with pytest.raises(SettingsError, match="MADOGUCHI_NLU_WORKERS"):
        Settings.from_env({"MADOGUCHI_NLU_WORKERS": "many"})
