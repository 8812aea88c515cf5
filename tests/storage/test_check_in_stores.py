"""The prompt store's and the attendance store's contracts, held by the SQL stores on both backends and by the
in-memory fakes; and what their personal data holders export and erase."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from programme.attendance import Attendance, AttendanceStore, Outcome
from programme.identity import PersonId
from programme.meetings import MeetingStore, NewMeeting
from programme.pairs import Pair
from programme.personal_data import PersonalDataHolder
from programme.prompts import Prompt, PromptKind, PromptStore
from storage.application_store import SqlApplicationStore
from storage.attendance_store import SqlAttendanceStore
from storage.cohort_store import SqlCohortStore
from storage.meeting_store import SqlMeetingStore
from storage.pair_store import SqlPairStore
from storage.personal_data_holders import AttendanceHolder, PromptsHolder
from storage.prompt_store import SqlPromptStore
from storage.tables import meeting_attendance
from tests.storage.test_meeting_store import LATER, NOW, SLOTS, WINDOW, two_published_pairs
from tests.support.databases import migrated_database
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryAttendanceStore,
    InMemoryCohortStore,
    InMemoryMeetingStore,
    InMemoryPairStore,
    InMemoryPromptStore,
)

AMARA = PersonId("8d3e1f6a-0b2c-4e9d-a7f5-3c1b9e2d4a60")
BEN = PersonId("2c4e6a8b-1d3f-4a5c-9e7b-0f1a2b3c4d5e")
EVEN_LATER = LATER + timedelta(days=1, microseconds=7)


@dataclass(frozen=True)
class Stores:
    prompts: PromptStore
    attendance: AttendanceStore
    # Two meetings of one pair, for attendance to be about.
    meetings: tuple[int, int]
    prompts_holder: PersonalDataHolder
    attendance_holder: PersonalDataHolder
    # What erasing a person left of their answers: (meeting, outcome) without anyone's id.
    anonymous: Callable[[], Awaitable[list[tuple[int, str]]]]


async def two_meetings(store: MeetingStore, pair: Pair) -> tuple[int, int]:
    first = await store.add(NewMeeting(pair.id, 1, WINDOW, SLOTS), NOW)
    second = await store.add(NewMeeting(pair.id, 2, WINDOW, SLOTS), NOW)
    assert first is not None
    assert second is not None
    return first.id, second.id


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        pair, _ = await two_published_pairs(InMemoryCohortStore(), InMemoryApplicationStore(), InMemoryPairStore())
        prompts, attendance = InMemoryPromptStore(), InMemoryAttendanceStore()

        async def fake_anonymous() -> list[tuple[int, str]]:
            return sorted((meeting, outcome.value) for meeting, outcome in attendance.anonymous)

        meetings = await two_meetings(InMemoryMeetingStore(), pair)
        yield Stores(prompts, attendance, meetings, prompts, attendance, fake_anonymous)
        return
    async with migrated_database(request.param, tmp_path) as database:
        pair, _ = await two_published_pairs(
            SqlCohortStore(database), SqlApplicationStore(database), SqlPairStore(database)
        )

        async def anonymous() -> list[tuple[int, str]]:
            query = select(meeting_attendance.c.meeting_id, meeting_attendance.c.outcome).where(
                meeting_attendance.c.person_id.is_(None)
            )
            async with database.engine.connect() as connection:
                return sorted((m, o) for m, o in (await connection.execute(query)).all())

        yield Stores(
            SqlPromptStore(database),
            SqlAttendanceStore(database),
            await two_meetings(SqlMeetingStore(database), pair),
            PromptsHolder(database),
            AttendanceHolder(database),
            anonymous,
        )


# Prompts ----------------------------------------------------------------------------------------------------------


async def test_a_recorded_prompt_is_open_until_answered(stores: Stores) -> None:
    assert await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, "meeting:7", NOW)

    [prompt] = await stores.prompts.recent(AMARA, 3)
    assert prompt == Prompt(AMARA, PromptKind.DID_YOU_MEET, "meeting:7", NOW)
    assert prompt.open
    assert prompt.sent_at.tzinfo is UTC

    await stores.prompts.answered(AMARA, PromptKind.DID_YOU_MEET, "meeting:7", LATER)

    [answered] = await stores.prompts.recent(AMARA, 3)
    assert (answered.answered_at, answered.open) == (LATER, False)


async def test_recording_a_prompt_again_changes_nothing(stores: Stores) -> None:
    assert await stores.prompts.record(AMARA, PromptKind.STALLED, "pair:3:stalled:2026-04-01", NOW)

    assert not await stores.prompts.record(AMARA, PromptKind.STALLED, "pair:3:stalled:2026-04-01", LATER)

    assert [p.sent_at for p in await stores.prompts.recent(AMARA, 5)] == [NOW]


async def test_the_same_ref_of_another_kind_or_person_is_another_prompt(stores: Stores) -> None:
    assert await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, "meeting:7", NOW)
    assert await stores.prompts.record(AMARA, PromptKind.REFLECTION, "meeting:7", NOW)
    assert await stores.prompts.record(BEN, PromptKind.DID_YOU_MEET, "meeting:7", NOW)

    assert len(await stores.prompts.recent(AMARA, 5)) == 2
    assert len(await stores.prompts.recent(BEN, 5)) == 1


async def test_recording_at_once_twice_stores_one(stores: Stores) -> None:
    results = await asyncio.gather(
        *(stores.prompts.record(AMARA, PromptKind.SURVEY, "survey:1:baseline", NOW) for _ in range(3))
    )

    assert sorted(results) == [False, False, True]
    assert len(await stores.prompts.recent(AMARA, 5)) == 1


async def test_recent_is_newest_first_and_limited(stores: Stores) -> None:
    for n in range(5):
        await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, f"meeting:{n}", NOW + timedelta(hours=n))
    # Two in the same instant: the one recorded later counts as newer.
    await stores.prompts.record(AMARA, PromptKind.STALLED, "pair:1:stalled:2026-05-01", NOW + timedelta(hours=4))

    recent = await stores.prompts.recent(AMARA, 3)

    assert [p.ref for p in recent] == ["pair:1:stalled:2026-05-01", "meeting:4", "meeting:3"]
    assert await stores.prompts.recent(AMARA, 0) == []
    assert await stores.prompts.recent(BEN, 3) == []


async def test_only_the_first_answer_counts_and_unknown_prompts_are_ignored(stores: Stores) -> None:
    await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, "meeting:7", NOW)
    await stores.prompts.answered(AMARA, PromptKind.DID_YOU_MEET, "meeting:7", LATER)

    await stores.prompts.answered(AMARA, PromptKind.DID_YOU_MEET, "meeting:7", EVEN_LATER)
    await stores.prompts.answered(AMARA, PromptKind.DID_YOU_MEET, "meeting:8", EVEN_LATER)
    await stores.prompts.answered(BEN, PromptKind.DID_YOU_MEET, "meeting:7", EVEN_LATER)

    assert [(p.ref, p.answered_at) for p in await stores.prompts.recent(AMARA, 5)] == [("meeting:7", LATER)]
    assert await stores.prompts.recent(BEN, 5) == []


async def test_closing_stops_counting_only_the_persons_open_prompts(stores: Stores) -> None:
    await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, "meeting:1", NOW)
    await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, "meeting:2", NOW + timedelta(hours=1))
    await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, "meeting:3", NOW + timedelta(hours=2))
    await stores.prompts.record(BEN, PromptKind.DID_YOU_MEET, "meeting:1", NOW)
    await stores.prompts.answered(AMARA, PromptKind.DID_YOU_MEET, "meeting:2", LATER)

    assert await stores.prompts.close_open(AMARA, EVEN_LATER) == 2
    assert await stores.prompts.close_open(AMARA, EVEN_LATER) == 0

    by_ref = {p.ref: p for p in await stores.prompts.recent(AMARA, 5)}
    assert (by_ref["meeting:1"].closed_at, by_ref["meeting:3"].closed_at) == (EVEN_LATER, EVEN_LATER)
    assert (by_ref["meeting:2"].closed_at, by_ref["meeting:2"].answered_at) == (None, LATER)
    assert not any(p.open for p in by_ref.values())
    [bens] = await stores.prompts.recent(BEN, 5)
    assert bens.open


async def test_the_prompts_holder_exports_and_erases_only_the_persons_prompts(stores: Stores) -> None:
    await stores.prompts.record(AMARA, PromptKind.DID_YOU_MEET, "meeting:1", NOW)
    await stores.prompts.record(AMARA, PromptKind.STALLED, "pair:1:stalled:2026-05-01", LATER)
    await stores.prompts.answered(AMARA, PromptKind.STALLED, "pair:1:stalled:2026-05-01", EVEN_LATER)
    await stores.prompts.record(BEN, PromptKind.DID_YOU_MEET, "meeting:1", NOW)

    exported = await stores.prompts_holder.export(AMARA)

    assert exported == [
        {
            "kind": "stalled",
            "about": "pair:1:stalled:2026-05-01",
            "sent_at": LATER.isoformat(),
            "answered_at": EVEN_LATER.isoformat(),
            "closed_at": None,
        },
        {
            "kind": "did-you-meet",
            "about": "meeting:1",
            "sent_at": NOW.isoformat(),
            "answered_at": None,
            "closed_at": None,
        },
    ]
    assert stores.prompts_holder.section == "prompts"
    assert await stores.prompts_holder.erase(AMARA, EVEN_LATER) == 2
    assert await stores.prompts_holder.erase(AMARA, EVEN_LATER) == 0
    assert await stores.prompts.recent(AMARA, 5) == []
    assert await stores.prompts_holder.export(AMARA) == []
    assert len(await stores.prompts.recent(BEN, 5)) == 1


# Attendance -------------------------------------------------------------------------------------------------------


async def test_an_answer_is_kept_per_meeting_and_person(stores: Stores) -> None:
    first, second = stores.meetings

    assert await stores.attendance.record(first, AMARA, Outcome.MET, NOW) is None
    assert await stores.attendance.record(first, BEN, Outcome.NOT_HELD, LATER) is None
    assert await stores.attendance.record(second, AMARA, Outcome.RESCHEDULED, LATER) is None

    assert await stores.attendance.for_meetings([first]) == [
        Attendance(first, AMARA, Outcome.MET, NOW),
        Attendance(first, BEN, Outcome.NOT_HELD, LATER),
    ]
    assert await stores.attendance.for_meetings([second, first, second]) == [
        Attendance(first, AMARA, Outcome.MET, NOW),
        Attendance(first, BEN, Outcome.NOT_HELD, LATER),
        Attendance(second, AMARA, Outcome.RESCHEDULED, LATER),
    ]
    assert await stores.attendance.for_meetings([]) == []
    assert all(a.answered_at.tzinfo is UTC for a in await stores.attendance.for_meetings([first, second]))


async def test_answering_again_replaces_the_answer_and_says_what_it_was(stores: Stores) -> None:
    first, _ = stores.meetings
    await stores.attendance.record(first, AMARA, Outcome.NOT_HELD, NOW)

    replaced = await stores.attendance.record(first, AMARA, Outcome.MET, LATER)

    assert replaced == Attendance(first, AMARA, Outcome.NOT_HELD, NOW)
    assert await stores.attendance.for_meetings([first]) == [Attendance(first, AMARA, Outcome.MET, LATER)]


async def test_two_answers_at_once_leave_one(stores: Stores) -> None:
    first, _ = stores.meetings

    await asyncio.gather(*(stores.attendance.record(first, AMARA, Outcome.MET, NOW) for _ in range(3)))

    assert await stores.attendance.for_meetings([first]) == [Attendance(first, AMARA, Outcome.MET, NOW)]


async def test_the_attendance_holder_exports_and_anonymises_only_the_persons_answers(stores: Stores) -> None:
    first, second = stores.meetings
    await stores.attendance.record(first, AMARA, Outcome.MET, NOW)
    await stores.attendance.record(second, AMARA, Outcome.NOT_HELD, LATER)
    await stores.attendance.record(first, BEN, Outcome.MET, NOW)

    exported = await stores.attendance_holder.export(AMARA)

    assert [(e["meeting"], e["answer"], e["answered_at"]) for e in exported] == [
        (first, "met", NOW.isoformat()),
        (second, "not-held", LATER.isoformat()),
    ]
    assert stores.attendance_holder.section == "attendance"
    assert await stores.attendance_holder.erase(AMARA, EVEN_LATER) == 2
    assert await stores.attendance_holder.erase(AMARA, EVEN_LATER) == 0
    assert await stores.attendance_holder.export(AMARA) == []
    # Ben's answer stays his; hers stay only as anonymous counts, out of every lookup.
    assert await stores.attendance.for_meetings([first, second]) == [Attendance(first, BEN, Outcome.MET, NOW)]
    assert await stores.anonymous() == sorted([(first, "met"), (second, "not-held")])


async def test_an_erased_persons_answer_does_not_stop_a_new_one(stores: Stores) -> None:
    first, _ = stores.meetings
    await stores.attendance.record(first, AMARA, Outcome.MET, NOW)
    await stores.attendance_holder.erase(AMARA, LATER)

    # Someone who comes back after being erased is someone new; their answer is stored afresh.
    assert await stores.attendance.record(first, AMARA, Outcome.MET, EVEN_LATER) is None
    assert await stores.attendance.for_meetings([first]) == [Attendance(first, AMARA, Outcome.MET, EVEN_LATER)]
