"""A local Bot Connector: records what the bot sends and answers like the real service.

The bot's replies go to the activity's ``serviceUrl``; pointing that at this server lets tests see every
outbound activity, the path it was sent to and the token it carried, with nothing leaving the machine.

Beyond recording, it can behave like a Teams connector under pressure:

* ``enforce_limits=True`` applies Teams' per-conversation limits (7 requests in any 1 s, 8 in any 2 s, 60 in any
  30 s) and, with ``global_per_second``, a limit across all conversations; a request that would break one gets
  429 with a ``Retry-After`` saying when it would fit. Only accepted requests count towards the windows. Time comes
  from ``clock``, so a test can share a virtual clock with the code under test.
* Faults can be scripted for the next calls (``fail_next``), for every call to one conversation
  (``fail_always``), or drawn at random for a fraction of calls with a seed (``fail_randomly``).
* ``POST /v3/conversations`` creates a 1:1 chat as Teams does: exactly one member, ``isGroup`` false and a tenant,
  else 400; the id is derived from the member (``conversation_for``), so creating it again returns the same id.
* ``GET /v3/conversations/{id}/members/{member}`` answers with the member's ``TeamsChannelAccount`` (as Teams
  shapes it: ids, name, email, user principal name, tenant, role) once a test has said who is in the conversation
  (``add_member``), and 404 ``MemberNotFoundInConversation`` otherwise. Every lookup is recorded in ``lookups``.
  Faults for lookups are scripted with ``on="lookup"`` only: ``"any"`` keeps meaning sends and creates, so the
  tests that script those are not disturbed by a lookup made on the way.

Failed requests are not in ``sent``; they are in ``rejections``.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from aiohttp.test_utils import TestServer

# (count, seconds): Teams' limits per bot per conversation, written out here rather than imported from the pacer,
# so a mistake in the pacer's constants cannot hide itself.
TEAMS_CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0))


@dataclass(frozen=True)
class SentActivity:
    method: str
    path: str
    conversation_id: str
    body: dict[str, Any]
    authorization: str | None
    at: float = 0.0

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


@dataclass(frozen=True)
class Fault:
    """An error answer, shaped like the Bot Connector's: ``{"error": {"code": ..., "message": ...}}``."""

    status: int
    code: str
    message: str
    retry_after: str | None = None

    @classmethod
    def throttled(cls, retry_after: float | str = 1) -> Fault:
        return cls(429, "Throttled", "Too many requests.", _header(retry_after))

    @classmethod
    def unavailable(cls, retry_after: float | str | None = None) -> Fault:
        return cls(503, "ServiceUnavailable", "The service is unavailable.", _header(retry_after))

    @classmethod
    def blocked(cls) -> Fault:
        """What Teams answers when the person blocked the bot."""
        return cls(403, "MessageWritesBlocked", "Thread is blocked from message writes.")

    @classmethod
    def not_found(cls) -> Fault:
        return cls(404, "ConversationNotFound", "Conversation not found.")

    @classmethod
    def disconnect(cls) -> Fault:
        """No answer at all: the connection is dropped, as a network failure would."""
        return cls(0, "", "")

    @classmethod
    def bad_request(cls, message: str = "Incorrect conversation creation parameters") -> Fault:
        return cls(400, "BadSyntax", message)

    def response(self) -> web.Response:
        if self.status == 0:
            # The transport is already closed; aiohttp needs something to (fail to) write.
            return web.Response(status=500)
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else None
        return web.json_response(
            {"error": {"code": self.code, "message": self.message}}, status=self.status, headers=headers
        )


@dataclass(frozen=True)
class Rejection:
    """A request the connector refused; ``cause`` is "limit", "fault", "random" or "invalid"."""

    conversation_id: str
    status: int
    cause: str
    at: float
    retry_after: str | None = None


@dataclass(frozen=True)
class CreatedConversation:
    conversation_id: str
    members: list[str]
    tenant_id: str | None
    bot_id: str | None
    body: dict[str, Any]
    authorization: str | None


@dataclass(frozen=True)
class MemberLookup:
    conversation_id: str
    member_id: str
    authorization: str | None
    status: int


