"""A local Bot Connector: records what the bot sends and answers like the real service.

The bot's replies go to the activity's ``serviceUrl``; pointing that at this server lets tests see every
outbound activity, the path it was sent to and the token it carried, with nothing leaving the machine.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True)
class SentActivity:
    method: str
    path: str
    conversation_id: str
    body: dict[str, Any]
    authorization: str | None

    @property
    def text(self) -> str | None:
        value = self.body.get("text")
        return value if isinstance(value, str) else None

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class FakeConnector:
    sent: list[SentActivity] = field(default_factory=list)
    _server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def service_url(self) -> str:
        assert self._server is not None, "start() the connector first"
        return str(self._server.make_url("/")).rstrip("/") + "/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._post)
        app.router.add_post("/v3/conversations", self._create_conversation)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def wait_for(self, count: int, within: float = 5.0) -> list[SentActivity]:
        """Wait until at least ``count`` activities have arrived in total, then return them all."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.sent) >= count), within)
            return list(self.sent)

    def clear(self) -> None:
        self.sent.clear()

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        async with self._changed:
            self.sent.append(
                SentActivity(
                    method=request.method,
                    path=request.path,
                    conversation_id=request.match_info["conversation"],
                    body=body,
                    authorization=request.headers.get("Authorization"),
                )
            )
            self._changed.notify_all()
        return web.json_response({"id": f"sent-{next(self._ids)}"})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        await request.json()
        return web.json_response({"id": f"conversation-{next(self._ids)}", "activityId": f"sent-{next(self._ids)}"})
