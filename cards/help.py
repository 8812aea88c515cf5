"""The help card, generated from the command table so it can never disagree with what the bot accepts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards.concerns import concern_action
from cards.elements import Card, card, execute, facts, heading, paragraph, subheading


@dataclass(frozen=True)
class CommandLine:
    usage: str
    summary: str


def help_card(participant: Sequence[CommandLine], coordinator: Sequence[CommandLine] = ()) -> Card:
    body = [
        heading("What I can do"),
        paragraph("Type a command in this chat. In a group chat or team, @mention me first."),
        subheading("For everyone"),
        facts((line.usage, line.summary) for line in participant),
    ]
    if coordinator:
        body += [
            subheading("For coordinators"),
            facts((line.usage, line.summary) for line in coordinator),
            paragraph("Coordinator commands are recorded in the audit log.", subtle=True),
        ]
    return card(
        body,
        [
            execute("About the programme", "about"),
            execute("How your data is used", "privacy"),
            # The safety valve is one click from the card people open when unsure what to do.
            concern_action("help"),
        ],
    )
