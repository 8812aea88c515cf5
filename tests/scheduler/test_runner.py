"""The scheduler lets a job under way finish when the service stops, and reports its heartbeat."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from programme.clock import SystemClock
from scheduler.runner import ProgrammeScheduler


async def test_stop_waits_for_a_running_job_instead_of_cancelling_it() -> None:
    scheduler = ProgrammeScheduler(SystemClock())
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_job() -> None:
        started.set()
        await asyncio.sleep(0.2)  # e.g. a database write under way
        finished.set()

    scheduler.start()
    scheduler.run_every("slow", "a slow job", timedelta(hours=1), slow_job, start_now=True)
    await asyncio.wait_for(started.wait(), 5)
    await scheduler.stop()
    assert finished.is_set()
    assert scheduler.status().running is False


async def test_stop_gives_up_waiting_after_the_grace_period() -> None:
    scheduler = ProgrammeScheduler(SystemClock())
    started = asyncio.Event()

    async def stuck_job() -> None:
        started.set()
        await asyncio.sleep(3600)

    scheduler.start()
    scheduler.run_every("stuck", "a stuck job", timedelta(hours=1), stuck_job, start_now=True)
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.wait_for(scheduler.stop(grace=timedelta(milliseconds=100)), 5)
    assert scheduler.status().running is False


async def test_the_heartbeat_makes_the_scheduler_healthy() -> None:
    scheduler = ProgrammeScheduler(SystemClock())
    assert scheduler.status().healthy is False
    scheduler.start()
    for _ in range(100):
        if scheduler.status().healthy:
            break
        await asyncio.sleep(0.01)
    assert scheduler.status().healthy is True
    assert scheduler.status().last_heartbeat is not None
    await scheduler.stop()
