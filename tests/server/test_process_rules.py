"""Without a stack: data/ made private, the child's end with its parent, the action server's host rule, the
Rasa server refusing a token on its command line, and the edge's settings."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.server.actions import action_host
from assistant.server.edge import EdgeSettings
from assistant.server.lifecycle import secure_data_dir
from assistant.settings import PROJECT_ROOT, SettingsError


def test_an_existing_world_readable_data_folder_becomes_private(tmp_path):
    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True)
    for name in ("tracker.db", "tracker.db-wal", "tracker.db-shm", "api_token", "keys/id_key"):
        (data / name).write_text("x")
        (data / name).chmod(0o644)
    data.chmod(0o755)
    (data / "keys").chmod(0o755)
    secure_data_dir(data)
    assert data.stat().st_mode & 0o777 == 0o700 and (data / "keys").stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in data.rglob("*") if p.is_file()} == {
        "tracker.db": 0o600, "tracker.db-wal": 0o600, "tracker.db-shm": 0o600, "api_token": 0o600, "id_key": 0o600}


def test_a_new_data_folder_is_made_private(tmp_path):
    secure_data_dir(tmp_path / "new" / "data")
    assert (tmp_path / "new" / "data").stat().st_mode & 0o777 == 0o700


CHILD = """
import subprocess, sys, time
from assistant.server.lifecycle import child_setup
subprocess.Popen([sys.executable, "-c", "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)",
                  sys.argv[1]], preexec_fn=child_setup)
time.sleep(60)
"""


def test_a_child_started_with_child_setup_ends_when_its_parent_is_killed(tmp_path):
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", CHILD, str(pid_file)],
                              cwd=PROJECT_ROOT, env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (pid_file.exists() and pid_file.read_text()):
        time.sleep(0.1)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        state = (Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split() or ["?"])[0]
        if state == "Z":
            break
        time.sleep(0.1)
    alive = Path(f"/proc/{child}").exists() and Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive, "the child outlived its killed parent"


def test_the_action_server_stays_on_loopback_unless_a_secret_guards_it():
    assert action_host({}) == "127.0.0.1"
    assert action_host({"MADOGUCHI_ACTION_HOST": "::1"}) == "::1"
    with pytest.raises(SystemExit, match="MADOGUCHI_ACTION_SECRET"):
        action_host({"MADOGUCHI_ACTION_HOST": "0.0.0.0"})
    assert action_host({"MADOGUCHI_ACTION_HOST": "0.0.0.0", "MADOGUCHI_ACTION_SECRET": "s3cret"}) == "0.0.0.0"


def test_the_rasa_server_refuses_a_token_on_its_command_line_and_starts_none_without_one():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_API_TOKEN")}
    for args in (["--auth-token=abc"], ["--auth-token", "abc"], []):
        done = subprocess.run([sys.executable, "-m", "assistant.server.serve", *args], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and "MADOGUCHI_API_TOKEN" in done.stderr, done.stderr[-500:]


def test_edge_settings_have_safe_defaults_and_refuse_nonsense():
    settings = EdgeSettings.from_env({})
    assert settings.max_request_bytes == 65536 and settings.request_timeout <= 15 and settings.keep_alive_timeout <= 20
    assert EdgeSettings.from_env({"MADOGUCHI_MAX_REQUEST_BYTES": "1048576"}).max_request_bytes == 1048576
    for value in ("big", "0", "-5"):
        with pytest.raises(SettingsError):
            EdgeSettings.from_env({"MADOGUCHI_HTTP_REQUEST_TIMEOUT": value})
