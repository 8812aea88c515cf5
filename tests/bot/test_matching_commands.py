"""Typed matching commands on the in-memory services: publishing needs pairs someone has looked at."""

from __future__ import annotations

from bot.command_set import build_command_table
from bot.commands import CommandRequest, Match, Reply
from programme.cohorts import CohortState
from tests.bot.test_status_command import COORDINATOR, World, world
from tests.programme.builders import TENANT
from tests.programme.pairing_world import AISHA_ANSWERS, CHIOMA_ANSWERS
from tests.support.card_reading import card_text


async def typed(w: World, text: str) -> Reply:
    found = build_command_table(w.services).match(text)
    assert isinstance(found, Match)
    return await found.command.handler(
        CommandRequest(actor=COORDINATOR, tenant=TENANT, display_name="Coordinator", arguments=found.arguments)
    )


async def test_publish_before_any_review_points_to_match_and_proposes_nothing() -> None:
    w = world()
    cohort = await w.cohort(CohortState.MATCHING)
    await w.approved(cohort, 1, AISHA_ANSWERS)
    await w.approved(cohort, 3, CHIOMA_ANSWERS)

    reply = await typed(w, "publish")

    assert reply.card is None
    assert reply.text is not None
    assert f"Type 'match {cohort.id}'" in reply.text
    assert await w.services.matching.pairs(cohort.id) == []


async def test_publish_after_a_review_asks_for_confirmation() -> None:
    w = world()
    cohort = await w.cohort(CohortState.MATCHING)
    await w.approved(cohort, 1, AISHA_ANSWERS)
    await w.approved(cohort, 3, CHIOMA_ANSWERS)
    await typed(w, "match")

    reply = await typed(w, "publish")

    assert reply.card is not None
    assert "Publish 1 pair" in card_text(reply.card)