def teams_member(
    member_id: str, name: str, aad_object_id: str, email: str, tenant_id: str, *, upn: str | None = None
) -> dict[str, Any]:
    """A member as Teams answers ``GET /v3/conversations/{id}/members/{member}``: a ``TeamsChannelAccount``."""
    return {
        "id": member_id,
        "name": name,
        "aadObjectId": aad_object_id,
        "email": email,
        "userPrincipalName": upn if upn is not None else email,
        "tenantId": tenant_id,
        "userRole": "user",
    }


Calls = Literal["any", "create", "send", "lookup"]


@dataclass
class _ScriptedFault:
    fault: Fault
    remaining: float  # math.inf for "always"
    conversation: str | None
    on: Calls

    def matches(self, conversation: str, call: Calls) -> bool:
        applies = self.on == call or (self.on == "any" and call != "lookup")
        return (self.conversation is None or self.conversation == conversation) and applies


@dataclass
class FakeConnector:
    sent: list[SentActivity] = field(default_factory=list)
    _server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    enforce_limits: bool = False
    global_per_second: int | None = None
    clock: Callable[[], float] = time.monotonic
    created: list[CreatedConversation] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    _scripted: list[_ScriptedFault] = field(default_factory=list)
    _random_fraction: float = 0.0
    _random_fault: Fault | None = None
    _random: random.Random = field(default_factory=random.Random)
    _windows: dict[str, deque[float]] = field(default_factory=dict)
    _global_window: deque[float] = field(default_factory=deque)
    members: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    lookups: list[MemberLookup] = field(default_factory=list)

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
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._get_member)
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
        """Forget what was received; faults, limits, members and the limits' memory of recent requests stay."""
        self.sent.clear()
        self.created.clear()
        self.rejections.clear()
        self.lookups.clear()

    def add_member(self, conversation_id: str, account: dict[str, Any]) -> None:
        """Say that ``account`` (see :func:`teams_member`) is in the conversation, so looking them up finds them."""
        self.members[(conversation_id, str(account["id"]))] = dict(account)

    # Faults -------------------------------------------------------------------------------------------------

    def fail_next(self, fault: Fault, times: int = 1, *, conversation: str | None = None, on: Calls = "any") -> None:
        """Answer the next ``times`` matching calls with ``fault``: to ``conversation`` (or any), creating it
        (``on="create"``), sending to it (``"send"``) or either. The first matching script answers."""
        self._scripted.append(_ScriptedFault(fault, times, conversation, on))

    def fail_always(self, fault: Fault, *, conversation: str, on: Calls = "any") -> None:
        self._scripted.append(_ScriptedFault(fault, math.inf, conversation, on))

    def fail_randomly(self, fraction: float, fault: Fault | None = None, *, seed: int = 0) -> None:
        """Answer about ``fraction`` of calls with ``fault`` (429, Retry-After 1 s, by default), reproducibly."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        self._random_fraction = fraction
        self._random_fault = fault or Fault.throttled(1)
        self._random = random.Random(seed)

    def heal(self) -> None:
        """Stop every scripted and random fault."""
        self._scripted.clear()
        self._random_fraction = 0.0

    # What arrived -------------------------------------------------------------------------------------------

    @staticmethod
    def conversation_for(member_id: str) -> str:
        """The 1:1 chat id this connector creates for a member (the same id the test activities use)."""
        return f"a:personal-{member_id}"

    def delivered_to(self, conversation_id: str) -> list[SentActivity]:
        return [activity for activity in self.sent if activity.conversation_id == conversation_id]

    def delivery_counts(self) -> Counter[str]:
        return Counter(activity.conversation_id for activity in self.sent)

    def rejected(self, status: int | None = None, *, conversation: str | None = None) -> list[Rejection]:
        return [
            r
            for r in self.rejections
            if (status is None or r.status == status) and (conversation is None or r.conversation_id == conversation)
        ]

    def attempts_to(self, conversation_id: str) -> int:
        """Every request to the conversation, delivered or refused (creating it included)."""
        created = sum(1 for c in self.created if c.conversation_id == conversation_id)
        return len(self.delivered_to(conversation_id)) + len(self.rejected(conversation=conversation_id)) + created

    # Handlers -----------------------------------------------------------------------------------------------

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = request.match_info["conversation"]
        refusal = self._refusal(conversation, "send")
        if refusal is not None:
            return _answer(request, refusal)
        async with self._changed:
            self.sent.append(
                SentActivity(
                    method=request.method,
                    path=request.path,
                    conversation_id=conversation,
                    body=body,
                    authorization=request.headers.get("Authorization"),
                    at=self.clock(),
                )
            )
            self._changed.notify_all()
        return web.json_response({"id": f"sent-{next(self._ids)}"})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = [str(m.get("id")) for m in body.get("members") or [] if isinstance(m, dict) and m.get("id")]
        tenant = body.get("tenantId") or ((body.get("channelData") or {}).get("tenant") or {}).get("id")
        if body.get("isGroup") or len(members) != 1 or not tenant:
            # Teams creates only 1:1 chats this way (and channel threads, which we never ask for).
            self.rejections.append(Rejection("(new)", 400, "invalid", self.clock()))
            return Fault.bad_request().response()
        conversation = self.conversation_for(members[0])
        refusal = self._refusal(conversation, "create")
        if refusal is not None:
            return _answer(request, refusal)
        self.created.append(
            CreatedConversation(
                conversation_id=conversation,
                members=members,
                tenant_id=tenant,
                bot_id=(body.get("bot") or {}).get("id"),
                body=body,
                authorization=request.headers.get("Authorization"),
            )
        )
        # A 1:1 chat answers without an activityId, as Teams does.
        return web.json_response({"id": conversation}, status=201)

    async def _get_member(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        member_id = request.match_info["member"]
        fault = self._scripted_fault(conversation, "lookup")
        account = self.members.get((conversation, member_id))
        if fault is None and account is None:
            fault = Fault(404, "MemberNotFoundInConversation", "The member was not found in the conversation.")
        self.lookups.append(
            MemberLookup(conversation, member_id, request.headers.get("Authorization"), fault.status if fault else 200)
        )
        if fault is not None:
            return _answer(request, fault)
        return web.json_response(account)

    def _refusal(self, conversation: str, call: Calls) -> Fault | None:
        """The fault to answer with, if any; an accepted request is counted against the limits."""
        now = self.clock()
        fault = self._scripted_fault(conversation, call)
        cause = "fault"
        if fault is None and self._random_fault is not None and self._random.random() < self._random_fraction:
            fault, cause = self._random_fault, "random"
        if fault is None and self.enforce_limits:
            fault, cause = self._over_limit(conversation, now), "limit"
        if fault is not None:
            self.rejections.append(Rejection(conversation, fault.status, cause, now, fault.retry_after))
            return fault
        if self.enforce_limits:
            self._windows.setdefault(conversation, deque(maxlen=max(n for n, _ in TEAMS_CONVERSATION_LIMITS)))
            self._windows[conversation].append(now)
            if self.global_per_second is not None:
                self._global_window.append(now)
                while len(self._global_window) > self.global_per_second:
                    self._global_window.popleft()
        return None

    def _scripted_fault(self, conversation: str, call: Calls) -> Fault | None:
        for script in self._scripted:
            if script.matches(conversation, call):
                script.remaining -= 1
                if script.remaining <= 0:
                    self._scripted.remove(script)
                return script.fault
        return None

    def _over_limit(self, conversation: str, now: float) -> Fault | None:
        waits = [
            _wait(self._windows.get(conversation), count, period, now) for count, period in TEAMS_CONVERSATION_LIMITS
        ]
        if self.global_per_second is not None:
            waits.append(_wait(self._global_window, self.global_per_second, 1.0, now))
        longest = max(waits)
        if longest <= 0:
            return None
        # Retry-After is whole seconds on the wire; round up so obeying it always works.
        return Fault.throttled(max(1, math.ceil(longest)))


def _answer(request: web.Request, fault: Fault) -> web.Response:
    if fault.status == 0 and request.transport is not None:
        request.transport.close()
    return fault.response()


def _wait(times: deque[float] | None, count: int, period: float, now: float) -> float:
    """How long until one more request fits ``count`` per ``period`` (0 when it fits now)."""
    if times is None or len(times) < count:
        return 0.0
    # Written as the pacer's test reads it (n-th newest plus the period), so both agree at the boundary.
    return max(times[-count] + period - now, 0.0)


def _header(seconds: float | str | None) -> str | None:
    if seconds is None or isinstance(seconds, str):
        return seconds
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)
