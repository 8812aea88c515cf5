"""Private reflections: what someone takes away from a conversation with their partner, written for themselves.

After each meeting (or whenever they like) a person can write down what they learned, what they'll do
differently, the actions they agreed and how they feel. It belongs to them alone:

- every read, edit and delete names the author, and the store only ever answers for that author. Someone else's
  reflection and one that doesn't exist get the same answer, so an id reveals nothing;
- their partner never sees it, and coordinators only ever see how many were written (:meth:`Reflections.counts`),
  never a word of one, nor how anyone felt;
- they can change it (compare-and-set on ``version``, so an old card cannot overwrite a newer edit) or delete it,
  and deleting really deletes.

A reflection about a meeting keeps only logistics about it (the meeting's id, its session number, the day it
happened, the pair and cohort for counting), never the partner's name: a person's export of their own reflections
should not carry someone else's personal data, and erasing the partner should not have to touch it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Protocol

from programme.applications import ApplicationStore
from programme.attendance import AttendanceStore, took_place
from programme.clock import Clock
from programme.errors import InvalidFields, NotFound
from programme.identity import PersonId
from programme.meetings import Meeting, MeetingState, MeetingStore
from programme.pairs import Pair, PairState, PairStore
from programme.prompts import PromptKind
from programme.text import clean_paragraph

# Room for a few honest sentences each; the card (all of it prefilled when editing) stays well inside the size
# Teams accepts for one message.
MAX_ANSWER = 1000
MAX_NOTES = 2000
PAGE_SIZE = 5
MAX_KEY = 64
# A meeting's id as ids are everywhere on cards (at most 10**9), or the token general_key() makes.
_KEY = re.compile(r"meeting:(?P<meeting>[1-9][0-9]{0,8}|1000000000)|general:[A-Za-z0-9_-]{8,32}")

LEARNED = "learned"
DIFFERENTLY = "differently"
ACTIONS = "actions"
FEELING = "feeling"
NOTES = "notes"
TEXT_FIELDS = (LEARNED, DIFFERENTLY, ACTIONS, NOTES)
LIMITS: Mapping[str, int] = {LEARNED: MAX_ANSWER, DIFFERENTLY: MAX_ANSWER, ACTIONS: MAX_ANSWER, NOTES: MAX_NOTES}

NOT_FOUND = "I couldn't find that reflection. It may have been deleted; 'my reflections' lists the ones you have."


class Feeling(StrEnum):
    """How the person felt afterwards, in everyday words. Optional: nobody has to say, and none of these is a
    score or a diagnosis. Sharing lived experience can be tiring as well as rewarding, so the harder feelings are
    as ordinary a choice as the easy ones."""

    ENCOURAGED = "encouraged"
    THOUGHTFUL = "thoughtful"
    MIXED = "mixed"
    UNSETTLED = "unsettled"
    DRAINED = "drained"

    @property
    def label(self) -> str:
        return _FEELING_LABELS[self]

    @property
    def heavy(self) -> bool:
        """Worth a gentle word about support on the confirmation."""
        return self in (Feeling.UNSETTLED, Feeling.DRAINED)


_FEELING_LABELS = {
    Feeling.ENCOURAGED: "Encouraged",
    Feeling.THOUGHTFUL: "Thoughtful",
    Feeling.MIXED: "A mix of things",
    Feeling.UNSETTLED: "Unsettled",
    Feeling.DRAINED: "Tired or drained",
}


@dataclass(frozen=True)
class ReflectionText:
    """What the person wrote. Every part is optional, but not all of them at once."""

    learned: str = ""
    differently: str = ""
    actions: str = ""
    feeling: Feeling | None = None
    notes: str = ""

    def checked(self) -> ReflectionText:
        """Tidied (line breaks kept, control characters gone), or :class:`InvalidFields` naming every problem."""
        tidy = ReflectionText(
            learned=clean_paragraph(self.learned),
            differently=clean_paragraph(self.differently),
            actions=clean_paragraph(self.actions),
            feeling=self.feeling,
            notes=clean_paragraph(self.notes),
        )
        problems: dict[str, str] = {}
        for name in TEXT_FIELDS:
            length = len(tidy.value(name))
            if length > LIMITS[name]:
                problems[name] = (
                    f"That's {length} characters, more than the {LIMITS[name]} this box holds. The box keeps the "
                    "first part of it: please check how it ends before saving again."
                )
        if not problems and tidy.empty:
            problems[LEARNED] = "Please write something in at least one box, or choose how you feel."
        if problems:
            raise InvalidFields(problems)
        return tidy

    @property
    def empty(self) -> bool:
        return self.feeling is None and not any(self.value(name) for name in TEXT_FIELDS)

    def value(self, name: str) -> str:
        if name == LEARNED:
            return self.learned
        if name == DIFFERENTLY:
            return self.differently
        if name == ACTIONS:
            return self.actions
        if name == NOTES:
            return self.notes
        raise KeyError(name)


@dataclass(frozen=True)
class Occasion:
    """The meeting a reflection is about, as logistics only."""

    meeting_id: int
    pair_id: int
    cohort_id: int
    session: int
    # The day it happened, in the organisation's time zone.
    held_on: date | None


@dataclass(frozen=True)
class NewReflection:
    author: PersonId
    # One reflection per author and key: "meeting:<id>" for a meeting, "general:<random>" for one written any time
    # (the random part is made when the form is, so a double-clicked Save stores it once).
    key: str
    occasion: Occasion | None
    text: ReflectionText


@dataclass(frozen=True)
class Reflection:
    id: int
    author: PersonId
    key: str
    occasion: Occasion | None
    text: ReflectionText
    # Starts at 1 and goes up with every edit.
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ReflectionCount:
    """How many reflections one person wrote about one pair's meetings: a number, nothing else."""

    pair_id: int
    person: PersonId
    done: int


