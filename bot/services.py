"""The collaborators a turn needs, built once by the composition root and handed to the bot."""

from __future__ import annotations

from dataclasses import dataclass

from programme.audit import AuditLog
from programme.clock import Clock
from programme.contacts import ContactBook
from programme.coordinators import CoordinatorGate, Coordinators
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
