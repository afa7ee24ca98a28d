"""`madoguchi run` as systemd, a container stop, a closed terminal or Ctrl-C end it: every process it started
stops and the ports are free; killed outright, its children end by themselves. Also what a run leaves behind:
no resident's text in any log, data/ 0700 with its files 0600, the API token on no command line."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List

import pytest

from assistant.launcher import wait_for
from assistant.settings import PROJECT_ROOT
from tests.conftest import MODEL, free_port

pytestmark = pytest.mark.model


def session_members(sid: int) -> List[int]:
    """Processes of a session (the launcher's children and theirs, however deep)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: the session id
            found.append(int(entry.name))
    return found


def command_lines() -> List[str]:
    lines = []
    for entry in Path("/proc").iterdir():
        try:
            lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
        except OSError:
            continue
    return lines


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def seconds_until_closed(port: int) -> float:
    """Sends a request's headers and one byte of its 100-byte body, then waits for the server to hang up."""
    with socket.create_connection(("127.0.0.1", port), timeout=40) as s:
        s.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n{")
        started = time.monotonic()
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        return time.monotonic() - started


def send(url: str, token: str, sender: str, text: str):
    """As a trusted integrator (the API token), which may name its own sender id."""
    req = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=json.dumps({"sender": sender, "message": text}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def workers_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/webhooks/rest/", timeout=5) as resp:
            if json.loads(resp.read()).get("nlu_workers", 0) > 0:
                return
        time.sleep(1)
    raise TimeoutError("the NLU worker did not start")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGHUP", "SIGINT", "SIGKILL"])
def test_a_signal_to_the_launcher_leaves_no_process_and_no_port_behind(tmp_path, sig):
    data_dir, log = tmp_path / "data", tmp_path / "run.log"
    ports = [free_port() for _ in range(3)]
    env = {k: v for k, v in os.environ.items() if k not in ("MADOGUCHI_API_TOKEN", "MADOGUCHI_ACTION_SECRET")}
    env.update(PYTHONUNBUFFERED="1", MADOGUCHI_NLU_WORKERS="1", MADOGUCHI_HTTP_RESPONSE_TIMEOUT="3")
    with open(log, "wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "run", "--model", str(MODEL), "--data-dir", str(data_dir),
             "--port", str(ports[0]), "--action-port", str(ports[1]), "--console-port", str(ports[2])],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{ports[0]}"
    try:
        wait_for(f"http://127.0.0.1:{ports[2]}/staff/health", 240, launcher)
        wait_for(f"{url}/webhooks/rest/", 240, launcher)
        token = (data_dir / "api_token").read_text().strip()
        assert not any(token in line for line in command_lines()), "the API token is on a command line"
        sentinel = None
        if sig == signal.SIGTERM:
            workers_ready(url, 120)  # the message is parsed in the worker, whose logs are checked too
            # The launcher says "ready" once its own checks of the three servers are done (later than ours
            # when the machine is busy): the log of a whole run is checked below.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and b"ready: POST" not in log.read_bytes():
                time.sleep(0.5)
            sentinel = "ZQXWV" + secrets.token_hex(6).upper()
            send(url, token, f"s-{secrets.token_hex(4)}", f"マイナンバーカードの{sentinel}を教えて")
            # While the servers run: SQLite's -wal and -shm files too are the user's alone.
            assert (data_dir.stat().st_mode & 0o777) == 0o700
            names = {p.name for p in data_dir.iterdir()}
            assert {"tracker.db", "tracker.db-wal", "madoguchi.db", "api_token"} <= names, names
            loose = [p.name for p in data_dir.rglob("*") if p.stat().st_mode & 0o077]
            assert loose == [], f"readable by other users: {loose}"
        if sig == signal.SIGHUP:
            assert seconds_until_closed(ports[0]) < 10  # a body sent drop by drop: cut after the response timeout
        members = session_members(launcher.pid)
        assert len(members) >= 5, members  # launcher, action server, Rasa server, its NLU worker, console

        os.kill(launcher.pid, sig)
        launcher.wait(timeout=90)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and session_members(launcher.pid):
            time.sleep(0.5)
        assert session_members(launcher.pid) == [], "processes left running after the launcher ended"
        assert all(port_free(p) for p in ports), "a port is still taken"
    finally:
        for pid in session_members(launcher.pid):
            os.kill(pid, signal.SIGKILL)
        if launcher.poll() is None:
            launcher.kill()

    if sentinel is not None:
        text = log.read_bytes().decode("utf-8", "replace")  # every process's output of the run
        assert "ready: POST" in text
        assert sentinel not in text, "a resident's message is in the log"
