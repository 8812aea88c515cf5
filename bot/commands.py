"""The command table: exact matching, authorisation before dispatch, and help generated from the table."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from cards.help import CommandLine
from programme.identity import PersonId, TenantId

MAX_COMMAND_LENGTH = 500


class Audience(Enum):
    EVERYONE = "everyone"
    COORDINATORS = "coordinators"


@dataclass(frozen=True)
class CommandRequest:
    actor: PersonId
    tenant: TenantId
    display_name: str
    arguments: str
    # Personal data is only ever shown or asked for in a 1:1 chat, never in front of a group.
    in_personal_chat: bool = True


@dataclass(frozen=True)
class DialogStart:
    """Begin a multi-turn dialog (e.g. sign-up) with these JSON-ready options."""

    dialog_id: str
    options: dict[str, str]


@dataclass(frozen=True)
class Reply:
    """What a command answers: text, a card, or both (text first); or the start of a dialog."""

    text: str | None = None
    card: dict[str, Any] | None = None
    begin: DialogStart | None = None
    # The person's data, this conversation's state included, was erased in this turn: the turn's own copy of that
    # state must not be written back afterwards.
    erased: bool = False
    # Answering a card button: the card goes into the chat as a new message, and the card clicked stays as it was
    # (a form opened from a reminder must not take the reminder's place); ``text`` answers the click.
    as_new_message: bool = False


Handler = Callable[[CommandRequest], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    audience: Audience
    handler: Handler
    argument: str | None = None
    audit_target: Callable[[str], str | None] = field(default=lambda _arguments: None)
    # The argument may be left out (e.g. a cohort number when only one cohort fits).
    argument_optional: bool = False
    # Shows or collects someone's personal data, so it runs only in a 1:1 chat.
    private: bool = False

    @property
    def usage(self) -> str:
        if not self.argument:
            return self.name
        return f"{self.name} [{self.argument}]" if self.argument_optional else f"{self.name} {self.argument}"

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())


@dataclass(frozen=True)
class Match:
    command: Command
    arguments: str


@dataclass(frozen=True)
class Mismatch:
    """Text that is not a command; carries the closest names to suggest."""

    text: str
    suggestions: tuple[str, ...]


def normalise(text: str) -> str:
    return " ".join(text.split()).strip()


class CommandTable:
    def __init__(self, commands: Sequence[Command]) -> None:
        names = [c.name for c in commands]
        if len(names) != len(set(names)):
            raise ValueError("command names must be unique")
        # Longest first, so "coordinator add" wins over a hypothetical "coordinator".
        self._commands = sorted(commands, key=lambda c: len(c.words), reverse=True)
        self._in_order = list(commands)

    def match(self, text: str) -> Match | Mismatch:
        cleaned = normalise(text)[:MAX_COMMAND_LENGTH]
        words = cleaned.split(" ") if cleaned else []
        lowered = [w.lower() for w in words]
        for command in self._commands:
            size = len(command.words)
            if tuple(lowered[:size]) != command.words:
                continue
            arguments = " ".join(words[size:])
            if bool(arguments) == bool(command.argument) or (command.argument_optional and not arguments):
                return Match(command, arguments)
        return Mismatch(cleaned, self._suggest(" ".join(lowered)))

    def visible_to(self, audience: Audience) -> list[Command]:
        return [c for c in self._in_order if c.audience is audience]

    def help_lines(self, audience: Audience) -> list[CommandLine]:
        return [CommandLine(usage=c.usage, summary=c.summary) for c in self.visible_to(audience)]

    def _suggest(self, lowered: str) -> tuple[str, ...]:
        if not lowered:
            return ()
        names = [c.name for c in self._in_order]
        # Compare like with like: the typed words against each name's own number of words.
        candidates = {
            name for name in names if difflib.SequenceMatcher(None, lowered[: len(name) + 4], name).ratio() >= 0.75
        }
        candidates |= {name for name in names if lowered.startswith(name + " ") or name.startswith(lowered + " ")}
        return tuple(sorted(candidates))[:3]
