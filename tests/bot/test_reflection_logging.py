"""A database error's text never reaches the log with what was stored: the driver's message can quote the row it
refused, and for a reflection that row is someone's private writing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.logging_setup import RedactingFilter
from storage.database import Database
from storage.tables import reflections
from tests.support.databases import migrated_database

SECRET = "words only the author should ever read"
NOW = datetime(2026, 5, 11, 10, 41, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_database(request.param, tmp_path) as opened:
        yield opened


async def refused_insert(database: Database) -> IntegrityError:
    row = {
        "author_id": "0b6f2c1e-5d3a-4f7e-9c2b-8a1d4e6f0a11",
        "key": "general:abcdefgh",
        "learned": SECRET,
        "differently": "",
        "actions": "",
        # Not a feeling the check constraint allows, so the database refuses the row and describes it.
        "feeling": "furious",
        "notes": "",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    with pytest.raises(IntegrityError) as caught:
        async with database.engine.begin() as connection:
            await connection.execute(insert(reflections).values(**row))
    return caught.value


async def test_a_logged_database_error_keeps_where_and_what_but_not_the_row(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    error = await refused_insert(database)
    caplog.handler.addFilter(RedactingFilter([]))
    log = logging.getLogger("tests.reflections")
    with caplog.at_level(logging.DEBUG):
        try:
            raise RuntimeError("saving the reflection failed") from error
        except RuntimeError:
            log.exception("'reflection save' failed (activity %s)", "a1")

    assert SECRET not in caplog.text
    assert "IntegrityError" in caplog.text
    assert "details withheld" in caplog.text
    assert "test_reflection_logging.py" in caplog.text


def test_other_errors_keep_their_whole_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter([]))
    with caplog.at_level(logging.DEBUG):
        try:
            raise ValueError("an ordinary bug") from KeyError("the cause")
        except ValueError:
            logging.getLogger("tests.reflections").exception("failed")
    assert "an ordinary bug" in caplog.text
    assert "the cause" in caplog.text
