"""Understanding residents' messages in worker processes, so the Rasa server uses more than one core.

The Rasa server runs in one Python thread: on 2 cores, most of each message's time there is the
NLU (GiNZA, the featurizers, DIET), while the other core waits. The server therefore starts
worker processes that load the same model and parse messages; the server adds their parse to
the message and Rasa goes straight to the dialogue. Rasa's own graph makes the parse in both
places, so the result is the same as in the server.

Nothing depends on the workers: until they have loaded the model, while they are all busy (the
server then parses the message itself, so both cores work), or if one fails, messages are parsed
in the server as before.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Dict, Optional

logger = logging.getLogger(__name__)

PARSE_TIMEOUT_SECONDS = 10.0
QUEUE_PER_WORKER = 16
MAX_RESTARTS = 3  # a worker that died is replaced, at most this often in a server's life

# --- in the worker process ---------------------------------------------------------------
_agent: Any = None
_loop: Optional[asyncio.AbstractEventLoop] = None


def _exit_with_parent() -> None:
    """A worker whose server is gone (even killed outright) exits instead of holding its memory."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _load(model_path: str) -> None:
    global _agent, _loop
    _exit_with_parent()
    os.umask(0o077)  # as the server's own files
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # The server's log level (LOG_LEVEL, default INFO): unconfigured, structlog would print every debug
    # line, and Rasa's (processor.message.parse and others) carry the resident's text.
    configure_structlog()

    from assistant.server.gc_tuning import calm_collector
    from assistant.server.patches import WORKER, apply_all

    apply_all(WORKER)  # what parsing needs of the server's patches (assistant/server/patches/)
    _loop = asyncio.new_event_loop()
    _agent = Agent.load(model_path)
    calm_collector()


def _parse(text: str) -> Dict[str, Any]:
    return _loop.run_until_complete(_agent.parse_message(text))


def _ready() -> bool:
    return _agent is not None and _agent.is_ready()


# --- in the server ---------------------------------------------------------------------------
class NluPool:
    """Worker processes parsing messages with the server's model."""

    def __init__(self, model_path: Path, workers: int) -> None:
        self.model_path = str(model_path)
        self.workers = workers
        self.ready = False
        self.in_flight = 0
        self.parsed = 0
        self.restarts = 0
        self._pool: Optional[ProcessPoolExecutor] = None

    def start(self) -> None:
        """Starts the workers; they load the model in the background."""
        if self.workers <= 0:
            return
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_load, initargs=(self.model_path,))
        # One call per worker, so every worker has loaded the model before the first real message.
        checks = [self._pool.submit(_ready) for _ in range(self.workers)]
        loop = asyncio.get_running_loop()

        async def wait() -> None:
            try:
                results = [await asyncio.wrap_future(check) for check in checks]
            except Exception as error:  # a worker could not load the model
                logger.error("NLU workers failed to start (%s): parsing in the server", type(error).__name__)
                self.stop()
                return
            self.ready = all(results)
            logger.info("NLU workers ready: %d", self.workers)

        loop.create_task(wait())

    def stop(self) -> None:
        self.ready = False
        if self._pool is not None:
            # Messages already handed over are still parsed (or fail with the broken pool): none
            # is left waiting on a cancelled parse.
            self._pool.shutdown(wait=False, cancel_futures=False)
            self._pool = None

    def busy(self) -> bool:
        # The workers are far behind (stalled): the server parses this one itself. Not sooner: the
        # server has the rest of every message to do and is the busier of the two; parsing for the
        # workers whenever they have a queue would only make it slower still.
        return self.in_flight >= QUEUE_PER_WORKER * self.workers

    async def parse(self, text: str, model_path: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The message's parse from a worker, or None when the server should parse it itself."""
        if not self.ready or self._pool is None or self.busy():
            return None
        if model_path is not None and model_path != self.model_path:
            return None  # the server has loaded another model since
        self.in_flight += 1
        try:
            future = self._pool.submit(_parse, text)
            result = await asyncio.wait_for(asyncio.wrap_future(future), PARSE_TIMEOUT_SECONDS)
        except BrokenProcessPool:
            self.stop()
            if self.restarts < MAX_RESTARTS:
                self.restarts += 1
                logger.error("an NLU worker died: parsing in the server while a new one loads the model")
                self.start()
            else:
                logger.error("an NLU worker died again: parsing in the server from now on")
            return None
        except Exception as error:
            logger.warning("an NLU worker could not parse a message (%s): parsed in the server", type(error).__name__)
            return None
        finally:
            self.in_flight -= 1
        self.parsed += 1
        return result


_shared: Optional[NluPool] = None


def shared_pool(model_path: Path, workers: int) -> NluPool:
    """The server's one pool (the REST and kiosk channels share it), started on first use."""
    global _shared
    if _shared is None:
        _shared = NluPool(model_path, workers)
        _shared.start()
    return _shared


def stop_shared_pool() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None
