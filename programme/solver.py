"""The exact pairing solver: as many pairs as the rules allow, and of those the best total fit.

Pairing is an assignment problem. Each mentor is one column per place they have (capacity 1 or 2), each mentee a
row. An allowed pair is worth ``bonus + points`` where ``bonus`` exceeds the best possible total of points, so any
assignment with one more pair beats every assignment with fewer: the optimum maximises the number of pairs first
and the total fit second. Pairs the rules forbid are worth nothing and are dropped from the answer. SciPy's
``linear_sum_assignment`` finds the optimum exactly (a shortest augmenting path method); all values are whole
numbers well inside float64's exact range.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Assignment(Generic[K]):
    pairs: tuple[tuple[K, K], ...]  # (mentor, mentee)
    points: int

    @property
    def size(self) -> int:
        return len(self.pairs)


def solve(
    capacities: Mapping[K, int],
    mentees: Sequence[K],
    allowed: Mapping[tuple[K, K], int],
) -> Assignment[K]:
    """Pair ``mentees`` with mentors (``capacities``: places per mentor) using only ``allowed`` pairs, whose values
    are their fit points (whole numbers, 0 or more)."""
    mentors = [mentor for mentor, places in capacities.items() if places > 0]
    if not mentors or not mentees or not allowed:
        return Assignment(pairs=(), points=0)
    if min(allowed.values()) < 0:
        raise ValueError("fit points are never negative")
    row_of = {mentee: i for i, mentee in enumerate(mentees)}
    index_of = {mentor: i for i, mentor in enumerate(mentors)}
    places = np.array([capacities[mentor] for mentor in mentors], dtype=np.int64)
    # Each mentor owns ``places`` adjacent columns, starting here.
    first_column = np.concatenate(([0], np.cumsum(places)[:-1]))
    # Packed machine integers rather than a list of tuples: a million allowed pairs as tuples would take ~150 MiB.
    row_column, owner_column, points_column = array("q"), array("q"), array("q")
    for (mentor, mentee), worth_points in allowed.items():
        if mentee in row_of and mentor in index_of:
            row_column.append(row_of[mentee])
            owner_column.append(index_of[mentor])
            points_column.append(worth_points)
    if not row_column:
        return Assignment(pairs=(), points=0)
    rows, owners, points = (
        np.frombuffer(column, dtype=np.int64) for column in (row_column, owner_column, points_column)
    )
    bonus = 1 + int(points.max()) * min(int(places.sum()), len(mentees))
    worth = np.zeros((len(mentees), int(places.sum())), dtype=np.float64)
    # Filled with whole arrays, not pair by pair: a million allowed pairs would otherwise dominate the run time.
    for place in range(int(places.max())):
        has_place = places[owners] > place
        worth[rows[has_place], first_column[owners[has_place]] + place] = bonus + points[has_place]
    # Imported on first use: SciPy costs tens of MiB that a process which never matches need not carry.
    from scipy.optimize import linear_sum_assignment

    chosen_rows, chosen_columns = linear_sum_assignment(worth, maximize=True)
    owner_of_column = np.repeat(np.arange(len(mentors)), places)
    chosen = [
        (mentors[int(owner_of_column[column])], mentees[row])
        for row, column in zip(chosen_rows.tolist(), chosen_columns.tolist(), strict=True)
        if worth[row, column] > 0
    ]
    chosen.sort(key=lambda pair: row_of[pair[1]])
    return Assignment(pairs=tuple(chosen), points=sum(allowed[pair] for pair in chosen))


def greedy(capacities: Mapping[K, int], mentees: Sequence[K], allowed: Mapping[tuple[K, K], int]) -> Assignment[K]:
    """The usual quick method, kept as the benchmark's baseline: best-scoring pairs first, while places last."""
    left = dict(capacities)
    waiting = set(mentees)
    chosen: list[tuple[K, K]] = []
    for (mentor, mentee), _points in sorted(allowed.items(), key=lambda item: -item[1]):
        if mentee not in waiting or left.get(mentor, 0) <= 0:
            continue
        chosen.append((mentor, mentee))
        waiting.discard(mentee)
        left[mentor] -= 1
    return Assignment(pairs=tuple(chosen), points=sum(allowed[pair] for pair in chosen))
