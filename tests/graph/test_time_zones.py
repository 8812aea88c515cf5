"""Reading Outlook's time zone names: Windows names through CLDR's table, IANA names as they are, the rest None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tzlocal.windows_tz import win_tz

from graph.time_zones import WINDOWS_TO_IANA, zone_named


@pytest.mark.parametrize(
    ("name", "iana"),
    [
        ("GMT Standard Time", "Europe/London"),
        ("gmt standard time", "Europe/London"),
        ("  GMT Standard Time ", "Europe/London"),
        ("Greenwich Standard Time", "Atlantic/Reykjavik"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Romance Standard Time", "Europe/Paris"),
        ("India Standard Time", "Asia/Calcutta"),
        ("Eastern Standard Time", "America/New_York"),
        ("Europe/London", "Europe/London"),
        ("Asia/Kolkata", "Asia/Kolkata"),
    ],
)
def test_windows_and_iana_names_are_read(name: str, iana: str) -> None:
    assert zone_named(name) == ZoneInfo(iana)


@pytest.mark.parametrize("name", ["UTC", "utc", "tzone://Microsoft/Utc"])
def test_the_spellings_of_utc_are_utc(name: str) -> None:
    assert zone_named(name) is UTC


@pytest.mark.parametrize(
    "name",
    [
        None,
        "",
        "   ",
        "Customized Time Zone",
        "europe/london",
        "Europe",
        "/etc/passwd",
        "../../etc/passwd",
        "tzdata.zi",
    ],
)
def test_names_that_are_no_zone_we_know_are_none(name: str | None) -> None:
    assert zone_named(name) is None


def test_uk_working_hours_follow_british_summer_time() -> None:
    london = zone_named("GMT Standard Time")
    assert london is not None
    assert datetime(2027, 1, 4, 9, tzinfo=london).utcoffset() == timedelta(0)
    assert datetime(2027, 7, 5, 9, tzinfo=london).utcoffset() == timedelta(hours=1)


def test_every_zone_in_the_table_is_one_python_knows() -> None:
    for windows, iana in WINDOWS_TO_IANA.items():
        # Windows' "UTC" is read as Python's own UTC rather than zoneinfo's Etc/UTC: the same clock.
        expected = UTC if iana == "Etc/UTC" else ZoneInfo(iana)
        assert zone_named(windows) == expected, windows


def test_the_table_is_cldrs_as_tzlocal_ships_it() -> None:
    # tzlocal (pinned, through APScheduler) generates its table from the same CLDR file: a check on our copy.
    assert dict(WINDOWS_TO_IANA) == win_tz
