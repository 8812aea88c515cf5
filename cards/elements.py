"""Small building blocks shared by every card family, so cards look alike and stay within schema 1.5."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

Card = dict[str, Any]
Element = dict[str, Any]

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card(body: Iterable[Element], actions: Iterable[Element] = ()) -> Card:
    built: Card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": list(body),
    }
    action_list = list(actions)
    if action_list:
        built["actions"] = action_list
    return built


def heading(text: str) -> Element:
    return {"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": True}


def subheading(text: str) -> Element:
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "wrap": True, "spacing": "Medium"}


def paragraph(text: str, *, subtle: bool = False) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    return block


def facts(pairs: Iterable[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def execute(title: str, verb: str, data: Mapping[str, Any] | None = None, *, primary: bool = False) -> Element:
    """A Universal Action button. The verb is repeated in ``data`` so Action.Submit-style hosts still route it."""
    action: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": {"action": verb, **(data or {})},
    }
    if primary:
        action["style"] = "positive"
    return action


def submit(title: str, verb: str, data: Mapping[str, Any] | None = None, *, primary: bool = False) -> Element:
    """An Action.Submit button: it arrives as a message carrying ``data`` (and the card's inputs), which is what a
    multi-turn dialog waits for; Universal Actions would arrive as invokes the dialog cannot answer."""
    action: Element = {"type": "Action.Submit", "title": title, "data": {"action": verb, **(data or {})}}
    if primary:
        action["style"] = "positive"
    return action


def escape_markdown(text: str) -> str:
    """Neutralise the Markdown subset TextBlocks render, so text people typed shows as typed."""
    for ch in ("\\", "*", "_", "[", "]", "(", ")", "#", "`", ">", "~"):
        text = text.replace(ch, "\\" + ch)
    return text


def attention(text: str) -> Element:
    """A warning line (a problem with an answer, a notice): the text is escaped, as it may quote what was typed."""
    return {"type": "TextBlock", "text": escape_markdown(text), "wrap": True, "color": "Attention"}


def encoded_size(node: object) -> int:
    """What ``node`` takes of a Teams message's size limit, which counts the JSON in UTF-16."""
    return len(json.dumps(node, ensure_ascii=False).encode("utf-16-le"))


def input_text(raw: object) -> str | None:
    """A submitted input as text. Teams sends every input as a string; other hosts may send a number as a number.
    Anything else is refused."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return None
