"""Teams new-meeting links: every part encoded so nothing typed can break or add to the link, and a start always
carries its time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from programme.teams_links import TEAMS_NEW_MEETING, teams_meeting_link


def _query(link: str) -> dict[str, list[str]]:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == TEAMS_NEW_MEETING
    return parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)


def test_the_link_encodes_every_part() -> None:
    link = teams_meeting_link(
        "Reverse mentoring: Zoë & Ngozi #1 + more?", ["amara+rm@nhs.net", "o'neil@trust.nhs.uk"], 45
    )
    assert " " not in link
    assert "#" not in link
    query = _query(link)
    assert query["subject"] == ["Reverse mentoring: Zoë & Ngozi #1 + more?"]
    assert query["attendees"] == ["amara+rm@nhs.net,o'neil@trust.nhs.uk"]
    assert query["content"] == ["A 45-minute reverse mentoring conversation."]
    assert "startTime" not in query
    # The addresses are separated by a bare comma, as Teams expects; a plus inside one is encoded.
    assert "attendees=amara%2Brm@nhs.net,o%27neil@trust.nhs.uk&" in link


def test_an_address_cannot_smuggle_in_another_parameter() -> None:
    query = _query(teams_meeting_link("Hello", ["a&subject=evil@nhs.net,b@nhs.net"], 60))
    assert query["subject"] == ["Hello"]
    assert query["attendees"] == ["a&subject=evil@nhs.net,b@nhs.net"]
    assert "%2C" in teams_meeting_link("Hello", ["a,b@nhs.net"], 60)


def test_a_start_gives_iso_times_with_their_offset_and_the_length() -> None:
    start = datetime(2026, 6, 2, 10, 30, tzinfo=ZoneInfo("Europe/London"))
    link = teams_meeting_link("Hello", ["a@nhs.net"], 60, start)
    query = _query(link)
    assert query["startTime"] == ["2026-06-02T10:30:00+01:00"]
    assert query["endTime"] == ["2026-06-02T11:30:00+01:00"]
    # The offset's plus sign is encoded, or it would arrive as a space.
    assert "startTime=2026-06-02T10%3A30%3A00%2B01%3A00" in link
    utc = _query(teams_meeting_link("Hello", [], 30, datetime(2026, 1, 5, 9, 0, tzinfo=UTC)))
    assert (utc["startTime"], utc["endTime"]) == (["2026-01-05T09:00:00+00:00"], ["2026-01-05T09:30:00+00:00"])
    assert "attendees" not in utc
    negative = _query(
        teams_meeting_link("x", [], 45, datetime(2026, 1, 5, 23, 30, tzinfo=timezone(-timedelta(hours=5))))
    )
    assert negative["endTime"] == ["2026-01-06T00:15:00-05:00"]


def test_a_start_without_a_time_zone_or_a_meeting_without_length_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        teams_meeting_link("Hello", [], 60, datetime(2026, 1, 5, 9, 0))
    for minutes in (0, -30):
        with pytest.raises(ValueError, match="positive"):
            teams_meeting_link("Hello", [], minutes)
