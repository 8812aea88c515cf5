"""Every card action the bot understands, parsed from untrusted submissions in one place.

A submission is whatever the client sent: it may be stale, tampered with or from an old card. Parsing turns it
into a typed action or raises :class:`UnknownAction` / :class:`InvalidInput`, never anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from programme.errors import InvalidInput


class UnknownAction(InvalidInput):
    """The verb is not one this bot ever put on a card."""


@dataclass(frozen=True)
class ShowHelp:
    verb = "help"


@dataclass(frozen=True)
class ShowAbout:
    verb = "about"


@dataclass(frozen=True)
class ShowPrivacy:
    verb = "privacy"


CardAction = ShowHelp | ShowAbout | ShowPrivacy

_NO_ARGUMENT_ACTIONS: dict[str, CardAction] = {
    ShowHelp.verb: ShowHelp(),
    ShowAbout.verb: ShowAbout(),
    ShowPrivacy.verb: ShowPrivacy(),
}

MAX_VERB_LENGTH = 64


def parse_action(verb: object, data: object) -> CardAction:
    """Parse an Action.Execute (verb + data) or an Action.Submit (data carrying ``action``)."""
    if verb is not None and not isinstance(verb, str):
        # A verb that is present but not text was tampered with; do not fall back to guessing from ``data``.
        raise UnknownAction("That button is not one I recognise.")
    name = verb if isinstance(verb, str) and verb else None
    if name is None and isinstance(data, Mapping):
        candidate = data.get("action")
        name = candidate if isinstance(candidate, str) else None
    if name is None:
        raise UnknownAction("That button did not say what it was for. Please try the command instead.")
    if len(name) > MAX_VERB_LENGTH:
        raise UnknownAction("That button is not one I recognise.")
    if data is not None and not isinstance(data, Mapping):
        raise InvalidInput("That button sent something I could not read.")
    action = _NO_ARGUMENT_ACTIONS.get(name)
    if action is None:
        raise UnknownAction("That button is not one I recognise; it may be from an older card. Try 'help'.")
    return action
