"""Who manages whom, as far as the data shows: never pair someone inside their own line-management chain.

People are known by work email, because that is what everyone can name: a person declares their line manager's
email at sign-up, and the directory (Microsoft Graph, when configured) can add what people did not declare. The
chain is followed upwards as far as the data goes, so a mentor who is the mentee's manager's manager, or one of the
mentee's reports at any depth, is caught.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Long enough for any real organisation; a guard against loops in bad data (A manages B manages A).
MAX_DEPTH = 64


class ManagementChain:
    def __init__(self, manager_of: Mapping[str, str]) -> None:
        self._manager_of = {_key(person): _key(manager) for person, manager in manager_of.items() if person and manager}

    @classmethod
    def from_declarations(cls, declarations: Iterable[tuple[str, str]]) -> ManagementChain:
        """``(person's email, their manager's email)`` pairs; the first declaration for a person wins."""
        manager_of: dict[str, str] = {}
        for person, manager in declarations:
            if person and manager:
                manager_of.setdefault(_key(person), _key(manager))
        return cls(manager_of)

    def managers_above(self, email: str) -> list[str]:
        """The person's manager, their manager's manager and so on, nearest first."""
        chain: list[str] = []
        current = _key(email)
        seen = {current}
        for _ in range(MAX_DEPTH):
            manager = self._manager_of.get(current)
            if manager is None or manager in seen:
                break
            chain.append(manager)
            seen.add(manager)
            current = manager
        return chain

    def related(self, first: str, second: str) -> bool:
        """Whether either person is above the other in the chain (or they are the same person)."""
        a, b = _key(first), _key(second)
        if not a or not b:
            return False
        return a == b or a in self.managers_above(b) or b in self.managers_above(a)


def _key(email: str) -> str:
    return email.strip().lower()
