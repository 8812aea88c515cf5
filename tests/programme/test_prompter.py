"""The Prompter: every prompt is recorded; someone who leaves three in a row unanswered is paused for four weeks and
told once, and those three stop counting, so resuming starts afresh; answering resets the count; a prompt sent
again (a retried work item) counts once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from programme.identity import PersonId
from programme.notifier import DeliveryFailed, OutboundMessage, PersonRecipient
from programme.prompts import PAUSE_FOR, Prompter, PromptKind
from tests.programme.builders import AISHA, BEN, LONDON, TENANT
from tests.support.fakes import DEFAULT_NOW, FakeClock
from tests.support.programme_fakes import InMemoryParticipantStore, InMemoryPromptStore
from tests.support.recording_messages import RecordingNotifier

PAUSED = "I've paused my reminders until"


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.prompts = InMemoryPromptStore()
        self.participants = InMemoryParticipantStore()
        self.notifier = RecordingNotifier()
        self.prompter = Prompter(prompts=self.prompts, participants=self.participants, clock=self.clock, zone=LONDON)

    async def send(self, ref: str, person: PersonId = AISHA, kind: PromptKind = PromptKind.DID_YOU_MEET) -> bool:
        self.clock.advance(timedelta(days=1))
        return await self.prompter.send(
            self.notifier, TENANT, person, kind, ref, OutboundMessage(summary="prompt", text=f"prompt {ref}")
        )

    def texts_to(self, person: PersonId) -> list[str]:
        return [
            message.text or ""
            for recipient, message in self.notifier.sent
            if isinstance(recipient, PersonRecipient) and recipient.person == person
        ]

    async def paused_until(self, person: PersonId) -> date | None:
        participant = await self.participants.get(person)
        assert participant is not None
        return participant.paused_until


@pytest.fixture
async def world() -> World:
    made = World()
    for person, name in ((AISHA, "Aisha"), (BEN, "Ben")):
        await made.participants.enrol(TENANT, person, name, DEFAULT_NOW)
    return made


async def test_a_prompt_is_sent_and_recorded_as_open(world: World) -> None:
    assert await world.send("meeting:1")

    assert world.texts_to(AISHA) == ["prompt meeting:1"]
    [prompt] = world.prompts.of(AISHA)
    assert (prompt.kind, prompt.ref, prompt.sent_at, prompt.open) == (
        PromptKind.DID_YOU_MEET,
        "meeting:1",
        world.clock.now(),
        True,
    )


async def test_three_unanswered_in_a_row_pause_the_person_for_four_weeks_and_tell_them_once(world: World) -> None:
    for n in (1, 2, 3):
        assert await world.send(f"meeting:{n}")

    assert not await world.send("meeting:4", kind=PromptKind.STALLED)

    fourth_day = world.clock.now()
    texts = world.texts_to(AISHA)
    assert texts[:3] == ["prompt meeting:1", "prompt meeting:2", "prompt meeting:3"]
    [told] = texts[3:]
    until = (fourth_day + PAUSE_FOR).astimezone(LONDON).date()
    assert f"{PAUSED} {until:%A} {until.day} {until:%B}" in told
    assert "'resume'" in told
    assert "isn't told" in told
    assert await world.paused_until(AISHA) == until
    # The fourth prompt was not sent, so not recorded; the three ignored ones stop counting against her.
    assert [p.ref for p in world.prompts.of(AISHA)] == ["meeting:1", "meeting:2", "meeting:3"]
    assert all(p.closed_at == fourth_day and not p.open for p in world.prompts.of(AISHA))


async def test_resuming_after_a_pause_starts_a_fresh_count(world: World) -> None:
    for n in (1, 2, 3, 4):
        await world.send(f"meeting:{n}")
    await world.participants.set_pause(AISHA, None, world.clock.now())  # 'resume'

    for n in (5, 6, 7):
        assert await world.send(f"meeting:{n}")

    assert sum(PAUSED in text for text in world.texts_to(AISHA)) == 1
    assert await world.paused_until(AISHA) is None
    # A fourth unanswered one in the new run pauses her again, and says so again.
    assert not await world.send("meeting:8")
    assert sum(PAUSED in text for text in world.texts_to(AISHA)) == 2


async def test_answering_any_of_them_resets_the_count(world: World) -> None:
    await world.send("meeting:1")
    await world.send("meeting:2")
    await world.prompter.answered(AISHA, PromptKind.DID_YOU_MEET, "meeting:2")
    await world.send("meeting:3")
    await world.send("meeting:4")

    assert await world.send("meeting:5")

    assert await world.paused_until(AISHA) is None
    assert not any(PAUSED in text for text in world.texts_to(AISHA))
    [answered] = [p for p in world.prompts.of(AISHA) if p.ref == "meeting:2"]
    assert answered.answered_at is not None


async def test_a_retried_prompt_is_sent_again_but_counted_once(world: World) -> None:
    await world.send("meeting:1")
    await world.send("meeting:2")
    await world.send("meeting:3")

    # The third prompt's work item is retried (its first delivery's answer was lost): it goes, and it does not
    # count as a fourth unanswered prompt.
    assert await world.send("meeting:3")

    assert await world.paused_until(AISHA) is None
    assert [p.ref for p in world.prompts.of(AISHA)] == ["meeting:1", "meeting:2", "meeting:3"]
    assert world.texts_to(AISHA)[-1] == "prompt meeting:3"


async def test_someone_elses_prompts_do_not_count(world: World) -> None:
    await world.send("meeting:1", person=BEN)
    await world.send("meeting:2", person=BEN)
    await world.send("meeting:3")
    await world.send("meeting:4")

    assert await world.send("meeting:5")
    assert await world.send("meeting:6", person=BEN)

    assert await world.paused_until(AISHA) is None
    assert await world.paused_until(BEN) is None


async def test_a_failed_delivery_records_nothing(world: World) -> None:
    class Failing(RecordingNotifier):
        async def send(self, recipient: object, message: OutboundMessage) -> None:
            raise DeliveryFailed("Teams is down", permanent=False)

    with pytest.raises(DeliveryFailed):
        await world.prompter.send(
            Failing(), TENANT, AISHA, PromptKind.SURVEY, "survey:1:baseline", OutboundMessage("p", text="p")
        )

    assert world.prompts.of(AISHA) == []


async def test_a_ref_must_be_short_and_present(world: World) -> None:
    for ref in ("", "x" * 121):
        with pytest.raises(ValueError, match="ref"):
            await world.send(ref)
    assert world.notifier.sent == []
