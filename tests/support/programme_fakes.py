"""In-memory stand-ins for the cohort, application, participant, pair, contract and meeting stores.

They follow the same contract as the SQL stores (tests/storage runs the contract suite against both), so a
use-case test that passes here says something about the real service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from programme.applications import Application, ApplicationState, NewApplication
from programme.attendance import Attendance, Outcome
from programme.calendar import Interval
from programme.cohorts import Cohort, CohortPlan, CohortState
from programme.contracts import Agreement, Contract
from programme.errors import Conflict
from programme.identity import PersonId, TenantId
from programme.meetings import Meeting, MeetingState, NewMeeting, new_ics_token
from programme.pairs import NewPair, Pair, PairState
from programme.participants import Participant
from programme.profiles import Profile, Role
from programme.prompts import Prompt, PromptKind
from programme.reflections import NewReflection, Reflection, ReflectionCount, ReflectionText
from programme.survey_questions import SurveyKind
from programme.surveys import SurveyResponse, SurveyRound
from storage.reflection_store import reflection_json


class InMemoryCohortStore:
    def __init__(self) -> None:
        self._cohorts: dict[int, Cohort] = {}

    async def add(self, plan: CohortPlan, created_by: PersonId, at: datetime) -> Cohort:
        cohort = Cohort(
            id=len(self._cohorts) + 1,
            plan=plan,
            state=CohortState.DRAFT,
            created_by=created_by,
            created_at=at,
            updated_at=at,
        )
        self._cohorts[cohort.id] = cohort
        return cohort

    async def get(self, cohort_id: int) -> Cohort | None:
        return self._cohorts.get(cohort_id)

    async def listing(self, states: frozenset[CohortState] | None = None) -> Sequence[Cohort]:
        chosen = [c for c in self._cohorts.values() if states is None or c.state in states]
        return sorted(chosen, key=lambda c: c.id, reverse=True)

    async def move(self, cohort_id: int, expected: CohortState, target: CohortState, at: datetime) -> Cohort | None:
        cohort = self._cohorts.get(cohort_id)
        if cohort is None or cohort.state is not expected:
            return None
        moved = replace(cohort, state=target, updated_at=at)
        self._cohorts[cohort_id] = moved
        return moved


@dataclass(frozen=True)
class ErasedApplication:
    """What stays of an application after its person asked for their data to be erased."""

    cohort_id: int
    role: Role


class InMemoryApplicationStore:
    def __init__(self) -> None:
        self._applications: dict[int, Application] = {}
        self.erased: list[ErasedApplication] = []
        self._next_id = 1

    async def add(self, application: NewApplication, at: datetime) -> Application | None:
        if await self.find(application.cohort_id, application.person) is not None:
            return None
        stored = Application(
            id=self._next_id,
            cohort_id=application.cohort_id,
            tenant=application.tenant,
            person=application.person,
            display_name=application.display_name,
            profile=application.profile,
            consent=application.consent,
            state=ApplicationState.SUBMITTED,
            submitted_at=at,
            updated_at=at,
            version=1,
        )
        self._next_id += 1
        self._applications[stored.id] = stored
        return stored

    async def get(self, application_id: int) -> Application | None:
        return self._applications.get(application_id)

    async def find(self, cohort_id: int, person: PersonId) -> Application | None:
        return next((a for a in self._applications.values() if a.cohort_id == cohort_id and a.person == person), None)

    async def for_person(self, person: PersonId) -> Sequence[Application]:
        return sorted((a for a in self._applications.values() if a.person == person), key=lambda a: -a.id)

    async def for_cohort(
        self, cohort_id: int, states: frozenset[ApplicationState] | None = None
    ) -> Sequence[Application]:
        return sorted(
            (
                a
                for a in self._applications.values()
                if a.cohort_id == cohort_id and (states is None or a.state in states)
            ),
            key=lambda a: a.id,
        )

    async def update_profile(
        self, application_id: int, profile: Profile, expected_version: int, at: datetime
    ) -> Application | None:
        current = self._applications.get(application_id)
        if current is None or current.version != expected_version:
            return None
        updated = replace(current, profile=profile, updated_at=at, version=current.version + 1)
        self._applications[application_id] = updated
        return updated

    async def move(
        self, application_id: int, target: ApplicationState, expected_version: int, at: datetime
    ) -> Application | None:
        current = self._applications.get(application_id)
        if current is None or current.version != expected_version:
            return None
        updated = replace(current, state=target, updated_at=at, version=current.version + 1)
        self._applications[application_id] = updated
        return updated

    async def counts(self, cohort_id: int) -> Mapping[tuple[Role, ApplicationState], int]:
        tally: dict[tuple[Role, ApplicationState], int] = {}
        for application in self._applications.values():
            if application.cohort_id == cohort_id:
                key = (application.profile.role, application.state)
                tally[key] = tally.get(key, 0) + 1
        for erased in self.erased:
            if erased.cohort_id == cohort_id:
                key = (erased.role, ApplicationState.WITHDRAWN)
                tally[key] = tally.get(key, 0) + 1
        return tally

    # Personal data holder -------------------------------------------------------------------------------------

    section = "applications"

    async def export(self, person: PersonId) -> list[dict[str, object]]:
        return [
            {"id": a.id, "cohort": a.cohort_id, "state": a.state.value, "role": a.profile.role.value}
            for a in await self.for_person(person)
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        mine = [a for a in self._applications.values() if a.person == person]
        for application in mine:
            del self._applications[application.id]
            self.erased.append(ErasedApplication(application.cohort_id, application.profile.role))
        return len(mine)


class InMemoryParticipantStore:
    def __init__(self) -> None:
        self._people: dict[PersonId, Participant] = {}

    async def get(self, person: PersonId) -> Participant | None:
        return self._people.get(person)

    async def enrol(self, tenant: TenantId, person: PersonId, display_name: str, at: datetime) -> Participant:
        current = self._people.get(person)
        participant = (
            replace(current, display_name=display_name)
            if current is not None
            else Participant(tenant=tenant, person=person, display_name=display_name, joined_at=at)
        )
        self._people[person] = participant
        return participant

    async def set_pause(self, person: PersonId, until: date | None, at: datetime) -> bool:
        current = self._people.get(person)
        if current is None:
            return False
        self._people[person] = replace(current, paused_until=until)
        return True

    section = "participation"

    async def export(self, person: PersonId) -> dict[str, object] | None:
        current = self._people.get(person)
        if current is None:
            return None
        return {
            "display_name": current.display_name,
            "paused_until": current.paused_until.isoformat() if current.paused_until else None,
        }

    async def erase(self, person: PersonId, at: datetime) -> int:
        return 1 if self._people.pop(person, None) is not None else 0


@dataclass(frozen=True)
class ErasedPair:
    """What stays of a published pair after one of its people asked to be erased."""

    cohort_id: int
    mentor_application: int
    mentee_application: int
    state: PairState


class InMemoryPairStore:
    """Erasure here covers the pairs only: the proposals a coordinator took apart are kept by application, and
    this fake cannot tell whose applications they were."""

    def __init__(self) -> None:
        self._pairs: dict[int, Pair] = {}
        self._unpaired: dict[int, set[tuple[int, int]]] = {}
        self.erased: list[ErasedPair] = []
        self._next_id = 1

    async def for_cohort(self, cohort_id: int, states: frozenset[PairState] | None = None) -> Sequence[Pair]:
        return sorted(
            (p for p in self._pairs.values() if p.cohort_id == cohort_id and (states is None or p.state in states)),
            key=lambda p: p.id,
        )

    async def get(self, pair_id: int) -> Pair | None:
        return self._pairs.get(pair_id)

    async def replace_proposals(self, cohort_id: int, proposals: Sequence[NewPair], at: datetime) -> Sequence[Pair]:
        if any(proposal.cohort_id != cohort_id for proposal in proposals):
            raise ValueError(f"proposals for cohort {cohort_id} include some for another cohort")
        dropped = {
            p.id
            for p in self._pairs.values()
            if p.cohort_id == cohort_id and p.state is PairState.PROPOSED and not p.locked
        }
        taken = {key for pair_id, key in self._mentees() if pair_id not in dropped}
        wanted = [(proposal.cohort_id, proposal.mentee_application) for proposal in proposals]
        if taken & set(wanted) or len(set(wanted)) != len(wanted):
            raise Conflict(
                "The cohort's pairs changed while new ones were being worked out; please suggest pairs again."
            )
        for pair_id in dropped:
            del self._pairs[pair_id]
        return [self._store(proposal, at) for proposal in proposals]

    async def add(self, pair: NewPair, at: datetime) -> Pair:
        if (pair.cohort_id, pair.mentee_application) in {key for _, key in self._mentees()}:
            raise Conflict("That mentee is already in a pair in this cohort; take that pair apart first.")
        return self._store(pair, at)

    async def remove_proposal(self, pair_id: int) -> bool:
        pair = self._pairs.get(pair_id)
        if pair is None or pair.state is not PairState.PROPOSED:
            return False
        del self._pairs[pair_id]
        return True

    async def set_locked(self, pair_id: int, locked: bool) -> Pair | None:
        pair = self._pairs.get(pair_id)
        if pair is None or pair.state is not PairState.PROPOSED:
            return None
        self._pairs[pair_id] = replace(pair, locked=locked)
        return self._pairs[pair_id]

    async def publish(self, cohort_id: int, at: datetime) -> Sequence[Pair]:
        published = []
        for pair in await self.for_cohort(cohort_id, frozenset({PairState.PROPOSED})):
            self._pairs[pair.id] = replace(pair, state=PairState.PUBLISHED, published_at=at)
            published.append(self._pairs[pair.id])
        return published

    async def for_person(self, person: PersonId, states: frozenset[PairState] | None = None) -> Sequence[Pair]:
        return sorted(
            (p for p in self._pairs.values() if p.includes(person) and (states is None or p.state in states)),
            key=lambda p: -p.id,
        )

    async def history(self, people: Sequence[PersonId]) -> Sequence[Pair]:
        return sorted(
            (
                p
                for p in self._pairs.values()
                if p.state in (PairState.PUBLISHED, PairState.ENDED) and any(p.includes(person) for person in people)
            ),
            key=lambda p: p.id,
        )

    async def unpaired(self, cohort_id: int) -> frozenset[tuple[int, int]]:
        return frozenset(self._unpaired.get(cohort_id, ()))

    async def remember_unpaired(self, cohort_id: int, mentor_application: int, mentee_application: int) -> None:
        self._unpaired.setdefault(cohort_id, set()).add((mentor_application, mentee_application))

    async def set_chat(self, pair_id: int, chat_id: str) -> None:
        pair = self._pairs.get(pair_id)
        if pair is not None:
            self._pairs[pair_id] = replace(pair, chat_id=chat_id)

    def _mentees(self) -> list[tuple[int, tuple[int, int]]]:
        """(pair id, (cohort, mentee application)) for every pair, erased ones too: their rows stay in SQL."""
        live = [(p.id, (p.cohort_id, p.mentee_application)) for p in self._pairs.values()]
        return live + [(0, (e.cohort_id, e.mentee_application)) for e in self.erased]

    def _store(self, pair: NewPair, at: datetime) -> Pair:
        stored = Pair(
            id=self._next_id,
            cohort_id=pair.cohort_id,
            mentor_application=pair.mentor_application,
            mentee_application=pair.mentee_application,
            mentor=pair.mentor,
            mentee=pair.mentee,
            points=pair.points,
            reasons=pair.reasons,
            locked=pair.locked,
            by_hand=pair.by_hand,
            override=pair.override,
            state=PairState.PROPOSED,
            created_at=at,
        )
        self._next_id += 1
        self._pairs[stored.id] = stored
        return stored

    # Personal data holder -------------------------------------------------------------------------------------

    section = "pairs"

    async def export(self, person: PersonId) -> list[dict[str, object]]:
        return [
            {
                "id": p.id,
                "cohort": p.cohort_id,
                "role": "mentor" if p.mentor == person else "mentee",
                "state": p.state.value,
            }
            for p in await self.for_person(person)
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        mine = [p for p in self._pairs.values() if p.includes(person)]
        for pair in mine:
            del self._pairs[pair.id]
            # A proposal was never sent, so nothing of it stays; a published pair stays as an anonymous record.
            if pair.state is not PairState.PROPOSED:
                self.erased.append(
                    ErasedPair(pair.cohort_id, pair.mentor_application, pair.mentee_application, pair.state)
                )
        return len(mine)


class InMemoryContractStore:
    def __init__(self) -> None:
        self._contracts: dict[int, Contract] = {}

    async def get(self, pair_id: int) -> Contract | None:
        return self._contracts.get(pair_id)

    async def write(self, pair_id: int, agreement: Agreement, expected_version: int, at: datetime) -> Contract | None:
        current = self._contracts.get(pair_id)
        if current is None:
            if expected_version != 0:
                return None
            written = Contract(pair_id=pair_id, agreement=agreement, version=1)
        elif current.version != expected_version or current.agreement is None:
            return None
        else:
            written = Contract(pair_id=pair_id, agreement=agreement, version=current.version + 1)
        self._contracts[pair_id] = written
        return written

    async def confirm(self, pair_id: int, as_mentor: bool, expected_version: int, at: datetime) -> Contract | None:
        current = self._contracts.get(pair_id)
        if current is None or current.version != expected_version or current.agreement is None:
            return None
        if as_mentor:
            confirmed = replace(current, mentor_confirmed_at=current.mentor_confirmed_at or at)
        else:
            confirmed = replace(current, mentee_confirmed_at=current.mentee_confirmed_at or at)
        self._contracts[pair_id] = confirmed
        return confirmed

    async def forget(self, pair_id: int) -> None:
        """What erasing someone in the pair does to its agreement: the text goes, and stale cards stop working."""
        current = self._contracts.get(pair_id)
        if current is not None and current.agreement is not None:
            self._contracts[pair_id] = replace(current, agreement=None, version=current.version + 1)


class InMemoryMeetingStore:
    """Times come back in UTC, as the SQL store's do, so a test cannot pass here on a zone SQL would lose."""

    def __init__(self) -> None:
        self._meetings: dict[int, Meeting] = {}
        # Meetings of pairs someone was erased from: out of sight, but their sessions still taken, as in SQL.
        self.erased: list[Meeting] = []
        self._next_id = 1

    async def get(self, meeting_id: int) -> Meeting | None:
        return self._meetings.get(meeting_id)

    async def by_ics_token(self, token: str) -> Meeting | None:
        return next((m for m in self._meetings.values() if m.ics_token == token), None)

    async def for_pairs(self, pair_ids: Sequence[int]) -> Sequence[Meeting]:
        wanted = set(pair_ids)
        return sorted((m for m in self._meetings.values() if m.pair_id in wanted), key=lambda m: (m.pair_id, m.session))

    async def add(self, meeting: NewMeeting, at: datetime) -> Meeting | None:
        everything = [*self._meetings.values(), *self.erased]
        if any(m.ics_token == meeting.ics_token for m in everything):
            # A unique constraint in SQL: a reused token is a bug, not an outcome to handle.
            raise ValueError("that ics token is already in use")
        if any((m.pair_id, m.session) == (meeting.pair_id, meeting.session) for m in everything):
            return None
        stored = Meeting(
            id=self._next_id,
            pair_id=meeting.pair_id,
            session=meeting.session,
            state=MeetingState.OFFERED,
            version=1,
            window=_utc(meeting.window),
            slots=tuple(_utc(slot) for slot in meeting.slots),
            when=None,
            event_id=None,
            join_url=None,
            chosen_by=None,
            ics_token=meeting.ics_token,
            created_at=at.astimezone(UTC),
            updated_at=at.astimezone(UTC),
        )
        self._next_id += 1
        self._meetings[stored.id] = stored
        return stored

    async def save(self, meeting: Meeting, expected_version: int, at: datetime) -> Meeting | None:
        current = self._meetings.get(meeting.id)
        if current is None or current.version != expected_version:
            return None
        saved = replace(
            current,
            state=meeting.state,
            window=_utc(meeting.window),
            slots=tuple(_utc(slot) for slot in meeting.slots),
            when=None if meeting.when is None else _utc(meeting.when),
            event_id=meeting.event_id,
            join_url=meeting.join_url,
            chosen_by=meeting.chosen_by,
            version=current.version + 1,
            updated_at=at.astimezone(UTC),
        )
        self._meetings[meeting.id] = saved
        return saved

    async def forget(self, pair_id: int, person: PersonId, at: datetime) -> None:
        """What erasing ``person`` of the pair does to its meetings: they drop out of sight, the person's choices
        and the join links go, and old .ics links stop working."""
        for meeting in [m for m in self._meetings.values() if m.pair_id == pair_id]:
            del self._meetings[meeting.id]
            self.erased.append(
                replace(
                    meeting,
                    chosen_by=None if meeting.chosen_by == person else meeting.chosen_by,
                    join_url=None,
                    ics_token=new_ics_token(),
                    version=meeting.version + 1,
                    updated_at=at.astimezone(UTC),
                )
            )


