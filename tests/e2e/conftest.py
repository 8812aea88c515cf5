"""The real service (`remedi serve`) and the Agents Playground, started fresh for each end-to-end test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.playground import PlaygroundClient, PlaygroundProcess, free_port, start_playground

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"
TENANT_FILE = REPO / "playground" / ".m365agentsplayground.yml"
COORDINATOR_OBJECT_ID = "ed1ed1ed-0000-4000-8000-000000000010"  # Morgan Ashby, the mock EDI lead
SERVE_STARTUP_SECONDS = 30.0

pytestmark = pytest.mark.e2e


def require_playground() -> None:
    """Skip where the Playground cannot run; in CI its absence is a failure, not a skip."""
    problem = None
    if shutil.which("node") is None:
        problem = "Node.js is not installed"
    elif not (NODE_MODULES / "@microsoft" / "m365agentsplayground").is_dir():
        problem = "the Agents Playground is not installed (run 'npm ci' or 'make test')"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"end-to-end tests cannot run in CI: {problem}")
        pytest.skip(problem)


@dataclass
class RunningService:
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.asynccontextmanager
async def run_service(tmp_path: Path) -> AsyncIterator[RunningService]:
    port = free_port()
    log_path = tmp_path / "remedi.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REMEDI_", "Microsoft", "AZURE_"))},
        "REMEDI_ENV": "local",
        "MicrosoftAppId": "",
        "REMEDI_DATABASE_URL": f"sqlite:///{tmp_path / 'remedi.db'}",
        "REMEDI_COORDINATORS": COORDINATOR_OBJECT_ID,
        "REMEDI_ORGANISATION_NAME": "Northmoor Community Health NHS Trust",
    }
    remedi = Path(sys.executable).with_name("remedi")
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            str(remedi),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        service = RunningService(url=f"http://127.0.0.1:{port}", log_path=log_path)
        try:
            await _wait_healthy(service, process)
            yield service
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _wait_healthy(service: RunningService, process: asyncio.subprocess.Process) -> None:
    deadline = asyncio.get_running_loop().time() + SERVE_STARTUP_SECONDS
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            if process.returncode is not None:
                raise AssertionError(f"remedi serve exited with {process.returncode}:\n{service.log()}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{service.url}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise AssertionError(f"remedi serve was not healthy within {SERVE_STARTUP_SECONDS} s:\n{service.log()}")


@dataclass
class Stack:
    service: RunningService
    playground: PlaygroundProcess
    client: PlaygroundClient


@pytest.fixture
async def stack(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    require_playground()
    (tmp_path / "playground").mkdir()
    async with (
        run_service(tmp_path) as service,
        start_playground(
            node_modules=NODE_MODULES,
            bot_endpoint=f"{service.url}/api/messages",
            config_path=TENANT_FILE,
            log_path=tmp_path / "playground" / "playground.log",
        ) as playground,
        PlaygroundClient(playground.base_url) as client,
    ):
        yield Stack(service=service, playground=playground, client=client)
    # Shown with a failing test's report: what the service itself logged.
    request.node.add_report_section("teardown", "remedi serve log", service.log()[-8000:])
