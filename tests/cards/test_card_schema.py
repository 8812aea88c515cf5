"""Every card validates against the official Adaptive Cards 1.5 schema, fits in a Teams message, and offers
only buttons the bot understands."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import pytest

import cards
from cards.actions import MAX_VERB_LENGTH, ShowAbout, ShowHelp, ShowPrivacy, UnknownAction, parse_action
from cards.applications import APPLICATIONS_PER_PAGE, application_review_card
from cards.cohorts import (
    MAX_LISTED_COHORTS,
    cohort_created_card,
    cohort_form_card,
    cohort_list_card,
    cohort_moved_card,
)
from cards.elements import CARD_VERSION, Card
from cards.help import CommandLine, help_card
from cards.information import about_card, privacy_card
from cards.notices import problem_card, unknown_command_card
from cards.personal_data import delete_confirmation_card, my_data_card, withdraw_confirmation_card
from cards.status import delivery_status_card, programme_status_card
from cards.welcome import welcome_card
from dialogs.signup import is_signup_submission
from programme.applications import Application, ApplicationState, Consent
from programme.check_ins import MeetingSummary
from programme.cohort_overview import CohortOverview
from programme.cohorts import MAX_NAME_LENGTH, Cohort, CohortPlan, CohortState
from programme.contacts import Unreachable
from programme.delivery_status import DeliveryStatus
from programme.errors import InvalidInput
from programme.grades import Grade
from programme.identity import PersonId, TenantId
from programme.match_weights import MatchWeights
from programme.pair_summary import PairSummary
from programme.personal_data import SubjectAccessReport
from programme.profiles import (
    MAX_AVOIDED,
    MAX_BIO,
    MAX_LINE,
    MAX_NOTE,
    MAX_TOPICS,
    Availability,
    Profile,
    Role,
)
from programme.reflections import CohortReflections, PairReflections
from programme.work import WorkItem, WorkState
from tests.cards.check_in_samples import SAMPLES as CHECK_IN_SAMPLES
from tests.cards.concern_samples import SAMPLES as CONCERN_SAMPLES
from tests.cards.match_samples import SAMPLES as MATCH_SAMPLES
from tests.cards.meeting_samples import SAMPLES as MEETING_SAMPLES
from tests.cards.reflection_samples import SAMPLES as REFLECTION_SAMPLES
from tests.cards.survey_samples import SAMPLES as SURVEY_SAMPLES
from tests.dialogs.signup_samples import SAMPLES as SIGNUP_SAMPLES
from tests.programme.builders import cohort_plan, mentor_profile, profile_at_limits
from tests.support.card_reading import card_actions, elements, of_kind
from tests.support.cohort_form import COHORT_FORM, PROBLEM_FIELDS

# Teams caps a bot message at about 100 KB counted as UTF-16; one card should leave room for text, other
# attachments and the envelope.
MAX_CARD_UTF16_BYTES = 28 * 1024

EVERYONE = [
    CommandLine("help", "Show what I can do."),
    CommandLine("about", "What reverse mentoring is."),
    CommandLine("privacy", "What the bot keeps about you."),
]
COORDINATORS = [CommandLine("coordinator add <object id>", "Make someone a coordinator.")]
MARKDOWN_LADEN = "**bold** _it_ [link](https://example.com) `code` # > ~ \\ " * 50
LONG_ORGANISATION = "The Very Long Name of an NHS Foundation Trust & Partners " * 2


def _status(*, healthy: bool) -> DeliveryStatus:
    """A status with every kind of row the card can show."""
    at = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    tenant = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
    person = PersonId("a0000000-0000-4000-8000-000000000001")
    counts = {state: n for n, state in enumerate(WorkState)}
    if healthy:
        return DeliveryStatus(counts=counts, needs_attention=[], unreachable=[])
    item = WorkItem(
        id=7,
        kind="message",
        idempotency_key="k",
        tenant=tenant,
        recipient=person,
        due_at=at,
        payload={"summary": "meeting reminder"},
        state=WorkState.DEAD,
        attempts=8,
        created_at=at,
        updated_at=at,
        last_error="gave up after 8 attempts: service unavailable",
    )
    return DeliveryStatus(
        counts=counts,
        needs_attention=[item],
        unreachable=[Unreachable(tenant=tenant, person=person, since=at, reason="blocked or uninstalled")],
    )


# Programme samples ----------------------------------------------------------------------------------------------

TODAY = date(2026, 1, 12)
AT = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
PERSON = PersonId("a0000000-0000-4000-8000-000000000001")
BIG_ID = 10**9
# The character that costs most on a card: escaping doubles it, and JSON doubles it again.
COSTLIEST = "\\"


def _plan(name: str = "Race equality 2026, board") -> CohortPlan:
    training = (TODAY + timedelta(days=20), TODAY + timedelta(days=27))
    return cohort_plan(TODAY, name=name, training_dates=training, mentor_capacity=2)


def _cohort(
    state: CohortState = CohortState.RECRUITING, *, cohort_id: int = 3, name: str = "Race equality 2026, board"
) -> Cohort:
    return Cohort(id=cohort_id, plan=_plan(name), state=state, created_by=PERSON, created_at=AT, updated_at=AT)


def _overview(cohort: Cohort, *, each: int = 2) -> CohortOverview:
    return CohortOverview(cohort=cohort, counts={(role, state): each for role in Role for state in ApplicationState})


# A realistic profile, with an experience note so the review card shows one.
PROFILE = mentor_profile(experience_note="I trained abroad and moved here in 2019.")


def _application(
    state: ApplicationState = ApplicationState.SUBMITTED,
    *,
    application_id: int = 11,
    name: str = "Amara Okafor",
    profile: Profile | None = None,
) -> Application:
    return Application(
        id=application_id,
        cohort_id=3,
        tenant=TENANT,
        person=PERSON,
        display_name=name,
        profile=profile or PROFILE,
        consent=Consent(given_at=AT),
        state=state,
        submitted_at=AT,
        updated_at=AT,
        version=4,
    )


def _worst_case_applications(text: str) -> list[Application]:
    return [
        _application(application_id=BIG_ID - n, name=text * 100, profile=profile_at_limits(text).checked())
        for n in range(APPLICATIONS_PER_PAGE)
    ]


def _report(sections: Mapping[str, object]) -> SubjectAccessReport:
    return SubjectAccessReport(person=PERSON, generated_at=AT, sections=sections)


TYPICAL_REPORT = {
    "participation": {"display_name": "Amara Okafor", "paused_until": None, "joined_at": AT.isoformat()},
    "applications": [
        {"id": 2, "cohort": 3, "state": "submitted", "role": "mentor", "submitted_at": AT.isoformat()},
        {"id": 1, "cohort": 1, "state": "withdrawn", "role": "mentor", "consent": {"given_at": "2025-03-01"}},
    ],
    "reflections": [],
    "surveys": None,
    "contact": {"conversation": "a:1x2y3z", "unreachable": False},
}


def _huge_report(text: str) -> dict[str, object]:
    """Far more than a card can hold: many sections, long lists, long text, deep nesting."""
    record = {"note": text * 2000, "tags": [text] * 50, "deep": {"a": {"b": {"c": {"d": text * 10}}}}}
    return {
        **{f"section_{n}_{text}": [dict(record, id=i) for i in range(200)] for n in range(8)},
        "flat": {f"key_{i}": text * 300 for i in range(100)},
        "scalars": [text * 500] * 40,
        "one": text * 10_000,
    }


FORM_VALUES = {**COHORT_FORM, "name": "Race equality 2026 **board**"}
FORM_PROBLEMS = {
    field: f"Problem with {field} [see](https://example.com) _here_" for field in (*PROBLEM_FIELDS, "something_else")
}


# One or more sample builds per builder: the schema, size and round-trip tests all run over these. A new builder
# in cards/ without a sample fails test_every_card_builder_has_a_sample.
SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "cards.welcome.welcome_card": [
        ("plain", welcome_card("Contoso")),
        ("long organisation", welcome_card(LONG_ORGANISATION)),
    ],
    "cards.help.help_card": [
        ("participant", help_card(EVERYONE)),
        ("coordinator", help_card(EVERYONE, COORDINATORS)),
        ("empty", help_card([])),
    ],
    "cards.information.about_card": [("plain", about_card("Contoso"))],
    "cards.information.privacy_card": [("plain", privacy_card("Contoso"))],
    "cards.notices.unknown_command_card": [
        ("no suggestions", unknown_command_card("sing a song", [])),
        ("suggestions", unknown_command_card("hlep", ["help"])),
        ("several suggestions", unknown_command_card("coordinater", ["coordinator add", "coordinators"])),
        ("very long markdown", unknown_command_card(MARKDOWN_LADEN, ["help", "about", "privacy"])),
        ("huge", unknown_command_card("x" * 100_000, [])),
        ("non-ascii", unknown_command_card("\u00e9\u00e8 \U0001f600 \u202e\u0000", [])),
    ],
    "cards.notices.problem_card": [("plain", problem_card("Something went wrong on our side."))],
    "cards.status.delivery_status_card": [
        ("all well", delivery_status_card(_status(healthy=True))),
        ("failures", delivery_status_card(_status(healthy=False))),
    ],
    "cards.status.programme_status_card": [
        ("no cohort", programme_status_card(None, _status(healthy=True))),
        *(
            (f"{state.value} with failures", programme_status_card(_overview(_cohort(state)), _status(healthy=False)))
            for state in CohortState
        ),
        (
            "markdown name",
            programme_status_card(_overview(_cohort(name=MARKDOWN_LADEN[:MAX_NAME_LENGTH])), _status(healthy=True)),
        ),
        (
            "pairs proposed",
            programme_status_card(
                _overview(_cohort(CohortState.MATCHING)), _status(healthy=True), PairSummary(4, 0, 0)
            ),
        ),
        (
            "pairs published, some agreements confirmed",
            programme_status_card(_overview(_cohort(CohortState.RUNNING)), _status(healthy=True), PairSummary(0, 5, 3)),
        ),
        (
            "meetings held and pairs stalled",
            programme_status_card(
                _overview(_cohort(CohortState.RUNNING)),
                _status(healthy=True),
                PairSummary(0, 5, 3),
                meetings=MeetingSummary(held=9, pairs=5, stalled=2, stall_weeks=5),
            ),
        ),
        (
            "every kind of pair in huge numbers",
            programme_status_card(
                _overview(
                    _cohort(CohortState.CLOSING, cohort_id=BIG_ID, name=COSTLIEST * MAX_NAME_LENGTH), each=BIG_ID
                ),
                _status(healthy=False),
                PairSummary(BIG_ID, BIG_ID, BIG_ID - 1, BIG_ID),
            ),
        ),
        (
            "pairs published, with reflections counted",
            programme_status_card(
                _overview(_cohort(CohortState.RUNNING)),
                _status(healthy=True),
                PairSummary(0, 3, 3),
                CohortReflections((PairReflections(1, 2, 1), PairReflections(2, 0, 0), PairReflections(3, BIG_ID, 0))),
            ),
        ),
    ],
    "cards.cohorts.cohort_form_card": [
        ("empty", cohort_form_card(TODAY)),
        ("shown again", cohort_form_card(TODAY, FORM_VALUES)),
        ("every problem", cohort_form_card(TODAY, FORM_VALUES, FORM_PROBLEMS)),
        (
            "tampered values",
            cohort_form_card(
                TODAY,
                {"name": "x" * 100_000, "track": "pirates", "sessions": "lots", "signup_closes": "2026-02-30"},
                {"name": MARKDOWN_LADEN},
            ),
        ),
        (
            "tampered matching settings",
            cohort_form_card(
                TODAY,
                {"separate_directorates": "x" * 100_000, "weight_topics": "9" * 100_000, "weight_place": "-4"},
                {"weight_topics": MARKDOWN_LADEN, "separate_directorates": "Please switch it on or off."},
            ),
        ),
    ],
    "cards.cohorts.cohort_list_card": [
        ("empty", cohort_list_card([], TODAY)),
        (
            "one of each state",
            cohort_list_card([_overview(_cohort(state, cohort_id=n)) for n, state in enumerate(CohortState, 1)], TODAY),
        ),
        ("no applications", cohort_list_card([_overview(_cohort(), each=0)], TODAY)),
        ("deadline passed", cohort_list_card([_overview(_cohort())], TODAY + timedelta(days=45))),
        (
            "thirty long recruiting cohorts",
            cohort_list_card(
                [
                    _overview(_cohort(cohort_id=BIG_ID - n, name=COSTLIEST * MAX_NAME_LENGTH), each=BIG_ID)
                    for n in range(2 * MAX_LISTED_COHORTS)
                ],
                TODAY,
            ),
        ),
        (
            "markdown names",
            cohort_list_card([_overview(_cohort(name=MARKDOWN_LADEN[:MAX_NAME_LENGTH]))], TODAY),
        ),
    ],
    "cards.cohorts.cohort_created_card": [
        ("plain", cohort_created_card(_cohort(CohortState.DRAFT))),
        ("markdown name", cohort_created_card(_cohort(CohortState.DRAFT, name=MARKDOWN_LADEN[:MAX_NAME_LENGTH]))),
        (
            "own matching settings",
            cohort_created_card(
                dataclasses.replace(
                    _cohort(CohortState.DRAFT),
                    plan=dataclasses.replace(
                        _plan(), separate_directorates=False, weights=MatchWeights(topics=10, availability=0, place=7)
                    ),
                )
            ),
        ),
    ],
    "cards.cohorts.cohort_moved_card": [
        *((state.value, cohort_moved_card(_cohort(state), "Done. It moved.")) for state in CohortState),
        ("markdown message", cohort_moved_card(_cohort(name=MARKDOWN_LADEN[:80]), MARKDOWN_LADEN)),
    ],
    "cards.applications.application_review_card": [
        ("empty", application_review_card(_cohort(), [], 1, 1)),
        ("one submitted", application_review_card(_cohort(), [_application()], 1, 1)),
        (
            "middle page",
            application_review_card(_cohort(), [_application(ApplicationState.WAITLISTED)], 2, 3),
        ),
        (
            "decided already",
            application_review_card(
                _cohort(CohortState.MATCHING),
                [_application(state, application_id=n) for n, state in enumerate(ApplicationState, 1)],
                1,
                1,
            ),
        ),
        (
            "markdown-laden",
            application_review_card(
                _cohort(name=MARKDOWN_LADEN[:80]),
                [_application(name=MARKDOWN_LADEN[:100], profile=profile_at_limits("*_[").checked())],
                1,
                1,
            ),
        ),
        *(
            (
                f"worst case {label}",
                application_review_card(
                    _cohort(cohort_id=BIG_ID, name=COSTLIEST * MAX_NAME_LENGTH),
                    _worst_case_applications(text),
                    BIG_ID - 1,
                    BIG_ID,
                ),
            )
            for label, text in (("backslashes", COSTLIEST), ("stars", "*"), ("emoji", "\U0001f600"), ("quotes", '"'))
        ),
    ],
    "cards.personal_data.my_data_card": [
        ("typical", my_data_card(_report(TYPICAL_REPORT))),
        ("nothing held", my_data_card(_report({"participation": None, "applications": [], "notes": ""}))),
        ("no sections", my_data_card(_report({}))),
        ("scalars", my_data_card(_report({"flag": True, "count": 3, "ratio": 0.5, "day": "2026-01-12"}))),
        ("markdown-laden", my_data_card(_report({MARKDOWN_LADEN[:40]: {"note": MARKDOWN_LADEN}}))),
        ("huge", my_data_card(_report(_huge_report("x")))),
        ("huge and costly", my_data_card(_report(_huge_report(COSTLIEST)))),
        ("one huge record", my_data_card(_report({"record": {f"k{i}": COSTLIEST * 300 for i in range(200)}}))),
    ],
    "cards.personal_data.delete_confirmation_card": [("plain", delete_confirmation_card(PERSON))],
    "cards.personal_data.withdraw_confirmation_card": [
        ("no cohorts", withdraw_confirmation_card(PERSON, [])),
        ("two cohorts", withdraw_confirmation_card(PERSON, ["Cohort 3: Race equality 2026", "Cohort 5: Disability"])),
        ("many markdown titles", withdraw_confirmation_card(PERSON, [MARKDOWN_LADEN[:90]] * 50)),
    ],
    **{f"cards.signup.{name}": builds for name, builds in SIGNUP_SAMPLES.items()},
    **MATCH_SAMPLES,
    **MEETING_SAMPLES,
    **CHECK_IN_SAMPLES,
    **CONCERN_SAMPLES,
    **REFLECTION_SAMPLES,
    **SURVEY_SAMPLES,
}
ALL_CARDS = [
    pytest.param(built, id=f"{name.rsplit('.', 1)[1]}-{label}")
    for name, builds in SAMPLES.items()
    for label, built in builds
]


@cache
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads((resources.files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text("utf-8"))
    # The file declares draft-06; pick the class from it, and refuse to run if that ever changes silently.
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft6Validator
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(card: Card) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(card)]


def card_builders() -> Iterator[str]:
    for info in pkgutil.iter_modules(cards.__path__, "cards."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.endswith("_card") and inspect.isfunction(value) and value.__module__ == module.__name__:
                yield f"{module.__name__}.{name}"


def test_every_card_builder_has_a_sample() -> None:
    builders = set(card_builders())
    assert builders, "found no card builders: the discovery itself is broken"
    assert builders == set(SAMPLES)


@pytest.mark.parametrize("card", ALL_CARDS)
def test_card_validates_against_the_adaptive_card_1_5_schema(card: Card) -> None:
    assert schema_errors(card) == []
    assert card["version"] == CARD_VERSION == "1.5"


@pytest.mark.parametrize("card", ALL_CARDS)
def test_card_fits_in_a_teams_message(card: Card) -> None:
    size = len(json.dumps(card, ensure_ascii=False).encode("utf-16-le"))
    assert size < MAX_CARD_UTF16_BYTES


@pytest.mark.parametrize("card", ALL_CARDS)
def test_every_button_round_trips_through_the_parser(card: Card) -> None:
    for action in card_actions(card):
        # Only actions that reach the bot: OpenUrl and ShowCard never do.
        assert action["type"] in ("Action.Execute", "Action.Submit", "Action.OpenUrl", "Action.ShowCard")
        if action["type"] == "Action.Execute":
            assert action["verb"] == action["data"]["action"]
            assert parse_action(action["verb"], _sent(card, action)).verb == action["verb"]
        if action["type"] == "Action.Submit" and is_signup_submission(action["data"]):
            # Sign-up steps are read by the sign-up dialog, never by the general parser.
            continue
        if action["type"] in ("Action.Execute", "Action.Submit"):
            # Action.Submit carries its verb only in the data, and hosts that fall back to it send only the data.
            assert parse_action(None, _sent(card, action)).verb == action["data"]["action"]


def _sent(card: Card, action: Mapping[str, Any]) -> dict[str, Any]:
    """What a host sends for this button once the person has filled in the card: the button's data, with every
    input's answer unless the button sends none. An input without a value gets a plausible answer, as a choice
    someone had to make (a mentor to pair by hand, say) would have one."""
    if action.get("associatedInputs") == "none":
        return dict(action["data"])
    answers: dict[str, Any] = {}
    for element in of_kind(card, "Input."):
        if "value" in element:
            answers[element["id"]] = element["value"]
        elif element["type"] == "Input.ChoiceSet" and element["choices"]:
            answers[element["id"]] = element["choices"][0]["value"]
        elif element["type"] == "Input.Toggle":
            answers[element["id"]] = element.get("valueOff", "false")
        elif element["type"] == "Input.Text":
            answers[element["id"]] = "typed"
    return {**answers, **action["data"]}


def test_the_help_card_lists_coordinator_commands_only_when_given() -> None:
    participant = json.dumps(help_card(EVERYONE))
    coordinator = json.dumps(help_card(EVERYONE, COORDINATORS))
    assert "coordinator add" not in participant
    assert "For coordinators" not in participant
    assert "coordinator add" in coordinator


def test_the_unknown_command_card_shows_typed_text_literally_and_briefly() -> None:
    text = json.dumps(unknown_command_card(MARKDOWN_LADEN, []))
    # No raw Markdown survives: every special character arrives escaped.
    assert "**bold**" not in text
    assert "[link](" not in text
    built = unknown_command_card("x" * 10_000, [])
    assert len(json.dumps(built)) < 2_000


def _texts(card: Card) -> list[str]:
    """Every piece of text on the card, in order: TextBlocks and both sides of each fact."""
    found: list[str] = []
    for element in elements(card):
        if element.get("type") == "TextBlock":
            found.append(element["text"])
        if element.get("type") == "FactSet":
            found.extend(part for fact in element["facts"] for part in (fact["title"], fact["value"]))
    return found


def _buttons(card: Card) -> list[tuple[str, str, dict[str, Any]]]:
    return [(action["title"], action["data"]["action"], action["data"]) for action in card_actions(card)]


def _shown_once_escaped(card: Card) -> None:
    text = json.dumps(card)
    assert "**bold**" not in text
    assert "[link](" not in text


def test_the_welcome_card_starts_sign_up_with_a_message_not_an_invoke() -> None:
    sign_up = welcome_card("Contoso")["actions"][0]
    assert sign_up == {"type": "Action.Submit", "title": "Sign up", "data": {"action": "join"}, "style": "positive"}


def test_text_people_typed_is_escaped_on_every_programme_card() -> None:
    laden = MARKDOWN_LADEN[:MAX_NAME_LENGTH]
    for built in (
        cohort_list_card([_overview(_cohort(name=laden))], TODAY),
        cohort_created_card(_cohort(name=laden)),
        cohort_moved_card(_cohort(name=laden), MARKDOWN_LADEN),
        programme_status_card(_overview(_cohort(name=laden)), _status(healthy=True)),
        application_review_card(
            _cohort(), [_application(name=laden, profile=profile_at_limits(laden).checked())], 1, 1
        ),
        my_data_card(_report({"participation": {"display_name": laden, "notes": [laden]}})),
        withdraw_confirmation_card(PERSON, [laden]),
    ):
        _shown_once_escaped(built)


def test_the_cohort_list_is_newest_first_with_buttons_for_each_state() -> None:
    overviews = [_overview(_cohort(state, cohort_id=n)) for n, state in enumerate(CohortState, 1)]
    built = cohort_list_card(overviews, TODAY)
    titles = [text for text in _texts(built) if text.startswith("Cohort ")]
    assert titles == [f"Cohort {n}: Race equality 2026, board" for n in range(6, 0, -1)]
    verbs = [(verb, data.get("cohort")) for _, verb, data in _buttons(built)]
    assert verbs == [
        ("applications", 3),  # matching
        ("applications", 2),  # recruiting
        ("cohort.close-signups", 2),
        ("cohort.open", 1),  # draft
        ("cohort.new", None),
    ]
    assert "Mentors" in _texts(built)
    assert "2 waiting · 2 approved · 2 waiting list · 2 declined · 2 withdrawn" in _texts(built)


def test_the_cohort_list_shows_fifteen_and_counts_the_older_ones() -> None:
    # Two-digit counts in every state: a large, busy programme.
    overviews = [_overview(_cohort(cohort_id=n), each=12) for n in range(1, 31)]
    built = cohort_list_card(overviews, TODAY)
    shown = [text for text in _texts(built) if text.startswith("Cohort ")]
    assert shown == [f"Cohort {n}: Race equality 2026, board" for n in range(30, 15, -1)]
    assert "There are also 15 older cohorts, not shown to keep this card short." in _texts(built)


def test_an_empty_cohort_list_says_how_to_start() -> None:
    built = cohort_list_card([], TODAY)
    assert any("New cohort" in text for text in _texts(built))
    assert [verb for _, verb, _ in _buttons(built)] == ["cohort.new"]


def test_a_new_cohort_can_be_opened_straight_away() -> None:
    built = cohort_created_card(_cohort(CohortState.DRAFT, cohort_id=9))
    assert [(title, verb, data.get("cohort")) for title, verb, data in _buttons(built)] == [
        ("Open sign-ups now", "cohort.open", 9),
        ("All cohorts", "cohorts", None),
    ]
    assert "Up to 2 mentees" in _texts(built)


def test_a_moved_cohort_offers_what_comes_next() -> None:
    closed = cohort_moved_card(_cohort(CohortState.MATCHING), "Sign-ups are closed.")
    assert [verb for _, verb, _ in _buttons(closed)] == ["applications", "cohorts"]
    opened = cohort_moved_card(_cohort(CohortState.RECRUITING), "Sign-ups are open.")
    assert [verb for _, verb, _ in _buttons(opened)] == ["applications", "cohort.close-signups", "cohorts"]


def test_the_review_card_offers_the_decisions_each_state_allows() -> None:
    applications = [_application(state, application_id=n) for n, state in enumerate(ApplicationState, 1)]
    built = application_review_card(_cohort(cohort_id=3), applications, 2, 2)
    decisions = [
        (data["application"], data["decision"])
        for _, verb, data in _buttons(built)
        if verb != "applications" and verb != "cohorts"
    ]
    assert decisions == [(1, "approved"), (1, "waitlisted"), (1, "declined"), (3, "approved"), (3, "declined")]
    for _, verb, data in _buttons(built):
        if verb == "application.decide":
            assert (data["version"], data["cohort"], data["page"]) == (4, 3, 2)
    reasons = of_kind(built, "Input.")
    assert [(r["id"], r["maxLength"]) for r in reasons] == [("reason-1", 200), ("reason-3", 200)]
    assert all("not sent to the applicant" in r["placeholder"] for r in reasons)
    assert [(verb, data.get("page")) for _, verb, data in _buttons(built) if verb != "application.decide"] == [
        ("applications", 1),
        ("cohorts", None),
    ]


def test_the_review_card_shows_the_answers_but_not_the_line_manager() -> None:
    built = application_review_card(_cohort(), [_application()], 1, 1)
    texts = _texts(built)
    for expected in (
        "Amara Okafor",
        "Staff nurse",
        "Band 5",
        "Medicine",
        "City Hospital",
        "staff.nurse@nhs.net",
        "Belonging and being heard, Career progression and development",
        "Tuesday morning, Thursday afternoon",
        "On Teams",
        "I trained abroad and moved here in 2019.",
        "I have worked on the wards for eight years.",
    ):
        assert expected in texts
    assert "Mentor · applied 12 Jan 2026 · Waiting for a decision" in texts
    assert "ward.manager@nhs.net" not in json.dumps(built)
    # Nobody was named, so nothing is said about it.
    assert not any("paired with" in text for text in texts)


@pytest.mark.parametrize(
    ("avoided", "said"),
    [
        (("gossip@nhs.net",), "Asked not to be paired with 1 colleague."),
        (
            ("gossip@nhs.net", "rival_one@nhs.net", "ex.partner@trust.nhs.uk"),
            "Asked not to be paired with 3 colleagues.",
        ),
    ],
)
def test_the_review_card_counts_the_colleagues_to_avoid_and_never_names_them(
    avoided: tuple[str, ...], said: str
) -> None:
    profile = mentor_profile(avoid_emails=avoided).checked()
    built = application_review_card(_cohort(), [_application(profile=profile)], 1, 1)

    assert any(text.startswith(said) for text in _texts(built))
    # Every string on the card, as built (not JSON-encoded, where escaping would hide an escaped name).
    everything = " ".join(value for node in elements(built) for value in node.values() if isinstance(value, str))
    for email in avoided:
        # Nor any part that would give them away: the name before the @, escaped or not.
        local = email.split("@")[0]
        assert local not in everything
        assert local.replace("_", "\\_") not in everything


def test_the_worst_case_sample_really_is_at_every_limit() -> None:
    (worst,) = _worst_case_applications(COSTLIEST)[:1]
    profile = worst.profile
    assert len(worst.display_name) == 100
    assert {len(profile.job_title), len(profile.directorate), len(profile.site)} == {MAX_LINE}
    assert len(profile.band.label) == max(len(grade.label) for grade in Grade)
    assert min(len(profile.work_email), len(profile.line_manager_email)) > 250
    assert len(profile.avoid_emails) == MAX_AVOIDED
    assert (len(profile.experience_note), len(profile.bio)) == (MAX_NOTE, MAX_BIO)
    assert (len(profile.topics), len(profile.availability)) == (MAX_TOPICS, len(Availability))
    assert len(_worst_case_applications(COSTLIEST)) == APPLICATIONS_PER_PAGE


def test_an_empty_review_says_nothing_is_waiting() -> None:
    assert any(
        "Nothing waiting for a decision" in text for text in _texts(application_review_card(_cohort(), [], 1, 1))
    )


def test_the_status_card_puts_the_cohort_first_then_deliveries() -> None:
    built = programme_status_card(_overview(_cohort()), _status(healthy=False))
    texts = _texts(built)
    assert texts.index("Cohort 3: Race equality 2026, board") < texts.index("Automatic messages")
    row = texts.index("Mentors")
    assert texts[row + 1] == "2 waiting · 2 approved · 2 waiting list · 2 declined · 2 withdrawn"
    assert texts[row + 2] == "Mentees"
    # Everything the delivery card shows is still there.
    delivery = _texts(delivery_status_card(_status(healthy=False)))
    assert delivery[1:] == texts[len(texts) - len(delivery) + 1 :]


def test_the_status_card_without_a_cohort_says_how_to_start() -> None:
    texts = _texts(programme_status_card(None, _status(healthy=True)))
    assert "No cohort yet" in texts
    assert any("cohort new" in text for text in texts)


def test_my_data_shows_every_section_readably() -> None:
    texts = _texts(my_data_card(_report(TYPICAL_REPORT)))
    for expected in (
        "Participation",
        "Display name",
        "Amara Okafor",
        "Applications",
        "Consent: Given at",
        "1 Mar 2025",
    ):
        assert expected in texts
    assert texts.count("Nothing held") == 3  # paused_until, reflections, surveys
    assert "12 Jan 2026 at 09:30 UTC" in texts


def test_my_data_shows_the_ten_most_recent_and_says_how_to_get_the_rest() -> None:
    entries = [{"id": n, "state": "submitted"} for n in range(37, 0, -1)]
    built = my_data_card(_report({"applications": entries}))
    facts = [node for node in built["body"] if node["type"] == "FactSet"]
    assert [node["facts"][0]["value"] for node in facts] == [str(n) for n in range(37, 27, -1)]
    assert any("10 most recent of 37" in text and "subject access request" in text for text in _texts(built))


def test_my_data_says_when_it_could_not_show_everything() -> None:
    built = my_data_card(_report(_huge_report(COSTLIEST)))
    assert any(text.startswith("There is more than fits on this card.") for text in _texts(built))
    assert [action["verb"] for action in built["actions"]] == ["delete-my-data", "privacy"]


def test_a_report_with_many_sections_names_the_ones_it_leaves_out() -> None:
    built = my_data_card(_report({f"holder_{n}": {"note": "x" * 300} for n in range(40)}))
    texts = _texts(built)
    assert "Holder 0" in texts
    assert any(text.startswith("Not shown here, to keep this card short: ") for text in texts)


def test_deleting_asks_once_more_and_carries_the_person() -> None:
    built = delete_confirmation_card(PERSON)
    confirm, keep = built["actions"]
    assert (confirm["verb"], confirm["data"]["person"], confirm["style"]) == (
        "delete-my-data.confirm",
        PERSON.value,
        "destructive",
    )
    assert keep["verb"] == "delete-my-data.cancel"
    text = " ".join(_texts(built))
    for promise in ("cannot be undone", "coordinator", "audit log", "anonymous counts", "reflections"):
        assert promise in text


def test_withdrawing_needs_no_reason_and_carries_the_person() -> None:
    built = withdraw_confirmation_card(PERSON, ["Cohort 3: Spring"])
    assert [(a["verb"], a["data"].get("person")) for a in built["actions"]] == [
        ("withdraw.confirm", PERSON.value),
        ("withdraw.cancel", None),
    ]
    text = " ".join(_texts(built))
    assert "Cohort 3: Spring" in text
    assert "don't need to give a reason" in text
    assert "later cohort" in text


# The validator must be able to say no -------------------------------------------------------------------------


def _break(mutate: Callable[[Card], object]) -> Card:
    broken = copy.deepcopy(welcome_card("Contoso"))
    mutate(broken)
    return broken


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(_break(lambda c: c["body"][0].pop("text")), id="TextBlock without text"),
        pytest.param(_break(lambda c: c["body"][0].update(wrapp=True)), id="misspelt property"),
        pytest.param(_break(lambda c: c["body"][0].update(type="TextBlok")), id="unknown element"),
        pytest.param(_break(lambda c: c["body"][0].update(size="Huge")), id="value outside the enum"),
        pytest.param(_break(lambda c: c["actions"][0].update(verb=3)), id="verb not a string"),
        pytest.param(_break(lambda c: c["actions"][0].update(type="Action.Invoke")), id="unknown action"),
        pytest.param(_break(lambda c: c.update(body={})), id="body not a list"),
        pytest.param(_break(lambda c: c.update(type="Card")), id="not an AdaptiveCard"),
        pytest.param(_break(lambda c: c["body"].append({"type": "FactSet", "facts": [{"title": "a"}]})), id="fact"),
    ],
)
def test_a_broken_card_fails_validation(broken: Card) -> None:
    assert schema_errors(broken) != []


# parse_action on untrusted input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "data", "expected"),
    [
        ("help", {"action": "help"}, ShowHelp()),
        ("about", None, ShowAbout()),
        (None, {"action": "privacy", "msteams": {"type": "messageBack"}}, ShowPrivacy()),
        ("", {"action": "help"}, ShowHelp()),
    ],
)
def test_parse_action_accepts_what_cards_send(verb: object, data: object, expected: object) -> None:
    assert parse_action(verb, data) == expected


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        pytest.param("dance", {"action": "dance"}, id="unknown verb"),
        pytest.param("HELP", None, id="verbs are exact"),
        pytest.param(None, {"action": "dance"}, id="unknown submit action"),
        pytest.param(None, None, id="nothing"),
        pytest.param(None, {}, id="data without action"),
        pytest.param(None, {"action": 7}, id="non-string submit action"),
        pytest.param(7, None, id="non-string verb"),
        pytest.param(["help"], {"action": "help"}, id="non-string verb with a valid fallback"),
        pytest.param({"verb": "help"}, None, id="object verb"),
        pytest.param("h" * (MAX_VERB_LENGTH + 1), None, id="over-long verb"),
        pytest.param(None, {"action": "h" * 10_000}, id="over-long submit action"),
    ],
)
def test_parse_action_rejects_unknown_actions(verb: object, data: object) -> None:
    with pytest.raises(UnknownAction) as caught:
        parse_action(verb, data)
    assert caught.value.user_message


@pytest.mark.parametrize("data", ["help", ["help"], 3, True])
def test_parse_action_rejects_data_that_is_not_an_object(data: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_action("help", data)
    assert caught.value.user_message


def test_a_review_page_past_the_end_leads_back_to_the_last_page() -> None:
    built = application_review_card(_cohort(cohort_id=3), [], 5, 2)
    assert [(verb, data.get("page")) for _, verb, data in _buttons(built)] == [("applications", 2), ("cohorts", None)]


def test_my_data_shows_an_ordinary_application_in_full_beside_a_huge_section() -> None:
    # A real-sized application (every answer at its longest) next to a section far too big for the card: the
    # small one must come out whole, and only the huge one is cut.
    application = {
        "id": 7,
        "answers": {"experience_note": "n" * 500, "bio": "b" * 400, "job_title": "j" * 100, "topics": ["t"] * 8},
        "consent": {"given_at": "2025-03-01", "ground_rules_version": "2026-11", "privacy_notice_version": "2026-11"},
        "submitted_at": "2025-03-01",
        "updated_at": "2025-03-02",
    }
    small = {f"small_{n}": {"since": "2025-03-01"} for n in range(6)}
    report = {
        "applications": [application],
        **small,
        "messages": [{"text": "m" * 300, "id": n} for n in range(200)],
    }
    texts = _texts(my_data_card(_report(report)))
    assert "b" * 300 in " ".join(texts)  # the bio (shown up to its first 300 characters)
    assert "2026-11" in texts
    assert "Updated at" in " ".join(texts)
    assert texts.count("Only part of this is shown here.") <= 1
