"""Signing up: what is open, applying with both yeses, and changing answers until a decision is made."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from programme.applications import GROUND_RULES_VERSION, PRIVACY_NOTICE_VERSION, Application, ApplicationState
from programme.cohorts import Cohort, CohortState
from programme.errors import Conflict, InvalidFields, NotAuthorised, NotFound
from programme.identity import PersonId
from programme.profiles import Topic
from programme.signup import Agreement, SignUp
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
    mentee_profile,
    mentor_profile,
)
from tests.support.fakes import DEFAULT_NOW, FakeClock
from tests.support.programme_fakes import InMemoryApplicationStore, InMemoryCohortStore, InMemoryParticipantStore

BOTH = Agreement(consent_to_processing=True, ground_rules=True)


class KnownManagers:
    """A directory that knows some people's line managers."""

    def __init__(self, managers: dict[PersonId, str]) -> None:
        self.managers = managers

    async def manager_email(self, person: PersonId) -> str | None:
        return self.managers.get(person)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.cohorts = InMemoryCohortStore()
        self.applications = InMemoryApplicationStore()
        self.participants = InMemoryParticipantStore()
        self.directory = KnownManagers({AISHA: "ward.manager@nhs.net"})
        self.signup = SignUp(self.cohorts, self.applications, self.participants, self.directory, self.clock, LONDON)

    async def cohort(self, state: CohortState = CohortState.RECRUITING, name: str = "Spring cohort") -> Cohort:
        return await cohort_in_state(
            self.cohorts, cohort_plan(TODAY, name=name), state, created_by=COORDINATOR, at=DEFAULT_NOW
        )

    async def apply(
        self, who: PersonId, cohort: Cohort, name: str = "Aisha Khan", agreement: Agreement = BOTH
    ) -> Application:
        return await self.signup.apply(
            tenant=TENANT,
            person=who,
            display_name=name,
            cohort_id=cohort.id,
            profile=mentor_profile(),
            agreement=agreement,
        )

    async def decide(self, application: Application, state: ApplicationState) -> Application:
        moved = await self.applications.move(application.id, state, application.version, self.clock.now())
        assert moved is not None
        return moved


@pytest.fixture
def world() -> World:
    return World()


# What is open ------------------------------------------------------------------------------------------------------


async def test_with_nothing_open_people_are_told_kindly(world: World) -> None:
    with pytest.raises(Conflict) as caught:
        await world.signup.options(AISHA)
    assert caught.value.user_message.startswith("There isn't a cohort open for sign-ups just now.")


async def test_drafts_and_cohorts_past_their_deadline_are_not_open(world: World) -> None:
    await world.cohort(CohortState.DRAFT)
    await world.cohort(CohortState.MATCHING)
    await world.cohort(CohortState.RECRUITING)
    world.clock.set(DEFAULT_NOW + timedelta(days=15))  # a day after the recruiting one's deadline
    with pytest.raises(Conflict, match="There isn't a cohort open"):
        await world.signup.options(AISHA)


async def test_options_list_the_open_cohorts_newest_first_with_what_the_directory_knows(world: World) -> None:
    older = await world.cohort(name="Older cohort")
    await world.cohort(CohortState.DRAFT, name="Draft cohort")
    newer = await world.cohort(name="Newer cohort")
    options = await world.signup.options(AISHA)
    assert [c.id for c in options.cohorts] == [newer.id, older.id]
    assert options.manager_email == "ward.manager@nhs.net"
    assert (await world.signup.options(BEN)).manager_email is None


async def test_a_cohort_already_applied_to_is_left_out(world: World) -> None:
    first = await world.cohort(name="First cohort")
    second = await world.cohort(name="Second cohort")
    await world.apply(AISHA, first)
    assert [c.id for c in (await world.signup.options(AISHA)).cohorts] == [second.id]


