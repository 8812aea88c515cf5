"""Coordinators and the gate every coordinator action passes through."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from programme.audit import AuditEntry
from programme.coordinators import Coordinator, CoordinatorGate, Coordinators, RosterEntry
from programme.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from programme.identity import PersonId
from tests.support.fakes import DEFAULT_NOW, FakeClock, InMemoryAuditLog, InMemoryCoordinatorRoster

CONFIGURED = PersonId("00000000-0000-0000-0000-00000000000a")
ALICE = PersonId("00000000-0000-0000-0000-0000000000a1")
BOB = PersonId("00000000-0000-0000-0000-0000000000b0")
STRANGER = PersonId("00000000-0000-0000-0000-0000000000ff")


class World:
    def __init__(self, configured: frozenset[PersonId] = frozenset({CONFIGURED})) -> None:
        self.clock = FakeClock()
        self.roster = InMemoryCoordinatorRoster()
        self.audit = InMemoryAuditLog()
        self.coordinators = Coordinators(self.roster, configured, self.clock)
        self.gate = CoordinatorGate(self.coordinators, self.audit, self.clock)


@pytest.fixture
def world() -> World:
    return World()


async def test_configured_coordinators_are_recognised(world: World) -> None:
    assert await world.coordinators.is_coordinator(CONFIGURED)
    assert not await world.coordinators.is_coordinator(STRANGER)
    assert await world.coordinators.all() == [Coordinator(person=CONFIGURED, configured=True)]


async def test_add_records_who_and_when_and_is_idempotent(world: World) -> None:
    assert await world.coordinators.add(CONFIGURED, ALICE)
    assert await world.coordinators.is_coordinator(ALICE)
    world.clock.advance(timedelta(days=1))
    assert not await world.coordinators.add(CONFIGURED, ALICE)
    # Adding a configured coordinator to the roster would make them removable from chat later.
    assert not await world.coordinators.add(ALICE, CONFIGURED)
    assert await world.coordinators.all() == [
        Coordinator(person=CONFIGURED, configured=True),
        Coordinator(person=ALICE, configured=False, added_by=CONFIGURED, added_at=DEFAULT_NOW),
    ]


async def test_remove_a_roster_coordinator(world: World) -> None:
    await world.coordinators.add(CONFIGURED, ALICE)
    assert await world.coordinators.remove(CONFIGURED, ALICE)
    assert not await world.coordinators.is_coordinator(ALICE)
    assert not await world.coordinators.remove(CONFIGURED, ALICE)


async def test_removing_someone_who_is_not_a_coordinator_changes_nothing(world: World) -> None:
    assert not await world.coordinators.remove(CONFIGURED, STRANGER)


async def test_a_configured_coordinator_cannot_be_removed_from_chat(world: World) -> None:
    with pytest.raises(InvalidInput, match="service configuration"):
        await world.coordinators.remove(CONFIGURED, CONFIGURED)
    assert await world.coordinators.is_coordinator(CONFIGURED)


async def test_the_last_coordinator_cannot_be_removed() -> None:
    world = World(configured=frozenset())
    await world.roster.add(RosterEntry(person=ALICE, added_by=None, added_at=DEFAULT_NOW))
    with pytest.raises(InvalidInput, match="no coordinator"):
        await world.coordinators.remove(ALICE, ALICE)
    assert await world.coordinators.is_coordinator(ALICE)

    # With a second one, either may go.
    await world.coordinators.add(ALICE, BOB)
    assert await world.coordinators.remove(ALICE, ALICE)
    assert [c.person for c in await world.coordinators.all()] == [BOB]


# The gate ---------------------------------------------------------------------------------------------------------


async def test_a_non_coordinator_is_refused_and_the_refusal_audited(world: World) -> None:
    ran = False

    async def operation() -> str:
        nonlocal ran
        ran = True
        return "should not run"

    with pytest.raises(NotAuthorised) as caught:
        await world.gate.perform(STRANGER, "coordinator add", operation, target=ALICE.value, detail={"n": 1})
    assert "only programme coordinators" in caught.value.user_message
    assert not ran
    assert world.audit.entries == [
        AuditEntry(
            at=DEFAULT_NOW,
            actor=STRANGER,
            action="coordinator add",
            outcome="refused: not a coordinator",
            target=ALICE.value,
            detail={"n": 1},
        )
    ]
    assert world.audit.entries[0].outcome.startswith("refused")


async def test_success_is_audited_done_and_returns_the_result(world: World) -> None:
    async def operation() -> int:
        return 42

    assert await world.gate.perform(CONFIGURED, "audit", operation) == 42
    assert world.audit.entries == [AuditEntry(at=DEFAULT_NOW, actor=CONFIGURED, action="audit", outcome="done")]


@pytest.mark.parametrize("error_type", [InvalidInput, NotFound, Conflict, NotAuthorised])
async def test_programme_errors_are_audited_as_rejected_and_re_raised(
    world: World, error_type: type[InvalidInput | NotFound | Conflict | NotAuthorised]
) -> None:
    error = error_type("kind words")

    async def operation() -> None:
        raise error

    with pytest.raises(error_type) as caught:
        await world.gate.perform(CONFIGURED, "coordinator remove", operation, target="someone")
    assert caught.value is error
    [entry] = world.audit.entries
    assert entry.outcome == f"rejected: {error_type.__name__}"
    assert entry.target == "someone"


@pytest.mark.parametrize("error", [RuntimeError("database down"), KeyError("x"), asyncio.CancelledError()])
async def test_unexpected_failures_are_audited_as_failed_and_re_raised(world: World, error: BaseException) -> None:
    async def operation() -> None:
        raise error

    with pytest.raises(type(error)) as caught:
        await world.gate.perform(CONFIGURED, "coordinators", operation)
    assert caught.value is error
    [entry] = world.audit.entries
    assert entry.outcome == "failed"
    # The audit is for governance, not debugging: the exception's text stays in the log, not here.
    assert "database down" not in repr(entry)


async def test_each_action_leaves_exactly_one_entry_stamped_with_the_clock(world: World) -> None:
    async def fine() -> None:
        return None

    async def broken() -> None:
        raise InvalidInput("no")

    await world.gate.perform(CONFIGURED, "first", fine)
    world.clock.advance(timedelta(minutes=5))
    with pytest.raises(InvalidInput):
        await world.gate.perform(CONFIGURED, "second", broken)
    world.clock.advance(timedelta(minutes=5))
    with pytest.raises(NotAuthorised):
        await world.gate.perform(STRANGER, "third", fine)

    assert [(e.action, e.outcome, e.at - DEFAULT_NOW) for e in world.audit.entries] == [
        ("first", "done", timedelta(0)),
        ("second", "rejected: InvalidInput", timedelta(minutes=5)),
        ("third", "refused: not a coordinator", timedelta(minutes=10)),
    ]
    assert [e.action for e in await world.audit.recent(2)] == ["third", "second"]


async def test_a_roster_coordinator_passes_the_gate(world: World) -> None:
    await world.coordinators.add(CONFIGURED, ALICE)

    async def operation() -> str:
        return "ok"

    assert await world.gate.perform(ALICE, "audit", operation) == "ok"
    assert world.audit.entries[-1].outcome == "done"


async def test_what_help_shows_may_lag_but_the_gate_never_does(world: World) -> None:
    assert await world.coordinators.shown_as_coordinator(ALICE) is False
    # Another replica adds Alice straight into the shared roster; this process's display cache has not seen it.
    await world.roster.add(RosterEntry(person=ALICE, added_by=CONFIGURED, added_at=DEFAULT_NOW))
    assert await world.coordinators.shown_as_coordinator(ALICE) is False
    assert await world.gate.perform(ALICE, "probe", _answer) == "ok"

    world.clock.advance(timedelta(seconds=31))
    assert await world.coordinators.shown_as_coordinator(ALICE) is True


async def test_changes_made_here_show_at_once(world: World) -> None:
    assert await world.coordinators.shown_as_coordinator(BOB) is False
    await world.coordinators.add(CONFIGURED, BOB)
    assert await world.coordinators.shown_as_coordinator(BOB) is True
    await world.coordinators.remove(CONFIGURED, BOB)
    assert await world.coordinators.shown_as_coordinator(BOB) is False


async def _answer() -> str:
    return "ok"
