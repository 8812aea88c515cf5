"""The typed errors the core raises.

Each carries a message written for the person at the keyboard, so the edge that catches it can show it as is;
details meant for operators go to the log, never into ``user_message``.
"""

from __future__ import annotations


class ProgrammeError(Exception):
    """Base class: something the person can understand and act on."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class InvalidInput(ProgrammeError):
    """What was typed or submitted does not make sense."""


class NotAuthorised(ProgrammeError):
    """The person may not do this."""


class NotFound(ProgrammeError):
    """The thing referred to does not exist (or is not visible to this person)."""


class Conflict(ProgrammeError):
    """The request clashes with the current state, e.g. someone else changed it first."""


class InvalidFields(InvalidInput):
    """Several fields of a form are wrong at once; each message is keyed by the field, so a form can show it
    beside the field, and the summary lists them all."""

    def __init__(self, problems: dict[str, str]) -> None:
        if not problems:
            raise ValueError("InvalidFields needs at least one problem")
        summary = "Please check: " + " ".join(problems.values())
        super().__init__(summary)
        self.problems = dict(problems)
