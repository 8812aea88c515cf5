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
