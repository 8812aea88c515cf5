"""Signing up to a cohort: which cohorts a person may join, applying, and editing answers before a decision.

Nothing is stored until the person submits a complete, consented application; the dialog that collects the answers
keeps them only in its own conversation state, so cancelling or walking away leaves no application behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from programme.applications import (
    Application,
    ApplicationState,
    ApplicationStore,
    Consent,
    NewApplication,
)
from programme.clock import Clock
from programme.cohorts import Cohort, CohortState, CohortStore
from programme.directory import Directory
from programme.errors import Conflict, InvalidFields, NotAuthorised, NotFound
from programme.identity import PersonId, TenantId
from programme.local_dates import local_today
from programme.participants import ParticipantStore
from programme.profiles import Profile
from programme.text import clean_line

MAX_DISPLAY_NAME = 100


@dataclass(frozen=True)
class Agreement:
    """The two explicit yeses sign-up needs; both must be true."""

    consent_to_processing: bool
    ground_rules: bool


@dataclass(frozen=True)
class SignUpOptions:
    """What a person can sign up to now, and what the directory already knows about them."""

    cohorts: Sequence[Cohort]
    manager_email: str | None


class SignUp:
    def __init__(
        self,
        cohorts: CohortStore,
        applications: ApplicationStore,
        participants: ParticipantStore,
        directory: Directory,
        clock: Clock,
        zone: tzinfo,
    ) -> None:
        self._cohorts = cohorts
        self._applications = applications
        self._participants = participants
        self._directory = directory
        self._clock = clock
        self._zone = zone

    def today(self) -> date:
        return local_today(self._clock, self._zone)

    async def options(self, person: PersonId) -> SignUpOptions:
        """The cohorts this person can join today; a kind :class:`Conflict` when there are none."""
        today = self.today()
        recruiting = await self._cohorts.listing(frozenset({CohortState.RECRUITING}))
        open_now = [c for c in recruiting if c.accepts_signups(today)]
        if not open_now:
            raise Conflict(
                "There isn't a cohort open for sign-ups just now. Your programme coordinator will announce the next "
                "one; thank you for your interest."
            )
        mine = {a.cohort_id: a for a in await self._applications.for_person(person)}
        available = [c for c in open_now if c.id not in mine]
        if not available:
            applied = mine[open_now[0].id]
            raise Conflict(_already_applied(open_now[0], applied))
        return SignUpOptions(cohorts=available, manager_email=await self._directory.manager_email(person))

    async def apply(
        self,
        *,
        tenant: TenantId,
        person: PersonId,
        display_name: str,
        cohort_id: int,
        profile: Profile,
        agreement: Agreement,
    ) -> Application:
        missing: dict[str, str] = {}
        if not agreement.consent_to_processing:
            missing["consent"] = "Please confirm you agree to the programme using your answers as described."
        if not agreement.ground_rules:
            missing["ground_rules"] = "Please confirm you agree to the ground rules."
        if missing:
            raise InvalidFields(missing)
        checked = profile.checked()
        cohort = await self._cohorts.get(cohort_id)
        if cohort is None:
            raise NotFound("I can't find that cohort; it may have been removed. Type 'join' to see what's open.")
        if not cohort.accepts_signups(self.today()):
            raise Conflict(
                f"Sorry, {cohort.title} is no longer taking sign-ups, so I haven't saved an application. Your "
                "coordinator can tell you about the next cohort."
            )
        now = self._clock.now()
        name = clean_line(display_name)[:MAX_DISPLAY_NAME] or "Colleague"
        stored = await self._applications.add(
            NewApplication(
                cohort_id=cohort.id,
                tenant=tenant,
                person=person,
                display_name=name,
                profile=checked,
                consent=Consent(given_at=now),
            ),
            now,
        )
        if stored is None:
            existing = await self._applications.find(cohort.id, person)
            raise Conflict(
                _already_applied(cohort, existing) if existing else "You have already applied to this cohort."
            )
        await self._participants.enrol(tenant, person, name, now)
        return stored

    async def editable(self, person: PersonId) -> tuple[Cohort, Application]:
        """The application this person may still change: one waiting for a decision."""
        applications = await self._applications.for_person(person)
        waiting = [a for a in applications if a.state is ApplicationState.SUBMITTED]
        if waiting:
            application = waiting[0]
            cohort = await self._cohorts.get(application.cohort_id)
            if cohort is not None:
                return cohort, application
        live = [a for a in applications if a.live]
        if live:
            raise Conflict(
                f"Your application is {live[0].state.label.lower()}, so its answers are settled now. If something "
                "has changed, please tell your programme coordinator."
            )
        raise NotFound("You don't have an application to edit. Type 'join' to sign up to an open cohort.")

    async def update_profile(
        self, person: PersonId, application_id: int, profile: Profile, expected_version: int
    ) -> Application:
        current = await self._applications.get(application_id)
        if current is None or current.person != person:
            # Same answer whether it does not exist or belongs to someone else: ids are not for probing.
            raise NotAuthorised("That form isn't for an application of yours, so I haven't changed anything.")
        if current.state is not ApplicationState.SUBMITTED:
            raise Conflict(
                f"Your application is {current.state.label.lower()} now, so I can't change its answers. Please "
                "tell your programme coordinator what has changed."
            )
        checked = profile.checked()
        updated = await self._applications.update_profile(application_id, checked, expected_version, self._clock.now())
        if updated is None:
            raise Conflict(
                "Your application changed while you were editing it (perhaps a decision was made), so I haven't "
                "saved these changes. Type 'profile' to see where it stands."
            )
        return updated


def _already_applied(cohort: Cohort, application: Application) -> str:
    if application.state is ApplicationState.WITHDRAWN:
        return (
            f"You withdrew from {cohort.title}. If you'd like to take part after all, please contact your "
            "programme coordinator, who can help."
        )
    return (
        f"You've already applied to {cohort.title}; your application is {application.state.label.lower()}. "
        "Type 'profile' to see or change your answers."
    )
