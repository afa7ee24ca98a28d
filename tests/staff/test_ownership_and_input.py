"""Staff console: a taken handoff is answered and resolved by its owner only, or taken over (audited); input
no database can keep and dates at the ends of the calendar get a clean 4xx, never a 500; CSV cells stay text."""
from __future__ import annotations

import csv
import io
from typing import Iterator

import pytest

from assistant.analytics.cells import Table, table_csv
from tests.helpers.staff_console import ConsoleServer, start_console


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[ConsoleServer]:
    yield from start_console(tmp_path_factory.mktemp("staff-ownership"), "staff_ownership.log")


def api(console: ConsoleServer, username: str):
    """A logged-in session and a function posting to the JSON API with its CSRF token."""
    browser = console.session(username)
    token = console.csrf(browser)

    def post(path: str, body=None):
        return browser.post(f"{console.url}/staff/api{path}", json=body or {}, headers={"X-CSRF-Token": token})

    return browser, post


def test_a_handoff_taken_by_one_staff_member_is_answered_and_resolved_by_that_member_only(console):
    owner, other = console.staff(name="担当 一郎"), console.staff(name="隣席 次郎")
    record = console.handoff()
    _, as_owner = api(console, owner)
    _, as_other = api(console, other)
    assert as_owner(f"/handoffs/{record.id}/assign").status_code == 200

    for path, body in ((f"/handoffs/{record.id}/assign", None), (f"/handoffs/{record.id}/reply", {"text": "横から失礼します"}),
                       (f"/handoffs/{record.id}/resolve", {"outcome": "answered"})):
        refused = as_other(path, body)
        assert refused.status_code == 409, (path, refused.text)
        assert refused.json()["error"] == "taken" and "担当 一郎" in refused.json()["message"]
    stored = console.store.get(record.id)
    assert stored.staff.username == owner and stored.status == "assigned"
    assert [m for m in console.store.messages(record.id) if m.author == "staff"] == []

    assert as_owner(f"/handoffs/{record.id}/reply", {"text": "担当の一郎です"}).status_code == 201


def test_taking_over_is_explicit_and_audited_then_the_new_owner_answers(console):
    owner, other = console.staff(name="担当 三郎"), console.staff(name="交代 四郎")
    record = console.handoff()
    _, as_owner = api(console, owner)
    _, as_other = api(console, other)
    as_owner(f"/handoffs/{record.id}/assign")

    taken = as_other(f"/handoffs/{record.id}/take_over")
    assert taken.status_code == 200, taken.text
    assert console.store.get(record.id).staff.username == other
    entry = [e for e in console.accounts.audit_entries(handoff_id=record.id) if e.action == "take_over"]
    assert len(entry) == 1 and entry[0].username == other and owner in (entry[0].detail or "")

    assert as_other(f"/handoffs/{record.id}/reply", {"text": "交代しました"}).status_code == 201
    assert as_owner(f"/handoffs/{record.id}/reply", {"text": "まだ私が"}).status_code == 409
    assert as_other(f"/handoffs/{record.id}/resolve", {"outcome": "answered"}).status_code == 200


def test_the_take_over_page_action_needs_the_csrf_token(console):
    other = console.staff()
    record = console.handoff()
    browser = console.session(other)
    refused = browser.post(f"{console.url}/staff/handoffs/{record.id}/take_over", data={}, allow_redirects=False)
    assert refused.status_code == 403
    done = browser.post(f"{console.url}/staff/handoffs/{record.id}/take_over",
                        data={"csrf_token": console.csrf(browser)}, allow_redirects=False)
    assert done.status_code == 302 and console.store.get(record.id).staff.username == other


@pytest.mark.parametrize("body", [{"text": "お待たせしました\ud800"}, {"text": "\udfff"}])
def test_a_reply_with_a_lone_surrogate_gets_a_400_not_a_500(console, body):
    record = console.handoff()
    _, post = api(console, console.staff())
    refused = post(f"/handoffs/{record.id}/reply", body)
    assert refused.status_code == 400 and refused.json()["error"] == "bad_request"
    assert [m for m in console.store.messages(record.id) if m.author == "staff"] == []


def test_resolving_with_a_lone_surrogate_in_the_notes_gets_a_400(console):
    record = console.handoff()
    _, post = api(console, console.staff())
    assert post(f"/handoffs/{record.id}/resolve", {"outcome": "answered", "notes": "メモ\ud800"}).status_code == 400


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31",
                                   "topic=%ED%A0%80"])
def test_search_at_the_ends_of_the_calendar_answers_without_a_500(console, query):
    record = console.handoff()
    browser = console.session(console.staff())
    found = browser.get(f"{console.url}/staff/api/handoffs?{query}")
    assert found.status_code in (200, 400), found.text
    if "topic" not in query:
        assert record.id in [h["id"] for h in found.json()["handoffs"]]
    page = browser.get(f"{console.url}/staff/search?{query}")
    assert page.status_code in (200, 400)


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"])
def test_csv_cells_that_start_like_a_formula_are_exported_as_text(cell):
    table = Table("t", "t", ["項目", cell])
    table.add("k", cell, 12)
    rows = list(csv.reader(io.StringIO(table_csv(table).lstrip("\ufeff"))))
    assert rows[0][1] == "'" + cell and rows[1][0] == "'" + cell
    assert rows[1][1] == "12"


def test_csv_keeps_plain_numbers_and_ordinary_text():
    table = Table("t", "t", ["項目", "値"])
    table.add("a", "マイナンバーカード", "-5")
    table.add("b", "12.5%", "")
    rows = list(csv.reader(io.StringIO(table_csv(table).lstrip("\ufeff"))))
    assert rows[1:] == [["マイナンバーカード", "-5"], ["12.5%", ""]]
