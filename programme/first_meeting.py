"""The first-meeting agreement of a pair: either person writes it, both confirm the same version.

Its words belong to the pair. Coordinators learn only whether each pair has confirmed, which tells them who may
need a hand getting started without reading what anyone wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from programme.applications import Application, ApplicationStore
from programme.clock import Clock
from programme.contracts import Agreement, Contract, ContractStore
from programme.deliveries import schedule_message
from programme.errors import Conflict
from programme.identity import PersonId
from programme.match_messages import MatchMessages
from programme.my_pair import LIVE_PAIRS, my_pair
from programme.pairs import Pair, PairStore
from programme.work import WorkQueue


@dataclass(frozen=True)
class MyAgreement:
    pair: Pair
    contract: Contract
    me: Application
    partner: Application

    @property
    def i_am_mentor(self) -> bool:
        return self.pair.mentor == self.me.person

    @property
    def i_confirmed(self) -> bool:
        mine = self.contract.mentor_confirmed_at if self.i_am_mentor else self.contract.mentee_confirmed_at
        return mine is not None


class FirstMeeting:
    def __init__(
        self,
        *,
        pairs: PairStore,
        contracts: ContractStore,
        applications: ApplicationStore,
        work: WorkQueue,
        messages: MatchMessages,
        clock: Clock,
    ) -> None:
        self._pairs = pairs
        self._contracts = contracts
        self._applications = applications
        self._work = work
        self._messages = messages
        self._clock = clock

    async def mine(self, person: PersonId, pair_id: int | None = None) -> MyAgreement:
        """The agreement of the person's current pair (or of ``pair_id``, which must be theirs)."""
        found = await my_pair(self._pairs, self._applications, person, pair_id, what="agreement")
        pair, me, partner = found.pair, found.me, found.partner
        contract = await self._contracts.get(pair.id) or Contract(pair_id=pair.id, agreement=None)
        return MyAgreement(pair=pair, contract=contract, me=me, partner=partner)

    async def write(self, person: PersonId, pair_id: int, agreement: Agreement, expected_version: int) -> MyAgreement:
        mine = await self.mine(person, pair_id)
        checked = agreement.checked()
        saved = await self._contracts.write(pair_id, checked, expected_version, self._clock.now())
        if saved is None:
            raise Conflict("Your partner changed the agreement while you were writing; here is their latest version.")
        now = self._clock.now()
        await schedule_message(
            self._work,
            key=f"pair:{pair_id}:agreement:{saved.version}:to:{mine.partner.person.value}",
            tenant=mine.partner.tenant,
            person=mine.partner.person,
            message=self._messages.agreement_to_confirm(mine.pair, saved, mine.me),
            due_at=now,
            now=now,
        )
        return MyAgreement(pair=mine.pair, contract=saved, me=mine.me, partner=mine.partner)

    async def confirm(self, person: PersonId, pair_id: int, version: int) -> MyAgreement:
        mine = await self.mine(person, pair_id)
        if mine.contract.agreement is None:
            raise Conflict("There is nothing to confirm yet: one of you needs to write the agreement first.")
        saved = await self._contracts.confirm(pair_id, mine.i_am_mentor, version, self._clock.now())
        if saved is None:
            raise Conflict(
                "The agreement changed since you opened it, so I haven't recorded your confirmation. Please read "
                "the latest version and confirm that one."
            )
        return MyAgreement(pair=mine.pair, contract=saved, me=mine.me, partner=mine.partner)

    async def confirmed_by_pair(self, cohort_id: int) -> Mapping[int, bool]:
        """For coordinators: whether each published pair has confirmed its agreement, never what it says."""
        published = await self._pairs.for_cohort(cohort_id, LIVE_PAIRS)
        return {pair.id: bool((c := await self._contracts.get(pair.id)) and c.confirmed) for pair in published}