class InMemoryPromptStore:
    """The prompts the bot sent, and whether each was answered; also their personal data holder."""

    def __init__(self) -> None:
        self._prompts: list[Prompt] = []

    async def record(self, person: PersonId, kind: PromptKind, ref: str, at: datetime) -> bool:
        if any((p.person, p.kind, p.ref) == (person, kind, ref) for p in self._prompts):
            return False
        self._prompts.append(Prompt(person=person, kind=kind, ref=ref, sent_at=at.astimezone(UTC)))
        return True

    async def answered(self, person: PersonId, kind: PromptKind, ref: str, at: datetime) -> None:
        for index, prompt in enumerate(self._prompts):
            if (prompt.person, prompt.kind, prompt.ref) == (person, kind, ref) and prompt.answered_at is None:
                self._prompts[index] = replace(prompt, answered_at=at.astimezone(UTC))

    async def recent(self, person: PersonId, limit: int) -> Sequence[Prompt]:
        # Newest first; of two sent in the same instant, the one recorded later (as the SQL store's id orders).
        mine = [(p.sent_at, n, p) for n, p in enumerate(self._prompts) if p.person == person]
        return [p for _, _, p in sorted(mine, key=lambda entry: (entry[0], entry[1]), reverse=True)][: max(limit, 0)]

    async def close_open(self, person: PersonId, at: datetime) -> int:
        closed = 0
        for index, prompt in enumerate(self._prompts):
            if prompt.person == person and prompt.open:
                self._prompts[index] = replace(prompt, closed_at=at.astimezone(UTC))
                closed += 1
        return closed

    def of(self, person: PersonId) -> list[Prompt]:
        """Every prompt of the person, in the order they were sent (for tests to look at)."""
        return [p for p in self._prompts if p.person == person]

    # As a personal data holder.

    @property
    def section(self) -> str:
        return "prompts"

    async def export(self, person: PersonId) -> list[dict[str, str | None]]:
        # Newest first, as the SQL holder lists them.
        return [
            {
                "kind": p.kind.value,
                "about": p.ref,
                "sent_at": p.sent_at.isoformat(),
                "answered_at": None if p.answered_at is None else p.answered_at.isoformat(),
                "closed_at": None if p.closed_at is None else p.closed_at.isoformat(),
            }
            for p in await self.recent(person, len(self._prompts))
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        before = len(self._prompts)
        self._prompts = [p for p in self._prompts if p.person != person]
        return before - len(self._prompts)


class InMemoryAttendanceStore:
    """People's answers to "Did you meet?"; an erased person's stay without their id, out of sight."""

    def __init__(self) -> None:
        self._answers: list[Attendance] = []
        # What stays of an erased person's answers: the meeting and the outcome.
        self.anonymous: list[tuple[int, Outcome]] = []

    async def record(self, meeting_id: int, person: PersonId, outcome: Outcome, at: datetime) -> Attendance | None:
        answer = Attendance(meeting_id=meeting_id, person=person, outcome=outcome, answered_at=at.astimezone(UTC))
        for index, existing in enumerate(self._answers):
            if (existing.meeting_id, existing.person) == (meeting_id, person):
                self._answers[index] = answer
                return existing
        self._answers.append(answer)
        return None

    async def for_meetings(self, meeting_ids: Sequence[int]) -> Sequence[Attendance]:
        wanted = set(meeting_ids)
        found = [(a.meeting_id, a.answered_at, n, a) for n, a in enumerate(self._answers) if a.meeting_id in wanted]
        return [a for *_, a in sorted(found, key=lambda entry: (entry[0], entry[1], entry[2]))]

    # As a personal data holder.

    @property
    def section(self) -> str:
        return "attendance"

    async def export(self, person: PersonId) -> list[dict[str, str | int]]:
        return [
            {"meeting": a.meeting_id, "answer": a.outcome.value, "answered_at": a.answered_at.isoformat()}
            for a in self._answers
            if a.person == person
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        mine = [a for a in self._answers if a.person == person]
        self.anonymous += [(a.meeting_id, a.outcome) for a in mine]
        self._answers = [a for a in self._answers if a.person != person]
        return len(mine)


def _utc(interval: Interval) -> Interval:
    return Interval(interval.start.astimezone(UTC), interval.end.astimezone(UTC))


class InMemoryReflectionStore:
    """Answers only for the author asked about, as the SQL store does; also the personal data holder of the
    reflections (their author's export in full; erasure deletes them)."""

    def __init__(self) -> None:
        self._reflections: dict[int, Reflection] = {}
        self._next_id = 1

    async def get(self, author: PersonId, reflection_id: int) -> Reflection | None:
        found = self._reflections.get(reflection_id)
        return found if found is not None and found.author == author else None

    async def by_key(self, author: PersonId, key: str) -> Reflection | None:
        return next((r for r in self._reflections.values() if r.author == author and r.key == key), None)

    async def by_author(self, author: PersonId, offset: int, limit: int) -> Sequence[Reflection]:
        mine = sorted(
            (r for r in self._reflections.values() if r.author == author),
            key=lambda r: (r.created_at, r.id),
            reverse=True,
        )
        return mine[max(offset, 0) : max(offset, 0) + max(limit, 0)]

    async def count_by_author(self, author: PersonId) -> int:
        return sum(1 for r in self._reflections.values() if r.author == author)

    async def add(self, reflection: NewReflection, at: datetime) -> Reflection | None:
        if await self.by_key(reflection.author, reflection.key) is not None:
            return None
        stored = Reflection(
            id=self._next_id,
            author=reflection.author,
            key=reflection.key,
            occasion=reflection.occasion,
            text=reflection.text,
            version=1,
            created_at=at.astimezone(UTC),
            updated_at=at.astimezone(UTC),
        )
        # Like SQLite's AUTOINCREMENT: a deleted reflection's id is never given to another.
        self._next_id += 1
        self._reflections[stored.id] = stored
        return stored

    async def save(
        self, author: PersonId, reflection_id: int, text: ReflectionText, expected_version: int, at: datetime
    ) -> Reflection | None:
        current = await self.get(author, reflection_id)
        if current is None or current.version != expected_version:
            return None
        saved = replace(current, text=text, version=current.version + 1, updated_at=at.astimezone(UTC))
        self._reflections[reflection_id] = saved
        return saved

    async def delete(self, author: PersonId, reflection_id: int, expected_version: int) -> bool:
        current = await self.get(author, reflection_id)
        if current is None or current.version != expected_version:
            return False
        del self._reflections[reflection_id]
        return True

    async def counts(self, pair_ids: Sequence[int]) -> Sequence[ReflectionCount]:
        wanted = set(pair_ids)
        tally: dict[tuple[int, PersonId], int] = {}
        for r in self._reflections.values():
            if r.occasion is not None and r.occasion.pair_id in wanted:
                key = (r.occasion.pair_id, r.author)
                tally[key] = tally.get(key, 0) + 1
        return [ReflectionCount(pair_id, author, done) for (pair_id, author), done in sorted(tally.items())]

    section = "reflections"

    async def export(self, person: PersonId) -> list[dict[str, object]]:
        return [reflection_json(r) for r in await self.by_author(person, 0, len(self._reflections))]

    async def erase(self, person: PersonId, at: datetime) -> int:
        mine = [r.id for r in self._reflections.values() if r.author == person]
        for reflection_id in mine:
            del self._reflections[reflection_id]
        return len(mine)


class InMemorySurveyStore:
    """Rounds and answers, with no person in them (see InMemorySurveyLinks for who is who)."""

    def __init__(self) -> None:
        self.rounds_opened: dict[tuple[int, SurveyKind], SurveyRound] = {}
        self.responses: dict[tuple[int, SurveyKind, str], SurveyResponse] = {}

    async def open_round(self, cohort_id: int, kind: SurveyKind, at: datetime, *, early: bool) -> SurveyRound | None:
        if (cohort_id, kind) in self.rounds_opened:
            return None
        opened = SurveyRound(cohort_id, kind, at.astimezone(UTC), early)
        self.rounds_opened[(cohort_id, kind)] = opened
        return opened

    async def rounds(self, cohort_id: int) -> Sequence[SurveyRound]:
        return [self.rounds_opened[(cohort_id, k)] for k in SurveyKind if (cohort_id, k) in self.rounds_opened]

    async def save(self, response: SurveyResponse) -> bool:
        key = (response.cohort_id, response.kind, response.pseudonym)
        first = key not in self.responses
        # Copies, as the SQL store's JSON would be: a caller changing its dicts later must not change ours.
        self.responses[key] = replace(response, likert=dict(response.likert), free_text=dict(response.free_text))
        return first

    async def find(self, cohort_id: int, kind: SurveyKind, pseudonym: str) -> SurveyResponse | None:
        return self.responses.get((cohort_id, kind, pseudonym))

    async def for_cohort(self, cohort_id: int) -> Sequence[SurveyResponse]:
        return [r for (cohort, _, _), r in self.responses.items() if cohort == cohort_id]


class InMemorySurveyLinks:
    """Who is behind each pseudonym; also the surveys' personal-data holder, as the SQL SurveysHolder is."""

    section = "surveys"

    def __init__(self, store: InMemorySurveyStore) -> None:
        self._store = store
        self.links: dict[tuple[int, PersonId], str] = {}

    async def pseudonym(self, cohort_id: int, person: PersonId) -> str | None:
        return self.links.get((cohort_id, person))

    async def link(self, cohort_id: int, person: PersonId, candidate: str) -> str:
        if candidate in self.links.values() and (cohort_id, person) not in self.links:
            raise ValueError("that pseudonym belongs to someone else")
        return self.links.setdefault((cohort_id, person), candidate)

    async def export(self, person: PersonId) -> list[dict[str, object]]:
        return [
            {"cohort": r.cohort_id, "survey": r.kind.value, "answers": dict(r.likert), "written": dict(r.free_text)}
            for (cohort_id, who), pseudonym in sorted(self.links.items())
            if who == person
            for r in self._store.responses.values()
            if r.cohort_id == cohort_id and r.pseudonym == pseudonym
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        theirs = {(c, p) for (c, who), p in self.links.items() if who == person}
        changed = 0
        for key, response in list(self._store.responses.items()):
            if (response.cohort_id, response.pseudonym) in theirs and response.free_text:
                self._store.responses[key] = replace(response, free_text={})
                changed += 1
        for cohort_id, _ in theirs:
            del self.links[(cohort_id, person)]
        return changed + len(theirs)
