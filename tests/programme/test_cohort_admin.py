"""What coordinators do with cohorts: create, open and close sign-ups, review and decide on applications."""

from __future__ import annotations

from datetime import timedelta

import pytest

from programme.applications import Application, ApplicationState
from programme.cohort_admin import DECIDING, CohortAdmin
from programme.cohorts import Cohort, CohortState
from programme.deliveries import MESSAGE
from programme.errors import Conflict, InvalidFields, InvalidInput, NotFound
from programme.identity import PersonId
from programme.profiles import Role
from tests.programme.builders import (
    AISHA,
    BEN,
    CHIOMA,
    COORDINATOR,
    DEV,
    ELLA,
    LONDON,
    TENANT,
    TODAY,
    cohort_in_state,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    scheduled_messages,
    stored_application,
)
from tests.support.fakes import DEFAULT_NOW, FakeClock, InMemoryWorkQueue
from tests.support.programme_fakes import InMemoryApplicationStore, InMemoryCohortStore


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.cohorts = InMemoryCohortStore()
        self.applications = InMemoryApplicationStore()
        self.work = InMemoryWorkQueue()
        self.admin = CohortAdmin(self.cohorts, self.applications, self.work, self.clock, LONDON)

    async def cohort(self, state: CohortState = CohortState.RECRUITING, name: str = "Spring cohort") -> Cohort:
        return await cohort_in_state(
            self.cohorts, cohort_plan(TODAY, name=name), state, created_by=COORDINATOR, at=DEFAULT_NOW
        )

    async def applicant(self, cohort: Cohort, who: PersonId, name: str, role: Role = Role.MENTOR) -> Application:
        profile = mentor_profile() if role is Role.MENTOR else mentee_profile()
        self.clock.advance(timedelta(minutes=1))
        return await stored_application(
            self.applications, cohort, who, at=self.clock.now(), profile=profile, display_name=name
        )

    async def state_of(self, application: Application) -> ApplicationState:
        current = await self.applications.get(application.id)
        assert current is not None
        return current.state


@pytest.fixture
def world() -> World:
    return World()


# Creating --------------------------------------------------------------------------------------------------------


async def test_a_new_cohort_is_a_draft_with_its_plan_checked(world: World) -> None:
    world.clock.advance(timedelta(minutes=3))
    cohort = await world.admin.create(COORDINATOR, cohort_plan(TODAY, name="  Autumn   board cohort "))
    assert cohort.id == 1
    assert cohort.state is CohortState.DRAFT
    assert cohort.plan == cohort_plan(TODAY, name="Autumn board cohort")
    assert (cohort.created_by, cohort.created_at) == (COORDINATOR, DEFAULT_NOW + timedelta(minutes=3))
    assert await world.cohorts.get(1) == cohort
    # Creating tells nobody anything: the gate audits, this use case only stores.
    assert world.work.items == {}


async def test_an_invalid_plan_creates_nothing(world: World) -> None:
    with pytest.raises(InvalidFields) as caught:
        await world.admin.create(COORDINATOR, cohort_plan(TODAY, sessions=20, mentor_capacity=3))
    assert set(caught.value.problems) == {"sessions", "mentor_capacity"}
    assert await world.cohorts.listing() == []


async def test_the_plan_is_checked_against_londons_today(world: World) -> None:
    # 00:30 on 4 July in London (BST) while UTC is still on the 3rd: a deadline of the 3rd has passed.
    summer_night = DEFAULT_NOW.replace(month=7, day=3, hour=23, minute=30)
    world.clock.set(summer_night)
    local_today = summer_night.astimezone(LONDON).date()
    assert local_today == summer_night.date() + timedelta(days=1)
    with pytest.raises(InvalidFields) as caught:
        await world.admin.create(COORDINATOR, cohort_plan(local_today, signup_closes=summer_night.date()))
    assert set(caught.value.problems) == {"signup_closes"}


# Opening and closing sign-ups -------------------------------------------------------------------------------------


async def test_opening_a_draft_for_sign_ups(world: World) -> None:
    draft = await world.cohort(CohortState.DRAFT)
    world.clock.advance(timedelta(hours=1))
    opened = await world.admin.open_signups(draft.id)
    assert opened.state is CohortState.RECRUITING
    assert opened.updated_at == DEFAULT_NOW + timedelta(hours=1)
    assert await world.cohorts.get(draft.id) == opened


async def test_opening_twice_is_refused(world: World) -> None:
    cohort = await world.cohort(CohortState.RECRUITING)
    with pytest.raises(Conflict) as caught:
        await world.admin.open_signups(cohort.id)
    assert caught.value.user_message == "Cohort 1: Spring cohort is already open for sign-ups; nothing changed."


