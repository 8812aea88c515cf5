"""RecentContacts.forget: once a person's record is erased, their next message is stored again, not skipped."""

from __future__ import annotations

from datetime import datetime, timedelta

from programme.contacts import Address, RecentContacts
from programme.identity import PersonId, TenantId
from tests.programme.builders import AISHA, BEN, TENANT
from tests.support.fakes import DEFAULT_NOW, InMemoryContactBook

OTHER_TENANT = TenantId("5c1e2d3f-4a5b-4c6d-8e7f-000000000002")
ADDRESS = {"conversation": {"id": "a:aisha"}, "serviceUrl": "https://smba.example/"}


class CountingBook(InMemoryContactBook):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[TenantId, PersonId]] = []

    async def remember(self, tenant: TenantId, person: PersonId, address: Address, at: datetime) -> bool:
        self.writes.append((tenant, person))
        return await super().remember(tenant, person, address, at)


async def test_after_forget_the_next_message_writes_through_and_counts_as_first_contact() -> None:
    inner = CountingBook()
    book = RecentContacts(inner, refresh_after=timedelta(minutes=5))
    assert await book.remember(TENANT, AISHA, ADDRESS, DEFAULT_NOW) is True
    assert await book.remember(TENANT, AISHA, ADDRESS, DEFAULT_NOW + timedelta(seconds=10)) is False
    assert inner.writes == [(TENANT, AISHA)]

    # The person's data is erased: the store forgets them, and so must this process.
    del inner.contacts[(TENANT, AISHA)]
    book.forget(AISHA)

    later = DEFAULT_NOW + timedelta(seconds=20)
    assert await book.remember(TENANT, AISHA, ADDRESS, later) is True
    assert inner.writes == [(TENANT, AISHA), (TENANT, AISHA)]
    found = await book.find(TENANT, AISHA)
    assert found is not None
    assert (found.first_seen, found.address) == (later, ADDRESS)


async def test_without_forget_the_erased_person_would_be_skipped() -> None:
    # The reason forget exists: the cache alone would swallow the write.
    inner = CountingBook()
    book = RecentContacts(inner, refresh_after=timedelta(minutes=5))
    await book.remember(TENANT, AISHA, ADDRESS, DEFAULT_NOW)
    del inner.contacts[(TENANT, AISHA)]
    assert await book.remember(TENANT, AISHA, ADDRESS, DEFAULT_NOW + timedelta(seconds=20)) is False
    assert await book.find(TENANT, AISHA) is None


async def test_forget_drops_the_person_in_every_tenant_and_nobody_else() -> None:
    inner = CountingBook()
    book = RecentContacts(inner, refresh_after=timedelta(minutes=5))
    await book.remember(TENANT, AISHA, ADDRESS, DEFAULT_NOW)
    await book.remember(OTHER_TENANT, AISHA, ADDRESS, DEFAULT_NOW)
    await book.remember(TENANT, BEN, ADDRESS, DEFAULT_NOW)
    inner.writes.clear()

    book.forget(AISHA)
    soon = DEFAULT_NOW + timedelta(seconds=30)
    await book.remember(TENANT, AISHA, ADDRESS, soon)
    await book.remember(OTHER_TENANT, AISHA, ADDRESS, soon)
    await book.remember(TENANT, BEN, ADDRESS, soon)
    assert inner.writes == [(TENANT, AISHA), (OTHER_TENANT, AISHA)]


def test_forgetting_someone_never_seen_is_harmless() -> None:
    book = RecentContacts(InMemoryContactBook())
    book.forget(AISHA)
