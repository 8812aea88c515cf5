"""Counting a cohort's pairs for the status card: by state, and confirmed agreements among published pairs only."""

from __future__ import annotations

from programme.pair_summary import PairSummary, summarise_pairs
from programme.pairs import Pair, PairState
from tests.programme.builders import person
from tests.support.fakes import DEFAULT_NOW


def pair(pair_id: int, state: PairState) -> Pair:
    return Pair(
        id=pair_id,
        cohort_id=1,
        mentor_application=pair_id,
        mentee_application=100 + pair_id,
        mentor=person(pair_id),
        mentee=person(100 + pair_id),
        points=10,
        reasons=(),
        locked=False,
        by_hand=False,
        override=None,
        state=state,
        created_at=DEFAULT_NOW,
    )


def test_no_pairs_is_no_summary() -> None:
    assert summarise_pairs([], {}) is None


def test_pairs_are_counted_by_state_and_only_published_ones_confirm() -> None:
    pairs = [
        pair(1, PairState.PUBLISHED),
        pair(2, PairState.PUBLISHED),
        pair(3, PairState.PUBLISHED),
        pair(4, PairState.PROPOSED),
        pair(5, PairState.ENDED),
    ]
    # 4 and 5 are not live, so whatever is said about them does not count; 9 is not one of these pairs at all.
    confirmed = {1: True, 2: False, 4: True, 5: True, 9: True}
    summary = summarise_pairs(pairs, confirmed)
    assert summary == PairSummary(proposed=1, published=3, confirmed=1, ended=1)
    assert summary.total == 5


def test_a_published_pair_missing_from_the_confirmations_has_not_confirmed() -> None:
    assert summarise_pairs([pair(1, PairState.PUBLISHED)], {}) == PairSummary(proposed=0, published=1, confirmed=0)
