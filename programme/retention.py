"""Keeping personal data no longer than needed.

Once a message has been delivered, the text it carried has done its job; only the fact that it was sent (and its
idempotency key, so it is never sent again) needs to stay.
"""

from __future__ import annotations

from datetime import timedelta

from programme.clock import Clock
from programme.work import WorkQueue

BATCH = 500


async def redact_delivered_messages(queue: WorkQueue, clock: Clock, keep_for: timedelta) -> int:
    """Redact everything finished more than ``keep_for`` ago, in bounded batches; returns how many."""
    before = clock.now() - keep_for
    total = 0
    while True:
        redacted = await queue.redact_finished(before, BATCH)
        total += redacted
        if redacted < BATCH:
            return total