class ReflectionStore(Protocol):
    """Every method that reads or changes a reflection takes its author, and answers only for that author."""

    async def get(self, author: PersonId, reflection_id: int) -> Reflection | None: ...

    async def by_key(self, author: PersonId, key: str) -> Reflection | None: ...

    async def by_author(self, author: PersonId, offset: int, limit: int) -> Sequence[Reflection]:
        """The author's reflections, newest first (by when they were first written)."""
        ...

    async def count_by_author(self, author: PersonId) -> int: ...

    async def add(self, reflection: NewReflection, at: datetime) -> Reflection | None:
        """Store a new reflection at version 1; None when the author already has one with that key."""
        ...

    async def save(
        self, author: PersonId, reflection_id: int, text: ReflectionText, expected_version: int, at: datetime
    ) -> Reflection | None:
        """Replace what it says, bumping the version, if it is the author's and still at ``expected_version``;
        None (and no change) otherwise."""
        ...

    async def delete(self, author: PersonId, reflection_id: int, expected_version: int) -> bool:
        """Delete it if it is the author's and still at ``expected_version``."""
        ...

    async def counts(self, pair_ids: Sequence[int]) -> Sequence[ReflectionCount]:
        """How many reflections each person wrote about each of these pairs' meetings (people with none are left
        out). Counts only: this is what coordinators may see."""
        ...


class PromptAnswers(Protocol):
    """Where a reflection prompt is marked answered (:class:`programme.prompts.Prompter`)."""

    async def answered(self, person: PersonId, kind: PromptKind, ref: str) -> None: ...


@dataclass(frozen=True)
class Subject:
    """What the form is about, as the author sees it: the meeting, and their partner's name when it is known."""

    occasion: Occasion
    partner_name: str | None = None


