"""The sweeper, clock-driven: nothing sleeps, time is moved by hand through days and weekends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from programme.deliveries import MESSAGE, message_handler, schedule_message
from programme.identity import PersonId, TenantId
from programme.notifier import DeliveryFailed, OutboundMessage, PersonRecipient, Recipient
from programme.sweeper import Sweeper, SweepPolicy
from programme.work import NewWork, WorkItem, WorkState
from programme.working_hours import WorkingHours
from tests.support.fakes import DEFAULT_NOW, FakeClock, InMemoryContactBook, InMemoryWorkQueue

TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
AISHA = PersonId("a0000000-0000-4000-8000-000000000001")
HELEN = PersonId("a0000000-0000-4000-8000-000000000002")
LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = DEFAULT_NOW
assert MONDAY_9AM.astimezone(LONDON).strftime("%a %H:%M") == "Mon 09:00"


class ScriptedNotifier:
    """Delivers, or fails as scripted per person, and remembers every delivery (to people and conversations)."""

    def __init__(self) -> None:
        self.delivered: list[tuple[Recipient, OutboundMessage]] = []
        self.failures: dict[PersonId, list[DeliveryFailed]] = {}

    async def send(self, recipient: Recipient, message: OutboundMessage) -> None:
        queued = self.failures.get(recipient.person) if isinstance(recipient, PersonRecipient) else None
        if queued:
            raise queued.pop(0)
        self.delivered.append((recipient, message))

    def count_for(self, person: PersonId) -> int:
        return sum(
            1
            for recipient, _ in self.delivered
            if isinstance(recipient, PersonRecipient) and recipient.person == person
        )


class World:
    def __init__(self, policy: SweepPolicy | None = None) -> None:
        self.clock = FakeClock(MONDAY_9AM)
        self.queue = InMemoryWorkQueue()
        self.contacts = InMemoryContactBook()
        self.notifier = ScriptedNotifier()
        self.sweeper = self.make_sweeper("sweeper-a", policy)

    def make_sweeper(self, owner: str, policy: SweepPolicy | None = None) -> Sweeper:
        return Sweeper(
            queue=self.queue,
            handlers={MESSAGE: message_handler(self.notifier)},
            contacts=self.contacts,
            clock=self.clock,
            working_hours=WorkingHours(LONDON),
            owner=owner,
            policy=policy or SweepPolicy(),
            jitter=lambda: 1.0,  # the longest wait, so assertions about "no sooner than" are exact
        )

    async def schedule(self, key: str, person: PersonId, due_at: datetime) -> bool:
        return await schedule_message(
            self.queue,
            key=key,
            tenant=TENANT,
            person=person,
            message=OutboundMessage(summary="meeting reminder", text="Your meeting is tomorrow."),
            due_at=due_at,
            now=self.clock.now(),
        )

    async def item(self, key: str) -> WorkItem:
        for item in await self.queue.listing(frozenset(WorkState), 1000):
            if item.idempotency_key == key:
                return item
        raise KeyError(key)


@pytest.fixture
def world() -> World:
    return World()


async def test_due_work_is_delivered_once_and_not_before_it_is_due(world: World) -> None:
    await world.schedule("now", AISHA, MONDAY_9AM)
    await world.schedule("later", HELEN, MONDAY_9AM + timedelta(hours=2))
    report = await world.sweeper.sweep()
    assert (report.claimed, report.done) == (1, 1)
    assert world.notifier.count_for(AISHA) == 1
    assert world.notifier.count_for(HELEN) == 0

    await world.sweeper.sweep()
    assert world.notifier.count_for(AISHA) == 1  # done work is never claimed again

    world.clock.advance(timedelta(hours=2))
    await world.sweeper.sweep()
    assert world.notifier.count_for(HELEN) == 1
    assert (await world.item("later")).state is WorkState.DONE


async def test_scheduling_the_same_occasion_twice_sends_once(world: World) -> None:
    assert await world.schedule("intro:pair-7", AISHA, MONDAY_9AM) is True
    assert await world.schedule("intro:pair-7", AISHA, MONDAY_9AM + timedelta(minutes=5)) is False
    await world.sweeper.sweep_until_idle()
    world.clock.advance(timedelta(minutes=10))
    await world.sweeper.sweep_until_idle()
    assert world.notifier.count_for(AISHA) == 1


async def test_never_at_3am_work_waits_for_the_working_day_without_using_an_attempt(world: World) -> None:
    three_am_tuesday = datetime(2025, 3, 4, 3, 0, tzinfo=UTC)
    world.clock.set(three_am_tuesday)
    await world.schedule("night", AISHA, three_am_tuesday)
    report = await world.sweeper.sweep()
    assert report.deferred == 1
    assert world.notifier.delivered == []
    deferred = await world.item("night")
    assert deferred.state is WorkState.PENDING
    assert deferred.attempts == 0
    assert deferred.due_at == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)

    world.clock.set(datetime(2025, 3, 4, 8, 59, tzinfo=UTC))
    await world.sweeper.sweep()
    assert world.notifier.delivered == []
    world.clock.set(datetime(2025, 3, 4, 9, 0, tzinfo=UTC))
    await world.sweeper.sweep()
    assert world.notifier.count_for(AISHA) == 1


async def test_working_hours_follow_british_summer_time(world: World) -> None:
    # On 31 March 2025 London is on BST: 09:00 local is 08:00 UTC.
    sunday_noon = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)
    world.clock.set(sunday_noon)
    await world.schedule("weekend", AISHA, sunday_noon)
    await world.sweeper.sweep()
    assert (await world.item("weekend")).due_at == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)


async def test_work_due_while_the_bot_was_down_over_a_weekend_is_sent_on_monday(world: World) -> None:
    friday_6pm = datetime(2025, 2, 28, 18, 0, tzinfo=UTC)
    saturday = datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
    world.clock.set(friday_6pm)
    await world.schedule("friday-evening", AISHA, friday_6pm)
    await world.schedule("saturday", HELEN, saturday)
    # The bot is down from Friday evening until Monday 10:00: one hour after the first working moment.
    world.clock.set(MONDAY_9AM + timedelta(hours=1))
    await world.sweeper.sweep_until_idle()
    assert world.notifier.count_for(AISHA) == 1
    assert world.notifier.count_for(HELEN) == 1


async def test_work_too_late_to_send_is_reported_as_missed_not_dropped(world: World) -> None:
    wednesday = datetime(2025, 2, 26, 10, 0, tzinfo=UTC)
    world.clock.set(wednesday)
    await world.schedule("stale", AISHA, wednesday)
    world.clock.set(MONDAY_9AM + timedelta(hours=2))  # down since Wednesday morning
    report = await world.sweeper.sweep()
    assert report.missed == 1
    assert world.notifier.delivered == []
    missed = await world.item("stale")
    assert missed.state is WorkState.MISSED
    assert missed.last_error is not None
    assert "too late" in missed.last_error
    assert [i.idempotency_key for i in await world.queue.listing(frozenset({WorkState.MISSED}), 10)] == ["stale"]


async def test_a_blocked_bot_is_a_permanent_failure_recorded_against_the_person(world: World) -> None:
    world.notifier.failures[AISHA] = [
        DeliveryFailed("blocked or uninstalled", permanent=True, recipient_unreachable=True)
    ]
    await world.schedule("blocked", AISHA, MONDAY_9AM)
    report = await world.sweeper.sweep()
    assert report.dead == 1
    item = await world.item("blocked")
    assert item.state is WorkState.DEAD
    unreachable = await world.contacts.unreachable(10)
    assert [(u.person, u.reason) for u in unreachable] == [(AISHA, "blocked or uninstalled")]
    # Not retried, however long we wait.
    world.clock.advance(timedelta(days=1))
    await world.sweeper.sweep_until_idle()
    assert world.notifier.delivered == []


async def test_a_message_the_platform_refuses_is_dead_but_not_held_against_the_person(world: World) -> None:
    # E.g. HTTP 413: the card was too large. The fault is ours, not the person's.
    world.notifier.failures[AISHA] = [DeliveryFailed("refused with HTTP 413", permanent=True)]
    await world.schedule("too-big", AISHA, MONDAY_9AM)
    assert (await world.sweeper.sweep()).dead == 1
    assert await world.contacts.unreachable(10) == []


async def test_throttling_is_retried_no_sooner_than_the_platform_asked(world: World) -> None:
    world.notifier.failures[AISHA] = [
        DeliveryFailed("throttled", permanent=False, retry_after=timedelta(minutes=10)),
        DeliveryFailed("service unavailable", permanent=False),
    ]
    await world.schedule("busy", AISHA, MONDAY_9AM)
    assert (await world.sweeper.sweep()).retrying == 1
    first_retry = (await world.item("busy")).due_at
    assert first_retry == MONDAY_9AM + timedelta(minutes=10)  # Retry-After beats the 30 s backoff

    world.clock.set(first_retry - timedelta(seconds=1))
    assert (await world.sweeper.sweep()).claimed == 0
    world.clock.set(first_retry)
    assert (await world.sweeper.sweep()).retrying == 1
    second = await world.item("busy")
    assert second.attempts == 2
    assert second.due_at == first_retry + timedelta(minutes=1)  # 30 s doubled, full jitter at its maximum

    world.clock.set(second.due_at)
    assert (await world.sweeper.sweep()).done == 1
    assert world.notifier.count_for(AISHA) == 1


async def test_endless_transient_failures_end_as_dead_after_the_attempt_limit() -> None:
    world = World(SweepPolicy(max_attempts=3))
    world.notifier.failures[AISHA] = [DeliveryFailed("service unavailable", permanent=False) for _ in range(10)]
    await world.schedule("flaky", AISHA, MONDAY_9AM)
    for _ in range(5):
        await world.sweeper.sweep()
        world.clock.advance(timedelta(hours=3))
    item = await world.item("flaky")
    assert item.state is WorkState.DEAD
    assert item.attempts == 3
    assert item.last_error is not None
    assert "gave up after 3 attempts" in item.last_error
    assert await world.contacts.unreachable(10) == []  # not the person's doing


async def test_unknown_work_is_dead_with_a_reason(world: World) -> None:
    await world.queue.enqueue(
        NewWork(kind="retired-kind", idempotency_key="odd", tenant=TENANT, recipient=AISHA, due_at=MONDAY_9AM),
        MONDAY_9AM,
    )
    assert (await world.sweeper.sweep()).dead == 1
    item = await world.item("odd")
    assert item.last_error == "no handler for work of kind 'retired-kind'"


async def test_a_sweeper_that_lost_its_lease_cannot_undo_the_new_owners_work(world: World) -> None:
    policy = SweepPolicy(lease_for=timedelta(minutes=2))
    stalled = world.make_sweeper("sweeper-stalled", policy)
    await world.schedule("contested", AISHA, MONDAY_9AM)
    claimed = await world.queue.claim(world.clock.now(), "sweeper-stalled", policy.lease_for, 10)
    assert len(claimed) == 1

    # The first sweeper stalls past its lease; a second replica takes the item over and delivers it.
    world.clock.advance(timedelta(minutes=3))
    other = world.make_sweeper("sweeper-b", policy)
    assert (await other.sweep()).done == 1

    # When the stalled one wakes up and tries to settle, nothing changes.
    report = await stalled.process(claimed[0])  # the stalled sweeper resumes its half-done item
    assert report.lost_lease == 1
    item = await world.item("contested")
    assert item.state is WorkState.DONE
    assert item.lease_owner == "sweeper-b"


async def test_stopping_hands_unstarted_work_back_without_using_attempts(world: World) -> None:
    for n in range(3):
        await world.schedule(f"n{n}", AISHA, MONDAY_9AM)
    claimed = await world.queue.claim(world.clock.now(), world.sweeper.owner, timedelta(minutes=2), 10)
    await world.sweeper.stop()
    for item in claimed:
        await world.sweeper.process(item)  # items claimed before the stop arrived
    assert (await world.sweeper.sweep()).claimed == 0  # a stopping sweeper claims nothing
    for n in range(3):
        item = await world.item(f"n{n}")
        assert item.state is WorkState.PENDING
        assert item.attempts == 0
    assert world.notifier.delivered == []
    # After the restart, everything goes out once.
    await world.make_sweeper("after-restart").sweep_until_idle()
    assert world.notifier.count_for(AISHA) == 3


async def test_delivered_messages_keep_only_their_summary_after_the_retention_period(world: World) -> None:
    from programme.retention import redact_delivered_messages

    await world.schedule("told", AISHA, MONDAY_9AM)
    await world.sweeper.sweep()
    assert (await world.item("told")).payload["text"] == "Your meeting is tomorrow."

    world.clock.advance(timedelta(days=29))
    assert await redact_delivered_messages(world.queue, world.clock, timedelta(days=30)) == 0
    world.clock.advance(timedelta(days=2))
    assert await redact_delivered_messages(world.queue, world.clock, timedelta(days=30)) == 1
    assert (await world.item("told")).payload == {"summary": "meeting reminder", "redacted": True}


async def test_a_message_for_a_pair_chat_reaches_that_conversation_at_any_hour(world: World) -> None:
    from programme.deliveries import schedule_conversation_message
    from programme.notifier import ConversationRecipient

    pair_chat = {"conversation": {"id": "19:pair-7@thread.v2"}, "serviceUrl": "https://smba.example/"}
    card = {"type": "AdaptiveCard", "version": "1.5", "body": []}
    saturday_night = datetime(2025, 3, 8, 23, 0, tzinfo=UTC)
    world.clock.set(saturday_night)
    assert await schedule_conversation_message(
        world.queue,
        key="intro:pair-7",
        tenant=TENANT,
        address=pair_chat,
        label="pair 7 chat",
        message=OutboundMessage(summary="introduction", card=card),
        due_at=saturday_night,
        now=saturday_night,
    )
    # No single person's working hours apply to a group chat, so it is not held until Monday.
    assert (await world.sweeper.sweep()).done == 1
    [(recipient, message)] = world.notifier.delivered
    assert recipient == ConversationRecipient(tenant=TENANT, address=pair_chat, label="pair 7 chat")
    assert message.card == card
    assert message.text is None


async def test_a_stored_item_with_nowhere_to_go_is_dead_with_a_reason(world: World) -> None:
    await world.queue.enqueue(
        NewWork(
            kind=MESSAGE,
            idempotency_key="lost",
            tenant=TENANT,
            recipient=None,
            due_at=MONDAY_9AM,
            payload={"summary": "s", "text": "t"},
        ),
        MONDAY_9AM,
    )
    assert (await world.sweeper.sweep()).dead == 1
    item = await world.item("lost")
    assert item.last_error is not None
    assert "neither a recipient nor a conversation" in item.last_error
    assert world.notifier.delivered == []
