"""The calendar without Microsoft 365: free time from sign-up half-days in London time, bookings that make a Teams
new-meeting link and nothing outside."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

from programme.calendar import Booking, Interval, Invitee
from programme.local_calendar import LOCAL_EVENT_PREFIX, LocalCalendar
from programme.meeting_times import search_window
from programme.profiles import Availability
from programme.teams_links import TEAMS_NEW_MEETING
from tests.programme.builders import AISHA, CHIOMA, DEV, LONDON

CALENDAR = LocalCalendar(LONDON)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def invitee(halves: tuple[Availability, ...], *, email: str = "aisha.mentor@nhs.net") -> Invitee:
    return Invitee(person=AISHA, name="Aisha", email=email, availability=halves)


def booking(key: str = "remedi-meeting-7-2", *, start: datetime | None = None, minutes: int = 60) -> Booking:
    begins = start or datetime(2025, 6, 3, 10, 0, tzinfo=LONDON)
    return Booking(
        key=key,
        subject="Reverse mentoring: Aisha and Chioma",
        note="Booked by the bot.",
        when=Interval(begins, begins + timedelta(minutes=minutes)),
        invitees=(
            Invitee(AISHA, "Aisha", "aisha.mentor@nhs.net"),
            Invitee(CHIOMA, "Chioma", "chioma.lead@nhs.net"),
        ),
    )


def query(link: str) -> dict[str, list[str]]:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == TEAMS_NEW_MEETING
    return parse_qs(parts.query, strict_parsing=True)


# Free time ------------------------------------------------------------------------------------------------------


async def test_half_days_are_the_mornings_and_afternoons_people_gave_in_london_time() -> None:
    # Two weeks from Tuesday 4 March 2025 (winter: London is on UTC).
    window = search_window(utc(2025, 3, 3, 9), LONDON)

    free = await CALENDAR.free_time([invitee((Availability.THU_PM, Availability.TUE_AM))], window)

    assert free == {
        AISHA: [
            Interval(utc(2025, 3, 4, 9), utc(2025, 3, 4, 12, 30)),
            Interval(utc(2025, 3, 6, 13, 30), utc(2025, 3, 6, 17)),
            Interval(utc(2025, 3, 11, 9), utc(2025, 3, 11, 12, 30)),
            Interval(utc(2025, 3, 13, 13, 30), utc(2025, 3, 13, 17)),
        ]
    }


async def test_half_days_keep_their_local_hours_across_the_clock_change() -> None:
    # Monday 24 March is on GMT; the clocks go forward on Sunday 30 March, so Monday 31 March is on BST.
    window = Interval(utc(2025, 3, 24, 0), utc(2025, 4, 1, 0))

    free = await CALENDAR.free_time([invitee((Availability.MON_AM, Availability.MON_PM))], window)

    assert free[AISHA] == [
        Interval(utc(2025, 3, 24, 9), utc(2025, 3, 24, 12, 30)),
        Interval(utc(2025, 3, 24, 13, 30), utc(2025, 3, 24, 17)),
        Interval(utc(2025, 3, 31, 8), utc(2025, 3, 31, 11, 30)),
        Interval(utc(2025, 3, 31, 12, 30), utc(2025, 3, 31, 16)),
    ]
    local = [(i.start.astimezone(LONDON).time(), i.end.astimezone(LONDON).time()) for i in free[AISHA]]
    assert local == [(time(9, 0), time(12, 30)), (time(13, 30), time(17, 0))] * 2


async def test_free_time_is_clipped_to_the_window() -> None:
    # From 10:15 on Tuesday 4 March to 11:00 on Tuesday 11 March.
    window = Interval(utc(2025, 3, 4, 10, 15), utc(2025, 3, 11, 11))

    free = await CALENDAR.free_time([invitee((Availability.TUE_AM,))], window)

    assert free[AISHA] == [
        Interval(utc(2025, 3, 4, 10, 15), utc(2025, 3, 4, 12, 30)),
        Interval(utc(2025, 3, 11, 9), utc(2025, 3, 11, 11)),
    ]


async def test_everyone_asked_is_in_the_answer_even_with_no_half_days() -> None:
    window = search_window(utc(2025, 3, 3, 9), LONDON)
    nobody_free = Invitee(DEV, "Dev", "dev@nhs.net", availability=())

    free = await CALENDAR.free_time([invitee((Availability.FRI_AM,)), nobody_free], window)

    assert set(free) == {AISHA, DEV}
    assert free[DEV] == []
    assert [i.start.astimezone(LONDON).date() for i in free[AISHA]] == [date(2025, 3, 7), date(2025, 3, 14)]


# Booking ----------------------------------------------------------------------------------------------------------


async def test_booking_keeps_the_key_and_gives_a_filled_in_teams_link() -> None:
    assert CALENDAR.books_invitations is False

    event = await CALENDAR.book(booking("remedi-meeting-7-2"))

    assert event.event_id == f"{LOCAL_EVENT_PREFIX}remedi-meeting-7-2" == "local:remedi-meeting-7-2"
    assert event.join_url is not None
    fields = query(event.join_url)
    assert fields["subject"] == ["Reverse mentoring: Aisha and Chioma"]
    assert fields["attendees"] == ["aisha.mentor@nhs.net,chioma.lead@nhs.net"]
    assert fields["content"] == ["A 60-minute reverse mentoring conversation."]
    # In London time with its offset, so Teams cannot read it in another zone: 10:00 BST is 09:00 UTC.
    assert fields["startTime"] == ["2025-06-03T10:00:00+01:00"]
    assert fields["endTime"] == ["2025-06-03T11:00:00+01:00"]


async def test_booking_twice_with_one_key_gives_the_same_event() -> None:
    assert await CALENDAR.book(booking("remedi-meeting-7-2")) == await CALENDAR.book(booking("remedi-meeting-7-2"))


async def test_someone_without_an_email_is_left_out_of_the_attendees() -> None:
    usual = booking()
    without_email = replace(usual, invitees=(usual.invitees[0], Invitee(CHIOMA, "Chioma", "")))

    event = await CALENDAR.book(without_email)

    assert event.join_url is not None
    assert query(event.join_url)["attendees"] == ["aisha.mentor@nhs.net"]


async def test_moving_gives_a_new_link_at_the_new_time() -> None:
    first = await CALENDAR.book(booking("remedi-meeting-7-2", minutes=45))
    later = datetime(2025, 6, 5, 14, 30, tzinfo=LONDON)

    moved = await CALENDAR.move(first.event_id, booking("remedi-meeting-7-4", start=later, minutes=45))

    assert moved.event_id == "local:remedi-meeting-7-4"
    assert moved.join_url is not None
    assert moved.join_url != first.join_url
    fields = query(moved.join_url)
    assert fields["startTime"] == ["2025-06-05T14:30:00+01:00"]
    assert fields["endTime"] == ["2025-06-05T15:15:00+01:00"]
    assert fields["content"] == ["A 45-minute reverse mentoring conversation."]


async def test_cancelling_changes_nothing_outside() -> None:
    event = await CALENDAR.book(booking())

    await CALENDAR.cancel(event.event_id, "Called off.")
    # Nothing was held, so cancelling one never booked is as quiet, and booking again gives the same event.
    await CALENDAR.cancel("local:never-booked", "Called off.")
    assert await CALENDAR.book(booking()) == event
