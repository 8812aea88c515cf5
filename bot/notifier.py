"""The Teams notifier: delivers :mod:`programme.notifier` messages through the Bot Connector.

A person is reached through the conversation reference the bot stored when they last wrote to it; with none, the
bot creates its 1:1 chat with them (Teams accepts the person's Entra object id as the member id when the app is
installed for them) and stores that chat's reference, so the next message reuses it.

Every request waits for a :class:`~bot.pacing.Pacer` slot first. Brief failures (412, 429, 502, 503, 504 and
network errors) are retried with exponential backoff and full jitter, never sooner than the platform's
``Retry-After``; what is left becomes :class:`~programme.notifier.DeliveryFailed`.

botbuilder runs our callback inside its turn pipeline, whose ``on_turn_error`` logs an exception and swallows
it. The callbacks here therefore catch everything themselves and the notifier re-raises it once botbuilder has
returned: a failed send can never look like a delivered one.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import timedelta

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference

from bot.delivery_errors import Problem, classify
from bot.pacing import Pacer
from programme.clock import Clock
from programme.contacts import Address, ContactBook
from programme.identity import PersonId, TenantId
from programme.notifier import ConversationRecipient, DeliveryFailed, OutboundMessage, PersonRecipient, Recipient

log = logging.getLogger(__name__)

TEAMS_CHANNEL = "msteams"
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniformly in [0, min(cap, base * 2**(n-1))].

    ``max_attempts`` counts every try, the first included. A ``Retry-After`` longer than ``cap`` is not slept
    through inside one send: the failure is handed back with that wait, for the caller to reschedule.
    """

    max_attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    random: Callable[[], float] = field(default=random.random, repr=False)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def backoff(self, failed_attempts: int) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** (failed_attempts - 1))
        return self.random() * ceiling


@dataclass
class _Route:
    """Where one message goes; ``reference`` is None until a person's chat exists."""

    tenant: TenantId
    label: str
    reference: ConversationReference | None
    person: PersonId | None = None

    @property
    def conversation_id(self) -> str | None:
        conversation = self.reference.conversation if self.reference is not None else None
        return conversation.id if conversation is not None else None

    @property
    def pacing_key(self) -> Hashable:
        # Before the chat exists its id is unknown; creating it is paced (and paused) under the person instead.
        return self.conversation_id or ("new 1:1 chat", self.person)


