"""Bringing a database to the current schema, safely when several replicas start at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.database import Database

_MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same for every replica of this service.
_ADVISORY_LOCK_KEY = 0x52454D4544


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def upgrade(database: Database) -> None:
    await _migrate(database, lambda config: command.upgrade(config, "head"))


async def downgrade(database: Database, revision: str = "base") -> None:
    """Step the schema back to ``revision`` (by default: empty), for rolling back a release."""
    await _migrate(database, lambda config: command.downgrade(config, revision))


async def _migrate(database: Database, step: Callable[[Config], None]) -> None:
    async with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            # Serialises replicas that boot together; released when this transaction ends.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        await connection.run_sync(lambda sync: step(_config(sync)))


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
