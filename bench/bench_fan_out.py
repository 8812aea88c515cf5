"""Fan-out: one proactive message to each of 2,000 people, through a connector that enforces Teams' limits.

What a programme does when it opens a cohort or sends a survey. The real path is measured end to end in this
process: work items in a SQLite database, the sweeper claiming them, the Teams notifier pacing each request and
retrying throttled ones through botbuilder's CloudAdapter, and a local Bot Connector that answers like Teams: it
enforces the per-conversation limits and a tenant-wide limit of 50 requests/s, and throttles 5% of requests at
random (429 with Retry-After: 1 s).

The target is the ceiling that the configured send rate allows: 2,000 messages at 30 requests/s cannot take less
than 66.7 s, so the figure is the measured time divided by that, with every message delivered exactly once. Beside
it runs the naive sender most bots start with: one `continue_conversation` after another, no pacing, no retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import ConversationReference

from bench import Better, Figure, Target
from bot.adapter import HardenedCloudAdapter
from bot.app import BotFrameworkConfig
from bot.notifier import TeamsNotifier
from bot.pacing import Pacer
from bot.settings import Settings, parse_settings
from programme.clock import SystemClock
from programme.deliveries import MESSAGE, message_handler, schedule_message
from programme.identity import PersonId, TenantId
from programme.notifier import OutboundMessage
from programme.sweeper import Sweeper, SweepPolicy
from programme.work import WorkState
from programme.working_hours import WorkingHours
from storage.contact_book import SqlContactBook
from storage.database import open_database
from storage.migrate import upgrade
from storage.work_queue import SqlWorkQueue
from tests.support.fake_connector import FakeConnector, Fault

PEOPLE = 2_000
SEND_RATE = 30  # the default REMEDI_SEND_RATE
TEAMS_TENANT_LIMIT = 50  # requests/s the connector allows before it throttles
THROTTLED_FRACTION = 0.05
TARGET_RATIO = 1.15
TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
MESSAGE_TEXT = "The spring cohort opens today: type 'join' to take part."


def _person(n: int) -> PersonId:
    return PersonId(f"b0000000-0000-4000-8000-{n:012d}")


def _conversation(n: int) -> str:
    return f"a:fan-out-{n}"


def _address(n: int, service_url: str) -> dict[str, Any]:
    return {
        "user": {"id": f"29:user-{n}", "aadObjectId": _person(n).value},
        "bot": {"id": "28:remedi", "name": "ReMEDI"},
        "conversation": {"id": _conversation(n), "conversationType": "personal", "tenantId": TENANT.value},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


def _settings() -> Settings:
    return parse_settings({"REMEDI_ENV": "local", "REMEDI_LOG_LEVEL": "WARNING"})


def _adapter(settings: Settings) -> HardenedCloudAdapter:
    config = BotFrameworkConfig(settings)
    return HardenedCloudAdapter(ConfigurationBotFrameworkAuthentication(config), settings)


@contextlib.asynccontextmanager
async def _connector(seed: int) -> AsyncIterator[FakeConnector]:
    connector = FakeConnector(enforce_limits=True, global_per_second=TEAMS_TENANT_LIMIT)
    await connector.start()
    connector.fail_randomly(THROTTLED_FRACTION, Fault.throttled(1), seed=seed)
    try:
        yield connector
    finally:
        await connector.close()


async def _paced_fan_out(workdir: Path) -> dict[str, float]:
    async with _connector(seed=1) as connector:
        database = open_database(f"sqlite:///{workdir / 'fan-out.db'}")
        try:
            await upgrade(database)
            clock = SystemClock()
            contacts, queue = SqlContactBook(database), SqlWorkQueue(database)
            now = clock.now()
            for n in range(PEOPLE):
                await contacts.remember(TENANT, _person(n), _address(n, connector.service_url), now)
                await schedule_message(
                    queue,
                    key=f"cohort-open:{n}",
                    tenant=TENANT,
                    person=_person(n),
                    message=OutboundMessage(summary="cohort opening", text=MESSAGE_TEXT),
                    due_at=now,
                    now=now,
                )
            settings = _settings()
            notifier = TeamsNotifier(
                _adapter(settings),
                settings.bot.app_id,
                contacts,
                Pacer(tenant_per_second=SEND_RATE),
                service_url=connector.service_url,
                clock=clock,
            )
            sweeper = Sweeper(
                queue=queue,
                handlers={MESSAGE: message_handler(notifier)},
                contacts=contacts,
                clock=clock,
                # Any hour of any day, so the benchmark measures sending, not waiting for Monday.
                working_hours=WorkingHours(
                    ZoneInfo("Europe/London"), clock_time(0), clock_time.max, frozenset(range(7))
                ),
                owner="bench",
                policy=SweepPolicy(),  # the service's defaults
            )
            tracemalloc.start()
            started = time.perf_counter()
            while (await queue.counts())[WorkState.DONE] < PEOPLE:
                report = await sweeper.sweep_until_idle()
                if report.claimed == 0:
                    # Only items postponed after a failed send remain; wait for them as the scheduler would.
                    await asyncio.sleep(0.2)
                if time.perf_counter() - started > 600:
                    raise RuntimeError("the paced fan-out did not finish within 10 minutes")
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            counts = connector.delivery_counts()
            return {
                "seconds": elapsed,
                "delivered": float(len(counts)),
                "duplicates": float(sum(n - 1 for n in counts.values() if n > 1)),
                "throttled": float(len(connector.rejected(429))),
                "peak_mib": peak / 2**20,
            }
        finally:
            await database.close()


async def _naive_fan_out() -> dict[str, float]:
    async with _connector(seed=2) as connector:
        settings = _settings()
        adapter = _adapter(settings)
        lost = 0
        tracemalloc.start()
        started = time.perf_counter()
        for n in range(PEOPLE):
            reference = ConversationReference().deserialize(_address(n, connector.service_url))
            lost += not await _send_once(adapter, settings.bot.app_id, reference)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "seconds": elapsed,
            "delivered": float(len(connector.delivery_counts())),
            "lost": float(lost),
            "throttled": float(len(connector.rejected(429))),
            "peak_mib": peak / 2**20,
        }


async def _send_once(adapter: HardenedCloudAdapter, app_id: str, reference: ConversationReference) -> bool:
    """One proactive send the way most bots do it: no pacing, no retry. True when it arrived."""
    failures: list[BaseException] = []

    async def send(turn_context: TurnContext) -> None:
        try:
            await turn_context.send_activity(MessageFactory.text(MESSAGE_TEXT))
        except Exception as error:
            failures.append(error)

    await adapter.continue_conversation(reference, send, bot_app_id=app_id)
    return not failures


async def run() -> list[Figure]:
    ceiling = PEOPLE / SEND_RATE
    with tempfile.TemporaryDirectory(prefix="remedi-fan-out-") as scratch:
        paced = await _paced_fan_out(Path(scratch))
    naive = await _naive_fan_out()
    started_at = datetime.now(UTC).strftime("%H:%M")
    note = f"{PEOPLE} people, rate {SEND_RATE}/s, 5% random 429s, connector limit {TEAMS_TENANT_LIMIT}/s ({started_at})"
    return [
        Figure("paced time", paced["seconds"], "s", note=note),
        Figure("rate ceiling (people / rate)", ceiling, "s"),
        Figure("paced time / ceiling", paced["seconds"] / ceiling, "x", Target(TARGET_RATIO)),
        Figure("paced delivered", paced["delivered"], "people", Target(PEOPLE, better=Better.HIGHER)),
        Figure("paced duplicates", paced["duplicates"], "messages", Target(0)),
        Figure("paced 429s answered", paced["throttled"], "requests"),
        Figure("paced peak Python memory", paced["peak_mib"], "MiB", Target(64)),
        Figure("naive time", naive["seconds"], "s"),
        Figure("naive delivered", naive["delivered"], "people"),
        Figure("naive lost", naive["lost"], "people"),
        Figure("naive 429s", naive["throttled"], "requests"),
        Figure("naive peak Python memory", naive["peak_mib"], "MiB"),
    ]
