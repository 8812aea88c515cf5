"""The Teams notifier through the real HardenedCloudAdapter (authentication on, outbound tokens from the fake
credentials factory) and the fake Bot Connector, which can throttle, fail and enforce Teams' rate limits.

Waiting is virtual. ``ConnectorTime`` is the pacer's clock, the retry policy's sleep and the connector's clock at
once, and moves only when every request the pacer has let through has reached the connector, so the connector
judges the rate limits on exactly the timeline the pacer planned, and a test asserts waits without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from bot.adapter import HardenedCloudAdapter
from bot.app import BotFrameworkConfig
from bot.delivery_errors import BLOCKED, NOT_FOUND, parse_retry_after
from bot.notifier import RetryPolicy, TeamsNotifier
from bot.pacing import TEAMS_CONVERSATION_LIMITS, Limit, Pacer
from programme.contacts import Address, Contact, ContactBook, Unreachable
from programme.identity import PersonId, TenantId
from programme.notifier import ConversationRecipient, DeliveryFailed, OutboundMessage, PersonRecipient
from tests.http.conftest import APP_ID, MENTEE, MENTOR, production_settings
from tests.support.activities import TENANT, message
from tests.support.fake_connector import FakeConnector, Fault
from tests.support.fake_identity import FAKE_OUTBOUND_TOKEN, FakeBotIdentity, FakeCredentialFactory
from tests.support.fakes import FakeClock, InMemoryContactBook

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Your session is tomorrow", "wrap": True}],
}
HELLO = OutboundMessage(summary="test nudge", text="Hello from the programme")
# For tests about something other than pacing: a limit nothing reaches.
UNLIMITED = (Limit(10_000, 1.0),)


class CountingPacer(Pacer):
    """A pacer that counts its grants, so virtual time knows how many requests are on their way."""

    granted = 0

    async def acquire(self, tenant: Hashable, conversation: Hashable) -> None:
        await super().acquire(tenant, conversation)
        self.granted += 1


@dataclass
class ConnectorTime:
    connector: FakeConnector
    pacer: CountingPacer | None = None
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        # Granted requests travel on botbuilder's worker threads; the clock must not move on before they arrive.
        deadline = time.monotonic() + 10
        while self.pacer is not None and self.pacer.granted > self._arrived():
            assert time.monotonic() < deadline, "a granted request never reached the connector"
            await asyncio.sleep(0.001)
        wake = self.now + seconds
        # A positive wait too small to change the float must still move the clock, or the waiter spins forever.
        self.now = wake if wake > self.now or seconds <= 0 else math.nextafter(self.now, math.inf)

    def _arrived(self) -> int:
        c = self.connector
        return len(c.sent) + len(c.rejections) + len(c.created)


@dataclass
class Harness:
    adapter: HardenedCloudAdapter
    connector: FakeConnector
    contacts: InMemoryContactBook
    clock: FakeClock
    notifier: TeamsNotifier = field(init=False)
    pacer: CountingPacer = field(init=False)
    time: ConnectorTime = field(init=False)

    def __post_init__(self) -> None:
        self.rebuild()

    def rebuild(
        self,
        *,
        contacts: ContactBook | None = None,
        limits: tuple[Limit, ...] = UNLIMITED,
        retry: dict[str, Any] | None = None,
    ) -> TeamsNotifier:
        self.time = ConnectorTime(self.connector)
        self.connector.clock = self.time.monotonic
        self.pacer = CountingPacer(
            conversation_limits=limits, monotonic=self.time.monotonic, sleep=self.time.sleep, margin=0.05
        )
        self.time.pacer = self.pacer
        # Jitter pinned to the top of its range unless a test says otherwise, so the waits are exact.
        options: dict[str, Any] = {"sleep": self.time.sleep, "random": lambda: 1.0, **(retry or {})}
        policy = RetryPolicy(**options)
        self.notifier = TeamsNotifier(
            self.adapter,
            APP_ID,
            contacts or self.contacts,
            self.pacer,
            service_url=self.connector.service_url,
            clock=self.clock,
            retry=policy,
        )
        return self.notifier

    async def introduce(self, person: str = MENTOR) -> str:
        """Store the person's 1:1 reference exactly as the bot does when they write; returns the chat's id."""
        activity = Activity().deserialize(message("hi", service_url=self.connector.service_url, person=person))
        reference = TurnContext.get_conversation_reference(activity)
        reference.activity_id = None
        await self.contacts.remember(TenantId(TENANT), PersonId(person), reference.serialize(), self.clock.now())
        chat: str = activity.conversation.id
        return chat


@pytest.fixture
async def harness(tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector) -> Harness:
    """The adapter as the app builds it: production settings, authentication on, fake outbound credentials."""
    settings = production_settings(tmp_path, identity)
    authentication = ConfigurationBotFrameworkAuthentication(
        BotFrameworkConfig(settings), credentials_factory=FakeCredentialFactory(APP_ID)
    )
    return Harness(HardenedCloudAdapter(authentication, settings), connector, InMemoryContactBook(), FakeClock())


def to(person: str) -> PersonRecipient:
    return PersonRecipient(TenantId(TENANT), PersonId(person))


# Delivery ---------------------------------------------------------------------------------------------------


async def test_a_person_who_wrote_to_the_bot_gets_the_message_in_their_chat(harness: Harness) -> None:
    chat = await harness.introduce()

    await harness.notifier.send(to(MENTOR), HELLO)

    [delivered] = harness.connector.sent
    assert delivered.conversation_id == chat
    assert delivered.path == f"/v3/conversations/{chat}/activities"
    assert delivered.text == "Hello from the programme"
    assert delivered.authorization == f"Bearer {FAKE_OUTBOUND_TOKEN}"
    assert delivered.body["recipient"]["aadObjectId"] == MENTOR
    assert harness.connector.created == []


async def test_a_person_the_bot_never_heard_from_gets_a_new_chat_which_is_then_reused(harness: Harness) -> None:

    await harness.notifier.send(to(MENTEE), HELLO)

    [created] = harness.connector.created
    assert created.members == [MENTEE]
    assert created.tenant_id == TENANT
    assert created.bot_id == f"28:{APP_ID}"
    assert created.body["isGroup"] is False
    assert created.body["channelData"] == {"tenant": {"id": TENANT}}
    assert created.authorization == f"Bearer {FAKE_OUTBOUND_TOKEN}"
    chat = FakeConnector.conversation_for(MENTEE)
    assert [a.text for a in harness.connector.delivered_to(chat)] == ["Hello from the programme"]

    contact = await harness.contacts.find(TenantId(TENANT), PersonId(MENTEE))
    assert contact is not None
    assert contact.address["conversation"]["id"] == chat
    assert "activityId" not in contact.address

    await harness.notifier.send(to(MENTEE), OutboundMessage(summary="second", text="Again"))
    assert len(harness.connector.created) == 1
    assert [a.text for a in harness.connector.delivered_to(chat)] == ["Hello from the programme", "Again"]


async def test_text_and_card_arrive_as_one_message(harness: Harness) -> None:
    chat = await harness.introduce()

    await harness.notifier.send(to(MENTOR), OutboundMessage(summary="reminder", text="Heads up", card=CARD))
    await harness.notifier.send(to(MENTOR), OutboundMessage(summary="card only", card=CARD))

    both, card_only = harness.connector.delivered_to(chat)
    assert both.text == "Heads up"
    assert both.cards == [CARD]
    assert card_only.text is None
    assert card_only.cards == [CARD]


async def test_a_conversation_recipient_is_reached_by_its_address(harness: Harness) -> None:
    await harness.introduce()
    contact = await harness.contacts.find(TenantId(TENANT), PersonId(MENTOR))
    assert contact is not None
    group = dict(contact.address)
    group["conversation"] = {"id": "19:pair@thread.v2", "conversationType": "groupChat", "tenantId": TENANT}

    await harness.notifier.send(ConversationRecipient(TenantId(TENANT), group, "pair chat"), HELLO)

    assert [a.conversation_id for a in harness.connector.sent] == ["19:pair@thread.v2"]


async def test_an_address_without_a_conversation_is_refused_for_good(harness: Harness) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        await harness.notifier.send(ConversationRecipient(TenantId(TENANT), {"channelId": "msteams"}), HELLO)
    assert failure.value.permanent
    assert harness.connector.sent == []


# Retries ----------------------------------------------------------------------------------------------------


async def test_a_429_is_retried_no_sooner_than_retry_after(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.connector.fail_next(Fault.throttled(7), conversation=chat)

    await harness.notifier.send(to(MENTOR), HELLO)

    assert len(harness.connector.delivered_to(chat)) == 1
    assert len(harness.connector.rejected(429)) == 1
    # The first backoff would be 1 s; Retry-After says 7.
    assert harness.time.sleeps == [7.0]


async def test_retry_after_as_an_http_date_is_honoured(harness: Harness) -> None:
    chat = await harness.introduce()
    later = harness.clock.now() + timedelta(seconds=30)
    harness.connector.fail_next(Fault(429, "Throttled", "slow down", format_datetime(later, usegmt=True)))

    await harness.notifier.send(to(MENTOR), HELLO)

    assert len(harness.connector.delivered_to(chat)) == 1
    assert harness.time.sleeps == [30.0]


async def test_a_429_pauses_the_conversation_for_other_sends(harness: Harness) -> None:
    chat = await harness.introduce()
    retrying = asyncio.Event()
    resume = asyncio.Event()

    async def held_retry_sleep(seconds: float) -> None:
        # The throttled send waits here, off the clock, while a second send comes along.
        retrying.set()
        await resume.wait()

    harness.rebuild(retry={"sleep": held_retry_sleep})
    harness.connector.fail_next(Fault.throttled(5), conversation=chat)

    first = asyncio.create_task(harness.notifier.send(to(MENTOR), HELLO))
    await asyncio.wait_for(retrying.wait(), 5)
    await harness.notifier.send(to(MENTOR), OutboundMessage(summary="second", text="Second"))
    resume.set()
    await first

    second, retried = harness.connector.delivered_to(chat)
    # The second send waited out the platform's 5 s although it never met a 429 itself.
    assert (second.text, second.at) == ("Second", 5.0)
    assert retried.text == "Hello from the programme"


async def test_a_503_twice_then_success_delivers_once(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.connector.fail_next(Fault.unavailable(), times=2)

    await harness.notifier.send(to(MENTOR), HELLO)

    assert len(harness.connector.delivered_to(chat)) == 1
    assert harness.connector.attempts_to(chat) == 3
    # Exponential backoff: 1 s, then 2 s (jitter pinned at its maximum).
    assert harness.time.sleeps == [1.0, 2.0]


async def test_backoff_is_full_jitter_under_a_cap(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.rebuild(retry={"random": lambda: 0.5, "cap": 3.0, "max_attempts": 5})
    harness.connector.fail_next(Fault.unavailable(), times=4)

    await harness.notifier.send(to(MENTOR), HELLO)

    assert len(harness.connector.delivered_to(chat)) == 1
    assert harness.time.sleeps == [0.5, 1.0, 1.5, 1.5]


async def test_a_503_that_never_ends_fails_transiently_after_max_attempts(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.connector.fail_always(Fault.unavailable(retry_after=2), conversation=chat)

    with pytest.raises(DeliveryFailed) as failure:
        await harness.notifier.send(to(MENTOR), HELLO)

    assert not failure.value.permanent
    assert failure.value.retry_after == timedelta(seconds=2)
    assert harness.connector.attempts_to(chat) == 5
    assert harness.connector.delivered_to(chat) == []
    assert len(harness.time.sleeps) == 4


async def test_a_retry_after_beyond_the_cap_is_handed_back_not_slept_through(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.connector.fail_next(Fault.throttled(3600), conversation=chat)

    with pytest.raises(DeliveryFailed) as failure:
        await harness.notifier.send(to(MENTOR), HELLO)

    assert not failure.value.permanent
    assert failure.value.retry_after == timedelta(hours=1)
    assert harness.time.sleeps == []


async def test_a_dropped_connection_is_retried(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.connector.fail_next(Fault.disconnect(), conversation=chat)

    await harness.notifier.send(to(MENTOR), HELLO)

    assert len(harness.connector.delivered_to(chat)) == 1
    assert harness.time.sleeps == [1.0]


async def test_a_failed_create_is_retried_and_the_chat_created_once(harness: Harness) -> None:
    chat = FakeConnector.conversation_for(MENTEE)
    harness.connector.fail_next(Fault.throttled(2), conversation=chat)

    await harness.notifier.send(to(MENTEE), HELLO)

    assert len(harness.connector.created) == 1
    assert len(harness.connector.delivered_to(chat)) == 1
    assert harness.time.sleeps == [2.0]


async def test_a_send_that_fails_after_the_chat_was_created_reuses_that_chat(harness: Harness) -> None:
    chat = FakeConnector.conversation_for(MENTEE)
    # The chat is created; the first message into it meets a 503.
    harness.connector.fail_next(Fault.unavailable(), conversation=chat, on="send")

    await harness.notifier.send(to(MENTEE), HELLO)

    assert len(harness.connector.created) == 1
    assert len(harness.connector.delivered_to(chat)) == 1
    assert len(harness.connector.rejected(503, conversation=chat)) == 1


# Permanent failures -----------------------------------------------------------------------------------------


async def test_a_person_who_blocked_the_bot_fails_for_good_at_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    chat = await harness.introduce()
    harness.connector.fail_always(Fault.blocked(), conversation=chat)

    with caplog.at_level(logging.WARNING), pytest.raises(DeliveryFailed) as failure:
        await harness.notifier.send(to(MENTOR), HELLO)

    assert failure.value.permanent
    assert failure.value.recipient_unreachable
    assert failure.value.reason == BLOCKED
    assert harness.connector.attempts_to(chat) == 1
    assert harness.time.sleeps == []
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.notifier"]
    assert "MessageWritesBlocked" in line
    assert "HTTP 403" in line
    assert MENTOR in line
    assert "Hello from the programme" not in line


async def test_a_missing_conversation_fails_for_good_at_once(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.connector.fail_always(Fault.not_found(), conversation=chat)

    with pytest.raises(DeliveryFailed) as failure:
        await harness.notifier.send(to(MENTOR), HELLO)

    assert failure.value.permanent
    assert failure.value.recipient_unreachable
    assert failure.value.reason == NOT_FOUND
    assert harness.connector.attempts_to(chat) == 1


async def test_other_client_errors_are_permanent_and_other_server_errors_transient(harness: Harness) -> None:
    chat = await harness.introduce()

    harness.connector.fail_next(Fault(400, "BadArgument", "bad activity"), conversation=chat)
    with pytest.raises(DeliveryFailed) as refused:
        await harness.notifier.send(to(MENTOR), HELLO)
    assert refused.value.permanent
    assert not refused.value.recipient_unreachable  # our message was at fault, not the person
    assert "400" in refused.value.reason

    harness.connector.fail_next(Fault(500, "InternalError", "oops"), conversation=chat)
    with pytest.raises(DeliveryFailed) as broken:
        await harness.notifier.send(to(MENTOR), HELLO)
    assert not broken.value.permanent
    assert "500" in broken.value.reason

    # Our credentials refused: true for everyone until the configuration is fixed, so not the person's doing.
    harness.connector.fail_next(Fault(401, "Unauthorized", "token rejected"), conversation=chat)
    with pytest.raises(DeliveryFailed) as unauthorised:
        await harness.notifier.send(to(MENTOR), HELLO)
    assert not unauthorised.value.permanent

    assert harness.connector.attempts_to(chat) == 3
    assert harness.time.sleeps == []


async def test_a_failure_inside_the_turn_is_raised_not_swallowed(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.rebuild(contacts=BrokenContacts())

    with caplog.at_level(logging.ERROR), pytest.raises(DeliveryFailed) as failure:
        await harness.notifier.send(to(MENTEE), HELLO)

    assert isinstance(failure.value.__cause__, RuntimeError)
    assert not failure.value.permanent
    # Nothing reached the person, not even the adapter's apology, and on_turn_error never saw it.
    assert harness.connector.sent == []
    assert not [r for r in caplog.records if r.name == "bot.adapter"]


class BrokenContacts:
    """A contact book whose writes fail, so the failure happens inside botbuilder's turn."""

    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: Any) -> bool:
        raise RuntimeError("the database is down")

    async def find(self, tenant: TenantId, person: PersonId) -> Contact | None:
        return None

    async def mark_unreachable(self, tenant: TenantId, person: PersonId, reason: str, at: Any) -> None:
        raise RuntimeError("the database is down")

    async def unreachable(self, limit: int) -> list[Unreachable]:
        return []


