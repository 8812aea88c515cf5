"""Opening the database: URL normalisation, engine creation and a reachability probe."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class DatabaseUrlError(ValueError):
    """The configured database URL cannot be used."""


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT into ``table`` that can say ON CONFLICT, which each backend's dialect builds its own way."""
        return postgresql.insert(table) if self.dialect == "postgresql" else sqlite.insert(table)

    async def is_reachable(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def flush_erased(self) -> None:
        """Make deleted rows unrecoverable from the database files. SQLite overwrites deleted content
        (``secure_delete``) but keeps earlier page images in its write-ahead log until a checkpoint; PostgreSQL's
        dead tuples are reclaimed by autovacuum and its files are encrypted at rest, so nothing is done there."""
        if self.dialect != "sqlite":
            return
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self.engine.dispose()


def async_url(raw: str) -> URL:
    """Accept the URLs people usually write (``postgresql://``, ``sqlite:///``) and pick our async driver."""
    try:
        url = make_url(raw)
    except ArgumentError as error:
        raise DatabaseUrlError("is not a database URL (expected sqlite:///path or postgresql://...)") from error
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise DatabaseUrlError(f"uses '{url.drivername}', but only SQLite and PostgreSQL are supported")
    return url.set(drivername=driver)


def open_database(raw_url: str, *, echo: bool = False, connect_args: Mapping[str, Any] | None = None) -> Database:
    """``connect_args`` go to the driver's connect call (asyncpg: e.g. ``server_settings``), for what a URL
    cannot say.

    Statement parameters are kept out of SQLAlchemy's error messages (and ``echo``): they are what people typed
    (a private reflection, a concern, a name), and an error's message ends up in the log."""
    url = async_url(raw_url)
    driver_args = dict(connect_args or {})
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args=driver_args, hide_parameters=True)
        _tune_sqlite(engine)
    else:
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args=driver_args,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            hide_parameters=True,
        )
    return Database(engine)


def _tune_sqlite(engine: AsyncEngine) -> None:
    # WAL lets the health probe and the scheduler read while a turn writes; foreign keys are off by default in
    # SQLite; the busy timeout turns brief lock contention into a short wait instead of an error.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # Deleted personal data is overwritten with zeros rather than left in free pages of the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
