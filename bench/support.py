"""What HTTP benchmarks share: servers in their own processes, a fake Bot Connector, activities and statistics."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.service_process import stop_process, wait_until_healthy

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# Settings a developer's shell may carry that would change what the servers do; benchmarks set their own.
_FOREIGN_SETTINGS = ("REMEDI_", "Microsoft", "AZURE_", "PORT")

TENANT = "8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6"
PERSON = "d0000000-0000-4000-8000-00000000be01"
BOT_ID = "28:bot"


# Statistics ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    median_ms: float
    p95_ms: float
    samples: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        if len(seconds) < 20:
            raise ValueError("a p95 needs at least 20 samples")
        ms = [s * 1000 for s in seconds]
        # Inclusive quantiles interpolate between observed samples, so p95 never exceeds the worst turn seen.
        p95 = statistics.quantiles(ms, n=20, method="inclusive")[18]
        return cls(median_ms=statistics.median(ms), p95_ms=p95, samples=len(ms))


# Servers -------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_SETTINGS)}
    # The repository first, so `python -m bench.echo_bot` and the bot's packages import from this checkout even
    # though the servers run in a scratch directory (where no developer .env can reach them).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    process: asyncio.subprocess.Process
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mib(self) -> float:
        return _status_kib(self.pid, "VmHWM") / 1024

    def rss_mib(self) -> float:
        return _status_kib(self.pid, "VmRSS") / 1024

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _status_kib(pid: int, field_name: str) -> int:
    # /proc/<pid>/status reports the kernel's own accounting; VmHWM is the resident high-water mark since start.
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field_name}")


@contextlib.asynccontextmanager
async def serve(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str],
    workdir: Path,
    ready_within: float = 60.0,
) -> AsyncIterator[Server]:
    """Start a server process, wait until ``GET /healthz`` answers 200, and stop it with SIGTERM afterwards."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=workdir, env=clean_environment(env), stdout=log, stderr=asyncio.subprocess.STDOUT
        )
    server = Server(name=name, process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        await wait_until_healthy(name, server.base_url, process, server.log_tail, ready_within)
        yield server
    finally:
        await stop_process(process)


# The fake Bot Connector ---------------------------------------------------------------------------------------


@dataclass
class ReplyConnector:
    """Answers the bot's replies like the Bot Connector does and hands each one to whoever awaits that turn.

    Replies are matched to turns by ``replyToId`` (botbuilder sets it to the incoming activity's id), so a turn
    is "delivered" exactly when its own reply has arrived, whatever else is in flight.
    """

    _replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _waiters: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _port: int = 0

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._receive)
        # The access log would cost the connector time per reply that has nothing to do with either bot.
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self._port).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expect(self, activity_id: str) -> asyncio.Future[None]:
        """A future that completes when the first reply to ``activity_id`` arrives."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters[activity_id] = waiter
        self._replies[activity_id] = []
        return waiter

    def replies_to(self, activity_id: str) -> list[dict[str, Any]]:
        return self._replies.pop(activity_id, [])

    async def _receive(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        reply_to = str(body.get("replyToId") or request.match_info.get("activity", ""))
        self._replies.setdefault(reply_to, []).append(body)
        waiter = self._waiters.pop(reply_to, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return web.json_response({"id": f"reply-to-{reply_to}-{len(self._replies[reply_to])}"})


# Activities -----------------------------------------------------------------------------------------------------


def personal_message(text: str, *, activity_id: str, service_url: str, person: str = PERSON) -> dict[str, Any]:
    """A 1:1 message as Teams sends it (see tests/support/activities.py), with the ids the benchmark chooses."""
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-26T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{person}", "name": "Benchmark Person", "aadObjectId": person},
        "conversation": {"id": f"a:personal-{person}", "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": BOT_ID, "name": "ReMEDI bot"},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
        "text": text,
        "textFormat": "plain",
    }
