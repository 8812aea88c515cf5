"""The coordinator's `status` command shows failed deliveries and unreachable people, never message content."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.app import RUNTIME
from programme.identity import PersonId, TenantId
from programme.work import Lease, NewWork, WorkState
from tests.http.conftest import COORDINATOR, MENTEE, MENTOR, BotUnderTest
from tests.support import activities


async def test_status_shows_failures_to_coordinators_only(bot: BotUnderTest) -> None:
    services = bot.client.app[RUNTIME].services
    now = datetime.now(UTC)
    tenant = TenantId(activities.TENANT)
    await services.work.enqueue(
        NewWork(
            kind="message",
            idempotency_key="intro:1",
            tenant=tenant,
            recipient=PersonId(MENTEE),
            due_at=now,
            payload={"summary": "introduction", "text": "Meet your mentor, who shares a private story"},
        ),
        now,
    )
    (item,) = await services.work.claim(now, "test", timedelta(minutes=1), 1)
    assert item.lease_owner is not None
    assert item.lease_until is not None
    await services.work.settle(Lease(item.id, item.lease_owner, item.lease_until), WorkState.DEAD, now, "blocked")
    await services.contacts.mark_unreachable(tenant, PersonId(MENTEE), "blocked or uninstalled", now)

    await bot.post(activities.message("status", service_url=bot.service_url, person=COORDINATOR))
    sent = await bot.connector.wait_for(2)
    card = json.dumps(sent[-1].cards[0])
    assert "Programme status" in card
    assert f"introduction for {MENTEE}: blocked" in card
    assert "blocked or uninstalled" in card
    assert "private story" not in card

    bot.connector.clear()
    await bot.post(activities.message("status", service_url=bot.service_url, person=MENTOR))
    sent = await bot.connector.wait_for(2)
    assert sent[-1].text is not None
    assert "only programme coordinators" in sent[-1].text
