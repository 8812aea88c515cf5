"""Short cards for answers that are not a feature of their own: unknown commands and problems."""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Card, card, escape_markdown, execute, heading, paragraph


def unknown_command_card(text: str, suggestions: Sequence[str]) -> Card:
    shown = escape_markdown(text if len(text) <= 60 else text[:57] + "...")
    body = [
        heading("I didn't catch that"),
        paragraph(f"I don't know the command \u201c{shown}\u201d."),
    ]
    if suggestions:
        body.append(paragraph("Did you mean: " + ", ".join(f"**{s}**" for s in suggestions) + "?"))
    body.append(paragraph("I only understand short commands; I am not able to chat about your mentoring.", subtle=True))
    return card(body, [execute("Show what I can do", "help", primary=True)])


def problem_card(message: str) -> Card:
    return card([heading("Sorry, something went wrong"), paragraph(message)], [execute("Show what I can do", "help")])
