"""A participant's own choices: pausing, resuming, withdrawing (no-fault), and leaving with their data erased."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from programme.applications import Application, ApplicationState
from programme.cohorts import Cohort, CohortState
from programme.coordinators import Coordinators, RosterEntry
from programme.deliveries import MESSAGE, message_handler
from programme.errors import Conflict, InvalidInput, NotAuthorised
from programme.identity import PersonId
from programme.notifier import OutboundMessage, PersonRecipient, Recipient
from programme.nudge_policy import NudgePolicy
from programme.participation import Participation
from programme.personal_data import PersonalData
from programme.profiles import Role
from programme.signup import Agreement, SignUp
from programme.sweeper import Sweeper
from programme.work import FORGET_ON_DELIVERY, WorkState
from programme.working_hours import WorkingHours
from tests.programme.builders import (
    AISHA,
    BEN,
    CHIOMA,
    COORDINATOR,
    LONDON,
    SECOND_COORDINATOR,
    TENANT,
    TODAY,
    cohort_in_state,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    scheduled_messages,
)
from tests.support.fakes import (
    DEFAULT_NOW,
    FakeClock,
    InMemoryContactBook,
    InMemoryCoordinatorRoster,
    InMemoryWorkQueue,
)
from tests.support.programme_fakes import (
    ErasedApplication,
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryParticipantStore,
)


class World:
    def __init__(self, applications: InMemoryApplicationStore | None = None) -> None:
        self.clock = FakeClock()
        self.cohorts = InMemoryCohortStore()
        self.applications = applications or InMemoryApplicationStore()
        self.participants = InMemoryParticipantStore()
        self.work = InMemoryWorkQueue()
        # One coordinator from the service configuration, one added in chat.
        self.roster = InMemoryCoordinatorRoster(
            [RosterEntry(person=SECOND_COORDINATOR, added_by=COORDINATOR, added_at=DEFAULT_NOW)]
        )
        self.coordinators = Coordinators(self.roster, frozenset({COORDINATOR}), self.clock)
        self.forgotten: list[PersonId] = []
        self.personal_data = PersonalData(
            [self.applications, self.participants], self.clock, after_erase=[self.forgotten.append]
        )
        self.withdrawn_heard: list[Application] = []

        async def listener(application: Application) -> None:
            self.withdrawn_heard.append(application)

        self.resumed_heard: list[PersonId] = []

        async def resumed(person: PersonId) -> None:
            self.resumed_heard.append(person)

        self.participation = Participation(
            cohorts=self.cohorts,
            applications=self.applications,
            participants=self.participants,
            coordinators=self.coordinators,
            personal_data=self.personal_data,
            work=self.work,
            clock=self.clock,
            zone=LONDON,
            withdrawal_listeners=[listener],
            resume_listeners=[resumed],
        )
        self.signup = SignUp(self.cohorts, self.applications, self.participants, _NoDirectory(), self.clock, LONDON)

    async def cohort(self, name: str = "Spring cohort") -> Cohort:
        return await cohort_in_state(
            self.cohorts, cohort_plan(TODAY, name=name), CohortState.RECRUITING, created_by=COORDINATOR, at=DEFAULT_NOW
        )

    async def join(self, who: PersonId, name: str, cohort: Cohort, role: Role = Role.MENTOR) -> Application:
        return await self.signup.apply(
            tenant=TENANT,
            person=who,
            display_name=name,
            cohort_id=cohort.id,
            profile=mentor_profile() if role is Role.MENTOR else mentee_profile(),
            agreement=Agreement(consent_to_processing=True, ground_rules=True),
        )

    async def decide(self, application: Application, state: ApplicationState) -> Application:
        current = await self.applications.get(application.id)
        assert current is not None
        moved = await self.applications.move(current.id, state, current.version, self.clock.now())
        assert moved is not None
        return moved

    async def state_of(self, application: Application) -> ApplicationState:
        current = await self.applications.get(application.id)
        assert current is not None
        return current.state


class _NoDirectory:
    async def manager_email(self, person: PersonId) -> str | None:
        return None


@pytest.fixture
def world() -> World:
    return World()


# Pausing -----------------------------------------------------------------------------------------------------------


async def test_a_participant_can_pause_until_a_date(world: World) -> None:
    await world.join(AISHA, "Aisha", await world.cohort())
    until = TODAY + timedelta(days=20)
    assert await world.participation.pause(AISHA, until) == until
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert participant.paused_until == until


async def test_a_pause_may_end_today_or_as_late_as_six_months_away(world: World) -> None:
    await world.join(AISHA, "Aisha", await world.cohort())
    assert await world.participation.pause(AISHA, TODAY) == TODAY
    furthest = TODAY + timedelta(days=183)
    assert await world.participation.pause(AISHA, furthest) == furthest


async def test_a_pause_ending_in_the_past_is_refused(world: World) -> None:
    await world.join(AISHA, "Aisha", await world.cohort())
    with pytest.raises(InvalidInput) as caught:
        await world.participation.pause(AISHA, TODAY - timedelta(days=1))
    assert caught.value.user_message == "02 March 2025 has already passed; please give a date from today onwards."
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert participant.paused_until is None


async def test_a_pause_longer_than_six_months_is_refused(world: World) -> None:
    await world.join(AISHA, "Aisha", await world.cohort())
    with pytest.raises(InvalidInput, match="A pause can last up to six months"):
        await world.participation.pause(AISHA, TODAY + timedelta(days=184))
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert participant.paused_until is None


async def test_someone_not_taking_part_has_nothing_to_pause(world: World) -> None:
    with pytest.raises(Conflict) as caught:
        await world.participation.pause(BEN, TODAY + timedelta(days=3))
    assert caught.value.user_message == (
        "You're not taking part in a cohort at the moment, so there's nothing to change."
    )
    declined = await world.join(BEN, "Ben", await world.cohort())
    await world.decide(declined, ApplicationState.DECLINED)
    with pytest.raises(Conflict, match="not taking part"):
        await world.participation.pause(BEN, TODAY + timedelta(days=3))
    participant = await world.participants.get(BEN)
    assert participant is not None
    assert participant.paused_until is None


async def test_resuming_ends_a_pause_once(world: World) -> None:
    await world.join(AISHA, "Aisha", await world.cohort())
    await world.participation.pause(AISHA, TODAY + timedelta(days=10))
    assert await world.participation.resume(AISHA) is True
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert participant.paused_until is None
    assert await world.participation.resume(AISHA) is False
    # What the pause held back (an open survey) is told once, for the pause that really ended.
    assert world.resumed_heard == [AISHA]


async def test_resuming_without_a_pause_or_after_it_ended_changes_nothing(world: World) -> None:
    assert await world.participation.resume(CHIOMA) is False
    await world.join(AISHA, "Aisha", await world.cohort())
    until = TODAY + timedelta(days=2)
    await world.participation.pause(AISHA, until)
    world.clock.advance(timedelta(days=3))  # the pause ran through the 5th; it is the 6th
    assert await world.participation.resume(AISHA) is False
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert participant.paused_until == until


# Withdrawing -------------------------------------------------------------------------------------------------------


async def test_withdrawing_withdraws_and_tells_each_coordinator_once(world: World) -> None:
    cohort = await world.cohort()
    application = await world.join(AISHA, "Aisha Khan", cohort)
    world.clock.advance(timedelta(hours=1))
    withdrawal = await world.participation.withdraw(AISHA, AISHA)

    [withdrawn] = withdrawal.applications
    assert withdrawn.id == application.id
    assert withdrawn.state is ApplicationState.WITHDRAWN
    assert withdrawn.version == application.version + 1
    assert list(withdrawal.cohort_titles) == ["Cohort 1: Spring cohort"]
    assert await world.state_of(application) is ApplicationState.WITHDRAWN

    messages = scheduled_messages(world.work)
    assert sorted(m.recipient for m in messages if m.recipient) == [COORDINATOR, SECOND_COORDINATOR]
    for message in messages:
        assert message.tenant == TENANT
        assert message.idempotency_key == f"application:{application.id}:withdrawn:coordinator:{message.recipient}"
        assert message.due_at == world.clock.now()
        assert message.payload["summary"] == "participant withdrew"
        assert message.payload["text"] == (
            "Aisha Khan (mentor) has withdrawn from Cohort 1: Spring cohort. Withdrawing is no-fault and they "
            "weren't asked for a reason. If they were matched, their partner has been told kindly and may need your "
            "support and a new match."
        )
        assert FORGET_ON_DELIVERY not in message.payload
    assert world.withdrawn_heard == [withdrawn]


async def test_withdrawing_covers_every_live_application_and_leaves_settled_ones(world: World) -> None:
    first = await world.cohort("First cohort")
    second = await world.cohort("Second cohort")
    third = await world.cohort("Third cohort")
    declined = await world.join(BEN, "Ben", first, role=Role.MENTEE)
    await world.decide(declined, ApplicationState.DECLINED)
    approved = await world.decide(await world.join(BEN, "Ben", second, role=Role.MENTEE), ApplicationState.APPROVED)
    waiting = await world.join(BEN, "Ben", third, role=Role.MENTEE)

    withdrawal = await world.participation.withdraw(BEN, BEN)
    assert sorted(a.id for a in withdrawal.applications) == sorted([approved.id, waiting.id])
    assert all(a.state is ApplicationState.WITHDRAWN for a in withdrawal.applications)
    assert sorted(withdrawal.cohort_titles) == ["Cohort 2: Second cohort", "Cohort 3: Third cohort"]
    assert await world.state_of(declined) is ApplicationState.DECLINED
    # Two coordinators, two withdrawn applications: four messages, each coordinator hearing about each once.
    keys = sorted(m.idempotency_key for m in scheduled_messages(world.work))
    assert keys == sorted(
        f"application:{a}:withdrawn:coordinator:{c}"
        for a in (approved.id, waiting.id)
        for c in (COORDINATOR, SECOND_COORDINATOR)
    )
    assert all("(mentee)" in m.payload["text"] for m in scheduled_messages(world.work))
    assert sorted(a.id for a in world.withdrawn_heard) == sorted([approved.id, waiting.id])


async def test_a_confirmation_made_for_someone_else_changes_nothing(world: World) -> None:
    application = await world.join(AISHA, "Aisha", await world.cohort())
    with pytest.raises(NotAuthorised) as caught:
        await world.participation.withdraw(BEN, AISHA)
    assert caught.value.user_message == "That confirmation was made for someone else, so I haven't changed anything."
    with pytest.raises(NotAuthorised):
        await world.participation.withdraw(AISHA, BEN)
    assert await world.state_of(application) is ApplicationState.SUBMITTED
    assert world.work.items == {}
    assert world.withdrawn_heard == []


async def test_someone_not_taking_part_has_nothing_to_withdraw(world: World) -> None:
    with pytest.raises(Conflict, match="not taking part in a cohort"):
        await world.participation.withdraw(CHIOMA, CHIOMA)
    application = await world.join(CHIOMA, "Chioma", await world.cohort())
    await world.participation.withdraw(CHIOMA, CHIOMA)
    with pytest.raises(Conflict, match="not taking part in a cohort"):
        await world.participation.withdraw(CHIOMA, CHIOMA)
    assert await world.state_of(application) is ApplicationState.WITHDRAWN
    assert len(scheduled_messages(world.work)) == 2


class DecidedAtTheSameMoment(InMemoryApplicationStore):
    """A coordinator approves an application just before the person's withdrawal of it is written."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    async def move(
        self, application_id: int, target: ApplicationState, expected_version: int, at: datetime
    ) -> Application | None:
        if target is ApplicationState.WITHDRAWN and not self.raced:
            self.raced = True
            current = await self.get(application_id)
            assert current is not None
            await super().move(application_id, ApplicationState.APPROVED, current.version, at)
        return await super().move(application_id, target, expected_version, at)


