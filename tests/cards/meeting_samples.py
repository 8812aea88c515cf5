"""Meetings and one person's view of them, in every state, for the scheduling cards and the suites that send them.

``meeting`` builds a :class:`Meeting` in any state with sensible times (Monday 19 January 2026 onwards, in London);
``view`` shows it to the mentor or the mentee of pair 101 (Amara Okafor and Dana Whitfield, from match_samples),
with Graph's invitations or the local calendar. ``SAMPLES`` are the card builds test_card_schema.py validates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from cards.elements import Card
from cards.meetings import cancel_confirmation_card, meeting_card
from programme.applications import Application
from programme.calendar import Interval
from programme.cohorts import Cohort, CohortState
from programme.grades import Grade
from programme.identity import PersonId
from programme.meeting_view import MeetingView
from programme.meetings import Meeting, MeetingState
from programme.pairs import Pair, PairState
from programme.profiles import Role
from programme.teams_links import teams_meeting_link
from tests.cards.match_samples import (
    BIG_ID,
    MARKDOWN,
    TEXTS,
    application,
    cohort,
    mentee,
    mentor,
    pair,
)
from tests.programme.builders import profile_at_limits

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
MEETING_ID = 7
PAIR_ID = 101
# Two weeks from Monday 19 January 2026, midnight to midnight in London (GMT, so the same in UTC).
WINDOW = Interval(datetime(2026, 1, 19, tzinfo=LONDON), datetime(2026, 2, 2, tzinfo=LONDON))
GRAPH_JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ5%40thread.v2/0?context=%7b%7d"
ICS_URL = "https://remedi.example.nhs.uk/meetings/Zm9vYmFyYmF6cXV4cXV1eA.ics"
EVENT_ID = "AAMkAGI2TG93AAA="


def at(day: int, hour: int, minute: int = 0, *, month: int = 1) -> datetime:
    """A wall-clock time in London in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def hour_from(start: datetime, minutes: int = 60) -> Interval:
    return Interval(start, start + timedelta(minutes=minutes))


# As many times as an offer holds, over the window, oldest first.
SLOTS: tuple[Interval, ...] = (
    hour_from(at(19, 10)),
    hour_from(at(20, 14, 30)),
    hour_from(at(22, 9)),
    hour_from(at(27, 16)),
    hour_from(at(29, 11)),
)
BOOKED_AT = SLOTS[1]


def meeting(
    state: MeetingState = MeetingState.OFFERED,
    *,
    meeting_id: int = MEETING_ID,
    pair_id: int = PAIR_ID,
    session: int = 1,
    version: int = 1,
    window: Interval = WINDOW,
    slots: tuple[Interval, ...] | None = None,
    when: Interval | None = None,
    event_id: str | None = None,
    join_url: str | None = None,
    chosen_by: PersonId | None = None,
) -> Meeting:
    """A meeting in ``state``. Unless told otherwise an offer has the five SLOTS, and a booking, booked or
    cancelled meeting is at BOOKED_AT; a booked one has an event and the Graph join link."""
    if slots is None:
        slots = SLOTS if state is MeetingState.OFFERED else ()
    if when is None and state is not MeetingState.OFFERED:
        when = BOOKED_AT
    if state is MeetingState.BOOKED:
        event_id = event_id or EVENT_ID
    return Meeting(
        id=meeting_id,
        pair_id=pair_id,
        session=session,
        state=state,
        version=version,
        window=window,
        slots=slots,
        when=when,
        event_id=event_id,
        join_url=join_url,
        chosen_by=chosen_by,
        ics_token="Zm9vYmFyYmF6cXV4cXV1eA",
        created_at=AT,
        updated_at=AT,
    )


def offered(*, slots: tuple[Interval, ...] = SLOTS, **changes: Any) -> Meeting:
    return meeting(MeetingState.OFFERED, slots=slots, **changes)


def rescheduling(*, slots: tuple[Interval, ...] = SLOTS, join_url: str | None = GRAPH_JOIN_URL) -> Meeting:
    """A booked meeting offered again: its event and time stay until a new time is chosen."""
    was = meeting(MeetingState.BOOKED, join_url=join_url, version=3)
    return replace(was.offered(WINDOW, slots), version=4)


def booked(*, join_url: str | None = GRAPH_JOIN_URL, version: int = 3, **changes: Any) -> Meeting:
    return meeting(MeetingState.BOOKED, join_url=join_url, version=version, **changes)


def local_join_url(mentor_app: Application, mentee_app: Application, start: datetime) -> str:
    """What the local calendar offers to set up the Teams call: a new-meeting link inviting both."""
    return teams_meeting_link(
        f"Reverse mentoring: {mentor_app.display_name} and {mentee_app.display_name}",
        [mentor_app.profile.work_email, mentee_app.profile.work_email],
        60,
        start,
    )


