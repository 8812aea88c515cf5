"""The programme's calendar in Microsoft 365: Outlook free/busy for finding times, a programme mailbox for meetings.

Everything goes through one mailbox, the *organizer* (a shared or room-like mailbox the programme owns, named by
its address). The bot calls Graph as its own app registration, which needs the application permission
``Calendars.ReadWrite``. Exchange's RBAC for Applications can narrow the mailboxes that reaches; a tenant that
does so should check that free/busy of the people asked about still comes back through the organizer.

**Free time.** ``POST /users/{organizer}/calendar/getSchedule`` answers, for a list of addresses and a stretch of
time, one ``availabilityView`` per person: a character for every 15 minutes from the start, ``0`` free and
anything else (tentative, busy, out of office, working elsewhere) not free. It also gives each person's Outlook
working hours (days, start and end, and a time zone that is usually a Windows name, see graph/time_zones.py).
Someone's free time is the free characters inside their working hours. A mailbox Graph cannot read (unknown
address, no permission) comes back with an ``error`` instead of a view, and that person simply has no free time.
Graph refuses stretches longer than 62 days, and so does :meth:`GraphCalendar.free_time`.

**Meetings.** ``POST /users/{organizer}/events`` makes a Teams meeting in the organizer's calendar with both people
as required attendees, so Exchange sends them the invitation and keeps their calendars up to date when the meeting
is moved (``PATCH``) or cancelled (``POST .../cancel``). The booking's key goes in ``transactionId``: kiota's
retry handler resends a POST answered 429, 503 or 504, and a resend that reaches Graph after the first attempt was
carried out gets the event already made instead of a second one.

**One mailbox, four at a time.** Exchange lets an app have only four requests in flight to one mailbox at once
and answers 429 to the fifth. Every request here names the organizer, so one semaphore of four (by default)
covers them all, and a large free/busy question split into several calls still keeps to it. The semaphore is per
process: replicas sharing a mailbox each have their own, and Exchange's 429s (retried by kiota) cover the rest.

Failures are :class:`~graph.errors.GraphError`; see graph/errors.py and graph/client.py for retries.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from kiota_abstractions.api_error import APIError
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)
from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import CancelPostRequestBody
from msgraph.graph_service_client import GraphServiceClient

from graph.client import preload_request_builders
from graph.errors import GraphUnavailable, Operation, translated
from graph.time_zones import zone_named
from programme.calendar import BookedEvent, Booking, Interval, Invitee
from programme.identity import PersonId
from programme.profiles import is_email

if TYPE_CHECKING:
    # Only named in an annotation: importing request builders at run time is preload_request_builders' job.
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

log = logging.getLogger(__name__)

READ_SCHEDULES = Operation("read free/busy schedules", "look at your calendars")
BOOK_MEETING = Operation("book a meeting in the programme calendar", "book the meeting")
MOVE_MEETING = Operation("move a meeting in the programme calendar", "move the meeting")
CANCEL_MEETING = Operation("cancel a meeting in the programme calendar", "cancel the meeting")

# Graph's own page on getSchedule says it looks up "up to 20 entities at once" (concepts/outlook-get-free-busy-
# schedule.md, still so in late 2024). The Exchange availability service behind it is known to refuse only the
# 101st address (ErrorMailboxDataArrayTooBig, "allowed size = 100", microsoft-graph-docs issue 7046), but nothing
# promises that; we keep to the documented number, at the price of a few more calls for a large cohort.
MAX_SCHEDULES_PER_CALL = 20
# Graph answers ErrorTimeIntervalTooBig beyond 62 days (microsoft-graph-docs pull request 19703).
LONGEST_WINDOW = timedelta(days=62)
# Outlook's limit of concurrent requests to one mailbox.
MAILBOX_CONCURRENCY = 4
SLOT_MINUTES = 15
REMINDER_MINUTES = 15

_SLOT = timedelta(minutes=SLOT_MINUTES)
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)
_FREE_RUN = re.compile("0+")
_GRAPH_TIME = "%Y-%m-%dT%H:%M:%S"
_WEEKDAYS = {name: number for number, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))} | {
    "saturday": 5,
    "sunday": 6,
}
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?")
# Working hours for a schedule that gives none: an ordinary office week, read in the fallback zone.
_DEFAULT_DAYS = frozenset(range(5))
_DEFAULT_START = time(9, 0)
_DEFAULT_END = time(17, 0)
# Characters that would change what an identifier in a URL path points at, were it ever sent unencoded.
_PATH_BREAKERS = frozenset("/\\?#%")
_LONGEST_EVENT_ID = 512

preload_request_builders(
    "msgraph.generated.users.users_request_builder",
    "msgraph.generated.users.item.user_item_request_builder",
    "msgraph.generated.users.item.calendar.calendar_request_builder",
    "msgraph.generated.users.item.calendar.get_schedule.get_schedule_request_builder",
    "msgraph.generated.users.item.events.events_request_builder",
    "msgraph.generated.users.item.events.item.event_item_request_builder",
    "msgraph.generated.users.item.events.item.cancel.cancel_request_builder",
)

_Span = tuple[datetime, datetime]


class GraphCalendar:
    """:class:`programme.calendar.Calendar` on Outlook, through the programme mailbox ``organizer``.

    ``fallback_zone`` is where working hours are read when a schedule gives none or names a time zone we cannot
    place; ``concurrency`` is how many requests this adapter lets into the mailbox at once.
    """

    def __init__(
        self,
        client: GraphServiceClient,
        *,
        organizer: str,
        fallback_zone: tzinfo,
        concurrency: int = MAILBOX_CONCURRENCY,
    ) -> None:
        address = organizer.strip()
        if not is_email(address) or _PATH_BREAKERS & set(address):
            raise ValueError("the organizer must be the programme mailbox's email address")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._client = client
        self._organizer = address.lower()
        self._fallback_zone = fallback_zone
        self._mailbox = asyncio.Semaphore(concurrency)
        self._zones_reported: set[str] = set()

    @property
    def books_invitations(self) -> bool:
        return True

    @property
    def organizer(self) -> str:
        return self._organizer

    # Free time -------------------------------------------------------------------------------------------------

    async def free_time(self, people: Sequence[Invitee], window: Interval) -> Mapping[PersonId, Sequence[Interval]]:
        if window.length > LONGEST_WINDOW:
            raise ValueError(f"Graph reads free/busy for at most {LONGEST_WINDOW.days} days at a time")
        answer: dict[PersonId, tuple[Interval, ...]] = {invitee.person: () for invitee in people}
        holders: dict[str, list[PersonId]] = {}
        for invitee in people:
            address = invitee.email.strip().lower()
            # Without an address there is no calendar to ask; that person stays with no free time.
            if address:
                holders.setdefault(address, []).append(invitee.person)
        if not holders:
            return answer

        addresses = list(holders)
        chunks = [
            addresses[first : first + MAX_SCHEDULES_PER_CALL]
            for first in range(0, len(addresses), MAX_SCHEDULES_PER_CALL)
        ]
        asked = _asked_span(window)
        # Every chunk runs to its end before a failure is raised, so no request is left running unobserved.
        results = await asyncio.gather(*(self._schedules(chunk, asked) for chunk in chunks), return_exceptions=True)
        answered: list[list[_Schedule | None]] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            answered.append(result)

        utc_window = (window.start.astimezone(UTC), window.end.astimezone(UTC))
        position = 0
        for chunk, schedules in zip(chunks, answered, strict=True):
            for address, schedule in zip(chunk, schedules, strict=True):
                position += 1
                free = self._free(schedule, utc_window, asked[0], _described(position, len(addresses), address))
                for person in holders[address]:
                    answer[person] = free
        return answer

    async def _schedules(self, chunk: list[str], asked: _Span) -> list[_Schedule | None]:
        body = GetSchedulePostRequestBody(
            schedules=chunk,
            start_time=_graph_time(asked[0]),
            end_time=_graph_time(asked[1]),
            availability_view_interval=SLOT_MINUTES,
        )
        request = self._user().calendar.get_schedule.to_post_request_information(body)
        async with self._mailbox:
            with translated(READ_SCHEDULES):
                # Read as bytes and only the fields used below: Graph also lists every appointment in the window
                # (with subjects, where the permission allows), and msgraph would build an object for each one, a
                # cost of about 90 ms per 20 people spent on the event loop for data we never look at.
                raw = await _send_for_bytes(self._client)(request, "bytes", {"XXX": ODataError})
        schedules = _read_schedules(raw)
        if schedules is None:
            raise GraphUnavailable(READ_SCHEDULES, "Graph answered success but gave no schedules")
        return _matched(chunk, schedules)

    def _free(self, schedule: _Schedule | None, window: _Span, asked_start: datetime, who: str) -> tuple[Interval, ...]:
        if schedule is None:
            log.warning("Graph's free/busy answer left out %s", who)
            return ()
        if schedule.failed:
            # Graph's message may quote the address; its response code says enough.
            log.warning("Graph could not read the calendar of %s: %s", who, schedule.error_code or "no code")
            return ()
        open_slots = _open_slots(schedule.view, asked_start, window)
        working = self._working_hours(schedule.hours, window)
        return tuple(Interval(start, end) for start, end in _merged(_overlap(open_slots, working)))

    def _working_hours(self, hours: _Hours | None, window: _Span) -> list[_Span]:
        days, start, end, zone = _DEFAULT_DAYS, _DEFAULT_START, _DEFAULT_END, self._fallback_zone
        if hours is not None:
            days, start, end = hours.days, hours.start, hours.end
            zone = self._zone(hours.zone_name)
        spans: list[_Span] = []
        # From the day before, for working hours that run past midnight into the window.
        day = window[0].astimezone(zone).date() - timedelta(days=1)
        last = window[1].astimezone(zone).date()
        while day <= last:
            if day.weekday() in days:
                spans.append(_local_span(day, start, end, zone))
            day += timedelta(days=1)
        return _merged(spans)

    def _zone(self, name: str | None) -> tzinfo:
        zone = zone_named(name)
        if zone is not None:
            return zone
        key = name or ""
        if key not in self._zones_reported:
            self._zones_reported.add(key)
            log.warning(
                "working hours come in a time zone we cannot place (%r); reading them in %s instead",
                key[:80],
                self._fallback_zone,
            )
        return self._fallback_zone

    # Meetings ---------------------------------------------------------------------------------------------------

    async def book(self, booking: Booking) -> BookedEvent:
        event = Event(
            subject=booking.subject,
            body=ItemBody(content_type=BodyType.Text, content=booking.note),
            start=_graph_time(booking.when.start),
            end=_graph_time(booking.when.end),
            attendees=_attendees(booking),
            is_online_meeting=True,
            online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness,
            transaction_id=booking.key,
            response_requested=True,
            allow_new_time_proposals=False,
            show_as=FreeBusyStatus.Busy,
            is_reminder_on=True,
            reminder_minutes_before_start=REMINDER_MINUTES,
        )
        async with self._mailbox:
            with translated(BOOK_MEETING):
                made = await self._user().events.post(event)
        if made is None or not made.id:
            raise GraphUnavailable(BOOK_MEETING, "Graph answered success but named no event")
        log.info("booked event %s for booking %s", made.id, booking.key)
        return _booked(made, made.id)

    async def move(self, event_id: str, booking: Booking) -> BookedEvent:
        _check_event_id(event_id)
        change = Event(
            subject=booking.subject,
            start=_graph_time(booking.when.start),
            end=_graph_time(booking.when.end),
        )
        async with self._mailbox:
            with translated(MOVE_MEETING):
                try:
                    moved = await self._user().events.by_event_id(event_id).patch(change)
                except APIError as error:
                    if error.response_status_code != 404:
                        raise
                    moved = None
                    gone = True
                else:
                    gone = False
        if gone:
            # Someone deleted it in Outlook. Booking afresh is outside the semaphore, which book() takes itself.
            log.info("event %s is no longer in the programme calendar; booking %s anew", event_id, booking.key)
            return await self.book(booking)
        return _booked(moved, event_id)

    async def cancel(self, event_id: str, note: str) -> None:
        _check_event_id(event_id)
        body = CancelPostRequestBody(comment=note.strip() or None)
        async with self._mailbox:
            with translated(CANCEL_MEETING):
                try:
                    await self._user().events.by_event_id(event_id).cancel.post(body)
                except APIError as error:
                    if error.response_status_code != 404:
                        raise
                    log.info("event %s was already gone from the programme calendar", event_id)

    def _user(self) -> UserItemRequestBuilder:
        return self._client.users.by_user_id(self._organizer)


# Reading schedules ----------------------------------------------------------------------------------------------


def _asked_span(window: Interval) -> _Span:
    """The stretch asked of Graph: the window widened to whole slots, so each character is a clean quarter hour."""
    start = window.start.astimezone(UTC)
    start -= (start - _EPOCH) % _SLOT
    end = window.end.astimezone(UTC)
    if (end - _EPOCH) % _SLOT:
        end += _SLOT - (end - _EPOCH) % _SLOT
    # Widening must not take a 62-day window past Graph's limit; the tail it loses is at most a part slot.
    return start, min(end, start + LONGEST_WINDOW)


def _send_for_bytes(client: GraphServiceClient) -> Callable[..., Awaitable[bytes | None]]:
    # kiota types the answer with a type variable that nothing binds; asked for "bytes", it is the body's bytes.
    send: Callable[..., Awaitable[bytes | None]] = client.request_adapter.send_primitive_async
    return send


@dataclass(frozen=True)
class _Hours:
    """A person's Outlook working hours: weekdays (Monday 0), local start and end, and the zone's name as given."""

    days: frozenset[int]
    start: time
    end: time
    zone_name: str | None


@dataclass(frozen=True)
class _Schedule:
    """What we use of one person's scheduleInformation."""

    schedule_id: str | None
    view: str
    hours: _Hours | None
    failed: bool
    error_code: str | None


