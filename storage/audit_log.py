"""The audit log on SQL: entries are only ever added. The one exception is erasure (storage/personal_data_holders.py),
which replaces an erased person's id and the reasons recorded about them, keeping the fact that an action happened."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from programme.audit import AuditEntry
from programme.identity import PersonId
from storage.database import Database
from storage.tables import audit_log


class SqlAuditLog:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def record(self, entry: AuditEntry) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                audit_log.insert().values(
                    at=entry.at,
                    actor_id=entry.actor.value,
                    action=entry.action,
                    outcome=entry.outcome,
                    target=entry.target,
                    detail=dict(entry.detail),
                )
            )

    async def recent(self, limit: int) -> Sequence[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            AuditEntry(
                at=row["at"],
                actor=PersonId(row["actor_id"]),
                action=row["action"],
                outcome=row["outcome"],
                target=row["target"],
                detail=row["detail"],
            )
            for row in rows
        ]
