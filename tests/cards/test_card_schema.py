"""Every card validates against the official Adaptive Cards 1.5 schema, fits in a Teams message, and offers
only buttons the bot understands."""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import pytest

import cards
from cards.actions import MAX_VERB_LENGTH, ShowAbout, ShowHelp, ShowPrivacy, UnknownAction, parse_action
from cards.elements import CARD_VERSION, Card
from cards.help import CommandLine, help_card
from cards.information import about_card, privacy_card
from cards.notices import problem_card, unknown_command_card
from cards.status import delivery_status_card
from cards.welcome import welcome_card
from programme.contacts import Unreachable
from programme.delivery_status import DeliveryStatus
from programme.errors import InvalidInput
from programme.identity import PersonId, TenantId
from programme.work import WorkItem, WorkState

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


def actions_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every action anywhere in the card: the action bar, ActionSets, selectActions, ShowCard sub-cards."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str) and node["type"].startswith("Action."):
            yield node
        for value in node.values():
            yield from actions_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from actions_in(item)


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
    for action in actions_in(card):
        # Only actions that reach the bot: OpenUrl and ShowCard never do.
        assert action["type"] in ("Action.Execute", "Action.Submit", "Action.OpenUrl", "Action.ShowCard")
        if action["type"] == "Action.Execute":
            assert action["verb"] == action["data"]["action"]
            parse_action(action["verb"], action["data"])
        if action["type"] in ("Action.Execute", "Action.Submit"):
            # Hosts that fall back to Action.Submit send only the data.
            parse_action(None, action["data"])


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
