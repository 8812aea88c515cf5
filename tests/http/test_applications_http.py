"""A coordinator decides on applications through the real adapter, and applicants hear the decision by a proactive
message once the work queue is swept. A second click on an out-of-date card changes nothing and sends nothing."""

from __future__ import annotations

from programme.applications import ApplicationState
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    CARD_REPLY,
    COORDINATOR_CARYS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    ZADIE_ANSWERS,
    Programme,
    only_card,
)
from tests.support.card_reading import button, card_actions, card_text

APPROVED = (
    "Good news: your application to be a mentor in Cohort 1: Race equality 2026, board has been approved. Thank "
    "you for taking part."
)
WAITLISTED = "Thank you for applying to be a mentee in Cohort 1: Race equality 2026, board. There isn't a place"


async def test_a_coordinator_approves_and_waitlists_and_applicants_are_told(programme: Programme) -> None:
    cohort_id = await programme.open_cohort()
    await programme.meet(COORDINATOR_CARYS, MENTOR_ZADIE, MENTEE_BRAM)
    await programme.sign_up(MENTOR_ZADIE, ZADIE_ANSWERS)
    await programme.sign_up(MENTEE_BRAM, BRAM_ANSWERS)
    [zadie] = await programme.applications(MENTOR_ZADIE)
    [bram] = await programme.applications(MENTEE_BRAM)

    review = only_card(await programme.say(COORDINATOR_CARYS, "applications"))
    shown = card_text(review)
    # One application a page, in the order they arrived.
    assert "Applications to Cohort 1: Race equality 2026, board" in shown
    assert MENTOR_ZADIE.name in shown
    assert ZADIE_ANSWERS.bio in shown
    assert ZADIE_ANSWERS.line_manager_email not in shown  # not needed for the decision
    assert "Band or grade\nBand 5" in shown
    assert f"Work email\n{MENTOR_ZADIE.email}" in shown
    # Who she would rather not be paired with is hers and matching's alone: the coordinator sees how many.
    assert "Asked not to be paired with 2 colleagues." in shown
    for avoided in ZADIE_ANSWERS.avoided():
        assert avoided.split("@")[0] not in shown
    assert MENTEE_BRAM.name not in shown
    approve = button(review, "Approve")
    assert (approve["data"]["application"], approve["data"]["cohort"]) == (zadie.id, cohort_id)

    refreshed = await programme.press(COORDINATOR_CARYS, approve, **{f"reason-{zadie.id}": "Strong fit"})
    assert refreshed["type"] == CARD_REPLY
    assert MENTEE_BRAM.name in card_text(refreshed["value"])
    assert MENTOR_ZADIE.name not in card_text(refreshed["value"])
    [decided] = await programme.applications(MENTOR_ZADIE)
    assert decided.state is ApplicationState.APPROVED

    # The applicant hears nothing until the work queue is swept; then exactly once, in their own chat.
    assert programme.texts_to(MENTOR_ZADIE) == []
    report = await programme.sweep()
    assert report.done == 1
    [told] = programme.texts_to(MENTOR_ZADIE)
    assert told.startswith(APPROVED)

    # The old card clicked again: the latest list, a word about why, no change and no second message.
    before = len(programme.sent)
    stale = await programme.press(COORDINATOR_CARYS, approve)
    assert stale["type"] == CARD_REPLY
    assert MENTEE_BRAM.name in card_text(stale["value"])
    notes = [a.text for a in programme.sent[before:]]
    assert notes == [
        f"{MENTOR_ZADIE.name}'s application changed since this card was shown (it is now approved), so I haven't "
        "changed it. Here is the latest list."
    ]
    assert (await programme.applications(MENTOR_ZADIE))[0].version == decided.version
    assert (await programme.sweep()).done == 0
    assert programme.texts_to(MENTOR_ZADIE) == [told]

    waitlist = button(stale["value"], "Waiting list")
    assert waitlist["data"]["application"] == bram.id
    after_waitlist = await programme.press(COORDINATOR_CARYS, waitlist)
    # Someone on the waiting list can still be approved or declined later, so they stay on the card.
    assert MENTEE_BRAM.name in card_text(after_waitlist["value"])
    assert [a["title"] for a in card_actions(after_waitlist["value"])] == ["Approve", "Decline", "All cohorts"]
    assert (await programme.applications(MENTEE_BRAM))[0].state is ApplicationState.WAITLISTED
    assert (await programme.sweep()).done == 1
    [bram_told] = programme.texts_to(MENTEE_BRAM)
    assert bram_told.startswith(WAITLISTED)

    status = card_text(only_card(await programme.say(COORDINATOR_CARYS, "status")))
    assert "Mentors\n0 waiting · 1 approved · 0 waiting list · 0 declined · 0 withdrawn" in status
    assert "Mentees\n0 waiting · 0 approved · 1 waiting list · 0 declined · 0 withdrawn" in status

    decisions = [entry for entry in await programme.audit() if entry[1] == "application decide"]
    assert decisions == [
        (COORDINATOR_CARYS.id, "application decide", "done", f"application {zadie.id}"),
        (COORDINATOR_CARYS.id, "application decide", "rejected: Conflict", f"application {zadie.id}"),
        (COORDINATOR_CARYS.id, "application decide", "done", f"application {bram.id}"),
    ]
