"""Dates as people in the UK type them, and "today" as it is in London rather than in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from programme.errors import InvalidInput
from programme.local_dates import local_moment, local_today, parse_date
from tests.programme.builders import LONDON
from tests.support.fakes import FakeClock

TODAY = date(2025, 3, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-31", date(2027, 1, 31)),
        ("2027-1-5", date(2027, 1, 5)),
        ("  2027-01-31  ", date(2027, 1, 31)),
        ("31/01/2027", date(2027, 1, 31)),
        ("5/1/2027", date(2027, 1, 5)),  # day first: 5 January, not 1 May
        ("31.01.2027", date(2027, 1, 31)),
        ("31 January 2027", date(2027, 1, 31)),
        ("31 JANUARY 2027", date(2027, 1, 31)),
        ("31 jan 2027", date(2027, 1, 31)),
        ("31st Jan 2027", date(2027, 1, 31)),
        ("1st March 2026", date(2026, 3, 1)),
        ("2nd Feb 2026", date(2026, 2, 2)),
        ("3rd Sept 2026", date(2026, 9, 3)),
        ("4th sep 2026", date(2026, 9, 4)),
        ("12 May 2026", date(2026, 5, 12)),
        ("  31   January,  2027 ", date(2027, 1, 31)),
        ("29 February 2028", date(2028, 2, 29)),
    ],
)
def test_the_usual_ways_of_writing_a_date(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31st Jan", date(2026, 1, 31)),  # already past this year, so next year's
        ("2 March", date(2026, 3, 2)),  # yesterday: next year's
        ("3 March", date(2025, 3, 3)),  # today counts
        ("4 mar", date(2025, 3, 4)),
        ("25th December", date(2025, 12, 25)),
    ],
)
def test_without_a_year_it_is_the_next_such_date_from_today(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_the_year_turns_over_at_new_year() -> None:
    new_years_eve = date(2025, 12, 31)
    assert parse_date("31 December", new_years_eve) == date(2025, 12, 31)
    assert parse_date("1 January", new_years_eve) == date(2026, 1, 1)


def test_29_february_without_a_year_is_the_coming_one_when_it_is_within_a_year() -> None:
    assert parse_date("29 Feb", date(2028, 1, 10)) == date(2028, 2, 29)
    # Typed in spring 2027, the next 29 February is in 2028: a real date, not a typo.
    assert parse_date("29 February", date(2027, 3, 1)) == date(2028, 2, 29)


def test_29_february_without_a_year_is_refused_when_no_leap_day_is_coming_within_a_year() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date("29 February", TODAY)
    assert caught.value.user_message == (
        "\u201c29 February\u201d is not a date in the calendar; please check the day and month."
    )


@pytest.mark.parametrize(
    "text", ["31/02/2027", "2027-02-30", "30 February", "31 April 2026", "0 May 2026", "12/13/2026"]
)
def test_a_day_the_calendar_does_not_have_is_refused_as_such(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, TODAY)
    assert caught.value.user_message == (
        f"\u201c{text}\u201d is not a date in the calendar; please check the day and month."
    )


@pytest.mark.parametrize(
    "text",
    ["", "next tuesday", "31 smarch 2027", "2027/01/31", "31-01-2027", "January 31 2027", "31/01/27", "soon"],
)
def test_anything_else_is_refused_with_examples(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, TODAY)
    assert caught.value.user_message == (
        f"I couldn't read \u201c{text}\u201d as a date; please write it "
        "for example 31/01/2027, 31 January 2027 or 2027-01-31."
    )


def test_a_long_reply_is_quoted_only_in_part() -> None:
    text = "I'm not sure yet, maybe some time after the spring half term"
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, TODAY)
    assert f"\u201c{text[:40]}\u201d" in caught.value.user_message
    assert text[40:] not in caught.value.user_message


def test_today_is_londons_date_not_utcs() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    clock = FakeClock(datetime(2025, 6, 30, 23, 30, tzinfo=UTC))
    assert local_today(clock, LONDON) == date(2025, 7, 1)
    assert local_moment(clock, LONDON).hour == 0
    assert local_moment(clock, LONDON).utcoffset() is not None
    # In winter London is on UTC.
    clock.set(datetime(2025, 1, 31, 23, 30, tzinfo=UTC))
    assert local_today(clock, LONDON) == date(2025, 1, 31)
