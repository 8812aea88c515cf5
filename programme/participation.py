"""What a participant can do about their own part in the programme: pause it, withdraw, or leave and be forgotten.

Withdrawing is no-fault: nobody is asked why. Coordinators are told so they can look after any partner and the
matching; the person is thanked, never questioned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from programme.applications import Application, ApplicationState, ApplicationStore
from programme.clock import Clock
from programme.cohorts import CohortStore
from programme.coordinators import Coordinators
from programme.deliveries import schedule_message
from programme.errors import Conflict, InvalidInput, NotAuthorised
from programme.identity import PersonId, TenantId
from programme.local_dates import local_today
from programme.notifier import OutboundMessage
from programme.participants import ParticipantStore
from programme.personal_data import PersonalData
from programme.work import WorkQueue

LONGEST_PAUSE = timedelta(days=183)

# Called for each application a person withdraws, after it is withdrawn (e.g. matching tells the partner). When
# someone leaves and erases their data, it is called just before the erasure, while what they took part in can
# still be found: an erased person's pair is no longer returned by any lookup.
WithdrawalListener = Callable[[Application], Awaitable[None]]
# Told when someone ends a pause early, so what the pause held back (an open survey) can reach them now.
ResumeListener = Callable[[PersonId], Awaitable[None]]


@dataclass(frozen=True)
class Withdrawal:
    applications: Sequence[Application]
    cohort_titles: Sequence[str]


class Participation:
    def __init__(
        self,
        *,
        cohorts: CohortStore,
        applications: ApplicationStore,
        participants: ParticipantStore,
        coordinators: Coordinators,
        personal_data: PersonalData,
        work: WorkQueue,
        clock: Clock,
        zone: tzinfo,
        withdrawal_listeners: Sequence[WithdrawalListener] = (),
        resume_listeners: Sequence[ResumeListener] = (),
    ) -> None:
        self._cohorts = cohorts
        self._applications = applications
        self._participants = participants
        self._coordinators = coordinators
        self._personal_data = personal_data
        self._work = work
        self._clock = clock
        self._zone = zone
        self._listeners = list(withdrawal_listeners)
        self._resume_listeners = list(resume_listeners)

    def today(self) -> date:
        return local_today(self._clock, self._zone)

    async def pause(self, person: PersonId, until: date) -> date:
        today = self.today()
        if until < today:
            raise InvalidInput(f"{until:%d %B %Y} has already passed; please give a date from today onwards.")
        if until - today > LONGEST_PAUSE:
            raise InvalidInput(
                "A pause can last up to six months. For longer, you may prefer to withdraw (no reason needed) and "
                "sign up again to a later cohort."
            )
        await self._taking_part(person)
        await self._participants.set_pause(person, until, self._clock.now())
        return until

    async def resume(self, person: PersonId) -> bool:
        """End a pause; False when there was none."""
        participant = await self._participants.get(person)
        if participant is None or not participant.paused_on(self.today()):
            return False
        await self._participants.set_pause(person, None, self._clock.now())
        for listener in self._resume_listeners:
            await listener(person)
        return True

    async def live_applications(self, person: PersonId) -> list[Application]:
        return [a for a in await self._applications.for_person(person) if a.live]

    async def cohort_titles(self, applications: Sequence[Application]) -> list[str]:
        titles = []
        for application in applications:
            cohort = await self._cohorts.get(application.cohort_id)
            titles.append(cohort.title if cohort else f"cohort {application.cohort_id}")
        return titles

    async def withdraw(self, actor: PersonId, confirmed_for: PersonId) -> Withdrawal:
        """Withdraw every live application. ``confirmed_for`` is whose confirmation card was clicked."""
        _same_person(actor, confirmed_for)
        live = await self._taking_part(actor)
        now = self._clock.now()
        withdrawn: list[Application] = []
        for application in live:
            application.check_move(ApplicationState.WITHDRAWN)
            moved = await self._applications.move(application.id, ApplicationState.WITHDRAWN, application.version, now)
            if moved is None:
                # A coordinator decided at the same moment; withdrawing still stands, so try once more on the new row.
                fresh = await self._applications.get(application.id)
                if fresh is None or not fresh.live:
                    continue
                moved = await self._applications.move(fresh.id, ApplicationState.WITHDRAWN, fresh.version, now)
                if moved is None:
                    raise Conflict("Your application was being changed at the same moment; please try again.")
            withdrawn.append(moved)
        titles = await self.cohort_titles(withdrawn)
        for application, title in zip(withdrawn, titles, strict=True):
            await self._tell_coordinators(
                application.tenant,
                about=application.person,
                key=f"application:{application.id}:withdrawn",
                summary="participant withdrew",
                text=(
                    f"{application.display_name} ({application.profile.role.value}) has withdrawn from {title}. "
                    "Withdrawing is no-fault and they weren't asked for a reason. If they were matched, their "
                    "partner has been told kindly and may need your support and a new match."
                ),
            )
            for listener in self._listeners:
                await listener(application)
        return Withdrawal(applications=withdrawn, cohort_titles=titles)

    async def erase(self, tenant: TenantId, actor: PersonId, confirmed_for: PersonId) -> int:
        """Erase everything personal about ``actor``; returns how many records changed. Coordinators are told
        that someone taking part has left (by name, so they can look after any partner), after the erasure."""
        _same_person(actor, confirmed_for)
        live = await self.live_applications(actor)
        titles = await self.cohort_titles(live)
        for application in live:
            for listener in self._listeners:
                await listener(application)
        changed = sum((await self._personal_data.erase(actor)).values())
        for application, title in zip(live, titles, strict=True):
            await self._tell_coordinators(
                tenant,
                key=f"application:{application.id}:erased",
                summary="participant left and erased their data",
                text=(
                    f"{application.display_name} ({application.profile.role.value}) has left {title} and asked for "
                    "their data to be deleted, which is done. Only anonymous counts remain. If they were matched, "
                    "their partner may need a new match."
                ),
                # The notice names someone who asked to be forgotten: it is kept only until it is delivered.
                forget_on_delivery=True,
            )
        return changed

    async def _taking_part(self, person: PersonId) -> list[Application]:
        live = await self.live_applications(person)
        if not live:
            raise Conflict("You're not taking part in a cohort at the moment, so there's nothing to change.")
        return live

    async def _tell_coordinators(
        self,
        tenant: TenantId,
        *,
        key: str,
        summary: str,
        text: str,
        about: PersonId | None = None,
        forget_on_delivery: bool = False,
    ) -> None:
        now = self._clock.now()
        for coordinator in await self._coordinators.all():
            await schedule_message(
                self._work,
                key=f"{key}:coordinator:{coordinator.person.value}",
                tenant=tenant,
                person=coordinator.person,
                message=OutboundMessage(summary=summary, text=text),
                due_at=now,
                now=now,
                forget_on_delivery=forget_on_delivery,
                about=about,
            )


def _same_person(actor: PersonId, confirmed_for: PersonId) -> None:
    if actor != confirmed_for:
        # A card forwarded or tampered with: only the person it was made for may use it.
        raise NotAuthorised("That confirmation was made for someone else, so I haven't changed anything.")
