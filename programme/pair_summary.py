"""A cohort's pairs as numbers, for the coordinator's status card.

Counting is all it does: which pairs have confirmed their first-meeting agreement is the most a coordinator learns
about an agreement, so nothing here can carry what a pair wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from programme.pairs import Pair, PairState


@dataclass(frozen=True)
class PairSummary:
    proposed: int
    published: int
    # Published pairs whose two people have both confirmed the same version of their agreement.
    confirmed: int
    ended: int = 0

    @property
    def total(self) -> int:
        return self.proposed + self.published + self.ended


def summarise_pairs(pairs: Iterable[Pair], confirmed: Mapping[int, bool]) -> PairSummary | None:
    """The counts for these pairs, with ``confirmed`` as :meth:`FirstMeeting.confirmed_by_pair` gives it; None
    when there are no pairs, so a card can leave the section out."""
    counts = dict.fromkeys(PairState, 0)
    agreed = 0
    for pair in pairs:
        counts[pair.state] += 1
        # Only a pair that is live has an agreement that matters; a stale entry for any other is ignored.
        if pair.state is PairState.PUBLISHED and confirmed.get(pair.id, False):
            agreed += 1
    summary = PairSummary(
        proposed=counts[PairState.PROPOSED],
        published=counts[PairState.PUBLISHED],
        confirmed=agreed,
        ended=counts[PairState.ENDED],
    )
    return summary if summary.total else None
