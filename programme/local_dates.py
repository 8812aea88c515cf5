"""Calendar dates as people in the organisation see them: "today" is local, not UTC."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from programme.clock import Clock
from programme.errors import InvalidInput

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?: (\d{4}))?")

DATE_EXAMPLES = "for example 31/01/2027, 31 January 2027 or 2027-01-31"


def local_today(clock: Clock, zone: tzinfo) -> date:
    return clock.now().astimezone(zone).date()


def local_moment(clock: Clock, zone: tzinfo) -> datetime:
    return clock.now().astimezone(zone)


def parse_date(text: str, today: date) -> date:
    """A date as people in the UK type it: day first. Without a year, the next such date from today."""
    cleaned = " ".join(text.lower().replace(",", " ").split())
    try:
        if match := _ISO.fullmatch(cleaned):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.fullmatch(cleaned):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if (match := _WORDS.fullmatch(cleaned)) and match[2] in _MONTHS:
            day, month = int(match[1]), _MONTHS[match[2]]
            if match[3]:
                return date(int(match[3]), month, day)
            return _next_occurrence(day, month, today)
    except ValueError:
        raise InvalidInput(
            f"\u201c{text[:40]}\u201d is not a date in the calendar; please check the day and month."
        ) from None
    raise InvalidInput(f"I couldn't read \u201c{text[:40]}\u201d as a date; please write it {DATE_EXAMPLES}.")


def _next_occurrence(day: int, month: int, today: date) -> date:
    """The first such date on or after today. This year's may not exist (29 February) while next year's does;
    when neither exists, the ValueError says it is no date at all."""
    try:
        candidate: date | None = date(today.year, month, day)
    except ValueError:
        candidate = None
    if candidate is not None and candidate >= today:
        return candidate
    return date(today.year + 1, month, day)
