"""A profile's answers as the JSON document stored with an application.

The role is not part of the document: it has a column of its own because it outlives erasure. Reading is strict:
a document with a missing, unknown or mistyped answer raises ``ValueError`` instead of being patched up, because a
quietly invented answer would then be written back by the next update as if the person had given it.

Two answers were added after the first documents were written, and only those two may be missing: a missing
``avoid_emails`` reads as an empty list (nobody was named, which is true), and a missing ``work_email`` reads as
"", which means "not known": matching must treat it as unknown rather than as an address, and the person is
asked for it when they next change their answers. The band is a :class:`~programme.grades.Grade` value; a band
stored as free text predates the first release, and there is no safe way to guess its grade, so it is refused
like any other unknown choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from programme.grades import Grade
from programme.profiles import Availability, MeetingPreference, Profile, Role, Topic

E = TypeVar("E", bound=StrEnum)

_TEXT_ANSWERS = ("job_title", "directorate", "site", "line_manager_email", "experience_note", "bio")
_KEYS = frozenset({*_TEXT_ANSWERS, "band", "topics", "availability", "meeting_preference"})
# Answers added after the first documents were stored, so an older document may lack them (see above).
_LATER_KEYS = frozenset({"work_email", "avoid_emails"})


def profile_to_json(profile: Profile) -> dict[str, Any]:
    """Every answer except the role, as JSON-ready values."""
    return {
        "job_title": profile.job_title,
        "band": profile.band.value,
        "directorate": profile.directorate,
        "site": profile.site,
        "work_email": profile.work_email,
        "line_manager_email": profile.line_manager_email,
        "topics": [topic.value for topic in profile.topics],
        "availability": [slot.value for slot in profile.availability],
        "meeting_preference": profile.meeting_preference.value,
        "experience_note": profile.experience_note,
        "bio": profile.bio,
        "avoid_emails": list(profile.avoid_emails),
    }


def profile_from_json(role: Role, document: object) -> Profile:
    """The profile stored as ``document``, with ``role`` from its own column; ``ValueError`` when malformed."""
    if not isinstance(document, Mapping):
        raise ValueError(f"a stored profile must be a JSON object, not {type(document).__name__}")
    keys = set(document)
    missing = sorted(_KEYS - keys)
    unknown = sorted(str(key) for key in keys - _KEYS - _LATER_KEYS)
    if missing or unknown:
        raise ValueError(f"a stored profile has missing answers {missing} or unknown ones {unknown}")
    texts = {name: _text(document, name) for name in _TEXT_ANSWERS}
    return Profile(
        role=role,
        job_title=texts["job_title"],
        band=_choice(document["band"], "band", Grade),
        directorate=texts["directorate"],
        site=texts["site"],
        work_email=_text(document, "work_email") if "work_email" in document else "",
        line_manager_email=texts["line_manager_email"],
        topics=_choices(document, "topics", Topic),
        availability=_choices(document, "availability", Availability),
        meeting_preference=_choice(document["meeting_preference"], "meeting_preference", MeetingPreference),
        experience_note=texts["experience_note"],
        bio=texts["bio"],
        avoid_emails=_texts(document, "avoid_emails") if "avoid_emails" in document else (),
    )


def _text(document: Mapping[str, Any], name: str) -> str:
    value = document[name]
    if not isinstance(value, str):
        raise ValueError(f"a stored profile's {name} must be text, not {type(value).__name__}")
    return value


def _texts(document: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = document[name]
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError(f"a stored profile's {name} must be a list of text")
    return tuple(values)


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
