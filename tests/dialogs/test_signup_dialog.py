"""The sign-up dialog end to end through botbuilder's TestAdapter, with the in-memory programme behind it."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from botbuilder.core.adapters import TestFlow
from botbuilder.schema.teams import TeamsChannelAccount

from cards import signup as verbs
from dialogs.signup import (
    ABANDONED_EDIT,
    ABANDONED_JOIN,
    ALREADY_ANSWERED,
    CANCELLED,
    COHORT_GONE,
    EARLIER_FORM,
    USE_THE_CARD,
)
from programme.applications import Application, ApplicationState
from programme.cohorts import CohortState
from programme.errors import InvalidFields
from programme.identity import PersonId, TenantId
from programme.profiles import MeetingPreference, Role, Topic
from programme.signup import SignUp
from tests.dialogs.support import (
    MENTOR_ABOUT,
    MENTOR_INTERESTS,
    MENTOR_PROFILE,
    PERSON,
    TENANT,
    ZONE,
    Chat,
    FakeTeamsMembers,
    Programme,
    card_text,
    inputs,
    only_card,
    plain,
    submits,
    texts,
)

AGREED = {"consent": "true", "ground_rules": "true"}
MENTEE_ABOUT = {
    "role": "mentee",
    "job_title": "Director of Nursing",
    "band": "board",
    "directorate": "Nursing",
    "site": "Trust HQ",
    "work_email": "director.of.nursing@nhs.net",
    "line_manager_email": "should-be-ignored@nhs.net",
}
MENTEE_INTERESTS = {
    "topics": "belonging,speaking-up,allyship",
    "experience_note": "",
    "availability": "fri-am",
    "meeting_preference": "in-person",
    "bio": "",
}


@pytest.fixture
async def programme() -> Programme:
    programme = Programme()
    await programme.open_cohort()
    return programme


@pytest.fixture
def chat(programme: Programme) -> Chat:
    return Chat(programme)


async def stored(programme: Programme, person: str = PERSON) -> list[Application]:
    return list(await programme.applications.for_person(PersonId(person)))


async def assert_nothing_stored(programme: Programme) -> None:
    assert await stored(programme) == []
    assert await programme.participants.get(PersonId(PERSON)) is None


async def join_up_to_review(chat: Chat) -> dict[str, Any]:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    return only_card(await chat.click(verbs.INTERESTS, MENTOR_INTERESTS))


def heading_of(card: dict[str, Any]) -> str:
    text: str = card["body"][0]["text"]
    return text


# Joining --------------------------------------------------------------------------------------------------------


async def test_a_mentor_joins_and_exactly_their_answers_are_stored(programme: Programme, chat: Chat) -> None:
    consent = only_card(await chat.begin())
    assert heading_of(consent) == "Before you sign up"
    about = only_card(await chat.click(verbs.CONSENT, AGREED))
    assert heading_of(about) == "About you"
    interests = only_card(await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT))
    assert "share your experience" in card_text(interests)
    review = only_card(await chat.click(verbs.INTERESTS, MENTOR_INTERESTS))
    assert heading_of(review) == "Check your answers"
    assert "Staff Nurse" in card_text(review)
    assert await stored(programme) == []  # nothing is saved before the person submits

    received = only_card(await chat.click(verbs.CONFIRM))

    assert heading_of(received) == "Thank you, your application is in"
    [application] = await stored(programme)
    assert application.cohort_id == 1
    assert application.tenant == TenantId(TENANT)
    assert application.display_name == "Ada Lovelace"
    assert application.state is ApplicationState.SUBMITTED
    assert application.consent.given_at == programme.clock.now()
    assert application.profile == MENTOR_PROFILE
    participant = await programme.participants.get(PersonId(PERSON))
    assert participant is not None
    assert participant.display_name == "Ada Lovelace"
    assert not await chat.active()


async def test_a_mentee_joins_with_the_line_manager_from_the_directory(programme: Programme, chat: Chat) -> None:
    programme.directory.managers[PersonId(PERSON)] = "Chief.Executive@nhs.net"
    await chat.begin()
    about = only_card(await chat.click(verbs.CONSENT, AGREED))
    assert "line_manager_email" not in inputs(about)
    assert "chief.executive@nhs.net" in card_text(about)
    interests = only_card(await chat.click(verbs.ABOUT_YOU, MENTEE_ABOUT))
    assert "learn about" in card_text(interests)
    assert "share your experience" not in card_text(interests)
    await chat.click(verbs.INTERESTS, MENTEE_INTERESTS)
    await chat.click(verbs.CONFIRM)

    [application] = await stored(programme)
    assert application.profile.role is Role.MENTEE
    # The directory's answer wins over anything a tampered card sends.
    assert application.profile.line_manager_email == "chief.executive@nhs.net"
    assert application.profile.topics == (Topic.BELONGING, Topic.SPEAKING_UP, Topic.ALLYSHIP)
    assert application.profile.meeting_preference is MeetingPreference.IN_PERSON
    assert application.profile.experience_note == ""
    assert application.profile.bio == ""


async def test_with_several_cohorts_open_the_person_chooses_one(programme: Programme, chat: Chat) -> None:
    autumn = await programme.open_cohort("Autumn 2025")
    choose = only_card(await chat.begin())
    assert heading_of(choose) == "Which cohort would you like to join?"
    offered = [choice["value"] for choice in inputs(choose)["cohort"]["choices"]]
    assert sorted(offered) == ["1", str(autumn.id)]

    again = only_card(await chat.click(verbs.CHOOSE_COHORT, {"cohort": ""}))
    assert "Please choose the cohort" in card_text(again)
    again = only_card(await chat.click(verbs.CHOOSE_COHORT, {"cohort": "99"}))
    assert "isn't one of those open" in card_text(again)

    consent = only_card(await chat.click(verbs.CHOOSE_COHORT, {"cohort": str(autumn.id)}))
    assert heading_of(consent) == "Before you sign up"
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    review = only_card(await chat.click(verbs.INTERESTS, MENTOR_INTERESTS))
    assert "Autumn 2025" in card_text(review)
    await chat.click(verbs.CONFIRM)

    [application] = await stored(programme)
    assert application.cohort_id == autumn.id


async def test_without_consent_the_card_comes_back_with_the_problem(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    again = only_card(await chat.click(verbs.CONSENT, {"consent": "false", "ground_rules": "true"}))

    assert heading_of(again) == "Before you sign up"
    assert "happy for your answers to be used" in card_text(again)
    assert inputs(again)["ground_rules"]["value"] == "true"  # what they ticked stays ticked
    assert inputs(again)["consent"]["value"] == "false"
    again = only_card(await chat.click(verbs.CONSENT, {}))
    assert "agree to the ground rules" in card_text(again)
    await assert_nothing_stored(programme)
    assert await chat.active()


async def test_an_invalid_email_is_shown_again_with_everything_typed(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    typed = {**MENTOR_ABOUT, "line_manager_email": "ward manager at nhs"}

    again = only_card(await chat.click(verbs.ABOUT_YOU, typed))

    assert heading_of(again) == "About you"
    assert "doesn't look like an email address" in card_text(again)
    fields = inputs(again)
    assert {name: fields[name].get("value") for name in typed} == typed
    await assert_nothing_stored(programme)


async def test_interests_problems_are_shown_next_to_their_fields(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    typed = {**MENTOR_INTERESTS, "topics": "", "availability": "sat-am", "bio": "x" * 401}

    again = only_card(await chat.click(verbs.INTERESTS, typed))

    text = card_text(again)
    assert "at least one topic" in text
    assert "isn't one I recognise" in text
    assert "400 characters" in text
    assert inputs(again)["bio"]["value"] == "x" * 401


async def test_change_my_answers_goes_back_to_about_you_with_everything_kept(programme: Programme, chat: Chat) -> None:
    await join_up_to_review(chat)

    about = only_card(await chat.click(verbs.CHANGE))

    assert heading_of(about) == "About you"
    assert {name: inputs(about)[name].get("value") for name in MENTOR_ABOUT} == MENTOR_ABOUT
    interests = only_card(await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "site": "Radbourne Unit"}))
    assert inputs(interests)["topics"]["value"] == MENTOR_INTERESTS["topics"]
    review = only_card(await chat.click(verbs.INTERESTS, MENTOR_INTERESTS))
    assert "Radbourne Unit" in card_text(review)
    await chat.click(verbs.CONFIRM)

    [application] = await stored(programme)
    assert application.profile.site == "Radbourne Unit"


async def test_typed_answers_are_shown_back_escaped(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "job_title": "**Lead** [nurse](https://evil.example)"})
    review = only_card(await chat.click(verbs.INTERESTS, {**MENTOR_INTERESTS, "bio": "# Hi _there_"}))

    text = card_text(review)
    assert "**Lead**" not in text
    assert "](https://evil.example)" not in text
    assert "\\# Hi \\_there\\_" in text


async def test_the_review_lists_the_colleagues_to_avoid_to_the_person_themselves(
    programme: Programme, chat: Chat
) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    avoided = {**MENTOR_INTERESTS, "avoid_emails": "Zoe.Ward@nhs.net\namir_khan@nhs.net"}

    review = card_text(only_card(await chat.click(verbs.INTERESTS, avoided)))

    assert "You asked not to be paired with 2 colleagues:" in review
    assert "zoe.ward@nhs.net" in review
    assert "amir\\_khan@nhs.net" in review  # escaped like everything typed
    assert "Band or grade: Band 5" in review
    assert "Work email: staff.nurse@nhs.net" in review
    await chat.click(verbs.CONFIRM)
    [application] = await stored(programme)
    assert application.profile.avoid_emails == ("zoe.ward@nhs.net", "amir_khan@nhs.net")


async def test_naming_yourself_among_the_colleagues_is_pointed_out_on_that_card(
    programme: Programme, chat: Chat
) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)

    again = only_card(await chat.click(verbs.INTERESTS, {**MENTOR_INTERESTS, "avoid_emails": "staff.nurse@NHS.net"}))

    assert heading_of(again) == "What you'd like to talk about"
    assert "Your own email is on the list of colleagues" in card_text(again)
    assert inputs(again)["avoid_emails"]["value"] == "staff.nurse@NHS.net"
    await assert_nothing_stored(programme)


async def test_changing_the_own_email_to_a_named_colleagues_is_caught_on_the_way_round(
    programme: Programme, chat: Chat
) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    await chat.click(verbs.INTERESTS, {**MENTOR_INTERESTS, "avoid_emails": "zoe.ward@nhs.net"})
    await chat.click(verbs.CHANGE)
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "work_email": "Zoe.Ward@nhs.net"})

    again = only_card(await chat.click(verbs.INTERESTS, {**MENTOR_INTERESTS, "avoid_emails": "zoe.ward@nhs.net"}))

    assert "Your own email is on the list of colleagues" in card_text(again)
    await assert_nothing_stored(programme)


# Filling in the work email from Teams --------------------------------------------------------------------------

ADA_IN_TEAMS = TeamsChannelAccount(
    id=f"29:{PERSON}",
    name="Ada Lovelace",
    aad_object_id=PERSON,
    email="Ada.Lovelace@NHS.net",
    user_principal_name="ada.lovelace@contoso.onmicrosoft.com",
    tenant_id=TENANT,
    user_role="user",
)


def teams_knowing(chat: Chat, account: TeamsChannelAccount | None = ADA_IN_TEAMS) -> FakeTeamsMembers:
    chat.teams = FakeTeamsMembers({account.id: account} if account is not None else {})
    return chat.teams


async def about_card(chat: Chat) -> dict[str, Any]:
    await chat.begin()
    return only_card(await chat.click(verbs.CONSENT, AGREED))


async def test_without_an_answer_from_teams_the_work_email_starts_empty(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    # botbuilder's TestAdapter has no connector client, so the lookup fails as it would against a connector that
    # cannot answer: the person simply types their email.
    with caplog.at_level(logging.INFO, logger="dialogs.signup"):
        about = await about_card(chat)

    assert heading_of(about) == "About you"
    assert "value" not in inputs(about)["work_email"]
    [logged] = [r for r in caplog.records if r.name == "dialogs.signup"]
    assert logged.levelno == logging.INFO
    assert "could not look up a work email in Teams (ValueError)" in logged.getMessage()
    assert PERSON not in logged.getMessage()


async def test_a_failing_lookup_leaves_the_email_to_be_typed_and_the_sign_up_carries_on(
    programme: Programme, chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    teams = teams_knowing(chat)
    teams.failing = True
    with caplog.at_level(logging.INFO, logger="dialogs.signup"):
        about = await about_card(chat)

    assert "value" not in inputs(about)["work_email"]
    assert not any(PERSON in r.getMessage() or "no member" in r.getMessage() for r in caplog.records)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await chat.click(verbs.CONFIRM)
    [application] = await stored(programme)
    assert application.profile.work_email == "staff.nurse@nhs.net"


async def test_joining_fills_in_the_work_email_teams_knows(programme: Programme, chat: Chat) -> None:
    teams = teams_knowing(chat)

    about = await about_card(chat)

    assert inputs(about)["work_email"]["value"] == "ada.lovelace@nhs.net"
    assert teams.lookups == [(f"a:personal-{PERSON}", f"29:{PERSON}")]
    # The person keeps it (the card sends it back as shown).
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "work_email": "ada.lovelace@nhs.net"})
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await chat.click(verbs.CONFIRM)
    [application] = await stored(programme)
    assert application.profile.work_email == "ada.lovelace@nhs.net"
    assert teams.lookups == [(f"a:personal-{PERSON}", f"29:{PERSON}")]  # looked up once, not on every card


@pytest.mark.parametrize(
    ("email", "upn", "offered"),
    [
        (None, "Ada.Lovelace@nhs.net", "ada.lovelace@nhs.net"),
        ("", "ada.lovelace@nhs.net", "ada.lovelace@nhs.net"),
        ("not an address", "also not one", None),
        (None, None, None),
    ],
)
async def test_the_user_principal_name_stands_in_for_a_missing_email(
    chat: Chat, email: str | None, upn: str | None, offered: str | None
) -> None:
    teams_knowing(chat, replace_account(email=email, user_principal_name=upn))
    about = await about_card(chat)
    assert inputs(about)["work_email"].get("value") == offered


def replace_account(**changes: Any) -> TeamsChannelAccount:
    fields = {**ADA_IN_TEAMS.serialize(), **ADA_IN_TEAMS.additional_properties}
    account = TeamsChannelAccount().deserialize(fields)
    for name, value in changes.items():
        setattr(account, name, value)
    return account


async def test_someone_teams_does_not_know_types_their_email(chat: Chat) -> None:
    teams = teams_knowing(chat, None)
    about = await about_card(chat)
    assert "value" not in inputs(about)["work_email"]
    assert len(teams.lookups) == 1


async def test_editing_shows_the_stored_email_and_asks_teams_nothing(programme: Programme, chat: Chat) -> None:
    await applied(programme, chat)
    teams = teams_knowing(chat)

    about = only_card(await chat.begin("edit"))

    assert inputs(about)["work_email"]["value"] == "staff.nurse@nhs.net"
    assert teams.lookups == []


async def test_going_back_to_change_answers_keeps_what_was_typed_over_teams(programme: Programme, chat: Chat) -> None:
    teams = teams_knowing(chat)
    await about_card(chat)
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "work_email": "ada.l@nhs.net"})
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)

    about = only_card(await chat.click(verbs.CHANGE))

    assert inputs(about)["work_email"]["value"] == "ada.l@nhs.net"
    assert len(teams.lookups) == 1


async def test_a_wrong_email_from_teams_can_be_corrected(programme: Programme, chat: Chat) -> None:
    teams_knowing(chat)
    await about_card(chat)
    again = only_card(await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "work_email": "ada at nhs"}))
    assert inputs(again)["work_email"]["value"] == "ada at nhs"  # what they typed, not Teams' suggestion
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "work_email": "ada.lovelace@trust.nhs.uk"})
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await chat.click(verbs.CONFIRM)
    [application] = await stored(programme)
    assert application.profile.work_email == "ada.lovelace@trust.nhs.uk"


# Cancelling and leaving ----------------------------------------------------------------------------------------

STEPS_BEFORE = {
    "consent": [],
    "about": [(verbs.CONSENT, AGREED)],
    "interests": [(verbs.CONSENT, AGREED), (verbs.ABOUT_YOU, MENTOR_ABOUT)],
    "review": [(verbs.CONSENT, AGREED), (verbs.ABOUT_YOU, MENTOR_ABOUT), (verbs.INTERESTS, MENTOR_INTERESTS)],
}


@pytest.mark.parametrize("step", list(STEPS_BEFORE))
@pytest.mark.parametrize("how", ["button", "cancel", "Stop", " quit. "])
async def test_cancelling_at_any_step_saves_nothing(programme: Programme, chat: Chat, step: str, how: str) -> None:
    await chat.begin()
    for action, answers in STEPS_BEFORE[step]:
        await chat.click(action, answers)

    replies = await chat.click(verbs.CANCEL) if how == "button" else await chat.say(how)

    assert texts(replies) == [CANCELLED]
    assert not await chat.active()
    await assert_nothing_stored(programme)


async def test_cancelling_the_choice_of_cohort_saves_nothing(programme: Programme, chat: Chat) -> None:
    await programme.open_cohort("Autumn 2025")
    await chat.begin()
    assert texts(await chat.click(verbs.CANCEL)) == [CANCELLED]
    await assert_nothing_stored(programme)


async def test_cancel_by_typing_works_through_testflow(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    flow = TestFlow(None, chat.adapter)
    await flow.test("cancel", CANCELLED)
    assert not await chat.active()


async def test_other_text_gets_a_reminder_and_the_sign_up_waits(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    assert texts(await chat.say("what is this?")) == [USE_THE_CARD]
    assert texts(await chat.click("help")) == [USE_THE_CARD]
    assert await chat.active()
    assert heading_of(only_card(await chat.click(verbs.CONSENT, AGREED))) == "About you"


@pytest.mark.parametrize("hours", [23, 25])
async def test_a_sign_up_left_for_more_than_a_day_is_cleared(programme: Programme, chat: Chat, hours: int) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    programme.clock.advance(timedelta(hours=hours))

    replies = await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)

    if hours < 24:
        assert heading_of(only_card(replies)) == "What you'd like to talk about"
        assert await chat.active()
    else:
        assert texts(replies) == [ABANDONED_JOIN]
        assert not await chat.active()
        await assert_nothing_stored(programme)


async def test_every_turn_resets_the_clock_on_abandonment(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    programme.clock.advance(timedelta(hours=20))
    await chat.click(verbs.CONSENT, AGREED)
    programme.clock.advance(timedelta(hours=20))
    assert heading_of(only_card(await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT))) == "What you'd like to talk about"


async def test_an_abandoned_edit_says_how_to_start_again(programme: Programme, chat: Chat) -> None:
    await join_up_to_review(chat)
    await chat.click(verbs.CONFIRM)
    await chat.begin("edit")
    programme.clock.advance(timedelta(days=3))
    assert texts(await chat.say("hello")) == [ABANDONED_EDIT]


async def test_a_card_from_an_earlier_sign_up_is_refused_kindly(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    earlier = chat.form
    await chat.say("cancel")
    await chat.begin()
    assert chat.form != earlier

    assert texts(await chat.click(verbs.CONSENT, AGREED, form=earlier)) == [EARLIER_FORM]
    # Its Cancel button must not cancel the sign-up under way either.
    assert texts(await chat.click(verbs.CANCEL, form=earlier)) == [EARLIER_FORM]
    assert texts(await chat.click(verbs.CONSENT, AGREED, form="")) == [EARLIER_FORM]
    assert await chat.active()
    assert heading_of(only_card(await chat.click(verbs.CONSENT, AGREED))) == "About you"


async def test_a_second_click_on_an_answered_card_is_refused_kindly(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)

    assert texts(await chat.click(verbs.CONSENT, AGREED)) == [ALREADY_ANSWERED]
    assert heading_of(only_card(await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT))) == "What you'd like to talk about"


async def test_a_double_click_on_submit_stores_one_application(programme: Programme, chat: Chat) -> None:
    await join_up_to_review(chat)
    await chat.click(verbs.CONFIRM)

    await chat.click(verbs.CONFIRM)  # no dialog now: the bot answers it, not this dialog

    assert chat.handled is False
    assert len(await stored(programme)) == 1


# When the programme says no -------------------------------------------------------------------------------------


async def test_no_open_cohort_ends_at_once_with_a_kind_message() -> None:
    empty = Chat(Programme())
    replies = await empty.begin()
    assert texts(replies) == [
        "There isn't a cohort open for sign-ups just now. Your programme coordinator will announce the next one; "
        "thank you for your interest."
    ]
    assert not await empty.active()


@pytest.mark.parametrize("closed_at", ["review shown", "interests"])
async def test_a_cohort_closing_part_way_saves_nothing(programme: Programme, chat: Chat, closed_at: str) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    if closed_at == "review shown":
        await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await programme.cohorts.move(1, CohortState.RECRUITING, CohortState.MATCHING, programme.clock.now())

    replies = await (
        chat.click(verbs.CONFIRM) if closed_at == "review shown" else chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    )

    assert texts(replies) == [COHORT_GONE]
    assert not await chat.active()
    await assert_nothing_stored(programme)


async def test_the_chosen_cohort_closing_while_another_stays_open_saves_nothing(
    programme: Programme, chat: Chat
) -> None:
    await programme.open_cohort("Autumn 2025")
    await chat.begin()
    await chat.click(verbs.CHOOSE_COHORT, {"cohort": "1"})
    await chat.click(verbs.CONSENT, AGREED)
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await programme.cohorts.move(1, CohortState.RECRUITING, CohortState.MATCHING, programme.clock.now())

    assert texts(await chat.click(verbs.CONFIRM)) == [COHORT_GONE]
    await assert_nothing_stored(programme)


async def test_the_sign_up_deadline_passing_part_way_saves_nothing() -> None:
    programme = Programme()
    await programme.open_cohort(closes=date(2025, 3, 3))
    late = Chat(programme)
    await late.begin()
    await late.click(verbs.CONSENT, AGREED)
    programme.clock.advance(timedelta(hours=16))  # past midnight in London
    await late.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    assert texts(await late.click(verbs.INTERESTS, MENTOR_INTERESTS)) == [COHORT_GONE]
    await assert_nothing_stored(programme)


async def test_a_second_application_is_refused_with_where_it_stands(programme: Programme, chat: Chat) -> None:
    await join_up_to_review(chat)
    await chat.click(verbs.CONFIRM)

    replies = await chat.begin()

    assert texts(replies) == [
        "You've already applied to Cohort 1: Spring 2025; your application is waiting for a decision. Type "
        "'profile' to see or change your answers."
    ]
    assert not await chat.active()
    assert len(await stored(programme)) == 1


class SignUpThatFindsAProblem(SignUp):
    """The use case finding a problem the cards did not (say a rule added later): the first apply refuses."""

    problems: dict[str, str]
    refusals = 0

    async def apply(self, **kwargs: Any) -> Application:
        if self.refusals == 0:
            self.refusals += 1
            raise InvalidFields(self.problems)
        return await super().apply(**kwargs)


def finding(programme: Programme, problems: dict[str, str]) -> Chat:
    signup = SignUpThatFindsAProblem(
        programme.cohorts, programme.applications, programme.participants, programme.directory, programme.clock, ZONE
    )
    signup.problems = problems
    return Chat(programme, signup=signup)


async def test_a_problem_found_by_the_use_case_goes_back_to_the_card_that_asked(programme: Programme) -> None:
    chat = finding(programme, {"site": "Please choose a site the programme runs at."})
    await join_up_to_review(chat)

    about = only_card(await chat.click(verbs.CONFIRM))

    assert heading_of(about) == "About you"
    assert "Please choose a site the programme runs at." in card_text(about)
    assert inputs(about)["site"]["value"] == "Kingsway"
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "site": "Kingsway Hospital"})
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await chat.click(verbs.CONFIRM)
    [application] = await stored(programme)
    assert application.profile.site == "Kingsway Hospital"


async def test_a_consent_problem_found_by_the_use_case_asks_for_consent_again(programme: Programme) -> None:
    chat = finding(programme, {"ground_rules": "Please confirm you agree to the ground rules."})
    await join_up_to_review(chat)

    consent = only_card(await chat.click(verbs.CONFIRM))

    assert heading_of(consent) == "Before you sign up"
    assert "Please confirm you agree to the ground rules." in card_text(consent)
    about = only_card(await chat.click(verbs.CONSENT, AGREED))
    assert inputs(about)["job_title"]["value"] == "Staff Nurse"
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await chat.click(verbs.CONFIRM)
    assert len(await stored(programme)) == 1


async def test_a_problem_no_card_asks_about_ends_the_sign_up_with_it(programme: Programme) -> None:
    chat = finding(programme, {"display_name": "Your Teams name is empty."})
    await join_up_to_review(chat)

    assert texts(await chat.click(verbs.CONFIRM)) == ["Please check: Your Teams name is empty."]
    assert not await chat.active()
    await assert_nothing_stored(programme)


# Editing --------------------------------------------------------------------------------------------------------


async def applied(programme: Programme, chat: Chat) -> Application:
    await join_up_to_review(chat)
    await chat.click(verbs.CONFIRM)
    [application] = await stored(programme)
    return application


async def test_editing_starts_from_the_stored_answers_and_saves_changes(programme: Programme, chat: Chat) -> None:
    before = await applied(programme, chat)

    about = only_card(await chat.begin("edit"))

    assert heading_of(about) == "About you"
    assert inputs(about)["job_title"]["value"] == "Staff Nurse"
    assert inputs(about)["line_manager_email"]["value"] == "ward.manager@nhs.net"
    interests = only_card(await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "job_title": "Charge Nurse"}))
    assert inputs(interests)["availability"]["value"] == "mon-am,tue-pm"
    review = only_card(await chat.click(verbs.INTERESTS, {**MENTOR_INTERESTS, "meeting_preference": "either"}))
    assert heading_of(review) == "Check your changes"
    assert next(a["title"] for a in submits(review)) == "Save changes"

    updated = only_card(await chat.click(verbs.CONFIRM))

    assert heading_of(updated) == "Your answers are updated"
    [after] = await stored(programme)
    assert after.id == before.id
    assert after.version == before.version + 1
    assert after.profile == replace(
        before.profile, job_title="Charge Nurse", meeting_preference=MeetingPreference.EITHER
    )
    assert after.consent == before.consent
    assert not await chat.active()


async def test_editing_is_refused_once_a_decision_is_made(programme: Programme, chat: Chat) -> None:
    application = await applied(programme, chat)
    await programme.applications.move(application.id, ApplicationState.APPROVED, 1, programme.clock.now())

    replies = await chat.begin("edit")

    assert texts(replies) == [
        "Your application is approved, so its answers are settled now. If something has changed, please tell "
        "your programme coordinator."
    ]
    assert not await chat.active()


async def test_a_decision_made_while_editing_keeps_the_old_answers(programme: Programme, chat: Chat) -> None:
    application = await applied(programme, chat)
    await chat.begin("edit")
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "job_title": "Charge Nurse"})
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await programme.applications.move(application.id, ApplicationState.WAITLISTED, 1, programme.clock.now())

    [message] = texts(await chat.click(verbs.CONFIRM))

    assert "on the waiting list" in message
    [after] = await stored(programme)
    assert after.profile.job_title == "Staff Nurse"


async def test_with_nothing_to_edit_the_person_is_pointed_to_join(chat: Chat) -> None:
    assert texts(await chat.begin("edit")) == [
        "You don't have an application to edit. Type 'join' to sign up to an open cohort."
    ]


# State ----------------------------------------------------------------------------------------------------------


async def test_the_whole_dialog_state_is_plain_json_at_every_step(programme: Programme, chat: Chat) -> None:
    await programme.open_cohort("Autumn 2025")
    snapshots: list[str] = []

    async def snapshot() -> None:
        snapshots.append(json.dumps(plain(chat.storage.memory)))

    await chat.begin()
    await snapshot()
    await chat.click(verbs.CHOOSE_COHORT, {"cohort": "1"})
    await snapshot()
    await chat.click(verbs.CONSENT, AGREED)
    await snapshot()
    await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "line_manager_email": "nope"})
    await snapshot()
    await chat.click(verbs.ABOUT_YOU, MENTOR_ABOUT)
    await snapshot()
    await chat.click(verbs.INTERESTS, MENTOR_INTERESTS)
    await snapshot()
    await chat.click(verbs.CHANGE)
    await snapshot()

    assert all(PERSON in text for text in snapshots)
    # Stored answers are the raw strings the card sent, so the next card shows exactly them.
    assert "Ward.Manager@nhs.net" in snapshots[-1]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"mode": "sideways", "tenant": TENANT, "person": PERSON, "display_name": "Ada"}, ValueError),
        ({"mode": "join", "tenant": TENANT, "person": PersonId(PERSON), "display_name": "Ada"}, TypeError),
        ("join", TypeError),
    ],
)
async def test_begin_options_must_be_plain(chat: Chat, options: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        await chat.begin_with(options)


async def test_a_huge_answer_is_refused_and_not_kept(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    await chat.click(verbs.CONSENT, AGREED)

    again = only_card(await chat.click(verbs.ABOUT_YOU, {**MENTOR_ABOUT, "directorate": "x" * 100_000}))

    assert "much longer than I can accept" in card_text(again)
    assert "value" not in inputs(again)["directorate"]
    assert len(json.dumps(plain(chat.storage.memory))) < 20_000


async def test_a_tampered_agreement_is_not_taken_as_consent(programme: Programme, chat: Chat) -> None:
    await chat.begin()
    again = only_card(await chat.click(verbs.CONSENT, {"consent": True, "ground_rules": "TRUE"}))
    assert "couldn't read this answer" in card_text(again)
    assert "agree to the ground rules" in card_text(again)
    await assert_nothing_stored(programme)
