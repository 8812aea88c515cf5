"""Every storage test runs once per backend, against a database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.database import Database
from tests.support.databases import BACKENDS, Backend, DatabaseTarget, database_target, migrated_database

# A moment with microseconds and a non-midnight time, so truncation or time-zone shifts would show.
FIXED_NOW = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


class FixedClock:
    """A clock that stands still, so stored timestamps are predictable."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


@pytest.fixture(
    params=[pytest.param(name, marks=[pytest.mark.postgres] if name == "postgresql" else []) for name in BACKENDS]
)
def backend(request: pytest.FixtureRequest) -> Backend:
    name: Backend = request.param
    return name


@pytest.fixture
async def empty_database(backend: Backend, tmp_path: Path) -> AsyncIterator[DatabaseTarget]:
    """A database with no tables yet, for tests that drive migrations themselves."""
    async with database_target(backend, tmp_path) as target:
        yield target


@pytest.fixture
async def database(backend: Backend, tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_database(backend, tmp_path) as migrated:
        yield migrated


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()
