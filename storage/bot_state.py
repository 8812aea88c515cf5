"""Bot Framework state (dialog stacks, per-conversation scratch) on the programme's own database.

botbuilder-python ships no SQL storage, and its ``MemoryStorage`` is last-writer-wins and lost on restart. This
store keeps an eTag per document: a write that carries an eTag succeeds only if nobody wrote since it was read,
so two replicas answering the same conversation cannot silently overwrite each other's dialog state.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import jsonpickle
from botbuilder.core import Storage
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from programme.clock import Clock
from storage.database import Database
from storage.tables import bot_state

_WILDCARD = "*"


class StateConflictError(Exception):
    """The document changed since it was read; the caller should reload and try again."""


class SqlBotStateStorage(Storage):  # type: ignore[misc]
    def __init__(self, database: Database, clock: Clock) -> None:
        super().__init__()
        self._engine = database.engine
        self._clock = clock

    async def read(self, keys: Sequence[str]) -> dict[str, Any]:
        if not keys:
            return {}
        query = select(bot_state.c.key, bot_state.c.document, bot_state.c.etag).where(bot_state.c.key.in_(keys))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        found: dict[str, Any] = {}
        for key, document, etag in rows:
            # The SDK stores plain dicts and its own state classes (DialogState, ...); jsonpickle is how the SDK's
            # own storages round-trip those. The database is trusted: only this service writes it.
            item = jsonpickle.decode(document)  # noqa: S301
            _set_etag(item, etag)
            found[key] = item
        return found

    async def write(self, changes: Mapping[str, Any]) -> None:
        if changes is None:
            raise TypeError("changes are required")
        for key, item in changes.items():
            await self._write_one(key, item)

    async def delete(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        async with self._engine.begin() as connection:
            await connection.execute(delete(bot_state).where(bot_state.c.key.in_(list(keys))))

    async def purge_idle(self, before: datetime) -> int:
        """Delete state untouched since ``before``: an unfinished sign-up holds the answers typed so far, which must
        not linger once the person has walked away. Returns how many documents went."""
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(bot_state).where(bot_state.c.updated_at < before))
        return int(result.rowcount or 0)

    async def _write_one(self, key: str, item: Any) -> None:
        expected = _get_etag(item)
        if expected == "":
            raise ValueError("an empty eTag is not a valid eTag")
        new_etag = uuid.uuid4().hex
        document = jsonpickle.encode(_without_etag(item), unpicklable=True)
        now = self._clock.now()
        values = {"document": document, "etag": new_etag, "updated_at": now}
        async with self._engine.begin() as connection:
            statement = update(bot_state).where(bot_state.c.key == key)
            if expected not in (None, _WILDCARD):
                statement = statement.where(bot_state.c.etag == expected)
            result = await connection.execute(statement.values(**values))
            if result.rowcount:
                _set_etag(item, new_etag)
                return
            if expected not in (None, _WILDCARD):
                raise StateConflictError(f"state '{key}' was changed by another turn")
        try:
            async with self._engine.begin() as connection:
                await connection.execute(bot_state.insert().values(key=key, **values))
        except IntegrityError:
            # Another turn created the document between our update and insert. Only writes without an eTag (or
            # with "*") get here, and those ask to overwrite whatever is stored, as the SDK's own storages do.
            async with self._engine.begin() as connection:
                await connection.execute(update(bot_state).where(bot_state.c.key == key).values(**values))
        _set_etag(item, new_etag)


def _get_etag(item: Any) -> str | None:
    value = item.get("e_tag") if isinstance(item, dict) else getattr(item, "e_tag", None)
    return None if value is None else str(value)


def _set_etag(item: Any, etag: str) -> None:
    if isinstance(item, dict):
        item["e_tag"] = etag
    elif item is not None:
        item.e_tag = etag


def _without_etag(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: v for k, v in item.items() if k != "e_tag"}
    return item
