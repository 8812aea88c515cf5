"""Finding meeting times: interval arithmetic, a few well-spread suggestions, and the two weeks searched."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from programme.calendar import Interval
from programme.meeting_times import (
    FEWEST_SUGGESTIONS,
    MOST_SUGGESTIONS,
    SEARCH_SPAN,
    common,
    merged,
    search_window,
    suggestions,
    within,
    without,
)
from tests.programme.builders import LONDON

# Tuesday 4 March 2025; London is on GMT until Sunday 30 March, when the clocks go forward to BST.
TUESDAY = date(2025, 3, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in London."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def span(day: date, start: tuple[int, int], end: tuple[int, int]) -> Interval:
    return Interval(at(day, *start), at(day, *end))


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def local_times(found: list[Interval]) -> list[tuple[date, time]]:
    return [(local(i.start).date(), local(i.start).time()) for i in found]


# Interval arithmetic --------------------------------------------------------------------------------------------


def test_merged_sorts_and_joins_overlapping_and_touching_time() -> None:
    assert merged(
        [
            span(TUESDAY, (13, 0), (14, 0)),
            span(TUESDAY, (9, 0), (10, 0)),
            span(TUESDAY, (9, 30), (11, 0)),  # overlaps the first morning stretch
            span(TUESDAY, (11, 0), (11, 30)),  # touches it
            span(TUESDAY, (13, 15), (13, 45)),  # inside the afternoon one
        ]
    ) == [span(TUESDAY, (9, 0), (11, 30)), span(TUESDAY, (13, 0), (14, 0))]
    assert merged([]) == []


def test_common_is_when_both_are_free() -> None:
    mine = [span(TUESDAY, (9, 0), (12, 0)), span(TUESDAY, (14, 0), (17, 0))]
    # Unsorted and overlapping on purpose: callers pass what calendars give.
    theirs = [span(TUESDAY, (16, 0), (18, 0)), span(TUESDAY, (10, 0), (11, 0)), span(TUESDAY, (10, 30), (15, 0))]

    assert common(mine, theirs) == [
        span(TUESDAY, (10, 0), (12, 0)),
        span(TUESDAY, (14, 0), (15, 0)),
        span(TUESDAY, (16, 0), (17, 0)),
    ]
    assert common(theirs, mine) == common(mine, theirs)


def test_stretches_that_only_touch_have_no_time_in_common() -> None:
    assert common([span(TUESDAY, (9, 0), (10, 0))], [span(TUESDAY, (10, 0), (11, 0))]) == []
    assert common([span(TUESDAY, (9, 0), (10, 0))], []) == []


def test_without_takes_busy_time_out_of_free_time() -> None:
    free = [span(TUESDAY, (9, 0), (12, 30)), span(TUESDAY, (13, 30), (17, 0))]
    busy = [
        span(TUESDAY, (10, 0), (11, 0)),  # splits the morning
        span(TUESDAY, (12, 0), (14, 0)),  # eats the end of one and the start of the other
        span(TUESDAY, (17, 0), (18, 0)),  # only touches: takes nothing
        span(TUESDAY, (7, 0), (8, 0)),  # outside: takes nothing
    ]

    assert without(free, busy) == [
        span(TUESDAY, (9, 0), (10, 0)),
        span(TUESDAY, (11, 0), (12, 0)),
        span(TUESDAY, (14, 0), (17, 0)),
    ]
    assert without(free, [span(TUESDAY, (8, 0), (18, 0))]) == []
    assert without(free, []) == free


def test_within_clips_free_time_to_the_window() -> None:
    free = [span(TUESDAY, (9, 0), (12, 30)), span(TUESDAY + timedelta(days=1), (9, 0), (12, 30))]
    window = Interval(at(TUESDAY, 11, 0), at(TUESDAY + timedelta(days=1), 10, 0))

    assert within(free, window) == [
        span(TUESDAY, (11, 0), (12, 30)),
        span(TUESDAY + timedelta(days=1), (9, 0), (10, 0)),
    ]


# Suggestions ----------------------------------------------------------------------------------------------------


def test_a_free_week_gives_five_times_on_five_days_at_different_times_of_day() -> None:
    week = [span(TUESDAY + timedelta(days=n), (9, 0), (17, 0)) for n in range(7)]

    found = suggestions(week, 60, LONDON)

    assert local_times(found) == [
        (TUESDAY, time(10, 0)),
        (TUESDAY + timedelta(days=1), time(14, 0)),
        (TUESDAY + timedelta(days=2), time(11, 0)),
        (TUESDAY + timedelta(days=3), time(15, 0)),
        (TUESDAY + timedelta(days=4), time(9, 30)),
    ]
    assert all(i.length == timedelta(hours=1) for i in found)


def test_each_suggestion_is_the_session_length_on_the_hour_or_half_hour_inside_free_time() -> None:
    # Ragged free time, as a real calendar gives it: nothing starts on a round time.
    free = [
        span(TUESDAY, (9, 10), (11, 5)),
        span(TUESDAY + timedelta(days=1), (13, 40), (16, 20)),
        span(TUESDAY + timedelta(days=2), (9, 5), (9, 55)),  # 50 minutes, but 45 do not fit from a round start
        span(TUESDAY + timedelta(days=3), (14, 29), (15, 31)),
    ]

    found = suggestions(free, 45, LONDON)

    assert found
    for suggestion in found:
        assert suggestion.length == timedelta(minutes=45)
        assert (suggestion.start.minute, suggestion.start.second, suggestion.start.microsecond) in {
            (0, 0, 0),
            (30, 0, 0),
        }
        assert any(stretch.contains(suggestion) for stretch in free)
    assert TUESDAY + timedelta(days=2) not in {local(i.start).date() for i in found}


def test_one_free_day_is_doubled_up_to_three_times_that_do_not_overlap() -> None:
    found = suggestions([span(TUESDAY, (9, 0), (12, 30))], 60, LONDON)

    assert local_times(found) == [(TUESDAY, time(9, 0)), (TUESDAY, time(10, 0)), (TUESDAY, time(11, 30))]
    assert not any(a.overlaps(b) for a, b in combinations(found, 2))


def test_two_free_days_give_three_times_with_one_day_doubled() -> None:
    free = [span(TUESDAY, (9, 0), (12, 30)), span(TUESDAY + timedelta(days=7), (13, 30), (17, 0))]

    found = suggestions(free, 60, LONDON)

    assert len(found) == FEWEST_SUGGESTIONS
    assert {local(i.start).date() for i in found} == {TUESDAY, TUESDAY + timedelta(days=7)}
    assert not any(a.overlaps(b) for a, b in combinations(found, 2))


def test_a_short_stretch_still_gives_three_when_three_fit() -> None:
    # 10:00 is the preferred first time, but taken first it leaves room for only one more hour in 9:30 to 12:30.
    found = suggestions([span(TUESDAY, (9, 30), (12, 30))], 60, LONDON)

    assert local_times(found) == [(TUESDAY, time(9, 30)), (TUESDAY, time(10, 30)), (TUESDAY, time(11, 30))]


def test_fewer_than_three_when_fewer_fit() -> None:
    found = suggestions([span(TUESDAY, (9, 0), (11, 0))], 60, LONDON)

    assert len(found) == 2
    assert not found[0].overlaps(found[1])


def test_nothing_is_suggested_when_nothing_fits() -> None:
    assert suggestions([], 60, LONDON) == []
    # Long enough in total, but in pieces, or too short from the next round start.
    assert suggestions([span(TUESDAY, (9, 0), (9, 45)), span(TUESDAY, (10, 0), (10, 45))], 60, LONDON) == []
    assert suggestions([span(TUESDAY, (9, 5), (10, 20))], 60, LONDON) == []


def test_a_meeting_needs_a_length() -> None:
    with pytest.raises(ValueError, match="positive length"):
        suggestions([span(TUESDAY, (9, 0), (17, 0))], 0, LONDON)


def test_times_are_chosen_in_local_time_across_the_clock_change() -> None:
    # Thursday 27 March to Wednesday 2 April 2025: the clocks go forward on Sunday 30 March.
    thursday = date(2025, 3, 27)
    weekdays = [thursday + timedelta(days=n) for n in range(7) if (thursday + timedelta(days=n)).weekday() < 5]
    free = [span(day, (9, 0), (12, 30)) for day in weekdays]

    found = suggestions(free, 60, LONDON)

    assert local_times(found) == [
        (date(2025, 3, 27), time(10, 0)),
        (date(2025, 3, 28), time(11, 30)),  # nearest 14:00 in a morning
        (date(2025, 3, 31), time(11, 0)),
        (date(2025, 4, 1), time(11, 30)),
        (date(2025, 4, 2), time(9, 30)),
    ]
    # The same wall-clock hour is a different UTC hour on either side of the change.
    assert found[0].start.astimezone(UTC).hour == 10
    assert found[2].start.astimezone(UTC).hour == 10
    assert local(found[2].start).utcoffset() == timedelta(hours=1)


# The two weeks searched ----------------------------------------------------------------------------------------


def test_the_search_starts_at_the_next_local_midnight_and_spans_two_weeks() -> None:
    window = search_window(datetime(2025, 3, 3, 9, 0, tzinfo=UTC), LONDON)

    assert window == Interval(datetime(2025, 3, 4, 0, 0, tzinfo=UTC), datetime(2025, 3, 18, 0, 0, tzinfo=UTC))
    assert window.length == SEARCH_SPAN == timedelta(days=14)


def test_the_next_day_is_the_next_local_day_in_summer() -> None:
    # 23:30 UTC on 10 June is already 00:30 on 11 June in London, so the search starts on the 12th.
    window = search_window(datetime(2025, 6, 10, 23, 30, tzinfo=UTC), LONDON)

    assert local(window.start) == at(date(2025, 6, 12), 0, 0)
    assert window.start == datetime(2025, 6, 11, 23, 0, tzinfo=UTC)
    assert window.length == SEARCH_SPAN


# Properties -----------------------------------------------------------------------------------------------------

# Free time as calendars report it inside working days: ragged stretches between 07:00 and 20:00 over two weeks.
_stretch = st.builds(
    lambda day, start, minutes: Interval(
        at(TUESDAY + timedelta(days=day), 7) + timedelta(minutes=start),
        at(TUESDAY + timedelta(days=day), 7) + timedelta(minutes=start + minutes),
    ),
    # Few days as often as many: doubling up on a day is where room is easiest to waste.
    st.one_of(st.integers(min_value=0, max_value=1), st.integers(min_value=0, max_value=13)),
    st.integers(min_value=0, max_value=12 * 60),
    st.integers(min_value=5, max_value=4 * 60),
)
_free_time = st.lists(_stretch, max_size=8)
_minutes = st.sampled_from([30, 45, 50, 60, 90])


def _room(free: list[Interval], minutes: int) -> int:
    """How many meetings of ``minutes`` starting on a half hour fit in ``free`` without overlapping, counted
    stretch by stretch from each one's start (which is the most that fit)."""
    length = timedelta(minutes=minutes)
    room = 0
    for stretch in merged(free):
        start = _next_half_hour(stretch.start)
        while start + length <= stretch.end:
            room += 1
            start = _next_half_hour(start + length)
    return room


