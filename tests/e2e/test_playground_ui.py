"""End to end through the Agents Playground's web UI in headless Chromium, as a person would use it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cards.meetings import when_text
from programme.calendar import Interval
from tests.e2e.browser import UiScript, find_chromium, help_flow, run_ui_script
from tests.e2e.conftest import NODE_MODULES, Stack
from tests.e2e.matching_cohort import AISHA_ANSWERS, HELEN_ANSWERS, publish_as_proposed, ready_for_matching
from tests.e2e.steps import (
    AISHA,
    CEO_OFFICE,
    HELEN,
    MORGAN,
    PROACTIVE_WAIT,
    ZONE,
    cohort_plan,
    deliver_at_any_hour,
    heading,
    queue_settled,
    rows,
)
from tests.support.card_reading import card_actions, text_blocks
from tests.support.sign_up_answers import Answers

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# The web UI always acts as the tenant file's current user, Morgan. Coordinators can take part in a cohort like
# anyone else, so Morgan signs up as a mentee (the steps' grade list has only bands 3 and 5 and the board, hence a
# board-level job), with Wednesday afternoon the one half-day shared with Aisha and a different directorate.
MORGAN_ANSWERS = Answers(
    role="mentee",
    job_title="Director of People and Inclusion",
    band="board",
    directorate="People and Organisational Development",
    site="Moorside Trust Headquarters",
    # As the Playground's mock tenant holds it: the sign-up card offers it already filled in.
    work_email="morgan.ashby@northmoor.example",
    line_manager_email=CEO_OFFICE,
    topics="belonging,career-progression",
    availability="wed-pm,fri-am",
    meeting_preference="teams",
    experience_note="I run the programme, and want to hear what it is like on the wards from someone who works there.",
    bio="Twelve years in NHS workforce roles, the last four leading our equality, diversity and inclusion work.",
)
# A time button on the meeting card, such as "Wednesday 14 January, 13:30\u201314:15" (JavaScript syntax).
OFFERED_TIME = r"^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, \d{2}:\d{2}\u2013\d{2}:\d{2}$"


@pytest.fixture(autouse=True)
def _need_chromium() -> None:
    if find_chromium() is None:
        reason = "no Chromium: install Debian's chromium package to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


async def test_person_types_help_and_clicks_a_card_button(stack: Stack, tmp_path: Path) -> None:
    screenshot = tmp_path / "privacy.png"
    result = await run_ui_script(
        stack.playground.base_url,
        help_flow(button="How your data is used", expected_text="What stays private", screenshot=screenshot),
        node_modules=NODE_MODULES,
        failure_screenshot=tmp_path / "failure.png",
    )
    assert result.ok, result.error
    assert screenshot.stat().st_size > 10_000


async def test_coordinator_types_cohort_new_and_sees_the_form(stack: Stack, tmp_path: Path) -> None:
    screenshot = tmp_path / "cohort-form.png"
    script = (
        UiScript()
        .open_chat("Personal Chat")
        .send("cohort new")
        .wait_for_card_text("Plan the next run of the programme.")
        # Typing into an input shows the form was rendered with working, labelled inputs, not just as text.
        .fill("Number of sessions", "8")
        .wait_for_card_text("New cohort")
        .screenshot(screenshot)
    )
    result = await run_ui_script(
        stack.playground.base_url, script, node_modules=NODE_MODULES, failure_screenshot=tmp_path / "failure.png"
    )
    assert result.ok, result.error
    assert [step["op"] for step in result.steps][-4:] == ["waitForCardText", "fill", "waitForCardText", "screenshot"]
    assert screenshot.stat().st_size > 10_000


async def test_coordinator_reviews_the_proposed_pairs_and_locks_one(stack: Stack, tmp_path: Path) -> None:
    # The way to matching goes through the API driver, quickly; the review itself is what this test is about.
    today = datetime.now(ZoneInfo(ZONE)).date()
    plan = cohort_plan("Race equality 2026, board review", today)
    _, title = await ready_for_matching(stack.client, plan, {AISHA: AISHA_ANSWERS, HELEN: HELEN_ANSWERS})
    screenshot = tmp_path / "match-review.png"
    script = (
        UiScript()
        .open_chat("Personal Chat")
        .send("match")
        .wait_for_card_text(f"Matching {title}")
        .wait_for_card_text("Aisha Bello — Helen Marsh")
        # The badge appears only on the card the bot puts in place of the pressed one, so the UI shows the change.
        .click("Lock")
        .wait_for_card_text("Locked")
        .screenshot(screenshot)
    )
    result = await run_ui_script(
        stack.playground.base_url, script, node_modules=NODE_MODULES, failure_screenshot=tmp_path / "failure.png"
    )
    assert result.ok, result.error
    assert result.console_errors == []
    assert screenshot.stat().st_size > 10_000


async def morgan_introduced_to_aisha(stack: Stack, plan: dict[str, str]) -> str:
    """Aisha (mentor) and Morgan (mentee) signed up, matched as proposed and published in a cohort from ``plan``;
    waits for Morgan's introduction and a settled queue, then forgets every message seen so far; the cohort's title."""
    client = stack.client
    _, title = await ready_for_matching(client, plan, {AISHA: AISHA_ANSWERS, MORGAN: MORGAN_ANSWERS})
    await publish_as_proposed(client, title)
    await client.next_bot_message(
        PROACTIVE_WAIT,
        conversation_id=await client.personal_chat_id(MORGAN),
        predicate=lambda m: heading(m) == "Meet your mentor, Aisha Bello",
    )
    await queue_settled(stack.database_path)
    client.clear()
    return title


# The booking goes through the work queue, which by default only sends in working hours.
@pytest.mark.parametrize("service_env", [deliver_at_any_hour()], ids=["any-hour"])
async def test_mentee_types_schedule_picks_the_first_time_and_sees_it_booked(stack: Stack, tmp_path: Path) -> None:
    client = stack.client
    database = stack.database_path
    zone = ZoneInfo(ZONE)
    today = datetime.now(zone).date()
    await morgan_introduced_to_aisha(
        stack, cohort_plan("Race equality 2026, people directorate", today, mentor_capacity="1")
    )

    shots = {name: tmp_path / f"meeting-{name}.png" for name in ("offered", "booking", "booked")}
    script = (
        UiScript()
        .open_chat("Personal Chat")
        .send("schedule")
        .wait_for_card_text("Choose a time to meet")
        .wait_for_card_text("Times when you're both free")
        # Typing into both shows the own-time form's date and time pickers were rendered as working inputs. They
        # are required, and the renderer puts a visible asterisk into their labels.
        .fill("Day *", (today + timedelta(days=7)).isoformat())
        .fill("Start time *", "14:30")
        .screenshot(shots["offered"])
        .click_matching(OFFERED_TIME)
        # The card the bot puts in place of the pressed one, with no buttons while the queue books it.
        .wait_for_card_text("Booking your conversation")
        .screenshot(shots["booking"])
        # A new message, sent once the queue has booked it: only that one carries this notice.
        .wait_for_card_text("Booked. The details are below.")
        .screenshot(shots["booked"])
    )
    result = await run_ui_script(
        stack.playground.base_url,
        script,
        node_modules=NODE_MODULES,
        step_timeout=PROACTIVE_WAIT,
        failure_screenshot=tmp_path / "failure.png",
    )
    assert result.ok, result.error
    assert result.console_errors == []
    for shot in shots.values():
        assert shot.stat().st_size > 10_000

    # The button pressed was the first time offered, and that is the time booked. Booking clears the times offered
    # from the database, so they are read from the copy of the offer Aisha was sent.
    aisha_chat = await client.personal_chat_id(AISHA)
    aisha_offer = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=aisha_chat, predicate=lambda m: heading(m) == "Choose a time to meet"
    )
    offered = [
        str(action["title"])
        for action in card_actions(aisha_offer.adaptive_cards[0])
        if action.get("verb") == "meeting.pick"
    ]
    [pressed] = [step["pressed"] for step in result.steps if step["op"] == "clickMatching"]
    assert pressed == offered[0]
    await queue_settled(database)
    [meeting] = rows(database, "SELECT state, when_start, when_end FROM meetings")
    assert meeting["state"] == "booked"
    assert when_text(Interval(_utc(meeting["when_start"]), _utc(meeting["when_end"])), zone) == pressed
    # Aisha is told too, in her own chat.
    told = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=aisha_chat, predicate=lambda m: heading(m) == "Your conversation is booked"
    )
    assert f"**{pressed}** with Morgan Ashby." in text_blocks(told.adaptive_cards[0])


def _utc(stored: str) -> datetime:
    """A time as the service stored it: ISO text in UTC, with or without its offset."""
    moment = datetime.fromisoformat(stored)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


LEARNED = "How much the rota decides who can take part in anything at all."


# The survey reaches Morgan through the work queue, which by default only sends in working hours.
@pytest.mark.parametrize("service_env", [deliver_at_any_hour()], ids=["any-hour"])
async def test_mentee_writes_a_reflection_and_opens_the_baseline_survey_a_coordinator_sent(
    stack: Stack, tmp_path: Path
) -> None:
    database = stack.database_path
    today = datetime.now(ZoneInfo(ZONE)).date()
    title = await morgan_introduced_to_aisha(
        stack, cohort_plan("Race equality 2026, reflections and surveys", today, mentor_capacity="1")
    )

    shots = {name: tmp_path / f"{name}.png" for name in ("reflection-form", "survey-form", "reflection-saved")}
    script = (
        UiScript()
        .open_chat("Personal Chat")
        .send("reflect")
        # No conversation has been held yet, so the form is for a reflection about nothing in particular.
        .wait_for_card_text("A moment to reflect")
        # Typing into a box shows the form was rendered with working, labelled inputs, not just as text.
        .fill("What I learned", LEARNED)
        .screenshot(shots["reflection-form"])
        # This click once failed inside the renderer, which cannot send button data with a field named "key"; only
        # the real web UI shows that.
        .click("Save my reflection")
        # The card the bot puts in place of the form.
        .wait_for_card_text("Reflection saved")
        .screenshot(shots["reflection-saved"])
        # Morgan is a coordinator as well as a mentee. The answer is plain text.
        .send("survey send baseline")
        .wait_for_text(f"The start-of-programme survey of {title}")
        # The invitation the queue delivers is the questionnaire itself.
        .wait_for_card_text("Start-of-programme survey")
        .send("survey")
        # A card that was not there before 'survey' was typed: the same questionnaire, asked for.
        .wait_for_card()
        .wait_for_card_text("How much do you agree?")
        .screenshot(shots["survey-form"])
    )
    result = await run_ui_script(
        stack.playground.base_url,
        script,
        node_modules=NODE_MODULES,
        step_timeout=PROACTIVE_WAIT,
        failure_screenshot=tmp_path / "failure.png",
    )
    assert result.ok, result.error
    assert result.console_errors == []
    for shot in shots.values():
        assert shot.stat().st_size > 10_000
    [saved] = rows(database, "SELECT learned FROM reflections")
    assert saved["learned"] == LEARNED