def _read_schedules(raw: bytes | None) -> list[_Schedule] | None:
    """The ``value`` of a getSchedule answer, field by field; None when it is not a list of schedules at all.

    Anything malformed inside one schedule makes only that schedule unusable (no working hours, or no free
    time), as an outside answer is not trusted to be well formed."""
    try:
        document = json.loads(raw or b"")
    except ValueError:
        return None
    value = document.get("value") if isinstance(document, dict) else None
    if not isinstance(value, list):
        return None
    return [_read_schedule(entry) for entry in value if isinstance(entry, dict)]


def _read_schedule(entry: dict[str, Any]) -> _Schedule:
    schedule_id = entry.get("scheduleId")
    view = entry.get("availabilityView")
    error = entry.get("error")
    code = error.get("responseCode") if isinstance(error, dict) else None
    return _Schedule(
        schedule_id=schedule_id if isinstance(schedule_id, str) else None,
        view=view if isinstance(view, str) and view.isascii() else "",
        hours=_read_hours(entry.get("workingHours")),
        failed=error is not None,
        error_code=str(code)[:80] if code is not None else None,
    )


def _read_hours(raw: object) -> _Hours | None:
    if not isinstance(raw, dict):
        return None
    names = raw.get("daysOfWeek")
    start, end = _clock(raw.get("startTime")), _clock(raw.get("endTime"))
    if not isinstance(names, list) or start is None or end is None:
        return None
    days = frozenset(_WEEKDAYS[name.lower()] for name in names if isinstance(name, str) and name.lower() in _WEEKDAYS)
    if not days:
        return None
    zone = raw.get("timeZone")
    name = zone.get("name") if isinstance(zone, dict) else None
    return _Hours(days, start, end, name if isinstance(name, str) else None)


