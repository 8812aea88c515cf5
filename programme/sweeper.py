"""The sweeper: claims due work, runs each item's handler, and settles it, so that nothing is lost or repeated.

Rules it applies to every claimed item, in order:

1. **Catch-up window.** Lateness is measured from when the item could first have been sent (its due time moved to
   the recipient's next working period), so work that fell due over a weekend the bot was down for is still sent
   on Monday, but a reminder for a meeting weeks past is not: it is settled as *missed* and shown to operators.
2. **Working hours.** An item for a person is sent only inside working hours; otherwise it goes back to pending
   until the next opening, without using up an attempt. The exception is a message the person asked for, by
   doing something a moment ago (booking a meeting): holding its answer until morning would only confuse.
3. **Outcome.** Success completes the item. A permanent delivery failure (the person blocked or uninstalled the
   bot) marks the person unreachable and settles the item *dead*: retrying would only annoy the platform. Anything
   else is retried with exponential backoff and jitter, no sooner than the platform asked, until the attempts run
   out, and then it is *dead* too. Nothing is dropped silently: dead and missed items stay visible.

Every state change carries the item's lease, so a sweeper that stalled past its lease cannot undo what another did.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from programme.clock import Clock
from programme.contacts import ContactBook
from programme.errors import ProgrammeError
from programme.identity import PersonId
from programme.notifier import DeliveryFailed
from programme.work import FORGET_ON_DELIVERY, Lease, WorkItem, WorkQueue, WorkState, redacted
from programme.working_hours import WorkingHours

log = logging.getLogger(__name__)

WorkHandler = Callable[[WorkItem], Awaitable[None]]
# Why a nudge must not reach this person now (paused, left the programme), or None when it may.
NudgeCheck = Callable[[PersonId, datetime], Awaitable[str | None]]
NUDGE = "nudge"
# A payload flag: the message answers something the person just did, so working hours do not hold it back.
ASKED_FOR = "asked_for"


@dataclass(frozen=True)
class SweepPolicy:
    lease_for: timedelta = timedelta(minutes=2)
    batch_size: int = 50
    concurrency: int = 16
    max_attempts: int = 8
    catch_up: timedelta = timedelta(hours=24)
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=2)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1 or self.max_attempts < 1:
            raise ValueError("batch size, concurrency and attempts must be at least 1")


@dataclass
class SweepReport:
    claimed: int = 0
    done: int = 0
    retrying: int = 0
    deferred: int = 0  # outside working hours, or handed back at shutdown
    dead: int = 0
    missed: int = 0
    held: int = 0  # nudges not sent because the person paused or left
    lost_lease: int = 0

    def add(self, other: SweepReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Sweeper:
    queue: WorkQueue
    handlers: Mapping[str, WorkHandler]
    contacts: ContactBook
    clock: Clock
    working_hours: WorkingHours
    owner: str
    policy: SweepPolicy = field(default_factory=SweepPolicy)
    jitter: Callable[[], float] = field(default=random.random)
    nudge_check: NudgeCheck | None = None
    _stopping: bool = field(default=False, init=False)
    _active: int = field(default=0, init=False)
    _idle: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    async def sweep(self) -> SweepReport:
        """Claim one batch of due work and process it; returns what happened."""
        report = SweepReport()
        if self._stopping:
            return report
        self._active += 1
        self._idle.clear()
        try:
            items = await self.queue.claim(self.clock.now(), self.owner, self.policy.lease_for, self.policy.batch_size)
            report.claimed = len(items)
            limit = asyncio.Semaphore(self.policy.concurrency)

            async def one(item: WorkItem) -> None:
                async with limit:
                    report.add(await self.process(item))

            await asyncio.gather(*(one(item) for item in items))
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()
        return report

    async def sweep_until_idle(self) -> SweepReport:
        """Keep claiming and processing until nothing is due: a pipeline, not a series of batches.

        Up to ``batch_size`` claimed items are in hand at once and ``concurrency`` of them are being sent; as soon
        as one finishes, more are claimed. A batch-at-a-time loop would leave the pacer idle while the batch's
        slowest item (say, one waiting out a 429's Retry-After) finished.
        """
        total = SweepReport()
        if self._stopping:
            return total
        self._active += 1
        self._idle.clear()
        limit = asyncio.Semaphore(self.policy.concurrency)
        in_hand: set[asyncio.Task[None]] = set()

        async def one(item: WorkItem) -> None:
            async with limit:
                total.add(await self.process(item))

        try:
            while True:
                room = self.policy.batch_size - len(in_hand)
                claimed: Sequence[WorkItem] = ()
                if room > 0 and not self._stopping:
                    claimed = await self.queue.claim(self.clock.now(), self.owner, self.policy.lease_for, room)
                    total.claimed += len(claimed)
                    in_hand.update(asyncio.create_task(one(item)) for item in claimed)
                if not in_hand:
                    return total
                if not claimed or len(in_hand) >= self.policy.batch_size:
                    _, pending = await asyncio.wait(in_hand, return_when=asyncio.FIRST_COMPLETED)
                    for task in in_hand - pending:
                        task.result()  # process() handles its own failures; anything else is a bug to surface
                    in_hand = set(pending)
        finally:
            if in_hand:
                await asyncio.gather(*in_hand, return_exceptions=True)
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def stop(self) -> None:
        """Claim nothing more, let items already being sent finish, and hand unstarted ones back."""
        self._stopping = True
        if self._active:
            await self._idle.wait()

    async def process(self, item: WorkItem) -> SweepReport:
        """Handle one item this sweeper has claimed (its lease must be on the item)."""
        report = SweepReport()
        assert item.lease_owner is not None
        assert item.lease_until is not None
        lease = Lease(item.id, item.lease_owner, item.lease_until)
        now = self.clock.now()

        if self._stopping:
            # Handed back untouched, so the next sweeper (after a restart) takes it at once.
            settled = await self.queue.postpone(lease, now, now, None, count=False)
            return self._count(report, settled, "deferred")

        first_chance = self.working_hours.next_opening(item.due_at) if item.recipient else item.due_at
        if now - first_chance > self.policy.catch_up:
            late = now - first_chance
            reason = f"came due {_describe(late)} ago while the bot was not running; too late to send"
            log.warning("work item %s (%s) missed: %s", item.id, item.kind, reason)
            settled = await self.queue.settle(lease, WorkState.MISSED, now, reason)
            return self._count(report, settled, "missed")

        outside_hours = item.recipient is not None and not self.working_hours.contains(now)
        if outside_hours and item.payload.get(ASKED_FOR) is not True:
            opening = self.working_hours.next_opening(now)
            settled = await self.queue.postpone(lease, opening, now, None, count=False)
            return self._count(report, settled, "deferred")

        if self.nudge_check is not None and item.recipient is not None and item.payload.get(NUDGE) is True:
            hold = await self.nudge_check(item.recipient, now)
            if hold is not None:
                # Cancelled, not postponed: a reminder meant for a week someone was away is no use afterwards.
                settled = await self.queue.settle(lease, WorkState.CANCELLED, now, f"not sent: {hold}")
                return self._count(report, settled, "held")

        handler = self.handlers.get(item.kind)
        if handler is None:
            settled = await self.queue.settle(lease, WorkState.DEAD, now, f"no handler for work of kind {item.kind!r}")
            log.error("work item %s has unknown kind %r", item.id, item.kind)
            return self._count(report, settled, "dead")

        try:
            await handler(item)
        except DeliveryFailed as failure:
            return await self._failed(
                report,
                item,
                lease,
                failure.reason,
                failure.permanent,
                failure.retry_after,
                mark_person=failure.recipient_unreachable,
            )
        except ProgrammeError as error:
            # The programme itself says this can no longer happen (e.g. the pair was closed): not worth retrying.
            return await self._failed(report, item, lease, error.user_message, True, None, mark_person=False)
        except Exception as error:
            log.exception("work item %s (%s) failed", item.id, item.kind)
            return await self._failed(report, item, lease, f"{type(error).__name__}: {error}", False, None)
        forget = redacted(item.payload) if item.payload.get(FORGET_ON_DELIVERY) is True else None
        settled = await self.queue.complete(lease, self.clock.now(), payload=forget)
        return self._count(report, settled, "done")

    async def _failed(
        self,
        report: SweepReport,
        item: WorkItem,
        lease: Lease,
        reason: str,
        permanent: bool,
        retry_after: timedelta | None,
        *,
        mark_person: bool = False,
    ) -> SweepReport:
        now = self.clock.now()
        if permanent:
            if mark_person and item.recipient is not None:
                await self.contacts.mark_unreachable(item.tenant, item.recipient, reason, now)
            settled = await self.queue.settle(lease, WorkState.DEAD, now, reason)
            log.warning("work item %s (%s) failed for good: %s", item.id, item.kind, reason)
            return self._count(report, settled, "dead")
        if item.attempts >= self.policy.max_attempts:
            settled = await self.queue.settle(
                lease, WorkState.DEAD, now, f"gave up after {item.attempts} attempts: {reason}"
            )
            log.error("work item %s (%s) gave up after %s attempts: %s", item.id, item.kind, item.attempts, reason)
            return self._count(report, settled, "dead")
        wait = max(self._backoff(item.attempts), retry_after or timedelta(0))
        settled = await self.queue.postpone(lease, now + wait, now, reason, count=True)
        log.info("work item %s (%s) will be retried in %s: %s", item.id, item.kind, _describe(wait), reason)
        return self._count(report, settled, "retrying")

    def _backoff(self, attempts: int) -> timedelta:
        # Full jitter: spreads retries of a throttled burst instead of replaying it in lockstep.
        ceiling = min(self.policy.backoff_cap, self.policy.backoff_base * (2 ** max(attempts - 1, 0)))
        return max(timedelta(seconds=1), timedelta(seconds=ceiling.total_seconds() * self.jitter()))

    @staticmethod
    def _count(report: SweepReport, settled: bool, outcome: str) -> SweepReport:
        if settled:
            setattr(report, outcome, getattr(report, outcome) + 1)
        else:
            # Our lease ran out and someone else owns the item now; what they do stands.
            report.lost_lease += 1
        return report


def _describe(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