# Reading Retry-After ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Mon, 03 Mar 2025 09:01:00 GMT", 60.0),
        ("Mon, 03 Mar 2025 08:00:00 GMT", 0.0),
        ("Mon, 03 Mar 2025 09:01:00 -0000", 60.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, FakeClock().now()) == seconds


# Pacing against the connector's own limits -----------------------------------------------------------------


async def test_a_burst_to_one_person_never_breaks_teams_limits(harness: Harness) -> None:
    chat = await harness.introduce()
    harness.rebuild(limits=TEAMS_CONVERSATION_LIMITS)
    harness.connector.enforce_limits = True

    await asyncio.gather(
        *(harness.notifier.send(to(MENTOR), OutboundMessage(summary=f"n{n}", text=str(n))) for n in range(50))
    )

    assert len(harness.connector.delivered_to(chat)) == 50
    assert harness.connector.rejected() == []
    # As fast as the limits allow: 8 per 2 s (7 at once, the 8th a second later), each window 50 ms longer, so
    # the 49th and 50th go at the start of the seventh 2.05 s cycle.
    assert harness.time.now == pytest.approx(6 * 2.05)


# The fake connector itself ---------------------------------------------------------------------------------


async def test_the_fake_connector_enforces_the_conversation_limits(connector: FakeConnector) -> None:
    now = [0.0]
    connector.clock = lambda: now[0]
    connector.enforce_limits = True
    url = f"{connector.service_url}v3/conversations/a:chat/activities"
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(8):
            async with session.post(url, json={"type": "message"}) as response:
                statuses.append(response.status)
                retry_after = response.headers.get("Retry-After")
        now[0] = 1.0
        async with session.post(url, json={"type": "message"}) as response:
            after_a_second = response.status

    assert statuses == [200] * 7 + [429]
    assert retry_after == "1"
    assert after_a_second == 200


