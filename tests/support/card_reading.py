"""Reading an Adaptive Card the bot sent, whichever way it arrived (the fake Bot Connector, the Agents Playground,
or straight from a builder): its objects in document order, its text, buttons, inputs and facts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def elements(node: object) -> Iterator[Mapping[str, Any]]:
    """Every object in a card, depth first, in document order: elements, actions, facts, choices, data."""
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def of_kind(card: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    """The card's objects whose type starts with ``kind`` ("Action.", "Input.", "TextBlock"), in document order."""
    return [e for e in elements(card) if isinstance(e.get("type"), str) and e["type"].startswith(kind)]


def strings(node: object) -> Iterator[str]:
    """Every string value in a card, in document order."""
    if isinstance(node, Mapping):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def card_text(card: Mapping[str, Any]) -> str:
    """Every string on a card, one per line: what a person could read (and the buttons' data)."""
    return "\n".join(strings(card))


def text_blocks(card: Mapping[str, Any]) -> list[str]:
    return [str(e["text"]) for e in elements(card) if e.get("type") == "TextBlock"]


def fact_pairs(card: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(title, value) of every fact, in order, repeats kept."""
    return [
        (str(fact["title"]), str(fact["value"]))
        for e in elements(card)
        if e.get("type") == "FactSet"
        for fact in e["facts"]
    ]


def facts(card: Mapping[str, Any]) -> dict[str, str]:
    return dict(fact_pairs(card))


def card_actions(card: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every button on a card, in the card's order, wherever it sits: the action bar, action sets, select actions
    and show-card sub-cards."""
    return of_kind(card, "Action.")


def button(card: Mapping[str, Any], title: str) -> Mapping[str, Any]:
    """The one button with this title."""
    matching = [action for action in card_actions(card) if action.get("title") == title]
    assert len(matching) == 1, f"expected one {title!r} button, found {[a.get('title') for a in card_actions(card)]}"
    return matching[0]


def inputs(card: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The card's inputs by id."""
    return {str(e["id"]): e for e in of_kind(card, "Input.") if "id" in e}
