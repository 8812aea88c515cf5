"""Surveys: a cohort's baseline, mid-point pulse and end survey, and results coordinators can see without anyone's
answers being singled out.

**When.** Each cohort's surveys open on their own: the baseline at the cohort's start (or once its pairs are
published, if that is later), the mid-point pulse half way between the start and end dates, the end survey on the
end date. Each stays open for :data:`OPEN_FOR`, or until a coordinator sends the next one early. An hourly job
(:meth:`Surveys.open_due`) queues one ``survey.open`` work item per person in a pair, as a nudge (the sweeper holds
it to working hours and drops it for someone paused or gone); the item queues one ``survey.reminder`` a week later,
which goes only to people who have not answered. Someone paused is not queued at all while the pause lasts, so the
survey reaches them when they are back, if it is still open. A coordinator can send a survey before its date
(``survey send``): the same items, under the same keys, so nobody is ever asked twice.

**Pseudonymous answers.** An answer is stored against a random pseudonym for the person in that cohort, never
against their id. The link between the two is kept apart (:class:`SurveyLinks`) and only this module follows it,
to save someone's answers or show them their own. One response per person and survey: answering again while it is
open replaces the earlier answers.

**Results** (:func:`summarise`) are per cohort, survey and role: for each statement how many answered, the
average and the share who agreed. They are shown only once the survey has closed (while it is open, each new
answer would change the average, and comparing two looks would give away the newest person's answer) and only
for at least ``min_responses`` people. The baseline-to-end change is worked out per person, by pseudonym, and
shown only for at least ``min_responses`` people who answered both, and only when the people who answered just one
of the two are either none or also at least ``min_responses``: otherwise the change, set beside the two surveys'
own averages, would reveal what those few answered. Free-text answers are never shown to coordinators; only how
many people wrote one.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol

from programme.applications import Application, ApplicationStore
from programme.clock import Clock
from programme.cohorts import Cohort, CohortState, CohortStore
from programme.errors import Conflict, InvalidInput, NotFound
from programme.identity import PersonId
from programme.notifier import Notifier, OutboundMessage
from programme.pairs import Pair, PairState, PairStore
from programme.profiles import Role
from programme.prompts import Prompter, PromptKind
from programme.survey_questions import (
    HIGHEST,
    QuestionSet,
    SurveyKind,
    current_set,
    find_set,
)
from programme.sweeper import NUDGE, NudgeCheck, WorkHandler
from programme.tracks import Track
from programme.work import NewWork, WorkItem, WorkQueue

log = logging.getLogger(__name__)

SURVEY_OPEN = "survey.open"
SURVEY_REMINDER = "survey.reminder"
OPEN_FOR = timedelta(days=28)
REMIND_AFTER = timedelta(days=7)
DEFAULT_MIN_RESPONSES = 5
# Below this, an average says too much about each person in it, whatever a deployment would like.
LOWEST_MIN_RESPONSES = 3
# Cohorts whose people may still be surveyed (an end survey runs on after a cohort is closed).
SURVEYED_COHORTS = frozenset({CohortState.RUNNING, CohortState.CLOSING, CohortState.CLOSED})
# A pair that ended with its cohort still answers the end survey.
SURVEYED_PAIRS = frozenset({PairState.PUBLISHED, PairState.ENDED})
PSEUDONYM_BYTES = 16

NOT_YOURS = "That survey isn't one of yours, so I can't show it or take answers for it."
DAMAGED_FORM = "That survey form seems to be damaged or out of date. Type 'survey' and I'll give you a fresh one."
STEPPED_BACK = (
    "You've stepped back from the programme, so there's no survey for you to answer. Thank you for the part you played."
)


def new_pseudonym() -> str:
    return secrets.token_hex(PSEUDONYM_BYTES)


def survey_ref(cohort_id: int, kind: SurveyKind) -> str:
    """The prompt a survey is, for :class:`Prompter` ("survey:<cohort>:<kind>")."""
    return f"survey:{cohort_id}:{kind.value}"


# The stores ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyRound:
    """A survey of a cohort has opened: on its date, or ``early`` when a coordinator sent it before then."""

    cohort_id: int
    kind: SurveyKind
    opened_at: datetime
    early: bool


@dataclass(frozen=True)
class SurveyResponse:
    """One person's answers to one survey, under their pseudonym: nothing here says who they are."""

    cohort_id: int
    kind: SurveyKind
    role: Role
    pseudonym: str
    set_id: str
    set_version: int
    likert: Mapping[str, int]
    free_text: Mapping[str, str] = field(default_factory=dict)


