"""Scheduling 200 pairs' first meetings through Microsoft Graph: batched free/busy against one request per pair.

What the hourly offers job and the work queue do when a cohort of 200 pairs is a few days past its introductions.
Everything runs in this process through the real path: the SQL stores on a fresh SQLite file, the ``Scheduling``
use case, the Graph adapters built by ``graph.wiring.graph_services`` (msgraph-sdk, kiota's pipeline, the real
client-credentials sign-in against a stand-in token endpoint), the sweeper with the service's default policy
(16 items worked on at once) and the local fake Graph of the test suite (tests/support/fake_graph.py). The fake
answers every request after a fixed delay, so that requests overlap as they do against the real service, counts
the requests in flight for each mailbox, and answers Exchange's 429 to a fifth concurrent request to one mailbox,
as Outlook does.

The population (seeded, the same in every run): 400 people, each with an Outlook mailbox, working hours (most the
Outlook default, some later, some part-time, a few none at all, read in the fallback zone) and two to five busy
items on each working day of the three weeks ahead, plus the odd tentative hour and day out of office.

Each way of offering runs twice, in ABBA order, on fresh databases and fresh fakes; times are medians and the
request counts must agree between runs:

1. **Offer.** Batched: ``Scheduling.offer_due()`` once, which reads the 400 calendars in one ``free_time`` question
   (split by the adapter into calls of 20 addresses). The baseline is how the same 200 pairs would be served one
   by one, as if each had typed ``schedule``: ``Scheduling.find_times`` per pair, 16 at a time, each one
   ``getSchedule`` call for the pair's two people.
2. The offer cards are delivered (to a recording notifier; nothing here touches Graph) and one person of each pair
   chooses one of the times offered.
3. **Book.** The sweeper runs the ``meeting.book`` items (and the booked cards they schedule) until none are left:
   one ``POST /users/{organizer}/events`` per pair, with the booking's key as ``transactionId``.

Afterwards every meeting must be booked once, at a time both people were free inside their working hours, as an
event in the programme mailbox with both of them invited: a fast wrong answer fails the benchmark.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import Better, Figure, Target
from bot.meeting_messages import CardMeetingMessages
from graph.wiring import GraphServices, graph_services
from programme.applications import ApplicationState, Consent, NewApplication
from programme.calendar import Interval
from programme.clock import Clock
from programme.cohorts import Cadence, Cohort, CohortPlan, CohortState
from programme.deliveries import MESSAGE, message_handler
from programme.grades import Grade
from programme.identity import PersonId, TenantId
from programme.meetings import Meeting, MeetingState
from programme.notifier import OutboundMessage, Recipient
from programme.pairs import NewPair, Pair
from programme.profiles import Availability, MeetingPreference, Profile, Role, Topic
from programme.scheduling import BOOK_MEETING, Scheduling
from programme.sweeper import Sweeper, SweepPolicy
from programme.tracks import MenteeLevel, Track
from programme.working_hours import WorkingHours
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.contact_book import SqlContactBook
from storage.database import Database, open_database
from storage.meeting_store import SqlMeetingStore
from storage.migrate import upgrade
from storage.pair_store import SqlPairStore
from storage.work_queue import SqlWorkQueue
from tests.support.fake_graph import (
    DAY_NAMES,
    FAKE_TENANT,
    OUTLOOK_MAILBOX_CONCURRENCY,
    WEEKDAYS,
    FakeEntraTransport,
    FakeGraph,
    FakeWorkingHours,
)
from tests.support.fakes import FakeClock

PAIRS = 200
SEED = 20270118
# Every answer of the fake Graph takes this long: enough for requests to overlap and be counted in flight, short
# enough for the benchmark to finish in a minute or so. Real getSchedule and event calls take longer.
GRAPH_LATENCY_S = 0.1
# How many people ask for times at once in the baseline (turns in flight); the same as the sweeper's concurrency.
PER_PAIR_CONCURRENCY = SweepPolicy().concurrency
REQUESTS_PER_PAIR_TARGET = 1.1

ORGANIZER = "reverse.mentoring@trust.example.nhs.uk"
LONDON = ZoneInfo("Europe/London")
TENANT = TenantId(FAKE_TENANT)
APP_ID = "1b4c3a8e-7d2f-4e6a-9c1b-2a3d4e5f6a7b"
APP_SECRET = "not-a-real-secret"  # noqa: S105 - what the stand-in token endpoint expects
CATALOG_APP_ID = "2b524e28-95ce-4c9b-9773-4a5bd6ec1770"
# Monday 18 January 2027, 09:00 in London (GMT in winter): the pairs were introduced the Thursday before.
NOW = datetime(2027, 1, 18, 9, 0, tzinfo=UTC)
INTRODUCED = NOW - timedelta(days=4)
# Busy time is laid down from today to beyond the two-week search window.
BUSY_DAYS = 21

# The adapter reads a schedule without working hours as an ordinary office week in the fallback zone (London).
FALLBACK_HOURS = FakeWorkingHours(WEEKDAYS, clock_time(9), clock_time(17), "GMT Standard Time")

SCHEDULES_PATH = f"/users/{ORGANIZER}/calendar/getSchedule"
EVENTS_PATH = f"/users/{ORGANIZER}/events"


def _person(n: int) -> PersonId:
    return PersonId(f"f0000000-0000-4000-8000-{n:012d}")


def _email(n: int) -> str:
    return f"colleague.{n:04d}@trust.example.nhs.uk"


def _address_of(person: PersonId) -> str:
    return _email(int(person.value.rsplit("-", 1)[1]))


# The population ---------------------------------------------------------------------------------------------------


def _fill_calendars(fake: FakeGraph, people: int) -> None:
    """Every person's mailbox, working hours and busy time, the same for the same seed."""
    rng = random.Random(SEED)
    fake.add_mailbox(ORGANIZER)
    for n in range(people):
        address = _email(n)
        kind = rng.random()
        if kind < 0.70:
            fake.add_mailbox(address)  # Outlook's default: weekdays 08:00-17:00, UK time
        elif kind < 0.85:
            fake.set_working_hours(address, start=clock_time(9), end=clock_time(17, 30))
        elif kind < 0.95:
            fake.set_working_hours(address, days=WEEKDAYS[:4], start=clock_time(8, 30), end=clock_time(16, 30))
        else:
            fake.add_mailbox(address, working_hours=False)  # read as 09:00-17:00 in the fallback zone
        hours = _hours_of(fake, address)
        for offset in range(BUSY_DAYS):
            day = NOW.date() + timedelta(days=offset)
            if DAY_NAMES[day.weekday()] not in hours.days:
                continue
            start, end = _at(day, hours.start), _at(day, hours.end)
            if rng.random() < 0.03:
                fake.add_busy(address, start, end, "oof")
                continue
            for _ in range(rng.randint(2, 5)):
                slots = int((end - start) / timedelta(minutes=30))
                begins = start + timedelta(minutes=30 * rng.randrange(slots - 1))
                length = timedelta(minutes=30 * rng.choice((1, 2, 2, 3)))
                status = "tentative" if rng.random() < 0.1 else "busy"
                fake.add_busy(address, begins, min(begins + length, end), status)


