"""The real service (`remedi serve`) and the Agents Playground, started fresh for each end-to-end test."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.playground import PlaygroundClient, PlaygroundProcess, start_playground
from tests.support.service_process import ServiceProcess, run_service

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"
TENANT_FILE = REPO / "playground" / ".m365agentsplayground.yml"
COORDINATOR_OBJECT_ID = "ed1ed1ed-0000-4000-8000-000000000010"  # Morgan Ashby, the mock EDI lead

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
class Stack:
    service: ServiceProcess
    playground: PlaygroundProcess
    client: PlaygroundClient
    database_path: Path  # the service's SQLite file, for tests that check what it stored


@pytest.fixture
def service_env() -> dict[str, str]:
    """More settings for `remedi serve`, on top of the stack's own. A test module overrides this fixture, for
    example to deliver queued messages at any hour; by default the service runs as configured below."""
    return {}


@pytest.fixture
async def stack(tmp_path: Path, request: pytest.FixtureRequest, service_env: dict[str, str]) -> AsyncIterator[Stack]:
    require_playground()
    (tmp_path / "playground").mkdir()
    extra = {
        "REMEDI_COORDINATORS": COORDINATOR_OBJECT_ID,
        "REMEDI_ORGANISATION_NAME": "Northmoor Community Health NHS Trust",
        **service_env,
    }
    async with (
        run_service(tmp_path, extra) as service,
        start_playground(
            node_modules=NODE_MODULES,
            bot_endpoint=f"{service.url}/api/messages",
            config_path=TENANT_FILE,
            log_path=tmp_path / "playground" / "playground.log",
        ) as playground,
        PlaygroundClient(playground.base_url) as client,
    ):
        # run_service points the service at this file in its working directory.
        yield Stack(service=service, playground=playground, client=client, database_path=tmp_path / "remedi.db")
    # Shown with a failing test's report: what the service itself logged.
    request.node.add_report_section("teardown", "remedi serve log", service.log()[-8000:])
