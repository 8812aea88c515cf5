"""End to end through the Agents Playground's web UI in headless Chromium, as a person would use it."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import UiScript, find_chromium, help_flow, run_ui_script
from tests.e2e.conftest import NODE_MODULES, Stack
from tests.e2e.matching_cohort import AISHA_ANSWERS, HELEN_ANSWERS, ready_for_matching
from tests.e2e.steps import AISHA, HELEN, ZONE, cohort_plan

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(autouse=True)
def _need_chromium() -> None:
    if find_chromium() is None:
        reason = "no Chromium: install Debian's chromium package to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


async def test_person_types_help_and_clicks_a_card_button(stack: Stack, tmp_path: Path) -> None:
    screenshot = tmp_path / "privacy.png"
    result = await run_ui_script(
        stack.playground.base_url,
        help_flow(button="How your data is used", expected_text="What stays private", screenshot=screenshot),
        node_modules=NODE_MODULES,
        failure_screenshot=tmp_path / "failure.png",
    )
    assert result.ok, result.error
    assert screenshot.stat().st_size > 10_000


async def test_coordinator_types_cohort_new_and_sees_the_form(stack: Stack, tmp_path: Path) -> None:
    screenshot = tmp_path / "cohort-form.png"
    script = (
        UiScript()
        .open_chat("Personal Chat")
        .send("cohort new")
        .wait_for_card_text("Plan the next run of the programme.")
        # Typing into an input shows the form was rendered with working, labelled inputs, not just as text.
        .fill("Number of sessions", "8")
        .wait_for_card_text("New cohort")
        .screenshot(screenshot)
    )
    result = await run_ui_script(
        stack.playground.base_url, script, node_modules=NODE_MODULES, failure_screenshot=tmp_path / "failure.png"
    )
    assert result.ok, result.error
    assert [step["op"] for step in result.steps][-4:] == ["waitForCardText", "fill", "waitForCardText", "screenshot"]
    assert screenshot.stat().st_size > 10_000


async def test_coordinator_reviews_the_proposed_pairs_and_locks_one(stack: Stack, tmp_path: Path) -> None:
    # The way to matching goes through the API driver, quickly; the review itself is what this test is about.
    today = datetime.now(ZoneInfo(ZONE)).date()
    plan = cohort_plan("Race equality 2026, board review", today)
    _, title = await ready_for_matching(stack.client, plan, {AISHA: AISHA_ANSWERS, HELEN: HELEN_ANSWERS})
    screenshot = tmp_path / "match-review.png"
    script = (
        UiScript()
        .open_chat("Personal Chat")
        .send("match")
        .wait_for_card_text(f"Matching {title}")
        .wait_for_card_text("Aisha Bello — Helen Marsh")
        # The badge appears only on the card the bot puts in place of the pressed one, so the UI shows the change.
        .click("Lock")
        .wait_for_card_text("Locked")
        .screenshot(screenshot)
    )
    result = await run_ui_script(
        stack.playground.base_url, script, node_modules=NODE_MODULES, failure_screenshot=tmp_path / "failure.png"
    )
    assert result.ok, result.error
    assert result.console_errors == []
    assert screenshot.stat().st_size > 10_000
