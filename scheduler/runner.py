"""The scheduler's lifecycle and heartbeat.

The heartbeat is a real job on the same loop as every other job, so when it stops moving the health check knows
the scheduler is stuck, not merely "started".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from programme.clock import Clock

HEARTBEAT_JOB_ID = "remedi-heartbeat"


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
            # APScheduler's default grace of 1 s silently drops a job that was due during a short pause.
            job_defaults={"misfire_grace_time": 300, "coalesce": True, "max_instances": 1},
        )
        self._last_heartbeat: datetime | None = None

    def start(self) -> None:
        self._scheduler.add_job(
            self._beat,
            "interval",
            seconds=self._interval.total_seconds(),
            id=HEARTBEAT_JOB_ID,
            replace_existing=True,
            next_run_time=datetime.now(self._clock.now().tzinfo),
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def status(self) -> SchedulerStatus:
        running = bool(self._scheduler.running)
        beat = self._last_heartbeat
        fresh = beat is not None and self._clock.now() - beat <= self._interval * 3
        return SchedulerStatus(running=running, last_heartbeat=beat, healthy=running and fresh)

    async def _beat(self) -> None:
        self._last_heartbeat = self._clock.now()
