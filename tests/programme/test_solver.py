"""The pairing solver against an exhaustive search, and the promises it makes whatever the input.

Small instances can be solved by trying every way of pairing, so the exact solver is checked against that rather
than against hand-worked answers alone: most pairings with a missed augmenting path look plausible by eye.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programme.solver import Assignment, greedy, solve


@dataclass(frozen=True)
class Instance:
    capacities: dict[str, int]
    mentees: list[str]
    allowed: dict[tuple[str, str], int]


@st.composite
def instances(draw: st.DrawFn, *, max_mentors: int = 5, max_mentees: int = 6, min_capacity: int = 1) -> Instance:
    mentors = [f"mentor-{n}" for n in range(draw(st.integers(0, max_mentors)))]
    mentees = [f"mentee-{n}" for n in range(draw(st.integers(0, max_mentees)))]
    capacities = {mentor: draw(st.integers(min_capacity, 2)) for mentor in mentors}
    # Each possible pair is either forbidden (None) or allowed with some points, so both sparse and dense
    # instances turn up, and ties in points are common (which is where a careless tie-break shows).
    edges = draw(
        st.lists(
            st.one_of(st.none(), st.integers(0, 50)),
            min_size=len(mentors) * len(mentees),
            max_size=len(mentors) * len(mentees),
        )
    )
    pairs = [(mentor, mentee) for mentor in mentors for mentee in mentees]
    allowed = {pair: points for pair, points in zip(pairs, edges, strict=True) if points is not None}
    return Instance(capacities, mentees, allowed)


def best_by_search(instance: Instance) -> tuple[int, int]:
    """(pairs, points) of the best feasible assignment, found by trying every one of them."""
    options: dict[str, list[tuple[str, int]]] = {mentee: [] for mentee in instance.mentees}
    for (mentor, mentee), points in instance.allowed.items():
        options[mentee].append((mentor, points))
    left = dict(instance.capacities)
    best = (0, 0)

    def place(index: int, pairs: int, points: int) -> None:
        nonlocal best
        if index == len(instance.mentees):
            best = max(best, (pairs, points))
            return
        place(index + 1, pairs, points)  # this mentee stays unmatched
        for mentor, gain in options[instance.mentees[index]]:
            if left[mentor] > 0:
                left[mentor] -= 1
                place(index + 1, pairs + 1, points + gain)
                left[mentor] += 1

    place(0, 0, 0)
    return best


def assert_feasible(
    result: Assignment[str],
    capacities: Mapping[str, int],
    mentees: Sequence[str],
    allowed: Mapping[tuple[str, str], int],
) -> None:
    assert all(pair in allowed for pair in result.pairs)
    matched = [mentee for _, mentee in result.pairs]
    assert len(matched) == len(set(matched)), "a mentee was given two mentors"
    assert set(matched) <= set(mentees)
    for mentor in {mentor for mentor, _ in result.pairs}:
        assert sum(1 for m, _ in result.pairs if m == mentor) <= capacities.get(mentor, 0)
    assert result.points == sum(allowed[pair] for pair in result.pairs)
    assert result.size == len(result.pairs)


# Against exhaustive search --------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(instances(min_capacity=0))
def test_solve_finds_the_most_pairs_and_then_the_most_points(instance: Instance) -> None:
    result = solve(instance.capacities, instance.mentees, instance.allowed)

    assert_feasible(result, instance.capacities, instance.mentees, instance.allowed)
    assert (result.size, result.points) == best_by_search(instance)


@settings(max_examples=300, deadline=None, database=None)
@given(instances())
def test_greedy_is_feasible_but_never_better(instance: Instance) -> None:
    exact = solve(instance.capacities, instance.mentees, instance.allowed)
    quick = greedy(instance.capacities, instance.mentees, instance.allowed)

    assert_feasible(quick, instance.capacities, instance.mentees, instance.allowed)
    assert (quick.size, quick.points) <= (exact.size, exact.points)


def test_one_more_pair_is_worth_more_than_any_points() -> None:
    # The best-scoring pair (A with e1, 50 points) blocks the only pair B can make; two pairs with no points win.
    capacities = {"A": 1, "B": 1}
    allowed = {("A", "e1"): 50, ("A", "e2"): 0, ("B", "e1"): 0}

    exact = solve(capacities, ["e1", "e2"], allowed)
    quick = greedy(capacities, ["e1", "e2"], allowed)

    assert set(exact.pairs) == {("A", "e2"), ("B", "e1")}
    assert exact.points == 0
    assert quick.pairs == (("A", "e1"),)
    assert quick.points == 50


def test_with_as_many_pairs_the_points_decide() -> None:
    capacities = {"A": 1, "B": 1}
    allowed = {("A", "e1"): 10, ("A", "e2"): 30, ("B", "e1"): 40, ("B", "e2"): 5}

    result = solve(capacities, ["e1", "e2"], allowed)

    assert set(result.pairs) == {("A", "e2"), ("B", "e1")}
    assert result.points == 70


def test_a_mentor_with_two_places_takes_two_mentees() -> None:
    result = solve({"A": 2, "B": 1}, ["e1", "e2", "e3"], {("A", "e1"): 1, ("A", "e2"): 2, ("A", "e3"): 3})

    assert sorted(mentee for mentor, mentee in result.pairs if mentor == "A") == ["e2", "e3"]
    assert result.points == 5


def test_pairs_come_back_in_the_order_mentees_were_given() -> None:
    mentees = ["e3", "e1", "e2"]
    allowed = {("A", "e1"): 1, ("B", "e2"): 1, ("C", "e3"): 1}

    result = solve({"A": 1, "B": 1, "C": 1}, mentees, allowed)

    assert [mentee for _, mentee in result.pairs] == mentees


# Edge cases ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacities", "mentees", "allowed"),
    [
        ({}, [], {}),
        ({}, ["e1"], {}),
        ({"A": 1}, [], {}),
        ({"A": 1}, ["e1"], {}),
        ({}, ["e1"], {("A", "e1"): 5}),
        ({"A": 1}, [], {("A", "e1"): 5}),
    ],
)
def test_nothing_to_pair_gives_an_empty_assignment(
    capacities: dict[str, int], mentees: list[str], allowed: dict[tuple[str, str], int]
) -> None:
    assert solve(capacities, mentees, allowed) == Assignment(pairs=(), points=0)


def test_negative_points_are_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        solve({"A": 1}, ["e1"], {("A", "e1"): -1})


@pytest.mark.parametrize("places", [0, -1])
def test_a_mentor_with_no_places_is_never_paired(places: int) -> None:
    capacities = {"A": places, "B": 1}
    allowed = {("A", "e1"): 50, ("B", "e2"): 1}

    result = solve(capacities, ["e1", "e2"], allowed)

    assert result.pairs == (("B", "e2"),)
    assert greedy(capacities, ["e1", "e2"], allowed).pairs == (("B", "e2"),)


def test_only_mentors_with_no_places_gives_an_empty_assignment() -> None:
    assert solve({"A": 0}, ["e1"], {("A", "e1"): 5}) == Assignment(pairs=(), points=0)


def test_people_named_only_in_the_allowed_pairs_are_ignored() -> None:
    # "ghost" mentors and mentees are not in the inputs (withdrawn since the pairs were scored, say).
    allowed = {("ghost", "e1"): 50, ("A", "gone"): 50, ("A", "e1"): 3}

    result = solve({"A": 1}, ["e1"], allowed)

    assert result == Assignment(pairs=(("A", "e1"),), points=3)


def test_pairs_can_be_keyed_by_any_hashable() -> None:
    result = solve({1: 1, 2: 1}, [10, 20], {(1, 10): 4, (2, 10): 4, (2, 20): 1})

    assert set(result.pairs) == {(1, 10), (2, 20)}
    assert result.points == 5


def test_greedy_ignores_people_it_was_not_asked_to_pair() -> None:
    answer = greedy({"A": 1}, ["e1"], {("A", "gone"): 50, ("A", "e1"): 3, ("B", "e1"): 40})
    assert answer.pairs == (("A", "e1"),)
    assert answer.points == 3
