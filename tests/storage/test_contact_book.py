"""The contact book keeps the latest address per person per tenant, and says when someone is new."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from programme.contacts import Address
from programme.identity import PersonId, TenantId
from storage.contact_book import SqlContactBook
from storage.database import Database

TENANT = TenantId("72f988bf-86f1-41af-91ab-2d7cd011db47")
OTHER_TENANT = TenantId("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f")
PERSON = PersonId("29f4bc5e-1a7d-4b8e-9f3c-6d2a0e8b7c15")
FIRST_SEEN = datetime(2025, 2, 1, 8, 30, 15, 123456, tzinfo=UTC)


def address(conversation: str) -> Address:
    return {
        "conversation": {"id": conversation, "tenantId": TENANT.value},
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "user": {"id": "29:1abc", "name": "Zoë Ngữ"},
    }


async def test_first_remember_is_new_and_later_ones_are_not(database: Database) -> None:
    book = SqlContactBook(database)

    assert await book.remember(TENANT, PERSON, address("a:1"), FIRST_SEEN) is True
    assert await book.remember(TENANT, PERSON, address("a:1"), FIRST_SEEN + timedelta(minutes=1)) is False


async def test_latest_address_wins_and_first_seen_is_kept(database: Database) -> None:
    book = SqlContactBook(database)
    later = FIRST_SEEN + timedelta(days=3)
    await book.remember(TENANT, PERSON, address("a:1"), FIRST_SEEN)

    await book.remember(TENANT, PERSON, address("a:2"), later)

    contact = await book.find(TENANT, PERSON)
    assert contact is not None
    assert contact.address == address("a:2")
    assert contact.first_seen == FIRST_SEEN
    assert contact.last_seen == later


async def test_find_returns_aware_utc_datetimes(database: Database) -> None:
    book = SqlContactBook(database)
    # Written in another zone: the store must keep the instant and hand it back in UTC.
    seen_in_paris = datetime(2025, 6, 1, 14, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2)))
    await book.remember(TENANT, PERSON, address("a:1"), seen_in_paris)

    contact = await book.find(TENANT, PERSON)

    assert contact is not None
    for moment in (contact.first_seen, contact.last_seen):
        assert moment.tzinfo is not None
        assert moment.utcoffset() == timedelta(0)
        assert moment == seen_in_paris
        assert (moment.hour, moment.microsecond) == (12, 250000)


async def test_unknown_person_is_not_found(database: Database) -> None:
    assert await SqlContactBook(database).find(TENANT, PERSON) is None


async def test_tenants_are_separate(database: Database) -> None:
    book = SqlContactBook(database)

    assert await book.remember(TENANT, PERSON, address("home"), FIRST_SEEN) is True
    assert await book.remember(OTHER_TENANT, PERSON, address("guest"), FIRST_SEEN) is True

    home = await book.find(TENANT, PERSON)
    guest = await book.find(OTHER_TENANT, PERSON)
    assert home is not None
    assert guest is not None
    assert (home.tenant, home.address) == (TENANT, address("home"))
    assert (guest.tenant, guest.address) == (OTHER_TENANT, address("guest"))


async def test_concurrent_first_contacts_report_new_exactly_once(database: Database) -> None:
    # Teams can deliver several activities from a new person at once (e.g. install + first message), each on
    # its own turn; only one of them may trigger the welcome. SQLite serialises writers, so only PostgreSQL
    # really reaches the insert-conflict branch here; SQLite checks the plain sequential path.
    book = SqlContactBook(database)
    addresses = [address(f"a:{n}") for n in range(8)]

    outcomes = await asyncio.gather(
        *(book.remember(TENANT, PERSON, each, FIRST_SEEN + timedelta(seconds=n)) for n, each in enumerate(addresses))
    )

    assert sorted(outcomes) == [False] * 7 + [True]
    contact = await book.find(TENANT, PERSON)
    assert contact is not None
    assert contact.address in addresses
