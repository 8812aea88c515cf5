"""The collaborators a turn needs, built once by the composition root and handed to the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from programme.audit import AuditLog
from programme.check_ins import CheckIns
from programme.clock import Clock
from programme.cohort_admin import CohortAdmin
from programme.concerns import Concerns
from programme.contacts import ContactBook
from programme.coordinators import CoordinatorGate, Coordinators
from programme.first_meeting import FirstMeeting
from programme.matching import Matching
from programme.nudge_policy import NudgePolicy
from programme.participation import Participation
from programme.personal_data import PersonalData
from programme.prompts import Prompter
from programme.reflections import Reflections
from programme.scheduling import Scheduling
from programme.signup import SignUp
from programme.surveys import Surveys
from programme.work import WorkQueue


@dataclass(frozen=True)
class Services:
    clock: Clock
    contacts: ContactBook
    coordinators: Coordinators
    gate: CoordinatorGate
    audit: AuditLog
    work: WorkQueue
    organisation_name: str
    zone: tzinfo
    signup: SignUp
    cohorts: CohortAdmin
    participation: Participation
    personal_data: PersonalData
    nudges: NudgePolicy
    matching: Matching
    first_meeting: FirstMeeting
    scheduling: Scheduling
    surveys: Surveys
    check_ins: CheckIns
    prompter: Prompter
    reflections: Reflections
    concerns: Concerns
