"""Recording stand-ins for matching's outside world: the words it says, the pair chats it makes, what it sends.

The messages are plain text that names who each one is for and what it is about ("introduction to Aisha about
Ben"), so a test can tell at a glance that the right person heard the right thing, and every call is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from programme.applications import Application
from programme.cohorts import Cohort
from programme.contracts import Contract
from programme.identity import PersonId, TenantId
from programme.notifier import OutboundMessage, Recipient
from programme.pairs import Pair
from programme.profiles import Topic


@dataclass(frozen=True)
class MessageCall:
    """One call of the port: which message, and the names (or ids) it was about."""

    kind: str
    about: tuple[str, ...]


class RecordingMatchMessages:
    """The MatchMessages port as text a test can read."""

    def __init__(self) -> None:
        self.calls: list[MessageCall] = []

    def introduction(
        self, cohort: Cohort, pair: Pair, me: Application, partner: Application, shared: tuple[Topic, ...]
    ) -> OutboundMessage:
        self.calls.append(MessageCall("introduction", (me.display_name, partner.display_name)))
        topics = ", ".join(topic.value for topic in shared) or "none"
        return OutboundMessage(
            summary="introduction",
            text=f"introduction to {me.display_name} about {partner.display_name} in {cohort.title}; shared: {topics}",
        )

    def pair_chat_introduction(
        self, cohort: Cohort, pair: Pair, mentor: Application, mentee: Application, shared: tuple[Topic, ...]
    ) -> OutboundMessage:
        self.calls.append(MessageCall("pair_chat_introduction", (mentor.display_name, mentee.display_name)))
        topics = ", ".join(topic.value for topic in shared) or "none"
        return OutboundMessage(
            summary="pair chat introduction",
            text=f"chat introduction of {mentor.display_name} and {mentee.display_name} in pair {pair.id}; "
            f"shared: {topics}",
        )

    def not_matched(self, cohort: Cohort, application: Application) -> OutboundMessage:
        self.calls.append(MessageCall("not_matched", (application.display_name,)))
        return OutboundMessage(
            summary="not matched", text=f"no partner for {application.display_name} in {cohort.title}"
        )

    def partner_left(self, cohort: Cohort, partner: Application) -> OutboundMessage:
        self.calls.append(MessageCall("partner_left", (partner.display_name,)))
        return OutboundMessage(
            summary="partner left", text=f"{partner.display_name}: your partner in {cohort.title} has stepped back"
        )

    def agreement_to_confirm(self, pair: Pair, contract: Contract, writer: Application) -> OutboundMessage:
        self.calls.append(MessageCall("agreement_to_confirm", (writer.display_name, str(contract.version))))
        return OutboundMessage(
            summary="agreement to confirm",
            text=f"{writer.display_name} wrote version {contract.version} of the agreement of pair {pair.id}",
        )


class ChatServiceDown(Exception):
    """What the recording pair chats raise when told to fail (as Graph might, throttled or unavailable)."""


@dataclass(frozen=True)
class CreatedChat:
    chat_id: str
    tenant: TenantId
    members: tuple[PersonId, PersonId]
    topic: str


class RecordingPairChats:
    """The PairChats port: chat ids ``19:chat-1@thread.v2``, ``19:chat-2@thread.v2``, ... in order of creation.

    ``failing_creates`` and ``failing_installs`` make that many next calls of ``create_chat`` / ``add_bot`` raise
    :class:`ChatServiceDown` before doing anything."""

    def __init__(self, *, failing_creates: int = 0, failing_installs: int = 0) -> None:
        self.created: list[CreatedChat] = []
        self.installed: list[str] = []
        self.failing_creates = failing_creates
        self.failing_installs = failing_installs

    async def create_chat(self, tenant: TenantId, members: tuple[PersonId, PersonId], topic: str) -> str:
        if self.failing_creates > 0:
            self.failing_creates -= 1
            raise ChatServiceDown("creating the chat failed")
        chat_id = f"19:chat-{len(self.created) + 1}@thread.v2"
        self.created.append(CreatedChat(chat_id, tenant, members, topic))
        return chat_id

    async def add_bot(self, chat_id: str) -> None:
        if self.failing_installs > 0:
            self.failing_installs -= 1
            raise ChatServiceDown("installing the bot failed")
        self.installed.append(chat_id)


class RecordingNotifier:
    """A Notifier that delivers everything, keeping each recipient and message in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, OutboundMessage]] = []

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        self.sent.append((recipient, message))
