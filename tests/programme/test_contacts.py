"""RecentContacts: the contact book that skips writes which would change nothing."""

from __future__ import annotations

from datetime import timedelta

from programme.contacts import RecentContacts
from programme.identity import PersonId, TenantId
from tests.support.fakes import DEFAULT_NOW, InMemoryContactBook

TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
PERSON = PersonId("a0000000-0000-4000-8000-000000000002")
OTHER = PersonId("a0000000-0000-4000-8000-000000000003")
ADDRESS = {"conversation": {"id": "a:1"}, "serviceUrl": "https://smba.example/"}


class CountingBook(InMemoryContactBook):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def remember(self, *args: object, **kwargs: object) -> bool:
        self.writes += 1
        return await super().remember(*args, **kwargs)  # type: ignore[arg-type]


async def test_the_same_address_soon_after_is_not_written_again() -> None:
    inner = CountingBook()
    book = RecentContacts(inner, refresh_after=timedelta(minutes=5))
    assert await book.remember(TENANT, PERSON, ADDRESS, DEFAULT_NOW) is True
    assert await book.remember(TENANT, PERSON, dict(ADDRESS), DEFAULT_NOW + timedelta(minutes=4)) is False
    assert inner.writes == 1


async def test_a_changed_address_is_written_at_once() -> None:
    inner = CountingBook()
    book = RecentContacts(inner)
    await book.remember(TENANT, PERSON, ADDRESS, DEFAULT_NOW)
    moved = {**ADDRESS, "serviceUrl": "https://smba.example/emea/"}
    assert await book.remember(TENANT, PERSON, moved, DEFAULT_NOW + timedelta(seconds=1)) is False
    assert inner.writes == 2
    found = await book.find(TENANT, PERSON)
    assert found is not None
    assert found.address == moved


async def test_last_seen_is_refreshed_after_the_interval() -> None:
    inner = CountingBook()
    book = RecentContacts(inner, refresh_after=timedelta(minutes=5))
    await book.remember(TENANT, PERSON, ADDRESS, DEFAULT_NOW)
    later = DEFAULT_NOW + timedelta(minutes=6)
    await book.remember(TENANT, PERSON, ADDRESS, later)
    assert inner.writes == 2
    found = await book.find(TENANT, PERSON)
    assert found is not None
    assert found.last_seen == later


async def test_memory_is_bounded_and_forgotten_people_are_written_again() -> None:
    inner = CountingBook()
    book = RecentContacts(inner, capacity=1)
    await book.remember(TENANT, PERSON, ADDRESS, DEFAULT_NOW)
    await book.remember(TENANT, OTHER, ADDRESS, DEFAULT_NOW)
    await book.remember(TENANT, PERSON, ADDRESS, DEFAULT_NOW)
    assert inner.writes == 3
