"""Starts the action server, the Rasa server, the staff console and (with a bot token) the Telegram
bridge as child processes, and stops them together."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from assistant.server.lifecycle import child_setup, secure_data_dir
from assistant.settings import PROJECT_ROOT

QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}


# Connections waiting for the Rasa server to accept them (Rasa passes SANIC_BACKLOG to the socket;
# its default, 100, overflowed in the load bench beyond saturation and the kernel reset the
# connections: the residents got an error instead of a late reply).
SANIC_BACKLOG = "1024"


def rasa_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env.setdefault("SANIC_BACKLOG", SANIC_BACKLOG)
    env.setdefault("PYTHONPATH", str(PROJECT_ROOT))
    env.update(extra or {})
    return env


def wait_for(url: str, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    """Waits until url answers 200, or raises (also when the process died first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def api_token(data_dir: Path) -> str:
    """The Rasa HTTP API token: MADOGUCHI_API_TOKEN, or one generated once and kept in data/api_token."""
    token = os.environ.get("MADOGUCHI_API_TOKEN")
    if token:
        return token
    path = data_dir / "api_token"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(24))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Stack:
    """The action server and the Rasa server on given ports, with the embedded SQLite tracker store."""

    model: Path
    data_dir: Path
    rasa_port: int = 5005
    action_port: int = 5055
    console_port: int = 5080
    endpoints: Path = PROJECT_ROOT / "assistant" / "rasa" / "endpoints.yml"
    credentials: Path = PROJECT_ROOT / "assistant" / "rasa" / "credentials.yml"
    log_dir: Optional[Path] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    processes: List[subprocess.Popen] = field(default_factory=list)
    # The action server's shared secret (MADOGUCHI_ACTION_SECRET, or one made for this run): the Rasa
    # server sends it with every call (endpoints*.yml) and the action server refuses calls without it.
    action_secret: str = field(default_factory=lambda: os.environ.get("MADOGUCHI_ACTION_SECRET") or secrets.token_hex(24))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.extra_env.get("MADOGUCHI_TELEGRAM_TOKEN") or os.environ.get("MADOGUCHI_TELEGRAM_TOKEN"))

    @property
    def token(self) -> str:
        return api_token(self.data_dir)

    @property
    def database_url(self) -> str:
        return self.extra_env.get("MADOGUCHI_DATABASE_URL") or f"sqlite:///{self.data_dir / 'madoguchi.db'}"

    def _env(self) -> Dict[str, str]:
        return rasa_env({
            "MADOGUCHI_ACTION_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "MADOGUCHI_TRACKER_DB": str(self.data_dir / "tracker.db"),
            "MADOGUCHI_DATA_DIR": str(self.data_dir),
            "MADOGUCHI_DATABASE_URL": self.database_url,
            "MADOGUCHI_API_TOKEN": self.token,
            "MADOGUCHI_RASA_URL": self.url,
            "MADOGUCHI_ACTION_SECRET": self.action_secret,
            **self.extra_env,
        })

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            path = self.log_dir / f"{name}.log"
            out = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
            path.chmod(0o600)  # also a log file made before
        # child_setup: files the child creates are 0600 (umask 077), and it ends when the launcher dies.
        proc = subprocess.Popen(args, cwd=PROJECT_ROOT, env=self._env(), stdout=out, stderr=subprocess.STDOUT if out else None,
                                preexec_fn=child_setup)
        if out is not None:
            out.close()  # the child has its own copy
        self.processes.append(proc)
        return proc

    def start(self, timeout: float = 180) -> "Stack":
        from assistant.storage.db import migrate

        secure_data_dir(self.data_dir)  # 0700, and what is in it 0600
        migrate(self.database_url)  # the handoff store's schema, before any process uses it
        secure_data_dir(self.data_dir)  # the database file migrate may just have made
        actions = self._spawn("actions", [sys.executable, "-m", "assistant.cli", "actions", "--port", str(self.action_port)])
        # `rasa run` with the API token from the environment (MADOGUCHI_API_TOKEN), never on its command line.
        rasa = self._spawn("rasa", [
            sys.executable, "-m", "assistant.server.serve", "--model", str(self.model),
            "--endpoints", str(self.endpoints), "--credentials", str(self.credentials),
            "--port", str(self.rasa_port), "--interface", "127.0.0.1",
        ])
        console = self._spawn("console", [sys.executable, "-m", "assistant.cli", "console",
                                          "--host", "127.0.0.1", "--port", str(self.console_port)])
        telegram = None
        if self.telegram_enabled:
            # Only with a bot token: the bridge to Telegram (polling by default, so no public address is needed).
            telegram = self._spawn("telegram", [sys.executable, "-m", "assistant.cli", "telegram", "--no-migrate"])
        try:
            wait_for(f"http://127.0.0.1:{self.action_port}/health", timeout, actions)
            wait_for(f"{self.url}/status?token={self.token}", timeout, rasa)
            wait_for(f"{self.console_url}/staff/health", timeout, console)
            if telegram is not None and telegram.poll() is not None:
                raise RuntimeError(f"the Telegram bridge exited with code {telegram.returncode} (see its log)")
        except BaseException:  # also a signal (KeyboardInterrupt) while the model loads
            self.stop()
            raise
        return self

    def stop_on_signals(self) -> None:
        """SIGTERM (systemd, a container's stop) and SIGHUP (a closed terminal) stop the stack as Ctrl-C does."""
        def interrupt(signum, frame) -> None:
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(sig, signal.SIG_IGN)  # once: the stop itself is not interrupted
            raise KeyboardInterrupt(f"signal {signum}")

        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, interrupt)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()

    def wait(self) -> int:
        """Blocks until one process ends (or Ctrl-C), then stops the other."""
        try:
            while all(p.poll() is None for p in self.processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        codes = [p.poll() for p in self.processes]
        self.stop()
        return next((c for c in codes if c), 0)
