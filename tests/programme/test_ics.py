"""The .ics file: a valid RFC 5545 calendar with one event, read back here by a small parser of our own (unfold,
split, unescape) so the checks see what a calendar program would, not the text we happened to write."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from programme.calendar import Interval
from programme.ics import MAX_LINE_OCTETS, PRODID, escape_text, fold, meeting_ics

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
# 10:00 to 11:00 on a summer's day in London is 09:00 to 10:00 in UTC.
WHEN = Interval(datetime(2026, 6, 2, 10, 0, tzinfo=LONDON), datetime(2026, 6, 2, 11, 0, tzinfo=LONDON))
URL = "https://teams.microsoft.com/l/meeting/new?subject=Reverse%20mentoring&attendees=a@nhs.net,b@nhs.net"


@dataclass(frozen=True)
class Line:
    name: str
    params: str
    value: str


def _ics(**changes: object) -> str:
    arguments: dict[str, object] = {
        "uid": "remedi-meeting-7@remedi.example.nhs.uk",
        "sequence": 2,
        "summary": "Reverse mentoring: Amara Okafor and Dana Whitfield",
        "description": "Conversation 2 of 6.",
        "when": WHEN,
        "url": URL,
        "cancelled": False,
        "stamp": STAMP,
        **changes,
    }
    return meeting_ics(**arguments)  # type: ignore[arg-type]


def _physical_lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    # Every line ends in CRLF: no bare LF or CR anywhere.
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")
    return text[: -len("\r\n")].split("\r\n")


def _parse(text: str) -> list[Line]:
    """Content lines as a calendar reads them: folds joined, each split into name, parameters and value."""
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    lines = []
    for raw in _physical_lines(unfolded):
        head, _, value = raw.partition(":")
        name, _, params = head.partition(";")
        lines.append(Line(name, params, value))
    return lines


def _unescape(value: str) -> str:
    replacements = {"\\\\": "\\", "\\;": ";", "\\,": ",", "\\n": "\n", "\\N": "\n"}
    return re.sub(r"\\[\\;,nN]", lambda match: replacements[match.group(0)], value)


def _event(text: str) -> dict[str, str]:
    """The VEVENT's properties, by name (each appears once)."""
    lines = _parse(text)
    begin = lines.index(Line("BEGIN", "", "VEVENT"))
    end = lines.index(Line("END", "", "VEVENT"))
    names = [line.name for line in lines[begin + 1 : end]]
    assert len(names) == len(set(names))
    return {line.name: line.value for line in lines[begin + 1 : end]}


def test_a_booked_meeting_is_a_published_confirmed_event_in_utc() -> None:
    text = _ics()
    lines = _parse(text)
    assert lines[:5] == [
        Line("BEGIN", "", "VCALENDAR"),
        Line("VERSION", "", "2.0"),
        Line("PRODID", "", PRODID),
        Line("CALSCALE", "", "GREGORIAN"),
        Line("METHOD", "", "PUBLISH"),
    ]
    assert "ReMEDI bot" in PRODID
    assert lines[-2:] == [Line("END", "", "VEVENT"), Line("END", "", "VCALENDAR")]
    assert [line for line in lines if line.name == "BEGIN"] == [
        Line("BEGIN", "", "VCALENDAR"),
        Line("BEGIN", "", "VEVENT"),
    ]
    event = _event(text)
    assert event == {
        "UID": "remedi-meeting-7@remedi.example.nhs.uk",
        "SEQUENCE": "2",
        "DTSTAMP": "20260112T093000Z",
        "DTSTART": "20260602T090000Z",
        "DTEND": "20260602T100000Z",
        "SUMMARY": "Reverse mentoring: Amara Okafor and Dana Whitfield",
        "DESCRIPTION": "Conversation 2 of 6.",
        "URL": URL,
        "STATUS": "CONFIRMED",
    }


def test_a_cancelled_meeting_cancels_the_same_event() -> None:
    text = _ics(cancelled=True, sequence=3)
    assert Line("METHOD", "", "CANCEL") in _parse(text)
    event = _event(text)
    assert (event["STATUS"], event["SEQUENCE"], event["UID"]) == (
        "CANCELLED",
        "3",
        "remedi-meeting-7@remedi.example.nhs.uk",
    )


def test_without_a_url_there_is_no_url_line() -> None:
    assert "URL" not in _event(_ics(url=None))