def _next_half_hour(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    whole = utc.replace(minute=0, second=0, microsecond=0)
    for candidate in (whole, whole + timedelta(minutes=30), whole + timedelta(minutes=60)):
        if candidate >= utc:
            return candidate
    raise AssertionError("unreachable")


@given(_free_time, _minutes)
def test_every_suggestion_is_a_whole_meeting_inside_free_time(free: list[Interval], minutes: int) -> None:
    found = suggestions(free, minutes, LONDON)

    assert found == sorted(found)
    for suggestion in found:
        assert suggestion.length == timedelta(minutes=minutes)
        assert suggestion.start.astimezone(UTC).minute in (0, 30)
        assert any(stretch.contains(suggestion) for stretch in merged(free))


@given(_free_time, _minutes)
# The case that first showed a preferred hour wasting room: 10:00 leaves only one more hour in 9:30 to 12:30.
@example([span(TUESDAY, (9, 30), (12, 30))], 60)
def test_suggestions_never_overlap_and_number_between_three_and_five_when_there_is_room(
    free: list[Interval], minutes: int
) -> None:
    found = suggestions(free, minutes, LONDON)

    assert not any(a.overlaps(b) for a, b in combinations(found, 2))
    assert len(found) <= MOST_SUGGESTIONS
    assert len(found) >= min(FEWEST_SUGGESTIONS, _room(free, minutes))


@given(_free_time, _minutes)
def test_suggestions_spread_over_as_many_days_as_they_can(free: list[Interval], minutes: int) -> None:
    found = suggestions(free, minutes, LONDON)

    days_with_room = {local(s.start).date() for s in merged(free) if _room([s], minutes) > 0}
    assert len({local(s.start).date() for s in found}) == min(MOST_SUGGESTIONS, len(days_with_room))
