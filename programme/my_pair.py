"""A participant's own pair, as they and nobody else may act on it: the one place that checks it is theirs."""

from __future__ import annotations

from dataclasses import dataclass

from programme.applications import Application, ApplicationStore
from programme.errors import NotAuthorised, NotFound
from programme.identity import PersonId
from programme.pairs import Pair, PairState, PairStore

LIVE_PAIRS = frozenset({PairState.PUBLISHED})


@dataclass(frozen=True)
class MyPair:
    pair: Pair
    me: Application
    partner: Application


async def my_pair(
    pairs: PairStore, applications: ApplicationStore, person: PersonId, pair_id: int | None, *, what: str
) -> MyPair:
    """The person's current pair (or ``pair_id``, which must be theirs and still running), with both applications.

    ``what`` names the thing asked about ("agreement", "meeting") in the answers."""
    if pair_id is None:
        current = await pairs.for_person(person, LIVE_PAIRS)
        if not current:
            raise NotFound("You don't have a partner yet. Once pairs are published I'll introduce you.")
        pair = current[0]
    else:
        found = await pairs.get(pair_id)
        if found is None or not found.includes(person) or found.state not in LIVE_PAIRS:
            # The same answer whether it does not exist or is someone else's.
            raise NotAuthorised(f"That {what} isn't one of yours, so I can't show or change it.")
        pair = found
    mine, theirs = (
        (pair.mentor_application, pair.mentee_application)
        if pair.mentor == person
        else (pair.mentee_application, pair.mentor_application)
    )
    me = await applications.get(mine)
    partner = await applications.get(theirs)
    if me is not None and partner is not None and not me.live:
        raise NotFound(f"You've stepped back from the programme, so this {what} is closed.")
    if me is None or partner is None or not partner.live:
        # Withdrawing leaves the pair published (it happened), but nobody who stepped back is asked to read or
        # do anything any more.
        raise NotFound(f"Your partner has left the programme, so this {what} is closed. Your coordinator knows.")
    return MyPair(pair=pair, me=me, partner=partner)
