"""A profile's answers as the JSON document stored with an application.

The role is not part of the document: it has a column of its own because it outlives erasure. Reading is strict:
a document with a missing, unknown or mistyped answer raises ``ValueError`` instead of being patched up, because a
quietly invented answer would then be written back by the next update as if the person had given it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from programme.profiles import Availability, MeetingPreference, Profile, Role, Topic

E = TypeVar("E", bound=StrEnum)

_TEXT_ANSWERS = ("job_title", "band", "directorate", "site", "line_manager_email", "experience_note", "bio")
_KEYS = frozenset({*_TEXT_ANSWERS, "topics", "availability", "meeting_preference"})


def profile_to_json(profile: Profile) -> dict[str, Any]:
    """Every answer except the role, as JSON-ready values."""
    return {
        "job_title": profile.job_title,
        "band": profile.band,
        "directorate": profile.directorate,
        "site": profile.site,
        "line_manager_email": profile.line_manager_email,
        "topics": [topic.value for topic in profile.topics],
        "availability": [slot.value for slot in profile.availability],
        "meeting_preference": profile.meeting_preference.value,
        "experience_note": profile.experience_note,
        "bio": profile.bio,
    }


def profile_from_json(role: Role, document: object) -> Profile:
    """The profile stored as ``document``, with ``role`` from its own column; ``ValueError`` when malformed."""
    if not isinstance(document, Mapping):
        raise ValueError(f"a stored profile must be a JSON object, not {type(document).__name__}")
    keys = set(document)
    if keys != _KEYS:
        missing = sorted(_KEYS - keys)
        unknown = sorted(str(key) for key in keys - _KEYS)
        raise ValueError(f"a stored profile has missing answers {missing} or unknown ones {unknown}")
    texts = {name: _text(document, name) for name in _TEXT_ANSWERS}
    return Profile(
        role=role,
        job_title=texts["job_title"],
        band=texts["band"],
        directorate=texts["directorate"],
        site=texts["site"],
        line_manager_email=texts["line_manager_email"],
        topics=_choices(document, "topics", Topic),
        availability=_choices(document, "availability", Availability),
        meeting_preference=_choice(document["meeting_preference"], "meeting_preference", MeetingPreference),
        experience_note=texts["experience_note"],
        bio=texts["bio"],
    )


def _text(document: Mapping[str, Any], name: str) -> str:
    value = document[name]
    if not isinstance(value, str):
        raise ValueError(f"a stored profile's {name} must be text, not {type(value).__name__}")
    return value


def _choices(document: Mapping[str, Any], name: str, kind: type[E]) -> tuple[E, ...]:
    values = document[name]
    if not isinstance(values, list):
        raise ValueError(f"a stored profile's {name} must be a list, not {type(values).__name__}")
    return tuple(_choice(value, name, kind) for value in values)


def _choice(value: object, name: str, kind: type[E]) -> E:
    if not isinstance(value, str):
        raise ValueError(f"a stored profile's {name} holds {type(value).__name__}, not a choice")
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"a stored profile's {name} holds {value!r}, which is not a known choice") from None
