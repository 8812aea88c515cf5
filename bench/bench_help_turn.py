"""A ``help`` turn over HTTP, ReMEDI bot against a minimal echo bot on the same adapter, side by side.

A turn is timed from just before the activity is POSTed to ``/api/messages`` until both the HTTP response has
been read and the turn's reply has reached the fake Bot Connector. Both bots run as their own processes with
local-mode settings, as ``remedi serve`` runs in production minus authentication; the benchmark process plays
Teams and the Bot Connector.

Turns alternate between the bots (ABBA order, one request in flight) so that whatever else the machine does
lands on both alike; the target is on the ratio of medians, which such noise largely cancels out of.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import Figure, Target
from bench.support import (
    PERSON,
    VENV_BIN,
    Latency,
    ReplyConnector,
    Server,
    free_port,
    personal_message,
    serve,
)

WARM_UP_TURNS = 50
MEASURED_TURNS = 500
# Throughput with several turns in flight: context for the latency target, not a target of its own.
CONCURRENT_PEOPLE = 8
CONCURRENT_TURNS_EACH = 40
# Distinct people, as when a cohort writes at once (turns of one person would all update the same row).
CROWD = tuple(f"d0000000-0000-4000-8000-0000000c{n:04d}" for n in range(CONCURRENT_PEOPLE))

MEDIAN_RATIO_TARGET = 1.5
# Memory: the ceiling is half of the smallest Azure Container Apps size (0.5 GiB), leaving the other half for the
# dialogs, scheduler jobs and Graph client still to come. The echo bot imports the same packages, so the ratio
# isolates what ReMEDI bot builds and keeps at run time, which is where a leak or an unbounded cache would show.
PEAK_RSS_CEILING_MIB = 256.0
PEAK_RSS_RATIO_TARGET = 1.5

TURN_TIMEOUT_S = 10.0
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

ReplyCheck = Callable[[list[dict[str, Any]]], str | None]


@dataclass
class Contender:
    name: str
    server: Server
    check: ReplyCheck
    samples: list[float] = field(default_factory=list)
    turns: int = 0

    @property
    def messages_url(self) -> str:
        return f"{self.server.base_url}/api/messages"


def help_card_only(replies: list[dict[str, Any]]) -> str | None:
    if len(replies) != 1:
        return f"expected the help card alone, got {len(replies)} replies"
    cards = [
        a.get("content") or {} for a in replies[0].get("attachments") or [] if a.get("contentType") == ADAPTIVE_CARD
    ]
    # The help card lists every command, `help` included; a problem card (an error in the turn) does not.
    titles = {
        fact.get("title")
        for card in cards
        for element in card.get("body", [])
        if element.get("type") == "FactSet"
        for fact in element.get("facts", [])
    }
    return None if "help" in titles else f"the reply is not the help card: {json.dumps(replies[0])[:300]}"


def echo_of(text: str) -> ReplyCheck:
    def check(replies: list[dict[str, Any]]) -> str | None:
        if len(replies) == 1 and replies[0].get("text") == text:
            return None
        return f"expected one echo of {text!r}, got {json.dumps(replies)[:300]}"

    return check


async def take_turn(
    session: aiohttp.ClientSession,
    connector: ReplyConnector,
    contender: Contender,
    *,
    person: str = PERSON,
    check: ReplyCheck | None = None,
) -> float:
    contender.turns += 1
    activity_id = f"{contender.name}-{person[-4:]}-{contender.turns}"
    # Serialised before the clock starts: building the request is the client's cost, not the bot's.
    body = json.dumps(
        personal_message("help", activity_id=activity_id, service_url=connector.service_url, person=person)
    ).encode()
    delivered = connector.expect(activity_id)
    started = time.perf_counter()
    async with session.post(
        contender.messages_url, data=body, headers={"Content-Type": "application/json"}
    ) as response:
        await response.read()
    await asyncio.wait_for(delivered, TURN_TIMEOUT_S)
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"{contender.name} answered {response.status}:\n{contender.server.log_tail()}")
    problem = (check or contender.check)(connector.replies_to(activity_id))
    if problem is not None:
        raise RuntimeError(f"{contender.name}: {problem}")
    return elapsed


async def measure_latency(
    session: aiohttp.ClientSession, connector: ReplyConnector, ours: Contender, echo: Contender
) -> None:
    for round_number in range(WARM_UP_TURNS + MEASURED_TURNS):
        # ABBA: each bot goes first half the time, so a slow-down that follows the other bot's turn (a GC in the
        # client, a context switch) is shared evenly.
        pair = (ours, echo) if round_number % 2 == 0 else (echo, ours)
        for contender in pair:
            elapsed = await take_turn(session, connector, contender)
            if round_number >= WARM_UP_TURNS:
                contender.samples.append(elapsed)


async def measure_throughput(session: aiohttp.ClientSession, connector: ReplyConnector, contender: Contender) -> float:
    """Turns per second with CONCURRENT_PEOPLE people each sending turns back to back."""

    async def person_sends(person: str) -> None:
        for _ in range(CONCURRENT_TURNS_EACH):
            await take_turn(session, connector, contender, person=person)

    started = time.perf_counter()
    await asyncio.gather(*(person_sends(p) for p in CROWD))
    return CONCURRENT_PEOPLE * CONCURRENT_TURNS_EACH / (time.perf_counter() - started)


async def greet_people(session: aiohttp.ClientSession, connector: ReplyConnector, ours: Contender) -> None:
    """The first message from someone new brings the welcome card too; get that out of the way unmeasured."""

    def welcome_then_help(replies: list[dict[str, Any]]) -> str | None:
        if len(replies) != 2:
            return f"a newcomer's first turn should bring the welcome and the help card, got {len(replies)} replies"
        return help_card_only(replies[1:])

    for person in (PERSON, *CROWD):
        await take_turn(session, connector, ours, person=person, check=welcome_then_help)


async def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="remedi-bench-") as scratch:
        workdir = Path(scratch)
        common = {"REMEDI_ENV": "local", "MicrosoftAppId": "", "REMEDI_LOG_LEVEL": "WARNING"}
        connector = ReplyConnector()
        await connector.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                port = free_port()
                ours_server = await stack.enter_async_context(
                    serve(
                        "remedi",
                        [str(VENV_BIN / "remedi"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                        port=port,
                        env={**common, "REMEDI_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"},
                        workdir=workdir,
                    )
                )
                port = free_port()
                echo_server = await stack.enter_async_context(
                    serve(
                        "echo",
                        [str(VENV_BIN / "python"), "-m", "bench.echo_bot", "--host", "127.0.0.1", "--port", str(port)],
                        port=port,
                        env=common,
                        workdir=workdir,
                    )
                )
                ours = Contender("remedi", ours_server, help_card_only)
                echo = Contender("echo", echo_server, echo_of("help"))
                # One connection per person in flight, kept alive, as the Teams service keeps its connections.
                http = aiohttp.TCPConnector(limit=CONCURRENT_PEOPLE)
                async with aiohttp.ClientSession(connector=http) as session:
                    await greet_people(session, connector, ours)
                    await measure_latency(session, connector, ours, echo)
                    # Two rounds in alternating order, for the same reason as ABBA above.
                    ours_tps = await measure_throughput(session, connector, ours)
                    echo_tps = await measure_throughput(session, connector, echo)
                    echo_tps = (echo_tps + await measure_throughput(session, connector, echo)) / 2
                    ours_tps = (ours_tps + await measure_throughput(session, connector, ours)) / 2
                ours_peak, echo_peak = ours_server.peak_rss_mib(), echo_server.peak_rss_mib()
        finally:
            await connector.close()

    ours_latency, echo_latency = Latency.of(ours.samples), Latency.of(echo.samples)
    return [
        Figure("remedi median", ours_latency.median_ms, "ms"),
        Figure("remedi p95", ours_latency.p95_ms, "ms"),
        Figure("echo median", echo_latency.median_ms, "ms"),
        Figure("echo p95", echo_latency.p95_ms, "ms"),
        Figure(
            "median ratio remedi/echo",
            ours_latency.median_ms / echo_latency.median_ms,
            "x",
            Target(MEDIAN_RATIO_TARGET),
            note=f"{MEASURED_TURNS} turns each after {WARM_UP_TURNS} warm-up, interleaved, one in flight",
        ),
        Figure("p95 ratio remedi/echo", ours_latency.p95_ms / echo_latency.p95_ms, "x"),
        Figure(
            "remedi throughput",
            ours_tps,
            "turns/s",
            note=f"{CONCURRENT_PEOPLE} people sending at once, {CONCURRENT_TURNS_EACH} turns each, two runs",
        ),
        Figure("echo throughput", echo_tps, "turns/s"),
        Figure("remedi peak RSS", ours_peak, "MiB", Target(PEAK_RSS_CEILING_MIB)),
        Figure("echo peak RSS", echo_peak, "MiB"),
        Figure("peak RSS ratio remedi/echo", ours_peak / echo_peak, "x", Target(PEAK_RSS_RATIO_TARGET)),
    ]
