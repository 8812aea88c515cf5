"""Tidying free text people type, before it is validated or stored."""

from __future__ import annotations

import unicodedata

# Direction overrides can make text display differently from what it says (e.g. disguise a name or an email).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unwanted(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cf":
        # Other format characters stay: zero-width joiners hold emoji and some scripts' names together.
        return ch in _BIDI_CONTROLS
    return category.startswith("C")


def clean_line(raw: object) -> str:
    """One line of text: control characters removed, runs of whitespace collapsed, ends trimmed."""
    if not isinstance(raw, str):
        return ""
    kept = "".join(" " if _unwanted(ch) else ch for ch in raw)
    return " ".join(kept.split())


def clean_paragraph(raw: object) -> str:
    """Free text that may keep its line breaks (at most one blank line in a row); other controls removed."""
    if not isinstance(raw, str):
        return ""
    lines = [clean_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()
