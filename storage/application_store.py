"""Applications on SQL.

Every change bumps ``version`` and is made only while the version is the one the caller read, so two coordinators
deciding about the same application at once cannot both win. A row whose person asked to be erased stays behind
anonymous (``person_id`` NULL, see :mod:`storage.personal_data_holders`): it still counts, but no lookup returns it
and nothing can change it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, func, select, update

from programme.applications import Application, ApplicationState, Consent, NewApplication
from programme.identity import PersonId, TenantId
from programme.profiles import Profile, Role
from storage.database import Database
from storage.profile_json import profile_from_json, profile_to_json
from storage.tables import applications

_NOT_ERASED = applications.c.person_id.is_not(None)


class SqlApplicationStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def add(self, application: NewApplication, at: datetime) -> Application | None:
        # ON CONFLICT names the one duplicate that is an expected outcome. Catching IntegrityError instead would also
        # swallow a missing cohort (a foreign key failure, which is a bug) and report it as "already applied".
        statement = (
            self._insert(applications)
            .values(
                cohort_id=application.cohort_id,
                tenant_id=application.tenant.value,
                person_id=application.person.value,
                display_name=application.display_name,
                role=application.profile.role.value,
                profile=profile_to_json(application.profile),
                consent_given_at=application.consent.given_at,
                privacy_notice_version=application.consent.privacy_notice,
                ground_rules_version=application.consent.ground_rules,
                state=ApplicationState.SUBMITTED.value,
                submitted_at=at,
                updated_at=at,
                version=1,
            )
            .on_conflict_do_nothing(index_elements=[applications.c.cohort_id, applications.c.person_id])
            .returning(*applications.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _application(row)

    async def get(self, application_id: int) -> Application | None:
        return await self._one(applications.c.id == application_id)

    async def find(self, cohort_id: int, person: PersonId) -> Application | None:
        return await self._one((applications.c.cohort_id == cohort_id) & (applications.c.person_id == person.value))

    async def for_person(self, person: PersonId) -> Sequence[Application]:
        query = select(applications).where(applications.c.person_id == person.value).order_by(applications.c.id.desc())
        return await self._many(query)

    async def for_cohort(
        self, cohort_id: int, states: frozenset[ApplicationState] | None = None
    ) -> Sequence[Application]:
        query = select(applications).where(applications.c.cohort_id == cohort_id, _NOT_ERASED)
        if states is not None:
            query = query.where(applications.c.state.in_(sorted(state.value for state in states)))
        # Ids are handed out in insertion order, so they are the order people applied in, with no ties.
        return await self._many(query.order_by(applications.c.id))

    async def update_profile(
        self, application_id: int, profile: Profile, expected_version: int, at: datetime
    ) -> Application | None:
        return await self._change(
            application_id,
            expected_version,
            at,
            role=profile.role.value,
            profile=profile_to_json(profile),
        )

    async def move(
        self, application_id: int, target: ApplicationState, expected_version: int, at: datetime
    ) -> Application | None:
        return await self._change(application_id, expected_version, at, state=target.value)

    async def counts(self, cohort_id: int) -> Mapping[tuple[Role, ApplicationState], int]:
        # Erased rows are included on purpose: erasure leaves them withdrawn, under the role they applied for.
        query = (
            select(applications.c.role, applications.c.state, func.count())
            .where(applications.c.cohort_id == cohort_id)
            .group_by(applications.c.role, applications.c.state)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return {(Role(role), ApplicationState(state)): count for role, state, count in rows}

    async def _change(
        self, application_id: int, expected_version: int, at: datetime, **values: object
    ) -> Application | None:
        statement = (
            update(applications)
            .where(applications.c.id == application_id, applications.c.version == expected_version, _NOT_ERASED)
            .values(updated_at=at, version=applications.c.version + 1, **values)
            .returning(*applications.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _application(row)

    async def _one(self, condition: ColumnElement[bool]) -> Application | None:
        query = select(applications).where(condition, _NOT_ERASED)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _application(row)

    async def _many(self, query: Select[Any]) -> list[Application]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_application(row) for row in rows]


def _application(row: RowMapping) -> Application:
    person, given_at = row["person_id"], row["consent_given_at"]
    privacy_notice, ground_rules = row["privacy_notice_version"], row["ground_rules_version"]
    if person is None or given_at is None or privacy_notice is None or ground_rules is None:
        # The table's check constraint makes this impossible; an erased row must never pass for a live one.
        raise ValueError(f"application {row['id']} has lost its person or consent but is not marked erased")
    return Application(
        id=row["id"],
        cohort_id=row["cohort_id"],
        tenant=TenantId(row["tenant_id"]),
        person=PersonId(person),
        display_name=row["display_name"],
        profile=profile_from_json(Role(row["role"]), row["profile"]),
        consent=Consent(given_at=given_at, privacy_notice=privacy_notice, ground_rules=ground_rules),
        state=ApplicationState(row["state"]),
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )
