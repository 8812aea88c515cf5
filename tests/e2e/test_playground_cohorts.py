"""A cohort's whole recruitment, end to end through the Agents Playground: the coordinator plans and opens a
cohort, two people sign up through the cards, the coordinator decides, the applicants hear about it, and one of them
asks to be forgotten. Afterwards the service's own database is read to prove the forgetting happened."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.tables import metadata
from tests.e2e.conftest import Stack
from tests.e2e.playground import PlaygroundClient
from tests.e2e.steps import (
    AISHA,
    AISHA_OBJECT_ID,
    COORDINATORS_ONLY,
    DAVID,
    DAVID_OBJECT_ID,
    HELEN,
    HELEN_OBJECT_ID,
    MORGAN,
    MORGAN_OBJECT_ID,
    PROACTIVE_WAIT,
    ZONE,
    answers_of,
    card_of,
    cohort_plan,
    connect,
    create_cohort,
    deliver_at_any_hour,
    heading,
    new_cohort_form,
    open_cohort,
    queue_settled,
    rows,
    say,
    showing,
    sign_up,
)
from tests.support.card_reading import button, card_actions, fact_pairs, facts, inputs, text_blocks

pytestmark = pytest.mark.e2e

COHORT_NAME = "Race equality 2026, board"


@pytest.fixture
def service_env() -> dict[str, str]:
    return deliver_at_any_hour()


AISHA_ANSWERS = answers_of(
    AISHA,
    topics="career-progression,belonging",
    availability="mon-am,wed-pm",
    experience_note="I trained overseas and joined the ward in 2019, so I can talk about settling in.",
    avoid_emails="David.Okoro@northmoor.example",
)
HELEN_ANSWERS = answers_of(
    HELEN,
    topics="microaggressions,speaking-up",
    availability="tue-pm,thu-am",
    experience_note="I want to understand why our speaking-up figures differ so much between staff groups.",
    # Someone outside the mock tenant, so finding the address anywhere after her erasure can only be her answer.
    avoid_emails="quality.lead.kestrel@northmoor.example\nwinsome.achterberg@northmoor.example",
)
AISHA_REASON = "Strong fit for the board track: ward experience and the buddy scheme."
HELEN_REASON = "Board places already filled by Chief Operating Officer and Medical Director."


async def test_a_cohort_from_planning_to_a_participant_asking_to_be_forgotten(stack: Stack) -> None:
    client = stack.client
    today = datetime.now(ZoneInfo(ZONE)).date()

    # 1. Morgan plans the cohort: a wrong end date comes back on the form, then the corrected form creates it.
    cohort_id = await _create_and_open_cohort(client, today)

    # 2. David is not a coordinator: he is refused, politely, and the cohort is not touched.
    before = _cohort_row(stack.database_path, cohort_id)
    david_chat = await say(client, DAVID, f"cohort open {cohort_id}")
    refusal = await client.next_bot_message(conversation_id=david_chat, predicate=lambda m: m.text is not None)
    assert refusal.text == COORDINATORS_ONLY
    assert _cohort_row(stack.database_path, cohort_id) == before
    assert before["state"] == "recruiting"
    assert rows(
        stack.database_path,
        "SELECT actor_id, action, outcome, target FROM audit_log WHERE actor_id = ?",
        DAVID_OBJECT_ID,
    ) == [
        {
            "actor_id": DAVID_OBJECT_ID,
            "action": "cohort open",
            "outcome": "refused: not a coordinator",
            "target": f"cohort {cohort_id}",
        }
    ]

    # 3. Aisha and Helen sign up through the cards alone.
    await sign_up(client, AISHA, AISHA_ANSWERS, f"Cohort {cohort_id}: {COHORT_NAME}")
    await sign_up(client, HELEN, HELEN_ANSWERS, f"Cohort {cohort_id}: {COHORT_NAME}")

    # 4. Morgan approves Aisha and puts Helen on the waiting list; each hears about it in their own chat.
    helen_application = await _decide(client, cohort_id)
    aisha_chat = await client.personal_chat_id(AISHA)
    helen_chat = await client.personal_chat_id(HELEN)
    approved = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=aisha_chat, predicate=lambda m: "approved" in (m.text or "")
    )
    assert approved.text is not None
    assert approved.text.startswith(
        f"Good news: your application to be a mentor in Cohort {cohort_id}: {COHORT_NAME} has been approved."
    )
    waitlisted = await client.next_bot_message(
        PROACTIVE_WAIT, conversation_id=helen_chat, predicate=lambda m: "waiting list" in (m.text or "")
    )
    assert waitlisted.text is not None
    assert waitlisted.text.startswith(f"Thank you for applying to be a mentee in Cohort {cohort_id}: {COHORT_NAME}.")
    assert "you're on the waiting list" in waitlisted.text

    # 5. The status card counts both decisions.
    assert await _status_counts(client, cohort_id) == {
        "Mentors": "0 waiting · 1 approved · 0 waiting list · 0 declined · 0 withdrawn",
        "Mentees": "0 waiting · 0 approved · 1 waiting list · 0 declined · 0 withdrawn",
    }

    # 6. Aisha's own data: every answer she gave, and nothing of Helen's.
    await _check_my_data(client, aisha_chat, approved.text)

    # Before the erasure the scan must find Helen all over the database, or its clean result later proves nothing.
    needles = _helen_needles()
    found_before = _traces(stack.database_path, needles)
    assert {table for table, _, _ in found_before} >= {"applications", "participants", "contacts", "audit_log"}
    assert {needle for _, _, needle in found_before} == set(needles)

    # 7. Helen asks for her data to be deleted and confirms.
    await say(client, HELEN, "delete my data")
    confirm = await client.next_bot_message(
        conversation_id=helen_chat, predicate=lambda m: heading(m) == "Delete your data?"
    )
    erased = await client.click(confirm, "Yes, delete my data", user_id=HELEN)
    assert erased is not None
    assert erased.type == "application/vnd.microsoft.activity.message"
    assert isinstance(erased.value, str)
    assert erased.value.startswith("Done. I've deleted your answers, applications, pause settings")

    # Coordinators are told she left, by name; that notice is kept only until it is delivered.
    notice = await client.next_bot_message(
        PROACTIVE_WAIT,
        conversation_id=client.config.personal_chat_id,
        predicate=lambda m: "asked for their data to be deleted" in (m.text or ""),
    )
    assert notice.text is not None
    assert notice.text.startswith(f"Helen Marsh (mentee) has left Cohort {cohort_id}: {COHORT_NAME}")
    await queue_settled(stack.database_path)

    # Her application is still counted, anonymously, as withdrawn.
    assert await _status_counts(client, cohort_id) == {
        "Mentors": "0 waiting · 1 approved · 0 waiting list · 0 declined · 0 withdrawn",
        "Mentees": "0 waiting · 0 approved · 0 waiting list · 0 declined · 1 withdrawn",
    }
    assert rows(
        stack.database_path,
        "SELECT person_id, display_name, role, state FROM applications WHERE role = 'mentee'",
    ) == [{"person_id": None, "display_name": "", "role": "mentee", "state": "withdrawn"}]

    # Nothing personal of hers is left anywhere: not her id, her name, any answer, nor Morgan's reason about her.
    # (The holders' one documented exception, audit entries she made as the actor, cannot arise: she only ever
    # used participant commands, which are not audited.)
    assert _traces(stack.database_path, needles) == []
    # Morgan's decision about her stays accountable, without the reason that described her.
    decisions = rows(
        stack.database_path,
        "SELECT actor_id, outcome, detail FROM audit_log WHERE action = 'application decide' AND target = ?",
        f"application {helen_application}",
    )
    assert [(d["actor_id"], d["outcome"], json.loads(d["detail"])) for d in decisions] == [
        (MORGAN_OBJECT_ID, "done", {"decision": "waitlisted", "reason": "erased person"})
    ]
    # Aisha, who did not ask, is untouched.
    assert {n for _, _, n in _traces(stack.database_path, (AISHA_OBJECT_ID, "Aisha Bello", AISHA_REASON))} == {
        AISHA_OBJECT_ID,
        "Aisha Bello",
        AISHA_REASON,
    }


# Steps -------------------------------------------------------------------------------------------------------------


async def _create_and_open_cohort(client: PlaygroundClient, today: date) -> int:
    form = await new_cohort_form(client)
    valid = cohort_plan(COHORT_NAME, today)
    # Before the start: the form must come back saying so, keeping what was typed.
    plan = {**valid, "ends_on": (date.fromisoformat(valid["starts_on"]) - timedelta(days=7)).isoformat()}
    rejected = card_of(await client.click(form, "Create cohort", inputs=plan))
    assert text_blocks(rejected)[0] == "New cohort"
    assert "Some answers need another look; the notes below say what to change." in text_blocks(rejected)
    assert "The end date is on or before the start date; please choose a later end date." in text_blocks(rejected)
    typed = inputs(rejected)
    assert typed["name"]["value"] == COHORT_NAME
    assert typed["ends_on"]["value"] == plan["ends_on"]

    cohort_id, created = await create_cohort(client, showing(form, rejected), valid)
    assert facts(created.adaptive_cards[0])["Sessions"] == "8, every two weeks, 45 minutes each"
    await open_cohort(client, created, cohort_id, COHORT_NAME)
    return cohort_id


async def _decide(client: PlaygroundClient, cohort_id: int) -> int:
    """Approve Aisha and waitlist Helen from the review card; returns Helen's application id."""
    chat = await say(client, MORGAN, "applications")
    review = await client.next_bot_message(
        conversation_id=chat, predicate=lambda m: heading(m) == f"Applications to Cohort {cohort_id}: {COHORT_NAME}"
    )
    first = review.adaptive_cards[0]
    assert "Page 1 of 2" in text_blocks(first)
    assert "Aisha Bello" in text_blocks(first)
    assert AISHA_ANSWERS.bio in text_blocks(first)
    assert facts(first)["Band or grade"] == "Band 3"
    assert facts(first)["Work email"] == AISHA_ANSWERS.work_email
    # The coordinator learns how many colleagues she would rather not meet, never who.
    assert any(block.startswith("Asked not to be paired with 1 colleague.") for block in text_blocks(first))
    assert "david.okoro" not in json.dumps(first).lower()
    aisha_application = button(first, "Approve")["data"]["application"]
    after_approval = card_of(
        await client.click(review, "Approve", inputs={f"reason-{aisha_application}": AISHA_REASON})
    )

    # Deciding replaces the card with the next application waiting: Helen's.
    assert "Helen Marsh" in text_blocks(after_approval)
    assert "Aisha Bello" not in text_blocks(after_approval)
    helen_application = button(after_approval, "Waiting list")["data"]["application"]
    assert helen_application != aisha_application
    after_waitlist = card_of(
        await client.click(
            showing(review, after_approval), "Waiting list", inputs={f"reason-{helen_application}": HELEN_REASON}
        )
    )
    # She stays reviewable, now with only the decisions left from the waiting list.
    assert "Mentee · applied" in " ".join(text_blocks(after_waitlist))
    assert any(block.endswith("· On the waiting list") for block in text_blocks(after_waitlist))
    assert [a["title"] for a in card_actions(after_waitlist) if a.get("verb") == "application.decide"] == [
        "Approve",
        "Decline",
    ]
    assert isinstance(helen_application, int)
    return helen_application