async def test_a_withdrawal_racing_a_decision_still_stands() -> None:
    world = World(applications=DecidedAtTheSameMoment())
    application = await world.join(AISHA, "Aisha", await world.cohort())
    withdrawal = await world.participation.withdraw(AISHA, AISHA)
    [withdrawn] = withdrawal.applications
    assert withdrawn.state is ApplicationState.WITHDRAWN
    assert withdrawn.version == application.version + 2  # approved, then withdrawn
    assert await world.state_of(application) is ApplicationState.WITHDRAWN
    assert len(scheduled_messages(world.work)) == 2


# Leaving and being forgotten ---------------------------------------------------------------------------------------


async def test_erasing_removes_the_persons_data_and_tells_coordinators_only_until_delivered(world: World) -> None:
    cohort = await world.cohort()
    application = await world.join(AISHA, "Aisha Khan", cohort)
    other = await world.join(BEN, "Ben", cohort, role=Role.MENTEE)

    changed = await world.participation.erase(TENANT, AISHA, AISHA)

    assert changed == 2  # one application, one participant record
    assert await world.applications.for_person(AISHA) == []
    assert await world.applications.get(application.id) is None
    assert await world.participants.get(AISHA) is None
    assert world.applications.erased == [ErasedApplication(cohort_id=cohort.id, role=Role.MENTOR)]
    # Everyone else is untouched.
    assert await world.applications.get(other.id) == other
    assert await world.participants.get(BEN) is not None

    messages = scheduled_messages(world.work)
    assert sorted(m.recipient for m in messages if m.recipient) == [COORDINATOR, SECOND_COORDINATOR]
    for message in messages:
        assert message.idempotency_key == f"application:{application.id}:erased:coordinator:{message.recipient}"
        assert message.payload[FORGET_ON_DELIVERY] is True
        assert message.payload["summary"] == "participant left and erased their data"
        assert message.payload["text"].startswith(
            "Aisha Khan (mentor) has left Cohort 1: Spring cohort and asked for their data to be deleted"
        )
    assert world.forgotten == [AISHA]
    assert [a.id for a in world.withdrawn_heard] == [application.id]


