"""Raising a concern: the words reach the configured contacts (or the coordinators) privately and promptly, and
nothing of them stays once delivered: not in the work queue, the audit log or the logs."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from programme.audit import AuditEntry
from programme.concerns import (
    AUDIT_ACTION,
    MAX_CONCERN,
    NOBODY_TO_TELL,
    SOMEONE,
    SUMMARY,
    TEXT_FIELD,
    Concern,
    ConcernContext,
    Concerns,
    ConcernSent,
    NobodyToTell,
    is_form_token,
)
from programme.coordinators import Coordinators, RosterEntry
from programme.deliveries import MESSAGE, message_handler
from programme.errors import InvalidFields
from programme.identity import PersonId
from programme.notifier import OutboundMessage, PersonRecipient
from programme.nudge_policy import NudgePolicy
from programme.sweeper import ASKED_FOR, NUDGE, Sweeper
from programme.work import FORGET_ON_DELIVERY, WorkItem, WorkState
from programme.working_hours import WorkingHours
from tests.programme.builders import AISHA, BEN, COORDINATOR, LONDON, SECOND_COORDINATOR, TENANT, person
from tests.support.fakes import (
    DEFAULT_NOW,
    FakeClock,
    InMemoryAuditLog,
    InMemoryContactBook,
    InMemoryCoordinatorRoster,
    InMemoryWorkQueue,
)
from tests.support.programme_fakes import InMemoryApplicationStore, InMemoryParticipantStore
from tests.support.recording_messages import RecordingNotifier

# Distinctive, so a scan for it cannot mistake anything else for it.
WORDS = "My partner keeps making comments about Quillbury people that leave me shaken."
GUARDIAN = person(70)
WELLBEING_LEAD = person(71)
# Saturday 23:30 in London: as far from working hours as it gets.
SATURDAY_NIGHT = datetime(2025, 3, 8, 23, 30, tzinfo=UTC)


class TextConcernMessages:
    """Puts everything the contact would see into plain text, so tests can read it."""

    def __init__(self) -> None:
        self.built: list[Concern] = []

    def to_contact(self, concern: Concern) -> OutboundMessage:
        self.built.append(concern)
        return OutboundMessage(
            summary=SUMMARY,
            text=f"{concern.display_name} ({concern.person}) {concern.context.described}: {concern.text} "
            f"[may contact: {concern.may_contact}]",
        )


class World:
    def __init__(self, *, contacts: frozenset[PersonId] = frozenset(), coordinators: bool = True) -> None:
        self.clock = FakeClock()
        self.work = InMemoryWorkQueue()
        self.audit = InMemoryAuditLog()
        self.messages = TextConcernMessages()
        roster = InMemoryCoordinatorRoster(
            [RosterEntry(person=SECOND_COORDINATOR, added_by=COORDINATOR, added_at=DEFAULT_NOW)] if coordinators else []
        )
        self.coordinators = Coordinators(roster, frozenset({COORDINATOR}) if coordinators else frozenset(), self.clock)
        self.concerns = Concerns(
            coordinators=self.coordinators,
            work=self.work,
            audit=self.audit,
            messages=self.messages,
            clock=self.clock,
            zone=LONDON,
            contacts=contacts,
            role="the Freedom to Speak Up Guardian" if contacts else "the programme coordinators",
        )
        self.notifier = RecordingNotifier()
        self.sweeper = Sweeper(
            queue=self.work,
            handlers={MESSAGE: message_handler(self.notifier)},
            contacts=InMemoryContactBook(),
            clock=self.clock,
            working_hours=WorkingHours(LONDON),
            owner="sweeper-concerns",
            # Aisha has never signed up, so every nudge to anyone not taking part would be held.
            nudge_check=NudgePolicy(InMemoryParticipantStore(), InMemoryApplicationStore(), LONDON).reason_to_hold,
        )

    async def raise_one(
        self,
        text: str = WORDS,
        *,
        by: PersonId = AISHA,
        context: ConcernContext = ConcernContext.REFLECTION,
        may_contact: bool = True,
        form: str | None = None,
    ) -> ConcernSent:
        return await self.concerns.raise_concern(
            by, TENANT, text, context, may_contact, display_name="Aisha Khan", form=form
        )

    def items(self) -> list[WorkItem]:
        return [self.work.items[key] for key in sorted(self.work.items)]

    def recipients(self) -> list[PersonId]:
        return sorted(r.person for r, _ in self.notifier.sent if isinstance(r, PersonRecipient))


@pytest.fixture
def world() -> World:
    return World()


async def test_without_configured_contacts_it_goes_to_every_coordinator_privately(world: World) -> None:
    await world.raise_one()

    items = world.items()
    assert sorted(item.recipient for item in items if item.recipient) == [COORDINATOR, SECOND_COORDINATOR]
    for item in items:
        assert item.kind == MESSAGE
        assert item.tenant == TENANT
        # Never a nudge (a pause or withdrawal must not silence it), and straight away rather than at 9 tomorrow.
        assert NUDGE not in item.payload
        assert item.payload[ASKED_FOR] is True
        assert item.payload[FORGET_ON_DELIVERY] is True
        assert item.due_at == DEFAULT_NOW
        # Keys outlive the message: they name the form and the reader, never who raised it.
        assert AISHA.value not in item.idempotency_key
    await world.sweeper.sweep_until_idle()
    assert world.recipients() == [COORDINATOR, SECOND_COORDINATOR]


async def test_the_person_is_told_exactly_who_will_read_it(world: World) -> None:
    sent = await world.concerns.raise_concern(AISHA, TENANT, WORDS, ConcernContext.CHECK_IN, False)

    assert (sent.role, sent.readers, sent.may_contact, sent.already_sent) == (
        "the programme coordinators",
        2,
        False,
        False,
    )


async def test_configured_contacts_receive_it_and_the_coordinators_do_not() -> None:
    world = World(contacts=frozenset({GUARDIAN, WELLBEING_LEAD}))

    sent = await world.raise_one()
    await world.sweeper.sweep_until_idle()

    assert world.recipients() == sorted([GUARDIAN, WELLBEING_LEAD])
    assert (sent.role, sent.readers) == ("the Freedom to Speak Up Guardian", 2)


async def test_the_message_names_the_person_and_where_it_was_raised_and_nothing_else(world: World) -> None:
    await world.raise_one(context=ConcernContext.REFLECTION, may_contact=True)

    [concern] = world.messages.built
    assert concern.person == AISHA
    assert concern.display_name == "Aisha Khan"
    assert concern.context.described == "from a reflection card"
    assert concern.text == WORDS
    assert concern.may_contact is True
    assert concern.raised_at == DEFAULT_NOW.astimezone(LONDON)
    assert concern.role == "the programme coordinators"


async def test_it_goes_at_once_even_at_night_and_for_someone_not_taking_part(world: World) -> None:
    world.clock.set(SATURDAY_NIGHT)

    await world.raise_one()
    report = await world.sweeper.sweep_until_idle()

    assert (report.done, report.deferred, report.held) == (2, 0, 0)
    assert world.recipients() == [COORDINATOR, SECOND_COORDINATOR]


async def test_the_words_are_forgotten_once_delivered(world: World) -> None:
    await world.raise_one()
    before = world.items()
    assert all(WORDS in json.dumps(item.payload) for item in before)

    await world.sweeper.sweep_until_idle()

    assert all(WORDS in (message.text or "") for _, message in world.notifier.sent)
    for item in world.items():
        assert item.state is WorkState.DONE
        assert item.payload == {"summary": SUMMARY, "redacted": True}
        stored = repr(item)
        assert "Quillbury" not in stored
        assert "Aisha" not in stored
        assert AISHA.value not in stored


async def test_the_audit_says_a_concern_was_raised_and_where_from_but_not_by_whom_nor_what(world: World) -> None:
    await world.raise_one(context=ConcernContext.STALLED)

    assert world.audit.entries == [
        AuditEntry(
            at=DEFAULT_NOW,
            actor=SOMEONE,
            action=AUDIT_ACTION,
            outcome="passed on",
            target=None,
            detail={"context": "stalled", "readers": 2, "route": "coordinators"},
        )
    ]
    assert "Quillbury" not in repr(world.audit.entries)
    assert AISHA.value not in repr(world.audit.entries)


async def test_the_audit_names_the_route_to_configured_contacts() -> None:
    world = World(contacts=frozenset({GUARDIAN}))

    await world.raise_one()

    [entry] = world.audit.entries
    assert entry.detail == {"context": "reflection", "readers": 1, "route": "configured contacts"}


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", "\u200b\u0000"])
async def test_nothing_to_send_is_asked_for_kindly_beside_the_box(world: World, text: str) -> None:
    with pytest.raises(InvalidFields) as raised:
        await world.raise_one(text)

    assert list(raised.value.problems) == [TEXT_FIELD]
    assert "nothing to send yet" in raised.value.problems[TEXT_FIELD]
    assert world.work.items == {}
    assert world.audit.entries == []


async def test_a_concern_at_the_limit_goes_and_one_over_is_refused_kindly(world: World) -> None:
    await world.raise_one("x" * MAX_CONCERN)
    assert len(world.work.items) == 2

    with pytest.raises(InvalidFields) as raised:
        await world.raise_one("y" * (MAX_CONCERN + 1))
    assert "2,000 characters" in raised.value.problems[TEXT_FIELD]
    with pytest.raises(InvalidFields):
        await world.raise_one("z" * 1_000_000)
    assert len(world.work.items) == 2
    assert len(world.audit.entries) == 1


async def test_spacing_is_tidied_but_line_breaks_are_kept(world: World) -> None:
    await world.raise_one("  First   thing.\r\n\r\n\r\nSecond\u202e thing.  ")

    assert world.messages.built[0].text == "First thing.\n\nSecond thing."


async def test_sending_the_same_form_twice_delivers_once(world: World) -> None:
    form = "0123456789abcdef0123456789abcdef"

    first = await world.raise_one(form=form)
    again = await world.raise_one(form=form)

    assert first.already_sent is False
    assert again.already_sent is True
    assert len(world.work.items) == 2
    assert len(world.audit.entries) == 1


@pytest.mark.parametrize("form", [None, "", "not-a-token", "0123456789ABCDEF0123456789ABCDEF", "0" * 33])
async def test_a_missing_or_damaged_form_token_never_stops_a_concern(world: World, form: str | None) -> None:
    await world.raise_one(form=form)
    await world.raise_one(form=form)

    # Each send stands on its own: without a token there is nothing to say the second was the first again.
    assert len(world.work.items) == 4


async def test_nobody_to_tell_is_said_kindly_and_logged_without_the_words(caplog: pytest.LogCaptureFixture) -> None:
    world = World(coordinators=False)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(NobodyToTell) as raised:
        await world.raise_one()

    assert raised.value.user_message == NOBODY_TO_TELL
    assert "999" in NOBODY_TO_TELL
    assert world.work.items == {}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "a concern was raised but nobody is set up to receive it: set REMEDI_CONCERN_CONTACTS or add a coordinator"
    ]
    assert "Quillbury" not in caplog.text
    assert AISHA.value not in caplog.text


async def test_nobody_is_sent_their_own_concern(world: World) -> None:
    alone = World(contacts=frozenset({AISHA}))
    with pytest.raises(NobodyToTell):
        await alone.raise_one(by=AISHA)

    await world.raise_one(by=COORDINATOR)
    assert [item.recipient for item in world.items()] == [SECOND_COORDINATOR]


async def test_the_form_says_whether_anyone_can_receive_it(world: World) -> None:
    form = await world.concerns.form(AISHA, ConcernContext.HELP)
    assert (form.role, form.context, form.can_send) == ("the programme coordinators", ConcernContext.HELP, True)
    assert is_form_token(form.form)
    assert (await world.concerns.form(AISHA, ConcernContext.HELP)).form != form.form
    # Shown again after a problem, it keeps its token, so Send still counts once.
    assert (await world.concerns.form(AISHA, ConcernContext.HELP, form=form.form)).form == form.form

    nobody = await World(coordinators=False).concerns.form(AISHA, ConcernContext.HELP)
    assert nobody.can_send is False


async def test_the_logs_never_hold_the_words_nor_who(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    await world.raise_one()
    await world.sweeper.sweep_until_idle()

    assert "a concern was raised (reflection) and passed to 2 people" in caplog.text
    assert "Quillbury" not in caplog.text
    assert "Aisha" not in caplog.text
    assert AISHA.value not in caplog.text


def test_a_role_is_needed_and_kept_short() -> None:
    world = World()
    for role in ("", "x" * 121):
        with pytest.raises(ValueError, match="contact role"):
            Concerns(
                coordinators=world.coordinators,
                work=world.work,
                audit=world.audit,
                messages=world.messages,
                clock=world.clock,
                zone=LONDON,
                role=role,
            )


def test_every_context_is_described() -> None:
    for context in ConcernContext:
        assert context.described.startswith(("from ", "by "))


async def test_a_partner_is_never_a_reader(world: World) -> None:
    await world.raise_one(by=AISHA)
    await world.sweeper.sweep_until_idle()

    assert BEN not in world.recipients()
