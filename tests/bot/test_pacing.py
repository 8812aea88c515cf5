"""The pacer, driven by virtual time: Teams' windows are never exceeded, no capacity is wasted, turns are fair.

Nothing here sleeps for real. ``VirtualTime.sleep`` parks the caller until the driver moves the clock to its
wake-up time, which the driver does only once every task is blocked, so concurrent sleepers see one consistent
clock (a fake sleep that simply advanced the clock would let two concurrent sleepers add their waits together).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import Counter
from collections.abc import Awaitable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.pacing import TEAMS_CONVERSATION_LIMITS, Limit, Pacer

TENANT = "tenant"
# Loop turns that let every runnable task reach its next wait (lock hand-overs take two or three).
_SETTLE_TURNS = 30
# Far more wake-ups than any test needs; reaching it means a loop, reported instead of hanging the suite.
_MAX_WAKE_UPS = 100_000


def later(now: float, seconds: float) -> float:
    """``now + seconds``, but always a later instant: a positive wait too small to change a float must still
    move the clock, or a caller that waits for a moment would wait forever."""
    wake = now + seconds
    return wake if wake > now or seconds <= 0 else math.nextafter(now, math.inf)


@dataclass
class VirtualTime:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)
    _sleepers: list[tuple[float, int, asyncio.Future[None]]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (later(self.now, seconds), next(self._order), wake))
        await wake

    async def until(self, at: float) -> None:
        if at > self.now:
            await self.sleep(at - self.now)

    async def run(self, *work: Awaitable[Any]) -> list[Any]:
        """Run ``work`` concurrently, moving the clock from one wake-up to the next whenever all are blocked."""
        tasks = [asyncio.ensure_future(item) for item in work]
        for _ in range(_MAX_WAKE_UPS):
            for _ in range(_SETTLE_TURNS):
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                return [task.result() for task in tasks]
            live = [entry for entry in self._sleepers if not entry[2].done()]
            assert live, "every task is blocked and nobody is sleeping: a deadlock"
            self._sleepers = live
            heapq.heapify(self._sleepers)
            wake_at = self._sleepers[0][0]
            self.now = max(self.now, wake_at)
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, wake = heapq.heappop(self._sleepers)
                if not wake.done():
                    wake.set_result(None)
        raise AssertionError("virtual time ran away: something keeps sleeping without getting anywhere")


@dataclass
class Recorder:
    """Acquires slots and notes when each was granted."""

    pacer: Pacer
    time: VirtualTime
    grants: list[tuple[float, Hashable]] = field(default_factory=list)

    async def send(self, conversation: Hashable, *, at: float = 0.0, tenant: Hashable = TENANT) -> float:
        await self.time.until(at)
        await self.pacer.acquire(tenant, conversation)
        self.grants.append((self.time.now, conversation))
        return self.time.now

    def times(self, conversation: Hashable | None = None) -> list[float]:
        return [at for at, to in self.grants if conversation is None or to == conversation]


def make(
    tenant_per_second: int = 1000, margin: float = 0.0, tenant_burst: int | None = None, **options: Any
) -> Recorder:
    """A pacer on virtual time; the tenant's smoothing is off (any burst allowed) unless a test asks for it."""
    clock = VirtualTime()
    pacer = Pacer(
        tenant_per_second=tenant_per_second,
        tenant_burst=tenant_burst or tenant_per_second,
        margin=margin,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        **options,
    )
    return Recorder(pacer, clock)


def assert_within(times: Sequence[float], limits: Sequence[Limit]) -> None:
    """No window of any limit, anywhere along the timeline, holds more than its count."""
    ordered = sorted(times)
    for limit in limits:
        start = 0
        for end, at in enumerate(ordered):
            # "Left the window" written as the n-th newest plus the period, the form Teams' limit is stated in;
            # at - period would round differently at the boundary.
            while ordered[start] + limit.period <= at:
                start += 1
            assert end - start + 1 <= limit.count, f"{end - start + 1} sends in {limit.period} s up to t={at}"


