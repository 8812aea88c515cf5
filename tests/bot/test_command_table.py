"""The command table: exact matching, helpful near-misses, and help generated from the table itself."""

from __future__ import annotations

import json

import pytest

from bot.command_set import build_command_table
from bot.commands import (
    MAX_COMMAND_LENGTH,
    Audience,
    Command,
    CommandRequest,
    CommandTable,
    Match,
    Mismatch,
    Reply,
    normalise,
)
from bot.services import Services
from programme.identity import PersonId, TenantId
from tests.support.services import in_memory_services

COORDINATOR = PersonId("00000000-0000-0000-0000-00000000000c")
PARTICIPANT = PersonId("00000000-0000-0000-0000-00000000000a")
TENANT = TenantId("00000000-0000-0000-0000-0000000000e0")
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


async def _nothing(_request: CommandRequest) -> Reply:
    return Reply(text="ok")


def command(name: str, argument: str | None = None, audience: Audience = Audience.EVERYONE) -> Command:
    return Command(name, f"summary of {name}", audience, _nothing, argument=argument)


TABLE = CommandTable(
    [
        command("help"),
        command("about"),
        command("coordinator"),
        command("coordinator add", "<object id>", Audience.COORDINATORS),
        command("coordinator remove", "<object id>", Audience.COORDINATORS),
        command("coordinators", audience=Audience.COORDINATORS),
    ]
)


def matched(text: str) -> Match:
    result = TABLE.match(text)
    assert isinstance(result, Match), result
    return result


def missed(text: str) -> Mismatch:
    result = TABLE.match(text)
    assert isinstance(result, Mismatch), result
    return result


@pytest.mark.parametrize("text", ["help", "HELP", "  Help ", "\thelp\n", "hElP"])
def test_matching_ignores_case_and_surrounding_whitespace(text: str) -> None:
    assert matched(text).command.name == "help"
    assert matched(text).arguments == ""


def test_inner_whitespace_is_normalised_and_argument_case_kept() -> None:
    result = matched("  Coordinator \t  ADD   {ABC}  ")
    assert result.command.name == "coordinator add"
    assert result.arguments == "{ABC}"


def test_multi_word_commands_win_over_shorter_ones() -> None:
    # "coordinator" alone is a command too; "coordinator add x" must not be read as it with extra words.
    assert matched("coordinator add x").command.name == "coordinator add"
    assert matched("coordinator remove x").command.name == "coordinator remove"
    assert matched("coordinator").command.name == "coordinator"


def test_arguments_keep_all_remaining_words() -> None:
    assert matched("coordinator add a b  c").arguments == "a b c"


def test_a_command_without_an_argument_refuses_extra_words() -> None:
    result = missed("help me please")
    assert result.text == "help me please"
    assert "help" in result.suggestions


def test_a_command_with_an_argument_needs_one() -> None:
    result = missed("coordinator add")
    # Not silently run as "coordinator" with the argument "add" either.
    assert "coordinator add" in result.suggestions


def test_a_prefix_of_a_word_is_not_a_command() -> None:
    missed("helpful")
    missed("coordinatoradd x")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hlep", "help"),
        ("hepl", "help"),
        ("abuot", "about"),
        ("coordinater add", "coordinator add"),
        ("coordinater add " + GUID, "coordinator add"),
        ("cordinator remove x", "coordinator remove"),
        ("coordinatorss", "coordinators"),
    ],
)
def test_typos_get_suggestions(typed: str, expected: str) -> None:
    result = missed(typed)
    assert expected in result.suggestions
    assert len(result.suggestions) <= 3


def test_unrelated_text_gets_no_suggestions() -> None:
    assert missed("what is the weather like").suggestions == ()


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_a_mismatch_without_suggestions(text: str) -> None:
    assert missed(text) == Mismatch("", ())


def test_over_long_input_is_truncated_not_fatal() -> None:
    text = "help " + "very " * 100_000
    result = missed(text)
    assert len(result.text) == MAX_COMMAND_LENGTH
    assert result.text.startswith("help very")
    one_word = missed("x" * 1_000_000)
    assert len(one_word.text) == MAX_COMMAND_LENGTH


def test_duplicate_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        CommandTable([command("help"), command("about"), command("help", "<topic>")])


def test_normalise() -> None:
    assert normalise("  a \t b\n\nc ") == "a b c"
    assert normalise("") == ""


def test_usage_shows_the_argument() -> None:
    assert command("coordinator add", "<object id>").usage == "coordinator add <object id>"
    assert command("help").usage == "help"


# Help generated from the real command set ------------------------------------------------------------------------


def services() -> Services:
    return in_memory_services(frozenset({COORDINATOR}))[0]


def request(actor: PersonId, arguments: str = "") -> CommandRequest:
    return CommandRequest(actor=actor, tenant=TENANT, display_name="Someone", arguments=arguments)


def test_help_lines_come_from_the_table_per_audience() -> None:
    table = build_command_table(services())
    everyone = [line.usage for line in table.help_lines(Audience.EVERYONE)]
    coordinators = [line.usage for line in table.help_lines(Audience.COORDINATORS)]
    assert everyone[:3] == ["help", "about", "privacy"]
    assert {"join", "profile", "pause until <date>", "withdraw", "my data", "delete my data"} <= set(everyone)
    assert "coordinator add <object id>" in coordinators
    assert not set(everyone) & set(coordinators)
    assert len(everyone) + len(coordinators) == len(table.visible_to(Audience.EVERYONE)) + len(
        table.visible_to(Audience.COORDINATORS)
    )


def test_every_real_command_matches_its_own_usage() -> None:
    table = build_command_table(services())
    for audience in Audience:
        for listed in table.visible_to(audience):
            typed = f"{listed.name} {GUID}" if listed.argument else listed.name
            result = table.match(typed.upper())
            assert isinstance(result, Match)
            assert result.command is listed


async def test_participant_help_lacks_coordinator_commands() -> None:
    table = build_command_table(services())
    help_command = matched_in(table, "help")
    participant = json.dumps((await help_command.handler(request(PARTICIPANT))).card)
    coordinator = json.dumps((await help_command.handler(request(COORDINATOR))).card)
    for line in table.help_lines(Audience.COORDINATORS):
        assert line.usage not in participant
        assert line.usage in coordinator
    for line in table.help_lines(Audience.EVERYONE):
        assert line.usage in participant


def matched_in(table: CommandTable, text: str) -> Command:
    result = table.match(text)
    assert isinstance(result, Match)
    return result.command