class TeamsNotifier:
    def __init__(
        self,
        adapter: CloudAdapterBase,
        app_id: str,
        contacts: ContactBook,
        pacer: Pacer,
        *,
        service_url: str = DEFAULT_SERVICE_URL,
        clock: Clock,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._contacts = contacts
        self._pacer = pacer
        self._service_url = service_url
        self._clock = clock
        self._retry = retry or RetryPolicy()

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        route = await self._route(recipient)
        activity = _activity(message)
        failed_attempts = 0
        while True:
            try:
                if route.reference is None:
                    await self._create_and_send(route, activity)
                else:
                    await self._continue_and_send(route, route.reference, activity)
                return
            except Exception as error:
                failed_attempts += 1
                problem = classify(error, self._clock.now())
                wait = self._next_wait(problem, failed_attempts)
                self._log_failure(route, message, problem, error, failed_attempts, wait)
                if problem is None:
                    raise DeliveryFailed(f"unexpected {type(error).__name__}", permanent=False) from error
                if wait is None:
                    raise DeliveryFailed(
                        problem.reason,
                        permanent=problem.permanent,
                        retry_after=_seconds(problem.retry_after),
                        recipient_unreachable=problem.recipient_unreachable,
                    ) from error
                if problem.retry_after is not None:
                    # Hold back every other send to this conversation too; a 429 for the tenant-wide limit looks
                    # the same, so the conversation is all that can be paused with confidence.
                    self._pacer.pause_conversation(route.pacing_key, problem.retry_after)
                await self._retry.sleep(wait)

    # Routes -------------------------------------------------------------------------------------------------

    async def _route(self, recipient: Recipient) -> _Route:
        match recipient:
            case PersonRecipient(tenant=tenant, person=person):
                contact = await self._contacts.find(tenant, person)
                reference = _usable_reference(contact.address) if contact is not None else None
                return _Route(tenant, f"person {person}", reference, person)
            case ConversationRecipient(tenant=tenant, address=address, label=label):
                reference = _usable_reference(address)
                if reference is None:
                    raise DeliveryFailed(f"{label}: the stored address names no conversation", permanent=True)
                return _Route(tenant, label, reference)

    async def _continue_and_send(self, route: _Route, reference: ConversationReference, activity: Activity) -> None:
        caught: list[Exception] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                _post_to_conversation(turn_context)
                await turn_context.send_activity(activity)
            except Exception as error:
                caught.append(error)

        # The slot is taken before botbuilder builds its connector client and turn, so a thousand queued sends
        # hold a thousand small waiters rather than a thousand clients, and grant and request stay close.
        await self._pacer.acquire(route.tenant.value, route.pacing_key)
        await self._adapter.continue_conversation(reference, callback, bot_app_id=self._app_id)
        _reraise(caught)

    async def _create_and_send(self, route: _Route, activity: Activity) -> None:
        assert route.person is not None, "only a person's route starts without a conversation"
        person, tenant = route.person, route.tenant
        caught: list[Exception] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                reference = _created_reference(turn_context, person)
                # Stored before sending: if the send fails, the retry (and every later message) reuses this chat
                # instead of creating it again; if storing fails, nothing has been sent, so the failure is true.
                await self._contacts.remember(tenant, person, reference.serialize(), self._clock.now())
                route.reference = reference
                _post_to_conversation(turn_context)
                await self._pacer.acquire(tenant.value, route.pacing_key)
                await turn_context.send_activity(activity)
            except Exception as error:
                caught.append(error)

        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}") if self._app_id else None,
            members=[ChannelAccount(id=person.value)],
            tenant_id=tenant.value,
            channel_data={"tenant": {"id": tenant.value}},
        )
        # Creating a conversation counts against the same limits.
        await self._pacer.acquire(tenant.value, route.pacing_key)
        await self._adapter.create_conversation(
            self._app_id,
            callback,
            parameters,
            channel_id=TEAMS_CHANNEL,
            service_url=self._service_url,
            audience=None,
        )
        _reraise(caught)

    # Failures -----------------------------------------------------------------------------------------------

    def _next_wait(self, problem: Problem | None, failed_attempts: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if problem is None or not problem.retry or failed_attempts >= self._retry.max_attempts:
            return None
        platform_wait = problem.retry_after or 0.0
        if platform_wait > self._retry.cap:
            return None
        return max(platform_wait, self._retry.backoff(failed_attempts))

    def _log_failure(
        self,
        route: _Route,
        message: OutboundMessage,
        problem: Problem | None,
        error: Exception,
        attempt: int,
        wait: float | None,
    ) -> None:
        outcome = f"retrying in {wait:.2f} s" if wait is not None else "giving up"
        if problem is None:
            log.error(
                "could not send %r to %s (tenant %s, conversation %s), attempt %d: unexpected %s; %s",
                message.summary,
                route.label,
                route.tenant,
                route.conversation_id or "(new)",
                attempt,
                type(error).__name__,
                outcome,
                exc_info=(type(error), error, error.__traceback__),
            )
            return
        # A retry is routine under throttling; only giving up needs someone's attention.
        log.log(
            logging.INFO if wait is not None else logging.WARNING,
            "could not send %r to %s (tenant %s, conversation %s), attempt %d: %s; %s",
            message.summary,
            route.label,
            route.tenant,
            route.conversation_id or "(new)",
            attempt,
            _describe(problem),
            outcome,
        )


def _describe(problem: Problem) -> str:
    parts = [problem.reason]
    if problem.status is not None and str(problem.status) not in problem.reason:
        parts.append(f"HTTP {problem.status}")
    if problem.code:
        parts.append(problem.code)
    if problem.retry_after is not None:
        parts.append(f"Retry-After {problem.retry_after:g} s")
    return ", ".join(parts)


def _activity(message: OutboundMessage) -> Activity:
    # Text and card travel as one activity: one request against the rate limits, and a retry can never deliver
    # the text twice because only the card failed.
    if message.card is None:
        return MessageFactory.text(message.text)
    return MessageFactory.attachment(CardFactory.adaptive_card(dict(message.card)), text=message.text)


def _usable_reference(address: Address | None) -> ConversationReference | None:
    if not address:
        return None
    try:
        reference = ConversationReference.deserialize(dict(address))
    except Exception:
        # A stored address we cannot read is as good as none; never let it stop a message.
        log.warning("ignored a stored conversation address that is not a conversation reference")
        return None
    if reference is None or reference.conversation is None or not reference.conversation.id:
        return None
    if not reference.service_url:
        return None
    return reference


def _created_reference(turn_context: TurnContext, person: PersonId) -> ConversationReference:
    """The new chat's reference, shaped like the ones the bot stores from a person's own messages."""
    reference = TurnContext.get_conversation_reference(turn_context.activity)
    # botbuilder invents an activity id for the synthetic "created" activity; it means nothing later.
    reference.activity_id = None
    reference.user = ChannelAccount(aad_object_id=person.value)
    if reference.conversation is not None:
        reference.conversation.conversation_type = "personal"
    return reference


def _post_to_conversation(turn_context: TurnContext) -> None:
    # botbuilder gives the synthetic proactive activity a made-up id and then sends every message as a reply to
    # it (POST .../activities/{made-up id}). Without the id the message is posted to the conversation itself.
    turn_context.activity.id = None


def _reraise(caught: list[Exception]) -> None:
    if caught:
        raise caught[0]


def _seconds(value: float | None) -> timedelta | None:
    return timedelta(seconds=value) if value is not None else None