async def _status_counts(client: PlaygroundClient, cohort_id: int) -> dict[str, str]:
    chat = await say(client, MORGAN, "status")
    status = await client.next_bot_message(conversation_id=chat, predicate=lambda m: heading(m) == "Programme status")
    card = status.adaptive_cards[0]
    assert f"Cohort {cohort_id}: {COHORT_NAME}" in text_blocks(card)
    assert "Open for sign-ups · Race equality" in text_blocks(card)
    shown = facts(card)
    return {role: shown[role] for role in ("Mentors", "Mentees")}


async def _check_my_data(client: PlaygroundClient, aisha_chat: str, approved_text: str) -> None:
    await say(client, AISHA, "my data")
    message = await client.next_bot_message(conversation_id=aisha_chat, predicate=lambda m: heading(m) == "Your data")
    card = message.adaptive_cards[0]
    blocks = text_blocks(card)
    assert f"Your Microsoft 365 account id: {AISHA_OBJECT_ID}" in blocks
    shown = fact_pairs(card)
    for fact in (
        ("Display name", "Aisha Bello"),
        ("Role", "mentor"),
        ("State", "approved"),
        ("Cohort: Name", COHORT_NAME),
        ("Detail: Reason", AISHA_REASON),
    ):
        assert fact in shown, f"{fact} should be on the card; it has {shown}"
    # Her answers, exactly as she gave them, and no others.
    assert {title: value for title, value in shown if title.startswith("Answers: ")} == {
        "Answers: Job title": AISHA_ANSWERS.job_title,
        "Answers: Band": AISHA_ANSWERS.band,
        "Answers: Directorate": AISHA_ANSWERS.directorate,
        "Answers: Site": AISHA_ANSWERS.site,
        "Answers: Work email": AISHA_ANSWERS.work_email,
        "Answers: Line manager email": AISHA_ANSWERS.line_manager_email,
        "Answers: Avoid emails": ", ".join(AISHA_ANSWERS.avoided()),
        "Answers: Topics": AISHA_ANSWERS.topics.replace(",", ", "),
        "Answers: Availability": AISHA_ANSWERS.availability.replace(",", ", "),
        "Answers: Meeting preference": AISHA_ANSWERS.meeting_preference,
        "Answers: Experience note": AISHA_ANSWERS.experience_note,
        "Answers: Bio": AISHA_ANSWERS.bio,
    }
    assert ("Text", approved_text) in shown
    everything = json.dumps(card, ensure_ascii=False)
    for needle in _helen_needles():
        assert needle not in everything, f"Aisha's data card shows Helen's {needle!r}"


def _helen_needles() -> tuple[str, ...]:
    return (HELEN_OBJECT_ID, "Helen Marsh", *HELEN_ANSWERS.free_text(), HELEN_REASON)


# Reading the database ----------------------------------------------------------------------------------------------


def _cohort_row(database: Path, cohort_id: int) -> dict[str, Any]:
    found = rows(database, "SELECT * FROM cohorts WHERE id = ?", cohort_id)
    assert len(found) == 1
    return found[0]


def _traces(database: Path, needles: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text value in every table that contains one of the needles, ignoring
    case. JSON columns are text in SQLite, so their contents are searched too."""
    found: list[tuple[str, str, str]] = []
    with connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # The service's migrated database, with every table of its schema: none can escape the scan.
        assert set(metadata.tables) <= set(tables)
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 -- names from sqlite_master
            columns = [description[0] for description in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", errors="replace")
                    if not isinstance(value, str):
                        continue
                    lowered = value.lower()
                    found += [(table, column, needle) for needle in needles if needle.lower() in lowered]
    return found