def _clock(raw: object) -> time | None:
    """Graph's ``08:00:00.0000000`` as a time; None when unreadable."""
    if not isinstance(raw, str):
        return None
    match = _CLOCK.fullmatch(raw.strip())
    if match is None:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _matched(chunk: list[str], schedules: list[_Schedule]) -> list[_Schedule | None]:
    """Graph's answers lined up with the addresses asked: by ``scheduleId``, else by position."""
    by_address = {s.schedule_id.strip().lower(): s for s in schedules if s.schedule_id}
    lined_up: list[_Schedule | None] = []
    for position, address in enumerate(chunk):
        schedule = by_address.get(address)
        if schedule is None and position < len(schedules) and not schedules[position].schedule_id:
            schedule = schedules[position]
        lined_up.append(schedule)
    return lined_up


def _open_slots(view: str, asked_start: datetime, window: _Span) -> list[_Span]:
    """The free stretches of an availability view, clipped to the window (a view cut short frees nothing more)."""
    spans: list[_Span] = []
    for run in _FREE_RUN.finditer(view):
        start = max(asked_start + run.start() * _SLOT, window[0])
        end = min(asked_start + run.end() * _SLOT, window[1])
        if start < end:
            spans.append((start, end))
    return spans


def _local_span(day: date, start: time, end: time, zone: tzinfo) -> _Span:
    # Built on the local clock, so working hours keep to it across a change between summer and winter time.
    begins = datetime.combine(day, start, tzinfo=zone)
    # An end at or before the start means the hours run past midnight (an end of 00:00 is the day's end).
    ends = datetime.combine(day if end > start else day + timedelta(days=1), end, tzinfo=zone)
    return begins.astimezone(UTC), ends.astimezone(UTC)


