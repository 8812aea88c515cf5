"""The scheduling cards: a pair's meeting as one of the two sees it, and reading back a time they chose themselves.

One card follows a meeting through its life (times on offer, booking, booked, cancelled). It carries a Universal
Actions ``refresh``, so the copy in each person's chat is redrawn for them from the meeting as it is when they
look, rather than as it was when it was sent: after one of them chooses a time, the other's card no longer offers
the times that are gone.

It shows logistics only: the partner's name, the session number, times and links. Nobody's email, and nothing of
what the pair discuss, is on it (the Teams link of the local calendar names both people as attendees, which is how
the meeting invites them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from cards.elements import (
    Card,
    Element,
    attention,
    card,
    escape_markdown,
    execute,
    heading,
    input_text,
    paragraph,
    subheading,
)
from programme.calendar import Interval
from programme.errors import InvalidFields
from programme.meeting_view import MeetingView
from programme.meetings import MeetingState

# Between the start and end of a time, as in "10:00\u201311:00".
EN_DASH = "\u2013"
DATE_INPUT = "meeting_date"
TIME_INPUT = "meeting_time"
# The core writes notices, but one may quote something typed; a card is no place for an essay.
MAX_NOTICE = 500
# Input.Date and Input.Time send short values; anything far longer came from an edited card.
_MAX_FORM_VALUE = 40
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Input.Time sends HH:MM; some hosts add seconds, which a meeting's start does without.
_CLOCK_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::[0-9]{2})?")

_Value = TypeVar("_Value", date, time)

_MISSING = {
    DATE_INPUT: "Please choose the day you'd like to meet.",
    TIME_INPUT: "Please choose the time you'd like to start.",
}
_UNREADABLE = {
    DATE_INPUT: "That day doesn't look like a date; please pick it from the calendar.",
    TIME_INPUT: "That doesn't look like a time; please pick one, such as 14:30.",
}


def meeting_card(view: MeetingView) -> Card:
    """The meeting as it stands, for ``view.me``: times to choose from, booking, booked or cancelled."""
    meeting = view.meeting
    if meeting.state is MeetingState.OFFERED:
        title, parts, actions = _offered(view)
    elif meeting.state is MeetingState.BOOKING:
        title, parts, actions = _booking(view)
    elif meeting.state is MeetingState.BOOKED:
        title, parts, actions = _booked(view)
    else:
        title, parts, actions = _cancelled(view)
    body: list[Element] = [heading(title), *_notice(view)]
    body.append(paragraph(_session_line(view), subtle=True))
    body += parts
    built = card(body, actions)
    # No userIds: in a 1:1 chat (fewer than 60 people) Teams refreshes automatically for whoever looks, and an
    # empty list would turn automatic refresh off altogether.
    built["refresh"] = {"action": _refresh_action(meeting.id)}
    return built


def cancel_confirmation_card(view: MeetingView) -> Card:
    """Asks once more before cancelling; keeping it shows the meeting again."""
    meeting = view.meeting
    name = _name(view)
    body: list[Element] = [heading("Cancel this conversation?"), *_notice(view)]
    if meeting.when is not None:
        body.append(paragraph(f"**{when_text(meeting.when, view.zone)}** with {name}."))
    if view.invitations:
        body.append(paragraph(f"If you cancel, I'll take it out of both your Outlook calendars and let {name} know."))
    else:
        body.append(
            paragraph(
                f"If you cancel, I'll let {name} know. If you added it to your own calendar or set up the Teams "
                "meeting, please remove those too."
            )
        )
    body.append(paragraph("Plans change, and that's fine: you can find a new time whenever you're ready.", subtle=True))
    # Deliberately no refresh: it would swap this question for the meeting card before the person had answered.
    return card(
        body,
        [
            {
                **execute(
                    "Yes, cancel it",
                    "meeting.cancel.confirm",
                    {"meeting": meeting.id, "version": meeting.version},
                ),
                "style": "destructive",
            },
            execute("Keep it", "meeting.show", {"meeting": meeting.id}),
        ],
    )


def parse_own_time(data: Mapping[str, object], zone: tzinfo) -> datetime:
    """The start a person chose on the card's own-time form, as an aware datetime in ``zone``.

    :class:`InvalidFields`, keyed by the inputs' ids, names a missing or unreadable day or time, and a time the
    clocks skip. A time that happens twice (when the clocks go back) is read as the first of the two, the one
    people mean in an autumn diary. Whether the time is still to come is the core's business.
    """
    problems: dict[str, str] = {}
    day = _form_value(data, DATE_INPUT, _read_date, problems)
    clock = _form_value(data, TIME_INPUT, _read_time, problems)
    if problems or day is None or clock is None:
        raise InvalidFields(problems)
    wall = datetime.combine(day, clock)
    start = wall.replace(tzinfo=zone, fold=0)
    # A wall time inside the hour the clocks skip comes back from UTC as a different wall time.
    if start.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise InvalidFields(
            {
                TIME_INPUT: f"{clock:%H:%M} doesn't happen on {_day(day)}, because the clocks go forward then. "
                "Please choose another time, such as an hour later."
            }
        )
    return start


def when_text(interval: Interval, zone: tzinfo) -> str:
    """A meeting's time as people in the UK write it: the day ("Tuesday 5 January"), then the 24-hour start and
    end joined by an en dash."""
    start = interval.start.astimezone(zone)
    end = interval.end.astimezone(zone)
    ends_at_midnight = end.time() == time(0) and end.date() == start.date() + timedelta(days=1)
    if end.date() == start.date() or ends_at_midnight:
        return f"{_day(start.date())}, {start:%H:%M}{EN_DASH}{end:%H:%M}"
    return f"{_day(start.date())}, {start:%H:%M} to {_day(end.date())}, {end:%H:%M}"


# Each state ---------------------------------------------------------------------------------------------------------

_Parts = tuple[str, list[Element], list[Element]]


def _offered(view: MeetingView) -> _Parts:
    meeting = view.meeting
    name = _name(view)
    parts: list[Element] = []
    actions: list[Element] = []
    later = {
        "type": "ActionSet",
        "actions": [
            _no_inputs(execute("Look at the two weeks after", "meeting.find", {"pair": meeting.pair_id, "later": True}))
        ],
    }
    if meeting.rescheduling and meeting.when is not None:
        parts.append(
            paragraph(
                f"You're booked for **{when_text(meeting.when, view.zone)}** now. Choose a new time below, or keep "
                "the one you have: nothing changes until one of you chooses."
            )
        )
        actions.append(_no_inputs(execute("Keep the current time", "meeting.keep", _versioned(view))))
    if meeting.slots:
        parts.append(subheading("Times when you're both free"))
        parts.append(
            paragraph(
                f"Either you or {name} can choose one. The first choice books it for you both, and you'll each get "
                "a confirmation.",
                subtle=True,
            )
        )
        for index, slot in enumerate(meeting.slots):
            pick = execute(when_text(slot, view.zone), "meeting.pick", {**_versioned(view), "slot": index})
            # One button to a set, so each time sits on its own line, in full, rather than squeezed into a row.
            parts.append({"type": "ActionSet", "actions": [_no_inputs(pick)]})
        # Beside the times it replaces, not under the own-time form, where it would read as part of the form.
        parts.append(paragraph("None of these suit you both?", subtle=True))
        parts.append(later)
        parts.append(subheading("Or choose a time yourself"))
    else:
        first_day = _day(meeting.window.start.astimezone(view.zone).date())
        # The window's end is not part of it, so its last day is the one before a midnight end.
        last_day = _day((meeting.window.end - timedelta(microseconds=1)).astimezone(view.zone).date())
        looked_at = (
            "in both your Outlook calendars, within your working hours"
            if view.invitations
            else "among the half-days you each said usually suit you"
        )
        parts.append(
            paragraph(
                f"I looked {looked_at}, from {first_day} to {last_day}, and couldn't find a time when you're both "
                "free. That happens, especially with busy diaries. You could look at the two weeks after, or agree a "
                f"time with {name} and choose it below."
            )
        )
        parts.append(later)
        parts.append(subheading("Choose a time yourself"))
    parts += _own_time_form(view)
    return ("Choose a new time" if meeting.rescheduling else "Choose a time to meet"), parts, actions


def _booking(view: MeetingView) -> _Parts:
    when = view.meeting.when
    at = f" **{when_text(when, view.zone)}**" if when is not None else ""
    return (
        "Booking your conversation",
        [
            paragraph(f"Booking{at} with {_name(view)}…"),
            paragraph("You'll both get a confirmation in a moment.", subtle=True),
        ],
        [],
    )


def _booked(view: MeetingView) -> _Parts:
    meeting = view.meeting
    name = _name(view)
    parts: list[Element] = []
    if meeting.when is not None:
        parts.append(paragraph(f"**{when_text(meeting.when, view.zone)}** with {name}."))
    actions: list[Element] = []
    if view.invitations:
        parts.append(paragraph("The invitation is in both your Outlook calendars, with the link to join on Teams."))
        if meeting.join_url:
            actions.append(_open_url("Join on Teams", meeting.join_url))
    else:
        if view.ics_url:
            parts.append(paragraph("To have it in your own calendar, choose 'Add to my calendar'."))
            actions.append(_open_url("Add to my calendar", view.ics_url))
        if meeting.join_url:
            parts.append(
                paragraph(
                    "For the call, one of you sets up the Teams meeting and sends it to the other: 'Set up the Teams "
                    "meeting' opens one with the details filled in. If you haven't agreed who, the mentee usually "
                    "does."
                )
            )
            actions.append(_open_url("Set up the Teams meeting", meeting.join_url))
    parts.append(paragraph("If the time stops working for either of you, you can move it or cancel it.", subtle=True))
    actions += [
        execute("Reschedule", "meeting.reschedule", {"meeting": meeting.id}),
        execute("Cancel", "meeting.cancel", {"meeting": meeting.id}),
    ]
    return "Your conversation is booked", parts, actions


def _cancelled(view: MeetingView) -> _Parts:
    meeting = view.meeting
    name = _name(view)
    on = f" on **{when_text(meeting.when, view.zone)}**" if meeting.when is not None else ""
    return (
        "Conversation cancelled",
        [
            paragraph(f"Your conversation with {name}{on} is cancelled."),
            paragraph("When you're ready, I can find a new time that suits you both."),
        ],
        [execute("Find a new time", "meeting.find", {"pair": meeting.pair_id}, primary=True)],
    )


# Inside -----------------------------------------------------------------------------------------------------------


def _own_time_form(view: MeetingView) -> list[Element]:
    minutes = view.cohort.plan.session_minutes
    choose = execute("Book this time", "meeting.pick-time", _versioned(view))
    return [
        paragraph(
            f"Pick a day and a start time that suits you both; it'll be booked for {minutes} minutes.", subtle=True
        ),
        {
            "type": "Input.Date",
            "id": DATE_INPUT,
            "label": "Day",
            "isRequired": True,
            "errorMessage": _MISSING[DATE_INPUT],
        },
        {
            "type": "Input.Time",
            "id": TIME_INPUT,
            "label": "Start time",
            "isRequired": True,
            "errorMessage": _MISSING[TIME_INPUT],
        },
        {"type": "ActionSet", "actions": [choose]},
    ]


def _notice(view: MeetingView) -> list[Element]:
    """What just happened, at the top: a problem as a warning, news (a booking, a partner's choice) as plain bold."""
    if not view.notice:
        return []
    text = _shorten(view.notice, MAX_NOTICE)
    if view.problem:
        return [attention(text)]
    return [{"type": "TextBlock", "text": escape_markdown(text), "wrap": True, "weight": "Bolder"}]


def _session_line(view: MeetingView) -> str:
    session = view.meeting.session
    planned = view.sessions_planned
    number = f"Conversation {session} of {planned}" if session <= planned else f"Conversation {session}"
    return f"{number} with {_name(view)}, your {'mentee' if view.i_am_mentor else 'mentor'}"


def _refresh_action(meeting_id: int) -> Element:
    # Built by hand rather than with execute(): a refresh is never a button, so it has no title.
    return {"type": "Action.Execute", "verb": "meeting.show", "data": {"action": "meeting.show", "meeting": meeting_id}}


def _versioned(view: MeetingView) -> dict[str, int]:
    return {"meeting": view.meeting.id, "version": view.meeting.version}


def _no_inputs(action: Element) -> Element:
    # The own-time inputs are required; without this, Teams would refuse every other button until they were filled.
    return {**action, "associatedInputs": "none"}


def _open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def _name(view: MeetingView) -> str:
    return escape_markdown(view.partner.display_name)


def _day(value: date) -> str:
    # %d would pad the day with a zero, and %-d is not portable.
    return f"{value:%A} {value.day} {value:%B}"


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _form_value(
    data: Mapping[str, object], input_id: str, read: Callable[[str], _Value | None], problems: dict[str, str]
) -> _Value | None:
    raw = data.get(input_id)
    text = "" if raw is None else input_text(raw)
    if text is not None and not text.strip():
        problems[input_id] = _MISSING[input_id]
        return None
    value = read(text.strip()) if text is not None and len(text) <= _MAX_FORM_VALUE else None
    if value is None:
        problems[input_id] = _UNREADABLE[input_id]
    return value


def _read_date(text: str) -> date | None:
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _read_time(text: str) -> time | None:
    match = _CLOCK_TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
