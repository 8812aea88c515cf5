"""A cohort ready for matching, built through the real adapter: people who sign up through the cards, a
coordinator who approves them on the review card and closes sign-ups, and helpers to read what matching left in
the database.

The people are chosen so the rules, not chance, decide the pairs (capacity is one mentee per mentor):

* Zadie (Band 5) and Fenella (Band 8c) chose the same topics and times, as did Wren (Band 6) and Bram (board),
  and Hollis (Band 7) and Gwen (Band 8a), so those three pairs are the best fit.
* Ottilie is Bram's line manager (he declared her address) and signed up as a mentor; she is also a director, more
  senior than every mentee but Bram, so no pair with her is allowed.
* Percy (Band 4) is junior to every mentor, so no pair with him is allowed.
* Gwen works in Zadie's directorate, and the cohort pairs across directorates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from programme.applications import Application, ApplicationState
from programme.contracts import Contract
from programme.pairs import Pair
from storage.contract_store import SqlContractStore
from storage.pair_store import SqlPairStore
from storage.tables import audit_log, work_items
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    COORDINATOR_CARYS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    ZADIE_ANSWERS,
    Person,
    Programme,
    only_card,
)
from tests.support.card_reading import card_actions, card_text
from tests.support.sign_up_answers import Answers

CARD_TITLE = "Cohort 1: Race equality 2026, board"

MENTOR_WREN = Person("a0000000-0000-4000-8000-000000000012", "Wren Ashcombe", "wren.ashcombe@nhs.net")
MENTOR_HOLLIS = Person("a0000000-0000-4000-8000-000000000013", "Hollis Pennywhistle", "hollis.pennywhistle@nhs.net")
# Bram's line manager: her work email is the one he declared.
MENTOR_OTTILIE = Person("a0000000-0000-4000-8000-000000000014", "Ottilie Chiefwright", BRAM_ANSWERS.line_manager_email)
MENTEE_FENELLA = Person("b0000000-0000-4000-8000-000000000015", "Fenella Marchbank", "fenella.marchbank@nhs.net")
MENTEE_GWEN = Person("b0000000-0000-4000-8000-000000000016", "Gwendolyn Quarrie", "gwen.quarrie@nhs.net")
MENTEE_PERCY = Person("b0000000-0000-4000-8000-000000000017", "Percy Lowmoor", "percy.lowmoor@nhs.net")


def applicant(
    person: Person, role: str, word: str, *, band: str, topics: str, availability: str, **changes: str
) -> Answers:
    """The answers of someone who signs up here: what the rules look at is given, and every typed answer carries
    ``word`` (their own directorate among them, so nobody shares one by chance); ``changes`` sets any other."""
    answers = Answers(
        role=role,
        job_title=f"{word} Officer",
        band=band,
        directorate=f"{word} Directorate",
        site=f"{word} House",
        work_email=person.email,
        line_manager_email=f"{person.name.split()[0].lower()}.lead@nhs.net",
        topics=topics,
        availability=availability,
        meeting_preference="teams",
        experience_note=f"{word} experiences",
        bio=f"{person.name.split()[0]} works at {word} House",
    )
    return dataclasses.replace(answers, **changes)


# Zadie's topics and times are Fenella's; Bram's are Wren's (and Ottilie's).
WREN_ANSWERS = applicant(
    MENTOR_WREN,
    "mentor",
    "Wrenfield",
    band="band-6",
    topics=BRAM_ANSWERS.topics,
    availability=BRAM_ANSWERS.availability,
)
HOLLIS_ANSWERS = applicant(
    MENTOR_HOLLIS,
    "mentor",
    "Hollisbury",
    band="band-7",
    topics="speaking-up,flexible-working",
    availability="wed-am,wed-pm",
)
OTTILIE_ANSWERS = applicant(
    MENTOR_OTTILIE,
    "mentor",
    "Chiefwright",
    band="director",
    topics=BRAM_ANSWERS.topics,
    availability=BRAM_ANSWERS.availability,
)
FENELLA_ANSWERS = applicant(
    MENTEE_FENELLA,
    "mentee",
    "Marchbank",
    band="band-8c",
    topics=ZADIE_ANSWERS.topics,
    availability=ZADIE_ANSWERS.availability,
    directorate="Marchbank Finance",
)
GWEN_ANSWERS = applicant(
    MENTEE_GWEN,
    "mentee",
    "Quarrie",
    band="band-8a",
    topics=HOLLIS_ANSWERS.topics,
    availability=HOLLIS_ANSWERS.availability,
    # Zadie's directorate: the cohort keeps them apart.
    directorate=ZADIE_ANSWERS.directorate,
)
PERCY_ANSWERS = applicant(MENTEE_PERCY, "mentee", "Lowmoor", band="band-4", topics="recruitment", availability="mon-pm")

EVERYONE: tuple[tuple[Person, Answers], ...] = (
    (MENTOR_ZADIE, ZADIE_ANSWERS),
    (MENTOR_WREN, WREN_ANSWERS),
    (MENTOR_HOLLIS, HOLLIS_ANSWERS),
    (MENTOR_OTTILIE, OTTILIE_ANSWERS),
    (MENTEE_BRAM, BRAM_ANSWERS),
    (MENTEE_FENELLA, FENELLA_ANSWERS),
    (MENTEE_GWEN, GWEN_ANSWERS),
    (MENTEE_PERCY, PERCY_ANSWERS),
)
ONE_PAIR: tuple[tuple[Person, Answers], ...] = ((MENTOR_ZADIE, ZADIE_ANSWERS), (MENTEE_BRAM, BRAM_ANSWERS))


async def cohort_to_match(programme: Programme, people: Sequence[tuple[Person, Answers]]) -> int:
    """A cohort (one mentee per mentor) whose applicants all signed up and were approved on the review card,
    with sign-ups closed and the approval messages delivered; returns its id."""
    cohort_id = await programme.open_cohort(mentor_capacity="1")
    await programme.meet(COORDINATOR_CARYS, *(person for person, _ in people))
    for person, answers in people:
        await programme.sign_up(person, answers)
    await approve_everyone(programme)
    closed = only_card(await programme.say(COORDINATOR_CARYS, f"cohort close-signups {cohort_id}"))
    assert f"Sign-ups for {CARD_TITLE} are closed." in card_text(closed)
    report = await programme.sweep()
    assert report.done == len(people), report
    return cohort_id


async def approve_everyone(programme: Programme) -> None:
    """Press "Approve" on the review card until no application waits."""
    shown: Mapping[str, Any] = only_card(await programme.say(COORDINATOR_CARYS, "applications"))
    while approve := [a for a in card_actions(shown) if a.get("title") == "Approve"]:
        answer = await programme.press(COORDINATOR_CARYS, approve[0])
        shown = answer["value"]
    assert "Nothing waiting for a decision." in card_text(shown)


async def pairs(programme: Programme, cohort_id: int) -> list[Pair]:
    return list(await SqlPairStore(programme.runtime.database).for_cohort(cohort_id))


async def named_pairs(programme: Programme, cohort_id: int) -> set[tuple[str, str]]:
    """The cohort's pairs as (mentor's name, mentee's name)."""
    names = {
        application.id: application.display_name
        for person, _ in EVERYONE
        for application in await programme.applications(person)
    }
    return {(names[p.mentor_application], names[p.mentee_application]) for p in await pairs(programme, cohort_id)}