class SurveyStore(Protocol):
    """Rounds and answers. No person id is ever stored here."""

    async def open_round(self, cohort_id: int, kind: SurveyKind, at: datetime, *, early: bool) -> SurveyRound | None:
        """Record that the survey opened; None (and no change) when it had opened before."""
        ...

    async def rounds(self, cohort_id: int) -> Sequence[SurveyRound]:
        """The cohort's surveys that have opened, in the order baseline, mid-point, end."""
        ...

    async def save(self, response: SurveyResponse) -> bool:
        """Store the answers, replacing any earlier ones of the same pseudonym to the same survey; True when they
        are the first."""
        ...

    async def find(self, cohort_id: int, kind: SurveyKind, pseudonym: str) -> SurveyResponse | None: ...

    async def for_cohort(self, cohort_id: int) -> Sequence[SurveyResponse]:
        """Every response of the cohort, in no particular order (nothing may be read into it)."""
        ...


class SurveyLinks(Protocol):
    """Who is behind each pseudonym, kept apart from the answers so that erasure can cut the link."""

    async def pseudonym(self, cohort_id: int, person: PersonId) -> str | None: ...

    async def link(self, cohort_id: int, person: PersonId, candidate: str) -> str:
        """The person's pseudonym in the cohort, storing ``candidate`` as it when they have none yet (of two calls
        at once, both get the one stored first)."""
        ...


class SurveyMessages(Protocol):
    def invitation(self, form: SurveyForm) -> OutboundMessage:
        """The survey for ``form``'s person to answer (``form.reminder`` when it is the reminder)."""
        ...


