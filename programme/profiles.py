"""What a person tells the programme about themselves when they sign up, and the rules it must meet.

Only what matching, introductions and scheduling need is asked for. Free text is short and optional where it can
be, because people may write about lived experience here: special-category data that is kept to the minimum.

Email addresses are kept lower-cased, so the matching rules can compare them as plain strings: the person's own
(meeting invitations, and spotting someone else's line manager), their line manager's, and the colleagues they
would rather not be paired with. An empty ``work_email`` means "not known" (an application made before it was
asked for); :meth:`Profile.checked` never lets a new answer leave it empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from programme.errors import InvalidFields, InvalidInput
from programme.grades import Grade, parse_grade
from programme.text import clean_line, clean_paragraph

E = TypeVar("E", bound=StrEnum)

MAX_LINE = 100
MAX_NOTE = 500
MAX_BIO = 400
MAX_TOPICS = 8
MAX_AVOIDED = 5
MAX_EMAIL = 254
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"

    @property
    def label(self) -> str:
        return "Mentor" if self is Role.MENTOR else "Mentee"


class MeetingPreference(StrEnum):
    TEAMS = "teams"
    IN_PERSON = "in-person"
    EITHER = "either"

    @property
    def label(self) -> str:
        return {"teams": "On Teams", "in-person": "In person", "either": "Either"}[self.value]


class Topic(StrEnum):
    """Subjects to share (mentors) or learn about (mentees); matching looks for overlap."""

    CAREER_PROGRESSION = "career-progression"
    RECRUITMENT = "recruitment"
    BELONGING = "belonging"
    MICROAGGRESSIONS = "microaggressions"
    SPEAKING_UP = "speaking-up"
    BULLYING = "bullying-and-harassment"
    INTERNATIONAL_STAFF = "international-staff"
    LEADERSHIP_VISIBILITY = "leadership-visibility"
    ALLYSHIP = "allyship"
    PATIENT_INEQUALITIES = "patient-inequalities"
    DISCIPLINARY_PROCESSES = "disciplinary-processes"
    FLEXIBLE_WORKING = "flexible-working"

    @property
    def label(self) -> str:
        return _TOPIC_LABELS[self]


_TOPIC_LABELS = {
    Topic.CAREER_PROGRESSION: "Career progression and development",
    Topic.RECRUITMENT: "Recruitment and promotion",
    Topic.BELONGING: "Belonging and being heard",
    Topic.MICROAGGRESSIONS: "Everyday incivility and microaggressions",
    Topic.SPEAKING_UP: "Speaking up and raising concerns",
    Topic.BULLYING: "Bullying and harassment",
    Topic.INTERNATIONAL_STAFF: "Internationally recruited colleagues",
    Topic.LEADERSHIP_VISIBILITY: "Visible and approachable leadership",
    Topic.ALLYSHIP: "Allyship and active bystanding",
    Topic.PATIENT_INEQUALITIES: "Inequalities in patient care",
    Topic.DISCIPLINARY_PROCESSES: "Fairness in disciplinary processes",
    Topic.FLEXIBLE_WORKING: "Flexible working and wellbeing",
}


class Availability(StrEnum):
    """Half-days in the working week; the local calendar proposes meeting times inside them."""

    MON_AM = "mon-am"
    MON_PM = "mon-pm"
    TUE_AM = "tue-am"
    TUE_PM = "tue-pm"
    WED_AM = "wed-am"
    WED_PM = "wed-pm"
    THU_AM = "thu-am"
    THU_PM = "thu-pm"
    FRI_AM = "fri-am"
    FRI_PM = "fri-pm"

    @property
    def weekday(self) -> int:
        """Monday is 0, as in :meth:`datetime.date.weekday`."""
        return ("mon", "tue", "wed", "thu", "fri").index(self.value[:3])

    @property
    def morning(self) -> bool:
        return self.value.endswith("-am")

    @property
    def label(self) -> str:
        day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[self.weekday]
        return f"{day} {'morning' if self.morning else 'afternoon'}"


@dataclass(frozen=True)
class Profile:
    """A person's answers. Build it with :meth:`checked`, which tidies the text and reports every problem."""

    role: Role
    job_title: str
    band: Grade
    directorate: str
    site: str
    work_email: str
    line_manager_email: str
    topics: tuple[Topic, ...]
    availability: tuple[Availability, ...]
    meeting_preference: MeetingPreference
    experience_note: str = ""
    bio: str = ""
    # Colleagues the person would rather not be paired with: used by matching, shown to nobody else.
    avoid_emails: tuple[str, ...] = ()

    def checked(self) -> Profile:
        problems: dict[str, str] = {}
        job_title = _line(self.job_title, "job_title", "your job title", problems)
        band = self.band
        try:
            band = parse_grade(self.band)
        except InvalidInput as error:
            problems["band"] = error.user_message
        directorate = _line(self.directorate, "directorate", "your directorate", problems)
        site = _line(self.site, "site", "your main site", problems)
        work_email = _email(
            self.work_email,
            "work_email",
            problems,
            missing="Please give your own work email address.",
            malformed="Your work email doesn't look like an email address (for example name@nhs.net).",
        )
        manager = _email(
            self.line_manager_email,
            "line_manager_email",
            problems,
            missing="Please give your line manager's work email address.",
            malformed="Your line manager's email doesn't look like an email address (for example name@nhs.net).",
        )
        if work_email and work_email == manager and not problems.keys() & {"work_email", "line_manager_email"}:
            problems["work_email"] = "Your own email and your line manager's are the same; please check them."
        avoid_emails = _avoided(self.avoid_emails, work_email, problems)
        topics = _unique(self.topics)
        if not topics:
            problems["topics"] = "Please choose at least one topic."
        elif len(topics) > MAX_TOPICS:
            problems["topics"] = f"Please choose at most {MAX_TOPICS} topics, the ones that matter most to you."
        availability = tuple(sorted(_unique(self.availability), key=list(Availability).index))
        if not availability:
            problems["availability"] = "Please choose at least one half-day when you could usually meet."
        note = clean_paragraph(self.experience_note)
        if len(note) > MAX_NOTE:
            problems["experience_note"] = f"Please keep the note to {MAX_NOTE} characters; it has {len(note)}."
        bio = clean_paragraph(self.bio)
        if len(bio) > MAX_BIO:
            problems["bio"] = f"Please keep the introduction to {MAX_BIO} characters; it has {len(bio)}."
        if problems:
            raise InvalidFields(problems)
        return Profile(
            role=self.role,
            job_title=job_title,
            band=band,
            directorate=directorate,
            site=site,
            work_email=work_email,
            line_manager_email=manager,
            topics=topics,
            availability=availability,
            meeting_preference=self.meeting_preference,
            experience_note=note,
            bio=bio,
            avoid_emails=avoid_emails,
        )