async def test_a_running_cohort_cannot_be_reopened(world: World) -> None:
    cohort = await world.cohort(CohortState.RUNNING)
    with pytest.raises(Conflict, match="The next step for it is to start closing it"):
        await world.admin.open_signups(cohort.id)
    assert (await world.admin.cohort(cohort.id)).state is CohortState.RUNNING


async def test_a_cohort_being_matched_may_be_reopened_when_too_few_signed_up(world: World) -> None:
    cohort = await world.cohort(CohortState.MATCHING)
    assert (await world.admin.open_signups(cohort.id)).state is CohortState.RECRUITING


async def test_a_draft_whose_deadline_passed_is_not_opened(world: World) -> None:
    draft = await world.cohort(CohortState.DRAFT)
    assert draft.plan.signup_closes == TODAY + timedelta(days=14)
    world.clock.advance(timedelta(days=15))
    with pytest.raises(Conflict) as caught:
        await world.admin.open_signups(draft.id)
    assert caught.value.user_message == (
        "The sign-up deadline of Cohort 1: Spring cohort (17 March 2025) has passed, so I haven't opened it. "
        "Please create a new cohort with the dates you need."
    )
    assert (await world.admin.cohort(draft.id)).state is CohortState.DRAFT


async def test_a_draft_may_still_be_opened_on_its_deadline_day(world: World) -> None:
    draft = await world.cohort(CohortState.DRAFT)
    world.clock.advance(timedelta(days=14))
    assert (await world.admin.open_signups(draft.id)).state is CohortState.RECRUITING


async def test_closing_sign_ups_moves_to_matching(world: World) -> None:
    cohort = await world.cohort(CohortState.RECRUITING)
    closed = await world.admin.close_signups(cohort.id)
    assert closed.state is CohortState.MATCHING


async def test_a_draft_cannot_have_its_sign_ups_closed(world: World) -> None:
    draft = await world.cohort(CohortState.DRAFT)
    with pytest.raises(Conflict) as caught:
        await world.admin.close_signups(draft.id)
    assert caught.value.user_message == (
        "Cohort 1: Spring cohort is a draft, so it can't become closed to sign-ups and being matched from there. "
        "The next step for it is to open it for sign-ups."
    )


async def test_an_unknown_cohort_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as caught:
        await world.admin.open_signups(9)
    assert caught.value.user_message == "There is no cohort 9. Type 'cohorts' to see them all."
    with pytest.raises(NotFound):
        await world.admin.close_signups(9)


# Choosing a cohort ---------------------------------------------------------------------------------------------


async def test_a_named_cohort_is_chosen_whatever_its_state(world: World) -> None:
    draft = await world.cohort(CohortState.DRAFT)
    assert await world.admin.choose(draft.id, DECIDING, "review applications for") == draft
    with pytest.raises(NotFound):
        await world.admin.choose(5, DECIDING, "review applications for")


async def test_without_a_number_the_only_candidate_is_chosen(world: World) -> None:
    await world.cohort(CohortState.DRAFT)
    recruiting = await world.cohort(CohortState.RECRUITING)
    await world.cohort(CohortState.CLOSED)
    assert await world.admin.choose(None, DECIDING, "review applications for") == recruiting


async def test_without_a_number_and_no_candidate_there_is_nothing_to_do(world: World) -> None:
    await world.cohort(CohortState.DRAFT)
    with pytest.raises(Conflict) as caught:
        await world.admin.choose(None, DECIDING, "review applications for")
    assert caught.value.user_message == (
        "There is no cohort to review applications for just now. Type 'cohorts' to see them all."
    )


async def test_without_a_number_and_several_candidates_the_coordinator_is_asked(world: World) -> None:
    await world.cohort(CohortState.RECRUITING)
    await world.cohort(CohortState.DRAFT)
    await world.cohort(CohortState.MATCHING)
    with pytest.raises(InvalidInput) as caught:
        await world.admin.choose(None, DECIDING, "review applications for")
    assert caught.value.user_message == "Which cohort do you mean? Add its number (3, 1); type 'cohorts' to see them."


# Reviewing ---------------------------------------------------------------------------------------------------------


async def test_review_lists_first_decisions_before_the_waiting_list_each_in_the_order_applied(world: World) -> None:
    cohort = await world.cohort()
    aisha = await world.applicant(cohort, AISHA, "Aisha")
    ben = await world.applicant(cohort, BEN, "Ben")
    chioma = await world.applicant(cohort, CHIOMA, "Chioma")
    dev = await world.applicant(cohort, DEV, "Dev")
    ella = await world.applicant(cohort, ELLA, "Ella")
    await world.applications.move(ben.id, ApplicationState.WAITLISTED, ben.version, world.clock.now())
    await world.applications.move(aisha.id, ApplicationState.WAITLISTED, aisha.version, world.clock.now())
    await world.applications.move(ella.id, ApplicationState.DECLINED, ella.version, world.clock.now())

    page = await world.admin.review(cohort.id, page=1, per_page=10)
    assert page.cohort == cohort
    assert [a.display_name for a in page.applications] == ["Chioma", "Dev", "Aisha", "Ben"]
    assert (page.page, page.total_pages) == (1, 1)
    assert chioma.id < dev.id