def view(
    shown: Meeting,
    *,
    to_mentor: bool = True,
    invitations: bool = True,
    ics_url: str | None = None,
    notice: str | None = None,
    problem: bool = False,
    mentor_app: Application | None = None,
    mentee_app: Application | None = None,
    shown_cohort: Cohort | None = None,
    zone: tzinfo = LONDON,
) -> MeetingView:
    """``shown`` as the mentor (or the mentee) of its pair sees it."""
    first = mentor_app or mentor()
    second = mentee_app or mentee()
    the_pair: Pair = replace(pair(PAIR_ID, first, second, state=PairState.PUBLISHED), id=shown.pair_id)
    me, partner = (first, second) if to_mentor else (second, first)
    return MeetingView(
        meeting=shown,
        pair=the_pair,
        cohort=shown_cohort or cohort(CohortState.RUNNING),
        me=me,
        partner=partner,
        zone=zone,
        invitations=invitations,
        ics_url=ics_url,
        problem=problem,
        notice=notice,
    )


def local_view(shown: Meeting, **changes: Any) -> MeetingView:
    """The local calendar's view: no invitations, an .ics file once booked, and a Teams link to set the call up."""
    first, second = mentor(), mentee()
    if shown.state is MeetingState.BOOKED and shown.when is not None:
        shown = replace(shown, join_url=local_join_url(first, second, shown.when.start))
    return view(shown, invitations=False, ics_url=ICS_URL, **changes)


def worst_view(text: str, state: MeetingState, *, invitations: bool = True, to_mentor: bool = False) -> MeetingView:
    """Every name at its longest in ``text``, the biggest ids, a long notice and long links."""
    limits = profile_at_limits(text).checked()
    name = (text * 100)[:100]
    first = application(BIG_ID - 1, name, limits)
    second = application(BIG_ID - 2, name, replace(limits, role=Role.MENTEE, band=Grade.BOARD))
    long_url = GRAPH_JOIN_URL + "x" * 1500
    shown = meeting(
        state,
        meeting_id=BIG_ID,
        pair_id=BIG_ID,
        session=BIG_ID,
        version=BIG_ID,
        join_url=long_url if state is MeetingState.BOOKED else None,
    )
    if state is MeetingState.OFFERED:
        shown = replace(shown, event_id=EVENT_ID, when=BOOKED_AT)  # rescheduling, so everything shows
    return view(
        shown,
        to_mentor=to_mentor,
        invitations=invitations,
        ics_url=None if invitations else ICS_URL + "x" * 1500,
        notice=text * 5000,
        mentor_app=first,
        mentee_app=second,
        shown_cohort=cohort(CohortState.RUNNING, cohort_id=BIG_ID, name=(text * 80)[:80]),
    )


MARKDOWN_NAME = (MARKDOWN * 3)[:100]

SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "cards.meetings.meeting_card": [
        ("offered, to the mentor", meeting_card(view(offered()))),
        ("offered, to the mentee", meeting_card(view(offered(), to_mentor=False))),
        ("offered, one time", meeting_card(view(offered(slots=SLOTS[:1])))),
        ("offered, local calendar", meeting_card(local_view(offered()))),
        ("offered, nothing free", meeting_card(view(offered(slots=())))),
        ("offered, nothing free, local calendar", meeting_card(local_view(offered(slots=())))),
        ("offered, with a notice", meeting_card(view(offered(), notice="That time has just gone; here are others."))),
        ("rescheduling", meeting_card(view(rescheduling()))),
        ("rescheduling, nothing free", meeting_card(view(rescheduling(slots=())))),
        ("booking", meeting_card(view(meeting(MeetingState.BOOKING, version=2)))),
        ("booked", meeting_card(view(booked()))),
        ("booked, no join link", meeting_card(view(booked(join_url=None)))),
        ("booked, local calendar", meeting_card(local_view(booked(join_url=None)))),
        ("booked, local calendar, no file", meeting_card(view(booked(join_url=None), invitations=False))),
        ("cancelled", meeting_card(view(meeting(MeetingState.CANCELLED, version=5)))),
        ("cancelled before booking", meeting_card(view(replace(offered(slots=()).cancelled(), version=2)))),
        ("beyond the plan", meeting_card(view(booked(session=7)))),
        (
            "markdown names",
            meeting_card(view(offered(), mentor_app=mentor(name=MARKDOWN_NAME), notice=MARKDOWN, to_mentor=False)),
        ),
        *(
            (
                f"worst case {state.value} {label}{'' if invitations else ', local calendar'}",
                meeting_card(worst_view(text, state, invitations=invitations)),
            )
            for state in MeetingState
            for label, text in TEXTS
            for invitations in (True, False)
        ),
    ],
    "cards.meetings.cancel_confirmation_card": [
        ("booked", cancel_confirmation_card(view(booked()))),
        ("local calendar", cancel_confirmation_card(local_view(booked(join_url=None)))),
        ("no time", cancel_confirmation_card(view(offered(slots=())))),
        *(
            (f"worst case {label}", cancel_confirmation_card(worst_view(text, MeetingState.BOOKED)))
            for label, text in TEXTS
        ),
    ],
}
