"""Coordinators run cohorts through the real adapter: the new-cohort form, opening and closing sign-ups, the list and
the status card, typed commands and card buttons alike. Every coordinator action leaves exactly one audit entry,
and someone who is not a coordinator is refused politely, audited, and changes nothing."""

from __future__ import annotations

from programme.cohorts import CohortState
from tests.http.programme_driver import (
    CARD_REPLY,
    COHORT_FORM,
    COORDINATOR_CARYS,
    ERROR_REPLY,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    Programme,
    only_card,
    only_text,
)
from tests.support.card_reading import button, card_text, inputs

REFUSED = "Sorry, only programme coordinators can do that."
NAME = "Race equality 2026, board"
ADMIN = COORDINATOR_CARYS.id


async def test_a_coordinator_plans_opens_and_closes_a_cohort(programme: Programme) -> None:
    await programme.meet(COORDINATOR_CARYS)

    form = only_card(await programme.say(COORDINATOR_CARYS, "cohort new"))
    assert "New cohort" in card_text(form)
    assert button(form, "Create cohort")["verb"] == "cohort.create"

    # End before start and a deadline in the past: the form comes back with both problems and what was typed.
    typed = {
        **COHORT_FORM,
        "name": "Autumn pilot",
        "signup_closes": "2026-02-20",
        "starts_on": "2026-05-01",
        "ends_on": "2026-04-15",
    }
    refused = await programme.click(COORDINATOR_CARYS, "cohort.create", typed)
    assert refused["statusCode"] == 200
    assert refused["type"] == CARD_REPLY
    shown = card_text(refused["value"])
    assert "The sign-up deadline is in the past" in shown
    assert "The end date is on or before the start date" in shown
    fields = inputs(refused["value"])
    assert fields["name"]["value"] == "Autumn pilot"
    assert fields["signup_closes"]["value"] == "2026-02-20"
    assert fields["ends_on"]["value"] == "2026-04-15"
    assert fields["track"]["value"] == "race-equality"
    assert await programme.cohorts() == []

    # Two good forms: one cohort is opened by typing, the other by the button on its "created" card.
    created = await programme.click(COORDINATOR_CARYS, "cohort.create", COHORT_FORM)
    assert "Cohort created" in card_text(created["value"])
    assert "Cohort 1: Race equality 2026, board is saved as a draft." in card_text(created["value"])
    second = await programme.click(COORDINATOR_CARYS, "cohort.create", {**COHORT_FORM, "name": "Disability 2026"})
    open_second = button(second["value"], "Open sign-ups now")
    assert open_second["data"]["cohort"] == 2
    [first, other] = sorted(await programme.cohorts(), key=lambda c: c.id)
    assert (first.plan.name, first.state, first.created_by.value) == (NAME, CohortState.DRAFT, ADMIN)
    assert (other.plan.name, other.state) == ("Disability 2026", CohortState.DRAFT)
    assert [d.isoformat() for d in first.plan.training_dates] == ["2026-04-08"]

    listing = only_card(await programme.say(COORDINATOR_CARYS, "cohorts"))
    listed = card_text(listing)
    assert "Cohort 1: Race equality 2026, board" in listed
    assert "Cohort 2: Disability 2026" in listed
    assert listed.count("Draft") == 2

    opened = only_card(await programme.say(COORDINATOR_CARYS, "cohort open 1"))
    assert "Cohort 1: Race equality 2026, board is now open for sign-ups." in card_text(opened)
    assert (await programme.cohort(1)).state is CohortState.RECRUITING

    by_button = await programme.press(COORDINATOR_CARYS, open_second)
    assert by_button["type"] == CARD_REPLY
    assert "Cohort 2: Disability 2026 is now open for sign-ups." in card_text(by_button["value"])
    assert (await programme.cohort(2)).state is CohortState.RECRUITING

    again = only_text(await programme.say(COORDINATOR_CARYS, "cohort open 1"))
    assert again == "Cohort 1: Race equality 2026, board is already open for sign-ups; nothing changed."
    clicked_again = await programme.press(COORDINATOR_CARYS, open_second)
    assert clicked_again["type"] == MESSAGE_REPLY
    assert clicked_again["value"] == "Cohort 2: Disability 2026 is already open for sign-ups; nothing changed."

    closed = only_card(await programme.say(COORDINATOR_CARYS, "cohort close-signups 2"))
    assert "Sign-ups for Cohort 2: Disability 2026 are closed." in card_text(closed)
    assert (await programme.cohort(2)).state is CohortState.MATCHING
    assert (await programme.cohort(1)).state is CohortState.RECRUITING

    status = card_text(only_card(await programme.say(COORDINATOR_CARYS, "status")))
    # The newest cohort still running is the one shown, with a count per application state for each role.
    assert "Cohort 2: Disability 2026" in status
    assert "Closed to sign-ups and being matched" in status
    assert "Mentors\n0 waiting · 0 approved · 0 waiting list · 0 declined · 0 withdrawn" in status
    assert "Mentees\n0 waiting · 0 approved · 0 waiting list · 0 declined · 0 withdrawn" in status

    assert await programme.audit() == [
        (ADMIN, "cohort new", "done", None),
        (ADMIN, "cohort create", "rejected: InvalidFields", None),
        (ADMIN, "cohort create", "done", None),
        (ADMIN, "cohort create", "done", None),
        (ADMIN, "cohorts", "done", None),
        (ADMIN, "cohort open", "done", "cohort 1"),
        (ADMIN, "cohort open", "done", "cohort 2"),
        (ADMIN, "cohort open", "rejected: Conflict", "cohort 1"),
        (ADMIN, "cohort open", "rejected: Conflict", "cohort 2"),
        (ADMIN, "cohort close-signups", "done", "cohort 2"),
        (ADMIN, "status", "done", None),
    ]