def _hours_of(fake: FakeGraph, address: str) -> FakeWorkingHours:
    """The mailbox's working hours, or the adapter's reading of none: 09:00-17:00 on weekdays in the fallback zone."""
    return fake.mailboxes[address].working_hours or FALLBACK_HOURS


def _at(day: date, moment: clock_time) -> datetime:
    return datetime.combine(day, moment, tzinfo=LONDON).astimezone(UTC)


def _plan() -> CohortPlan:
    starts_on = date(2027, 1, 11)
    return CohortPlan(
        name="Trust-wide reverse mentoring",
        track=Track.RACE_EQUALITY,
        mentee_level=MenteeLevel.SENIOR_LEADERS,
        signup_closes=date(2026, 12, 1),
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=28 * 5),
        sessions=6,
        cadence=Cadence.MONTHLY,
        session_minutes=60,
    )


def _profile(n: int, role: Role) -> Profile:
    mentor = role is Role.MENTOR
    return Profile(
        role=role,
        job_title="Healthcare assistant" if mentor else "Director of operations",
        band=Grade.BAND_4 if mentor else Grade.DIRECTOR,
        directorate="Medicine" if mentor else "Operations",
        site="City Hospital",
        work_email=_email(n),
        line_manager_email="line.manager@trust.example.nhs.uk",
        topics=(Topic.BELONGING,),
        availability=(Availability.TUE_AM, Availability.THU_PM),
        meeting_preference=MeetingPreference.TEAMS,
    )


