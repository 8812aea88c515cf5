"""Prompts: the bot's questions that expect an answer ("did you meet?", a reflection, a survey, a stalled pair's
nudge), and what happens when someone stops answering them.

Someone who leaves three prompts in a row unanswered is probably busy, away, or not finding the prompts useful.
Carrying on would only add to their inbox, so the bot pauses its reminders for a while, tells them so kindly and
how to have them back ('resume'), and forgets those three: resuming starts a fresh count.

Every prompt goes through :meth:`Prompter.send`, which decides this when the prompt is about to go (not when it
was scheduled) and records the prompt; whatever takes the person's answer calls :meth:`Prompter.answered`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from programme.clock import Clock
from programme.identity import PersonId, TenantId
from programme.notifier import Notifier, OutboundMessage, PersonRecipient
from programme.participants import ParticipantStore

IGNORED_IN_A_ROW = 3
# Long enough to be a real break from the programme's messages, short enough that the programme is still running.
PAUSE_FOR = timedelta(weeks=4)
MAX_REF = 120


class PromptKind(StrEnum):
    DID_YOU_MEET = "did-you-meet"
    REFLECTION = "reflection"
    STALLED = "stalled"
    SURVEY = "survey"


@dataclass(frozen=True)
class Prompt:
    person: PersonId
    kind: PromptKind
    # What the prompt was about, e.g. "meeting:12" or "survey:3:baseline": one prompt per person, kind and ref.
    ref: str
    sent_at: datetime
    answered_at: datetime | None = None
    # Set when the person was paused for leaving it unanswered, so it no longer counts against them.
    closed_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.answered_at is None and self.closed_at is None


class PromptStore(Protocol):
    async def record(self, person: PersonId, kind: PromptKind, ref: str, at: datetime) -> bool:
        """Remember that the prompt was sent; False (no change) when it was recorded before."""
        ...

    async def answered(self, person: PersonId, kind: PromptKind, ref: str, at: datetime) -> None:
        """The person answered it (at the first answer; later ones change nothing). Unknown prompts are ignored:
        someone may answer from a card sent before prompts were recorded."""
        ...

    async def recent(self, person: PersonId, limit: int) -> Sequence[Prompt]:
        """The person's latest prompts, newest first."""
        ...

    async def close_open(self, person: PersonId, at: datetime) -> int:
        """Stop counting every open prompt of the person; returns how many."""
        ...


def paused_text(until_day: str) -> str:
    return (
        "I've sent you a few messages lately that you haven't had a chance to answer, which is completely fine: "
        f"life gets busy. So I've paused my reminders until {until_day}. Nothing else changes, and your partner "
        "isn't told. Type 'resume' whenever you'd like them back, or 'withdraw' if this isn't the right time for "
        "the programme. Your coordinator is always happy to talk."
    )


class Prompter:
    def __init__(
        self,
        *,
        prompts: PromptStore,
        participants: ParticipantStore,
        clock: Clock,
        zone: tzinfo,
    ) -> None:
        self._prompts = prompts
        self._participants = participants
        self._clock = clock
        self._zone = zone

    async def send(
        self,
        notifier: Notifier,
        tenant: TenantId,
        person: PersonId,
        kind: PromptKind,
        ref: str,
        message: OutboundMessage,
    ) -> bool:
        """Send the prompt through ``notifier`` (a work handler's), or, when the person left the last three
        unanswered, pause them and say so instead.

        Returns whether the prompt itself went. A failed delivery raises (the work queue retries it) and records
        nothing."""
        if not ref or len(ref) > MAX_REF:
            raise ValueError(f"a prompt's ref is 1 to {MAX_REF} characters")
        now = self._clock.now()
        recent = await self._prompts.recent(person, IGNORED_IN_A_ROW)
        already_sent = any(p.kind is kind and p.ref == ref for p in recent)
        if not already_sent and len(recent) == IGNORED_IN_A_ROW and all(p.open for p in recent):
            until = (now + PAUSE_FOR).astimezone(self._zone).date()
            # The pause is what stops the next prompts; the message says why, once, as part of this same item.
            await notifier.send(
                PersonRecipient(tenant, person),
                OutboundMessage(summary="reminders paused after unanswered prompts", text=paused_text(_day(until))),
            )
            await self._participants.set_pause(person, until, now)
            await self._prompts.close_open(person, now)
            return False
        await notifier.send(PersonRecipient(tenant, person), message)
        await self._prompts.record(person, kind, ref, now)
        return True

    async def answered(self, person: PersonId, kind: PromptKind, ref: str) -> None:
        await self._prompts.answered(person, kind, ref, self._clock.now())


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B}"