async def test_the_audit_command_shows_what_coordinators_did(programme: Programme) -> None:
    await programme.meet(COORDINATOR_CARYS)
    await programme.open_cohort()

    audit = card_text(only_card(await programme.say(COORDINATOR_CARYS, "audit")))

    assert f"cohort create by {ADMIN} \u2192 done" in audit
    assert f"cohort open by {ADMIN} \u2192 done (cohort 1)" in audit


async def test_someone_who_is_not_a_coordinator_cannot_open_a_cohort(programme: Programme) -> None:
    cohort_id = await programme.create_cohort()
    await programme.meet(MENTOR_ZADIE)

    typed = only_text(await programme.say(MENTOR_ZADIE, f"cohort open {cohort_id}"))
    assert typed.startswith(REFUSED)
    clicked = await programme.click(MENTOR_ZADIE, "cohort.open", {"cohort": cohort_id})
    assert clicked["type"] == MESSAGE_REPLY
    assert clicked["value"].startswith(REFUSED)
    # The form button is refused the same way: a forwarded card gives nobody a coordinator's powers.
    forged = await programme.click(MENTOR_ZADIE, "cohort.create", {**COHORT_FORM, "name": "Forged cohort"})
    assert forged["value"].startswith(REFUSED)
    decide = {"application": 1, "decision": "approved", "version": 1, "cohort": cohort_id}
    assert (await programme.click(MENTOR_ZADIE, "application.decide", decide))["value"].startswith(REFUSED)

    assert (await programme.cohort(cohort_id)).state is CohortState.DRAFT
    assert [c.plan.name for c in await programme.cohorts()] == [NAME]
    refusals = [entry for entry in await programme.audit() if entry[0] == MENTOR_ZADIE.id]
    assert refusals == [
        (MENTOR_ZADIE.id, "cohort open", "refused: not a coordinator", "cohort 1"),
        (MENTOR_ZADIE.id, "cohort open", "refused: not a coordinator", "cohort 1"),
        (MENTOR_ZADIE.id, "cohort create", "refused: not a coordinator", None),
        (MENTOR_ZADIE.id, "application decide", "refused: not a coordinator", "application 1"),
    ]


async def test_a_button_for_a_cohort_that_does_not_exist_gets_a_kind_answer(programme: Programme) -> None:
    await programme.create_cohort()

    answer = await programme.click(COORDINATOR_CARYS, "cohort.open", {"cohort": 999})

    assert answer["type"] == MESSAGE_REPLY
    assert answer["value"] == "There is no cohort 999. Type 'cohorts' to see them all."
    assert (await programme.audit())[-1] == (ADMIN, "cohort open", "rejected: NotFound", "cohort 999")


async def test_a_decision_button_with_a_damaged_id_is_a_400_with_a_kind_message(programme: Programme) -> None:
    cohort_id = await programme.open_cohort()
    before = await programme.audit()

    answer = await programme.click(
        COORDINATOR_CARYS,
        "application.decide",
        {"application": "1; DROP TABLE applications", "decision": "approved", "version": 1, "cohort": cohort_id},
    )

    assert answer["statusCode"] == 400
    assert answer["type"] == ERROR_REPLY
    assert answer["value"] == {
        "code": "BadRequest",
        "message": "That button seems to be damaged or out of date; please use the command instead.",
    }
    # Nothing was attempted, so there is nothing to audit.
    assert await programme.audit() == before


async def test_a_huge_form_value_brings_the_form_back_not_an_error(programme: Programme) -> None:
    answer = await programme.click(COORDINATOR_CARYS, "cohort.create", {**COHORT_FORM, "name": "N" * 300_000})

    assert answer["type"] == CARD_REPLY
    assert "That answer is too long; please keep it under 200 characters." in card_text(answer["value"])
    # What comes back is cut short, so the card still fits in a message.
    assert len(inputs(answer["value"])["name"]["value"]) == 200
    assert await programme.cohorts() == []
