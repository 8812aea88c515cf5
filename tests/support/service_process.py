"""Run the real service (`remedi serve`) as a child process, for end-to-end and restart tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

STARTUP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    url: str
    log_path: Path
    process: asyncio.subprocess.Process

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to tidy up, as in a crash or an out-of-memory kill."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self, grace: float = 20.0) -> int:
        """SIGTERM, as a platform does on redeploy or scale-in; waits for a graceful exit."""
        return await stop_process(self.process, grace)


async def stop_process(process: asyncio.subprocess.Process, grace: float = 20.0) -> int:
    """SIGTERM, then SIGKILL if the process has not exited within ``grace`` seconds; returns the exit code."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            process.kill()
    return await process.wait()


async def wait_until_healthy(
    name: str, base_url: str, process: asyncio.subprocess.Process, log: Callable[[], str], within: float
) -> None:
    """Poll ``GET /healthz`` until it answers 200; fail with the server's log if it exits or takes too long."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with aiohttp.ClientSession() as session:
        while loop.time() < deadline:
            if process.returncode is not None:
                raise AssertionError(f"{name} exited with {process.returncode} during start-up:\n{log()}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{base_url}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{name} was not healthy within {within:.0f} s:\n{log()}")


def service_environment(workdir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Local mode on a SQLite file in ``workdir``; nothing from the developer's own settings leaks in."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("REMEDI_", "Microsoft", "AZURE_"))}
    return {
        **inherited,
        "REMEDI_ENV": "local",
        "MicrosoftAppId": "",
        "REMEDI_DATABASE_URL": f"sqlite:///{workdir / 'remedi.db'}",
        **(extra or {}),
    }


@contextlib.asynccontextmanager
async def run_service(
    workdir: Path, extra_env: Mapping[str, str] | None = None, *, log_name: str = "remedi.log"
) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    log_path = workdir / log_name
    remedi = Path(sys.executable).with_name("remedi")
    with log_path.open("ab") as log_file:
        process = await asyncio.create_subprocess_exec(
            str(remedi),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            cwd=workdir,
            env=service_environment(workdir, extra_env),
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        service = ServiceProcess(url=f"http://127.0.0.1:{port}", log_path=log_path, process=process)
        try:
            await wait_until_healthy("remedi serve", service.url, process, service.log, STARTUP_SECONDS)
            yield service
        finally:
            if process.returncode is None:
                await service.stop()