async def test_erasing_someone_with_nothing_live_tells_nobody(world: World) -> None:
    declined = await world.join(CHIOMA, "Chioma", await world.cohort())
    await world.decide(declined, ApplicationState.DECLINED)
    assert await world.participation.erase(TENANT, CHIOMA, CHIOMA) == 2
    assert await world.applications.for_person(CHIOMA) == []
    assert world.work.items == {}
    assert world.withdrawn_heard == []
    assert world.forgotten == [CHIOMA]
    # Asking again is harmless.
    assert await world.participation.erase(TENANT, CHIOMA, CHIOMA) == 0
    assert world.forgotten == [CHIOMA, CHIOMA]


async def test_a_tampered_erase_confirmation_changes_nothing(world: World) -> None:
    application = await world.join(AISHA, "Aisha", await world.cohort())
    with pytest.raises(NotAuthorised, match="made for someone else"):
        await world.participation.erase(TENANT, BEN, AISHA)
    assert await world.applications.get(application.id) == application
    assert await world.participants.get(AISHA) is not None
    assert world.work.items == {}
    assert world.forgotten == []
    assert world.withdrawn_heard == []


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, OutboundMessage]] = []

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        self.sent.append((recipient, message))


async def test_the_erase_notice_reaches_each_coordinator_and_then_keeps_only_its_summary(world: World) -> None:
    notifier = RecordingNotifier()
    sweeper = Sweeper(
        queue=world.work,
        handlers={MESSAGE: message_handler(notifier)},
        contacts=InMemoryContactBook(),
        clock=world.clock,
        working_hours=WorkingHours(LONDON),
        owner="sweeper-erase",
        nudge_check=NudgePolicy(world.participants, world.applications, LONDON).reason_to_hold,
    )
    await world.join(AISHA, "Aisha Khan", await world.cohort())
    await world.participation.erase(TENANT, AISHA, AISHA)

    report = await sweeper.sweep_until_idle()

    # Not a nudge, so it goes although the person it is about no longer takes part.
    assert (report.done, report.held) == (2, 0)
    assert sorted(r.person for r, _ in notifier.sent if isinstance(r, PersonRecipient)) == [
        COORDINATOR,
        SECOND_COORDINATOR,
    ]
    assert all(m.text is not None and m.text.startswith("Aisha Khan (mentor) has left") for _, m in notifier.sent)
    for item in scheduled_messages(world.work):
        assert item.state is WorkState.DONE
        assert item.payload == {"summary": "participant left and erased their data", "redacted": True}
        assert "Aisha" not in repr(item.payload)
