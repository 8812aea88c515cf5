"""Who manages whom, when the organisation's directory can tell us (Microsoft Graph, when configured)."""

from __future__ import annotations

import logging
from typing import Protocol

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