async def test_having_applied_to_everything_open_names_the_applications_state(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    with pytest.raises(Conflict) as caught:
        await world.signup.options(AISHA)
    assert caught.value.user_message == (
        "You've already applied to Cohort 1: Spring cohort; your application is waiting for a decision. "
        "Type 'profile' to see or change your answers."
    )
    await world.decide(application, ApplicationState.APPROVED)
    with pytest.raises(Conflict, match="your application is approved"):
        await world.signup.options(AISHA)


async def test_someone_who_withdrew_is_pointed_to_their_coordinator(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    await world.decide(application, ApplicationState.WITHDRAWN)
    with pytest.raises(Conflict) as caught:
        await world.signup.options(AISHA)
    assert caught.value.user_message == (
        "You withdrew from Cohort 1: Spring cohort. If you'd like to take part after all, please contact your "
        "programme coordinator, who can help."
    )


# Applying ----------------------------------------------------------------------------------------------------------


async def test_applying_stores_a_tidy_consented_application_and_enrols_the_person(world: World) -> None:
    cohort = await world.cohort()
    world.clock.advance(timedelta(hours=2))
    now = world.clock.now()
    application = await world.signup.apply(
        tenant=TENANT,
        person=AISHA,
        display_name="  Aisha \t Khan ",
        cohort_id=cohort.id,
        profile=mentor_profile(job_title="  Staff   nurse ", line_manager_email="Ward.Manager@NHS.net"),
        agreement=BOTH,
    )
    assert application.state is ApplicationState.SUBMITTED
    assert application.version == 1
    assert (application.cohort_id, application.tenant, application.person) == (cohort.id, TENANT, AISHA)
    assert application.display_name == "Aisha Khan"
    assert application.profile == mentor_profile()
    assert application.consent.given_at == now
    assert (application.consent.privacy_notice, application.consent.ground_rules) == (
        PRIVACY_NOTICE_VERSION,
        GROUND_RULES_VERSION,
    )
    assert application.submitted_at == now
    assert await world.applications.for_person(AISHA) == [application]

    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert (participant.tenant, participant.display_name, participant.joined_at) == (TENANT, "Aisha Khan", now)
    assert participant.paused_until is None


@pytest.mark.parametrize(
    ("name", "kept"),
    [("", "Colleague"), ("   ", "Colleague"), ("n" * 150, "n" * 100)],
)
async def test_a_missing_or_overlong_display_name_is_made_usable(world: World, name: str, kept: str) -> None:
    cohort = await world.cohort()
    assert (await world.apply(AISHA, cohort, name=name)).display_name == kept


@pytest.mark.parametrize(
    ("agreement", "missing"),
    [
        (Agreement(consent_to_processing=False, ground_rules=False), {"consent", "ground_rules"}),
        (Agreement(consent_to_processing=False, ground_rules=True), {"consent"}),
        (Agreement(consent_to_processing=True, ground_rules=False), {"ground_rules"}),
    ],
)
async def test_both_yeses_are_needed_and_nothing_is_stored_without_them(
    world: World, agreement: Agreement, missing: set[str]
) -> None:
    cohort = await world.cohort()
    with pytest.raises(InvalidFields) as caught:
        await world.apply(AISHA, cohort, agreement=agreement)
    assert set(caught.value.problems) == missing
    assert await world.applications.for_person(AISHA) == []
    assert await world.participants.get(AISHA) is None


async def test_the_agreement_messages_say_what_to_confirm(world: World) -> None:
    cohort = await world.cohort()
    with pytest.raises(InvalidFields) as caught:
        await world.apply(AISHA, cohort, agreement=Agreement(False, False))
    assert caught.value.problems == {
        "consent": "Please confirm you agree to the programme using your answers as described.",
        "ground_rules": "Please confirm you agree to the ground rules.",
    }


async def test_invalid_answers_are_refused_and_nothing_is_stored(world: World) -> None:
    cohort = await world.cohort()
    with pytest.raises(InvalidFields) as caught:
        await world.signup.apply(
            tenant=TENANT,
            person=AISHA,
            display_name="Aisha",
            cohort_id=cohort.id,
            profile=mentor_profile(topics=(), site=""),
            agreement=BOTH,
        )
    assert set(caught.value.problems) == {"topics", "site"}
    assert await world.applications.for_person(AISHA) == []
    assert await world.participants.get(AISHA) is None


async def test_an_unknown_cohort_is_not_found(world: World) -> None:
    with pytest.raises(NotFound, match="can't find that cohort"):
        await world.signup.apply(
            tenant=TENANT,
            person=AISHA,
            display_name="Aisha",
            cohort_id=99,
            profile=mentor_profile(),
            agreement=BOTH,
        )


@pytest.mark.parametrize("state", [CohortState.DRAFT, CohortState.MATCHING, CohortState.RUNNING])
async def test_a_cohort_not_recruiting_stores_nothing(world: World, state: CohortState) -> None:
    cohort = await world.cohort(state)
    with pytest.raises(Conflict) as caught:
        await world.apply(AISHA, cohort)
    assert caught.value.user_message.startswith(
        "Sorry, Cohort 1: Spring cohort is no longer taking sign-ups, so I haven't saved an application."
    )
    assert await world.applications.for_cohort(cohort.id) == []
    assert await world.participants.get(AISHA) is None


async def test_the_deadline_day_ends_at_midnight_in_london_not_in_utc(world: World) -> None:
    summer = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    world.clock.set(summer)
    cohort = await cohort_in_state(
        world.cohorts,
        cohort_plan(summer.date(), name="Spring cohort"),
        CohortState.RECRUITING,
        created_by=COORDINATOR,
        at=summer,
    )
    assert cohort.plan.signup_closes == date(2025, 6, 16)
    # 22:59 UTC on the closing day is 23:59 in London (BST): still open.
    world.clock.set(datetime(2025, 6, 16, 22, 59, tzinfo=UTC))
    assert (await world.apply(AISHA, cohort)).state is ApplicationState.SUBMITTED
    # A minute later it is still the 16th in UTC but already the 17th in London: too late.
    world.clock.advance(timedelta(minutes=1))
    with pytest.raises(Conflict, match="no longer taking sign-ups"):
        await world.apply(BEN, cohort)
    assert [a.person for a in await world.applications.for_cohort(cohort.id)] == [AISHA]
    assert await world.participants.get(BEN) is None


async def test_applying_twice_is_refused_and_keeps_the_first(world: World) -> None:
    cohort = await world.cohort()
    first = await world.apply(AISHA, cohort)
    with pytest.raises(Conflict) as caught:
        await world.apply(AISHA, cohort, name="Someone Else")
    assert "already applied to Cohort 1: Spring cohort" in caught.value.user_message
    assert "waiting for a decision" in caught.value.user_message
    assert await world.applications.for_person(AISHA) == [first]
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert participant.display_name == "Aisha Khan"


async def test_a_second_cohort_refreshes_the_participants_name_and_keeps_when_they_joined(world: World) -> None:
    first = await world.cohort(name="First cohort")
    second = await world.cohort(name="Second cohort")
    await world.apply(AISHA, first, name="Aisha Khan")
    world.clock.advance(timedelta(days=1))
    await world.apply(AISHA, second, name="Dr Aisha Khan")
    participant = await world.participants.get(AISHA)
    assert participant is not None
    assert (participant.display_name, participant.joined_at) == ("Dr Aisha Khan", DEFAULT_NOW)


# Changing answers --------------------------------------------------------------------------------------------------


async def test_the_application_waiting_for_a_decision_is_editable(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    assert await world.signup.editable(AISHA) == (cohort, application)


async def test_a_decided_application_is_settled(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    await world.decide(application, ApplicationState.WAITLISTED)
    with pytest.raises(Conflict) as caught:
        await world.signup.editable(AISHA)
    assert caught.value.user_message == (
        "Your application is on the waiting list, so its answers are settled now. If something has changed, "
        "please tell your programme coordinator."
    )


async def test_without_a_live_application_there_is_nothing_to_edit(world: World) -> None:
    with pytest.raises(NotFound, match="don't have an application to edit"):
        await world.signup.editable(AISHA)
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    await world.decide(application, ApplicationState.DECLINED)
    with pytest.raises(NotFound, match="don't have an application to edit"):
        await world.signup.editable(AISHA)


async def test_updating_answers_stores_them_tidied_with_a_new_version(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    world.clock.advance(timedelta(minutes=5))
    updated = await world.signup.update_profile(
        AISHA, application.id, mentor_profile(site="  Riverside  ", topics=(Topic.ALLYSHIP,)), application.version
    )
    assert updated.version == application.version + 1
    assert updated.profile == mentor_profile(site="Riverside", topics=(Topic.ALLYSHIP,))
    assert updated.updated_at == world.clock.now()
    assert await world.applications.get(application.id) == updated


async def test_someone_elses_application_cannot_be_changed(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    message = "That form isn't for an application of yours, so I haven't changed anything."
    with pytest.raises(NotAuthorised) as caught:
        await world.signup.update_profile(BEN, application.id, mentee_profile(), application.version)
    assert caught.value.user_message == message
    # An id that does not exist gets the same answer, so ids cannot be probed.
    with pytest.raises(NotAuthorised) as missing:
        await world.signup.update_profile(BEN, 999, mentee_profile(), 1)
    assert missing.value.user_message == message
    assert await world.applications.get(application.id) == application


async def test_answers_cannot_change_after_a_decision(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    approved = await world.decide(application, ApplicationState.APPROVED)
    with pytest.raises(Conflict) as caught:
        await world.signup.update_profile(AISHA, application.id, mentor_profile(site="Elsewhere"), approved.version)
    assert caught.value.user_message.startswith("Your application is approved now, so I can't change its answers.")
    assert await world.applications.get(application.id) == approved


async def test_a_stale_form_changes_nothing(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    newer = await world.signup.update_profile(AISHA, application.id, mentor_profile(site="Riverside"), 1)
    with pytest.raises(Conflict, match="changed while you were editing"):
        await world.signup.update_profile(AISHA, application.id, mentor_profile(site="Old form"), 1)
    assert await world.applications.get(application.id) == newer


async def test_invalid_new_answers_change_nothing(world: World) -> None:
    cohort = await world.cohort()
    application = await world.apply(AISHA, cohort)
    with pytest.raises(InvalidFields) as caught:
        await world.signup.update_profile(AISHA, application.id, mentor_profile(availability=()), 1)
    assert set(caught.value.problems) == {"availability"}
    assert await world.applications.get(application.id) == application


async def test_editing_picks_the_waiting_application_among_several(world: World) -> None:
    first = await world.cohort(name="First cohort")
    second = await world.cohort(name="Second cohort")
    declined = await world.apply(AISHA, first)
    await world.decide(declined, ApplicationState.DECLINED)
    waiting = await world.apply(AISHA, second)
    cohort, application = await world.signup.editable(AISHA)
    assert (cohort.id, application.id) == (second.id, waiting.id)
    # And nobody else's.
    await world.apply(CHIOMA, first)
    assert (await world.signup.editable(CHIOMA))[1].person == CHIOMA
