"""Garbage collection without long stalls in the long-running processes.

Python's collector now and then walks every object the process holds (a full collection). In the
Rasa server that is the model, the kept trackers and the NLU's caches: under load, such a walk
took 100-350 ms on 2 cores, a dozen times a minute, and every reply waiting meanwhile was late.
Objects alive once the process has loaded everything are moved out of the collector's sight
(gc.freeze); the young generations are collected as usual; full collections, which find little
(most objects are freed as soon as they are no longer used), run once a minute from a timer.
"""
from __future__ import annotations

import gc
import threading

FULL_COLLECTION_SECONDS = 60.0
_started = False


def calm_collector(period: float = FULL_COLLECTION_SECONDS) -> None:
    """Call once the process has loaded what it keeps for its lifetime."""
    global _started
    gc.collect()
    gc.freeze()
    if _started:
        return
    _started = True
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, 1_000_000)  # no full collection triggered by allocations

    def sweep() -> None:
        while True:
            threading.Event().wait(period)
            gc.collect()

    threading.Thread(target=sweep, name="full-gc", daemon=True).start()
