"""Who is who: Entra (Azure AD) object ids and tenant ids, validated once at the edge."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from programme.errors import InvalidInput

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_guid(text: str) -> bool:
    # fullmatch, not match: "$" also matches before a trailing newline, which uuid.UUID then rejects with a
    # ValueError instead of our InvalidInput.
    return bool(_GUID.fullmatch(text))


def normalise_guid(text: str, *, what: str) -> str:
    """Lower-case canonical form, so the same person never appears under two spellings."""
    candidate = text.strip().strip("{}")
    if not is_guid(candidate):
        raise InvalidInput(f"{what} must be an id like 3f2504e0-4f89-11d3-9a0c-0305e82c3301.")
    return str(uuid.UUID(candidate))


@dataclass(frozen=True, order=True)
class PersonId:
    """A person's Entra object id; the only key we use for people."""

    value: str

    @classmethod
    def parse(cls, text: str) -> PersonId:
        return cls(normalise_guid(text, what="A person's Entra object id"))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class TenantId:
    """The Microsoft 365 tenant (organisation) a person belongs to."""

    value: str

    @classmethod
    def parse(cls, text: str) -> TenantId:
        return cls(normalise_guid(text, what="A tenant id"))

    def __str__(self) -> str:
        return self.value
