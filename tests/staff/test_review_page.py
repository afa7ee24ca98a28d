"""The console's 「確認が必要な回答」 page: admins see the answers due for a check with their source links; others get 403."""
from __future__ import annotations

import html
from typing import Iterator

import pytest
import requests

from tests.helpers.knowledge import stale_copy
from tests.helpers.staff_console import ConsoleServer, start_console


@pytest.fixture(scope="module")
def stale(tmp_path_factory):
    return stale_copy(tmp_path_factory.mktemp("stale-knowledge"))


@pytest.fixture(scope="module")
def console(tmp_path_factory, stale) -> Iterator[ConsoleServer]:
    folder, _ = stale
    yield from start_console(tmp_path_factory.mktemp("staff-review"), "staff_review.log",
                             MADOGUCHI_KNOWLEDGE_DIR=str(folder))


def test_an_admin_sees_the_old_check_and_the_passed_review_date_with_source_links(console, stale):
    _, data = stale
    admin = console.session(console.staff(role="admin", name="管理 花子"))
    page = admin.get(f"{console.url}/staff/review")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "確認が必要な回答" in text and 'href="/staff/review"' in text
    rows = {key: text.split(f'data-key="{key}"')[1].split("</tr>")[0] for key in ("fees/first_time", "fees/reissue")}
    assert "2025-03-01" in rows["fees/first_time"]
    assert f'<a href="{data["entries"][0]["source"]}"' in rows["fees/first_time"]
    assert "2026-12-01" in rows["fees/reissue"] and "見直し日" in rows["fees/reissue"]
    assert f'<a href="{data["entries"][1]["source"]}"' in rows["fees/reissue"]
    assert 'data-key="fees/renewal"' not in text


def test_staff_get_403_and_no_link_and_a_stranger_the_login_page(console):
    staff = console.session(console.staff(role="staff"))
    refused = staff.get(f"{console.url}/staff/review")
    assert refused.status_code == 403 and "fees/first_time" not in refused.text
    assert 'href="/staff/review"' not in staff.get(f"{console.url}/staff/").text
    stranger = requests.get(f"{console.url}/staff/review", allow_redirects=False)
    assert stranger.status_code == 302 and stranger.headers["Location"] == "/staff/login?next=/staff/review"
