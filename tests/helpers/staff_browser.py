"""The staff console in Chromium: a page (fixture) and a login, screenshots' folder, axe-core's serious findings."""
from __future__ import annotations

import json
import uuid

import pytest

from assistant.staff.auth import hash_password
from tests.conftest import ARTIFACTS
from tests.helpers.browser import axe_source, chromium

SHOTS = ARTIFACTS / "staff"
PASSWORD = "madoguchi-desk-2026"


def serious_violations(page, name: str):
    """axe-core's serious and critical findings on the page (the full list goes to test-artifacts/staff/)."""
    page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"axe-{name}.json").write_text(json.dumps(result["violations"], ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.fixture()
def page(console):
    """A Chromium page at 1366×768 for the module's `console`; script errors, CSP reports and 404s go to
    page.problems."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.problems = []
        page.on("console", lambda msg: page.problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: page.problems.append(str(exc)))
        page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}") if r.status == 404 else None)
        yield page
        context.close()


def log_in(console, page, role: str = "staff") -> str:
    """A new account with this role, logged in on the page; returns its username."""
    username = f"{role}-{uuid.uuid4().hex[:6]}"
    console.accounts.create_staff(username, "窓口 花子", hash_password(PASSWORD), role=role)
    page.goto(f"{console.url}/staff/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{console.url}/staff/")
    return username