async def application_of(programme: Programme, person: Person) -> Application:
    [application] = await programme.applications(person)
    return application


async def states(programme: Programme, people: Sequence[Person]) -> dict[str, ApplicationState]:
    return {person.name: (await application_of(programme, person)).state for person in people}


async def contract(programme: Programme, pair_id: int) -> Contract | None:
    return await SqlContractStore(programme.runtime.database).get(pair_id)


async def work_keys(programme: Programme) -> list[str]:
    """The idempotency key of every work item ever queued, oldest first."""
    query = select(work_items.c.idempotency_key).order_by(work_items.c.id)
    async with programme.runtime.database.engine.connect() as connection:
        return list((await connection.execute(query)).scalars())


async def audit_details(programme: Programme, action: str) -> list[tuple[str, dict[str, Any]]]:
    """(outcome, detail) of every audit entry for ``action``, oldest first."""
    query = select(audit_log.c.outcome, audit_log.c.detail).where(audit_log.c.action == action).order_by(audit_log.c.id)
    async with programme.runtime.database.engine.connect() as connection:
        return [(outcome, dict(detail)) for outcome, detail in (await connection.execute(query)).all()]


def cards_to(programme: Programme, person: Person, *, since: int = 0) -> list[dict[str, Any]]:
    """The cards that have reached the person's 1:1 chat after the first ``since`` sends (to anyone), oldest
    first."""
    return [
        card
        for activity in programme.sent[since:]
        if activity.conversation_id == person.chat
        for card in activity.cards
    ]


def texts_to(programme: Programme, person: Person, *, since: int = 0) -> list[str]:
    """The same for text messages."""
    return [a.text for a in programme.sent[since:] if a.conversation_id == person.chat and a.text]