def earliest_schedule(count: int, limits: Sequence[Limit]) -> list[float]:
    """The greedy optimum, by brute force: each send at the first candidate moment every window allows."""
    times: list[float] = []
    for _ in range(count):
        candidates = sorted({times[-1] if times else 0.0} | {t + limit.period for t in times for limit in limits})
        for candidate in candidates:
            if candidate < (times[-1] if times else 0.0):
                continue
            if all(sum(t + limit.period > candidate for t in times) < limit.count for limit in limits):
                times.append(candidate)
                break
    return times


async def test_a_burst_to_one_conversation_keeps_every_window_and_wastes_no_time() -> None:
    recorder = make()
    await recorder.time.run(*(recorder.send("chat") for _ in range(130)))

    times = recorder.times()
    assert_within(times, TEAMS_CONVERSATION_LIMITS)
    assert times == pytest.approx(earliest_schedule(130, TEAMS_CONVERSATION_LIMITS))
    # 60 in the first 30 s window, 60 in the next, then the short windows' pace again.
    assert times[59] < 30.0 <= times[60]


async def test_waits_are_computed_not_polled() -> None:
    recorder = make()
    await recorder.time.run(*(recorder.send("chat") for _ in range(40)))

    sleeps = recorder.time.sleeps
    assert all(seconds > 0 for seconds in sleeps)
    # One sleep per grant that had to wait, at most: nobody wakes up early to look again.
    waited = sum(1 for before, after in itertools.pairwise(recorder.times()) if after > before)
    assert len(sleeps) <= waited


async def test_the_tenant_rate_is_honoured_across_conversations() -> None:
    recorder = make(tenant_per_second=10)
    await recorder.time.run(*(recorder.send(f"chat-{n}") for n in range(100)))

    times = recorder.times()
    assert_within(times, [Limit(10, 1.0)])
    # Ten a second with nothing wasted: the hundredth goes at 9 s.
    assert max(times) == pytest.approx(9.0)


async def test_the_tenants_requests_are_spread_through_the_second() -> None:
    recorder = make(tenant_per_second=10, tenant_burst=3)
    await recorder.time.run(*(recorder.send(f"chat-{n}") for n in range(100)))

    times = recorder.times()
    assert_within(times, [Limit(10, 1.0)])
    # Each second: three at once, then one every 0.1 s; still ten a second.
    assert times[:10] == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    assert max(Counter(times).values()) <= 3
    assert max(times) == pytest.approx(9.7)


async def test_a_late_wake_up_does_not_push_the_tenants_schedule_back() -> None:
    recorder = make(tenant_per_second=10, tenant_burst=2)
    clock = recorder.time
    original = clock.sleep

    async def sleep_a_little_long(seconds: float) -> None:
        # Like a busy event loop: every wake-up comes 10 ms late.
        await original(seconds + 0.01)

    recorder.pacer._sleep = sleep_a_little_long
    await clock.run(*(recorder.send(f"chat-{n}") for n in range(30)))

    times = recorder.times()
    assert_within(times, [Limit(10, 1.0)])
    # Lateness is absorbed by the schedule instead of adding up: 30 grants still end near 2.9 s, not 3.2 s.
    assert max(times) < 2.95


async def test_the_margins_lengthen_the_windows() -> None:
    recorder = make(margin=0.05, tenant_per_second=4)
    await recorder.time.run(*(recorder.send("chat") for _ in range(8)))
    assert recorder.times()[7] == pytest.approx(1.05)

    others = make(tenant_margin=0.05, tenant_per_second=4)
    await others.time.run(*(others.send(f"chat-{n}") for n in range(5)))
    assert others.times()[4] == pytest.approx(1.05)