def is_email(text: str) -> bool:
    """Whether already tidied text is shaped like an email address (the rule every email answer meets)."""
    return len(text) <= MAX_EMAIL and _EMAIL.fullmatch(text) is not None


def _line(raw: str, name: str, what: str, problems: dict[str, str]) -> str:
    value = clean_line(raw)
    if not value:
        problems[name] = f"Please give {what}."
    elif len(value) > MAX_LINE:
        problems[name] = f"Please shorten {what} to {MAX_LINE} characters."
    return value


def _email(raw: str, name: str, problems: dict[str, str], *, missing: str, malformed: str) -> str:
    value = clean_line(raw).lower()
    if not value:
        problems[name] = missing
    elif not is_email(value):
        problems[name] = malformed
    return value


def _avoided(raw: Iterable[str], own: str, problems: dict[str, str]) -> tuple[str, ...]:
    """The colleagues to keep apart from, tidied and each kept once, in the order given."""
    seen: dict[str, None] = {}
    for entry in raw:
        value = clean_line(entry).lower()
        if value:
            seen.setdefault(value, None)
    avoided = tuple(seen)
    if any(not is_email(value) for value in avoided):
        problems["avoid_emails"] = (
            "One of the colleagues' emails doesn't look like an email address (for example name@nhs.net); "
            "please check them."
        )
    elif own and own in seen:
        problems["avoid_emails"] = "Your own email is on the list of colleagues; please take it off."
    elif len(avoided) > MAX_AVOIDED:
        problems["avoid_emails"] = (
            f"Please list at most {MAX_AVOIDED} colleagues, the ones that matter most; you've listed {len(avoided)}."
        )
    return avoided


def _unique(values: Iterable[E]) -> tuple[E, ...]:
    seen: dict[E, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return tuple(seen)