def test_times_in_any_zone_are_written_in_utc() -> None:
    winter = Interval(
        datetime(2026, 1, 5, 23, 30, tzinfo=timezone(-timedelta(hours=5))), datetime(2026, 1, 6, 5, 0, tzinfo=UTC)
    )
    event = _event(_ics(when=winter, stamp=datetime(2026, 1, 1, 12, 0, tzinfo=LONDON)))
    assert (event["DTSTART"], event["DTEND"], event["DTSTAMP"]) == (
        "20260106T043000Z",
        "20260106T050000Z",
        "20260101T120000Z",
    )


def test_text_is_escaped_and_read_back_exactly() -> None:
    summary = 'Dana; Amara, and a back\\slash "quoted"'
    description = "Line one\nLine two\r\nLine three\rand: a colon, a semicolon; a backslash \\n (not a newline)"
    text = _ics(summary=summary, description=description)
    event = _event(text)
    assert event["SUMMARY"] == 'Dana\\; Amara\\, and a back\\\\slash "quoted"'
    assert _unescape(event["SUMMARY"]) == summary
    assert _unescape(event["DESCRIPTION"]) == description.replace("\r\n", "\n").replace("\r", "\n")
    # A newline in the text never ends the line early.
    assert _parse(text)[-2:] == [Line("END", "", "VEVENT"), Line("END", "", "VCALENDAR")]


def test_control_characters_cannot_break_the_file() -> None:
    text = _ics(summary="a\x00b\x07c\x1bd\x7fe\tf")
    assert _unescape(_event(text)["SUMMARY"]) == "a b c d e\tf"


def test_escape_text_on_its_own() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    assert escape_text("") == ""


def test_long_lines_fold_at_75_octets_and_unfold_to_the_same_text() -> None:
    description = "Talk about what gets in the way of colleagues speaking up. " * 12
    text = _ics(description=description, url=URL + "&x=" + "y" * 300)
    physical = _physical_lines(text)
    assert max(len(line.encode("utf-8")) for line in physical) == MAX_LINE_OCTETS
    continuations = [line for line in physical if line.startswith(" ")]
    assert len(continuations) > 8
    event = _event(text)
    assert _unescape(event["DESCRIPTION"]) == description
    assert event["URL"] == URL + "&x=" + "y" * 300


@pytest.mark.parametrize(
    "text",
    [
        "é" * 200,  # two octets each
        "€" * 200,  # three octets each
        "\U0001f600" * 200,  # four octets each
        "a" + "é€\U0001f600" * 60,  # a mixture, starting off the even boundary
        "Zoë Ngozi-Adébáyọ̀ " * 20,  # combining marks
    ],
)
def test_folding_never_splits_a_character(text: str) -> None:
    ics = _ics(summary=text, description=text)
    for line in _physical_lines(ics):
        encoded = line.encode("utf-8")
        assert len(encoded) <= MAX_LINE_OCTETS
        # Each physical line decodes on its own: no character was cut in two.
        assert encoded.decode("utf-8") == line
    event = _event(ics)
    assert _unescape(event["SUMMARY"]) == text
    assert _unescape(event["DESCRIPTION"]) == text


def test_fold_fills_each_line_as_far_as_it_can() -> None:
    assert fold("x" * 75) == "x" * 75
    assert fold("x" * 76) == "x" * 75 + "\r\n x"
    assert fold("x" * 149) == "x" * 75 + "\r\n " + "x" * 74
    assert fold("x" * 150) == "x" * 75 + "\r\n " + "x" * 74 + "\r\n x"
    # 37 two-octet characters make 74 octets; the 38th would make 76, so it starts the next line.
    assert fold("é" * 38) == "é" * 37 + "\r\n é"
    assert fold("") == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"uid": ""}, "uid"),
        ({"uid": "   "}, "uid"),
        ({"sequence": -1}, "sequence"),
        ({"url": "https://example.com/a b"}, "url"),
        ({"url": "https://example.com/a\r\nX-EVIL:1"}, "url"),
        ({"url": ""}, "url"),
        ({"stamp": datetime(2026, 1, 12, 9, 30)}, "timezone-aware"),
    ],
)
def test_what_cannot_make_a_valid_file_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _ics(**changes)


def test_the_same_meeting_makes_the_same_file() -> None:
    assert _ics() == _ics()
