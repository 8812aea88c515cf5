"""Teams deep links that open a new meeting, filled in, in the calendar of whoever follows them.

The introduction in a pair's group chat offers one, and the local calendar (no Microsoft 365 tenant) gives one as
a booked meeting's way to set up the Teams call. Following a link creates nothing by itself: the person opening it
sees a draft meeting to check and send.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import quote

TEAMS_NEW_MEETING = "https://teams.microsoft.com/l/meeting/new"


def teams_meeting_link(subject: str, attendees: Sequence[str], minutes: int, start: datetime | None = None) -> str:
    """A link to a new Teams meeting with this subject, these attendees and this length.

    ``start`` must carry its time zone: Teams reads a bare time in the organiser's zone, which may not be the one
    meant. Without a start, the person opening the link picks the time.
    """
    if minutes <= 0:
        raise ValueError("a meeting needs a positive length")
    parts = [f"subject={_quoted(subject)}"]
    if attendees:
        # The commas between addresses are the separator Teams expects, so each address is encoded on its own.
        parts.append("attendees=" + ",".join(quote(address.strip(), safe="@") for address in attendees))
    parts.append(f"content={_quoted(f'A {minutes}-minute reverse mentoring conversation.')}")
    if start is not None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("a meeting's start needs a time zone")
        end = start + timedelta(minutes=minutes)
        parts.append(f"startTime={_quoted(start.isoformat(timespec='seconds'))}")
        parts.append(f"endTime={_quoted(end.isoformat(timespec='seconds'))}")
    return f"{TEAMS_NEW_MEETING}?{'&'.join(parts)}"


def _quoted(text: str) -> str:
    return quote(text, safe="")
