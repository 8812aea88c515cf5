"""Nudges are checked as they are about to go: held while someone is paused or gone, never other messages.

Also: a message marked to be forgotten on delivery keeps only its summary once it has been delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from programme.applications import Application, ApplicationState
from programme.cohorts import CohortState
from programme.deliveries import MESSAGE, message_handler, schedule_message
from programme.identity import PersonId
from programme.notifier import OutboundMessage, PersonRecipient, Recipient
from programme.nudge_policy import NudgePolicy
from programme.sweeper import Sweeper
from programme.work import WorkItem, WorkState
from programme.working_hours import WorkingHours
from tests.programme.builders import (
    AISHA,
    BEN,
    CHIOMA,
    COORDINATOR,
    LONDON,
    TENANT,
    TODAY,
    cohort_in_state,
    cohort_plan,
    stored_application,
)
from tests.support.fakes import DEFAULT_NOW, FakeClock, InMemoryContactBook, InMemoryWorkQueue
from tests.support.programme_fakes import InMemoryApplicationStore, InMemoryCohortStore, InMemoryParticipantStore

MONDAY_9AM = DEFAULT_NOW
REMINDER = OutboundMessage(summary="meeting reminder", text="You meet your partner tomorrow at 10:00.")


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, OutboundMessage]] = []

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        self.sent.append((recipient, message))

    def texts_for(self, person: PersonId) -> list[str | None]:
        return [m.text for r, m in self.sent if isinstance(r, PersonRecipient) and r.person == person]


class World:
    def __init__(self, *, check_nudges: bool = True) -> None:
        self.clock = FakeClock(MONDAY_9AM)
        self.queue = InMemoryWorkQueue()
        self.cohorts = InMemoryCohortStore()
        self.applications = InMemoryApplicationStore()
        self.participants = InMemoryParticipantStore()
        self.notifier = RecordingNotifier()
        self.policy = NudgePolicy(self.participants, self.applications, LONDON)
        self.sweeper = Sweeper(
            queue=self.queue,
            handlers={MESSAGE: message_handler(self.notifier)},
            contacts=InMemoryContactBook(),
            clock=self.clock,
            working_hours=WorkingHours(LONDON),
            owner="sweeper-nudges",
            jitter=lambda: 1.0,
            nudge_check=self.policy.reason_to_hold if check_nudges else None,
        )

    async def taking_part(self, who: PersonId, name: str) -> Application:
        cohort = await cohort_in_state(
            self.cohorts, cohort_plan(TODAY), CohortState.RECRUITING, created_by=COORDINATOR, at=DEFAULT_NOW
        )
        application = await stored_application(self.applications, cohort, who, at=DEFAULT_NOW, display_name=name)
        await self.participants.enrol(TENANT, who, name, DEFAULT_NOW)
        return application

    async def schedule(
        self,
        key: str,
        who: PersonId,
        *,
        nudge: bool,
        due_at: datetime | None = None,
        forget_on_delivery: bool = False,
    ) -> None:
        assert await schedule_message(
            self.queue,
            key=key,
            tenant=TENANT,
            person=who,
            message=REMINDER,
            due_at=due_at or self.clock.now(),
            now=self.clock.now(),
            nudge=nudge,
            forget_on_delivery=forget_on_delivery,
        )

    def item(self, key: str) -> WorkItem:
        [item] = [i for i in self.queue.items.values() if i.idempotency_key == key]
        return item


@pytest.fixture
def world() -> World:
    return World()


# The policy on its own ----------------------------------------------------------------------------------------------


async def test_someone_taking_part_may_be_nudged(world: World) -> None:
    await world.taking_part(AISHA, "Aisha")
    assert await world.policy.reason_to_hold(AISHA, MONDAY_9AM) is None


async def test_someone_unknown_or_erased_is_not_nudged(world: World) -> None:
    assert await world.policy.reason_to_hold(BEN, MONDAY_9AM) == (
        "not taking part (never signed up, or asked for their data to be deleted)"
    )


async def test_someone_paused_is_not_nudged_through_the_last_day_of_the_pause(world: World) -> None:
    await world.taking_part(AISHA, "Aisha")
    await world.participants.set_pause(AISHA, TODAY + timedelta(days=7), MONDAY_9AM)
    assert await world.policy.reason_to_hold(AISHA, MONDAY_9AM) == "paused until 10 Mar 2025"
    last_day = datetime(2025, 3, 10, 23, 59, tzinfo=UTC)
    assert await world.policy.reason_to_hold(AISHA, last_day) == "paused until 10 Mar 2025"
    assert await world.policy.reason_to_hold(AISHA, last_day + timedelta(minutes=1)) is None


async def test_the_pause_ends_by_londons_calendar(world: World) -> None:
    await world.taking_part(AISHA, "Aisha")
    await world.participants.set_pause(AISHA, datetime(2025, 6, 10).date(), MONDAY_9AM)
    # 23:30 UTC on 10 June is already 00:30 on 11 June in London (BST): the pause is over.
    assert await world.policy.reason_to_hold(AISHA, datetime(2025, 6, 10, 22, 59, tzinfo=UTC)) is not None
    assert await world.policy.reason_to_hold(AISHA, datetime(2025, 6, 10, 23, 30, tzinfo=UTC)) is None


@pytest.mark.parametrize("state", [ApplicationState.WITHDRAWN, ApplicationState.DECLINED])
async def test_someone_whose_applications_are_all_settled_is_not_nudged(world: World, state: ApplicationState) -> None:
    application = await world.taking_part(CHIOMA, "Chioma")
    await world.applications.move(application.id, state, application.version, MONDAY_9AM)
    assert await world.policy.reason_to_hold(CHIOMA, MONDAY_9AM) == "no longer taking part"


# The sweeper applying it -------------------------------------------------------------------------------------------


async def test_a_nudge_to_a_paused_person_is_cancelled_with_the_reason_and_not_sent(world: World) -> None:
    await world.taking_part(AISHA, "Aisha")
    await world.participants.set_pause(AISHA, TODAY + timedelta(days=7), MONDAY_9AM)
    await world.schedule("reminder:1", AISHA, nudge=True)

    report = await world.sweeper.sweep()

    assert (report.claimed, report.held, report.done) == (1, 1, 0)
    item = world.item("reminder:1")
    assert item.state is WorkState.CANCELLED
    assert item.last_error == "not sent: paused until 10 Mar 2025"
    assert world.notifier.sent == []
    # Cancelled for good: a reminder for a week someone was away is no use afterwards.
    world.clock.advance(timedelta(days=8))
    assert (await world.sweeper.sweep_until_idle()).claimed == 0
    assert world.notifier.sent == []


async def test_messages_that_are_not_nudges_reach_a_paused_person(world: World) -> None:
    await world.taking_part(AISHA, "Aisha")
    await world.participants.set_pause(AISHA, TODAY + timedelta(days=7), MONDAY_9AM)
    await world.schedule("decision:1", AISHA, nudge=False)
    report = await world.sweeper.sweep()
    assert (report.done, report.held) == (1, 0)
    assert world.item("decision:1").state is WorkState.DONE
    assert world.notifier.texts_for(AISHA) == [REMINDER.text]


async def test_a_nudge_due_after_the_pause_is_sent(world: World) -> None:
    await world.taking_part(AISHA, "Aisha")
    await world.participants.set_pause(AISHA, TODAY + timedelta(days=7), MONDAY_9AM)
    # Scheduled during the pause, due the Tuesday after it: the check happens when it is about to go.
    tuesday_after = datetime(2025, 3, 11, 9, 0, tzinfo=UTC)
    await world.schedule("reminder:after", AISHA, nudge=True, due_at=tuesday_after)
    assert (await world.sweeper.sweep()).claimed == 0
    world.clock.set(tuesday_after)
    report = await world.sweeper.sweep()
    assert (report.done, report.held) == (1, 0)
    assert world.notifier.texts_for(AISHA) == [REMINDER.text]


async def test_a_nudge_is_sent_again_once_the_person_resumes(world: World) -> None:
    await world.taking_part(AISHA, "Aisha")
    await world.participants.set_pause(AISHA, TODAY + timedelta(days=7), MONDAY_9AM)
    await world.schedule("reminder:paused", AISHA, nudge=True)
    await world.sweeper.sweep()
    await world.participants.set_pause(AISHA, None, world.clock.now())
    await world.schedule("reminder:resumed", AISHA, nudge=True)
    await world.sweeper.sweep()
    assert world.item("reminder:paused").state is WorkState.CANCELLED
    assert world.item("reminder:resumed").state is WorkState.DONE
    assert len(world.notifier.texts_for(AISHA)) == 1


async def test_nudges_to_people_who_left_are_held_and_others_still_go(world: World) -> None:
    left = await world.taking_part(CHIOMA, "Chioma")
    await world.applications.move(left.id, ApplicationState.WITHDRAWN, left.version, MONDAY_9AM)
    await world.taking_part(AISHA, "Aisha")
    await world.schedule("reminder:chioma", CHIOMA, nudge=True)
    await world.schedule("reminder:aisha", AISHA, nudge=True)
    await world.schedule("reminder:stranger", BEN, nudge=True)

    report = await world.sweeper.sweep_until_idle()

    assert (report.held, report.done) == (2, 1)
    assert world.item("reminder:chioma").last_error == "not sent: no longer taking part"
    assert world.item("reminder:stranger").last_error == (
        "not sent: not taking part (never signed up, or asked for their data to be deleted)"
    )
    assert world.item("reminder:aisha").state is WorkState.DONE
    assert [r.person for r, _ in world.notifier.sent if isinstance(r, PersonRecipient)] == [AISHA]


async def test_outside_working_hours_a_nudge_waits_and_is_judged_when_it_would_go() -> None:
    world = World()
    await world.taking_part(AISHA, "Aisha")
    await world.participants.set_pause(AISHA, TODAY, MONDAY_9AM)  # paused through Monday only
    monday_evening = datetime(2025, 3, 3, 19, 0, tzinfo=UTC)
    world.clock.set(monday_evening)
    await world.schedule("reminder:evening", AISHA, nudge=True)
    report = await world.sweeper.sweep()
    assert (report.deferred, report.held) == (1, 0)
    world.clock.set(datetime(2025, 3, 4, 9, 0, tzinfo=UTC))  # Tuesday morning: the pause is over
    assert (await world.sweeper.sweep()).done == 1
    assert world.notifier.texts_for(AISHA) == [REMINDER.text]


async def test_without_a_nudge_check_every_message_goes() -> None:
    world = World(check_nudges=False)
    await world.schedule("reminder:anyone", BEN, nudge=True)
    assert (await world.sweeper.sweep()).done == 1
    assert world.notifier.texts_for(BEN) == [REMINDER.text]


# Forgotten on delivery --------------------------------------------------------------------------------------------


async def test_a_message_marked_to_be_forgotten_keeps_only_its_summary_once_delivered(world: World) -> None:
    await world.schedule("erased:notice", AISHA, nudge=False, forget_on_delivery=True)
    await world.schedule("ordinary", AISHA, nudge=False)
    assert world.item("erased:notice").payload["text"] == REMINDER.text

    assert (await world.sweeper.sweep_until_idle()).done == 2

    # The whole message went out...
    assert world.notifier.texts_for(AISHA) == [REMINDER.text, REMINDER.text]
    # ...and then only the fact of it stays.
    forgotten = world.item("erased:notice")
    assert forgotten.state is WorkState.DONE
    assert forgotten.payload == {"summary": "meeting reminder", "redacted": True}
    assert world.item("ordinary").payload["text"] == REMINDER.text
