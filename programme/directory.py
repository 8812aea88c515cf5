"""Who manages whom, when the organisation's directory can tell us (Microsoft Graph, when configured)."""

from __future__ import annotations

from typing import Protocol

from programme.identity import PersonId


class Directory(Protocol):
    async def manager_email(self, person: PersonId) -> str | None:
        """The work email of the person's line manager, or None when the directory does not know."""
        ...


class NoDirectory:
    """The embedded default: no directory, so sign-up asks people for their line manager."""

    async def manager_email(self, person: PersonId) -> str | None:
        return None