@dataclass
class World:
    """One run's database, stores and use case, with its own fake Graph."""

    database: Database
    fake: FakeGraph
    graph: GraphServices
    scheduling: Scheduling
    meetings: SqlMeetingStore
    sweeper: Sweeper
    pairs: list[Pair]
    delivered: list[Recipient] = field(default_factory=list)


class RecordingNotifier:
    """Cards reach people instantly here: Teams' own pacing is what bench_fan_out measures."""

    def __init__(self, delivered: list[Recipient]) -> None:
        self._delivered = delivered

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        self._delivered.append(recipient)


async def _world(workdir: Path, name: str, clock: Clock) -> World:
    fake = FakeGraph()
    await fake.start()
    fake.latency = GRAPH_LATENCY_S
    fake.mailbox_concurrency_limit = OUTLOOK_MAILBOX_CONCURRENCY
    _fill_calendars(fake, 2 * PAIRS)
    database = open_database(f"sqlite:///{workdir / f'{name}.db'}")
    await upgrade(database)
    graph = graph_services(
        tenant_id=FAKE_TENANT,
        client_id=APP_ID,
        client_secret=APP_SECRET,
        catalog_app_id=CATALOG_APP_ID,
        base_url=fake.base_url,
        token_transport=FakeEntraTransport(client_id=APP_ID, client_secret=APP_SECRET, token=fake.token),
        organizer_mailbox=ORGANIZER,
        fallback_zone=LONDON,
    )
    if graph.calendar is None:
        raise RuntimeError("graph_services gave no calendar for the programme mailbox")
    cohorts, applications = SqlCohortStore(database), SqlApplicationStore(database)
    pair_store, meetings, work = SqlPairStore(database), SqlMeetingStore(database), SqlWorkQueue(database)
    cohort = await _running_cohort(cohorts)
    pairs = await _published_pairs(applications, pair_store, cohort)
    scheduling = Scheduling(
        pairs=pair_store,
        applications=applications,
        cohorts=cohorts,
        meetings=meetings,
        calendar=graph.calendar,
        work=work,
        messages=CardMeetingMessages(),
        clock=clock,
        zone=LONDON,
        ics_link=lambda meeting: None,
    )
    delivered: list[Recipient] = []
    sweeper = Sweeper(
        queue=work,
        handlers={
            BOOK_MEETING: scheduling.booking_handler(),
            MESSAGE: message_handler(RecordingNotifier(delivered)),
        },
        contacts=SqlContactBook(database),
        clock=clock,
        # Any hour of any day, so nothing waits for the morning.
        working_hours=WorkingHours(LONDON, clock_time(0), clock_time.max, frozenset(range(7))),
        owner=f"bench-{name}",
        policy=SweepPolicy(),  # the service's defaults: 16 items worked on at once
    )
    return World(database, fake, graph, scheduling, meetings, sweeper, pairs, delivered)


async def _running_cohort(cohorts: SqlCohortStore) -> Cohort:
    cohort = await cohorts.add(_plan(), _person(99_999), INTRODUCED)
    path = (CohortState.DRAFT, CohortState.RECRUITING, CohortState.MATCHING, CohortState.RUNNING)
    for current, target in itertools.pairwise(path):
        moved = await cohorts.move(cohort.id, current, target, INTRODUCED)
        if moved is None:
            raise RuntimeError(f"could not move the cohort to {target}")
        cohort = moved
    return cohort


