"""Understanding residents' messages in worker processes beside the Rasa server (MADOGUCHI_NLU_WORKERS).

The Rasa server runs in one Python thread: on 2 cores, about half of each message's time there is the NLU
(GiNZA, the entry selector). The server therefore forks worker processes once it has loaded the model; a
worker parses messages with the server's own copy of the model (its pages shared with the server until
written, copy-on-write), the server adds the parse to the message and Rasa goes straight to the dialogue.
Rasa's own graph makes the parse in both places, so the result is the same as in the server. Measured
(docs/benchmarks.md): without a worker the server alone falls behind 200 conversations on 2 cores; a
worker that loaded a copy of its own held 1.1 GB more.

Nothing depends on the workers: until they are ready, while they are all busy (the server then parses the
message itself, so both cores work), or if one fails, messages are parsed in the server. When the server
is given another model (PUT /model, `madoguchi retrain`), it parses every message with that model at once
while the workers are replaced by ones forked from it with the new model. Outside a Rasa server (no Sanic
app with an agent) each worker loads the model itself.
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
    from assistant.server.serve import skip_unused_imports

    skip_unused_imports()
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


# The server's agent, set just before it forks workers: a forked worker parses with this very copy of the model,
# whose memory it shares with the server until either writes to it (copy-on-write).
_server_agent: Any = None


def _close_listening_sockets() -> None:
    """The server's listening sockets are the server's: a forked worker must not hold its port open."""
    import socket

    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as probe:  # a duplicate, closed at once
                listening = probe.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        except OSError:
            continue  # not a socket
        if listening:
            os.close(fd)


def _adopt() -> None:
    """In a worker forked from the server after it loaded the model: parse with the server's own copy."""
    global _agent, _loop
    import signal

    signal.set_wakeup_fd(-1)  # the server's event loop's: a signal to the worker must not reach the server
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    _close_listening_sockets()
    _exit_with_parent()
    _loop = asyncio.new_event_loop()
    _agent = _server_agent


def _parse(text: str) -> Dict[str, Any]:
    return _loop.run_until_complete(_agent.parse_message(text))


def _ready() -> bool:
    return _agent is not None and _agent.is_ready()


# --- in the server ---------------------------------------------------------------------------
class NluPool:
    """Worker processes parsing messages with the server's model."""

    def __init__(self, model_path: Path, workers: int, fork: bool = True) -> None:
        self.model_path = str(model_path)
        self.fork = fork  # fork the workers from the server once it has loaded the model (else: each loads it)
        self.workers = workers
        self.ready = False
        self.in_flight = 0
        self.parsed = 0
        self.restarts = 0
        self._pool: Optional[ProcessPoolExecutor] = None

    def start(self) -> None:
        """Starts the workers; they load the model in the background."""
        global _server_agent
        if self.workers <= 0:
            return
        agent = running_agent() if self.fork else None
        if agent is not None and str(agent.processor.model_path) == self.model_path:
            _server_agent = agent  # what the forked workers inherit
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_adopt)
        else:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_load, initargs=(self.model_path,))
        # One call per worker, so every worker has loaded the model before the first real message.
        pool = self._pool
        checks = [pool.submit(_ready) for _ in range(self.workers)]
        loop = asyncio.get_running_loop()

        async def wait() -> None:
            try:
                results = [await asyncio.wrap_future(check) for check in checks]
            except Exception as error:  # a worker could not load the model
                if self._pool is pool:
                    logger.error("NLU workers failed to start (%s): parsing in the server", type(error).__name__)
                    self.stop()
                return
            if self._pool is not pool:
                return  # replaced meanwhile (another model): the new workers report for themselves
            self.ready = all(results)
            logger.info("NLU workers ready: %d", self.workers)

        loop.create_task(wait())

    def follow(self, model_path: str) -> None:
        """Replaces the workers by ones that load the server's new model."""
        logger.info("the server has another model: new NLU workers load it")
        self.stop()
        self.model_path = model_path
        self.start()

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
            self.follow(model_path)
            return None  # the server has loaded another model since: it parses until new workers are ready
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


def running_agent() -> Any:
    """The Rasa server's agent (its Sanic app's), or None outside a server or before it has loaded a model."""
    from sanic import Sanic

    apps = list(Sanic._app_registry.values())
    agent = getattr(apps[0].ctx, "agent", None) if len(apps) == 1 else None
    return agent if agent is not None and agent.processor is not None else None


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