async def test_the_fake_connector_can_limit_all_conversations_together(connector: FakeConnector) -> None:
    connector.clock = lambda: 0.0
    connector.enforce_limits = True
    connector.global_per_second = 3
    async with aiohttp.ClientSession() as session:
        statuses = []
        for n in range(4):
            url = f"{connector.service_url}v3/conversations/a:chat-{n}/activities"
            async with session.post(url, json={"type": "message"}) as response:
                statuses.append(response.status)

    assert statuses == [200, 200, 200, 429]
    assert [r.cause for r in connector.rejections] == ["limit"]


async def test_the_fake_connector_creates_only_one_to_one_chats(connector: FakeConnector) -> None:
    url = f"{connector.service_url}v3/conversations"
    async with aiohttp.ClientSession() as session:
        group = {"isGroup": True, "members": [{"id": "a"}, {"id": "b"}], "tenantId": TENANT}
        async with session.post(url, json=group) as response:
            assert response.status == 400
        # Teams wants the member's id in "id"; an aadObjectId alone is a bad request.
        only_aad = {"isGroup": False, "members": [{"aadObjectId": MENTEE}], "tenantId": TENANT}
        async with session.post(url, json=only_aad) as response:
            assert response.status == 400
        personal = {"isGroup": False, "members": [{"id": MENTEE}], "tenantId": TENANT}
        async with session.post(url, json=personal) as response:
            assert response.status == 201
            assert await response.json() == {"id": FakeConnector.conversation_for(MENTEE)}


async def test_the_fake_connectors_random_faults_are_reproducible(connector: FakeConnector) -> None:
    async def run(seed: int) -> list[int]:
        connector.fail_randomly(0.3, seed=seed)
        statuses = []
        async with aiohttp.ClientSession() as session:
            for n in range(40):
                url = f"{connector.service_url}v3/conversations/a:chat-{n}/activities"
                async with session.post(url, json={"type": "message"}) as response:
                    statuses.append(response.status)
        return statuses

    first, again = await run(7), await run(7)
    assert first == again
    assert 0 < first.count(429) < 40