async def test_review_pages_and_keeps_the_page_number_in_range(world: World) -> None:
    cohort = await world.cohort()
    for n, who in enumerate((AISHA, BEN, CHIOMA, DEV, ELLA), start=1):
        await world.applicant(cohort, who, f"Applicant {n}")

    first = await world.admin.review(None, page=1, per_page=2)
    assert ([a.display_name for a in first.applications], first.page, first.total_pages) == (
        ["Applicant 1", "Applicant 2"],
        1,
        3,
    )
    last = await world.admin.review(None, page=3, per_page=2)
    assert [a.display_name for a in last.applications] == ["Applicant 5"]
    beyond = await world.admin.review(None, page=99, per_page=2)
    assert (beyond.page, [a.display_name for a in beyond.applications]) == (3, ["Applicant 5"])
    before = await world.admin.review(None, page=0, per_page=2)
    assert (before.page, [a.display_name for a in before.applications]) == (1, ["Applicant 1", "Applicant 2"])


async def test_an_empty_review_is_one_empty_page(world: World) -> None:
    cohort = await world.cohort(CohortState.MATCHING)
    page = await world.admin.review(cohort.id, page=1, per_page=5)
    assert (list(page.applications), page.page, page.total_pages) == ([], 1, 1)


async def test_review_without_a_number_needs_a_cohort_being_decided(world: World) -> None:
    await world.cohort(CohortState.RUNNING)
    with pytest.raises(Conflict, match="no cohort to review applications for"):
        await world.admin.review(None, page=1, per_page=5)


# Deciding ----------------------------------------------------------------------------------------------------------


async def test_approving_tells_the_applicant_once(world: World) -> None:
    cohort = await world.cohort()
    application = await world.applicant(cohort, AISHA, "Aisha")
    world.clock.advance(timedelta(minutes=10))
    decided = await world.admin.decide(application.id, ApplicationState.APPROVED, application.version, "")
    assert decided.state is ApplicationState.APPROVED
    assert decided.version == 2
    assert await world.applications.get(application.id) == decided

    [message] = scheduled_messages(world.work)
    assert message.kind == MESSAGE
    assert (message.tenant, message.recipient) == (TENANT, AISHA)
    assert message.idempotency_key == f"application:{application.id}:decision:2"
    assert message.due_at == world.clock.now()
    assert message.payload == {
        "summary": "application approved",
        "text": (
            "Good news: your application to be a mentor in Cohort 1: Spring cohort has been approved. Thank you "
            "for taking part. Your coordinator will be in touch about training, and I'll introduce you to your "
            "partner once pairs are matched."
        ),
    }


async def test_putting_on_the_waiting_list_tells_the_applicant_once(world: World) -> None:
    cohort = await world.cohort()
    application = await world.applicant(cohort, BEN, "Ben", role=Role.MENTEE)
    await world.admin.decide(application.id, ApplicationState.WAITLISTED, 1, "Too many mentees this time")
    [message] = scheduled_messages(world.work)
    assert message.recipient == BEN
    assert message.payload["summary"] == "application waitlisted"
    text = message.payload["text"]
    assert text.startswith("Thank you for applying to be a mentee in Cohort 1: Spring cohort.")
    assert "you're on the waiting list" in text
    assert "You don't need to do anything." in text


async def test_declining_tells_the_applicant_once_and_kindly(world: World) -> None:
    cohort = await world.cohort()
    application = await world.applicant(cohort, CHIOMA, "Chioma")
    await world.admin.decide(application.id, ApplicationState.DECLINED, 1, "")
    [message] = scheduled_messages(world.work)
    assert message.recipient == CHIOMA
    assert message.payload["summary"] == "application declined"
    text = message.payload["text"]
    assert "your application hasn't been taken forward" in text
    assert "This isn't a judgement of you or of what you offer" in text
    # The reason is for the coordinators' records, never put in front of the applicant.
    assert "reason" not in message.payload


async def test_each_decision_is_its_own_message(world: World) -> None:
    cohort = await world.cohort(CohortState.MATCHING)
    application = await world.applicant(cohort, AISHA, "Aisha")
    waitlisted = await world.admin.decide(application.id, ApplicationState.WAITLISTED, 1, "")
    approved = await world.admin.decide(application.id, ApplicationState.APPROVED, waitlisted.version, "")
    assert approved.version == 3
    messages = scheduled_messages(world.work)
    assert [m.idempotency_key for m in messages] == [
        f"application:{application.id}:decision:2",
        f"application:{application.id}:decision:3",
    ]
    assert [m.payload["summary"] for m in messages] == ["application waitlisted", "application approved"]


