"""Reading what a sign-up card sent back: untrusted strings in, typed answers (or kind problems) out.

A card's inputs arrive as strings (multi-selects as one comma-separated string), but nothing stops a tampered or
stale client sending numbers, lists or a megabyte of text. Every parser here accepts ``object`` and either returns
typed answers or raises :class:`InvalidFields` keyed by the input's id, so the card can be shown again with each
problem next to its field. The text rules themselves (lengths, email shape) are the ones in
:meth:`programme.profiles.Profile.checked`, applied here one step at a time so a problem is shown on the card that
asked for it, not at the end.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from programme.errors import InvalidFields, InvalidInput
from programme.grades import Grade, parse_grade
from programme.profiles import Availability, MeetingPreference, Profile, Role, Topic
from programme.signup import Agreement

E = TypeVar("E", bound=StrEnum)

# Far above any field's own limit: anything longer is not a person typing into our card, so it is refused before
# it is kept anywhere (dialog state included).
MAX_SUBMITTED = 2_000

COHORT_FIELDS = ("cohort",)
CONSENT_FIELDS = ("consent", "ground_rules")
ABOUT_FIELDS = ("role", "job_title", "band", "directorate", "site", "work_email", "line_manager_email")
INTERESTS_FIELDS = ("topics", "experience_note", "availability", "meeting_preference", "bio", "avoid_emails")

TOGGLE_ON = "true"

# People paste lists from Outlook (semicolons) as readily as they type one address a line; no address has spaces.
_LIST_SEPARATORS = re.compile(r"[\s,;]+")

# Stand-ins for the answers a step does not ask for, so Profile.checked can judge the fields it does ask for.
_PLACEHOLDER = Profile(
    role=Role.MENTOR,
    job_title="placeholder",
    band=Grade.BAND_5,
    directorate="placeholder",
    site="placeholder",
    work_email="placeholder.person@example.org",
    line_manager_email="placeholder.manager@example.org",
    topics=(Topic.CAREER_PROGRESSION,),
    availability=(Availability.MON_AM,),
    meeting_preference=MeetingPreference.EITHER,
)


@dataclass(frozen=True)
class AboutYou:
    role: Role
    job_title: str
    band: Grade
    directorate: str
    site: str
    work_email: str
    line_manager_email: str


@dataclass(frozen=True)
class Interests:
    topics: tuple[Topic, ...]
    availability: tuple[Availability, ...]
    meeting_preference: MeetingPreference
    experience_note: str = ""
    bio: str = ""
    avoid_emails: tuple[str, ...] = ()


def form_values(value: object, fields: Iterable[str]) -> dict[str, str]:
    """What was typed into these inputs, to show again on a re-sent card: only text of an acceptable length,
    so nothing odd or oversized is ever kept or echoed back."""
    if not isinstance(value, Mapping):
        return {}
    kept: dict[str, str] = {}
    for field in fields:
        raw = value.get(field)
        if isinstance(raw, str) and len(raw) <= MAX_SUBMITTED:
            kept[field] = raw
    return kept


def parse_cohort_choice(value: object, offered: Collection[int]) -> int:
    texts, problems = _texts(value, COHORT_FIELDS)
    chosen = texts["cohort"].strip()
    if "cohort" not in problems:
        if not chosen:
            problems["cohort"] = "Please choose the cohort you'd like to join."
        elif not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 9 and int(chosen) in offered):
            problems["cohort"] = "That cohort isn't one of those open just now; please choose one from the list."
    if problems:
        raise InvalidFields(problems)
    return int(chosen)


def parse_agreement(value: object) -> Agreement:
    """Both boxes must be ticked; anything but the toggle's own "on" value counts as not ticked."""
    texts, problems = _texts(value, CONSENT_FIELDS)
    consent = texts["consent"] == TOGGLE_ON
    ground_rules = texts["ground_rules"] == TOGGLE_ON
    if not consent:
        problems.setdefault(
            "consent",
            "Please tick this box if you're happy for your answers to be used as described. Without it I can't "
            "take your application, and that's completely fine if you'd rather not.",
        )
    if not ground_rules:
        problems.setdefault("ground_rules", "Please tick this box to say you agree to the ground rules.")
    if problems:
        raise InvalidFields(problems)
    return Agreement(consent_to_processing=True, ground_rules=True)


def parse_role(raw: str) -> Role | None:
    try:
        return Role(raw.strip())
    except ValueError:
        return None


def usable_manager(email: str | None) -> str | None:
    """The directory's answer when it passes our own email rule; otherwise None, so the person is asked instead
    of being stuck with a value they cannot change."""
    if not email:
        return None
    try:
        return replace(_PLACEHOLDER, line_manager_email=email).checked().line_manager_email
    except InvalidFields:
        return None


def usable_work_email(email: str | None) -> str | None:
    """An address Teams gave for the person, tidied, when it passes our own email rule; otherwise None, so the
    input starts empty rather than holding something the card would only refuse."""
    if not email:
        return None
    try:
        return replace(_PLACEHOLDER, work_email=email).checked().work_email
    except InvalidFields:
        return None


def split_emails(raw: str) -> tuple[str, ...]:
    """A typed list of addresses, one a line or separated by commas or semicolons; blanks are dropped."""
    return tuple(part for part in _LIST_SEPARATORS.split(raw) if part)


