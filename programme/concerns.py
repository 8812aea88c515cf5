"""The safety valve: anyone can raise a concern privately, from the card in front of them or by typing a command.

Sharing lived experience can bring up hard things, and a pair's conversations can touch on safeguarding. The
person writes a short message; it goes to the configured contacts (a Freedom to Speak Up Guardian, a wellbeing
lead) or, when none are configured, to the programme coordinators, and to nobody else: never to their partner.

What the bot keeps is as little as it can be:

* the message travels through the durable work queue (so a restart cannot lose it) marked to be forgotten on
  delivery: once it has reached a contact, only the words "concern raised" remain of it;
* the audit log records that a concern was raised, from where and to how many people, but never the words and
  never who raised it. Coordinators can read the audit log, and a concern sent to a Freedom to Speak Up Guardian
  may be about the programme itself, so the record must not tell them what the concern did not;
* logs say the same as the audit log, and nothing more.

A concern is sent straight away, not held for working hours: the person has just been told it has been sent, the
words sit in the database only until delivery (holding them over a weekend would keep them for days), and Teams
already keeps to each contact's own quiet hours. The person is told that contacts read messages in working hours
and that the bot is no emergency service. It is never a nudge: a pause or a withdrawal must not silence it.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Protocol, TypeGuard

from programme.audit import AuditEntry, AuditLog
from programme.clock import Clock
from programme.coordinators import Coordinators
from programme.deliveries import schedule_message
from programme.errors import Conflict, InvalidFields
from programme.identity import PersonId, TenantId
from programme.notifier import OutboundMessage
from programme.text import clean_line, clean_paragraph
from programme.work import WorkQueue

log = logging.getLogger(__name__)

MAX_CONCERN = 2000
# Far beyond the limit: text this long came from a paste gone wrong or an edited card, and is not worth tidying
# only to be refused.
_MAX_RAW_CONCERN = 4 * MAX_CONCERN
DEFAULT_CONTACT_ROLE = "the programme coordinators"
MAX_ROLE_LENGTH = 120
MAX_NAME_LENGTH = 200
TEXT_FIELD = "text"
SUMMARY = "concern raised"
AUDIT_ACTION = "concern raised"
# The nil UUID, which Entra never gives anyone: the audit's actor for a concern, whose raiser it does not record.
SOMEONE = PersonId("00000000-0000-0000-0000-000000000000")
_FORM_TOKEN = re.compile(r"[0-9a-f]{32}")


class ConcernContext(StrEnum):
    """Where a concern was raised from: said to the contacts so they know what it is likely about."""

    REMINDER = "reminder"
    CHECK_IN = "check-in"
    REFLECTION = "reflection"
    SURVEY = "survey"
    STALLED = "stalled"
    HELP = "help"
    COMMAND = "command"
    # A button whose context was lost or damaged: the concern still goes, just without saying where from.
    OTHER = "other"

    @property
    def described(self) -> str:
        return _DESCRIBED[self]


_DESCRIBED = {
    ConcernContext.REMINDER: "from a meeting reminder",
    ConcernContext.CHECK_IN: "from a 'did you meet?' check-in",
    ConcernContext.REFLECTION: "from a reflection card",
    ConcernContext.SURVEY: "from a survey",
    ConcernContext.STALLED: "from a reminder to book a meeting",
    ConcernContext.HELP: "from the help card",
    ConcernContext.COMMAND: "by typing 'raise a concern'",
    ConcernContext.OTHER: "from a card in ReMEDI bot",
}


def is_form_token(raw: object) -> TypeGuard[str]:
    return isinstance(raw, str) and bool(_FORM_TOKEN.fullmatch(raw))


@dataclass(frozen=True)
class ConcernForm:
    """What the form needs: who will read the concern, where it was opened from, and its token (which makes a
    second click of the same form's Send a no-op)."""

    role: str
    context: ConcernContext
    form: str
    # False when nobody is set up to receive concerns: the form says so instead of inviting someone to write.
    can_send: bool


@dataclass(frozen=True)
class Concern:
    """One concern as a contact receives it: who raised it, from where, and their words. Nothing else of theirs."""

    person: PersonId
    display_name: str
    context: ConcernContext
    text: str
    may_contact: bool
    raised_at: datetime  # in the programme's time zone
    role: str


@dataclass(frozen=True)
class ConcernSent:
    """What the person is told: exactly who will read it, and what happens next."""

    role: str
    readers: int
    may_contact: bool
    # The same form was sent before (a second click of Send): nothing new went anywhere.
    already_sent: bool = False


class NobodyToTell(Conflict):
    """No contact is configured and there are no coordinators (or the only one is the person raising it)."""


NOBODY_TO_TELL = (
    "I'm sorry: nobody is set up to receive concerns through me yet, so I haven't sent this. Please speak to your "
    "line manager, your Freedom to Speak Up Guardian or your safeguarding lead directly. If you or anyone else is in "
    "immediate danger, call 999."
)


class ConcernMessages(Protocol):
    def to_contact(self, concern: Concern) -> OutboundMessage:
        """The message a contact receives. Its ``summary`` must name no one and quote nothing."""
        ...


class Concerns:
    def __init__(
        self,
        *,
        coordinators: Coordinators,
        work: WorkQueue,
        audit: AuditLog,
        messages: ConcernMessages,
        clock: Clock,
        zone: tzinfo,
        contacts: frozenset[PersonId] = frozenset(),
        role: str = DEFAULT_CONTACT_ROLE,
    ) -> None:
        if not role or len(role) > MAX_ROLE_LENGTH:
            raise ValueError("the contact role is 1 to 120 characters")
        self._coordinators = coordinators
        self._work = work
        self._audit = audit
        self._messages = messages
        self._clock = clock
        self._zone = zone
        self._contacts = contacts
        self.role = role

    async def form(self, person: PersonId, context: ConcernContext, *, form: str | None = None) -> ConcernForm:
        """The form for the person: a fresh one, or the one with token ``form`` shown again (after a problem)."""
        return ConcernForm(
            role=self.role,
            context=context,
            form=form if is_form_token(form) else secrets.token_hex(16),
            can_send=bool(await self._readers(person)),
        )

    async def raise_concern(
        self,
        person: PersonId,
        tenant: TenantId,
        text: str,
        context: ConcernContext,
        may_contact: bool,
        *,
        display_name: str = "",
        form: str | None = None,
    ) -> ConcernSent:
        """Send the person's words privately to every contact. ``form`` is the token of the form they used (None
        for none, or a damaged one: the concern still goes). :class:`InvalidFields` (keyed ``text``) for an empty
        or overlong message; :class:`NobodyToTell` when there is nobody to send it to."""
        words = _checked(text)
        readers = await self._readers(person)
        if not readers:
            # The person is told; operators need to know too. Never the words, nor who.
            log.warning(
                "a concern was raised but nobody is set up to receive it: set REMEDI_CONCERN_CONTACTS or add a "
                "coordinator"
            )
            raise NobodyToTell(NOBODY_TO_TELL)
        now = self._clock.now()
        concern = Concern(
            person=person,
            display_name=clean_line(display_name)[:MAX_NAME_LENGTH] or "(name not available)",
            context=context,
            text=words,
            may_contact=may_contact,
            raised_at=now.astimezone(self._zone),
            role=self.role,
        )
        message = self._messages.to_contact(concern)
        token = form if is_form_token(form) else secrets.token_hex(16)
        sent = 0
        for reader in readers:
            # The key names the form and the reader, never the person raising it: keys outlive the message.
            if await schedule_message(
                self._work,
                key=f"concern:{token}:to:{reader.value}",
                tenant=tenant,
                person=reader,
                message=message,
                due_at=now,
                now=now,
                forget_on_delivery=True,
                # The answer to what the person just did: not held for working hours (see the module's notes).
                asked_for=True,
                # Lets erasure find it while it waits, should the person ask to be forgotten in between.
                about=person,
            ):
                sent += 1
        outcome = ConcernSent(role=self.role, readers=len(readers), may_contact=may_contact, already_sent=sent == 0)
        if sent:
            await self._audit.record(
                AuditEntry(
                    at=now,
                    actor=SOMEONE,
                    action=AUDIT_ACTION,
                    outcome="passed on",
                    target=None,
                    detail={
                        "context": context.value,
                        "readers": len(readers),
                        "route": "configured contacts" if self._contacts else "coordinators",
                    },
                )
            )
            people = "1 person" if len(readers) == 1 else f"{len(readers)} people"
            log.info("a concern was raised (%s) and passed to %s", context.value, people)
        return outcome

    async def _readers(self, person: PersonId) -> Sequence[PersonId]:
        configured = sorted(self._contacts) or [c.person for c in await self._coordinators.all()]
        # Someone raising a concern does not need to be sent their own words.
        return [reader for reader in configured if reader != person]


def _checked(raw: str) -> str:
    too_long = InvalidFields(
        {
            TEXT_FIELD: f"That's a little too long to send: please keep it to {MAX_CONCERN:,} characters (about 300 "
            "words). You could send the heart of it now and switch on 'you may contact me' to say the rest in person."
        }
    )
    if len(raw) > _MAX_RAW_CONCERN:
        raise too_long
    words = clean_paragraph(raw)
    # Only invisible characters (zero-width spaces, say) is nothing to send too.
    if not any(ch.isprintable() and not ch.isspace() for ch in words):
        raise InvalidFields(
            {TEXT_FIELD: "There's nothing to send yet. Please write a few words about what's worrying you."}
        )
    if len(words) > MAX_CONCERN:
        raise too_long
    return words
