"""Throwaway databases for tests: a SQLite file, or a private schema on the PostgreSQL in ``TEST_DATABASE_URL``.

Every test gets a database nobody else touches, so tests stay independent and can run in any order. On
PostgreSQL that is a fresh schema rather than a fresh database: ``CREATE SCHEMA`` costs a few milliseconds where
``CREATE DATABASE`` copies a template and fsyncs, and the schema is named first in ``search_path`` on every
connection, so alembic's version table and our tables land in it without any code knowing it exists.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import text

from storage.database import Database, open_database
from storage.migrate import upgrade

Backend = Literal["sqlite", "postgresql"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql")
POSTGRES_URL_VARIABLE = "TEST_DATABASE_URL"


@dataclass(frozen=True)
class DatabaseTarget:
    """Where one test's database lives; ``open()`` as many engines on it as the test needs (e.g. two replicas)."""

    backend: Backend
    url: str
    connect_args: Mapping[str, Any] = field(default_factory=dict)

    def open(self) -> Database:
        return open_database(self.url, connect_args=self.connect_args)


def postgres_url() -> str:
    """The server to test against; skips the calling test when none is configured."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(
            f"PostgreSQL tests need a server: set {POSTGRES_URL_VARIABLE}, "
            "e.g. postgresql://postgres@127.0.0.1:5432/test"
        )
    return url


@asynccontextmanager
async def database_target(backend: Backend, directory: Path) -> AsyncIterator[DatabaseTarget]:
    """An empty database (no tables yet), removed afterwards. ``directory`` holds the SQLite file."""
    if backend == "sqlite":
        yield DatabaseTarget(backend, f"sqlite:///{directory / 'remedi.db'}")
        return
    url = postgres_url()
    schema = f"t_{uuid.uuid4().hex}"
    maintenance = open_database(url)
    try:
        async with maintenance.engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            # search_path is set at connection start-up, so even SQLAlchemy's first-connect probe
            # (current_schema()) already sees the private schema.
            yield DatabaseTarget(backend, url, {"server_settings": {"search_path": schema}})
        finally:
            async with maintenance.engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await maintenance.close()


@asynccontextmanager
async def migrated_database(backend: Backend, directory: Path) -> AsyncIterator[Database]:
    """A database at the head revision, closed and removed afterwards."""
    async with database_target(backend, directory) as target:
        database = target.open()
        try:
            await upgrade(database)
            yield database
        finally:
            # Close before the schema is dropped: an open pooled connection would hold locks DROP waits for.
            await database.close()