def parse_about_you(value: object, manager_from_directory: str | None = None) -> AboutYou:
    """The about-you step. When the directory supplied the line manager, any submitted one is ignored: the card
    did not ask for it."""
    texts, problems = _texts(value, ABOUT_FIELDS)
    role = parse_role(texts["role"])
    if role is None:
        problems.setdefault(
            "role",
            "Please choose how you'd like to take part: as a mentor sharing your experience, or as a mentee "
            "learning from it.",
        )
    band: Grade | None = None
    try:
        band = parse_grade(texts["band"].strip())
    except InvalidInput as error:
        problems.setdefault("band", error.user_message)
    answers = replace(
        _PLACEHOLDER,
        job_title=texts["job_title"],
        band=band or _PLACEHOLDER.band,
        directorate=texts["directorate"],
        site=texts["site"],
        work_email=texts["work_email"],
        line_manager_email=manager_from_directory or texts["line_manager_email"],
    )
    checked = _checked_step(answers, ABOUT_FIELDS, problems)
    if checked is None or role is None or band is None:
        raise InvalidFields(problems)
    return AboutYou(
        role=role,
        job_title=checked.job_title,
        band=checked.band,
        directorate=checked.directorate,
        site=checked.site,
        work_email=checked.work_email,
        line_manager_email=checked.line_manager_email,
    )


def parse_interests(value: object, own_email: str = "") -> Interests:
    """The interests step. ``own_email`` is the work email given on the about-you step, so a colleague list that
    includes it is pointed out on this card, where it can be fixed."""
    texts, problems = _texts(value, INTERESTS_FIELDS)
    topics = _choices(
        texts["topics"],
        Topic,
        "topics",
        "One of the topics isn't one I recognise; please choose them again from the list.",
        problems,
    )
    availability = _choices(
        texts["availability"],
        Availability,
        "availability",
        "One of the times isn't one I recognise; please choose them again from the list.",
        problems,
    )
    preference: MeetingPreference | None = None
    chosen = texts["meeting_preference"].strip()
    if "meeting_preference" not in problems:
        if not chosen:
            problems["meeting_preference"] = "Please choose how you'd prefer to meet; 'Either' is fine."
        else:
            try:
                preference = MeetingPreference(chosen)
            except ValueError:
                problems["meeting_preference"] = "Please choose one of the ways to meet from the list."
    answers = replace(
        _PLACEHOLDER,
        work_email=own_email or _PLACEHOLDER.work_email,
        topics=topics,
        availability=availability,
        experience_note=texts["experience_note"],
        bio=texts["bio"],
        avoid_emails=split_emails(texts["avoid_emails"]),
    )
    checked = _checked_step(answers, INTERESTS_FIELDS, problems)
    if checked is None or preference is None:
        raise InvalidFields(problems)
    return Interests(
        topics=checked.topics,
        availability=checked.availability,
        meeting_preference=preference,
        experience_note=checked.experience_note,
        bio=checked.bio,
        avoid_emails=checked.avoid_emails,
    )


def build_profile(about: AboutYou, interests: Interests) -> Profile:
    """The whole profile, checked as the use case will check it."""
    return Profile(
        role=about.role,
        job_title=about.job_title,
        band=about.band,
        directorate=about.directorate,
        site=about.site,
        work_email=about.work_email,
        line_manager_email=about.line_manager_email,
        topics=interests.topics,
        availability=interests.availability,
        meeting_preference=interests.meeting_preference,
        experience_note=interests.experience_note,
        bio=interests.bio,
        avoid_emails=interests.avoid_emails,
    ).checked()


def profile_values(profile: Profile) -> tuple[dict[str, str], dict[str, str]]:
    """A stored profile as the strings the about-you and interests cards send, to pre-fill them for editing."""
    about = {
        "role": profile.role.value,
        "job_title": profile.job_title,
        "band": profile.band.value,
        "directorate": profile.directorate,
        "site": profile.site,
        "work_email": profile.work_email,
        "line_manager_email": profile.line_manager_email,
    }
    interests = {
        "topics": ",".join(topic.value for topic in profile.topics),
        "experience_note": profile.experience_note,
        "availability": ",".join(slot.value for slot in profile.availability),
        "meeting_preference": profile.meeting_preference.value,
        "bio": profile.bio,
        "avoid_emails": "\n".join(profile.avoid_emails),
    }
    return about, interests


def _texts(value: object, fields: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each field as text ("" when absent), and a problem for each one that is not text or is far too long."""
    source: Mapping[object, object] = value if isinstance(value, Mapping) else {}
    texts: dict[str, str] = {}
    problems: dict[str, str] = {}
    for field in fields:
        raw = source.get(field)
        if raw is None:
            texts[field] = ""
        elif not isinstance(raw, str):
            texts[field] = ""
            problems[field] = "I couldn't read this answer; please give it again."
        elif len(raw) > MAX_SUBMITTED:
            texts[field] = ""
            problems[field] = "That's much longer than I can accept; please shorten it."
        else:
            texts[field] = raw
    return texts, problems


def _choices(raw: str, kind: type[E], field: str, unknown: str, problems: dict[str, str]) -> tuple[E, ...]:
    picked = [part.strip() for part in raw.split(",") if part.strip()]
    known = {member.value: member for member in kind}
    if field not in problems and any(part not in known for part in picked):
        problems[field] = unknown
    return tuple(known[part] for part in picked if part in known)


def _checked_step(answers: Profile, step_fields: Collection[str], problems: dict[str, str]) -> Profile | None:
    """Apply the profile's own rules to one step's answers (the rest are valid stand-ins). A problem already found
    for a field is kept: "I couldn't read this" says more than a rule about the empty value left in its place."""
    try:
        checked = answers.checked()
    except InvalidFields as error:
        mine = {field: message for field, message in error.problems.items() if field in step_fields}
        for field, message in (mine or error.problems).items():
            problems.setdefault(field, message)
        return None
    return None if problems else checked
