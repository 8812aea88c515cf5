"""The contact book on SQL: the latest conversation address per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.exc import IntegrityError

from programme.contacts import Address, Contact, Unreachable
from programme.identity import PersonId, TenantId
from storage.database import Database
from storage.tables import MAX_UNREACHABLE_REASON_LENGTH, contacts

# A record made by mark_unreachable for someone who never wrote to us: its address is the empty JSON object.
# Compared as text because PostgreSQL's json type has no equality; both backends keep the serialised "{}".
_BARE = cast(contacts.c.address, Text) == "{}"


class SqlContactBook:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: datetime) -> bool:
        key = (contacts.c.tenant_id == tenant.value) & (contacts.c.person_id == person.value)
        # They just wrote to us, so whatever made them unreachable is over.
        refresh = (
            update(contacts)
            .where(key)
            .values(address=dict(address), last_seen=at, unreachable_since=None, unreachable_reason=None)
        )
        async with self._engine.begin() as connection:
            if (await connection.execute(refresh.where(~_BARE))).rowcount:
                return False
            # A bare record only says a delivery failed; this is the first time we hear from them, so they get
            # the welcome. The condition lets exactly one of several concurrent first turns win.
            if (await connection.execute(refresh.where(_BARE).values(first_seen=at))).rowcount:
                return True
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
                await connection.execute(refresh)
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
            unreachable_since=row["unreachable_since"],
            unreachable_reason=row["unreachable_reason"],
        )

    async def mark_unreachable(self, tenant: TenantId, person: PersonId, reason: str, at: datetime) -> None:
        # A bare record (no address) still tells coordinators who could not be reached. One upsert rather than
        # update-then-insert, because a failed delivery may be reported while the same person's turn is storing
        # their address; COALESCE keeps the first time it happened.
        bare = self._insert(contacts).values(
            tenant_id=tenant.value,
            person_id=person.value,
            address={},
            first_seen=at,
            last_seen=at,
            unreachable_since=at,
            unreachable_reason=reason[:MAX_UNREACHABLE_REASON_LENGTH],
        )
        statement = bare.on_conflict_do_update(
            index_elements=[contacts.c.tenant_id, contacts.c.person_id],
            set_={
                "unreachable_since": func.coalesce(contacts.c.unreachable_since, bare.excluded.unreachable_since),
                "unreachable_reason": bare.excluded.unreachable_reason,
            },
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def unreachable(self, limit: int) -> list[Unreachable]:
        if limit <= 0:
            return []
        query = (
            select(
                contacts.c.tenant_id, contacts.c.person_id, contacts.c.unreachable_since, contacts.c.unreachable_reason
            )
            .where(contacts.c.unreachable_since.is_not(None))
            .order_by(contacts.c.unreachable_since.desc(), contacts.c.tenant_id, contacts.c.person_id)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            Unreachable(
                tenant=TenantId(row["tenant_id"]),
                person=PersonId(row["person_id"]),
                since=row["unreachable_since"],
                reason=row["unreachable_reason"] or "",
            )
            for row in rows
        ]
