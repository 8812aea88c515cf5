"""Unreachable marks in the contact book: set when delivery is refused for good, cleared when the person writes.

The contract tests run against the SQL store on both backends and against the in-memory fake.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from programme.contacts import Address, ContactBook, Unreachable
from programme.identity import PersonId, TenantId
from storage.contact_book import SqlContactBook
from storage.database import Database
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from tests.support.databases import migrated_database
from tests.support.fakes import InMemoryContactBook

TENANT = TenantId("72f988bf-86f1-41af-91ab-2d7cd011db47")
OTHER_TENANT = TenantId("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f")
PERSON = PersonId("29f4bc5e-1a7d-4b8e-9f3c-6d2a0e8b7c15")
OTHER = PersonId("3a5e7c9b-2d4f-4a6c-8e0b-1c3d5e7f9a2b")
THIRD = PersonId("4b6f8d0c-3e5a-4b7d-9f1c-2d4e6f8a0b3c")
SEEN = datetime(2025, 2, 1, 8, 30, 15, 123456, tzinfo=UTC)
FAILED = SEEN + timedelta(days=2, microseconds=7)
ADDRESS: Address = {"conversation": {"id": "a:1"}, "serviceUrl": "https://smba.trafficmanager.net/emea/"}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def book(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ContactBook]:
    if request.param == "memory":
        yield InMemoryContactBook()
        return
    async with migrated_database(request.param, tmp_path) as database:
        yield SqlContactBook(database)


async def test_a_known_contact_is_marked_and_keeps_its_address(book: ContactBook) -> None:
    await book.remember(TENANT, PERSON, ADDRESS, SEEN)

    await book.mark_unreachable(TENANT, PERSON, "403 BotDisabledByAdmin", FAILED)

    contact = await book.find(TENANT, PERSON)
    assert contact is not None
    assert (contact.unreachable_since, contact.unreachable_reason) == (FAILED, "403 BotDisabledByAdmin")
    assert (contact.address, contact.first_seen, contact.last_seen) == (ADDRESS, SEEN, SEEN)
    assert await book.unreachable(10) == [Unreachable(TENANT, PERSON, FAILED, "403 BotDisabledByAdmin")]


async def test_marking_again_keeps_the_first_time_and_the_latest_reason(book: ContactBook) -> None:
    await book.remember(TENANT, PERSON, ADDRESS, SEEN)
    await book.mark_unreachable(TENANT, PERSON, "403 blocked", FAILED)

    await book.mark_unreachable(TENANT, PERSON, "404 conversation not found", FAILED + timedelta(hours=1))

    assert await book.unreachable(10) == [Unreachable(TENANT, PERSON, FAILED, "404 conversation not found")]


async def test_an_unknown_person_gets_a_bare_record(book: ContactBook) -> None:
    await book.mark_unreachable(TENANT, PERSON, "no conversation", FAILED)

    contact = await book.find(TENANT, PERSON)
    assert contact is not None
    assert (contact.address, contact.first_seen, contact.last_seen) == ({}, FAILED, FAILED)
    assert (contact.unreachable_since, contact.unreachable_reason) == (FAILED, "no conversation")
    assert await book.unreachable(10) == [Unreachable(TENANT, PERSON, FAILED, "no conversation")]


async def test_writing_to_us_clears_the_mark(book: ContactBook) -> None:
    await book.remember(TENANT, PERSON, ADDRESS, SEEN)
    await book.mark_unreachable(TENANT, PERSON, "403 blocked", FAILED)
    back = FAILED + timedelta(days=1)

    assert await book.remember(TENANT, PERSON, ADDRESS, back) is False

    contact = await book.find(TENANT, PERSON)
    assert contact is not None
    assert (contact.unreachable_since, contact.unreachable_reason) == (None, None)
    assert (contact.first_seen, contact.last_seen) == (SEEN, back)
    assert await book.unreachable(10) == []

    # A later refusal starts a new mark rather than reviving the old time.
    again = back + timedelta(days=1)
    await book.mark_unreachable(TENANT, PERSON, "403 blocked", again)
    assert await book.unreachable(10) == [Unreachable(TENANT, PERSON, again, "403 blocked")]


async def test_the_first_message_after_a_bare_record_is_a_first_contact(book: ContactBook) -> None:
    # The bare record only says a delivery failed; the person has never written, so they still get the welcome.
    await book.mark_unreachable(TENANT, PERSON, "no conversation", FAILED)
    installed = FAILED + timedelta(days=1)

    assert await book.remember(TENANT, PERSON, ADDRESS, installed) is True
    assert await book.remember(TENANT, PERSON, ADDRESS, installed + timedelta(minutes=1)) is False

    contact = await book.find(TENANT, PERSON)
    assert contact is not None
    assert (contact.address, contact.first_seen, contact.unreachable_since) == (ADDRESS, installed, None)


async def test_unreachable_lists_the_most_recent_first_up_to_the_limit(book: ContactBook) -> None:
    for person in (PERSON, OTHER, THIRD):
        await book.remember(TENANT, person, ADDRESS, SEEN)
    await book.mark_unreachable(TENANT, OTHER, "second", FAILED + timedelta(minutes=2))
    await book.mark_unreachable(TENANT, PERSON, "first", FAILED + timedelta(minutes=1))
    await book.mark_unreachable(OTHER_TENANT, PERSON, "third", FAILED + timedelta(minutes=3))

    listed = await book.unreachable(10)

    assert [(entry.tenant, entry.person, entry.reason) for entry in listed] == [
        (OTHER_TENANT, PERSON, "third"),
        (TENANT, OTHER, "second"),
        (TENANT, PERSON, "first"),
    ]
    assert [entry.reason for entry in await book.unreachable(2)] == ["third", "second"]
    assert await book.unreachable(0) == []


async def test_tenants_are_marked_separately(book: ContactBook) -> None:
    await book.remember(TENANT, PERSON, ADDRESS, SEEN)
    await book.remember(OTHER_TENANT, PERSON, ADDRESS, SEEN)

    await book.mark_unreachable(OTHER_TENANT, PERSON, "403 blocked", FAILED)

    home = await book.find(TENANT, PERSON)
    assert home is not None
    assert home.unreachable_since is None


async def test_a_long_reason_is_cut_to_fit(book: ContactBook) -> None:
    await book.mark_unreachable(TENANT, PERSON, "ü" * 199 + "xyz", FAILED)

    assert [entry.reason for entry in await book.unreachable(1)] == ["ü" * 199 + "x"]


async def test_concurrent_marks_make_one_record(database: Database) -> None:
    # Several deliveries to the same unknown person can fail at once; the upsert must not trip over itself.
    book = SqlContactBook(database)
    moments = [FAILED + timedelta(seconds=n) for n in range(8)]

    await asyncio.gather(*(book.mark_unreachable(TENANT, PERSON, f"fail {n}", at) for n, at in enumerate(moments)))

    listed = await book.unreachable(10)
    assert len(listed) == 1
    assert listed[0].since in moments


async def test_concurrent_first_messages_after_a_bare_record_welcome_once(database: Database) -> None:
    book = SqlContactBook(database)
    await book.mark_unreachable(TENANT, PERSON, "no conversation", FAILED)

    outcomes = await asyncio.gather(*(book.remember(TENANT, PERSON, ADDRESS, SEEN) for _ in range(8)))

    assert sorted(outcomes) == [False] * 7 + [True]


async def test_rolling_back_the_release_keeps_contacts(database: Database) -> None:
    book = SqlContactBook(database)
    await book.remember(TENANT, PERSON, ADDRESS, SEEN)
    await book.mark_unreachable(TENANT, PERSON, "403 blocked", FAILED)

    await downgrade(database, "0001_foundation")

    async with database.engine.connect() as connection:
        kept = (await connection.execute(text("SELECT tenant_id, person_id FROM contacts"))).all()
    assert [tuple(row) for row in kept] == [(TENANT.value, PERSON.value)]

    await upgrade(database)

    assert await current_revision(database) == head_revision()
    contact = await book.find(TENANT, PERSON)
    assert contact is not None
    assert (contact.address, contact.unreachable_since) == (ADDRESS, None)