# When -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    kind: SurveyKind
    opens: datetime
    closes: datetime
    # Whether it has really opened (a round is recorded), rather than being due to.
    opened: bool

    def open_at(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes

    def closed_at(self, moment: datetime) -> bool:
        return moment >= self.closes


def survey_windows(
    cohort: Cohort, rounds: Sequence[SurveyRound], first_published: datetime | None, zone: tzinfo
) -> dict[SurveyKind, Window]:
    """When each of the cohort's surveys opens and closes. A survey is missing when it has no time yet (no pairs
    published), or was passed over because a coordinator sent a later one first."""
    recorded = {r.kind: r for r in rounds}
    plan = cohort.plan
    scheduled = {
        SurveyKind.MIDPOINT: _start_of(
            plan.starts_on + timedelta(days=(plan.ends_on - plan.starts_on).days // 2), zone
        ),
        SurveyKind.END: _start_of(plan.ends_on, zone),
    }
    if first_published is not None:
        scheduled[SurveyKind.BASELINE] = max(_start_of(plan.starts_on, zone), first_published)
    order = list(SurveyKind)
    opens: dict[SurveyKind, datetime] = {}
    previous: datetime | None = None
    for place, kind in enumerate(order):
        if kind in recorded:
            opening = recorded[kind].opened_at
        elif kind in scheduled:
            # On its date, but never before the one before it has had its full time.
            opening = scheduled[kind] if previous is None else max(scheduled[kind], _full_time(previous, zone))
            if any(later in recorded and recorded[later].opened_at <= opening for later in order[place + 1 :]):
                continue
        else:
            break
        opens[kind] = opening
        previous = opening
    windows: dict[SurveyKind, Window] = {}
    for kind, opening in opens.items():
        closes = _full_time(opening, zone)
        # A later survey sent early closes this one when it opens.
        later = [opens[k] for k in order[order.index(kind) + 1 :] if k in opens and opens[k] > opening]
        if later:
            closes = min(closes, later[0])
        windows[kind] = Window(kind, opening, closes, kind in recorded)
    return windows


def _full_time(opening: datetime, zone: tzinfo) -> datetime:
    """When a survey opened at ``opening`` closes if nothing cuts it short: at midnight, four weeks on."""
    return _start_of(opening.astimezone(zone).date() + OPEN_FOR, zone)


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def last_day(window_closes: datetime, zone: tzinfo) -> date:
    """The last day a survey can be answered on, as people in the organisation count days."""
    return (window_closes - timedelta(microseconds=1)).astimezone(zone).date()


# What people and coordinators see ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyForm:
    """A survey for one person to answer (or change their answers to)."""

    cohort: Cohort
    kind: SurveyKind
    questions: QuestionSet
    closes_at: datetime
    zone: tzinfo
    min_responses: int
    # What to show as chosen and written: their saved answers, or what they just submitted, as raw text.
    likert: Mapping[str, str] = field(default_factory=dict)
    free_text: Mapping[str, str] = field(default_factory=dict)
    # They have answers saved already (so submitting again replaces them).
    answered: bool = False
    # From their own baseline, shown with the end survey: (question, what they wrote).
    earlier: tuple[tuple[str, str], ...] = ()
    notice: str | None = None
    problems: Mapping[str, str] = field(default_factory=dict)
    reminder: bool = False


@dataclass(frozen=True)
class SurveyThanks:
    cohort: Cohort
    kind: SurveyKind
    closes_at: datetime
    zone: tzinfo
    # Their earlier answers were replaced.
    replaced: bool


@dataclass(frozen=True)
class SurveySending:
    """What ``survey send`` did."""

    cohort: Cohort
    kind: SurveyKind
    opened_at: datetime
    closes_at: datetime
    zone: tzinfo
    # Whether it had gone out before (on its date or sent earlier).
    already_open: bool
    # People queued now (on a second send: only those paired since).
    queued: int
    # Earlier surveys passed over because this one went first.
    passed_over: tuple[SurveyKind, ...] = ()


@dataclass(frozen=True)
class ItemSummary:
    item_id: str
    text: str
    answered: int
    # None whenever the item is not shown: the numbers are never worked out, so no card can show them by mistake.
    mean: float | None = None
    agree_percent: int | None = None


@dataclass(frozen=True)
class RoleSummary:
    role: Role
    answered: int
    shown: bool
    items: tuple[ItemSummary, ...] = ()
    # How many wrote something in a free-text answer (never what); only given alongside shown results.
    comments: int | None = None


@dataclass(frozen=True)
class KindSummary:
    kind: SurveyKind
    window: Window | None
    closed: bool
    roles: tuple[RoleSummary, ...]
    # Open now (neither still to come nor closed).
    open_now: bool = False


@dataclass(frozen=True)
class ItemChange:
    item_id: str
    text: str
    pairs: int
    # The average of (end - baseline) over the people who answered both; None when not shown.
    change: float | None = None


@dataclass(frozen=True)
class ChangeSummary:
    role: Role
    pairs: int
    shown: bool
    items: tuple[ItemChange, ...] = ()
    # Why it is hidden although enough people answered both (a small group answered only one of the two).
    held_back: bool = False


@dataclass(frozen=True)
class SurveyResults:
    cohort: Cohort
    zone: tzinfo
    min_responses: int
    surveys: tuple[KindSummary, ...]
    change: tuple[ChangeSummary, ...]
    # The end survey has closed, so the change can be worked out (or not, for too few people).
    change_ready: bool


def summarise(
    cohort: Cohort,
    windows: Mapping[SurveyKind, Window],
    responses: Sequence[SurveyResponse],
    now: datetime,
    min_responses: int,
    zone: tzinfo,
) -> SurveyResults:
    """The coordinators' view of a cohort's answers: only aggregates, only for closed surveys, only for enough
    people (see the module's docstring)."""
    if min_responses < LOWEST_MIN_RESPONSES:
        raise ValueError(f"results need at least {LOWEST_MIN_RESPONSES} responses to show")
    track = cohort.plan.track
    surveys = []
    for kind in SurveyKind:
        window = windows.get(kind)
        closed = window is not None and window.closed_at(now)
        roles = []
        for role in Role:
            these = [r for r in responses if r.kind is kind and r.role is role]
            if not closed or len(these) < min_responses:
                roles.append(RoleSummary(role, len(these), shown=False))
                continue
            items = tuple(
                _item_summary(item_id, text, [r.likert[item_id] for r in these if item_id in r.likert], min_responses)
                for item_id, text in _items(role, kind, these, track)
            )
            comments = sum(1 for r in these if any(text.strip() for text in r.free_text.values()))
            roles.append(RoleSummary(role, len(these), shown=True, items=items, comments=comments))
        open_now = window is not None and window.open_at(now)
        surveys.append(KindSummary(kind, window, closed, tuple(roles), open_now))
    baseline, end = windows.get(SurveyKind.BASELINE), windows.get(SurveyKind.END)
    ready = baseline is not None and end is not None and baseline.closed_at(now) and end.closed_at(now)
    change = tuple(
        _change(role, responses, min_responses, track) if ready else ChangeSummary(role, 0, False) for role in Role
    )
    return SurveyResults(cohort, zone, min_responses, tuple(surveys), change, ready)


def _items(role: Role, kind: SurveyKind, responses: Sequence[SurveyResponse], track: Track) -> list[tuple[str, str]]:
    """The statements answered, in the current set's order, then any that only older versions asked."""
    found: dict[str, str] = {item.id: item.text(track) for item in current_set(role, kind).likert}
    for response in responses:
        questions = find_set(response.set_id, response.set_version)
        for item in questions.likert if questions is not None else ():
            found.setdefault(item.id, item.text(track))
    return list(found.items())


def _item_summary(item_id: str, text: str, values: Sequence[int], min_responses: int) -> ItemSummary:
    if len(values) < min_responses:
        return ItemSummary(item_id, text, len(values))
    agree = sum(1 for value in values if value >= HIGHEST - 1)
    return ItemSummary(
        item_id,
        text,
        len(values),
        mean=sum(values) / len(values),
        agree_percent=round(100 * agree / len(values)),
    )


def _change(role: Role, responses: Sequence[SurveyResponse], min_responses: int, track: Track) -> ChangeSummary:
    before = {r.pseudonym: r for r in responses if r.kind is SurveyKind.BASELINE and r.role is role}
    after = {r.pseudonym: r for r in responses if r.kind is SurveyKind.END and r.role is role}
    both = sorted(before.keys() & after.keys())
    if len(both) < min_responses:
        return ChangeSummary(role, len(both), shown=False)
    items = []
    held_back = False
    for item_id, text in _items(role, SurveyKind.BASELINE, list(before.values()), track):
        paired = [p for p in both if item_id in before[p].likert and item_id in after[p].likert]
        only_before = sum(1 for r in before.values() if item_id in r.likert) - len(paired)
        only_after = sum(1 for r in after.values() if item_id in r.likert) - len(paired)
        if len(paired) < min_responses:
            items.append(ItemChange(item_id, text, len(paired)))
            continue
        if not all(rest == 0 or rest >= min_responses for rest in (only_before, only_after)):
            # Beside the two surveys' own averages, this change would give away the answers of the few who
            # answered only one of them.
            held_back = True
            items.append(ItemChange(item_id, text, len(paired)))
            continue
        moved = [after[p].likert[item_id] - before[p].likert[item_id] for p in paired]
        items.append(ItemChange(item_id, text, len(paired), change=sum(moved) / len(moved)))
    shown = any(item.change is not None for item in items)
    return ChangeSummary(role, len(both), shown=shown, items=tuple(items), held_back=held_back and not shown)


# The use cases --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    """A person in a pair of a cohort, still taking part."""

    cohort: Cohort
    application: Application
    pair: Pair

    @property
    def person(self) -> PersonId:
        return self.application.person

    @property
    def role(self) -> Role:
        return Role.MENTOR if self.pair.mentor == self.application.person else Role.MENTEE


class Surveys:
    def __init__(
        self,
        *,
        cohorts: CohortStore,
        applications: ApplicationStore,
        pairs: PairStore,
        store: SurveyStore,
        links: SurveyLinks,
        work: WorkQueue,
        prompter: Prompter,
        messages: SurveyMessages,
        clock: Clock,
        zone: tzinfo,
        hold: NudgeCheck | None = None,
        min_responses: int = DEFAULT_MIN_RESPONSES,
    ) -> None:
        if min_responses < LOWEST_MIN_RESPONSES:
            raise ValueError(f"survey results need at least {LOWEST_MIN_RESPONSES} responses to be shown")
        self._cohorts = cohorts
        self._applications = applications
        self._pairs = pairs
        self._store = store
        self._links = links
        self._work = work
        self._prompter = prompter
        self._messages = messages
        self._clock = clock
        self._zone = zone
        self._hold = hold
        self.min_responses = min_responses

    # What the bot does on its own ------------------------------------------------------------------------------

    async def open_due(self) -> int:
        """Queue every survey that is open for everyone in a pair not yet asked; returns how many were queued.
        Safe to run as often as wanted, and on several replicas at once: the queue keeps one item per person and
        survey."""
        now = self._clock.now()
        queued = 0
        for cohort in await self._cohorts.listing(SURVEYED_COHORTS):
            pairs = await self._pairs.for_cohort(cohort.id, SURVEYED_PAIRS)
            if not pairs:
                continue
            due = [w for w in (await self._windows(cohort, pairs)).values() if w.open_at(now)]
            if not due:
                continue
            members = await self._members(cohort, pairs)
            for window in due:
                if not window.opened:
                    await self._store.open_round(cohort.id, window.kind, window.opens, early=False)
                for member in members:
                    queued += await self._queue(member, window.kind, now)
        return queued

    async def send(self, cohort_id: int, kind: SurveyKind) -> SurveySending:
        """A coordinator sends a survey now rather than on its date. Sending again queues only people paired
        since: everyone else already has it."""
        cohort = await self._cohorts.get(cohort_id)
        if cohort is None:
            raise NotFound(f"There is no cohort {cohort_id}. Type 'cohorts' to see them.")
        if cohort.state not in (CohortState.RUNNING, CohortState.CLOSING):
            raise Conflict(f"{cohort.title} is {cohort.state.label}, so there is nobody to survey in it now.")
        pairs = await self._pairs.for_cohort(cohort.id, SURVEYED_PAIRS)
        members = await self._members(cohort, pairs)
        if not members:
            raise Conflict(f"{cohort.title} has nobody in a pair yet, so there is nobody to send a survey to.")
        now = self._clock.now()
        windows = await self._windows(cohort, pairs)
        window = windows.get(kind)
        baseline = windows.get(SurveyKind.BASELINE)
        if kind is not SurveyKind.BASELINE and (baseline is None or not baseline.opened):
            raise Conflict(
                f"The {SurveyKind.BASELINE.label} of {cohort.title} hasn't gone out yet, and the later surveys are "
                "measured against it. Please send that first: survey send baseline."
            )
        if window is not None and window.closed_at(now):
            raise Conflict(
                f"The {kind.label} of {cohort.title} closed on {_day(last_day(window.closes, self._zone))}, so it "
                "can't be sent again."
            )
        already = window is not None and window.opened
        passed_over: tuple[SurveyKind, ...] = ()
        if window is None or window.opens > now:
            await self._store.open_round(cohort.id, kind, now, early=True)
        elif not window.opened:
            # Due today and not yet picked up by the hourly run: it opens as planned, only sooner.
            await self._store.open_round(cohort.id, kind, window.opens, early=False)
        if not already:
            after = await self._windows(cohort, pairs)
            earlier = list(SurveyKind)[: list(SurveyKind).index(kind)]
            passed_over = tuple(k for k in earlier if k not in after)
            window = after[kind]
        assert window is not None
        queued = 0
        for member in members:
            queued += await self._queue(member, kind, now)
        return SurveySending(cohort, kind, window.opens, window.closes, self._zone, already, queued, passed_over)

    def open_handler(self, notifier: Notifier) -> WorkHandler:
        async def open_survey(item: WorkItem) -> None:
            await self._invite(item, notifier, reminder=False)

        return open_survey

    def reminder_handler(self, notifier: Notifier) -> WorkHandler:
        async def remind(item: WorkItem) -> None:
            await self._invite(item, notifier, reminder=True)

        return remind

    async def resumed(self, person: PersonId) -> None:
        """Someone ended a pause: invite them to every survey open for them that they have not answered.

        A pause holds surveys back, and one may have been the prompt that paused them (see programme/prompts.py),
        so without this a person who came back could miss a survey that is still open. Asking again someone who
        had the invitation before the pause does no harm: it is the survey they can answer now."""
        now = self._clock.now()
        day = now.astimezone(self._zone).date()
        for pair in await self._pairs.for_person(person, SURVEYED_PAIRS):
            member = await self._member_of(pair, person)
            if member is None:
                continue
            for window in (await self._windows(member.cohort)).values():
                if not window.open_at(now) or await self._answers(member, window.kind) is not None:
                    continue
                await self._work.enqueue(
                    NewWork(
                        kind=SURVEY_OPEN,
                        idempotency_key=(
                            f"survey:{member.cohort.id}:{window.kind.value}:open:{person.value}:resumed:{day}"
                        ),
                        tenant=member.application.tenant,
                        recipient=person,
                        due_at=now,
                        payload=_payload(member.cohort.id, window.kind),
                    ),
                    now,
                )

    # What people do --------------------------------------------------------------------------------------------

    async def mine(self, person: PersonId) -> SurveyForm:
        """The survey open for the person now (one not yet answered first), for the ``survey`` command."""
        now = self._clock.now()
        found: list[tuple[bool, datetime, _Member, Window]] = []
        for pair in await self._pairs.for_person(person, SURVEYED_PAIRS):
            member = await self._member_of(pair, person)
            if member is None:
                continue
            for window in (await self._windows(member.cohort)).values():
                if window.open_at(now):
                    answered = await self._answers(member, window.kind) is not None
                    found.append((answered, window.opens, member, window))
        if not found:
            raise NotFound("There's no survey open for you just now. I'll send you one when it's time.")
        # Unanswered before answered, and the most recently opened first.
        found.sort(key=lambda entry: (entry[0], -entry[1].timestamp()))
        _, _, member, window = found[0]
        return await self._form(member, window)

    async def form(self, person: PersonId, cohort_id: int, kind: SurveyKind, notice: str | None = None) -> SurveyForm:
        """The survey as the person sees it now, with their answers if they gave some."""
        member = await self._member(person, cohort_id)
        window = await self._window_to_answer(member, kind)
        return await self._form(member, window, notice=notice)

    async def form_again(
        self,
        person: PersonId,
        cohort_id: int,
        kind: SurveyKind,
        likert: Mapping[str, str],
        free_text: Mapping[str, str],
        problems: Mapping[str, str],
    ) -> SurveyForm:
        """The form shown back with what they submitted and what was wrong with it, so nothing is lost."""
        form = await self.form(person, cohort_id, kind)
        known = set(form.questions.item_ids)
        return replace(
            form,
            likert={k: v for k, v in likert.items() if k in known},
            free_text={k: v for k, v in free_text.items() if k in known},
            problems=dict(problems),
            notice="Nearly there: please look at the questions marked below.",
        )

    async def submit(
        self,
        person: PersonId,
        cohort_id: int,
        kind: SurveyKind,
        set_id: str,
        version: int,
        likert: Mapping[str, str],
        free_text: Mapping[str, str],
    ) -> SurveyThanks:
        """Save the person's answers (replacing earlier ones while the survey is open); :class:`InvalidFields`
        naming each statement left unanswered."""
        member = await self._member(person, cohort_id)
        questions = find_set(set_id, version)
        if questions is None or questions.kind is not kind or questions.role is not member.role:
            raise InvalidInput(DAMAGED_FORM)
        window = await self._window_to_answer(member, kind)
        answers = questions.checked(likert, free_text, member.cohort.plan.track)
        pseudonym = await self._links.link(cohort_id, person, new_pseudonym())
        first = await self._store.save(
            SurveyResponse(
                cohort_id=cohort_id,
                kind=kind,
                role=member.role,
                pseudonym=pseudonym,
                set_id=questions.id,
                set_version=questions.version,
                likert=dict(answers.likert),
                free_text=dict(answers.free_text),
            )
        )
        await self._prompter.answered(person, PromptKind.SURVEY, survey_ref(cohort_id, kind))
        return SurveyThanks(member.cohort, kind, window.closes, self._zone, replaced=not first)

    # What coordinators see --------------------------------------------------------------------------------------

    async def results(self, cohort_id: int) -> SurveyResults:
        cohort = await self._cohorts.get(cohort_id)
        if cohort is None:
            raise NotFound(f"There is no cohort {cohort_id}. Type 'cohorts' to see them.")
        windows = await self._windows(cohort)
        responses = await self._store.for_cohort(cohort.id)
        return summarise(cohort, windows, responses, self._clock.now(), self.min_responses, self._zone)

    # Inside -----------------------------------------------------------------------------------------------------

    async def _queue(self, member: _Member, kind: SurveyKind, now: datetime) -> int:
        if self._hold is not None and await self._hold(member.person, now) is not None:
            # Paused: not queued, so the next run finds them once the pause is over (while the survey is open).
            return 0
        added = await self._work.enqueue(
            NewWork(
                kind=SURVEY_OPEN,
                idempotency_key=f"survey:{member.cohort.id}:{kind.value}:open:{member.person.value}",
                tenant=member.application.tenant,
                recipient=member.person,
                due_at=now,
                payload=_payload(member.cohort.id, kind),
            ),
            now,
        )
        return 1 if added else 0

    async def _invite(self, item: WorkItem, notifier: Notifier, *, reminder: bool) -> None:
        cohort_id, kind = _read_payload(item)
        if item.recipient is None:
            raise InvalidInput(f"work item {item.id} names nobody to survey")
        person = item.recipient
        member = await self._member_or_none(person, cohort_id)
        now = self._clock.now()
        if member is None:
            log.info("survey item %s: no longer taking part, nothing sent", item.id)
            return
        window = (await self._windows(member.cohort)).get(kind)
        if window is None or not window.open_at(now):
            log.info("survey item %s: the %s is not open now, nothing sent", item.id, kind.value)
            return
        if await self._answers(member, kind) is not None:
            return
        if not reminder and now + REMIND_AFTER < window.closes:
            # Queued before the invitation goes, so a retry after a failed send cannot queue it twice, and a
            # person paused instead of invited has it dropped by the sweeper.
            await self._work.enqueue(
                NewWork(
                    kind=SURVEY_REMINDER,
                    idempotency_key=f"survey:{cohort_id}:{kind.value}:reminder:{person.value}",
                    tenant=item.tenant,
                    recipient=person,
                    due_at=now + REMIND_AFTER,
                    payload=_payload(cohort_id, kind),
                ),
                now,
            )
        form = await self._form(member, window, reminder=reminder)
        await self._prompter.send(
            notifier,
            member.application.tenant,
            person,
            PromptKind.SURVEY,
            survey_ref(cohort_id, kind),
            self._messages.invitation(form),
        )

    async def _form(
        self, member: _Member, window: Window, *, notice: str | None = None, reminder: bool = False
    ) -> SurveyForm:
        saved = await self._answers(member, window.kind)
        questions = current_set(member.role, window.kind)
        if saved is not None:
            # Changing answers shows the questions they answered; a newer version waits for their next survey.
            questions = find_set(saved.set_id, saved.set_version) or questions
        earlier: tuple[tuple[str, str], ...] = ()
        if window.kind is SurveyKind.END:
            baseline = await self._answers(member, SurveyKind.BASELINE)
            if baseline is not None:
                asked = find_set(baseline.set_id, baseline.set_version)
                by_id = {item.id: item.question for item in asked.free_text} if asked is not None else {}
                earlier = tuple((by_id[k], v) for k, v in baseline.free_text.items() if k in by_id and v)
        return SurveyForm(
            cohort=member.cohort,
            kind=window.kind,
            questions=questions,
            closes_at=window.closes,
            zone=self._zone,
            min_responses=self.min_responses,
            likert={k: str(v) for k, v in saved.likert.items()} if saved is not None else {},
            free_text=dict(saved.free_text) if saved is not None else {},
            answered=saved is not None,
            earlier=earlier,
            notice=notice,
            reminder=reminder,
        )

    async def _answers(self, member: _Member, kind: SurveyKind) -> SurveyResponse | None:
        pseudonym = await self._links.pseudonym(member.cohort.id, member.person)
        if pseudonym is None:
            return None
        return await self._store.find(member.cohort.id, kind, pseudonym)

    async def _window_to_answer(self, member: _Member, kind: SurveyKind) -> Window:
        now = self._clock.now()
        window = (await self._windows(member.cohort)).get(kind)
        if window is None:
            raise Conflict(f"The {kind.label} isn't open, so there's nothing to answer for it just now.")
        if window.opens > now:
            raise Conflict(
                f"The {kind.label} isn't open yet; I'll send it to you on {_day(window.opens.astimezone(self._zone))}."
            )
        if window.closed_at(now):
            raise Conflict(
                f"The {kind.label} closed on {_day(last_day(window.closes, self._zone))}, so I can't take answers "
                "for it any more. Thank you all the same."
            )
        return window

    async def _windows(self, cohort: Cohort, pairs: Sequence[Pair] | None = None) -> dict[SurveyKind, Window]:
        if pairs is None:
            pairs = await self._pairs.for_cohort(cohort.id, SURVEYED_PAIRS)
        published = [pair.published_at for pair in pairs if pair.published_at is not None]
        rounds = await self._store.rounds(cohort.id)
        return survey_windows(cohort, rounds, min(published) if published else None, self._zone)

    async def _members(self, cohort: Cohort, pairs: Sequence[Pair]) -> list[_Member]:
        # One read for the cohort rather than two per pair: this runs every hour.
        applications = {application.id: application for application in await self._applications.for_cohort(cohort.id)}
        members = []
        for pair in pairs:
            for application_id in (pair.mentor_application, pair.mentee_application):
                application = applications.get(application_id)
                if application is not None and application.live:
                    members.append(_Member(cohort, application, pair))
        return members

    async def _member(self, person: PersonId, cohort_id: int) -> _Member:
        """The person in a pair of the cohort; refused kindly otherwise (the same answer for a cohort that does not
        exist as for one they are not in)."""
        for pair in await self._pairs.for_person(person, SURVEYED_PAIRS):
            if pair.cohort_id != cohort_id:
                continue
            application = await self._applications.find(cohort_id, person)
            cohort = await self._cohorts.get(cohort_id)
            if application is None or cohort is None:
                break
            if not application.live:
                raise NotFound(STEPPED_BACK)
            return _Member(cohort, application, pair)
        raise NotFound(NOT_YOURS)

    async def _member_or_none(self, person: PersonId, cohort_id: int) -> _Member | None:
        try:
            return await self._member(person, cohort_id)
        except NotFound:
            return None

    async def _member_of(self, pair: Pair, person: PersonId) -> _Member | None:
        cohort = await self._cohorts.get(pair.cohort_id)
        application = await self._applications.find(pair.cohort_id, person)
        if cohort is None or application is None or not application.live:
            return None
        return _Member(cohort, application, pair)


def _payload(cohort_id: int, kind: SurveyKind) -> dict[str, object]:
    # Ids only: the survey itself is built when it is sent, from the questions and answers as they are then.
    return {"summary": kind.label, NUDGE: True, "cohort": cohort_id, "survey": kind.value}


def _read_payload(item: WorkItem) -> tuple[int, SurveyKind]:
    cohort_id, kind = item.payload.get("cohort"), item.payload.get("survey")
    if not isinstance(cohort_id, int) or isinstance(cohort_id, bool) or kind not in {k.value for k in SurveyKind}:
        raise InvalidInput(f"work item {item.id} names no survey")
    return cohort_id, SurveyKind(str(kind))


def _day(day: date | datetime) -> str:
    return f"{day:%A} {day.day} {day:%B}"
