"""When the bot may speak: nudges arrive in working hours, never at 3 a.m."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONDAY_TO_FRIDAY = frozenset(range(5))


@dataclass(frozen=True)
class WorkingHours:
    zone: ZoneInfo
    start: time = time(9, 0)
    end: time = time(17, 30)
    days: frozenset[int] = MONDAY_TO_FRIDAY  # Monday is 0

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("working hours must start before they end")
        if not self.days or not self.days <= set(range(7)):
            raise ValueError("working days are 0 (Monday) to 6 (Sunday), at least one")

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` itself when inside working hours, else the start of the next working period (in UTC)."""
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        if self.contains(moment):
            return moment
        local = moment.astimezone(self.zone)
        day = local.date()
        if local.weekday() in self.days and local.time() < self.start:
            return _at(day, self.start, self.zone)
        for offset in range(1, 8):
            candidate = day + timedelta(days=offset)
            if candidate.weekday() in self.days:
                return _at(candidate, self.start, self.zone)
        raise AssertionError("unreachable: at least one working day exists")


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    # Built in local time, so a clock change moves the opening with the clock, as people expect.
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
