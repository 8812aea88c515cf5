"""An application's state moves only where the programme allows, and a refusal says why in plain words."""

from __future__ import annotations

import pytest

from programme.applications import LIVE_STATES, TRANSITIONS, Application, ApplicationState, Consent
from programme.errors import Conflict
from tests.programme.builders import AISHA, TENANT, mentor_profile
from tests.support.fakes import DEFAULT_NOW


def application(state: ApplicationState) -> Application:
    return Application(
        id=3,
        cohort_id=1,
        tenant=TENANT,
        person=AISHA,
        display_name="Aisha",
        profile=mentor_profile(),
        consent=Consent(given_at=DEFAULT_NOW),
        state=state,
        submitted_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
    )


ALLOWED = [(state, target) for state, targets in TRANSITIONS.items() for target in sorted(targets)]
REFUSED = [
    (state, target) for state in ApplicationState for target in ApplicationState if target not in TRANSITIONS[state]
]


def test_the_allowed_moves_are_exactly_these() -> None:
    assert set(ALLOWED) == {
        (ApplicationState.SUBMITTED, ApplicationState.APPROVED),
        (ApplicationState.SUBMITTED, ApplicationState.WAITLISTED),
        (ApplicationState.SUBMITTED, ApplicationState.DECLINED),
        (ApplicationState.SUBMITTED, ApplicationState.WITHDRAWN),
        (ApplicationState.WAITLISTED, ApplicationState.APPROVED),
        (ApplicationState.WAITLISTED, ApplicationState.DECLINED),
        (ApplicationState.WAITLISTED, ApplicationState.WITHDRAWN),
        (ApplicationState.APPROVED, ApplicationState.WITHDRAWN),
    }


@pytest.mark.parametrize(("state", "target"), ALLOWED)
def test_allowed_moves_pass(state: ApplicationState, target: ApplicationState) -> None:
    application(state).check_move(target)


@pytest.mark.parametrize(("state", "target"), REFUSED)
def test_every_other_move_is_a_conflict(state: ApplicationState, target: ApplicationState) -> None:
    with pytest.raises(Conflict) as caught:
        application(state).check_move(target)
    assert caught.value.user_message.startswith("That application is ")


@pytest.mark.parametrize(
    ("state", "target", "message"),
    [
        (
            ApplicationState.DECLINED,
            ApplicationState.APPROVED,
            "That application is not taken forward, so it can't be approved now.",
        ),
        (
            ApplicationState.APPROVED,
            ApplicationState.WAITLISTED,
            "That application is approved, so it can't be put on the waiting list now.",
        ),
        (
            ApplicationState.APPROVED,
            ApplicationState.DECLINED,
            "That application is approved, so it can't be declined now.",
        ),
        (
            ApplicationState.DECLINED,
            ApplicationState.WITHDRAWN,
            "That application is not taken forward, so it can't be marked withdrawn now.",
        ),
        (
            ApplicationState.WAITLISTED,
            ApplicationState.SUBMITTED,
            "That application is on the waiting list, so it can't be submitted again now.",
        ),
        (
            ApplicationState.WITHDRAWN,
            ApplicationState.APPROVED,
            "That application is withdrawn, so it can't be approved now.",
        ),
        (
            ApplicationState.WITHDRAWN,
            ApplicationState.WITHDRAWN,
            "That application is already withdrawn; nothing changed.",
        ),
        (
            ApplicationState.WAITLISTED,
            ApplicationState.WAITLISTED,
            "That application is already on the waiting list; nothing changed.",
        ),
        (
            ApplicationState.SUBMITTED,
            ApplicationState.SUBMITTED,
            "That application is already waiting for a decision; nothing changed.",
        ),
    ],
)
def test_a_refusal_names_the_current_state(state: ApplicationState, target: ApplicationState, message: str) -> None:
    with pytest.raises(Conflict) as caught:
        application(state).check_move(target)
    assert caught.value.user_message == message


@pytest.mark.parametrize("state", list(ApplicationState))
def test_live_means_still_taking_part_or_hoping_to(state: ApplicationState) -> None:
    assert application(state).live is (state in LIVE_STATES)
    assert application(state).live is (
        state in {ApplicationState.SUBMITTED, ApplicationState.APPROVED, ApplicationState.WAITLISTED}
    )
