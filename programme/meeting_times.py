"""Finding meeting times: from when each person is free to a short list of good times for both.

People choose more easily from a few times on different days than from a long list, and a pair who can't do
Tuesdays should not see five Tuesdays. So the suggestions are spread one per day first, at varied times of day,
and only doubled up on a day when there are too few days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from programme.calendar import Interval

# Meetings start on the hour or half hour; times like 10:15 look machine-made, and people rarely pick them.
STEP = timedelta(minutes=30)
# How far ahead one search looks: far enough to find something, near enough to keep momentum.
SEARCH_SPAN = timedelta(days=14)
MOST_SUGGESTIONS = 5
FEWEST_SUGGESTIONS = 3
# Times of day tried in turn, one per suggested day, so the suggestions do not all fall at 9 a.m.
_PREFERRED = (time(10, 0), time(14, 0), time(11, 0), time(15, 0), time(9, 30), time(13, 30))


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The same time, sorted, with overlapping or touching intervals joined."""
    result: list[Interval] = []
    for interval in sorted(intervals):
        if result and interval.start <= result[-1].end:
            if interval.end > result[-1].end:
                result[-1] = Interval(result[-1].start, interval.end)
        else:
            result.append(interval)
    return result


def common(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """When both are free."""
    a, b = merged(first), merged(second)
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i].start, b[j].start)
        end = min(a[i].end, b[j].end)
        if start < end:
            result.append(Interval(start, end))
        if a[i].end <= b[j].end:
            i += 1
        else:
            j += 1
    return result


def without(free: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """``free`` with the ``busy`` times taken out."""
    result = merged(free)
    for taken in merged(busy):
        remaining: list[Interval] = []
        for interval in result:
            if not interval.overlaps(taken):
                remaining.append(interval)
                continue
            if interval.start < taken.start:
                remaining.append(Interval(interval.start, taken.start))
            if taken.end < interval.end:
                remaining.append(Interval(taken.end, interval.end))
        result = remaining
    return result


def within(free: Sequence[Interval], window: Interval) -> list[Interval]:
    """``free`` clipped to ``window``."""
    return common(free, [window])


def suggestions(free: Sequence[Interval], minutes: int, zone: tzinfo) -> list[Interval]:
    """Up to five meeting times of ``minutes`` inside ``free``, on different days where possible, sorted.

    At least three when ``free`` has room for three (doubling up on a day if it must); none when it has no room
    for even one."""
    if minutes <= 0:
        raise ValueError("a meeting needs a positive length")
    length = timedelta(minutes=minutes)
    by_day: dict[date, list[Interval]] = {}
    for start in _starts(merged(free), length):
        by_day.setdefault(start.astimezone(zone).date(), []).append(Interval(start, start + length))
    chosen: list[Interval] = []
    for index, (_day, candidates) in enumerate(sorted(by_day.items())):
        if len(chosen) == MOST_SUGGESTIONS:
            break
        chosen.append(_nearest(candidates, _PREFERRED[index % len(_PREFERRED)], zone))
    if len(chosen) < FEWEST_SUGGESTIONS:
        for _day, candidates in sorted(by_day.items()):
            for candidate in sorted(candidates, key=lambda c: -_distance_from(chosen, c)):
                if len(chosen) == FEWEST_SUGGESTIONS:
                    break
                if not any(candidate.overlaps(taken) for taken in chosen):
                    chosen.append(candidate)
    if len(chosen) < FEWEST_SUGGESTIONS:
        # A time chosen for being near a preferred hour can sit awkwardly in a short stretch (10:00 in 9:30 to
        # 12:30 leaves room for only one more hour), so there may be room for more than was found. Times packed
        # from the start of each stretch fit as many as will fit at all.
        packed = _packed([c for candidates in by_day.values() for c in candidates])
        if len(packed) > len(chosen):
            chosen = _spread(packed, FEWEST_SUGGESTIONS, zone)
    return sorted(chosen)


def search_window(earliest: datetime, zone: tzinfo) -> Interval:
    """Two weeks from the start of the day after ``earliest`` (local): people get at least a day's notice."""
    local = earliest.astimezone(zone)
    return span_from(datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=zone), zone)


def span_from(start: datetime, zone: tzinfo) -> Interval:
    """Two weeks from ``start`` by the local clock. Across a change of the clocks, fourteen days of 24 hours would
    end an hour into (or short of) the local day the search should end on, and the card, which names the first
    and last days searched, would name a day too many."""
    # Adding to a time in its own zone moves the wall clock, and the offset is worked out afresh for the result.
    return Interval(start.astimezone(UTC), (start.astimezone(zone) + SEARCH_SPAN).astimezone(UTC))


def _starts(free: Sequence[Interval], length: timedelta) -> Iterable[datetime]:
    for interval in free:
        start = _round_up(interval.start)
        while start + length <= interval.end:
            yield start
            start += STEP


def _round_up(moment: datetime) -> datetime:
    # On UTC half-hour marks, which are the local ones too in every zone whose offset is whole or half hours (the
    # UK's always is).
    utc = moment.astimezone(UTC)
    floor = utc.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30 * (utc.minute // 30))
    return floor if floor == utc else floor + STEP


def _nearest(candidates: Sequence[Interval], preferred: time, zone: tzinfo) -> Interval:
    def distance(candidate: Interval) -> float:
        local = candidate.start.astimezone(zone)
        target = datetime.combine(local.date(), preferred, tzinfo=zone)
        return abs((local - target).total_seconds())

    return min(candidates, key=distance)


def _packed(candidates: Sequence[Interval]) -> list[Interval]:
    """As many of ``candidates`` (all the same length) as fit without overlapping: earliest first is the most."""
    packed: list[Interval] = []
    for candidate in sorted(candidates):
        if not packed or packed[-1].end <= candidate.start:
            packed.append(candidate)
    return packed


def _spread(times: Sequence[Interval], most: int, zone: tzinfo) -> list[Interval]:
    """Up to ``most`` of ``times``, one per day first and then the rest in order."""
    days: set[date] = set()
    firsts: list[Interval] = []
    rest: list[Interval] = []
    for interval in times:
        day = interval.start.astimezone(zone).date()
        (rest if day in days else firsts).append(interval)
        days.add(day)
    return (firsts + rest)[:most]


def _distance_from(chosen: Sequence[Interval], candidate: Interval) -> float:
    """How far a candidate is from the nearest time already chosen: doubling up, prefer the other end of a day."""
    if not chosen:
        return 0.0
    return min(abs((candidate.start - taken.start).total_seconds()) for taken in chosen)