async def _published_pairs(applications: SqlApplicationStore, pairs: SqlPairStore, cohort: Cohort) -> list[Pair]:
    for index in range(PAIRS):
        mentor_n, mentee_n = 2 * index, 2 * index + 1
        ids = []
        for n, role in ((mentor_n, Role.MENTOR), (mentee_n, Role.MENTEE)):
            stored = await applications.add(
                NewApplication(
                    cohort_id=cohort.id,
                    tenant=TENANT,
                    person=_person(n),
                    display_name=f"Colleague {n}",
                    profile=_profile(n, role),
                    consent=Consent(given_at=INTRODUCED),
                ),
                INTRODUCED,
            )
            if stored is None:
                raise RuntimeError(f"application {n} was not stored")
            approved = await applications.move(stored.id, ApplicationState.APPROVED, stored.version, INTRODUCED)
            if approved is None:
                raise RuntimeError(f"application {n} was not approved")
            ids.append(approved.id)
        await pairs.add(
            NewPair(
                cohort_id=cohort.id,
                mentor_application=ids[0],
                mentee_application=ids[1],
                mentor=_person(mentor_n),
                mentee=_person(mentee_n),
                points=5,
                reasons=("You share an interest in belonging.",),
            ),
            INTRODUCED,
        )
    return list(await pairs.publish(cohort.id, INTRODUCED))


# The run ----------------------------------------------------------------------------------------------------------


Offer = Callable[[World], Awaitable[None]]


@dataclass(frozen=True)
class Counts:
    """What one run asked of Graph and what came of it: the same in every run of the same contender."""

    schedule_calls: int
    addresses_asked: int
    event_posts: int
    other_requests: int
    throttled: int
    max_in_flight: int
    events: int
    cards: int

    @property
    def requests(self) -> int:
        return self.schedule_calls + self.event_posts + self.other_requests


@dataclass(frozen=True)
class Outcome:
    counts: Counts
    offer_s: float
    choose_s: float
    book_s: float


def _offer_time(run: Outcome) -> float:
    return run.offer_s


def _choose_time(run: Outcome) -> float:
    return run.choose_s


def _book_time(run: Outcome) -> float:
    return run.book_s


def _offer_and_book(run: Outcome) -> float:
    return run.offer_s + run.book_s


@dataclass
class Contender:
    """Repeated runs of one way of offering times; times are medians, counts must agree between runs."""

    name: str
    offer: Offer
    runs: list[Outcome] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        first = self.runs[0].counts
        if any(run.counts != first for run in self.runs):
            raise RuntimeError(
                f"{self.name}: runs disagree on what was asked of Graph: {[r.counts for r in self.runs]}"
            )
        return first

    def median(self, phase: Callable[[Outcome], float]) -> float:
        return statistics.median(phase(run) for run in self.runs)

    @property
    def per_pair_s(self) -> float:
        return self.median(_offer_and_book) / PAIRS

    def spread(self, phase: Callable[[Outcome], float]) -> str:
        values = [phase(run) for run in self.runs]
        return f"{min(values):.2f}-{max(values):.2f} s"


async def _offer_batched(world: World) -> None:
    offered = await world.scheduling.offer_due()
    if offered != PAIRS:
        raise RuntimeError(f"offer_due offered times to {offered} pairs, not {PAIRS}")


async def _offer_per_pair(world: World) -> None:
    limit = asyncio.Semaphore(PER_PAIR_CONCURRENCY)

    async def one(pair: Pair) -> None:
        async with limit:
            await world.scheduling.find_times(pair.mentee, pair.id)

    await asyncio.gather(*(one(pair) for pair in world.pairs))


