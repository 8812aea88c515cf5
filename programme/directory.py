"""Who manages whom, when the organisation's directory can tell us (Microsoft Graph, when configured)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from programme.clock import Clock
from programme.errors import ProgrammeError
from programme.identity import PersonId
from programme.notifier import DeliveryFailed

log = logging.getLogger(__name__)


class Directory(Protocol):
    async def manager_email(self, person: PersonId) -> str | None:
        """The work email of the person's line manager, or None when the directory does not know."""
        ...


class NoDirectory:
    """The embedded default: no directory, so sign-up asks people for their line manager."""

    async def manager_email(self, person: PersonId) -> str | None:
        return None


class ForgivingDirectory:
    """A directory that never stops sign-up or matching: when it cannot answer (down, throttled, refused), the
    answer is "not known", so people are asked and their declarations used instead."""

    def __init__(self, inner: Directory) -> None:
        self._inner = inner

    async def manager_email(self, person: PersonId) -> str | None:
        try:
            return await self._inner.manager_email(person)
        except (ProgrammeError, DeliveryFailed) as error:
            log.warning("directory look-up failed, using what people declared: %s", type(error).__name__)
            return None


class RememberingDirectory:
    """Asks the directory about each person at most once per ``keep_for``: one matching review looks up every
    applicant, and a coordinator clicks through a review several times a minute. A manager changing meanwhile is
    picked up at the first look after that."""

    def __init__(self, inner: Directory, clock: Clock, keep_for: timedelta = timedelta(minutes=10)) -> None:
        self._inner = inner
        self._clock = clock
        self._keep_for = keep_for
        self._known: dict[PersonId, tuple[str | None, datetime]] = {}

    async def manager_email(self, person: PersonId) -> str | None:
        now = self._clock.now()
        known = self._known.get(person)
        if known is not None and now - known[1] < self._keep_for:
            return known[0]
        answer = await self._inner.manager_email(person)
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[person] = (answer, now)
        return answer