@dataclass(frozen=True)
class ReflectionView:
    """One person's reflection form: new (``reflection`` None) or editing a saved one."""

    me: PersonId
    # None for a reflection not about any particular meeting.
    subject: Subject | None
    reflection: Reflection | None
    # The key a new reflection will be stored under (a saved one keeps its own).
    key: str
    zone: tzinfo
    # What was typed, shown again after a problem; None shows the saved reflection (or empty boxes).
    values: Mapping[str, str] | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    notice: str | None = None

    @property
    def version(self) -> int:
        return 0 if self.reflection is None else self.reflection.version

    @property
    def shown(self) -> dict[str, str]:
        """What the boxes hold: what was typed, else the saved reflection, else nothing."""
        if self.values is not None:
            return dict(self.values)
        if self.reflection is None:
            return {}
        text = self.reflection.text
        shown = {name: text.value(name) for name in TEXT_FIELDS}
        if text.feeling is not None:
            shown[FEELING] = text.feeling.value
        return shown


@dataclass(frozen=True)
class Saved:
    """A reflection just stored; the confirmation shows it back."""

    reflection: Reflection
    subject: Subject | None
    zone: tzinfo
    edited: bool


@dataclass(frozen=True)
class Entry:
    """A saved reflection, to show to its author."""

    reflection: Reflection
    subject: Subject | None
    zone: tzinfo


@dataclass(frozen=True)
class ReflectionPage:
    me: PersonId
    entries: tuple[Entry, ...]
    page: int
    pages: int
    total: int
    zone: tzinfo
    notice: str | None = None


@dataclass(frozen=True)
class DeleteQuestion:
    entry: Entry
    zone: tzinfo
    notice: str | None = None


@dataclass(frozen=True)
class PairReflections:
    """For coordinators: how many reflections each of a pair wrote. Never what they say or how anyone felt."""

    pair_id: int
    mentor: int
    mentee: int


@dataclass(frozen=True)
class CohortReflections:
    """For coordinators: the reflections written about a cohort's meetings, as numbers."""

    pairs: tuple[PairReflections, ...]

    @property
    def by_mentors(self) -> int:
        return sum(p.mentor for p in self.pairs)

    @property
    def by_mentees(self) -> int:
        return sum(p.mentee for p in self.pairs)

    @property
    def total(self) -> int:
        return self.by_mentors + self.by_mentees

    @property
    def pairs_reflecting(self) -> int:
        """Pairs in which at least one of the two has written one."""
        return sum(1 for p in self.pairs if p.mentor or p.mentee)


