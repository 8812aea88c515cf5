"""Reaching people who did not just write to us: the notifier port and how deliveries fail.

The core says *what* to send to *whom*; the adapter (Teams, through the Bot Connector) decides how, paces itself
under the platform's limits and retries brief failures. What it cannot overcome comes back as a
:class:`DeliveryFailed` saying whether trying again later could help.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from programme.contacts import Address
from programme.identity import PersonId, TenantId


@dataclass(frozen=True)
class OutboundMessage:
    """Text, an Adaptive Card, or both (text first). ``summary`` names it in logs and reports, never content."""

    summary: str
    text: str | None = None
    card: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.text is None and self.card is None:
            raise ValueError("a message needs text or a card")


@dataclass(frozen=True)
class PersonRecipient:
    tenant: TenantId
    person: PersonId


@dataclass(frozen=True)
class ConversationRecipient:
    """A conversation the bot is already in (e.g. a pair's group chat), by its stored address."""

    tenant: TenantId
    address: Address = field(hash=False)
    label: str = "conversation"


Recipient = PersonRecipient | ConversationRecipient


class DeliveryFailed(Exception):
    """The message did not arrive.

    ``permanent`` failures will not get better by retrying; others may, no sooner than ``retry_after`` when the
    platform said so. ``recipient_unreachable`` says the fault lies with reaching this recipient at all (they
    blocked or uninstalled the bot, the conversation is gone), as opposed to this message or our own setup (a
    malformed or oversized message, refused credentials), so that only the former is held against the person.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        retry_after: timedelta | None = None,
        recipient_unreachable: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.recipient_unreachable = recipient_unreachable


class Notifier(Protocol):
    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        """Deliver or raise :class:`DeliveryFailed`; never fail silently."""
        ...
