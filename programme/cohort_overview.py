"""A cohort at a glance: its plan and state, and how many applications it has per role and state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from programme.applications import ApplicationState
from programme.cohorts import Cohort
from programme.profiles import Role


@dataclass(frozen=True)
class CohortOverview:
    cohort: Cohort
    counts: Mapping[tuple[Role, ApplicationState], int]

    def count(self, role: Role | None = None, state: ApplicationState | None = None) -> int:
        return sum(
            n for (r, s), n in self.counts.items() if (role is None or r is role) and (state is None or s is state)
        )