async def test_a_stale_card_changes_nothing_and_tells_nobody(world: World) -> None:
    cohort = await world.cohort()
    application = await world.applicant(cohort, AISHA, "Aisha")
    await world.admin.decide(application.id, ApplicationState.WAITLISTED, 1, "")
    with pytest.raises(Conflict) as caught:
        # A second coordinator clicks "decline" on the card they were shown before the first decision.
        await world.admin.decide(application.id, ApplicationState.DECLINED, 1, "")
    assert caught.value.user_message == (
        "Aisha's application changed since this card was shown (it is now on the waiting list), so I haven't "
        "changed it. Here is the latest list."
    )
    assert await world.state_of(application) is ApplicationState.WAITLISTED
    assert [m.payload["summary"] for m in scheduled_messages(world.work)] == ["application waitlisted"]


@pytest.mark.parametrize("state", [CohortState.RUNNING, CohortState.CLOSING, CohortState.CLOSED])
async def test_decisions_only_while_the_cohort_is_recruiting_or_matching(world: World, state: CohortState) -> None:
    cohort = await world.cohort(state)
    application = await world.applicant(cohort, AISHA, "Aisha")
    with pytest.raises(Conflict) as caught:
        await world.admin.decide(application.id, ApplicationState.APPROVED, 1, "")
    assert caught.value.user_message == (
        f"Cohort 1: Spring cohort is {state.label}, so its applications can't be decided now."
    )
    assert await world.state_of(application) is ApplicationState.SUBMITTED
    assert world.work.items == {}


async def test_an_unknown_application_is_not_found(world: World) -> None:
    await world.cohort()
    with pytest.raises(NotFound, match="can't find that application"):
        await world.admin.decide(42, ApplicationState.APPROVED, 1, "")
    assert world.work.items == {}


async def test_the_reason_is_at_most_200_characters(world: World) -> None:
    cohort = await world.cohort()
    application = await world.applicant(cohort, AISHA, "Aisha")
    with pytest.raises(InvalidInput) as caught:
        await world.admin.decide(application.id, ApplicationState.DECLINED, 1, "r" * 201)
    assert caught.value.user_message == "Please keep the reason to 200 characters."
    assert await world.state_of(application) is ApplicationState.SUBMITTED
    assert world.work.items == {}
    decided = await world.admin.decide(application.id, ApplicationState.DECLINED, 1, "r" * 200)
    assert decided.state is ApplicationState.DECLINED


@pytest.mark.parametrize("not_a_decision", [ApplicationState.WITHDRAWN, ApplicationState.SUBMITTED])
async def test_only_approve_waitlist_and_decline_are_decisions(world: World, not_a_decision: ApplicationState) -> None:
    cohort = await world.cohort()
    application = await world.applicant(cohort, AISHA, "Aisha")
    with pytest.raises(InvalidInput, match="approve, to put on the waiting list, or to decline"):
        await world.admin.decide(application.id, not_a_decision, 1, "")
    assert await world.state_of(application) is ApplicationState.SUBMITTED
    assert world.work.items == {}


async def test_a_declined_application_cannot_then_be_approved(world: World) -> None:
    cohort = await world.cohort()
    application = await world.applicant(cohort, AISHA, "Aisha")
    declined = await world.admin.decide(application.id, ApplicationState.DECLINED, 1, "")
    with pytest.raises(Conflict) as caught:
        await world.admin.decide(application.id, ApplicationState.APPROVED, declined.version, "")
    assert caught.value.user_message == "That application is not taken forward, so it can't be approved now."
    assert await world.state_of(application) is ApplicationState.DECLINED
    assert [m.payload["summary"] for m in scheduled_messages(world.work)] == ["application declined"]


# At a glance -------------------------------------------------------------------------------------------------------


async def test_the_current_cohort_is_the_newest_not_closed_with_its_counts(world: World) -> None:
    assert await world.admin.current() is None
    older = await world.cohort(CohortState.RUNNING, name="Older")
    newest = await world.cohort(CohortState.RECRUITING, name="Newest")
    await world.cohort(CohortState.CLOSED, name="Closed")
    await world.applicant(newest, AISHA, "Aisha")
    await world.applicant(newest, BEN, "Ben", role=Role.MENTEE)
    await world.applicant(older, CHIOMA, "Chioma")
    current = await world.admin.current()
    assert current is not None
    assert current.cohort == newest
    assert current.count() == 2
    assert current.count(Role.MENTEE, ApplicationState.SUBMITTED) == 1
    overviews = await world.admin.overviews()
    assert [(o.cohort.plan.name, o.count()) for o in overviews] == [("Closed", 0), ("Newest", 2), ("Older", 1)]