def _merged(spans: Iterable[_Span]) -> list[_Span]:
    joined: list[_Span] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def _overlap(first: list[_Span], second: list[_Span]) -> list[_Span]:
    """Where two sorted lists of separate spans overlap."""
    both: list[_Span] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            both.append((start, end))
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return both


def _described(position: int, total: int, address: str) -> str:
    # Never the address itself in a log: its place in the question and a short digest an operator can match.
    digest = hashlib.sha256(address.encode()).hexdigest()[:10]
    return f"schedule {position} of {total} (ref {digest})"


# Writing events -------------------------------------------------------------------------------------------------


def _graph_time(moment: datetime) -> DateTimeTimeZone:
    return DateTimeTimeZone(date_time=moment.astimezone(UTC).strftime(_GRAPH_TIME), time_zone="UTC")


def _attendees(booking: Booking) -> list[Attendee]:
    attendees: list[Attendee] = []
    seen: set[str] = set()
    for position, invitee in enumerate(booking.invitees, start=1):
        address = invitee.email.strip()
        if not address:
            log.warning("invitee %d of booking %s has no email address and gets no invitation", position, booking.key)
            continue
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        attendees.append(
            Attendee(
                type=AttendeeType.Required,
                email_address=EmailAddress(address=address, name=invitee.name.strip() or None),
            )
        )
    return attendees


def _booked(event: Event | None, event_id: str) -> BookedEvent:
    meeting = event.online_meeting if event is not None else None
    join_url = meeting.join_url if meeting is not None and meeting.join_url else None
    return BookedEvent(event_id=event.id if event is not None and event.id else event_id, join_url=join_url)


def _check_event_id(event_id: str) -> None:
    # The id becomes a path segment; anything that could end the segment or escape it is refused outright.
    if (
        not event_id
        or len(event_id) > _LONGEST_EVENT_ID
        or event_id in (".", "..")
        or _PATH_BREAKERS & set(event_id)
        or not event_id.isprintable()
        or any(character.isspace() for character in event_id)
    ):
        raise ValueError("not a Graph event id")