async def _run(workdir: Path, name: str, offer: Offer) -> Outcome:
    clock = FakeClock(NOW)
    world = await _world(workdir, name, clock)
    try:
        started = time.perf_counter()
        await offer(world)
        offer_s = time.perf_counter() - started
        await world.sweeper.sweep_until_idle()  # the offer cards (nothing here calls Graph)

        started = time.perf_counter()
        offers = await _offers(world)
        for index, (pair, meeting) in enumerate(offers):
            chooser = pair.mentor if index % 2 == 0 else pair.mentee
            view = await world.scheduling.pick(chooser, meeting.id, meeting.version, index % len(meeting.slots))
            if view.meeting.state is not MeetingState.BOOKING:
                raise RuntimeError(f"pair {pair.id}'s choice left the meeting {view.meeting.state}")
        choose_s = time.perf_counter() - started

        cards_before = len(world.delivered)
        started = time.perf_counter()
        report = await world.sweeper.sweep_until_idle()
        book_s = time.perf_counter() - started
        if report.dead or report.retrying or report.missed:
            raise RuntimeError(f"the booking sweep did not finish cleanly: {report}")

        events = await _check(world)
        requests = world.fake.requests
        schedules = [r for r in requests if r.method == "POST" and r.path == SCHEDULES_PATH]
        posts = sum(1 for r in requests if r.method == "POST" and r.path == EVENTS_PATH)
        counts = Counts(
            schedule_calls=len(schedules),
            addresses_asked=sum(len(_addresses(r.body)) for r in schedules),
            event_posts=posts,
            other_requests=len(requests) - len(schedules) - posts,
            throttled=sum(1 for r in requests if r.status == 429),
            max_in_flight=world.fake.max_in_flight.get(ORGANIZER, 0),
            events=events,
            cards=len(world.delivered) - cards_before,
        )
        return Outcome(counts, offer_s=offer_s, choose_s=choose_s, book_s=book_s)
    finally:
        await world.graph.aclose()
        await world.fake.close()
        await world.database.close()


def _addresses(body: object) -> list[object]:
    # Graph matches action parameters in any case, and msgraph-sdk sends "Schedules".
    named = {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}
    schedules = named.get("schedules")
    return schedules if isinstance(schedules, list) else []


async def _offers(world: World) -> list[tuple[Pair, Meeting]]:
    by_pair = {m.pair_id: m for m in await world.meetings.for_pairs([pair.id for pair in world.pairs])}
    offers = []
    for pair in world.pairs:
        meeting = by_pair.get(pair.id)
        if meeting is None or meeting.state is not MeetingState.OFFERED:
            raise RuntimeError(f"pair {pair.id} was offered no meeting")
        if not meeting.slots:
            raise RuntimeError(f"pair {pair.id} was offered no times (the calendars should leave some free)")
        offers.append((pair, meeting))
    return offers


async def _check(world: World) -> int:
    """Every pair booked exactly once, at a time both were free, in the programme mailbox with both invited."""
    fake = world.fake
    events = {e.resource["id"]: e for e in fake.live_events(ORGANIZER)}
    meetings = {m.pair_id: m for m in await world.meetings.for_pairs([pair.id for pair in world.pairs])}
    for pair in world.pairs:
        meeting = meetings[pair.id]
        if meeting.state is not MeetingState.BOOKED or meeting.event_id is None or meeting.when is None:
            raise RuntimeError(f"pair {pair.id}'s meeting is {meeting.state}, not booked")
        event = events.get(meeting.event_id)
        if event is None:
            raise RuntimeError(f"pair {pair.id}'s event is not in the programme mailbox")
        if (event.start, event.end) != (meeting.when.start, meeting.when.end):
            raise RuntimeError(f"pair {pair.id}'s event is not at the time chosen")
        invited = {_address_of(person) for person in (pair.mentor, pair.mentee)}
        if set(event.attendees) != invited:
            raise RuntimeError(f"pair {pair.id}'s event invites {len(event.attendees)} others than the pair")
        for address in invited:
            if _clashes(fake, address, meeting.when):
                raise RuntimeError(f"pair {pair.id} was booked over one of them's busy time")
    if len(events) != len(world.pairs) or len({m.event_id for m in meetings.values()}) != len(world.pairs):
        raise RuntimeError(f"{len(events)} events for {len(world.pairs)} pairs")
    return len(events)


def _clashes(fake: FakeGraph, address: str, when: Interval) -> bool:
    """Whether ``when`` overlaps the person's busy time or falls outside their working hours (all UK time here)."""
    if any(b.start < when.end and when.start < b.end for b in fake.mailboxes[address].busy):
        return True
    hours = _hours_of(fake, address)
    starts, ends = when.start.astimezone(LONDON), when.end.astimezone(LONDON)
    working_day = DAY_NAMES[starts.weekday()] in hours.days and starts.date() == ends.date()
    return not working_day or starts.time() < hours.start or ends.time() > hours.end


