"""Turns of one conversation run one at a time; different conversations do not wait for each other."""

from __future__ import annotations

import asyncio

from bot.conversation_turns import ConversationTurns


async def test_turns_of_one_conversation_queue_and_others_do_not() -> None:
    turns = ConversationTurns()
    order: list[str] = []
    first_inside = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with turns.one_at_a_time("a"):
            order.append("a1 in")
            first_inside.set()
            await release_first.wait()
            order.append("a1 out")

    async def second_same() -> None:
        async with turns.one_at_a_time("a"):
            order.append("a2 in")

    async def other() -> None:
        async with turns.one_at_a_time("b"):
            order.append("b in")

    running = asyncio.create_task(first())
    await first_inside.wait()
    waiting = asyncio.create_task(second_same())
    await other()
    await asyncio.sleep(0)
    assert order == ["a1 in", "b in"]
    assert len(turns) == 1  # "a" is held (and waited for); "b" is gone already

    release_first.set()
    await asyncio.gather(running, waiting)
    assert order == ["a1 in", "b in", "a1 out", "a2 in"]
    assert len(turns) == 0


async def test_a_failing_turn_releases_its_conversation() -> None:
    turns = ConversationTurns()
    try:
        async with turns.one_at_a_time("a"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert len(turns) == 0
    async with asyncio.timeout(1):
        async with turns.one_at_a_time("a"):
            pass