def meeting_key(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def general_key() -> str:
    return f"general:{secrets.token_urlsafe(12)}"


def valid_key(key: str) -> bool:
    """Whether ``key`` is one this service makes (it arrives back from cards, so it may have been edited)."""
    return bool(_KEY.fullmatch(key))


def meeting_of_key(key: str) -> int | None:
    """The meeting a valid key names, or None for a general reflection's."""
    match = _KEY.fullmatch(key)
    return None if match is None or match["meeting"] is None else int(match["meeting"])


class Reflections:
    def __init__(
        self,
        *,
        reflections: ReflectionStore,
        meetings: MeetingStore,
        attendance: AttendanceStore,
        pairs: PairStore,
        applications: ApplicationStore,
        prompts: PromptAnswers,
        clock: Clock,
        zone: tzinfo,
    ) -> None:
        self._reflections = reflections
        self._meetings = meetings
        self._attendance = attendance
        self._pairs = pairs
        self._applications = applications
        self._prompts = prompts
        self._clock = clock
        self._zone = zone

    async def prompt(self, person: PersonId, meeting_id: int | None) -> ReflectionView:
        """The form to reflect on ``meeting_id`` (one of the person's own meetings), or a general one. When they
        already wrote about that meeting, the form opens what they wrote, to add to it."""
        if meeting_id is None:
            return self._general(person)
        meeting, pair = await self._meeting_of(person, meeting_id)
        subject = await self._subject(person, meeting, pair)
        saved = await self._reflections.by_key(person, meeting_key(meeting.id))
        return ReflectionView(
            me=person, subject=subject, reflection=saved, key=meeting_key(meeting.id), zone=self._zone
        )

    async def start(self, person: PersonId) -> ReflectionView:
        """The 'reflect' command: about their latest meeting that has happened, unless they already wrote about
        it, in which case a general one (saying where that one is)."""
        latest = await self._latest_held(person)
        if latest is None:
            return self._general(person)
        meeting, pair = latest
        if await self._reflections.by_key(person, meeting_key(meeting.id)) is None:
            subject = await self._subject(person, meeting, pair)
            return ReflectionView(
                me=person, subject=subject, reflection=None, key=meeting_key(meeting.id), zone=self._zone
            )
        return replace(
            self._general(person),
            notice="You've already written about your latest conversation ('my reflections' has it), so this one "
            "isn't about any particular meeting.",
        )

    async def show(self, person: PersonId, reflection_id: int) -> Entry:
        saved = await self._own(person, reflection_id)
        return Entry(saved, await self._subject_of(person, saved.occasion), self._zone)

    async def edit(self, person: PersonId, reflection_id: int) -> ReflectionView:
        saved = await self._own(person, reflection_id)
        return ReflectionView(
            me=person,
            subject=await self._subject_of(person, saved.occasion),
            reflection=saved,
            key=saved.key,
            zone=self._zone,
        )

    async def save(
        self,
        person: PersonId,
        *,
        key: str,
        reflection_id: int | None,
        version: int,
        text: ReflectionText,
        values: Mapping[str, str],
    ) -> Saved | ReflectionView:
        """Store a new reflection (``reflection_id`` None) or an edit of one. Anything wrong comes back as the
        form again, with what was typed and the problems beside the boxes; nothing typed is ever thrown away."""
        if reflection_id is None:
            return await self._add(person, key, text, values)
        saved = await self._reflections.get(person, reflection_id)
        if saved is None:
            return await self._gone(person, key, values)
        subject = await self._subject_of(person, saved.occasion)
        try:
            tidy = text.checked()
        except InvalidFields as problems:
            return self._form(person, subject, saved, saved.key, values, problems.problems)
        updated = await self._reflections.save(person, reflection_id, tidy, version, self._clock.now())
        if updated is None:
            current = await self._reflections.get(person, reflection_id)
            if current is None:
                return await self._gone(person, saved.key, values)
            return self._form(
                person,
                subject,
                current,
                current.key,
                values,
                {},
                notice="You changed this reflection somewhere else since this card was shown. What you typed here "
                "is below; save again to keep this version instead.",
            )
        await self._answered(person, updated)
        return Saved(reflection=updated, subject=subject, zone=self._zone, edited=True)

    async def rejected(
        self,
        person: PersonId,
        *,
        key: str,
        reflection_id: int | None,
        values: Mapping[str, str],
        problems: Mapping[str, str],
    ) -> ReflectionView:
        """The form again, after a submission that couldn't be read: what was typed, and the problems beside it."""
        if reflection_id is not None:
            saved = await self._reflections.get(person, reflection_id)
            if saved is None:
                return await self._gone(person, key, values, problems)
            return self._form(
                person, await self._subject_of(person, saved.occasion), saved, saved.key, values, problems
            )
        subject = None
        if not valid_key(key):
            raise NotFound(NOT_FOUND)
        meeting_id = meeting_of_key(key)
        if meeting_id is not None:
            meeting, pair = await self._meeting_of(person, meeting_id)
            subject = await self._subject(person, meeting, pair)
        return self._form(person, subject, None, key, values, problems)

    async def mine(self, person: PersonId, page: int = 1, notice: str | None = None) -> ReflectionPage:
        """The person's reflections, newest first; ``page`` counts from 1 and is kept within the pages there are."""
        total = await self._reflections.count_by_author(person)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        found = await self._reflections.by_author(person, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        entries = tuple([Entry(r, await self._subject_of(person, r.occasion), self._zone) for r in found])
        return ReflectionPage(
            me=person, entries=entries, page=page, pages=pages, total=total, zone=self._zone, notice=notice
        )

    async def ask_delete(self, person: PersonId, reflection_id: int) -> DeleteQuestion:
        saved = await self._own(person, reflection_id)
        return DeleteQuestion(Entry(saved, await self._subject_of(person, saved.occasion), self._zone), self._zone)

    async def delete(self, person: PersonId, reflection_id: int, version: int) -> ReflectionPage | DeleteQuestion:
        """Delete it, if it is still the version the person agreed to delete; if it was changed since (in another
        window), ask again, showing it as it is now."""
        if await self._reflections.delete(person, reflection_id, version):
            return await self.mine(person, notice="Deleted: that reflection is gone for good.")
        current = await self._reflections.get(person, reflection_id)
        if current is None:
            # Already deleted (a second click), or never theirs: the same quiet answer either way.
            return await self.mine(person, notice="That reflection isn't there any more; nothing else was changed.")
        return DeleteQuestion(
            Entry(current, await self._subject_of(person, current.occasion), self._zone),
            self._zone,
            notice="You changed this reflection after asking to delete it, so I haven't deleted it yet. Here it "
            "is as it is now: delete it if you still want to.",
        )

    async def counts(self, cohort_id: int) -> CohortReflections:
        """For coordinators: per pair of the cohort, how many reflections the mentor and the mentee wrote. Numbers
        only; there is no way from here to what anyone wrote."""
        cohort_pairs = await self._pairs.for_cohort(cohort_id, _COUNTED_PAIRS)
        found = await self._reflections.counts([p.id for p in cohort_pairs])
        by_pair: dict[tuple[int, PersonId], int] = {(c.pair_id, c.person): c.done for c in found}
        return CohortReflections(
            tuple(
                PairReflections(pair.id, by_pair.get((pair.id, pair.mentor), 0), by_pair.get((pair.id, pair.mentee), 0))
                for pair in cohort_pairs
            )
        )

    # Inside -------------------------------------------------------------------------------------------------------

    def _general(self, person: PersonId) -> ReflectionView:
        return ReflectionView(me=person, subject=None, reflection=None, key=general_key(), zone=self._zone)

    def _form(
        self,
        person: PersonId,
        subject: Subject | None,
        saved: Reflection | None,
        key: str,
        values: Mapping[str, str],
        problems: Mapping[str, str],
        notice: str | None = None,
    ) -> ReflectionView:
        return ReflectionView(
            me=person,
            subject=subject,
            reflection=saved,
            key=key,
            zone=self._zone,
            values=dict(values),
            problems=dict(problems),
            notice=notice,
        )

    async def _add(
        self, person: PersonId, key: str, text: ReflectionText, values: Mapping[str, str]
    ) -> Saved | ReflectionView:
        if not valid_key(key):
            raise NotFound(NOT_FOUND)
        occasion: Occasion | None = None
        subject: Subject | None = None
        meeting_id = meeting_of_key(key)
        if meeting_id is not None:
            meeting, pair = await self._meeting_of(person, meeting_id)
            subject = await self._subject(person, meeting, pair)
            occasion = subject.occasion
        try:
            tidy = text.checked()
        except InvalidFields as problems:
            return self._form(person, subject, None, key, values, problems.problems)
        new = NewReflection(person, key, occasion, tidy)
        added = await self._reflections.add(new, self._clock.now())
        existing = None if added is not None else await self._reflections.by_key(person, key)
        if added is None and existing is None:
            # Deleted between the two calls (another window): store this one after all.
            added = await self._reflections.add(new, self._clock.now())
            existing = None if added is not None else await self._reflections.by_key(person, key)
        if added is None:
            if existing is not None and existing.text == tidy:
                # The same Save arriving twice (a double click, a retried request): it is stored once.
                return Saved(reflection=existing, subject=subject, zone=self._zone, edited=False)
            return self._form(
                person,
                subject,
                existing,
                key,
                values,
                {},
                notice=(
                    "You'd already written a reflection about this conversation. What you typed just now is below: "
                    "save to replace the earlier one with it, or open 'my reflections' to see it first."
                    if subject is not None
                    else "You'd already saved this reflection from this card. What you typed just now is below: save "
                    "again to replace what you saved before with it."
                ),
            )
        await self._answered(person, added)
        return Saved(reflection=added, subject=subject, zone=self._zone, edited=False)

    async def _gone(
        self, person: PersonId, key: str, values: Mapping[str, str], problems: Mapping[str, str] | None = None
    ) -> ReflectionView:
        """The form again, as a new reflection, for an edit of one that isn't the person's (deleted in another
        window, or an id that was never theirs: the same answer either way), so what they typed is not lost."""
        subject = None
        meeting_id = meeting_of_key(key) if valid_key(key) else None
        if meeting_id is not None:
            try:
                meeting, pair = await self._meeting_of(person, meeting_id)
                subject = await self._subject(person, meeting, pair)
            except NotFound:
                subject = None
        return self._form(
            person,
            subject,
            None,
            key if subject is not None else general_key(),
            values,
            problems or {},
            notice="That reflection isn't there any more; it may have been deleted. What you typed is below: save "
            "it to keep it as a new reflection.",
        )

    async def _answered(self, person: PersonId, reflection: Reflection) -> None:
        if reflection.occasion is not None:
            await self._prompts.answered(person, PromptKind.REFLECTION, meeting_key(reflection.occasion.meeting_id))

    async def _own(self, person: PersonId, reflection_id: int) -> Reflection:
        saved = await self._reflections.get(person, reflection_id)
        if saved is None:
            # The same answer whether it never existed, was deleted or is someone else's.
            raise NotFound(NOT_FOUND)
        return saved

    async def _meeting_of(self, person: PersonId, meeting_id: int) -> tuple[Meeting, Pair]:
        meeting = await self._meetings.get(meeting_id)
        pair = None if meeting is None else await self._pairs.get(meeting.pair_id)
        if meeting is None or pair is None or not pair.includes(person):
            raise NotFound("I couldn't find that conversation among yours, so I can't open a reflection on it.")
        return meeting, pair

    async def _latest_held(self, person: PersonId) -> tuple[Meeting, Pair] | None:
        pairs = {pair.id: pair for pair in await self._pairs.for_person(person)}
        if not pairs:
            return None
        now = self._clock.now()
        over = [
            m
            for m in await self._meetings.for_pairs(list(pairs))
            if m.state is MeetingState.BOOKED and m.when is not None and m.when.end <= now
        ]
        answers = await self._attendance.for_meetings([m.id for m in over]) if over else ()
        # A meeting either of them said didn't happen is nothing to reflect on.
        held = [m for m in over if took_place(m, answers, now)]
        if not held:
            return None
        latest = max(held, key=lambda m: (m.when.end if m.when is not None else now, m.id))
        return latest, pairs[latest.pair_id]

    async def _subject(self, person: PersonId, meeting: Meeting, pair: Pair) -> Subject:
        held_on = None if meeting.when is None else meeting.when.start.astimezone(self._zone).date()
        occasion = Occasion(
            meeting_id=meeting.id, pair_id=pair.id, cohort_id=pair.cohort_id, session=meeting.session, held_on=held_on
        )
        return Subject(occasion, await self._partner_name(person, pair))

    async def _subject_of(self, person: PersonId, occasion: Occasion | None) -> Subject | None:
        if occasion is None:
            return None
        pair = await self._pairs.get(occasion.pair_id)
        name = None if pair is None or not pair.includes(person) else await self._partner_name(person, pair)
        return Subject(occasion, name)

    async def _partner_name(self, person: PersonId, pair: Pair) -> str | None:
        theirs = pair.mentee_application if pair.mentor == person else pair.mentor_application
        application = await self._applications.get(theirs)
        return None if application is None else application.display_name


# Pairs whose meetings happened: proposals never met, so they have nothing to count.
_COUNTED_PAIRS = frozenset({PairState.PUBLISHED, PairState.ENDED})
