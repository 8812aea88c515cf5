"""Messages sent later: the work kind that delivers an :class:`OutboundMessage` to a person or a conversation.

Programme features (introductions, reminders, check-ins) schedule their messages through :func:`schedule_message`
with a key that names the occasion, so a feature that runs twice still sends once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from programme.errors import InvalidInput
from programme.identity import PersonId, TenantId
from programme.notifier import ConversationRecipient, Notifier, OutboundMessage, PersonRecipient, Recipient
from programme.sweeper import ASKED_FOR, NUDGE, WorkHandler
from programme.work import FORGET_ON_DELIVERY, NewWork, WorkItem, WorkQueue

MESSAGE = "message"
ABOUT = "about"


async def schedule_message(
    queue: WorkQueue,
    *,
    key: str,
    tenant: TenantId,
    person: PersonId,
    message: OutboundMessage,
    due_at: datetime,
    now: datetime,
    nudge: bool = False,
    forget_on_delivery: bool = False,
    about: PersonId | None = None,
    asked_for: bool = False,
) -> bool:
    """Enqueue a message for one person; False when this key was scheduled before (nothing changes).

    A ``nudge`` (a reminder or prompt to a participant, which they did not ask for) is checked again just before it
    goes, and held back while the person has paused or after they have left the programme. Messages to coordinators
    are never nudges: a coordinator need not be taking part to be told things.

    ``asked_for`` marks the answer to something the pair just did (a booking they made, a time their partner
    chose): it goes straight away rather than waiting for working hours, as a reply in the chat would."""
    payload = _payload(message)
    if nudge:
        payload[NUDGE] = True
    if forget_on_delivery:
        payload[FORGET_ON_DELIVERY] = True
    if asked_for:
        payload[ASKED_FOR] = True
    if about is not None:
        # Lets erasure find messages to others that name this person.
        payload[ABOUT] = about.value
    return await queue.enqueue(
        NewWork(kind=MESSAGE, idempotency_key=key, tenant=tenant, recipient=person, due_at=due_at, payload=payload),
        now,
    )


async def schedule_conversation_message(
    queue: WorkQueue,
    *,
    key: str,
    tenant: TenantId,
    address: Mapping[str, Any],
    label: str,
    message: OutboundMessage,
    due_at: datetime,
    now: datetime,
) -> bool:
    """Enqueue a message for a conversation the bot is in (e.g. a pair's chat)."""
    payload = {**_payload(message), "conversation": dict(address), "label": label}
    return await queue.enqueue(
        NewWork(kind=MESSAGE, idempotency_key=key, tenant=tenant, recipient=None, due_at=due_at, payload=payload),
        now,
    )


def message_handler(notifier: Notifier) -> WorkHandler:
    async def deliver(item: WorkItem) -> None:
        await notifier.send(_recipient(item), _message(item.payload))

    return deliver


def _payload(message: OutboundMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {"summary": message.summary}
    if message.text is not None:
        payload["text"] = message.text
    if message.card is not None:
        payload["card"] = dict(message.card)
    return payload


def _recipient(item: WorkItem) -> Recipient:
    if item.recipient is not None:
        return PersonRecipient(tenant=item.tenant, person=item.recipient)
    conversation = item.payload.get("conversation")
    if not isinstance(conversation, Mapping) or not conversation:
        raise InvalidInput(f"work item {item.id} has neither a recipient nor a conversation")
    label = item.payload.get("label")
    return ConversationRecipient(
        tenant=item.tenant, address=conversation, label=label if isinstance(label, str) else "conversation"
    )


def _message(payload: Mapping[str, Any]) -> OutboundMessage:
    text = payload.get("text")
    card = payload.get("card")
    summary = payload.get("summary")
    try:
        return OutboundMessage(
            summary=summary if isinstance(summary, str) else "message",
            text=text if isinstance(text, str) else None,
            card=card if isinstance(card, Mapping) else None,
        )
    except ValueError as error:
        raise InvalidInput(f"a stored message is unusable: {error}") from None
