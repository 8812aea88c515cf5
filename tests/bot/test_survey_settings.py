"""REMEDI_SURVEY_MIN_RESPONSES: how many answers a survey result needs before coordinators see it; never below 3."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, parse_settings

LOCAL = {"REMEDI_ENV": "local"}


def test_five_answers_by_default() -> None:
    settings = parse_settings(LOCAL)

    assert settings.survey_min_responses == 5
    assert settings.described()["REMEDI_SURVEY_MIN_RESPONSES"] == "5"


@pytest.mark.parametrize(("raw", "expected"), [("3", 3), ("5", 5), (" 12 ", 12), ("", 5)])
def test_three_or_more_is_accepted(raw: str, expected: int) -> None:
    assert parse_settings({**LOCAL, "REMEDI_SURVEY_MIN_RESPONSES": raw}).survey_min_responses == expected


@pytest.mark.parametrize("raw", ["2", "1", "0"])
def test_fewer_than_three_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match=r"^REMEDI_SURVEY_MIN_RESPONSES: must be at least 3"):
        parse_settings({**LOCAL, "REMEDI_SURVEY_MIN_RESPONSES": raw})


@pytest.mark.parametrize("raw", ["-4", "five", "4.5", "\u0665", "99999"])
def test_anything_but_a_sensible_whole_number_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match=r"^REMEDI_SURVEY_MIN_RESPONSES: "):
        parse_settings({**LOCAL, "REMEDI_SURVEY_MIN_RESPONSES": raw})
