"""End to end through the Agents Playground's web UI in headless Chromium, as a person would use it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.browser import UiScript, find_chromium, help_flow, run_ui_script
from tests.e2e.conftest import NODE_MODULES, Stack

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
