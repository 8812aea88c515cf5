"""A meeting as an iCalendar (.ics) file, for people whose booking the bot keeps itself (no Microsoft 365 tenant).

Opening the file adds the meeting to Outlook, Google Calendar or Apple Calendar. The same ``uid`` with a higher
``sequence`` updates the copy people added before; a cancelled file (METHOD:CANCEL, STATUS:CANCELLED) tells the
calendar to take it out. Written to RFC 5545: CRLF line ends, text escaped, and lines folded at 75 octets.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from programme.calendar import Interval

PRODID = "-//ReMEDI bot//Reverse mentoring meetings//EN"
MAX_LINE_OCTETS = 75
# Control characters other than tab may not appear in iCalendar text at all (RFC 5545 section 3.3.11): line breaks
# become the escape \n first, and any others left become spaces.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# Whitespace and control characters end a URI, so one that holds them would not be read as meant.
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


def meeting_ics(
    *,
    uid: str,
    sequence: int,
    summary: str,
    description: str,
    when: Interval,
    url: str | None,
    cancelled: bool,
    stamp: datetime,
) -> str:
    """One meeting as a complete VCALENDAR with a single VEVENT. ``stamp`` is when this version was made."""
    if not uid.strip():
        raise ValueError("a calendar event needs a uid")
    if sequence < 0:
        raise ValueError("a calendar event's sequence cannot be negative")
    if url is not None and (not url or _URL_UNSAFE.search(url)):
        raise ValueError("a calendar event's url must be one line with no spaces")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(when.start)}",
        f"DTEND:{_utc(when.end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
    ]
    if url is not None:
        # A URI value, not text: its commas and semicolons are part of the address and are not escaped.
        lines.append(f"URL:{url}")
    lines += [
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def escape_text(text: str) -> str:
    """A TEXT value as RFC 5545 writes it: backslash, semicolon and comma escaped, line breaks as ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    escaped = _LINE_BREAKS.sub("\\\\n", escaped)
    return _CONTROLS.sub(" ", escaped)


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, each continuation starting with a space.

    The cut always falls between characters: a calendar reading the file joins the pieces back byte for byte, and
    half of a multi-byte character on each side would not decode on a line of its own."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    # The first line has the full 75 octets; each continuation gives one of them to its leading space.
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
