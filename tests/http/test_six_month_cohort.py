"""Six months of a cohort, through the real adapter, on a clock that only the test moves.

Four pairs sign up through the cards, are approved, matched and published on Monday 2 March 2026, and live through
the cohort (six monthly conversations, 9 March to 5 September) and its end survey (closing on 3 October). The bot
keeps office hours (09:00 to 17:30, Monday to Friday, London), not the any-hour settings of the other suites, so the
rule that nobody is nudged at night or at a weekend is exercised all the way through. The scheduler's periodic jobs
(offering the next meeting, finding stalled pairs, opening surveys) are run by :class:`Simulation` every six
simulated hours, by night and at weekends too, and every work item is swept at the moment it falls due.

What each pair does:

* **A** (Ayodele mentoring Anselm) meet every time but once: their third conversation doesn't happen. Anselm says
  so and takes one of the times offered again there and then; Ayodele, answering the same question an hour later,
  is shown the new booking; and they meet after all.
* **B** (Bisola and Barnaby) don't book from their introduction, so the bot offers times three days later and they
  meet once; then they go quiet. Five weeks on both are nudged, two weeks after that the coordinator is told, and
  on a Sunday evening Barnaby books from the nudge (his own confirmation comes at once; Bisola's waits for Monday).
* **C** (Chidi and Cressida): Chidi books; Cressida leaves three prompts in a row unanswered, is paused and told,
  and types 'resume' a fortnight later.
* **D** (Dalia and Desmond) meet three times; Desmond books the fourth and withdraws before it.

Everyone answers "Did you meet?" and writes a private reflection after each meeting they went to (Cressida only
after resuming) and answers the surveys, except: Barnaby answers the baseline only after its reminder, Cressida
never answers the baseline or the end survey, and Desmond has gone before the mid-point. With results shown for
groups of three or more (REMEDI_SURVEY_MIN_RESPONSES=3), the four mentors' change from baseline to end is shown; the
two mentees who answered both are too few, and stay hidden.

Afterwards every message is checked against what should have been sent, worked out from what people did (each
booking, answer, pause and withdrawal), not from how the bot decides: each reminder, "Did you meet?", offer, survey
and survey reminder exactly once, at its time; the stall nudge and the coordinator's alert once; nothing at night or
at a weekend but the answer to someone's own booking; nothing at all to Desmond once he had withdrawn; and nothing a
coordinator received carries a word of anyone's reflection or survey answers.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from cards.reflections import INPUT_IDS
from cards.surveys import NOT_ENOUGH
from programme.applications import ApplicationState
from programme.identity import PersonId
from programme.meetings import MeetingState
from programme.profiles import Role
from programme.reflections import ACTIONS, LEARNED
from programme.survey_questions import SurveyKind, current_set
from storage.meeting_store import SqlMeetingStore
from storage.reflection_store import SqlReflectionStore
from storage.tables import survey_links
from tests.http.cohort_simulation import (
    APPROVED,
    BOOKED_NOTICE,
    CANCELLED_NOTICE,
    DID_YOU_MEET,
    FINDING,
    INTRODUCTION,
    LONDON,
    OFFER,
    OFFICE,
    PARTNER_LEFT,
    PAUSED,
    REMINDER,
    REOFFERED,
    STALL_ALERT,
    STALLED,
    SURVEY,
    SURVEY_REMINDER,
    WITHDRAWAL_NOTICE,
    Booking,
    Delivery,
    Simulation,
    local,
)
from tests.http.conftest import APP_ID, BotUnderTest, programme_settings
from tests.http.matching_world import applicant, approve_everyone, pairs
from tests.http.meeting_world import answered_card, notices, slot_buttons
from tests.http.programme_driver import COORDINATOR_CARYS, NOW, Person, Programme, only_card, only_text
from tests.support.card_reading import button, card_text, facts, text_blocks
from tests.support.fake_connector import FakeConnector
from tests.support.fake_identity import FakeBotIdentity, FakeCredentialFactory
from tests.support.fakes import FakeClock

# The people ---------------------------------------------------------------------------------------------------------


def _person(letter: str, number: int, name: str) -> Person:
    first, last = name.lower().split()
    return Person(f"{letter}0000000-0000-4000-8000-0000000007{number:02d}", name, f"{first}.{last}@nhs.net")


MENTOR_A = _person("a", 1, "Ayodele Brightwater")
MENTEE_A = _person("b", 2, "Anselm Greyhaven")
MENTOR_B = _person("a", 3, "Bisola Fernhollow")
MENTEE_B = _person("b", 4, "Barnaby Ketteridge")
MENTOR_C = _person("a", 5, "Chidi Lanternmoor")
MENTEE_C = _person("b", 6, "Cressida Vantwell")
MENTOR_D = _person("a", 7, "Dalia Ravensholt")
MENTEE_D = _person("b", 8, "Desmond Ashgrove")
MENTORS = (MENTOR_A, MENTOR_B, MENTOR_C, MENTOR_D)
MENTEES = (MENTEE_A, MENTEE_B, MENTEE_C, MENTEE_D)
PARTNER = {**dict(zip(MENTORS, MENTEES, strict=True)), **dict(zip(MENTEES, MENTORS, strict=True))}
# Who books each pair's meetings when the bot offers times (the mentee usually does).
BOOKER = {MENTOR_A: MENTEE_A, MENTOR_B: MENTEE_B, MENTOR_C: MENTOR_C, MENTOR_D: MENTEE_D}

# Each pair alone shares its half-days and topics, so the rules, not chance, decide who is paired with whom; every
# mentee is more senior than every mentor, and nobody shares a directorate.
_PAIRS = (
    (MENTOR_A, MENTEE_A, "band-5", "board", "mon-am,thu-pm", "career-progression,microaggressions", "Brightmoor"),
    (MENTOR_B, MENTEE_B, "band-6", "director", "tue-am,fri-am", "belonging,allyship", "Fernmere"),
    (MENTOR_C, MENTEE_C, "band-4", "band-8d", "wed-am,wed-pm", "speaking-up,flexible-working", "Lanternfold"),
    (MENTOR_D, MENTEE_D, "band-7", "band-9", "tue-pm,thu-am", "recruitment,international-staff", "Ravenbrook"),
)
EVERYONE = [
    (person, applicant(person, role, f"{word}{suffix}", band=band, topics=topics, availability=times))
    for mentor, mentee, mentor_band, mentee_band, times, topics, word in _PAIRS
    for person, role, band, suffix in ((mentor, "mentor", mentor_band, "a"), (mentee, "mentee", mentee_band, "b"))
]
PEOPLE = [person for person, _ in EVERYONE]

# The cohort: six monthly conversations of 45 minutes between Monday 9 March and Saturday 5 September.
SESSIONS = 6
# Monthly, in days.
CADENCE = 28
COHORT = {
    "signup_closes": "2026-03-02",
    "starts_on": "2026-03-09",
    "ends_on": "2026-09-05",
    "training_1": "2026-03-04",
    "training_3": "",
    "sessions": str(SESSIONS),
    "cadence": "monthly",
    "mentor_capacity": "1",
}
STARTS_ON = date(2026, 3, 9)
ENDS_ON = date(2026, 9, 5)
# How often the scheduler's periodic jobs run here. The service runs them hourly; every six hours (at 00:00, 06:00,
# 12:00 and 18:00 UTC) keeps six months under half a minute (run hourly, the survey job alone, which looks at
# everyone in a pair while a survey is open, takes most of two minutes) and still has them run by night, at
# weekends and in working hours. Nothing below depends on the interval: expected times are read from the runs.
JOBS_EVERY = timedelta(hours=6)
# The programme's rules: the issue's, and the check-ins' and surveys' documented ones.
ASK_AFTER = timedelta(minutes=10)
DAY = timedelta(days=1)
STALL_AFTER = timedelta(weeks=5)
ESCALATE_AFTER = timedelta(weeks=2)
FIRST_OFFER_AFTER = timedelta(days=3)
SURVEY_OPEN_FOR = timedelta(days=28)
SURVEY_REMINDER_AFTER = timedelta(days=7)
MIN_RESPONSES = 3
# The last moment of the walk: the Monday after the end survey closed, when the coordinator reads the results.
RESULTS_READ = local("2026-10-05", "10:00")

# What each person receives over the six months, by kind: their approval and introduction, six conversations'
# confirmations, reminders, "Did you meet?" and offers of the next (none of the first, for those who booked from
# their introduction), the three surveys, and what the story adds for each.
_EVERY_SESSION = {BOOKED_NOTICE: 6, REMINDER: 6, DID_YOU_MEET: 6, OFFER: 5, SURVEY: 3}
_ALWAYS = {APPROVED: 1, INTRODUCTION: 1}
SCHEDULE: dict[Person, dict[str, int]] = {
    # The third conversation was booked twice, and Anselm told Ayodele it hadn't happened.
    MENTOR_A: {**_ALWAYS, **_EVERY_SESSION, BOOKED_NOTICE: 7, REMINDER: 7, DID_YOU_MEET: 7, FINDING: 1, REOFFERED: 1},
    MENTEE_A: {**_ALWAYS, **_EVERY_SESSION, BOOKED_NOTICE: 7, REMINDER: 7, DID_YOU_MEET: 7},
    # Offered times for the first conversation, and the stall nudge; Barnaby answered the baseline after its reminder.
    MENTOR_B: {**_ALWAYS, **_EVERY_SESSION, OFFER: 6, STALLED: 1, FINDING: 1},
    MENTEE_B: {**_ALWAYS, **_EVERY_SESSION, OFFER: 6, STALLED: 1, SURVEY_REMINDER: 1},
    MENTOR_C: {**_ALWAYS, **_EVERY_SESSION},
    # Paused in place of one "Did you meet?"; the offer made while she was paused was held back; reminded of the
    # baseline and end surveys she never answered.
    MENTEE_C: {**_ALWAYS, **_EVERY_SESSION, DID_YOU_MEET: 5, OFFER: 4, PAUSED: 1, FINDING: 1, SURVEY_REMINDER: 2},
    # Three conversations, the fourth booked and called off when Desmond withdrew.
    MENTOR_D: {
        **_ALWAYS,
        BOOKED_NOTICE: 4,
        REMINDER: 3,
        DID_YOU_MEET: 3,
        OFFER: 3,
        SURVEY: 3,
        FINDING: 1,
        PARTNER_LEFT: 1,
    },
    MENTEE_D: {**_ALWAYS, BOOKED_NOTICE: 4, REMINDER: 3, DID_YOU_MEET: 3, OFFER: 3, SURVEY: 1},
}

# Words nobody but their writer may ever see: in reflections and in the surveys' own-words answers.
REFLECTION_MARK = "Wyvernholt"
SURVEY_MARK = "Glimmerfen"
NUDGE_KINDS = (REMINDER, DID_YOU_MEET, OFFER, STALLED, SURVEY, SURVEY_REMINDER)


@pytest.fixture
async def office(
    tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Programme]:
    """The deployed bot (authentication on, the local calendar) keeping office hours, showing survey results for
    groups of three or more, on a fixed clock; fails the test if anything was logged as an error."""
    caplog.set_level(logging.INFO)
    any_time = programme_settings(tmp_path, identity, connector, REMEDI_SURVEY_MIN_RESPONSES=str(MIN_RESPONSES))
    hours = replace(any_time.delivery, day_start=OFFICE.start, day_end=OFFICE.end, working_days=frozenset(OFFICE.days))
    settings = replace(any_time, delivery=hours)
    clock = FakeClock(NOW)
    app = create_app(settings, clock=clock, credentials_factory=FakeCredentialFactory(APP_ID))
    async with TestClient(TestServer(app)) as client:
        yield Programme(BotUnderTest(client=client, connector=connector, identity=identity, settings=settings), clock)
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert errors == [], f"errors were logged: {errors}"


# What people do -----------------------------------------------------------------------------------------------------


def weekday_at(moment: datetime, clock: str) -> datetime:
    """``clock`` o'clock in London on the first weekday after ``moment``'s day."""
    day = moment.astimezone(LONDON).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return local(day.isoformat(), clock)


def sunday_at(moment: datetime, clock: str) -> datetime:
    """``clock`` o'clock in London on the first Sunday after ``moment``'s day."""
    day = moment.astimezone(LONDON).date() + timedelta(days=1)
    while day.weekday() != 6:
        day += timedelta(days=1)
    return local(day.isoformat(), clock)


def session_offered(card: Mapping[str, Any]) -> int:
    """The session an offer card is for, as its first line says it."""
    said = notices(card)[0]
    if said.startswith("It's time to arrange your first conversation"):
        return 1
    found = re.match(r"It's time to arrange conversation (\d+) of (\d+)\.", said)
    assert found is not None, said
    assert int(found[2]) == SESSIONS, said
    return int(found[1])


def meeting_ref(booking: Booking) -> str:
    return f"meeting:{booking.meeting_id}@{booking.start.isoformat()}"


@dataclass
class Story:
    """What the people of the cohort do, and the record of it that the expected schedule is worked out from."""

    programme: Programme
    sim: Simulation
    cohort_id: int = 0
    published_at: datetime = NOW
    # Each pair's (mentor, mentee), by pair id.
    pair_people: dict[int, tuple[Person, Person]] = field(default_factory=dict)
    # (meeting id, start of that booking) -> when someone first said they met.
    met: dict[tuple[int, datetime], datetime] = field(default_factory=dict)
    # (person, "meeting:<id>@<start>" or "survey:<kind>") -> when they answered it.
    answered: dict[tuple[Person, str], datetime] = field(default_factory=dict)
    paused_at: dict[Person, datetime] = field(default_factory=dict)
    resumed_at: dict[Person, datetime] = field(default_factory=dict)
    withdrawn_at: dict[Person, datetime] = field(default_factory=dict)
    stalled_cards: dict[Person, Mapping[str, Any]] = field(default_factory=dict)
    booked_from_the_nudge_at: datetime | None = None
    reflections: Counter[Person] = field(default_factory=Counter)
    # Every answer to a coordinator's click (replies in the chat are in the simulation's deliveries).
    coordinator_answers: list[Mapping[str, Any]] = field(default_factory=list)
    results: Mapping[str, Any] | None = None
    status: Mapping[str, Any] | None = None

    @property
    def now(self) -> datetime:
        return self.sim.now

    async def react(self, delivery: Delivery) -> None:
        if not delivery.proactive:
            return
        reactions: dict[str, Callable[[Delivery], Any]] = {
            INTRODUCTION: self._introduced,
            OFFER: self._offered,
            BOOKED_NOTICE: self._booked,
            DID_YOU_MEET: self._asked,
            SURVEY: self._surveyed,
            SURVEY_REMINDER: self._surveyed,
            STALLED: self._stalled,
            STALL_ALERT: self._escalated,
            PAUSED: self._paused,
        }
        reaction = reactions.get(delivery.kind)
        if reaction is not None:
            await reaction(delivery)

    # Meetings

    async def _introduced(self, delivery: Delivery) -> None:
        # Pair B leave their introduction be, so the bot offers them times a few days later.
        if delivery.to in (MENTEE_A, MENTOR_C, MENTEE_D):
            find = "Suggest a time" if delivery.to in MENTORS else "Find a time"
            offer = answered_card(await self.programme.press(delivery.to, button(delivery.card, find)))
            await self._pick(delivery.to, offer)

    async def _offered(self, delivery: Delivery) -> None:
        booker = BOOKER[delivery.to if delivery.to in MENTORS else PARTNER[delivery.to]]
        quiet_spell = delivery.to is MENTEE_B and session_offered(delivery.card) == 2
        if delivery.to is booker and not quiet_spell:
            await self._pick(delivery.to, delivery.card)

    async def _pick(self, person: Person, card: Mapping[str, Any]) -> None:
        times = slot_buttons(card)
        assert times, f"no times offered to {person.name}: {notices(card)}"
        answer = answered_card(await self.programme.press(person, times[0]))
        assert text_blocks(answer)[0] == "Booking your conversation", text_blocks(answer)

    async def _booked(self, delivery: Delivery) -> None:
        assert isinstance(delivery.about, int)
        meeting = await SqlMeetingStore(self.programme.runtime.database).get(delivery.about)
        assert meeting is not None
        if delivery.to is MENTEE_D and meeting.session == 4:
            self.sim.later(weekday_at(self.now, "11:15"), "Desmond withdraws", self._withdraw)

    async def _asked(self, delivery: Delivery) -> None:
        person = delivery.to
        if person is MENTEE_C and person not in self.resumed_at:
            return  # Cressida lets her prompts pile up until she is paused.
        [booking] = [b for b in self.sim.bookings if b.meeting_id == delivery.about and b.ended_at is None]
        first_try_at_three = booking.session == 3 and not any(
            b.session == 3 and b.pair_id == booking.pair_id and b is not booking for b in self.sim.bookings
        )
        if person is MENTEE_A and first_try_at_three:
            # Anselm says so at once, and chooses one of the times offered again there and then.
            offer = answered_card(await self.programme.press(person, button(delivery.card, "It didn't happen")))
            self.answered[person, meeting_ref(booking)] = self.now
            await self._pick(person, offer)
            return
        if person is MENTOR_A and first_try_at_three:
            # Ayodele answers an hour later, on the same card, by which time it has been booked again.
            async def later_answer() -> None:
                shown = answered_card(await self.programme.press(person, button(delivery.card, "It didn't happen")))
                assert notices(shown)[0].startswith("Thanks for letting me know. It has already been booked again")
                self.answered[person, meeting_ref(booking)] = self.now

            self.sim.later(self.now + timedelta(hours=1), "Ayodele says it didn't happen", later_answer)
            return
        reflecting = answered_card(await self.programme.press(person, button(delivery.card, "We met")))
        self.answered[person, meeting_ref(booking)] = self.now
        self.met.setdefault((booking.meeting_id, booking.start), self.now)
        first = person.name.split()[0]
        typed = {
            INPUT_IDS[LEARNED]: f"{first} {REFLECTION_MARK}: what conversation {booking.session} taught me",
            INPUT_IDS[ACTIONS]: f"{first} {REFLECTION_MARK}: read up before conversation {booking.session + 1}",
        }
        saved = answered_card(await self.programme.press(person, button(reflecting, "Save my reflection"), **typed))
        assert "Reflection saved" in card_text(saved)
        self.reflections[person] += 1

    async def _stalled(self, delivery: Delivery) -> None:
        self.stalled_cards[delivery.to] = delivery.card

    async def _escalated(self, delivery: Delivery) -> None:
        # The Sunday after their coordinator was told, Barnaby books from the nudge he was sent.
        self.sim.later(sunday_at(self.now, "21:00"), "Barnaby books on a Sunday evening", self._book_from_nudge)

    async def _book_from_nudge(self) -> None:
        self.booked_from_the_nudge_at = self.now
        nudge = self.stalled_cards[MENTEE_B]
        offer = answered_card(await self.programme.press(MENTEE_B, button(nudge, "Find a time")))
        await self._pick(MENTEE_B, offer)

    # Surveys

    async def _surveyed(self, delivery: Delivery) -> None:
        person, kind = delivery.to, str(delivery.about)
        # Cressida answers only the mid-point survey, once she is back from her pause.
        never = person is MENTEE_C and (kind != "midpoint" or person not in self.resumed_at)
        late = person is MENTEE_B and kind == "baseline"
        if never or late != (delivery.kind == SURVEY_REMINDER):
            return
        role = Role.MENTOR if person in MENTORS else Role.MENTEE
        questions = current_set(role, SurveyKind(kind))
        value = {("baseline", Role.MENTOR): "2", ("end", Role.MENTOR): "4", ("baseline", Role.MENTEE): "3"}.get(
            (kind, role), "4"
        )
        first = person.name.split()[0]
        typed = {f"likert-{item.id}": value for item in questions.likert}
        typed |= {f"text-{item.id}": f"{first} {SURVEY_MARK}: {kind} in my own words" for item in questions.free_text}
        thanks = answered_card(await self.programme.press(person, button(delivery.card, "Send my answers"), **typed))
        assert text_blocks(thanks)[0] == "Thank you", text_blocks(thanks)
        self.answered[person, f"survey:{kind}"] = self.now

    # Pausing and leaving

    async def _paused(self, delivery: Delivery) -> None:
        self.paused_at[delivery.to] = self.now
        self.sim.later(weekday_at(self.now + timedelta(days=13), "10:30"), f"{delivery.to.name} resumes", self._resume)

    async def _resume(self) -> None:
        [person] = [p for p in self.paused_at if p not in self.resumed_at]
        assert only_text(await self.programme.say(person, "resume")).startswith("Welcome back")
        self.resumed_at[person] = self.now

    async def _withdraw(self) -> None:
        asking = only_card(await self.programme.say(MENTEE_D, "withdraw"))
        await self.programme.press(MENTEE_D, button(asking, "Yes, withdraw"))
        self.withdrawn_at[MENTEE_D] = self.now

    # The coordinator

    async def read_results(self) -> None:
        """The coordinator looks at the survey results, and at everything else she can see of the cohort."""
        self.results = only_card(await self.programme.say(COORDINATOR_CARYS, "survey results"))
        self.status = only_card(await self.programme.say(COORDINATOR_CARYS, "status"))
        for command in ("audit", "cohorts", "applications"):
            await self.programme.say(COORDINATOR_CARYS, command)
        self.coordinator_answers.append(await self.programme.press(COORDINATOR_CARYS, button(self.results, "Refresh")))

    def active(self, person: Person, moment: datetime) -> bool:
        """Whether a nudge may reach the person at ``moment``: not withdrawn, not paused."""
        if person in self.withdrawn_at and moment >= self.withdrawn_at[person]:
            return False
        paused = self.paused_at.get(person)
        return paused is None or not paused <= moment < self.resumed_at.get(person, datetime.max.replace(tzinfo=UTC))


# What should have been sent ----------------------------------------------------------------------------------------

# (to, kind, what about, when): a meeting id for reminders and "did you meet?", a session for offers, a survey.
Sent = tuple[Person, str, int | str | None, datetime]


def reminder_due(booking: Booking) -> datetime | None:
    """When a booking's reminder is due, as the issue puts it: the working day before, at the meeting's time of day
    (or the start of the working day, for a meeting outside it); for a meeting booked too late for that, the start
    of its own working day if that is at least an hour ahead of it; else none."""
    start = booking.start.astimezone(LONDON)
    day = start.date() - timedelta(days=1)
    while day.weekday() not in OFFICE.days:
        day -= timedelta(days=1)
    at = start.time() if OFFICE.start <= start.time() < OFFICE.end else OFFICE.start
    before = datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)
    if before > booking.booked_at:
        return before
    opening = datetime.combine(start.date(), OFFICE.start, tzinfo=LONDON).astimezone(UTC)
    if start.weekday() in OFFICE.days and booking.booked_at < opening <= booking.start - timedelta(hours=1):
        return opening
    return None


def stood_at(booking: Booking, moment: datetime) -> bool:
    """Booked for its time when ``moment`` came (what people did in reply to a message sent then came after it)."""
    return booking.booked_at <= moment and (booking.ended_at is None or booking.ended_at >= moment)


def first_run(story: Story, at: datetime) -> datetime:
    """The first run of the periodic jobs at or after ``at``."""
    return min(run for run in story.sim.job_runs if run >= at)


def survey_windows() -> dict[str, tuple[datetime, datetime]]:
    """When each survey opens and closes, from the cohort's dates: the baseline at the start (the pairs were
    published before it), the mid-point half way, the end survey on the end date; each open for four weeks."""
    middle = STARTS_ON + timedelta(days=(ENDS_ON - STARTS_ON).days // 2)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)

    return {
        kind: (midnight(day), midnight(day + SURVEY_OPEN_FOR))
        for kind, day in (("baseline", STARTS_ON), ("midpoint", middle), ("end", ENDS_ON))
    }


def expected_nudges(story: Story, stall_found_at: datetime) -> Counter[Sent]:
    """Every nudge that should have gone, worked out from what people did."""
    expected: Counter[Sent] = Counter()
    for booking in story.sim.bookings:
        people = story.pair_people[booking.pair_id]
        remind_at = reminder_due(booking)
        ask_at = OFFICE.next_opening(booking.end + ASK_AFTER)
        for person in people:
            if remind_at is not None and stood_at(booking, remind_at) and story.active(person, remind_at):
                expected[person, REMINDER, booking.meeting_id, remind_at] += 1
            if stood_at(booking, ask_at) and story.active(person, ask_at):
                expected[person, DID_YOU_MEET, booking.meeting_id, ask_at] += 1
    # The next session is offered at the first run of the job after someone said they met, until all are held.
    for booking in story.sim.bookings:
        met_at = story.met.get((booking.meeting_id, booking.start))
        if met_at is None or booking.session >= SESSIONS:
            continue
        run = first_run(story, met_at)
        offered_at = OFFICE.next_opening(run)
        people = story.pair_people[booking.pair_id]
        if any(story.withdrawn_at.get(person, run + DAY) <= run for person in people):
            continue
        for person in people:
            if story.active(person, offered_at):
                expected[person, OFFER, booking.session + 1, offered_at] += 1
    # A pair who booked nothing from their introduction are offered times three days later.
    first_offer_run = first_run(story, story.published_at + FIRST_OFFER_AFTER)
    for pair_id, people in story.pair_people.items():
        if not any(b.pair_id == pair_id and b.booked_at < first_offer_run for b in story.sim.bookings):
            for person in people:
                expected[person, OFFER, 1, OFFICE.next_opening(first_offer_run)] += 1
    # Pair B's stall: both nudged once.
    for person in (MENTOR_B, MENTEE_B):
        expected[person, STALLED, None, OFFICE.next_opening(stall_found_at)] += 1
    # Each survey once, when it opens, to everyone taking part then (or when they are back from a pause), and one
    # reminder a week later to those who haven't answered.
    for kind, (opens, closes) in survey_windows().items():
        for person in PEOPLE:
            queued = [run for run in story.sim.job_runs if opens <= run < closes and story.active(person, run)]
            if not queued:
                continue
            invited_at = OFFICE.next_opening(queued[0])
            if not story.active(person, invited_at):
                continue
            expected[person, SURVEY, kind, invited_at] += 1
            remind_at = OFFICE.next_opening(invited_at + SURVEY_REMINDER_AFTER)
            answered = story.answered.get((person, f"survey:{kind}"))
            still_open = invited_at + SURVEY_REMINDER_AFTER < closes
            if still_open and (answered is None or answered >= remind_at) and story.active(person, remind_at):
                expected[person, SURVEY_REMINDER, kind, remind_at] += 1
    return expected


def nudges_sent(story: Story) -> Counter[Sent]:
    sent: Counter[Sent] = Counter()
    for d in story.sim.deliveries:
        if d.proactive and d.kind in NUDGE_KINDS:
            about = session_offered(d.card) if d.kind == OFFER else d.about
            sent[d.to, d.kind, about, d.at] += 1
    return sent


def sessions_offered(sent: Counter[Sent], person: Person) -> list[int]:
    return sorted(int(session) for (to, kind, session, _) in sent if to is person and kind == OFFER and session)


def described(sent: Counter[Sent]) -> list[str]:
    return sorted(
        f"{at.astimezone(LONDON):%a %d %b %H:%M} {to.name}: {kind} ({about}) x{n}"
        for (to, kind, about, at), n in sent.items()
    )


def session_of(story: Story, delivery: Delivery) -> int:
    assert isinstance(delivery.about, int)
    return story.sim.meeting(delivery.about).session


def person_id(person: Person) -> PersonId:
    return PersonId(person.id)


async def pseudonyms(programme: Programme) -> list[str]:
    async with programme.runtime.database.engine.connect() as connection:
        return [str(p) for p in (await connection.execute(select(survey_links.c.pseudonym))).scalars()]


RESULT_SECTIONS = ("Start-of-programme survey", "Mid-point check-in", "End-of-programme survey")
CHANGE = "Change from the start to the end"


def results_by_role(texts: list[str]) -> dict[tuple[str, str], list[str]]:
    """The results card's lines under each (survey or change, role), from the role's own line on."""
    found: dict[tuple[str, str], list[str]] = {}
    section = role = ""
    for line in texts:
        if line in (*RESULT_SECTIONS, CHANGE):
            section, role = line, ""
        elif line.startswith(("**Mentors**", "**Mentees**")):
            role = line[2:9]
        if section and role:
            found.setdefault((section, role), []).append(line)
    return found


def assert_results(texts: list[str]) -> None:
    """Baseline and end answered by all four mentors (2s, then 4s) and by three and two mentees: every group of
    three or more is shown, the two mentees at the end are not, nor is their change."""
    baseline, midpoint, end = RESULT_SECTIONS
    shown = results_by_role(texts)
    averages = {key: [line for line in lines if line.startswith("Average")] for key, lines in shown.items()}
    assert shown[baseline, "Mentors"][0] == "**Mentors**: 4 answers"
    assert averages[baseline, "Mentors"] == ["Average 2.0 · 0% agree · 4 answered"] * 4
    assert shown[baseline, "Mentees"][0] == "**Mentees**: 3 answers"
    assert averages[baseline, "Mentees"] == ["Average 3.0 · 0% agree · 3 answered"] * 5
    assert averages[midpoint, "Mentors"] == ["Average 4.0 · 100% agree · 4 answered"] * 3
    assert averages[midpoint, "Mentees"] == ["Average 4.0 · 100% agree · 3 answered"] * 3
    assert averages[end, "Mentors"] == ["Average 4.0 · 100% agree · 4 answered"] * 5
    assert shown[end, "Mentees"] == ["**Mentees**: 2 answers", NOT_ENOUGH]
    assert shown[CHANGE, "Mentors"][0] == "**Mentors**: 4 people answered both"
    assert [line for line in shown[CHANGE, "Mentors"] if "on average" in line] == ["+2.0 on average (4 people)"] * 4
    assert shown[CHANGE, "Mentees"] == ["**Mentees**: 2 people answered both", NOT_ENOUGH]


# The walk ------------------------------------------------------------------------------------------------------------


async def cohort_published(programme: Programme, story: Story) -> None:
    """Everyone signs up through the cards and is approved; the coordinator matches and publishes the pairs."""
    sim = story.sim
    story.cohort_id = await programme.open_cohort(**COHORT)
    await programme.meet(COORDINATOR_CARYS, *PEOPLE)
    for person, answers in EVERYONE:
        await programme.sign_up(person, answers)
    await approve_everyone(programme)
    only_card(await programme.say(COORDINATOR_CARYS, f"cohort close-signups {story.cohort_id}"))
    sim.take(proactive=False)
    await sim.settle()
    only_card(await programme.say(COORDINATOR_CARYS, "match"))
    asking = only_card(await programme.say(COORDINATOR_CARYS, "publish"))
    published = await programme.press(COORDINATOR_CARYS, button(asking, "Publish and introduce"))
    assert "Pairs published" in card_text(answered_card(published))
    story.coordinator_answers.append(published)
    sim.take(proactive=False)
    by_id = {person.id: person for person in PEOPLE}
    for pair in await pairs(programme, story.cohort_id):
        story.pair_people[pair.id] = (by_id[pair.mentor.value], by_id[pair.mentee.value])
        assert pair.published_at == NOW
    assert sorted(story.pair_people.values(), key=lambda p: p[0].id) == list(zip(MENTORS, MENTEES, strict=True))
    sim.pair_ids = sorted(story.pair_people)
    await sim.settle()


async def test_six_months_of_a_cohort_send_every_nudge_once_and_at_its_time(
    office: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    services = office.runtime.services
    # The jobs bot.app's scheduler runs (with the sweep, which Simulation runs whenever work falls due).
    jobs = {
        "offering meeting times": services.scheduling.offer_due,
        "looking for pairs who have stopped meeting": services.check_ins.stalled_due,
        "opening surveys": services.surveys.open_due,
    }
    sim = Simulation(office, [COORDINATOR_CARYS, *PEOPLE], jobs, JOBS_EVERY)
    story = Story(office, sim)
    sim.react = story.react
    await cohort_published(office, story)
    sim.later(RESULTS_READ, "the coordinator reads the survey results", story.read_results)

    await sim.run_until(RESULTS_READ)

    pair_id = {people: pair for pair, people in story.pair_people.items()}
    meetings = list(await SqlMeetingStore(office.runtime.database).for_pairs(sim.pair_ids))

    # Every nudge (reminder, "Did you meet?", offer of the next session, stall nudge, survey, survey reminder) went
    # exactly once, at the moment worked out from what people did, and nothing else was sent as one.
    [first_b] = [b for b in sim.bookings if b.pair_id == pair_id[MENTOR_B, MENTEE_B] and b.session == 1]
    stall_found_at = first_run(story, first_b.end + STALL_AFTER)
    expected, actual = expected_nudges(story, stall_found_at), nudges_sent(story)
    assert (described(actual - expected), described(expected - actual)) == ([], [])
    assert set(actual.values()) == {1}
    # Per person, what the story comes to (Cressida's fifth "Did you meet?" is the prompt the pause replaced).
    received = Counter((d.to, d.kind) for d in sim.deliveries if d.proactive)
    assert {person: {k: n for (p, k), n in received.items() if p is person} for person in PEOPLE} == SCHEDULE

    # Each pair's sessions went to six and no further: the offers named sessions 2 to 6 (and 1, for the pair who
    # didn't book from their introduction), and nothing was offered after a pair's sixth.
    for (mentor, mentee), pair in pair_id.items():
        sessions = sorted((m.session, m.state) for m in meetings if m.pair_id == pair)
        held = sorted({b.session for b in sim.bookings if b.pair_id == pair and (b.meeting_id, b.start) in story.met})
        if mentee is MENTEE_D:
            assert sessions == [*((n, MeetingState.BOOKED) for n in (1, 2, 3)), (4, MeetingState.CANCELLED)]
            assert held == [1, 2, 3]
        else:
            assert sessions == [(n, MeetingState.BOOKED) for n in range(1, SESSIONS + 1)]
            assert held == list(range(1, SESSIONS + 1))
        offered = sessions_offered(actual, mentor)
        firsts = [1] if mentee is MENTEE_B else []
        assert offered == [*firsts, *range(2, min(held[-1] + 1, SESSIONS) + 1)], (mentor.name, offered)
        # At the cohort's cadence: each session booked from an offer falls in the fortnight searched from three days
        # before its monthly date (Barnaby's second came from the stall nudge, as soon as they could).
        held_on = {
            b.session: b.start.astimezone(LONDON).date()
            for b in sim.bookings
            if b.pair_id == pair and (b.meeting_id, b.start) in story.met
        }
        for session in range(2, max(s for s, _ in sessions) + 1):
            first = min(b.start for b in sim.bookings if b.pair_id == pair and b.session == session)
            gap = (first.astimezone(LONDON).date() - held_on[session - 1]).days
            if (mentee, session) != (MENTEE_B, 2):
                assert CADENCE - 3 <= gap < CADENCE - 3 + 14, (mentor.name, session, gap)
    last_held = {b.pair_id: b for b in sim.bookings if b.session == SESSIONS and (b.meeting_id, b.start) in story.met}
    for pair, booking in last_held.items():
        for person in story.pair_people[pair]:
            assert sim.to(person, OFFER, FINDING)[-1].at < booking.end

    # The reminders came the working day before, at the meeting's time of day; one booked after that moment came on
    # the morning of the meeting instead. (That each was inside working hours is checked with everything else below.)
    for reminder in [d for d in sim.deliveries if d.kind == REMINDER]:
        [booking] = [b for b in sim.bookings if b.meeting_id == reminder.about and stood_at(b, reminder.at)]
        start, sent_at = booking.start.astimezone(LONDON), reminder.at.astimezone(LONDON)
        heading = text_blocks(reminder.card)[0]
        if sent_at.date() == start.date():
            assert (sent_at.time(), booking.booked_at.astimezone(LONDON).date()) == (OFFICE.start, start.date() - DAY)
            assert heading.endswith(" is today")
        else:
            assert (sent_at.time(), start.date() - sent_at.date()) == (
                start.time(),
                DAY * (3 if start.weekday() == 0 else 1),
            )
            assert heading.endswith(
                f" is on {start:%A} {start.day} {start:%B}" if start.weekday() == 0 else " is tomorrow"
            )
    # A reminder of a first conversation talks about ground rules and goals.
    [first_reminder] = [d for d in sim.to(MENTEE_A, REMINDER) if session_of(story, d) == 1]
    assert "For your first conversation" in card_text(first_reminder.card)

    # Pair A's third conversation didn't happen: the same session was offered again at once and booked again.
    third = [b for b in sim.bookings if b.pair_id == pair_id[MENTOR_A, MENTEE_A] and b.session == 3]
    assert len(third) == 2
    assert third[0].ended_at == OFFICE.next_opening(third[0].end + ASK_AFTER) == third[1].booked_at
    [told] = sim.to(MENTOR_A, REOFFERED)
    assert told.at == third[1].booked_at

    # Pair B went quiet after their first conversation: both were nudged once, five weeks after it, with one click
    # to find a time; two weeks later the coordinator was told their state, and nothing of what they said or wrote.
    for person in (MENTOR_B, MENTEE_B):
        [nudge] = sim.to(person, STALLED)
        assert nudge.at == OFFICE.next_opening(stall_found_at)
        assert f"It's been about 5 weeks since you and {PARTNER[person].name} last met." in text_blocks(nudge.card)
        assert button(nudge.card, "Find a time")["verb"] == "meeting.find"
    [alert] = [d for d in sim.deliveries if d.kind == STALL_ALERT]
    assert (alert.to, alert.at) == (COORDINATOR_CARYS, OFFICE.next_opening(stall_found_at + ESCALATE_AFTER))
    assert facts(alert.card) == {
        "Cohort": f"Cohort {story.cohort_id}: Race equality 2026, board",
        "Mentor": MENTOR_B.name,
        "Mentee": MENTEE_B.name,
        "Last met": "about 7 weeks ago",
        "Sessions held": f"1 of {SESSIONS}",
        "Booked": "Nothing booked",
    }
    for _, answers in EVERYONE:
        for private in (answers.bio, answers.experience_note, answers.job_title):
            assert private not in alert.shown

    # Barnaby booked from the nudge on a Sunday evening: his own confirmation came at once, as the answer to what he
    # did; Bisola's waited for Monday morning. Nothing else ever went outside working hours.
    sunday = story.booked_from_the_nudge_at
    assert sunday is not None
    assert sunday.astimezone(LONDON).strftime("%A %H:%M") == "Sunday 21:00"
    outside = [d for d in sim.deliveries if d.proactive and not OFFICE.contains(d.at)]
    assert [(d.to, d.kind, d.at) for d in outside] == [(MENTEE_B, BOOKED_NOTICE, sunday)]
    [bisolas] = [d for d in sim.to(MENTOR_B, BOOKED_NOTICE) if d.at > sunday][:1]
    assert bisolas.at == OFFICE.next_opening(sunday)
    assert bisolas.at.astimezone(LONDON).strftime("%A %H:%M") == "Monday 09:00"

    # Every booking was confirmed once to each of the pair: at once to whoever chose the time, in working hours to
    # the other.
    confirmations = Counter((d.to, d.about, d.at) for d in sim.deliveries if d.kind == BOOKED_NOTICE)
    expected_confirmations: Counter[tuple[Person, int | str | None, datetime]] = Counter()
    for booking in sim.bookings:
        for person in story.pair_people[booking.pair_id]:
            chose = person.id == booking.chosen_by
            at = booking.booked_at if chose else OFFICE.next_opening(booking.booked_at)
            expected_confirmations[person, booking.meeting_id, at] += 1
    assert confirmations == expected_confirmations

    # Cressida left three prompts in a row unanswered ("Did you meet?" twice and the baseline survey), so instead of
    # the fourth she was told, once, that her reminders were paused; nothing reached her until she resumed.
    [paused] = [d for d in sim.deliveries if d.kind == PAUSED]
    assert (paused.to, paused.at) == (MENTEE_C, story.paused_at[MENTEE_C])
    assert "'resume'" in paused.shown
    before = [(d.kind, d.about) for d in sim.to(MENTEE_C, DID_YOU_MEET, SURVEY) if d.at < paused.at]
    assert [kind for kind, _ in before] == [DID_YOU_MEET, SURVEY, DID_YOU_MEET]
    assert not [ref for (person, ref), at in story.answered.items() if person is MENTEE_C and at < paused.at]
    assert [d.at for d in sim.to(MENTOR_C, DID_YOU_MEET)].count(paused.at) == 1
    resumed = story.resumed_at[MENTEE_C]
    assert [d for d in sim.to(MENTEE_C, *NUDGE_KINDS) if paused.at <= d.at < resumed] == []
    assert [d for d in sim.to(MENTEE_C, DID_YOU_MEET) if d.at > resumed]

    # Desmond withdrew before his fourth conversation: it was called off, Dalia and the coordinator were told, and
    # nothing at all reached him afterwards.
    withdrew = story.withdrawn_at[MENTEE_D]
    after = [d for d in sim.deliveries if d.to is MENTEE_D and (d.at > withdrew or (d.proactive and d.at == withdrew))]
    assert after == []
    [fourth] = [b for b in sim.bookings if b.pair_id == pair_id[MENTOR_D, MENTEE_D] and b.session == 4]
    assert fourth.ended_at == withdrew < fourth.start
    [left] = sim.to(MENTOR_D, PARTNER_LEFT)
    [notice] = sim.to(COORDINATOR_CARYS, WITHDRAWAL_NOTICE)
    assert left.at == notice.at == OFFICE.next_opening(withdrew)
    assert not sim.to(MENTOR_D, CANCELLED_NOTICE)
    [desmond] = await office.applications(MENTEE_D)
    assert desmond.state is ApplicationState.WITHDRAWN

    # Everyone got their introduction and their approval once; nothing went that the story doesn't account for.
    for person in PEOPLE:
        assert [d.at for d in sim.to(person, INTRODUCTION)] == [NOW]
        assert [d.at for d in sim.to(person, APPROVED)] == [NOW]
    known = {*NUDGE_KINDS, INTRODUCTION, APPROVED, BOOKED_NOTICE, FINDING, REOFFERED, PAUSED, PARTNER_LEFT}
    known |= {STALL_ALERT, WITHDRAWAL_NOTICE}
    assert {d.kind for d in sim.deliveries if d.proactive} <= known
    assert [d.kind for d in sim.to(COORDINATOR_CARYS)] == [STALL_ALERT, WITHDRAWAL_NOTICE]

    # One reflection kept for every conversation each person said they had (Cressida's since she resumed), and the
    # coordinator's status shows how many, and nothing else about them.
    assert story.reflections == {person: 6 for person in (*MENTORS[:3], *MENTEES[:2])} | {
        MENTEE_C: 3,
        MENTOR_D: 3,
        MENTEE_D: 3,
    }
    store = SqlReflectionStore(office.runtime.database)
    for person in PEOPLE:
        assert await store.count_by_author(person_id(person)) == story.reflections[person]
    assert story.status is not None
    mentors_wrote = sum(story.reflections[person] for person in MENTORS)
    mentees_wrote = sum(story.reflections[person] for person in MENTEES)
    assert (
        facts(story.status)["Written"]
        == f"{mentors_wrote + mentees_wrote} ({mentors_wrote} by mentors, {mentees_wrote} by mentees)"
    )
    assert facts(story.status)["Meetings held"] == str(len(story.met))

    # The survey results: only aggregates, only for groups of at least three, and the change from the start to the
    # end only where at least three people answered both.
    assert story.results is not None
    assert_results(text_blocks(story.results))

    # No coordinator ever received a word of anyone's reflection or survey answers (nor anything the pair wrote
    # reached the other), and none of it was logged.
    seen_by_coordinator = [d.shown for d in sim.deliveries if d.to is COORDINATOR_CARYS]
    seen_by_coordinator += [json.dumps(answer) for answer in story.coordinator_answers]
    for mark in (REFLECTION_MARK, SURVEY_MARK):
        assert not [shown for shown in seen_by_coordinator if mark in shown]
        for delivery in sim.deliveries:
            writers = set(re.findall(rf"(\w+) {mark}", delivery.shown))
            assert writers <= {delivery.to.name.split()[0]}, (delivery.to.name, writers)
        assert mark not in caplog.text
    for pseudonym in await pseudonyms(office):
        assert not [shown for shown in seen_by_coordinator if pseudonym in shown]
