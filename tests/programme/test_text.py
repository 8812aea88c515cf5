"""Tidying typed text: one-line fields and paragraphs."""

from __future__ import annotations

import pytest

from programme.text import clean_line, clean_paragraph


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("  Staff nurse  ", "Staff nurse"),
        ("Staff\tnurse", "Staff nurse"),
        ("Staff\n\nnurse", "Staff nurse"),
        ("Staff\x00\x07nurse", "Staff nurse"),
        ("a \u00a0 b", "a b"),
        ("Zo\u00eb O\u2019Neill", "Zo\u00eb O\u2019Neill"),
        ("", ""),
        (" \t\r\n ", ""),
    ],
)
def test_a_line_loses_controls_and_extra_space(raw: str, tidy: str) -> None:
    assert clean_line(raw) == tidy


@pytest.mark.parametrize("raw", [None, 42, ["a"], b"bytes"])
def test_anything_but_text_becomes_empty(raw: object) -> None:
    assert clean_line(raw) == ""
    assert clean_paragraph(raw) == ""


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("One.\nTwo.", "One.\nTwo."),
        ("One.\r\nTwo.\rThree.", "One.\nTwo.\nThree."),
        ("One.\n\n\n\n\nTwo.", "One.\n\nTwo."),
        ("One.\n \t \n\nTwo.", "One.\n\nTwo."),
        ("\n\n  One.  \n\n", "One."),
        ("  spaced   out \n  lines ", "spaced out\nlines"),
        ("bell\x07 and\x00 nul", "bell and nul"),
        ("", ""),
        ("\n\n\n", ""),
    ],
)
def test_a_paragraph_keeps_its_line_breaks_and_at_most_one_blank_line(raw: str, tidy: str) -> None:
    assert clean_paragraph(raw) == tidy


def test_joiners_inside_emoji_and_names_are_kept() -> None:
    family = "\U0001f469\u200d\U0001f467"
    assert clean_line(f"  {family} team ") == f"{family} team"


def test_direction_overrides_are_removed() -> None:
    assert clean_line("moc.lin\u202egpj.exe") == "moc.lin gpj.exe"
