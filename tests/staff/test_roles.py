"""Roles in the console: staff (queue and conversations), editor (review queue and answers), admin (everything);
the wrong role gets a polite 403 page; `staff create --role` and `staff role` manage them."""
from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests

from assistant.staff.accounts import AccountError, StaffAccounts, can
from tests.helpers.staff_console import ConsoleServer, staff_command, start_console


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    yield from start_console(tmp_path_factory.mktemp("staff-roles"), "staff_roles.log")


def test_what_each_role_may_do():
    assert [role for role in ("staff", "editor", "admin") if can(role, "conversations")] == ["staff", "admin"]
    assert [role for role in ("staff", "editor", "admin") if can(role, "answers")] == ["editor", "admin"]
    assert [role for role in ("staff", "editor", "admin") if can(role, "admin")] == ["admin"]
    assert not can(None, "conversations") and not can("owner", "admin")


def test_an_unknown_role_is_refused_by_the_store(tmp_path):
    from assistant.storage.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'roles.db'}"
    migrate(url)
    accounts = StaffAccounts(make_engine(url))
    with pytest.raises(AccountError, match="role is one of staff, editor, admin"):
        accounts.create_staff("x", "X", "hash", role="owner")
    accounts.create_staff("y", "Y", "hash", role="editor")
    with pytest.raises(AccountError):
        accounts.set_role("y", "superuser")
    with pytest.raises(AccountError, match="no user"):
        accounts.set_role("nobody", "admin")
    assert accounts.staff_by_username("y").role == "editor"


def test_an_editor_starts_on_the_review_queue_and_is_refused_the_conversations_politely(console):
    record = console.handoff()
    editor = console.session(console.staff(role="editor", name="編集 一郎"))
    home = editor.get(f"{console.url}/staff/", allow_redirects=False)
    assert home.status_code == 302 and home.headers["Location"] == "/staff/review-queue"
    for path in (f"/staff/handoffs/{record.id}", "/staff/search", "/staff/audit", "/staff/dashboard"):
        refused = editor.get(f"{console.url}{path}")
        assert refused.status_code == 403, path
        assert "このページは見られません" in refused.text and "あなたの役割：回答の担当" in refused.text
        assert 'href="/staff/review-queue"' in refused.text  # the way back to their own page
        assert "暗証番号を忘れました" not in refused.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', editor.get(f"{console.url}/staff/review").text).group(1)
    reply = editor.post(f"{console.url}/staff/handoffs/{record.id}/reply", data={"text": "x", "csrf_token": csrf})
    assert reply.status_code == 403 and console.store.messages(record.id) == []
    assert [e.action for e in console.accounts.audit_entries(handoff_id=record.id)] == []
    assert editor.get(f"{console.url}/staff/review").status_code == 200  # 「確認が必要な回答」 is about answers


def test_an_editors_api_token_cannot_read_handoffs(console):
    username = console.staff(role="editor")
    token = console.accounts.create_api_token(username, "script")
    response = requests.get(f"{console.url}/staff/api/handoffs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["error"] == "forbidden"


def test_staff_are_refused_the_answer_pages_and_admins_open_everything(console):
    staff = console.session(console.staff(role="staff"))
    for path in ("/staff/review-queue", "/staff/review"):
        refused = staff.get(f"{console.url}{path}")
        assert refused.status_code == 403 and "回答の担当と管理者が使います" in refused.text, path
    menu = staff.get(f"{console.url}/staff/").text
    assert 'href="/staff/review-queue"' not in menu and 'href="/staff/review"' not in menu
    admin = console.session(console.staff(role="admin"))
    for path in ("/staff/", "/staff/search", "/staff/audit", "/staff/review"):
        assert admin.get(f"{console.url}{path}").status_code == 200, path


def test_cli_creates_an_editor_and_changes_roles(console):
    username = "cli-editor"
    created = staff_command(console, "create", username, "--name", "編集 花子", "--role", "editor",
                            "--password-stdin", stdin="a-long-enough-password\n")
    assert created.returncode == 0, created.stderr
    assert "created editor cli-editor" in created.stdout
    browser = requests.Session()
    assert console.login(browser, username, "a-long-enough-password").status_code == 302
    assert browser.get(f"{console.url}/staff/search").status_code == 403
    changed = staff_command(console, "role", username, "staff")
    assert changed.returncode == 0 and "cli-editor is now staff" in changed.stdout
    assert browser.get(f"{console.url}/staff/search").status_code == 200  # the same session, the new role
    assert "\tstaff\t" in [line for line in staff_command(console, "list").stdout.splitlines() if username in line][0]
    refused = staff_command(console, "role", username, "owner")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
    missing = staff_command(console, "role", "nobody-at-all", "admin")
    assert missing.returncode == 1 and "no user 'nobody-at-all'" in missing.stderr
