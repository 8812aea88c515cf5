"""Private reflections: written after a meeting (or any time), changed and deleted only by their author, counted
(never read) by coordinators, and marking the reflection prompt answered."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

import pytest

from programme.attendance import Outcome
from programme.errors import InvalidFields, NotFound
from programme.identity import PersonId
from programme.meetings import Meeting
from programme.prompts import Prompter, PromptKind
from programme.reflections import (
    ACTIONS,
    DIFFERENTLY,
    FEELING,
    LEARNED,
    MAX_ANSWER,
    MAX_NOTES,
    NOT_FOUND,
    NOTES,
    PAGE_SIZE,
    CohortReflections,
    DeleteQuestion,
    Feeling,
    PairReflections,
    ReflectionPage,
    Reflections,
    ReflectionText,
    ReflectionView,
    Saved,
    general_key,
    meeting_key,
    valid_key,
)
from tests.programme.builders import AISHA, BEN, CHIOMA, LONDON
from tests.programme.scheduling_world import Arranged, SchedulingWorld
from tests.support.fakes import FakeClock
from tests.support.programme_fakes import (
    InMemoryAttendanceStore,
    InMemoryParticipantStore,
    InMemoryPromptStore,
    InMemoryReflectionStore,
)

TEXT = ReflectionText(
    learned="How often Aisha is asked where she is 'really' from.",
    differently="Ask my team how they would like to raise things.",
    actions="I'll look at who gets acting-up roles.",
    feeling=Feeling.THOUGHTFUL,
    notes="Line one\nLine two",
)
OTHER_TEXT = ReflectionText(learned="Something else entirely.")


@dataclass
class World:
    base: SchedulingWorld
    arranged: Arranged
    reflections: Reflections
    store: InMemoryReflectionStore
    attendance: InMemoryAttendanceStore
    prompts: InMemoryPromptStore

    @property
    def clock(self) -> FakeClock:
        return self.base.clock


@pytest.fixture
async def world() -> World:
    base = SchedulingWorld()
    arranged = await base.arrange()
    store = InMemoryReflectionStore()
    attendance = InMemoryAttendanceStore()
    prompts = InMemoryPromptStore()
    prompter = Prompter(prompts=prompts, participants=InMemoryParticipantStore(), clock=base.clock, zone=LONDON)
    reflections = Reflections(
        reflections=store,
        meetings=base.meetings,
        attendance=attendance,
        pairs=base.pairs,
        applications=base.applications,
        prompts=prompter,
        clock=base.clock,
        zone=LONDON,
    )
    return World(base, arranged, reflections, store, attendance, prompts)


async def held(world: World, slot: int = 0) -> Meeting:
    """A meeting booked by the mentee, with the clock moved to just after it ended."""
    meeting = await world.base.booked(CHIOMA, slot)
    assert meeting.when is not None
    world.base.clock.set(meeting.when.end + timedelta(minutes=5))
    return meeting


async def save(
    world: World, person: PersonId, view: ReflectionView, text: ReflectionText = TEXT, version: int | None = None
) -> Saved | ReflectionView:
    return await world.reflections.save(
        person,
        key=view.key,
        reflection_id=None if view.reflection is None else view.reflection.id,
        version=view.version if version is None else version,
        text=text,
        values=_values(text),
    )


async def saved(world: World, person: PersonId, view: ReflectionView, text: ReflectionText = TEXT) -> Saved:
    outcome = await save(world, person, view, text)
    assert isinstance(outcome, Saved), outcome
    return outcome


def _values(text: ReflectionText) -> dict[str, str]:
    values = {name: text.value(name) for name in (LEARNED, DIFFERENTLY, ACTIONS, NOTES)}
    if text.feeling is not None:
        values[FEELING] = text.feeling.value
    return values


# Writing one -------------------------------------------------------------------------------------------------------


async def test_the_prompt_after_a_meeting_names_the_session_the_partner_and_the_day(world: World) -> None:
    meeting = await held(world)
    view = await world.reflections.prompt(AISHA, meeting.id)
    assert view.reflection is None
    assert view.key == meeting_key(meeting.id)
    assert view.subject is not None
    assert view.subject.partner_name == "Chioma"
    assert view.subject.occasion.session == 1
    assert view.subject.occasion.pair_id == world.arranged.pair.id
    assert view.subject.occasion.cohort_id == world.arranged.cohort.id
    assert meeting.when is not None
    assert view.subject.occasion.held_on == meeting.when.start.astimezone(LONDON).date()
    mentee_view = await world.reflections.prompt(CHIOMA, meeting.id)
    assert mentee_view.subject is not None
    assert mentee_view.subject.partner_name == "Aisha"


async def test_saving_stores_it_tidied_and_marks_the_reflection_prompt_answered(world: World) -> None:
    meeting = await held(world)
    await world.prompts.record(AISHA, PromptKind.REFLECTION, meeting_key(meeting.id), world.clock.now())
    view = await world.reflections.prompt(AISHA, meeting.id)
    messy = dataclasses.replace(TEXT, learned="  Spaces \u202eand\u0007 controls  ", notes="one\r\n\r\n\r\ntwo  ")
    done = await saved(world, AISHA, view, messy)
    assert done.edited is False
    assert done.reflection.version == 1
    assert done.reflection.text.learned == "Spaces and controls"
    assert done.reflection.text.notes == "one\n\ntwo"
    assert done.reflection.occasion is not None
    assert done.reflection.occasion.meeting_id == meeting.id
    [prompt] = world.prompts.of(AISHA)
    assert prompt.answered_at == world.clock.now()


async def test_a_general_reflection_marks_no_prompt_and_needs_no_meeting(world: World) -> None:
    await world.prompts.record(AISHA, PromptKind.REFLECTION, "meeting:1", world.clock.now())
    view = await world.reflections.prompt(AISHA, None)
    assert view.subject is None
    assert valid_key(view.key)
    assert view.key.startswith("general:")
    done = await saved(world, AISHA, view)
    assert done.reflection.occasion is None
    [prompt] = world.prompts.of(AISHA)
    assert prompt.answered_at is None


async def test_a_second_prompt_for_the_same_meeting_opens_what_was_written(world: World) -> None:
    meeting = await held(world)
    first = await saved(world, AISHA, await world.reflections.prompt(AISHA, meeting.id))
    again = await world.reflections.prompt(AISHA, meeting.id)
    assert again.reflection == first.reflection
    assert again.shown[LEARNED] == TEXT.learned
    assert again.shown[FEELING] == "thoughtful"


async def test_only_a_feeling_is_enough_but_nothing_at_all_is_not(world: World) -> None:
    view = await world.reflections.prompt(AISHA, None)
    only_feeling = await saved(world, AISHA, view, ReflectionText(feeling=Feeling.MIXED))
    assert only_feeling.reflection.text.feeling is Feeling.MIXED
    blank = await save(world, AISHA, await world.reflections.prompt(AISHA, None), ReflectionText(learned="  \n "))
    assert isinstance(blank, ReflectionView)
    assert set(blank.problems) == {LEARNED}
    assert await world.store.count_by_author(AISHA) == 1


async def test_too_long_answers_come_back_with_what_was_typed_and_a_problem_beside_each(world: World) -> None:
    meeting = await held(world)
    view = await world.reflections.prompt(AISHA, meeting.id)
    long = dataclasses.replace(TEXT, learned="l" * (MAX_ANSWER + 1), notes="n" * (MAX_NOTES + 1))
    outcome = await save(world, AISHA, view, long)
    assert isinstance(outcome, ReflectionView)
    assert set(outcome.problems) == {LEARNED, NOTES}
    assert str(MAX_ANSWER + 1) in outcome.problems[LEARNED]
    assert outcome.shown[DIFFERENTLY] == TEXT.differently
    assert outcome.subject == view.subject
    assert outcome.key == view.key
    assert await world.store.count_by_author(AISHA) == 0
    at_limit = dataclasses.replace(TEXT, learned="l" * MAX_ANSWER, notes="n" * MAX_NOTES)
    assert isinstance(await save(world, AISHA, view, at_limit), Saved)


async def test_someone_outside_the_pair_cannot_reflect_on_its_meeting(world: World) -> None:
    meeting = await held(world)
    with pytest.raises(NotFound):
        await world.reflections.prompt(BEN, meeting.id)
    with pytest.raises(NotFound):
        await world.reflections.save(
            BEN, key=meeting_key(meeting.id), reflection_id=None, version=0, text=TEXT, values={}
        )
    with pytest.raises(NotFound):
        await world.reflections.prompt(AISHA, 999)
    assert await world.store.count_by_author(BEN) == 0


async def test_a_key_no_card_of_ours_carries_is_refused(world: World) -> None:
    for key in ("", "meeting:", "meeting:0", "meeting:01", "meeting:99999999999", "general:", "general:x", "other:1"):
        assert not valid_key(key)
        with pytest.raises(NotFound):
            await world.reflections.save(AISHA, key=key, reflection_id=None, version=0, text=TEXT, values={})
    assert valid_key(general_key())


# 'reflect' ---------------------------------------------------------------------------------------------------------


async def test_reflect_is_about_the_latest_meeting_that_took_place_until_it_has_a_reflection(world: World) -> None:
    assert (await world.reflections.start(AISHA)).subject is None
    meeting = await held(world)
    latest = await world.reflections.start(AISHA)
    assert latest.subject is not None
    assert latest.subject.occasion.meeting_id == meeting.id
    await saved(world, AISHA, latest)
    after = await world.reflections.start(AISHA)
    assert after.subject is None
    assert after.notice is not None
    assert "already written" in after.notice
    # The partner has not written one, so theirs is still about the meeting.
    partner = await world.reflections.start(CHIOMA)
    assert partner.subject is not None
    assert partner.subject.occasion.meeting_id == meeting.id


async def test_reflect_skips_a_meeting_someone_said_did_not_happen_and_one_not_yet_over(world: World) -> None:
    meeting = await held(world)
    await world.attendance.record(meeting.id, CHIOMA, Outcome.NOT_HELD, world.clock.now())
    assert (await world.reflections.start(AISHA)).subject is None
    await world.attendance.record(meeting.id, AISHA, Outcome.MET, world.clock.now())
    assert (await world.reflections.start(AISHA)).subject is not None
    assert meeting.when is not None
    world.base.clock.set(meeting.when.start)
    assert (await world.reflections.start(AISHA)).subject is None


# Only the author -----------------------------------------------------------------------------------------------


async def test_the_partner_and_everyone_else_get_the_same_answer_as_for_a_reflection_that_does_not_exist(
    world: World,
) -> None:
    meeting = await held(world)
    mine = (await saved(world, AISHA, await world.reflections.prompt(AISHA, meeting.id))).reflection
    for someone in (CHIOMA, BEN):
        for reflection_id in (mine.id, 12345):
            for attempt in (
                world.reflections.show(someone, reflection_id),
                world.reflections.edit(someone, reflection_id),
                world.reflections.ask_delete(someone, reflection_id),
            ):
                with pytest.raises(NotFound) as caught:
                    await attempt
                assert caught.value.user_message == NOT_FOUND
            # Saving over it, or a form that couldn't be read, offers what they typed as a new reflection of
            # their own, with the same words whether the id was someone else's or nobody's.
            typed = {LEARNED: "typed by someone else"}
            for outcome in (
                await world.reflections.save(
                    someone, key=mine.key, reflection_id=reflection_id, version=1, text=OTHER_TEXT, values=typed
                ),
                await world.reflections.rejected(
                    someone, key=mine.key, reflection_id=reflection_id, values=typed, problems={}
                ),
            ):
                assert isinstance(outcome, ReflectionView)
                assert outcome.reflection is None
                assert outcome.shown == typed
                assert outcome.notice is not None
                assert "isn't there any more" in outcome.notice
            gone = await world.reflections.delete(someone, reflection_id, 1)
            assert isinstance(gone, ReflectionPage)
            assert gone.entries == ()
        assert (await world.reflections.mine(someone)).total == 0
    assert await world.store.get(AISHA, mine.id) == mine


async def test_the_partner_writes_their_own_reflection_on_the_same_meeting(world: World) -> None:
    meeting = await held(world)
    mine = await saved(world, AISHA, await world.reflections.prompt(AISHA, meeting.id))
    theirs = await saved(world, CHIOMA, await world.reflections.prompt(CHIOMA, meeting.id), OTHER_TEXT)
    assert theirs.reflection.id != mine.reflection.id
    assert [e.reflection.text for e in (await world.reflections.mine(AISHA)).entries] == [TEXT]
    assert [e.reflection.text for e in (await world.reflections.mine(CHIOMA)).entries] == [OTHER_TEXT]


# Changing one ------------------------------------------------------------------------------------------------------


async def test_an_edit_replaces_the_text_and_bumps_the_version(world: World) -> None:
    view = await world.reflections.prompt(AISHA, None)
    first = await saved(world, AISHA, view)
    editing = await world.reflections.edit(AISHA, first.reflection.id)
    changed = await saved(world, AISHA, editing, OTHER_TEXT)
    assert changed.edited is True
    assert changed.reflection.version == 2
    assert changed.reflection.id == first.reflection.id
    assert changed.reflection.created_at == first.reflection.created_at
    assert (await world.reflections.show(AISHA, first.reflection.id)).reflection.text == OTHER_TEXT


async def test_an_edit_from_an_old_card_keeps_what_was_typed_and_overwrites_only_when_saved_again(
    world: World,
) -> None:
    first = await saved(world, AISHA, await world.reflections.prompt(AISHA, None))
    old_card = await world.reflections.edit(AISHA, first.reflection.id)
    newer = await saved(world, AISHA, await world.reflections.edit(AISHA, first.reflection.id), OTHER_TEXT)
    typed = ReflectionText(learned="Typed on the old card")
    clash = await save(world, AISHA, old_card, typed)
    assert isinstance(clash, ReflectionView)
    assert clash.notice is not None
    assert "somewhere else" in clash.notice
    assert clash.shown[LEARNED] == "Typed on the old card"
    assert clash.reflection == newer.reflection
    # Nothing was lost: the newer edit is still there until the person saves this one on purpose.
    assert (await world.reflections.show(AISHA, first.reflection.id)).reflection.text == OTHER_TEXT
    final = await saved(world, AISHA, clash, typed)
    assert final.reflection.version == 3
    assert final.reflection.text == typed


async def test_an_edit_of_a_reflection_deleted_meanwhile_offers_to_keep_it_as_a_new_one(world: World) -> None:
    meeting = await held(world)
    first = await saved(world, AISHA, await world.reflections.prompt(AISHA, meeting.id))
    old_card = await world.reflections.edit(AISHA, first.reflection.id)
    await world.reflections.delete(AISHA, first.reflection.id, first.reflection.version)
    again = await save(world, AISHA, old_card, OTHER_TEXT)
    assert isinstance(again, ReflectionView)
    assert again.notice is not None
    assert "isn't there any more" in again.notice
    assert again.reflection is None
    assert again.shown[LEARNED] == OTHER_TEXT.learned
    assert again.key == meeting_key(meeting.id)
    assert again.subject is not None
    kept = await saved(world, AISHA, again, OTHER_TEXT)
    assert kept.reflection.id != first.reflection.id
    assert kept.reflection.text == OTHER_TEXT


async def test_the_same_save_twice_stores_one_reflection(world: World) -> None:
    view = await world.reflections.prompt(AISHA, None)
    first = await saved(world, AISHA, view)
    second = await saved(world, AISHA, view)
    assert second.reflection == first.reflection
    assert await world.store.count_by_author(AISHA) == 1


async def test_a_second_new_form_about_the_same_meeting_shows_the_first_before_replacing_it(world: World) -> None:
    meeting = await held(world)
    one = await world.reflections.prompt(AISHA, meeting.id)
    two = await world.reflections.prompt(AISHA, meeting.id)
    first = await saved(world, AISHA, one)
    clash = await save(world, AISHA, two, OTHER_TEXT)
    assert isinstance(clash, ReflectionView)
    assert clash.reflection == first.reflection
    assert clash.shown[LEARNED] == OTHER_TEXT.learned
    assert clash.notice is not None
    assert "already written" in clash.notice
    replaced = await saved(world, AISHA, clash, OTHER_TEXT)
    assert replaced.reflection.id == first.reflection.id
    assert replaced.reflection.text == OTHER_TEXT


async def test_a_form_that_could_not_be_read_comes_back_as_typed(world: World) -> None:
    meeting = await held(world)
    view = await world.reflections.rejected(
        AISHA,
        key=meeting_key(meeting.id),
        reflection_id=None,
        values={LEARNED: "kept"},
        problems={FEELING: "Please choose one of the options."},
    )
    assert view.subject is not None
    assert view.shown == {LEARNED: "kept"}
    assert FEELING in view.problems
    with pytest.raises(NotFound):
        await world.reflections.rejected(AISHA, key="meeting:x", reflection_id=None, values={}, problems={})
    general = general_key()
    assert (await world.reflections.rejected(AISHA, key=general, reflection_id=None, values={}, problems={})).key == (
        general
    )


# Deleting one ------------------------------------------------------------------------------------------------------


async def test_deleting_asks_first_then_deletes_for_good(world: World) -> None:
    first = await saved(world, AISHA, await world.reflections.prompt(AISHA, None))
    question = await world.reflections.ask_delete(AISHA, first.reflection.id)
    assert question.entry.reflection == first.reflection
    assert await world.store.count_by_author(AISHA) == 1
    after = await world.reflections.delete(AISHA, first.reflection.id, first.reflection.version)
    assert isinstance(after, ReflectionPage)
    assert after.total == 0
    assert after.notice is not None
    assert "gone for good" in after.notice
    again = await world.reflections.delete(AISHA, first.reflection.id, first.reflection.version)
    assert isinstance(again, ReflectionPage)
    assert again.notice is not None
    assert "isn't there" in again.notice


async def test_a_reflection_changed_after_asking_to_delete_it_is_kept_and_asked_about_again(world: World) -> None:
    first = await saved(world, AISHA, await world.reflections.prompt(AISHA, None))
    question = await world.reflections.ask_delete(AISHA, first.reflection.id)
    await saved(world, AISHA, await world.reflections.edit(AISHA, first.reflection.id), OTHER_TEXT)
    outcome = await world.reflections.delete(AISHA, first.reflection.id, question.entry.reflection.version)
    assert isinstance(outcome, DeleteQuestion)
    assert outcome.notice is not None
    assert outcome.entry.reflection.text == OTHER_TEXT
    assert outcome.entry.reflection.version == 2
    assert await world.store.count_by_author(AISHA) == 1


# Listing -------------------------------------------------------------------------------------------------------


async def test_my_reflections_are_newest_first_a_page_at_a_time(world: World) -> None:
    for n in range(2 * PAGE_SIZE + 2):
        await saved(world, AISHA, await world.reflections.prompt(AISHA, None), ReflectionText(learned=f"number {n}"))
        world.base.clock.advance(timedelta(hours=1))
    first = await world.reflections.mine(AISHA)
    assert (first.page, first.pages, first.total) == (1, 3, 2 * PAGE_SIZE + 2)
    assert [e.reflection.text.learned for e in first.entries] == [f"number {n}" for n in range(11, 6, -1)]
    last = await world.reflections.mine(AISHA, 3)
    assert [e.reflection.text.learned for e in last.entries] == ["number 1", "number 0"]
    # A page beyond the last (an old card after deletions) lands on the last; below the first, on the first.
    assert (await world.reflections.mine(AISHA, 99)).page == 3
    assert (await world.reflections.mine(AISHA, -4)).page == 1
    assert (await world.reflections.mine(BEN)).pages == 1


# For coordinators ------------------------------------------------------------------------------------------------


async def test_coordinators_get_counts_per_pair_and_nothing_else(world: World) -> None:
    meeting = await held(world)
    await saved(world, AISHA, await world.reflections.prompt(AISHA, meeting.id))
    await saved(world, AISHA, await world.reflections.prompt(AISHA, None))
    counts = await world.reflections.counts(world.arranged.cohort.id)
    assert counts == CohortReflections((PairReflections(world.arranged.pair.id, mentor=1, mentee=0),))
    assert (counts.total, counts.by_mentors, counts.by_mentees, counts.pairs_reflecting) == (1, 1, 0, 1)
    await saved(world, CHIOMA, await world.reflections.prompt(CHIOMA, meeting.id))
    assert (await world.reflections.counts(world.arranged.cohort.id)).by_mentees == 1
    # Numbers are all there is to reach: no field of what coordinators get can hold text.
    for kind in (CohortReflections, PairReflections):
        assert all(f.type in ("int", "tuple[PairReflections, ...]") for f in dataclasses.fields(kind))
    assert (await world.reflections.counts(999)).pairs == ()


def test_feelings_are_everyday_words() -> None:
    labels = ["Encouraged", "Thoughtful", "A mix of things", "Unsettled", "Tired or drained"]
    assert [f.label for f in Feeling] == labels
    assert {f for f in Feeling if f.heavy} == {Feeling.UNSETTLED, Feeling.DRAINED}


def test_checked_names_every_problem_at_once() -> None:
    with pytest.raises(InvalidFields) as caught:
        ReflectionText(learned="x" * (MAX_ANSWER + 1), actions="y" * (MAX_ANSWER + 1)).checked()
    assert set(caught.value.problems) == {LEARNED, ACTIONS}
