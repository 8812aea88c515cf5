"""``GET /healthz``: what a load balancer and an operator need to know, and nothing sensitive."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot import __version__
from scheduler.runner import ProgrammeScheduler
from storage.database import Database


def health_endpoint(
    database: Callable[[], Database | None], scheduler: Callable[[], ProgrammeScheduler | None]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(_request: web.Request) -> web.Response:
        db = database()
        sched = scheduler()
        reachable = db is not None and await db.is_reachable()
        status = sched.status() if sched is not None else None
        body: dict[str, Any] = {
            "version": __version__,
            "database": {"reachable": reachable, "dialect": db.dialect if db else None},
            "scheduler": {
                "running": bool(status and status.running),
                "last_heartbeat": status.last_heartbeat.isoformat() if status and status.last_heartbeat else None,
            },
        }
        healthy = reachable and status is not None and status.healthy
        body["status"] = "ok" if healthy else "degraded"
        return web.json_response(body, status=200 if healthy else 503)

    return healthz