# Figures ----------------------------------------------------------------------------------------------------------


async def run() -> list[Figure]:
    batched = Contender("batched", _offer_batched)
    per_pair = Contender("per pair", _offer_per_pair)
    with tempfile.TemporaryDirectory(prefix="remedi-scheduling-") as scratch:
        # ABBA, so whatever else the machine does lands on both alike.
        for round_number, contender in enumerate((batched, per_pair, per_pair, batched)):
            contender.runs.append(await _run(Path(scratch), f"run-{round_number}", contender.offer))
    mine, theirs = batched.counts, per_pair.counts
    note = (
        f"{PAIRS} pairs; fake Graph answers in {GRAPH_LATENCY_S * 1000:.0f} ms and refuses a 5th concurrent request "
        f"to a mailbox; baseline: getSchedule per pair, {PER_PAIR_CONCURRENCY} at a time; times are medians of 2 "
        "runs each, ABBA"
    )
    return [
        Figure("getSchedule calls", mine.schedule_calls, "calls", note=note),
        Figure("people per getSchedule call", mine.addresses_asked / mine.schedule_calls, "people"),
        Figure("event POSTs", mine.event_posts, "calls"),
        Figure("other Graph requests", mine.other_requests, "calls"),
        Figure("getSchedule calls per pair", mine.schedule_calls / PAIRS, "calls"),
        Figure("event POSTs per pair", mine.event_posts / PAIRS, "calls"),
        Figure(
            "Graph requests per pair",
            mine.requests / PAIRS,
            "requests",
            Target(REQUESTS_PER_PAIR_TARGET),
            note="getSchedule, event POSTs and anything else, retries included",
        ),
        Figure(
            "most requests in flight, programme mailbox",
            mine.max_in_flight,
            "requests",
            Target(OUTLOOK_MAILBOX_CONCURRENCY),
        ),
        Figure("429s answered", mine.throttled, "requests", Target(0)),
        Figure("events created", mine.events, "events", Target(PAIRS, better=Better.HIGHER)),
        Figure("events beyond one per pair", mine.events - PAIRS, "events", Target(0)),
        Figure("booked cards sent", mine.cards, "cards", Target(2 * PAIRS, better=Better.HIGHER)),
        Figure(
            "offer phase",
            batched.median(_offer_time),
            "s",
            note=f"offer_due(): everyone's free/busy, {2 * PAIRS} offer cards; range {batched.spread(_offer_time)}",
        ),
        Figure("choose phase", batched.median(_choose_time), "s", note=f"{PAIRS} clicks, no Graph"),
        Figure(
            "booking phase",
            batched.median(_book_time),
            "s",
            note=f"sweeper: {PAIRS} meeting.book items, {2 * PAIRS} booked cards; range {batched.spread(_book_time)}",
        ),
        Figure("wall time per pair (offer + booking)", batched.per_pair_s * 1000, "ms"),
        Figure("baseline getSchedule calls", theirs.schedule_calls, "calls"),
        Figure("baseline Graph requests per pair", theirs.requests / PAIRS, "requests"),
        Figure("baseline most in flight", theirs.max_in_flight, "requests"),
        Figure("baseline 429s answered", theirs.throttled, "requests"),
        Figure("baseline events created", theirs.events, "events"),
        Figure("baseline offer phase", per_pair.median(_offer_time), "s", note=f"range {per_pair.spread(_offer_time)}"),
        Figure("baseline booking phase", per_pair.median(_book_time), "s", note=f"range {per_pair.spread(_book_time)}"),
        Figure("baseline wall time per pair", per_pair.per_pair_s * 1000, "ms"),
        Figure("getSchedule calls ratio batched/baseline", mine.schedule_calls / theirs.schedule_calls, "x"),
        Figure("Graph requests ratio batched/baseline", mine.requests / theirs.requests, "x"),
        Figure("offer phase ratio batched/baseline", batched.median(_offer_time) / per_pair.median(_offer_time), "x"),
        Figure("wall time per pair ratio batched/baseline", batched.per_pair_s / per_pair.per_pair_s, "x"),
    ]
