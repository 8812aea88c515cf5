"""Drive the Agents Playground's web UI in headless Chromium, as a person would, from async tests.

The browser work happens in `ui_flow.mjs` (Node, with `playwright-core` from package.json and the system Chromium:
Debian packages `chromium` and `chromium-driver`). This module builds its list of steps, runs it, and turns its
JSON answer into a `UiResult`, raising `UiFlowError` with the failing step, the browser's console errors and a
screenshot when a step fails.

    script = help_flow(button="Say hi", expected_text="You clicked", screenshot=tmp_path / "help.png")
    result = await run_ui_script(playground.base_url, script, node_modules=REPO / "node_modules")

Things the UI does by itself: opening a chat for the first time in a page sends the bot an install (an
`installationUpdate` and a `conversationUpdate`) from the current user, and loading the page waits for the bot's
endpoint to answer (up to 15 s), so start the bot first. The UI always acts as the tenant file's current user, and
in group chats and channels the bot only hears messages that @mention it, which this runner does not type; use
the API driver in playground.py for those.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

UI_FLOW_SCRIPT = Path(__file__).with_name("ui_flow.mjs")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


class UiFlowError(AssertionError):
    """A UI step failed. The message has the failing step, the error, console errors and the screenshot path."""

    def __init__(self, message: str, result: UiResult | None = None) -> None:
        super().__init__(message)
        self.result = result


def find_chromium() -> str | None:
    """The Chromium to drive: `REMEDI_CHROMIUM` if set, else the first browser on PATH. None lets tests skip."""
    configured = os.environ.get("REMEDI_CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class UiScript:
    """Steps for ui_flow.mjs, built fluently. Card steps act on the newest card that has the named input or
    button; text waits look only at chat messages (the chat list and log panel repeat message text)."""

    steps: list[dict[str, Any]] = field(default_factory=list)

    def open_chat(self, name: str = "Personal Chat") -> Self:
        """Select a chat in the list: "Personal Chat", the group chat's name, or "<team name> - <channel name>"."""
        self.steps.append({"op": "openChat", "name": name})
        return self

    def send(self, text: str) -> Self:
        self.steps.append({"op": "send", "text": text})
        return self

    def wait_for_card(self) -> Self:
        """Wait for an Adaptive Card that was not on screen before the last `send`."""
        self.steps.append({"op": "waitForCard"})
        return self

    def fill(self, label: str, value: str) -> Self:
        """Type into a card input, found by its label (the renderer labels inputs by `label`, else `placeholder`)."""
        self.steps.append({"op": "fill", "label": label, "value": value})
        return self

    def click(self, button: str) -> Self:
        """Press the card button with exactly this title."""
        self.steps.append({"op": "click", "button": button})
        return self

    def click_matching(self, pattern: str) -> Self:
        """Press the first card button whose title matches `pattern` (a JavaScript regular expression), on the
        newest card that has one: for buttons whose titles depend on the day, such as the times a meeting card
        offers. The step's entry in `UiResult.steps` has the pressed title as "pressed"."""
        self.steps.append({"op": "clickMatching", "pattern": pattern})
        return self

    def wait_for_text(self, text: str) -> Self:
        """Wait until a chat message contains `text` (substring, case-sensitive)."""
        self.steps.append({"op": "waitForText", "text": text})
        return self

    def wait_for_card_text(self, text: str) -> Self:
        """Wait until a rendered Adaptive Card in a chat message contains `text` (substring, case-sensitive)."""
        self.steps.append({"op": "waitForCardText", "text": text})
        return self

    def screenshot(self, path: Path) -> Self:
        self.steps.append({"op": "screenshot", "path": str(path)})
        return self


def help_flow(*, button: str, expected_text: str, screenshot: Path | None = None, command: str = "help") -> UiScript:
    """The basic round trip: in the 1:1 chat send `command`, wait for the bot's card, press `button`, and wait
    for a message containing `expected_text`."""
    script = UiScript().open_chat("Personal Chat").send(command).wait_for_card().click(button)
    script.wait_for_text(expected_text)
    if screenshot is not None:
        script.screenshot(screenshot)
    return script


@dataclass(frozen=True)
class UiResult:
    ok: bool
    error: str | None
    failed_step: dict[str, Any] | None  # the script's step, or {"op": "launch"} / {"op": "load"}
    steps: list[dict[str, Any]]  # {"op", "ms"} for each step that passed, after "launch" and "load"
    console_errors: list[str]
    screenshot: str | None
    stderr: str


async def run_ui_script(
    base_url: str,
    script: UiScript,
    *,
    node_modules: Path | None = None,
    chromium: str | None = None,
    step_timeout: float = 15.0,
    overall_timeout: float = 180.0,
    failure_screenshot: Path | None = None,
    node: str = "node",
) -> UiResult:
    """Run `script` against the Playground UI at `base_url`; raise `UiFlowError` unless every step passes.

    `node_modules` must contain playwright-core (default: Node's usual lookup from this directory, i.e. the
    repository's). A run starts a fresh browser profile and takes about 4 s plus the bot's replies: Chromium
    starts in under 1 s, and parsing the UI's 9 MB script takes 2-3 s.
    """
    browser = chromium or find_chromium()
    if browser is None:
        raise UiFlowError("no Chromium found: install Debian's chromium package or set REMEDI_CHROMIUM")
    node_exe = shutil.which(node)
    if node_exe is None:
        raise UiFlowError(f"{node!r} not found on PATH")
    spec = {
        "baseUrl": base_url,
        "chromium": browser,
        "nodeModules": str(node_modules) if node_modules is not None else None,
        "stepTimeoutMs": int(step_timeout * 1000),
        "failureScreenshot": str(failure_screenshot) if failure_screenshot is not None else None,
        "steps": script.steps,
    }
    process = await asyncio.create_subprocess_exec(
        node_exe,
        str(UI_FLOW_SCRIPT),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        # Its own process group: Chromium's helpers are stopped with it if the run times out.
        start_new_session=True,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(json.dumps(spec).encode()), overall_timeout)
    except BaseException as exc:
        # Also on cancellation: a browser left behind would outlive the test run.
        _kill_group(process)
        await process.wait()
        if isinstance(exc, TimeoutError):
            raise UiFlowError(f"UI flow did not finish within {overall_timeout} s") from None
        raise
    err_text = stderr.decode("utf-8", errors="replace")
    try:
        answer = json.loads(stdout.decode("utf-8").strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise UiFlowError(f"ui_flow.mjs gave no result (exit {process.returncode}):\n{err_text}") from None
    result = UiResult(
        ok=bool(answer["ok"]),
        error=answer.get("error"),
        failed_step=answer.get("failedStep"),
        steps=answer.get("steps", []),
        console_errors=answer.get("consoleErrors", []),
        screenshot=answer.get("screenshot"),
        stderr=err_text,
    )
    if not result.ok:
        raise UiFlowError(
            f"UI step {result.failed_step} failed: {result.error}\n"
            f"console errors: {result.console_errors}\nscreenshot: {result.screenshot}",
            result,
        )
    return result


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
