"""What coordinators and operators need to see about deliveries: nothing failed silently."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from programme.contacts import ContactBook, Unreachable
from programme.work import NEEDS_ATTENTION, WorkItem, WorkQueue, WorkState


@dataclass(frozen=True)
class DeliveryStatus:
    counts: Mapping[WorkState, int]
    needs_attention: Sequence[WorkItem]
    unreachable: Sequence[Unreachable]

    @property
    def healthy(self) -> bool:
        return not self.needs_attention and not self.unreachable


async def delivery_status(queue: WorkQueue, contacts: ContactBook, limit: int = 10) -> DeliveryStatus:
    return DeliveryStatus(
        counts=await queue.counts(),
        needs_attention=await queue.listing(NEEDS_ATTENTION, limit),
        unreachable=await contacts.unreachable(limit),
    )