async def test_a_busy_conversation_does_not_hold_up_the_others() -> None:
    recorder = make()
    busy = [recorder.send("busy") for _ in range(40)]
    quiet = [recorder.send(f"quiet-{n}") for n in range(5)]
    await recorder.time.run(*busy, *quiet)

    # Queued behind 40 sends to one conversation, the others still go at once.
    assert all(at == 0.0 for at, to in recorder.grants if to != "busy")


async def test_conversations_take_turns_when_the_tenant_is_the_bottleneck() -> None:
    recorder = make(tenant_per_second=2, tenant_burst=2)
    await recorder.time.run(*(recorder.send("a") for _ in range(6)), *(recorder.send("b") for _ in range(6)))

    order = [to for _, to in recorder.grants]
    # The first second's two slots go to the first two callers (both to "a"); from then on, with both waiting,
    # the conversations alternate, however many sends "a" queued first.
    assert order == ["a", "a", "a", "b", "a", "b", "a", "b", "a", "b", "b", "b"]


async def test_a_paused_conversation_waits_and_the_others_do_not() -> None:
    recorder = make()
    recorder.pacer.pause_conversation("throttled", 5.0)
    results = await recorder.time.run(recorder.send("throttled"), recorder.send("fine"))

    assert results == [5.0, 0.0]


async def test_a_pause_that_arrives_while_waiting_is_honoured() -> None:
    recorder = make()

    async def pause_later() -> None:
        await recorder.time.until(0.5)
        recorder.pacer.pause_conversation("chat", 3.0)

    # Eight sends: the eighth waits for the 1 s window, and at 0.5 s a 429 pauses the conversation until 3.5 s.
    await recorder.time.run(*(recorder.send("chat") for _ in range(8)), pause_later())

    assert recorder.times()[7] == pytest.approx(3.5)


async def test_a_paused_tenant_holds_every_conversation() -> None:
    recorder = make()
    recorder.pacer.pause_tenant(TENANT, 2.0)
    results = await recorder.time.run(recorder.send("a"), recorder.send("b"), recorder.send("c", tenant="other"))

    assert results == [2.0, 2.0, 0.0]


async def test_a_cancelled_waiter_gives_up_its_place() -> None:
    recorder = make()
    await recorder.time.run(*(recorder.send("chat") for _ in range(7)))

    waiter = asyncio.ensure_future(recorder.send("chat"))

    async def cancel_then_send() -> float:
        await recorder.time.until(0.25)
        waiter.cancel()
        return await recorder.send("chat")

    [granted] = await recorder.time.run(cancel_then_send())
    assert granted == pytest.approx(1.0)
    assert waiter.cancelled()


async def test_idle_conversations_are_forgotten() -> None:
    recorder = make(tenant_per_second=100)
    most = 0

    async def stream() -> None:
        nonlocal most
        # One new conversation after another for a minute, at the tenant's full rate.
        for n in range(6000):
            await recorder.pacer.acquire(TENANT, n)
            most = max(most, recorder.pacer.tracked_conversations)

    await recorder.time.run(stream())

    assert recorder.time.now == pytest.approx(59.0)
    # Only what can still matter is kept: the last 30 s of conversations, not all 6,000.
    assert most <= 30 * 100 + 1

    await recorder.time.run(recorder.time.until(recorder.time.now + 31))
    await recorder.time.run(recorder.send("late"))
    assert recorder.pacer.tracked_conversations == 1
    assert recorder.pacer.tracked_tenants == 1


def test_limits_must_make_sense() -> None:
    with pytest.raises(ValueError, match="positive"):
        Limit(0, 1.0)
    with pytest.raises(ValueError, match="margin"):
        Pacer(margin=-1)
    with pytest.raises(ValueError, match="margin"):
        Pacer(tenant_margin=-1)
    with pytest.raises(ValueError, match="tenant_burst"):
        Pacer(tenant_burst=0)
    with pytest.raises(ValueError, match="tenant_per_second"):
        Pacer(tenant_per_second=0)
