"""The "Raise a concern" route that every check-in and reflection card carries.

Sharing lived experience can bring up hard things, and a pair's conversation can touch on safeguarding. Whoever
needs to can say so privately, from the card in front of them, without working out whom to contact.
"""

from __future__ import annotations

from cards.elements import Element, execute

CONCERN_VERB = "concern"
# Where the concern was raised from, so the form can say it; never anything of what was written there.
CONCERN_CONTEXTS = frozenset({"reminder", "check-in", "reflection", "survey", "stalled", "help"})


def concern_action(context: str) -> Element:
    """The button that opens the concern form."""
    if context not in CONCERN_CONTEXTS:
        raise ValueError(f"unknown concern context {context!r}")
    return execute("Raise a concern", CONCERN_VERB, {"context": context})
