"""The contact book on SQL: the latest conversation address per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from programme.contacts import Address, Contact
from programme.identity import PersonId, TenantId
from storage.database import Database
from storage.tables import contacts


class SqlContactBook:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: datetime) -> bool:
        key = (contacts.c.tenant_id == tenant.value) & (contacts.c.person_id == person.value)
        async with self._engine.begin() as connection:
            changed = await connection.execute(update(contacts).where(key).values(address=dict(address), last_seen=at))
            if changed.rowcount:
                return False
        # Insert outside the update's transaction: if another turn for the same person won the race, its row is
        # as good as ours, and only the timestamp and address need refreshing.
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    contacts.insert().values(
                        tenant_id=tenant.value,
                        person_id=person.value,
                        address=dict(address),
                        first_seen=at,
                        last_seen=at,
                    )
                )
        except IntegrityError:
            async with self._engine.begin() as connection:
                await connection.execute(update(contacts).where(key).values(address=dict(address), last_seen=at))
            return False
        return True

    async def find(self, tenant: TenantId, person: PersonId) -> Contact | None:
        query = select(contacts).where((contacts.c.tenant_id == tenant.value) & (contacts.c.person_id == person.value))
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        return Contact(
            tenant=TenantId(row["tenant_id"]),
            person=PersonId(row["person_id"]),
            address=row["address"],
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
        )
