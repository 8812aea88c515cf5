"""Stopping the real service in the middle of a fan-out and starting it again loses and repeats nothing.

The service runs as a child process (``remedi serve``) on a SQLite file, sweeping 120 messages that are all due,
towards a local Bot Connector that takes a moment to answer each one. Halfway through, the process is stopped:

- **SIGTERM** (what a platform sends on redeploy or scale-in): sends already under way finish, nothing new
  starts, and after a restart every person has exactly one message.
- **SIGKILL** (a crash): nothing is lost. A send that was under way at the kill (its answer never reached the
  bot, or reached it a moment before the kill, before it was recorded as sent) is sent again after the lease
  expires; those few, and only those, may arrive twice. A send the service had recorded is never repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from programme.deliveries import schedule_message
from programme.identity import PersonId, TenantId
from programme.notifier import OutboundMessage
from programme.work import WorkState
from storage.contact_book import SqlContactBook
from storage.database import open_database
from storage.migrate import upgrade
from storage.work_queue import SqlWorkQueue
from tests.support.service_process import ServiceProcess, run_service

TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
PEOPLE = 120
CONCURRENCY = 16  # the sweeper's default: at most this many sends are in flight at a kill
SERVICE_ENV = {
    "REMEDI_SWEEP_SECONDS": "1",
    "REMEDI_WORK_LEASE_SECONDS": "5",
    "REMEDI_SEND_RATE": "40",
    # The test must behave the same at any hour of any day.
    "REMEDI_WORKING_HOURS": "00:00-24:00",
    "REMEDI_WORKING_DAYS": "Mon-Sun",
    "REMEDI_LOG_LEVEL": "INFO",
}


@dataclass
class AcknowledgingConnector:
    """Records each delivery and whether its answer reached the bot (the connection was still open)."""

    delay: float = 0.05
    delivered: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    server: TestServer | None = None
    # Filled in by the test once the service has stopped: chats whose message it had not recorded as sent.
    unfinished_at_stop: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    async def handle(self, request: web.Request) -> web.Response:
        await request.json()
        conversation = request.match_info["conversation"]
        self.delivered[conversation] += 1
        self.in_flight += 1
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        transport = request.transport
        if transport is not None and not transport.is_closing():
            self.acknowledged[conversation] += 1
        return web.json_response({"id": f"m-{sum(self.delivered.values())}"})

    @property
    def unacknowledged(self) -> Counter[str]:
        return self.delivered - self.acknowledged


@contextlib.asynccontextmanager
async def connector() -> AsyncIterator[AcknowledgingConnector]:
    fake = AcknowledgingConnector()
    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", fake.handle)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    try:
        yield fake
    finally:
        await fake.server.close()


def _person(n: int) -> PersonId:
    return PersonId(f"a0000000-0000-4000-8000-{n:012d}")


def _address(n: int, service_url: str) -> dict[str, Any]:
    """A 1:1 conversation reference as the bot stores it when someone messages it."""
    return {
        "user": {"id": f"29:user-{n}", "aadObjectId": _person(n).value},
        "bot": {"id": "28:remedi", "name": "ReMEDI"},
        "conversation": {"id": f"a:chat-{n}", "conversationType": "personal", "tenantId": TENANT.value},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


async def _prepare(workdir: Path, service_url: str) -> None:
    database = open_database(f"sqlite:///{workdir / 'remedi.db'}")
    try:
        await upgrade(database)
        contacts, queue = SqlContactBook(database), SqlWorkQueue(database)
        now = datetime.now(UTC)
        for n in range(PEOPLE):
            await contacts.remember(TENANT, _person(n), _address(n, service_url), now)
            await schedule_message(
                queue,
                key=f"welcome:{n}",
                tenant=TENANT,
                person=_person(n),
                message=OutboundMessage(summary="welcome", text=f"Welcome, person {n}"),
                due_at=now,
                now=now,
            )
    finally:
        await database.close()


async def _unfinished_conversations(workdir: Path) -> set[str]:
    """The chats whose message the stopped service had not yet recorded as sent."""
    database = open_database(f"sqlite:///{workdir / 'remedi.db'}")
    try:
        open_items = await SqlWorkQueue(database).listing(frozenset({WorkState.PENDING, WorkState.LEASED}), PEOPLE)
    finally:
        await database.close()
    people = {_person(n): f"a:chat-{n}" for n in range(PEOPLE)}
    return {people[item.recipient] for item in open_items if item.recipient is not None}


async def _counts(workdir: Path) -> dict[WorkState, int]:
    database = open_database(f"sqlite:///{workdir / 'remedi.db'}")
    try:
        return dict(await SqlWorkQueue(database).counts())
    finally:
        await database.close()


async def _wait(
    condition: Any, within: float, what: str, service: ServiceProcess | None = None, *, poll: float = 0.05
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await condition():
            return
        await asyncio.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}" + (f"\n{service.log()[-4000:]}" if service else ""))


async def _interrupted_fan_out(tmp_path: Path, stop: str) -> AcknowledgingConnector:
    async with connector() as fake:
        await _prepare(tmp_path, fake.url)
        async with run_service(tmp_path, SERVICE_ENV, log_name="first-run.log") as first:

            async def partly_sent() -> bool:
                # A crash is only interesting while the connector is holding a send the bot has not heard back on.
                return sum(fake.acknowledged.values()) >= PEOPLE // 3 and (stop != "kill" or fake.in_flight > 0)

            await _wait(partly_sent, 60, "the fan-out to get under way", first, poll=0.002)
            if stop == "kill":
                first.kill()
                await first.process.wait()
            else:
                assert await first.stop() == 0, first.log()[-4000:]
        fake.unfinished_at_stop = await _unfinished_conversations(tmp_path)
        sent_before_restart = sum(fake.delivered.values())
        assert sent_before_restart < PEOPLE, "the fan-out finished before it could be interrupted"

        async with run_service(tmp_path, SERVICE_ENV, log_name="second-run.log") as second:

            async def all_done() -> bool:
                counts = await _counts(tmp_path)
                return counts[WorkState.DONE] == PEOPLE

            await _wait(all_done, 90, "every item to be done after the restart", second)
        return fake


@pytest.mark.e2e
async def test_a_graceful_stop_mid_fan_out_loses_and_repeats_nothing(tmp_path: Path) -> None:
    fake = await _interrupted_fan_out(tmp_path, stop="term")
    assert sorted(fake.delivered) == sorted(f"a:chat-{n}" for n in range(PEOPLE))
    assert {conversation: n for conversation, n in fake.delivered.items() if n != 1} == {}
    counts = await _counts(tmp_path)
    assert (counts[WorkState.DEAD], counts[WorkState.MISSED], counts[WorkState.PENDING]) == (0, 0, 0)


@pytest.mark.e2e
async def test_a_crash_mid_fan_out_loses_nothing_and_repeats_only_sends_under_way(tmp_path: Path) -> None:
    fake = await _interrupted_fan_out(tmp_path, stop="kill")
    assert sorted(fake.delivered) == sorted(f"a:chat-{n}" for n in range(PEOPLE))
    repeated = {conversation: n for conversation, n in fake.delivered.items() if n > 1}
    # The kill really caught a send in flight, or this test would prove nothing about crashes.
    assert fake.unacknowledged
    # Only a send under way at the kill may be repeated, each only once: one the connector never answered, or one
    # it answered a moment before the kill, before the service could record it as sent.
    assert set(fake.unacknowledged) <= fake.unfinished_at_stop
    assert set(repeated) <= fake.unfinished_at_stop
    assert all(n == 2 for n in repeated.values())
    assert len(repeated) <= CONCURRENCY
    # Every person's message was acknowledged in the end; twice only where the first answer came too late to record.
    assert set(fake.acknowledged) == set(fake.delivered)
    assert {c for c, n in fake.acknowledged.items() if n != 1} <= fake.unfinished_at_stop
