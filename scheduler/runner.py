"""The scheduler's lifecycle, its heartbeat and the durable-work sweep.

The heartbeat is a real job on the same loop as every other job, so when it stops moving the health check knows
the scheduler is stuck, not merely "started". The sweep job only *finds* work: what is due lives in the database
(see ``programme.work``), never in APScheduler's memory, so a restart or a second replica loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from programme.clock import Clock

log = logging.getLogger(__name__)

HEARTBEAT_JOB_ID = "remedi-heartbeat"
SWEEP_JOB_ID = "remedi-sweep"
RETENTION_JOB_ID = "remedi-retention"
CONVERSATION_STATE_JOB_ID = "remedi-abandoned-conversations"
MEETING_OFFERS_JOB_ID = "remedi-meeting-offers"
STALLED_PAIRS_JOB_ID = "remedi-stalled-pairs"
SURVEYS_JOB_ID = "remedi-surveys"


@dataclass(frozen=True)
class SchedulerStatus:
    running: bool
    last_heartbeat: datetime | None
    healthy: bool


class ProgrammeScheduler:
    def __init__(self, clock: Clock, heartbeat_interval: timedelta = timedelta(seconds=15)) -> None:
        self._clock = clock
        self._interval = heartbeat_interval
        self._scheduler = AsyncIOScheduler(
            # APScheduler's default grace of 1 s silently drops a job that was due during a short pause; each job
            # here is a periodic "look again", so a late run is merged into one rather than skipped or stacked.
            job_defaults={"misfire_grace_time": 300, "coalesce": True, "max_instances": 1},
        )
        self._last_heartbeat: datetime | None = None
        self._running: set[asyncio.Task[object]] = set()

    def start(self) -> None:
        self._every(HEARTBEAT_JOB_ID, self._beat, self._interval)
        self._scheduler.start()

    def sweep_every(self, interval: timedelta, sweep: Callable[[], Awaitable[object]]) -> None:
        """Run the durable-work sweep on an interval, never two at once, starting now."""
        self.run_every(SWEEP_JOB_ID, "the work sweep", interval, sweep, start_now=True)

    def run_every(
        self,
        job_id: str,
        name: str,
        interval: timedelta,
        job: Callable[[], Awaitable[object]],
        *,
        start_now: bool = False,
    ) -> None:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            except Exception:
                # A failed run (say, the database blipped) must not stop the next one.
                log.exception("%s failed; it will run again in %s s", name, interval.total_seconds())
            finally:
                if task is not None:
                    self._running.discard(task)

        self._every(job_id, run, interval, start_now=start_now)

    async def stop(self, grace: timedelta = timedelta(seconds=30)) -> None:
        """Start no more runs, let the ones under way finish (up to ``grace``), then shut down.

        APScheduler's own shutdown cancels running asyncio jobs; cancelling one in the middle of a database call
        can leave its connection half-open while the pool is being disposed, so jobs are allowed to finish.
        """
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace.total_seconds())
        self._scheduler.shutdown(wait=False)
        # AsyncIOScheduler applies shutdown on the loop's next turn; give it that turn before reporting stopped.
        await asyncio.sleep(0)

    def status(self) -> SchedulerStatus:
        running = bool(self._scheduler.running)
        beat = self._last_heartbeat
        fresh = beat is not None and self._clock.now() - beat <= self._interval * 3
        return SchedulerStatus(running=running, last_heartbeat=beat, healthy=running and fresh)

    def _every(
        self, job_id: str, job: Callable[[], Awaitable[None]], interval: timedelta, *, start_now: bool = True
    ) -> None:
        options: dict[str, object] = {}
        if start_now:
            options["next_run_time"] = datetime.now(self._clock.now().tzinfo)
        self._scheduler.add_job(
            job, "interval", seconds=interval.total_seconds(), id=job_id, replace_existing=True, **options
        )

    async def _beat(self) -> None:
        self._last_heartbeat = self._clock.now()
