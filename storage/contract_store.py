"""Each pair's first-meeting agreement on SQL.

Every write is compare-and-set on ``version``, and so is a confirmation: someone confirms the version they were
shown, and a confirmation of a version since edited is refused. A first write expects version 0 (no agreement yet)
and creates the row at version 1.

Once someone in the pair asked to be erased the agreement text is gone (see
:class:`storage.personal_data_holders.ContractsHolder`); what is left can be read but not written or confirmed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, func, literal, select, update
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from programme.contracts import Agreement, Contract
from storage.database import Database
from storage.tables import contracts

_NOT_ERASED = contracts.c.agreement.is_not(None)


class SqlContractStore:
    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._insert = database.insert

    async def get(self, pair_id: int) -> Contract | None:
        async with self._engine.connect() as connection:
            query = select(contracts).where(contracts.c.pair_id == pair_id)
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _contract(row)

    async def write(self, pair_id: int, agreement: Agreement, expected_version: int, at: datetime) -> Contract | None:
        statement: ReturningInsert[Any] | ReturningUpdate[Any]
        if expected_version == 0:
            # Two first drafts at once: the second finds the row there and is told the agreement changed, as it did.
            statement = (
                self._insert(contracts)
                .values(pair_id=pair_id, agreement=agreement_json(agreement), version=1, updated_at=at)
                .on_conflict_do_nothing(index_elements=[contracts.c.pair_id])
                .returning(*contracts.c)
            )
        else:
            statement = (
                update(contracts)
                .where(contracts.c.pair_id == pair_id, contracts.c.version == expected_version, _NOT_ERASED)
                .values(
                    agreement=agreement_json(agreement),
                    # What both confirmed is not what it says any more.
                    mentor_confirmed_at=None,
                    mentee_confirmed_at=None,
                    version=contracts.c.version + 1,
                    updated_at=at,
                )
                .returning(*contracts.c)
            )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _contract(row)

    async def confirm(self, pair_id: int, as_mentor: bool, expected_version: int, at: datetime) -> Contract | None:
        column = contracts.c.mentor_confirmed_at if as_mentor else contracts.c.mentee_confirmed_at
        # A second click on the same card keeps the first confirmation's time.
        statement = (
            update(contracts)
            .where(contracts.c.pair_id == pair_id, contracts.c.version == expected_version, _NOT_ERASED)
            .values({column: func.coalesce(column, literal(at, type_=column.type))})
            .returning(*contracts.c)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _contract(row)


def agreement_json(agreement: Agreement) -> dict[str, object]:
    return {"goals": list(agreement.goals), "how_we_work": agreement.how_we_work}


def agreement_from_json(stored: object) -> Agreement | None:
    if stored is None:
        return None
    goals = stored.get("goals") if isinstance(stored, dict) else None
    how = stored.get("how_we_work") if isinstance(stored, dict) else None
    if not isinstance(goals, list) or not all(isinstance(goal, str) for goal in goals) or not isinstance(how, str):
        raise ValueError(f"an agreement must have a list of goals and a how_we_work text, not {stored!r}")
    return Agreement(goals=tuple(goals), how_we_work=how)


def _contract(row: RowMapping) -> Contract:
    return Contract(
        pair_id=row["pair_id"],
        agreement=agreement_from_json(row["agreement"]),
        mentor_confirmed_at=row["mentor_confirmed_at"],
        mentee_confirmed_at=row["mentee_confirmed_at"],
        version=row["version"],
    )
