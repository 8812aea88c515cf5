"""Pacing outbound Bot Connector requests under Teams' rate limits, so the platform never has to throttle us.

Teams limits a bot per conversation (7 requests in any 1 s, 8 in any 2 s, 60 in any 30 s, all at once) and per
app and tenant (about 30 to 50 requests a second). A 429 costs a retry and, repeated, can get a bot blocked, so
every send first takes a slot from the :class:`Pacer`, which waits exactly as long as the tightest window needs.

How waiting works, and why it is fair:

* Each conversation has a FIFO line; only its head is considered, so one conversation with a hundred messages
  queued holds at most one place in the tenant's line and other conversations get through between its sends.
* The head waits for its conversation's windows, then joins the tenant's FIFO line, whose head waits for the
  tenant's window and for its turn in an even schedule of one grant per 1/N s (a few may go early), so the
  tenant's requests flow steadily instead of in once-a-second bursts. A grant is recorded in both.
* Every wait is computed from the stored timestamps (the n-th most recent send plus the window's length), never
  polled; a sleeper only sleeps again when a pause arrived while it slept.

Windows are sliding, not fixed buckets: a token bucket of N per second alone lets 2N through in some one-second
span, which a sliding-window limiter (as Teams' limits read) would throttle; the tenant's even schedule comes on
top of its window, never instead of it. Each conversation window is lengthened by a small ``margin`` because a
request reaches Teams a little after its grant, and unevenly (bursts of seven queue on botbuilder's worker threads).

State for a conversation is forgotten once nothing of it can matter any more (its newest send is older than the
longest window, no pause holds and no one is waiting), swept from the least recently used end on every grant, so
memory tracks the recent send rate and the waiting senders, not every conversation ever seen.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests in any ``period`` seconds."""

    count: int
    period: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.period <= 0:
            raise ValueError(f"a limit needs a positive count and period, not {self.count} per {self.period} s")


# Teams: per bot per conversation (creating conversations counts the same).
TEAMS_CONVERSATION_LIMITS: tuple[Limit, ...] = (Limit(7, 1.0), Limit(8, 2.0), Limit(60, 30.0))
DEFAULT_TENANT_PER_SECOND = 30
DEFAULT_MARGIN_SECONDS = 0.05
# The default tenant rate sits well below Teams' documented ~50/s and its requests are evenly spread, so its window
# needs no margin; set one when tenant_per_second is the platform's real limit.
DEFAULT_TENANT_MARGIN_SECONDS = 0.0
# Up to this many of a tenant's requests may go back to back; the rest are spread 1/N s apart.
DEFAULT_TENANT_BURST = 3
# How many busy or paused entries one sweep may step over to reach idle ones behind them.
_SKIPS_PER_SWEEP = 2


class _Windows:
    """Recent grant times for one key, enough to answer every limit in O(number of limits)."""

    __slots__ = ("_limits", "_margin", "_next_at", "_spacing", "_times", "_tolerance", "lock", "paused_until", "users")

    def __init__(self, limits: Sequence[Limit], margin: float, spacing: float, tolerance: float) -> None:
        self._limits = limits
        self._margin = margin
        self._spacing = spacing
        self._tolerance = tolerance
        # The smoothing schedule (GCRA): grants are due every ``spacing`` seconds, each allowed up to
        # ``tolerance`` early. Measured against this schedule, not the last grant, so a sleeper that wakes a
        # millisecond late does not push every later grant back by that millisecond.
        self._next_at = float("-inf")
        # Only the newest ``max(count)`` grants can decide any limit.
        self._times: deque[float] = deque(maxlen=max(limit.count for limit in limits))
        self.lock = asyncio.Lock()
        self.paused_until = float("-inf")
        self.users = 0

    def ready_at(self) -> float:
        """The earliest time a new request fits every window (and any pause)."""
        ready = self.paused_until
        times = self._times
        if self._spacing:
            ready = max(ready, self._next_at - self._tolerance)
        for limit in self._limits:
            if len(times) >= limit.count:
                # With count-1 newer grants, this one must have left the window before another may enter it.
                ready = max(ready, times[-limit.count] + limit.period + self._margin)
        return ready

    def record(self, at: float) -> None:
        self._times.append(at)
        if self._spacing:
            self._next_at = max(self._next_at, at) + self._spacing

    def forgettable(self, now: float, horizon: float) -> bool:
        if self.users or self.paused_until > now:
            return False
        return not self._times or self._times[-1] + horizon <= now


@dataclass
class _Registry(Generic[K]):
    """Windows per key, least recently used first, dropped once they can no longer delay anyone."""

    limits: Sequence[Limit]
    margin: float
    spacing: float = 0.0
    tolerance: float = 0.0
    entries: OrderedDict[K, _Windows] = field(default_factory=OrderedDict)

    @property
    def horizon(self) -> float:
        return max(limit.period for limit in self.limits) + self.margin

    def enter(self, key: K) -> _Windows:
        windows = self.entries.get(key)
        if windows is None:
            windows = self.entries[key] = _Windows(self.limits, self.margin, self.spacing, self.tolerance)
        else:
            self.entries.move_to_end(key)
        windows.users += 1
        return windows

    def leave(self, key: K, windows: _Windows) -> None:
        windows.users -= 1
        if key in self.entries:
            self.entries.move_to_end(key)

    def sweep(self, now: float) -> None:
        # Each entry is deleted at most once after it was created, so this is O(1) per grant on average; busy or
        # paused entries are only stepped over a few at a time, so a grant never walks the whole registry for them.
        skips = _SKIPS_PER_SWEEP
        while self.entries:
            key, windows = next(iter(self.entries.items()))
            if windows.forgettable(now, self.horizon):
                del self.entries[key]
            elif (windows.users or windows.paused_until > now) and skips > 0:
                # Possibly older than idle entries behind it: look past it.
                skips -= 1
                self.entries.move_to_end(key)
            else:
                # The least recently used entry is still recent, so every later one is too.
                return

    def pause(self, key: K, until: float) -> None:
        windows = self.entries.get(key)
        if windows is None:
            windows = self.entries[key] = _Windows(self.limits, self.margin, self.spacing, self.tolerance)
        windows.paused_until = max(windows.paused_until, until)
        self.entries.move_to_end(key)


class Pacer:
    """Grants send slots per (tenant, conversation) under Teams' limits.

    ``await pacer.acquire(tenant, conversation)`` returns when one more request to that conversation is within
    every limit, and counts it. Call it immediately before each request (a retry is a new request). Time comes
    from ``monotonic`` and waiting goes through ``sleep``, so tests can drive it with a fake clock.

    ``tenant_per_second`` is the tenant-wide limit (Teams documents about 50 per app per tenant, older pages 30);
    ``tenant_burst`` how many of those may go back to back before the rest are spread evenly; ``margin`` the
    seconds added to every conversation window for the uneven time requests take to reach Teams, and
    ``tenant_margin`` the same for the tenant's window.
    """

    def __init__(
        self,
        *,
        tenant_per_second: int = DEFAULT_TENANT_PER_SECOND,
        tenant_burst: int = DEFAULT_TENANT_BURST,
        conversation_limits: Sequence[Limit] = TEAMS_CONVERSATION_LIMITS,
        margin: float = DEFAULT_MARGIN_SECONDS,
        tenant_margin: float = DEFAULT_TENANT_MARGIN_SECONDS,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if margin < 0 or tenant_margin < 0:
            raise ValueError("a margin cannot be negative")
        if not conversation_limits:
            raise ValueError("give at least one conversation limit")
        if tenant_per_second < 1 or tenant_burst < 1:
            raise ValueError("tenant_per_second and tenant_burst must be at least 1")
        self._monotonic = monotonic
        self._sleep = sleep
        self._conversations: _Registry[Hashable] = _Registry(tuple(conversation_limits), margin)
        # The tenant's grants are also spread evenly: a whole second's worth granted at once queues up on
        # botbuilder's worker threads and reaches Teams in a smear that can overlap the next second's.
        spacing = 1.0 / tenant_per_second
        self._tenants: _Registry[Hashable] = _Registry(
            (Limit(tenant_per_second, 1.0),), tenant_margin, spacing=spacing, tolerance=(tenant_burst - 1) * spacing
        )

    @property
    def tracked_conversations(self) -> int:
        """How many conversations the pacer currently keeps state for (for tests and diagnostics)."""
        return len(self._conversations.entries)

    @property
    def tracked_tenants(self) -> int:
        return len(self._tenants.entries)

    async def acquire(self, tenant: Hashable, conversation: Hashable) -> None:
        conversation_windows = self._conversations.enter(conversation)
        tenant_windows = self._tenants.enter(tenant)
        try:
            async with conversation_windows.lock:
                while True:
                    await self._wait_until(conversation_windows.ready_at)
                    async with tenant_windows.lock:
                        await self._wait_until(tenant_windows.ready_at)
                        now = self._monotonic()
                        # A pause may have reached the conversation while we queued for the tenant; then give
                        # the tenant's line back and wait for the conversation again.
                        if conversation_windows.ready_at() <= now:
                            conversation_windows.record(now)
                            tenant_windows.record(now)
                            break
        finally:
            self._conversations.leave(conversation, conversation_windows)
            self._tenants.leave(tenant, tenant_windows)
            now = self._monotonic()
            self._conversations.sweep(now)
            self._tenants.sweep(now)

    def pause_conversation(self, conversation: Hashable, seconds: float) -> None:
        """Hold back every send to ``conversation`` for ``seconds`` (e.g. a 429's Retry-After)."""
        self._conversations.pause(conversation, self._monotonic() + max(seconds, 0.0))

    def pause_tenant(self, tenant: Hashable, seconds: float) -> None:
        """Hold back every send in ``tenant`` for ``seconds``."""
        self._tenants.pause(tenant, self._monotonic() + max(seconds, 0.0))

    async def _wait_until(self, ready_at: Callable[[], float]) -> None:
        # Re-read after each sleep: a pause may have moved the target while we slept.
        while (wait := ready_at() - self._monotonic()) > 0:
            await self._sleep(wait)
