"""The meeting store's contract, held by the SQL store on both backends and by the in-memory fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from programme.applications import ApplicationStore
from programme.calendar import Interval
from programme.cohorts import CohortStore
from programme.meetings import Meeting, MeetingState, MeetingStore, NewMeeting
from programme.pairs import NewPair, Pair, PairStore
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.database import Database
from storage.meeting_store import SqlMeetingStore
from storage.pair_store import SqlPairStore
from storage.personal_data_holders import MeetingsHolder, PairsHolder
from storage.tables import meetings
from tests.programme.builders import (
    COORDINATOR,
    cohort_plan,
    mentee_profile,
    mentor_profile,
    person,
    stored_application,
)
from tests.support.databases import migrated_database
from tests.support.programme_fakes import (
    InMemoryApplicationStore,
    InMemoryCohortStore,
    InMemoryMeetingStore,
    InMemoryPairStore,
)

# Microseconds and a non-midnight time, so truncation or a time-zone shift would show.
NOW = datetime(2026, 5, 11, 10, 41, 7, 208413, tzinfo=UTC)
LATER = NOW + timedelta(hours=2, microseconds=3)
# Summer time, an hour off UTC: times given in it must come back as the same moments, in UTC.
LONDON = ZoneInfo("Europe/London")
WINDOW = Interval(datetime(2026, 6, 1, 8, tzinfo=LONDON), datetime(2026, 6, 13, 18, tzinfo=LONDON))
SLOTS = (
    Interval(datetime(2026, 6, 2, 9, 30, 0, 125, tzinfo=LONDON), datetime(2026, 6, 2, 10, 30, 0, 125, tzinfo=LONDON)),
    Interval(datetime(2026, 6, 4, 14, tzinfo=LONDON), datetime(2026, 6, 4, 15, tzinfo=LONDON)),
    # Earlier than the one before it: the store keeps the order it was given.
    Interval(datetime(2026, 6, 3, 11, tzinfo=UTC), datetime(2026, 6, 3, 12, tzinfo=UTC)),
)
LATER_WINDOW = Interval(datetime(2026, 6, 15, 8, tzinfo=UTC), datetime(2026, 6, 27, 18, tzinfo=UTC))
EVENT_ID = "AAMkAGI2THVSAAA=remedi-meeting-1-2"
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ2@thread.v2/0?context=%7b%22Tid%22%7d"


@dataclass(frozen=True)
class Stores:
    meetings: MeetingStore
    pair: Pair
    other_pair: Pair
    # What erasing the pair's mentee does to the pair's meetings: the SQL holders in their order, or the fake's own.
    erase_mentee: Callable[[], Awaitable[object]]


async def two_published_pairs(
    cohorts: CohortStore, applications: ApplicationStore, pairs: PairStore
) -> tuple[Pair, Pair]:
    cohort = await cohorts.add(cohort_plan(NOW.date()), COORDINATOR, NOW)
    for mentor, mentee in ((1, 2), (3, 4)):
        mentor_application = await stored_application(
            applications, cohort, person(mentor), at=NOW, profile=mentor_profile()
        )
        mentee_application = await stored_application(
            applications, cohort, person(mentee), at=NOW, profile=mentee_profile()
        )
        await pairs.add(
            NewPair(
                cohort.id,
                mentor_application.id,
                mentee_application.id,
                mentor_application.person,
                mentee_application.person,
                5,
                (),
            ),
            NOW,
        )
    pair, other_pair = await pairs.publish(cohort.id, NOW)
    return pair, other_pair


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == "memory":
        pair, other = await two_published_pairs(InMemoryCohortStore(), InMemoryApplicationStore(), InMemoryPairStore())
        fake = InMemoryMeetingStore()
        yield Stores(fake, pair, other, lambda: fake.forget(pair.id, pair.mentee, LATER))
        return
    async with migrated_database(request.param, tmp_path) as database:
        pair, other = await two_published_pairs(
            SqlCohortStore(database), SqlApplicationStore(database), SqlPairStore(database)
        )

        async def erase_mentee() -> None:
            for holder in (MeetingsHolder(database), PairsHolder(database)):
                await holder.erase(pair.mentee, LATER)

        yield Stores(SqlMeetingStore(database), pair, other, erase_mentee)


def offer(pair: Pair, session: int = 1, slots: tuple[Interval, ...] = SLOTS) -> NewMeeting:
    return NewMeeting(pair_id=pair.id, session=session, window=WINDOW, slots=slots)


async def offered(stores: Stores, session: int = 1) -> Meeting:
    meeting = await stores.meetings.add(offer(stores.pair, session), NOW)
    assert meeting is not None
    return meeting


def moments(meeting: Meeting) -> list[datetime]:
    intervals = [meeting.window, *meeting.slots, *([] if meeting.when is None else [meeting.when])]
    return [meeting.created_at, meeting.updated_at, *(m for i in intervals for m in (i.start, i.end))]


def all_in_utc(meeting: Meeting) -> bool:
    return all(moment.tzinfo is UTC for moment in moments(meeting))


# Offering -----------------------------------------------------------------------------------------------------------


async def test_a_new_meeting_is_an_offer_at_version_one(stores: Stores) -> None:
    new = offer(stores.pair)

    meeting = await stores.meetings.add(new, NOW)

    assert meeting is not None
    assert (meeting.pair_id, meeting.session, meeting.state, meeting.version) == (
        stores.pair.id,
        1,
        MeetingState.OFFERED,
        1,
    )
    assert (meeting.window, meeting.slots) == (WINDOW, SLOTS)
    assert (meeting.when, meeting.event_id, meeting.join_url, meeting.chosen_by) == (None, None, None, None)
    assert (meeting.ics_token, meeting.created_at, meeting.updated_at) == (new.ics_token, NOW, NOW)
    assert await stores.meetings.get(meeting.id) == meeting
    assert await stores.meetings.by_ics_token(new.ics_token) == meeting


async def test_times_come_back_as_the_same_moments_in_utc(stores: Stores) -> None:
    meeting = await offered(stores)
    chosen = await stores.meetings.save(meeting.chosen(SLOTS[0], stores.pair.mentor), meeting.version, LATER)
    assert chosen is not None

    for read in (meeting, chosen, await stores.meetings.get(meeting.id)):
        assert read is not None
        assert all_in_utc(read)
    assert chosen.when == SLOTS[0]
    assert chosen.when.start == datetime(2026, 6, 2, 8, 30, 0, 125, tzinfo=UTC)
    assert chosen.slots == SLOTS


async def test_an_offer_may_have_no_times(stores: Stores) -> None:
    meeting = await stores.meetings.add(offer(stores.pair, slots=()), NOW)

    assert meeting is not None
    assert meeting.slots == ()
    assert await stores.meetings.get(meeting.id) == meeting


async def test_a_session_is_offered_once_per_pair(stores: Stores) -> None:
    first = await offered(stores)

    assert await stores.meetings.add(offer(stores.pair), LATER) is None

    assert await stores.meetings.for_pairs([stores.pair.id]) == [first]
    # The same session of another pair, and the next session of this one, are meetings of their own.
    assert await stores.meetings.add(offer(stores.other_pair), LATER) is not None
    assert await stores.meetings.add(offer(stores.pair, session=2), LATER) is not None


async def test_two_offers_of_the_same_session_at_once_store_one(stores: Stores) -> None:
    results = await asyncio.gather(
        stores.meetings.add(offer(stores.pair), NOW),
        stores.meetings.add(offer(stores.pair, slots=SLOTS[:1]), NOW),
    )

    (winner,) = [result for result in results if result is not None]
    assert await stores.meetings.for_pairs([stores.pair.id]) == [winner]


# Finding ------------------------------------------------------------------------------------------------------------


async def test_nothing_is_found_for_what_was_never_stored(stores: Stores) -> None:
    await offered(stores)

    assert await stores.meetings.get(404) is None
    assert await stores.meetings.by_ics_token("not-a-token") is None
    assert await stores.meetings.for_pairs([]) == []
    assert await stores.meetings.for_pairs([404]) == []


async def test_the_meetings_of_pairs_come_by_pair_then_session(stores: Stores) -> None:
    pair, other = stores.pair, stores.other_pair
    for which, session in ((other, 2), (pair, 3), (other, 1), (pair, 1), (pair, 2)):
        assert await stores.meetings.add(offer(which, session), NOW) is not None

    both = await stores.meetings.for_pairs([other.id, pair.id, other.id])
    only_other = await stores.meetings.for_pairs([other.id])

    assert pair.id < other.id
    assert [(m.pair_id, m.session) for m in both] == [
        (pair.id, 1),
        (pair.id, 2),
        (pair.id, 3),
        (other.id, 1),
        (other.id, 2),
    ]
    assert [(m.pair_id, m.session) for m in only_other] == [(other.id, 1), (other.id, 2)]


# Saving -------------------------------------------------------------------------------------------------------------


async def test_choosing_and_booking_are_saved_with_a_new_version_each(stores: Stores) -> None:
    meeting = await offered(stores)

    chosen = await stores.meetings.save(meeting.chosen(SLOTS[1], stores.pair.mentee), meeting.version, LATER)
    assert chosen is not None
    booked = await stores.meetings.save(chosen.booked(EVENT_ID, JOIN_URL), chosen.version, LATER + timedelta(1))

    assert chosen == replace(
        meeting,
        state=MeetingState.BOOKING,
        when=SLOTS[1],
        chosen_by=stores.pair.mentee,
        version=2,
        updated_at=LATER,
    )
    assert booked == replace(
        chosen,
        state=MeetingState.BOOKED,
        event_id=EVENT_ID,
        join_url=JOIN_URL,
        slots=(),
        version=3,
        updated_at=LATER + timedelta(1),
    )
    assert await stores.meetings.get(meeting.id) == booked
    assert await stores.meetings.by_ics_token(meeting.ics_token) == booked


async def test_rescheduling_keeps_the_event_until_a_new_time_is_booked(stores: Stores) -> None:
    meeting = await offered(stores)
    chosen = await stores.meetings.save(meeting.chosen(SLOTS[0], stores.pair.mentor), 1, NOW)
    assert chosen is not None
    booked = await stores.meetings.save(chosen.booked(EVENT_ID, None), 2, NOW)
    assert booked is not None

    again = await stores.meetings.save(booked.offered(LATER_WINDOW, SLOTS[1:]), 3, LATER)

    assert again is not None
    assert again.rescheduling
    assert (again.window, again.slots, again.when, again.event_id, again.join_url) == (
        LATER_WINDOW,
        SLOTS[1:],
        SLOTS[0],
        EVENT_ID,
        None,
    )
    assert again.chosen_by is None
    assert await stores.meetings.get(meeting.id) == again


async def test_a_refused_booking_and_a_cancellation_are_saved_too(stores: Stores) -> None:
    meeting = await offered(stores)
    chosen = await stores.meetings.save(meeting.chosen(SLOTS[2], stores.pair.mentor), 1, NOW)
    assert chosen is not None

    refused = await stores.meetings.save(chosen.back_to_offer(), 2, LATER)
    assert refused is not None
    cancelled = await stores.meetings.save(refused.cancelled(), 3, LATER)

    # Nobody's choice stands any more, so the chooser is cleared with it.
    assert (refused.state, refused.when, refused.slots, refused.chosen_by) == (MeetingState.OFFERED, None, SLOTS, None)
    assert cancelled == replace(refused, state=MeetingState.CANCELLED, slots=(), version=4)
    assert await stores.meetings.get(meeting.id) == cancelled


async def test_a_save_never_moves_a_meeting_to_another_pair_session_or_token(stores: Stores) -> None:
    meeting = await offered(stores)
    elsewhere = replace(
        meeting.chosen(SLOTS[0], stores.pair.mentor),
        pair_id=stores.other_pair.id,
        session=5,
        ics_token="someone-elses-token",
        created_at=LATER,
    )

    saved = await stores.meetings.save(elsewhere, meeting.version, LATER)

    assert saved is not None
    assert (saved.pair_id, saved.session, saved.ics_token, saved.created_at) == (
        stores.pair.id,
        1,
        meeting.ics_token,
        NOW,
    )
    assert saved.chosen_by == stores.pair.mentor


async def test_a_save_from_a_stale_read_changes_nothing(stores: Stores) -> None:
    meeting = await offered(stores)
    first = await stores.meetings.save(meeting.chosen(SLOTS[0], stores.pair.mentor), meeting.version, NOW)

    # The mentee read the offer before the mentor chose.
    assert await stores.meetings.save(meeting.chosen(SLOTS[1], stores.pair.mentee), meeting.version, LATER) is None
    assert await stores.meetings.save(meeting.cancelled(), 7, LATER) is None
    assert await stores.meetings.save(replace(meeting, id=404), meeting.version, LATER) is None

    assert await stores.meetings.get(meeting.id) == first


async def test_two_choices_at_once_book_one(stores: Stores) -> None:
    meeting = await offered(stores)

    results = await asyncio.gather(
        stores.meetings.save(meeting.chosen(SLOTS[0], stores.pair.mentor), meeting.version, NOW),
        stores.meetings.save(meeting.chosen(SLOTS[1], stores.pair.mentee), meeting.version, NOW),
    )

    (winner,) = [result for result in results if result is not None]
    assert winner.version == meeting.version + 1
    assert await stores.meetings.get(meeting.id) == winner


# Erasure ------------------------------------------------------------------------------------------------------------


async def test_once_someone_in_the_pair_is_erased_its_meetings_are_out_of_reach(stores: Stores) -> None:
    meeting = await offered(stores)
    chosen = await stores.meetings.save(meeting.chosen(SLOTS[0], stores.pair.mentee), 1, NOW)
    assert chosen is not None
    booked = await stores.meetings.save(chosen.booked(EVENT_ID, JOIN_URL), 2, NOW)
    assert booked is not None
    others = await stores.meetings.add(offer(stores.other_pair), NOW)

    await stores.erase_mentee()

    assert await stores.meetings.get(meeting.id) is None
    # The .ics link already sent to the pair stops working.
    assert await stores.meetings.by_ics_token(meeting.ics_token) is None
    assert await stores.meetings.for_pairs([stores.pair.id, stores.other_pair.id]) == [others]
    # Neither a card read before the erasure nor a new offer of the same session can bring the meeting back.
    assert await stores.meetings.save(booked.cancelled(), booked.version, LATER) is None
    assert await stores.meetings.save(booked.cancelled(), booked.version + 1, LATER) is None
    assert await stores.meetings.add(offer(stores.pair), LATER) is None


# SQL only -----------------------------------------------------------------------------------------------------------


async def test_the_id_of_a_removed_meeting_is_never_handed_out_again(database: Database) -> None:
    pair, _ = await two_published_pairs(SqlCohortStore(database), SqlApplicationStore(database), SqlPairStore(database))
    store = SqlMeetingStore(database)
    newest = await store.add(offer(pair, session=1), NOW)
    assert newest is not None
    async with database.engine.begin() as connection:
        await connection.execute(delete(meetings).where(meetings.c.id == newest.id))

    again = await store.add(offer(pair, session=1), NOW)

    assert again is not None
    assert again.id > newest.id


async def test_slots_are_stored_as_utc_iso_times(database: Database) -> None:
    pair, _ = await two_published_pairs(SqlCohortStore(database), SqlApplicationStore(database), SqlPairStore(database))
    meeting = await SqlMeetingStore(database).add(offer(pair, slots=SLOTS[:1]), NOW)
    assert meeting is not None

    async with database.engine.connect() as connection:
        stored = (await connection.execute(select(meetings.c.slots).where(meetings.c.id == meeting.id))).scalar_one()

    assert stored == [["2026-06-02T08:30:00.000125+00:00", "2026-06-02T09:30:00.000125+00:00"]]
