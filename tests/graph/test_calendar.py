"""GraphCalendar against the fake Graph, through the real msgraph-sdk: what goes on the wire, and what comes back."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from graph.calendar import MAX_SCHEDULES_PER_CALL, GraphCalendar
from graph.client import GraphConnection, graph_connection
from graph.errors import GraphRefused, GraphUnavailable
from graph.wiring import graph_services
from programme.calendar import BookedEvent, Booking, Calendar, Interval, Invitee
from programme.identity import PersonId
from tests.graph.conftest import QUICK
from tests.support.fake_graph import FAKE_TENANT, OUTLOOK_MAILBOX_CONCURRENCY, FakeCredential, FakeGraph, Fault

ORGANIZER = "mentoring@trust.example.org"
LONDON = ZoneInfo("Europe/London")
ASHA = Invitee(PersonId("8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca"), "Asha Patel", "asha.patel@trust.example.org")
TOM = Invitee(PersonId("82fe7758-5bb3-4f0d-a43f-e555fd399c6f"), "Tom Reid", "tom.reid@trust.example.org")
EVENTS = f"/users/{ORGANIZER}/events"
SCHEDULES = f"/users/{ORGANIZER}/calendar/getSchedule"
NOTE = "Your reverse-mentoring conversation. The Teams link is in this invitation."


def at(day: int, hour: int, minute: int = 0, *, month: int = 1) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def span(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def booking(when: Interval | None = None, *, key: str = "remedi-meeting-7-3") -> Booking:
    return Booking(
        key=key,
        subject="Reverse mentoring: Asha Patel and Tom Reid",
        note=NOTE,
        when=when or span(at(5, 10), at(5, 11)),
        invitees=(ASHA, TOM),
    )


def calendar_for(connection: GraphConnection, **changes: Any) -> GraphCalendar:
    options: dict[str, Any] = {"organizer": ORGANIZER, "fallback_zone": LONDON, **changes}
    return GraphCalendar(connection.client, **options)


@pytest.fixture(autouse=True)
def mailboxes(fake_graph: FakeGraph) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    for person in (ASHA, TOM):
        fake_graph.set_working_hours(person.email, start=time(9), end=time(17))


def test_it_is_a_calendar_port_that_sends_invitations(connection: GraphConnection) -> None:
    port: Calendar = calendar_for(connection)
    assert port.books_invitations


# Free time ----------------------------------------------------------------------------------------------------


async def test_free_time_is_what_is_free_inside_each_persons_working_hours(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.add_busy(ASHA.email, at(4, 10), at(4, 11, 30))
    fake_graph.add_busy(ASHA.email, at(5, 14), at(5, 15), status="tentative")
    fake_graph.add_busy(ASHA.email, at(5, 16, 40), at(5, 16, 50), status="workingElsewhere")
    # Berlin is an hour ahead of UTC in January: 08:00-16:00 there is 07:00-15:00 UTC.
    fake_graph.set_working_hours(TOM.email, start=time(8), end=time(16), zone_name="W. Europe Standard Time")
    fake_graph.add_busy(TOM.email, at(4, 6), at(4, 8), status="oof")

    free = await calendar_for(connection).free_time([ASHA, TOM], span(at(4, 0), at(6, 0)))

    assert free[ASHA.person] == (
        span(at(4, 9), at(4, 10)),
        span(at(4, 11, 30), at(4, 17)),
        span(at(5, 9), at(5, 14)),
        # Tentative and working elsewhere are not free: the quarter hour 16:30-16:45 and the one after are taken.
        span(at(5, 15), at(5, 16, 30)),
    )
    assert free[TOM.person] == (span(at(4, 8), at(4, 15)), span(at(5, 7), at(5, 15)))


async def test_working_hours_keep_to_the_local_clock_across_the_change_to_summer_time(
    connection: GraphConnection,
) -> None:
    # British Summer Time starts on Sunday 28 March 2027: 09:00-17:00 in London is 09:00-17:00 UTC on the Friday
    # before and 08:00-16:00 UTC on the Monday after.
    window = span(at(26, 0, month=3), at(30, 0, month=3))

    free = await calendar_for(connection).free_time([ASHA], window)

    assert free[ASHA.person] == (
        span(at(26, 9, month=3), at(26, 17, month=3)),
        span(at(29, 8, month=3), at(29, 16, month=3)),
    )


async def test_a_schedule_without_working_hours_is_read_as_weekdays_nine_to_five_in_the_fallback_zone(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.add_mailbox(TOM.email, working_hours=False)
    window = span(at(2, 0, month=7), at(6, 0, month=7))  # Friday to Monday, in British Summer Time

    free = await calendar_for(connection).free_time([TOM], window)

    assert free[TOM.person] == (
        span(at(2, 8, month=7), at(2, 16, month=7)),
        span(at(5, 8, month=7), at(5, 16, month=7)),
    )


async def test_a_time_zone_nobody_can_place_falls_back_and_is_reported_once(
    connection: GraphConnection, fake_graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    for person in (ASHA, TOM):
        fake_graph.set_working_hours(person.email, start=time(10), end=time(12), zone_name="Customized Time Zone")
    calendar = calendar_for(connection, fallback_zone=ZoneInfo("America/New_York"))

    with caplog.at_level(logging.WARNING, logger="graph.calendar"):
        first = await calendar.free_time([ASHA, TOM], span(at(4, 0), at(5, 0)))
        await calendar.free_time([ASHA], span(at(4, 0), at(5, 0)))

    # 10:00-12:00 in New York, five hours behind UTC in January.
    assert first[ASHA.person] == first[TOM.person] == (span(at(4, 15), at(4, 17)),)
    [warning] = [r for r in caplog.records if "time zone" in r.getMessage()]
    assert "Customized Time Zone" in warning.getMessage()


async def test_the_question_is_asked_in_utc_quarter_hours_as_graph_documents(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    # A window that starts and ends off the quarter hour is widened to whole quarters for the question ...
    window = span(at(4, 9, 7) + timedelta(seconds=12, microseconds=5), at(4, 12, 50))

    free = await calendar_for(connection).free_time([ASHA, TOM], window)

    [sent] = fake_graph.requests_to("POST", SCHEDULES)
    # msgraph-sdk writes this action's parameters capitalised; Graph matches them regardless of case.
    assert sent.body == {
        "Schedules": [ASHA.email, TOM.email],
        "StartTime": {"dateTime": "2027-01-04T09:00:00", "timeZone": "UTC"},
        "EndTime": {"dateTime": "2027-01-04T13:00:00", "timeZone": "UTC"},
        "AvailabilityViewInterval": 15,
    }
    assert sent.status == 200
    # ... and the answer is clipped back to the window.
    assert free[ASHA.person] == (window,)


async def test_everyone_asked_is_answered_from_one_call(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    shares_asha_address = Invitee(PersonId("0b2e5c1a-3d4f-4a6b-8c7d-9e0f1a2b3c4d"), "Asha P", ASHA.email.upper())
    no_address = Invitee(PersonId("5f0c7a7e-0a51-4d0b-9c44-7d0f0f1e2a3b"), "Sam Jones", "  ")
    stranger = Invitee(PersonId("9d1f2b3c-4e5f-4a6b-8c7d-0e1f2a3b4c5d"), "Kim Lee", "kim.lee@elsewhere.example.org")
    fake_graph.add_busy(ASHA.email, at(4, 9), at(4, 12))

    free = await calendar_for(connection).free_time(
        [ASHA, TOM, shares_asha_address, no_address, stranger], span(at(4, 0), at(5, 0))
    )

    [sent] = fake_graph.requests_to("POST", SCHEDULES)
    assert sent.body["Schedules"] == [ASHA.email, TOM.email, stranger.email]
    assert free[ASHA.person] == free[shares_asha_address.person] == (span(at(4, 12), at(4, 17)),)
    assert free[TOM.person] == (span(at(4, 9), at(4, 17)),)
    assert free[no_address.person] == ()
    assert free[stranger.person] == ()


async def test_a_large_question_is_split_at_the_limit_and_the_calls_run_side_by_side(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    people = [
        Invitee(PersonId(f"person-{n}"), f"Person {n}", f"person.{n}@trust.example.org")
        for n in range(2 * MAX_SCHEDULES_PER_CALL + 5)
    ]
    for person in people:
        fake_graph.add_mailbox(person.email)
    fake_graph.latency = 0.05

    free = await calendar_for(connection).free_time(people, span(at(4, 0), at(5, 0)))

    calls = fake_graph.requests_to("POST", SCHEDULES)
    sizes = sorted((len(call.body["Schedules"]) for call in calls), reverse=True)
    assert sizes == [MAX_SCHEDULES_PER_CALL, MAX_SCHEDULES_PER_CALL, 5]
    assert sorted(a for call in calls for a in call.body["Schedules"]) == sorted(p.email for p in people)
    assert fake_graph.max_in_flight[ORGANIZER] == 3
    # Outlook's default working hours, 08:00-17:00 UK time, which is UTC in January.
    assert {free[p.person] for p in people} == {(span(at(4, 8), at(4, 17)),)}


async def test_answers_are_matched_to_addresses_by_schedule_id_whatever_their_order(credential: FakeCredential) -> None:
    async def reversed_answer(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
        value = [
            {"scheduleId": address.upper(), "availabilityView": "0" * 4 if address == ASHA.email else "2" * 4}
            for address in reversed(body["Schedules"])
        ]
        return web.json_response({"value": value})

    fake = FakeGraph()
    fake.add_route("POST", "/users/{user_id}/calendar/getSchedule", reversed_answer)
    async with fake:
        connection = graph_connection(credential, base_url=fake.base_url, retry=QUICK)
        try:
            free = await calendar_for(connection).free_time([ASHA, TOM], span(at(4, 10), at(4, 11)))
        finally:
            await connection.aclose()

    assert free == {ASHA.person: (span(at(4, 10), at(4, 11)),), TOM.person: ()}


async def answered_with(credential: FakeCredential, answer: Any, people: list[Invitee]) -> dict[PersonId, Any]:
    """Free time for ``people`` on 4 January 10:00-11:00, with Graph's getSchedule answering ``answer`` as is."""

    async def fixed(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
        if isinstance(answer, bytes):
            return web.Response(body=answer, content_type="application/json")
        return web.json_response(answer)

    fake = FakeGraph()
    fake.add_route("POST", "/users/{user_id}/calendar/getSchedule", fixed)
    async with fake:
        connection = graph_connection(credential, base_url=fake.base_url, retry=QUICK)
        try:
            return dict(await calendar_for(connection).free_time(people, span(at(4, 10), at(4, 11))))
        finally:
            await connection.aclose()


async def test_only_the_view_and_working_hours_are_read_and_odd_values_count_for_nothing(
    credential: FakeCredential,
) -> None:
    # Appointments with their subjects come along in every answer; they are not needed and never read. Working
    # hours that cannot be read fall back to an ordinary office day (09:00-17:00 London), and a view of anything
    # but the digits Graph uses frees nothing.
    appointments = [{"status": "busy", "subject": "Disciplinary hearing", "start": "garbage", "end": 7}]
    answer = {
        "value": [
            {
                "scheduleId": ASHA.email,
                "availabilityView": "0000",
                "scheduleItems": appointments,
                "workingHours": {"daysOfWeek": ["monday"], "startTime": "25:00:00", "endTime": "nonsense"},
            },
            {"scheduleId": TOM.email, "availabilityView": "\u0660\u0660\u0660\u0660", "scheduleItems": "odd"},
        ]
    }

    free = await answered_with(credential, answer, [ASHA, TOM])

    assert free == {ASHA.person: (span(at(4, 10), at(4, 11)),), TOM.person: ()}


@pytest.mark.parametrize("answer", [b"<html>Service Unavailable</html>", {"value": "none"}, ["not", "an", "object"]])
async def test_an_answer_that_is_not_a_list_of_schedules_is_graph_being_unavailable(
    credential: FakeCredential, answer: Any
) -> None:
    with pytest.raises(GraphUnavailable):
        await answered_with(credential, answer, [ASHA])


async def test_a_mailbox_graph_cannot_read_has_no_free_time_and_the_rest_are_unaffected(
    connection: GraphConnection, fake_graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    gone = Invitee(PersonId("7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"), "Former Staff", "left.last.year@trust.example.org")

    with caplog.at_level(logging.WARNING, logger="graph.calendar"):
        free = await calendar_for(connection).free_time([ASHA, gone, TOM], span(at(4, 0), at(5, 0)))

    assert free[gone.person] == ()
    assert free[ASHA.person] == free[TOM.person] == (span(at(4, 9), at(4, 17)),)
    [warning] = caplog.records
    assert "ErrorMailRecipientNotFound" in warning.getMessage()
    assert "schedule 2 of 3" in warning.getMessage()
    assert gone.email not in caplog.text  # people's addresses stay out of the logs


async def test_windows_of_up_to_62_days_are_asked_and_longer_ones_refused(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    calendar = calendar_for(connection)
    with pytest.raises(ValueError, match="62 days"):
        await calendar.free_time([ASHA], span(at(4, 0), at(4, 0) + timedelta(days=62, minutes=1)))
    assert fake_graph.requests == []

    # Off the quarter hour, widening would take it past the limit; the question stays within 62 days.
    start = at(4, 9, 5)
    free = await calendar.free_time([ASHA], span(start, start + timedelta(days=62)))

    [sent] = fake_graph.requests_to("POST", SCHEDULES)
    assert sent.status == 200
    assert sent.body["StartTime"]["dateTime"] == "2027-01-04T09:00:00"
    assert sent.body["EndTime"]["dateTime"] == "2027-03-07T09:00:00"
    assert free[ASHA.person][0] == span(start, at(4, 17))
    assert len(free[ASHA.person]) == 45  # every weekday from Monday 4 January to Friday 5 March


async def test_nobody_with_an_address_means_no_call(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    nobody = Invitee(PersonId("someone"), "Someone", "")
    assert await calendar_for(connection).free_time([nobody], span(at(4, 0), at(5, 0))) == {nobody.person: ()}
    assert await calendar_for(connection).free_time([], span(at(4, 0), at(5, 0))) == {}
    assert fake_graph.requests == []


async def test_refused_free_busy_is_a_kind_refusal(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.fail_always(Fault(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."))

    with pytest.raises(GraphRefused) as caught:
        await calendar_for(connection).free_time([ASHA, TOM], span(at(4, 0), at(5, 0)))

    assert caught.value.status == 403
    assert caught.value.permanent
    assert caught.value.user_message.startswith("I couldn't look at your calendars")
    assert "403" not in caught.value.user_message


# Concurrency --------------------------------------------------------------------------------------------------


async def test_never_more_than_four_requests_are_in_flight_for_the_mailbox(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    people = [
        Invitee(PersonId(f"person-{n}"), f"Person {n}", f"person.{n}@trust.example.org")
        for n in range(3 * MAX_SCHEDULES_PER_CALL)
    ]
    for person in people:
        fake_graph.add_mailbox(person.email)
    fake_graph.latency = 0.03
    # As Exchange does: the fifth request at once would be answered 429.
    fake_graph.mailbox_concurrency_limit = OUTLOOK_MAILBOX_CONCURRENCY
    calendar = calendar_for(connection)
    window = span(at(4, 0), at(6, 0))
    bookings = [booking(span(at(5, 9 + n), at(5, 10 + n)), key=f"remedi-meeting-{n}-1") for n in range(8)]

    await asyncio.gather(
        *(calendar.free_time(people, window) for _ in range(3)),
        *(calendar.book(b) for b in bookings),
    )

    assert len(fake_graph.requests) == 3 * 3 + 8
    assert fake_graph.max_in_flight[ORGANIZER] == 4
    assert {r.status for r in fake_graph.requests} == {200, 201}
    assert len(fake_graph.live_events(ORGANIZER)) == 8


# Booking ------------------------------------------------------------------------------------------------------


async def test_a_booking_is_a_teams_meeting_with_both_people_invited(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    event = await calendar_for(connection).book(booking())

    # The whole body as it arrived: the length is given by start and end only, so no duration field (which
    # msgraph-sdk writes as Python's "1:00:00" instead of ISO-8601 "PT1H") can creep in unnoticed.
    [sent] = fake_graph.requests_to("POST", EVENTS)
    assert sent.body == {
        "@odata.type": "#microsoft.graph.event",
        "subject": "Reverse mentoring: Asha Patel and Tom Reid",
        "body": {"contentType": "text", "content": NOTE},
        "start": {"dateTime": "2027-01-05T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2027-01-05T11:00:00", "timeZone": "UTC"},
        "attendees": [
            {
                "@odata.type": "#microsoft.graph.attendee",
                "type": "required",
                "emailAddress": {"address": ASHA.email, "name": "Asha Patel"},
            },
            {
                "@odata.type": "#microsoft.graph.attendee",
                "type": "required",
                "emailAddress": {"address": TOM.email, "name": "Tom Reid"},
            },
        ],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "transactionId": "remedi-meeting-7-3",
        "responseRequested": True,
        "allowNewTimeProposals": False,
        "showAs": "busy",
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
    }
    assert sent.status == 201
    [made] = fake_graph.live_events(ORGANIZER)
    assert event == BookedEvent(made.resource["id"], made.resource["onlineMeeting"]["joinUrl"])
    assert event.join_url is not None
    assert event.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")


async def test_a_booked_meeting_takes_the_time_from_both_people(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    calendar = calendar_for(connection)
    await calendar.book(booking(span(at(4, 12), at(4, 13))))

    free = await calendar.free_time([ASHA, TOM], span(at(4, 0), at(5, 0)))

    assert free[ASHA.person] == free[TOM.person] == (span(at(4, 9), at(4, 12)), span(at(4, 13), at(4, 17)))


async def test_booking_again_under_the_same_key_gives_the_same_event(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    calendar = calendar_for(connection)

    first = await calendar.book(booking())
    second = await calendar.book(booking())

    assert first == second
    assert len(fake_graph.live_events()) == 1


async def test_a_throttled_booking_waits_for_retry_after_and_makes_one_event(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.fail_next(Fault.throttled(retry_after=1), method="POST", path=EVENTS)

    event = await calendar_for(connection).book(booking())

    assert [r.status for r in fake_graph.requests_to("POST", EVENTS)] == [429, 201]
    assert [e.resource["id"] for e in fake_graph.live_events()] == [event.event_id]


async def test_a_retry_after_a_lost_answer_finds_the_event_by_its_transaction_id(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    # Graph made the event, but its answer was a 503; kiota posts the same body again.
    fake_graph.fail_next(Fault.unavailable(retry_after=1).after_processing(), method="POST", path=EVENTS)

    event = await calendar_for(connection).book(booking())

    attempts = fake_graph.requests_to("POST", EVENTS)
    assert [r.status for r in attempts] == [503, 201]
    assert attempts[0].body == attempts[1].body
    [made] = fake_graph.live_events()
    assert made.resource["id"] == event.event_id
    assert made.resource["transactionId"] == "remedi-meeting-7-3"


async def test_a_refused_booking_is_permanent_and_kind(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.fail_always(
        Fault(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
        method="POST",
        path=EVENTS,
    )

    with pytest.raises(GraphRefused) as caught:
        await calendar_for(connection).book(booking())

    failure = caught.value
    assert (failure.status, failure.code, failure.permanent) == (403, "ErrorAccessDenied", True)
    assert "Access is denied" in failure.reason
    assert failure.user_message.startswith("I couldn't book the meeting")
    assert "coordinator" in failure.user_message
    for detail in ("403", "ErrorAccessDenied", ORGANIZER):
        assert detail not in failure.user_message


async def test_an_invitee_without_an_address_is_left_off_the_invitation(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    no_address = Invitee(TOM.person, TOM.name, "")
    plan = Booking("remedi-meeting-9-1", "Reverse mentoring", NOTE, span(at(5, 10), at(5, 11)), (ASHA, no_address))

    await calendar_for(connection).book(plan)

    [sent] = fake_graph.requests_to("POST", EVENTS)
    assert [a["emailAddress"]["address"] for a in sent.body["attendees"]] == [ASHA.email]


# Moving and cancelling ----------------------------------------------------------------------------------------


async def test_a_move_changes_the_times_of_the_same_event(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    calendar = calendar_for(connection)
    booked = await calendar.book(booking())
    later = span(at(6, 14), at(6, 15))

    moved = await calendar.move(booked.event_id, booking(later, key="remedi-meeting-7-5"))

    [sent] = fake_graph.requests_to("PATCH", f"{EVENTS}/{booked.event_id}")
    assert sent.body == {
        "@odata.type": "#microsoft.graph.event",
        "subject": "Reverse mentoring: Asha Patel and Tom Reid",
        "start": {"dateTime": "2027-01-06T14:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2027-01-06T15:00:00", "timeZone": "UTC"},
    }
    assert moved == booked  # the same event and the same Teams link
    [event] = fake_graph.live_events()
    assert (event.start, event.end) == (later.start, later.end)


async def test_moving_an_event_someone_deleted_books_a_new_one(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    missing = "AAMkADdeletedInOutlook000000000000000000000000000="

    moved = await calendar_for(connection).move(missing, booking(key="remedi-meeting-7-5"))

    assert [r.status for r in fake_graph.requests_to("PATCH", f"{EVENTS}/{missing}")] == [404]
    [made] = fake_graph.live_events()
    assert moved.event_id == made.resource["id"] != missing
    assert made.resource["transactionId"] == "remedi-meeting-7-5"
    assert moved.join_url == made.resource["onlineMeeting"]["joinUrl"]


async def test_a_move_graph_cannot_make_now_is_unavailable(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    booked = await calendar_for(connection).book(booking())
    fake_graph.fail_always(Fault.server_error(), method="PATCH", path=f"{EVENTS}/{booked.event_id}")

    with pytest.raises(GraphUnavailable) as caught:
        await calendar_for(connection).move(booked.event_id, booking())

    assert not caught.value.permanent
    assert caught.value.user_message.startswith("I couldn't move the meeting")


async def test_cancelling_tells_the_invitees_and_frees_their_time(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    calendar = calendar_for(connection)
    booked = await calendar.book(booking(span(at(4, 12), at(4, 13))))

    await calendar.cancel(booked.event_id, "The pair has ended the programme.")

    [sent] = fake_graph.requests_to("POST", f"{EVENTS}/{booked.event_id}/cancel")
    assert (sent.body, sent.status) == ({"Comment": "The pair has ended the programme."}, 202)
    event = fake_graph.events[booked.event_id]
    assert event.cancelled
    assert event.cancel_comment == "The pair has ended the programme."
    free = await calendar.free_time([ASHA], span(at(4, 0), at(5, 0)))
    assert free[ASHA.person] == (span(at(4, 9), at(4, 17)),)


async def test_cancelling_an_event_that_is_gone_already_is_fine(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    calendar = calendar_for(connection)
    booked = await calendar.book(booking())
    await calendar.cancel(booked.event_id, "Called off.")

    await calendar.cancel(booked.event_id, "Called off.")

    assert [r.status for r in fake_graph.requests_to("POST", f"{EVENTS}/{booked.event_id}/cancel")] == [202, 404]


async def test_a_refused_cancel_is_a_graph_error(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    booked = await calendar_for(connection).book(booking())
    fake_graph.fail_always(Fault.forbidden(), method="POST", path=f"{EVENTS}/{booked.event_id}/cancel")

    with pytest.raises(GraphRefused) as caught:
        await calendar_for(connection).cancel(booked.event_id, "Called off.")

    assert caught.value.user_message.startswith("I couldn't cancel the meeting")


# What goes into URL paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_id", ["", "AAMk/../../me", "..", "AAMk?x=1", "AAMk#x", "AAMk x", "A" * 513, "AAMk\n"])
async def test_event_ids_that_could_change_the_path_are_refused(
    connection: GraphConnection, fake_graph: FakeGraph, event_id: str
) -> None:
    calendar = calendar_for(connection)
    with pytest.raises(ValueError, match="event id"):
        await calendar.move(event_id, booking())
    with pytest.raises(ValueError, match="event id"):
        await calendar.cancel(event_id, "Called off.")
    assert fake_graph.requests == []


@pytest.mark.parametrize(
    "organizer", ["", "mentoring", "mentoring@trust", "ment/oring@trust.example.org", "a%2F@x.org"]
)
def test_the_organizer_must_be_a_mailbox_address(connection: GraphConnection, organizer: str) -> None:
    with pytest.raises(ValueError, match="organizer"):
        calendar_for(connection, organizer=organizer)


def test_the_organizer_is_kept_in_lower_case(connection: GraphConnection) -> None:
    assert calendar_for(connection, organizer=" Mentoring@Trust.Example.org ").organizer == ORGANIZER


# Wiring ---------------------------------------------------------------------------------------------------------


async def test_the_services_have_a_calendar_only_with_a_programme_mailbox(fake_graph: FakeGraph) -> None:
    common: dict[str, Any] = {
        "tenant_id": FAKE_TENANT,
        "client_id": "1b4c3a8e-7d2f-4e6a-9c1b-2a3d4e5f6a7b",
        "client_secret": "not-a-real-secret",
        "catalog_app_id": "2b524e28-95ce-4c9b-9773-4a5bd6ec1770",
        "base_url": fake_graph.base_url,
    }
    with_mailbox = graph_services(**common, organizer_mailbox=ORGANIZER, fallback_zone=LONDON)
    without = graph_services(**common)
    try:
        assert isinstance(with_mailbox.calendar, GraphCalendar)
        assert with_mailbox.calendar.organizer == ORGANIZER
        assert without.calendar is None
        # Callers from before the calendar unpack three names.
        pair_chats, directory, aclose = without
        assert (pair_chats, directory, aclose) == (without.pair_chats, without.directory, without.aclose)
    finally:
        await with_mailbox.aclose()
        await without.aclose()
