"""Office hours of the help desk: weekdays, some Saturdays, public holidays and the year-end closure."""
import datetime as dt

import pytest

from assistant.knowledge import KnowledgeError
from assistant.knowledge.office_hours import JST, OfficeHours, describe, load_office_hours
from assistant.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def hours() -> OfficeHours:
    return load_office_hours(PROJECT_ROOT / "knowledge")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.mark.parametrize(
    "moment, open_",
    [
        (at(2026, 11, 26, 10, 0), True),    # Thursday morning
        (at(2026, 11, 26, 8, 29), False),   # before opening
        (at(2026, 11, 26, 17, 15), False),  # closing time
        (at(2026, 11, 23, 10, 0), False),   # 勤労感謝の日 (Monday)
        (at(2026, 11, 28, 10, 0), True),    # 4th Saturday morning
        (at(2026, 11, 21, 10, 0), False),   # 3rd Saturday
        (at(2026, 11, 29, 10, 0), False),   # Sunday
        (at(2026, 12, 30, 10, 0), False),   # year-end
        (at(2027, 1, 4, 9, 0), True),       # first working day of the year
    ],
)
def test_open_or_closed(hours, moment, open_):
    assert hours.is_open(moment) is open_


def test_a_moment_in_another_timezone_is_read_in_japan_time(hours):
    assert hours.is_open(dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.timezone.utc))  # 10:00 JST


def test_next_opening_skips_the_weekend_and_the_holiday(hours):
    # Friday 2026-11-20 evening → Saturday 21 is the 3rd Saturday, Monday 23 a holiday → Tuesday 24.
    assert hours.next_opening(at(2026, 11, 20, 18, 0)) == at(2026, 11, 24, 8, 30)


def test_next_opening_after_the_year_end(hours):
    assert hours.next_opening(at(2026, 12, 28, 18, 0)) == at(2027, 1, 4, 8, 30)


def test_closed_reasons(hours):
    assert hours.closed_reason(dt.date(2026, 11, 23)) == "勤労感謝の日"
    assert hours.closed_reason(dt.date(2026, 12, 31)) == "年末年始"
    assert hours.closed_reason(dt.date(2026, 11, 26)) is None


def test_describe():
    assert describe(at(2026, 11, 24, 8, 30)) == "11月24日（火）8時30分"


def test_bad_hours_name_the_key(tmp_path):
    with pytest.raises(KnowledgeError) as err:
        OfficeHours.from_profile({"office_hours": {"weekly": {"mon": "8:30-17:15"}}}, tmp_path / "municipality.yml")
    assert err.value.key == "office_hours.weekly.mon"


def test_the_profile_is_checked_at_start_up(knowledge):
    assert knowledge.office_hours.is_open(at(2026, 11, 26, 10, 0))
