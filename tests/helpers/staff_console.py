"""The staff console run as its own process over a temporary SQLite database, and what a test does with it."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests
import sqlalchemy as sa

from assistant.handoff.store import HandoffStore
from assistant.launcher import wait_for
from assistant.settings import PROJECT_ROOT
from assistant.staff.accounts import StaffAccounts
from assistant.staff.auth import hash_password
from assistant.storage.models import Handoff
from tests.conftest import ARTIFACTS, free_port

PASSWORD = "kaunta-1-bango"


@dataclass
class ConsoleServer:
    """A running console and the store over the same database."""

    url: str
    store: HandoffStore
    env: Dict[str, str]
    proc: subprocess.Popen
    staff_at_start: int

    @property
    def accounts(self) -> StaffAccounts:
        return StaffAccounts(self.store.engine)

    def session(self, username: str, password: str = PASSWORD) -> requests.Session:
        """A browser-like session after a successful login."""
        browser = requests.Session()
        response = self.login(browser, username, password)
        assert response.status_code == 302 and response.headers["Location"] == "/staff/", response.text
        return browser

    def login(self, browser: requests.Session, username: str, password: str, **extra: str) -> requests.Response:
        form = browser.get(f"{self.url}/staff/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
        return browser.post(f"{self.url}/staff/login", allow_redirects=False,
                            data={"username": username, "password": password, "login_token": token, **extra})

    def csrf(self, browser: requests.Session) -> str:
        page = browser.get(f"{self.url}/staff/")
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def staff(self, role: str = "staff", name: str = "窓口 太郎", password: str = PASSWORD) -> str:
        username = f"{role}-{uuid.uuid4().hex[:8]}"
        self.accounts.create_staff(username, name, hash_password(password), role=role)
        return username

    def handoff(self, **fields) -> Handoff:
        values = dict(conversation_id=f"resident-{uuid.uuid4().hex[:10]}", channel="rest", reason="asked",
                      topic="pin_forgotten_locked",
                      transcript=[{"who": "resident", "text": "暗証番号を忘れました", "at": "2026-11-26T01:00:00Z"},
                                  {"who": "bot", "text": "暗証番号の再設定の手順をご案内します。", "at": "2026-11-26T01:00:01Z"}])
        values.update(fields)
        record, created = self.store.open(**values)
        assert created
        return record

    def backdate(self, handoff_id: int, created_at: dt.datetime) -> None:
        with self.store.Session() as s, s.begin():
            s.execute(sa.update(Handoff).where(Handoff.id == handoff_id).values(created_at=created_at))


def start_console(folder: Path, log_name: str, **extra_env: str) -> Iterator[ConsoleServer]:
    """Starts `python -m assistant.staff console` on a free port over a new SQLite database in `folder` (no
    collector on a timer unless `extra_env` asks for one: the tests collect with their own key)."""
    db_url = f"sqlite:///{folder / 'madoguchi.db'}"
    env = dict(os.environ, MADOGUCHI_DATABASE_URL=db_url, MADOGUCHI_DATA_DIR=str(folder),
               PYTHONPATH=str(PROJECT_ROOT), PYTHONWARNINGS="ignore", MADOGUCHI_ANALYTICS_COLLECT_MINUTES="0")
    env.update(extra_env)
    store = HandoffStore.from_url(db_url, upgrade=True)
    port = free_port()
    (ARTIFACTS / "logs").mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "logs" / log_name, "ab")
    proc = subprocess.Popen([sys.executable, "-m", "assistant.staff", "console", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/staff/health", 60, proc)
        yield ConsoleServer(f"http://127.0.0.1:{port}", store, env, proc, len(StaffAccounts(store.engine).list_staff()))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        store.close()


# --- the `staff` commands ----------------------------------------------------------------------
def staff_command(console: ConsoleServer, *args: str, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """`python -m assistant.staff staff ARGS` against the console's database."""
    return subprocess.run([sys.executable, "-m", "assistant.staff", "staff", *args], input=stdin, text=True,
                          capture_output=True, cwd=PROJECT_ROOT, env=console.env, timeout=60)
