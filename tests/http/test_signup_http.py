"""Signing up through the real adapter: the dialog's cards arrive as Action.Submit messages, its state lives in the
database between requests (another replica can carry on), and nothing is stored until the application is submitted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.teams_bot import SIGN_UP_STARTED
from dialogs.signup import ALREADY_ANSWERED, CANCELLED, FORM_FINISHED
from programme.applications import ApplicationState
from programme.grades import Grade
from programme.profiles import Availability, MeetingPreference, Role, Topic
from tests.http.conftest import APP_ID, BotUnderTest
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    OUTSIDER,
    ZADIE_ANSWERS,
    Programme,
    form_token,
    only_card,
    only_text,
)
from tests.support.card_reading import card_text, inputs
from tests.support.fake_connector import Fault, MemberLookup
from tests.support.fake_identity import FakeCredentialFactory

CONSENT_PROBLEM = "Please tick this box if you're happy for your answers to be used as described."


@asynccontextmanager
async def another_replica(programme: Programme) -> AsyncIterator[Programme]:
    """A second instance of the service on the same database: it shares nothing with the first but the data."""
    bot = programme.bot
    app = create_app(bot.settings, clock=programme.clock, credentials_factory=FakeCredentialFactory(APP_ID))
    async with TestClient(TestServer(app)) as client:
        other = BotUnderTest(client=client, connector=bot.connector, identity=bot.identity, settings=bot.settings)
        yield Programme(other, programme.clock)


def dialog_stack(document: str | None) -> list[Any]:
    assert document is not None, "no conversation state is stored"
    state = json.loads(document)
    stack: list[Any] = state["dialog_state"]["_dialog_stack"]
    return stack


async def test_a_mentor_signs_up_across_requests_and_replicas(programme: Programme) -> None:
    cohort_id = await programme.open_cohort()
    await programme.meet(MENTOR_ZADIE)

    consent = only_card(await programme.say(MENTOR_ZADIE, "join"))
    assert "Before you sign up" in card_text(consent)
    form = form_token(consent)
    # The dialog is waiting in the database, not in this process.
    assert form in (await programme.conversation_state(MENTOR_ZADIE) or "")

    unticked = only_card(
        await programme.submit(
            MENTOR_ZADIE, {"action": "signup.consent", "form": form, "consent": "false", "ground_rules": "true"}
        )
    )
    assert "Before you sign up" in card_text(unticked)
    assert CONSENT_PROBLEM in card_text(unticked)
    assert inputs(unticked)["ground_rules"]["value"] == "true"
    assert inputs(unticked)["consent"]["value"] == "false"

    about = only_card(
        await programme.submit(
            MENTOR_ZADIE, {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
        )
    )
    assert "About you" in card_text(about)
    # Her email, as Teams holds it, is filled in: the bot asked the connector about her, with its own token.
    assert inputs(about)["work_email"]["value"] == MENTOR_ZADIE.email
    [lookup] = programme.bot.connector.lookups
    assert (lookup.conversation_id, lookup.member_id, lookup.status) == (MENTOR_ZADIE.chat, MENTOR_ZADIE.member_id, 200)
    assert (lookup.authorization or "").startswith("Bearer ")
    grades = inputs(about)["band"]
    assert grades["type"] == "Input.ChoiceSet"
    assert [choice["value"] for choice in grades["choices"]] == [grade.value for grade in Grade]
    assert ZADIE_ANSWERS.band in [choice["value"] for choice in grades["choices"]]

    # The next step is answered to a different instance of the service, which only has the database to go on.
    async with another_replica(programme) as replica:
        interests = only_card(
            await replica.submit(MENTOR_ZADIE, {"action": "signup.about", "form": form, **ZADIE_ANSWERS.about()})
        )
    assert "What you'd like to talk about" in card_text(interests)
    assert "Which topics could you share your experience of?" in card_text(interests)

    review = only_card(
        await programme.submit(MENTOR_ZADIE, {"action": "signup.interests", "form": form, **ZADIE_ANSWERS.interests()})
    )
    reviewed = card_text(review)
    assert "Check your answers" in reviewed
    for answer in ZADIE_ANSWERS.free_text():
        assert answer in reviewed
    assert await programme.applications(MENTOR_ZADIE) == []

    received = only_card(await programme.submit(MENTOR_ZADIE, {"action": "signup.confirm", "form": form}))
    assert "Thank you, your application is in" in card_text(received)
    assert "You've applied to join **Cohort 1: Race equality 2026, board** as a mentor." in card_text(received)

    [application] = await programme.applications(MENTOR_ZADIE)
    profile = application.profile
    assert (application.cohort_id, application.state, application.display_name) == (
        cohort_id,
        ApplicationState.SUBMITTED,
        MENTOR_ZADIE.name,
    )
    assert profile.role is Role.MENTOR
    assert (profile.job_title, profile.band, profile.directorate, profile.site) == (
        ZADIE_ANSWERS.job_title,
        Grade.BAND_5,
        ZADIE_ANSWERS.directorate,
        ZADIE_ANSWERS.site,
    )
    assert profile.work_email == MENTOR_ZADIE.email
    assert profile.line_manager_email == ZADIE_ANSWERS.line_manager_email
    assert profile.avoid_emails == ("quill.rival@nhs.net", "quill.cousin@nhs.net")
    assert profile.topics == (Topic.CAREER_PROGRESSION, Topic.MICROAGGRESSIONS)
    assert profile.availability == (Availability.MON_AM, Availability.THU_PM)
    assert profile.meeting_preference is MeetingPreference.TEAMS
    assert (profile.experience_note, profile.bio) == (ZADIE_ANSWERS.experience_note, ZADIE_ANSWERS.bio)
    assert application.consent.given_at == programme.clock.now()
    # The finished dialog holds nothing any more.
    assert dialog_stack(await programme.conversation_state(MENTOR_ZADIE)) == []

    # Signing up again is answered kindly, and clicking the old card again does not make a second application.
    again = only_text(await programme.say(MENTOR_ZADIE, "join"))
    assert again.startswith("You've already applied to Cohort 1: Race equality 2026, board;")
    stale = only_text(await programme.submit(MENTOR_ZADIE, {"action": "signup.confirm", "form": form}))
    assert stale == FORM_FINISHED
    assert len(await programme.applications(MENTOR_ZADIE)) == 1


async def test_cancelling_midway_stores_nothing(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTEE_BRAM)
    form = form_token(only_card(await programme.say(MENTEE_BRAM, "join")))
    await programme.submit(
        MENTEE_BRAM, {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
    )
    about = {
        "action": "signup.about",
        "form": form,
        "role": "mentee",
        "job_title": "Director of Unfinishedness",
        "band": "board",
        "directorate": "Estates",
        "site": "Tollebridge",
        "work_email": MENTEE_BRAM.email,
        "line_manager_email": "chief@nhs.net",
    }
    only_card(await programme.submit(MENTEE_BRAM, about))
    assert "Director of Unfinishedness" in (await programme.conversation_state(MENTEE_BRAM) or "")

    assert only_text(await programme.say(MENTEE_BRAM, "cancel")) == CANCELLED

    assert await programme.applications(MENTEE_BRAM) == []
    document = await programme.conversation_state(MENTEE_BRAM)
    assert dialog_stack(document) == []
    assert "Director of Unfinishedness" not in (document or "")
    # The cards of the cancelled sign-up are dead: their answers are not taken as an application.
    late = {"action": "signup.interests", "form": form, "topics": "belonging", "availability": "mon-am"}
    assert only_text(await programme.submit(MENTEE_BRAM, late)) == FORM_FINISHED
    assert await programme.applications(MENTEE_BRAM) == []


async def test_the_cancel_button_stores_nothing(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTEE_BRAM)
    form = form_token(only_card(await programme.say(MENTEE_BRAM, "join")))

    assert only_text(await programme.submit(MENTEE_BRAM, {"action": "signup.cancel", "form": form})) == CANCELLED

    assert await programme.applications(MENTEE_BRAM) == []
    assert dialog_stack(await programme.conversation_state(MENTEE_BRAM)) == []


async def test_joining_with_nothing_open_is_one_kind_message(programme: Programme) -> None:
    await programme.create_cohort()  # a draft: nobody can join it yet
    await programme.meet(MENTOR_ZADIE)

    answer = only_text(await programme.say(MENTOR_ZADIE, "join"))

    assert answer.startswith("There isn't a cohort open for sign-ups just now.")
    assert await programme.conversation_state(MENTOR_ZADIE) is None or (
        dialog_stack(await programme.conversation_state(MENTOR_ZADIE)) == []
    )


async def test_a_huge_answer_is_asked_for_again_not_stored(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTOR_ZADIE)
    form = form_token(only_card(await programme.say(MENTOR_ZADIE, "join")))
    await programme.submit(
        MENTOR_ZADIE, {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
    )
    huge = "Q" * 300_000

    again = only_card(
        await programme.submit(
            MENTOR_ZADIE, {"action": "signup.about", "form": form, **ZADIE_ANSWERS.about(), "job_title": huge}
        )
    )

    assert "About you" in card_text(again)
    assert "That's much longer than I can accept; please shorten it." in card_text(again)
    # Everything else typed is kept on the card; the huge answer is neither echoed back nor kept.
    fields = inputs(again)
    assert fields["band"]["value"] == ZADIE_ANSWERS.band
    assert "value" not in fields["job_title"]
    assert huge[:2_001] not in (await programme.conversation_state(MENTOR_ZADIE) or "")

    # The sign-up carries on from there.
    interests = only_card(
        await programme.submit(MENTOR_ZADIE, {"action": "signup.about", "form": form, **ZADIE_ANSWERS.about()})
    )
    assert "What you'd like to talk about" in card_text(interests)


async def test_a_mentee_signs_up_with_their_own_answers(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTEE_BRAM)

    await programme.sign_up(MENTEE_BRAM, BRAM_ANSWERS)

    [application] = await programme.applications(MENTEE_BRAM)
    assert application.profile.role is Role.MENTEE
    assert application.profile.topics == (Topic.BELONGING, Topic.ALLYSHIP)
    assert application.profile.bio == BRAM_ANSWERS.bio
    assert application.display_name == MENTEE_BRAM.name


async def test_the_sign_up_button_starts_the_dialog_from_an_invoke(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTEE_BRAM)
    before = len(programme.sent)

    answer = await programme.click(MENTEE_BRAM, "join")

    assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, SIGN_UP_STARTED)
    consent = only_card(programme.sent[before:])
    assert "Before you sign up" in card_text(consent)
    # The dialog begun in the invoke is the one the next message continues.
    form = form_token(consent)
    about = only_card(
        await programme.submit(
            MENTEE_BRAM, {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
        )
    )
    assert "About you" in card_text(about)


async def test_an_applicant_changes_their_answers_before_a_decision(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTOR_ZADIE)
    await programme.sign_up(MENTOR_ZADIE, ZADIE_ANSWERS)
    [applied] = await programme.applications(MENTOR_ZADIE)

    about = only_card(await programme.say(MENTOR_ZADIE, "profile"))
    # Straight to their answers, filled in as they left them; consent was given with the application.
    assert "About you" in card_text(about)
    assert inputs(about)["site"]["value"] == ZADIE_ANSWERS.site
    form = form_token(about)
    interests = only_card(
        await programme.submit(
            MENTOR_ZADIE, {"action": "signup.about", "form": form, **ZADIE_ANSWERS.about(), "site": "Quillhaven"}
        )
    )
    assert inputs(interests)["bio"]["value"] == ZADIE_ANSWERS.bio
    review = only_card(
        await programme.submit(MENTOR_ZADIE, {"action": "signup.interests", "form": form, **ZADIE_ANSWERS.interests()})
    )
    assert "Check your changes" in card_text(review)
    updated = only_card(await programme.submit(MENTOR_ZADIE, {"action": "signup.confirm", "form": form}))

    assert "Your answers are updated" in card_text(updated)
    [application] = await programme.applications(MENTOR_ZADIE)
    assert application.id == applied.id
    assert application.profile.site == "Quillhaven"
    assert application.profile.job_title == ZADIE_ANSWERS.job_title
    assert application.version == applied.version + 1


async def test_a_double_click_moves_the_sign_up_on_once(programme: Programme) -> None:
    # Both clicks reach the bot before the first turn has saved its state: they must be taken one after the other,
    # so the second sees that the card was answered, rather than both acting on the same step or one failing.
    await programme.open_cohort()
    await programme.meet(MENTEE_BRAM)
    form = form_token(only_card(await programme.say(MENTEE_BRAM, "join")))
    consent = {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
    before = len(programme.sent)

    await asyncio.gather(programme.submit(MENTEE_BRAM, consent), programme.submit(MENTEE_BRAM, consent))

    replies = programme.sent[before:]
    cards = [card_text(card) for reply in replies for card in reply.cards]
    texts = [reply.text for reply in replies if reply.text]
    assert len(cards) == 1
    assert "About you" in cards[0]
    assert texts == [ALREADY_ANSWERED]


async def test_someone_teams_cannot_find_types_their_own_email(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    # The connector answers 404 for someone it does not list in the chat: the input starts empty and the sign-up
    # goes on, with a note in the log that names nobody.
    await programme.open_cohort()
    await programme.meet(OUTSIDER)
    answers = dataclasses.replace(ZADIE_ANSWERS, work_email=OUTSIDER.email)

    with caplog.at_level(logging.INFO, logger="dialogs.signup"):
        await programme.sign_up(OUTSIDER, answers)

    assert programme.bot.connector.lookups == [
        MemberLookup(OUTSIDER.chat, OUTSIDER.member_id, programme.bot.connector.lookups[0].authorization, 404)
    ]
    notes = [record.getMessage() for record in caplog.records if record.name == "dialogs.signup"]
    assert notes == ["could not look up a work email in Teams (ErrorResponseException); the person will type it"]
    [application] = await programme.applications(OUTSIDER)
    assert application.profile.work_email == OUTSIDER.email


async def test_a_connector_that_fails_the_lookup_does_not_stop_a_sign_up(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTEE_BRAM)
    programme.bot.connector.fail_next(Fault(403, "Forbidden", "The bot may not read members."), on="lookup")
    form = form_token(only_card(await programme.say(MENTEE_BRAM, "join")))

    about = only_card(
        await programme.submit(
            MENTEE_BRAM, {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
        )
    )

    assert "About you" in card_text(about)
    assert "value" not in inputs(about)["work_email"]
    assert [lookup.status for lookup in programme.bot.connector.lookups] == [403]
    interests = only_card(
        await programme.submit(MENTEE_BRAM, {"action": "signup.about", "form": form, **BRAM_ANSWERS.about()})
    )
    assert "What you'd like to talk about" in card_text(interests)
