"""What each SQL table holds about one person, for a subject access request, and how it forgets them.

Some holders find their records through another holder's, so the erase order matters, and :func:`sql_holders`
returns one that respects every dependency:

- the audit holder finds entries about a person's applications through ``applications.person_id``, and so does
  the pairs holder for the proposals taken apart; both must erase before the applications holder anonymises those
  rows;
- the contracts and meetings holders find the person's agreements and meetings through ``pairs.mentor_id`` and
  ``pairs.mentee_id``, so they must erase before the pairs holder anonymises those rows;
- the conversation-state holder finds the person's chat through the address in ``contacts``, so it must erase
  before the contact holder deletes that row.

Every erase is safe to run again, and with this order a rerun after an interrupted erasure also finishes the job:
a holder that needs another's records runs before those records go.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, delete, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from programme.applications import ApplicationState
from programme.identity import PersonId
from programme.meetings import new_ics_token
from programme.pairs import PairState
from programme.personal_data import ERASED, PersonalDataHolder
from programme.survey_questions import SCALE, find_set
from programme.tracks import Track
from programme.work import OPEN_STATES, redacted
from storage.contract_store import agreement_from_json, agreement_json
from storage.database import Database
from storage.meeting_store import slots_from_json
from storage.reflection_store import reflection_from_row, reflection_json
from storage.tables import (
    applications,
    audit_log,
    bot_state,
    cohorts,
    contacts,
    contracts,
    coordinators,
    meeting_attendance,
    meetings,
    pair_exclusions,
    pairs,
    participants,
    prompts,
    reflections,
    survey_links,
    survey_responses,
    work_items,
)


class ApplicationsHolder:
    """Applications are anonymised, not deleted: cohort counts must not change when someone leaves.

    What stays is the cohort, the role, the tenant (the organisation, not the person), the state ``withdrawn`` and
    the times; the person's id, name, answers and consent go.
    """

    @property
    def section(self) -> str:
        return "applications"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = (
            select(applications, cohorts.c.name.label("cohort_name"))
            .join(cohorts, cohorts.c.id == applications.c.cohort_id)
            .where(applications.c.person_id == person.value)
            .order_by(applications.c.id.desc())
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            {
                "id": row["id"],
                "cohort": {"id": row["cohort_id"], "name": row["cohort_name"]},
                "tenant": row["tenant_id"],
                "display_name": row["display_name"],
                "role": row["role"],
                # The stored document as it is, not re-read through the profile type: the export shows what is
                # held, even an answer a later version of the service could no longer read.
                "answers": row["profile"],
                "state": row["state"],
                "consent": {
                    "given_at": _iso(row["consent_given_at"]),
                    "privacy_notice_version": row["privacy_notice_version"],
                    "ground_rules_version": row["ground_rules_version"],
                },
                "submitted_at": _iso(row["submitted_at"]),
                "updated_at": _iso(row["updated_at"]),
            }
            for row in rows
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        statement = (
            update(applications)
            .where(applications.c.person_id == person.value)
            .values(
                person_id=None,
                display_name="",
                profile={},
                consent_given_at=None,
                privacy_notice_version=None,
                ground_rules_version=None,
                state=ApplicationState.WITHDRAWN.value,
                erased_at=at,
                updated_at=at,
                # A coordinator's card read before the erasure must not be able to change the row afterwards.
                version=applications.c.version + 1,
            )
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount


class PairsHolder:
    """The pairs the person was in or proposed for, and the proposals of theirs a coordinator took apart.

    The export shows each pair from the person's side: their role, their partner's name (nothing else of the
    partner's: their answers are theirs to ask for), the state and dates, and why the pair was suggested.

    Erasure treats a pair by what it had become:

    - a proposal was never sent to anyone, so it is deleted; anonymised, it could still be published;
    - a published or ended pair is part of the cohort's record, so it stays, anonymous: the person's id goes, the
      partner's side stays, the reasons go (they can name a site or a directorate), a coordinator's override keeps
      only the fact that a rule was broken, and the group chat is forgotten so the bot posts nothing more there.

    Proposals taken apart are found through the person's applications, so this holder must erase before
    :class:`ApplicationsHolder` anonymises them.
    """

    @property
    def section(self) -> str:
        return "pairs"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        mentor_application = applications.alias("mentor_application")
        mentee_application = applications.alias("mentee_application")
        query = (
            select(
                pairs,
                cohorts.c.name.label("cohort_name"),
                mentor_application.c.display_name.label("mentor_name"),
                mentee_application.c.display_name.label("mentee_name"),
            )
            .join(cohorts, cohorts.c.id == pairs.c.cohort_id)
            .join(mentor_application, mentor_application.c.id == pairs.c.mentor_application_id)
            .join(mentee_application, mentee_application.c.id == pairs.c.mentee_application_id)
            .where(_pairs_of(person))
            .order_by(pairs.c.id.desc())
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        exported = []
        for row in rows:
            as_mentor = row["mentor_id"] == person.value
            partner_id, partner_name = (
                (row["mentee_id"], row["mentee_name"]) if as_mentor else (row["mentor_id"], row["mentor_name"])
            )
            exported.append(
                {
                    "id": row["id"],
                    "cohort": {"id": row["cohort_id"], "name": row["cohort_name"]},
                    "role": "mentor" if as_mentor else "mentee",
                    # An erased partner's application keeps no name, and the export does not pretend it does.
                    "partner": None if partner_id is None else partner_name,
                    "state": row["state"],
                    "suggested_by": "a coordinator" if row["by_hand"] else "the matching",
                    "reasons": row["reasons"],
                    "coordinator_override": row["override"],
                    "group_chat": row["chat_id"],
                    "created_at": _iso(row["created_at"]),
                    "published_at": _iso(row["published_at"]),
                }
            )
        return exported

    async def erase(self, person: PersonId, at: datetime) -> int:
        their_proposals = and_(_pairs_of(person), pairs.c.state == PairState.PROPOSED.value)
        mine = select(applications.c.id).where(applications.c.person_id == person.value)
        async with self._engine.begin() as connection:
            # Proposals never have an agreement or meetings; this only keeps the delete below from tripping the
            # foreign keys if one ever did.
            proposal_ids = select(pairs.c.id).where(their_proposals)
            await connection.execute(delete(contracts).where(contracts.c.pair_id.in_(proposal_ids)))
            await connection.execute(delete(meetings).where(meetings.c.pair_id.in_(proposal_ids)))
            deleted = await connection.execute(delete(pairs).where(their_proposals))
            changed = deleted.rowcount
            for side in (pairs.c.mentor_id, pairs.c.mentee_id):
                anonymised = await connection.execute(
                    update(pairs)
                    .where(side == person.value)
                    .values(
                        {
                            side: None,
                            pairs.c.reasons: [],
                            pairs.c.override: case((pairs.c.override.is_(None), null()), else_=ERASED),
                            pairs.c.chat_id: None,
                        }
                    )
                )
                changed += anonymised.rowcount
            excluded = await connection.execute(
                delete(pair_exclusions).where(
                    or_(
                        pair_exclusions.c.mentor_application_id.in_(mine),
                        pair_exclusions.c.mentee_application_id.in_(mine),
                    )
                )
            )
            changed += excluded.rowcount
        return changed


class ContractsHolder:
    """The first-meeting agreements of the person's pairs.

    An agreement is the pair's one shared text, written and confirmed by both, so the person's export shows it
    whole. Erasure removes the text for both of them, not only from the erased person's side: it is a single record
    of the pair, and its goals are largely the erased person's own (a mentee's learning goals, or what a mentor
    offered to help with), so a "partner's copy" would still be about them. What stays is that an agreement
    existed, when each confirmed it, and a bumped version, so a card read before the erasure cannot write or
    confirm it again.

    The agreements are found through the pairs' person ids, so this holder must erase before :class:`PairsHolder`
    anonymises them.
    """

    @property
    def section(self) -> str:
        return "contracts"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = (
            select(contracts)
            .where(contracts.c.pair_id.in_(select(pairs.c.id).where(_pairs_of(person))))
            .order_by(contracts.c.pair_id.desc())
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        exported = []
        for row in rows:
            agreement = agreement_from_json(row["agreement"])
            exported.append(
                {
                    "pair": row["pair_id"],
                    "agreement": None if agreement is None else agreement_json(agreement),
                    "mentor_confirmed_at": _iso(row["mentor_confirmed_at"]),
                    "mentee_confirmed_at": _iso(row["mentee_confirmed_at"]),
                    "updated_at": _iso(row["updated_at"]),
                }
            )
        return exported

    async def erase(self, person: PersonId, at: datetime) -> int:
        statement = (
            update(contracts)
            .where(
                contracts.c.pair_id.in_(select(pairs.c.id).where(_pairs_of(person))),
                contracts.c.agreement.is_not(None),
            )
            .values(agreement=None, version=contracts.c.version + 1, updated_at=at)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount


class MeetingsHolder:
    """The meetings of the person's pairs: which session, its state, the time chosen or booked, the times on
    offer, and whether it was the person or their partner who chose.

    The export says "you" or "your partner" rather than whose id chose, so it never carries the partner's id. It
    leaves out the calendar event's id, the Teams join link and the .ics token: the first is the programme
    mailbox's handle on the event and says nothing about the person, and the other two let anyone who has them
    join the meeting or fetch its details without signing in, so they do not belong in a file that gets saved and
    passed around; the person has them in their invitation or calendar anyway. The times on offer are in,
    although they are where both people are free: the two of them were shown the same times on the same card, so
    this tells neither anything about the other that they had not already seen.

    Erasure keeps each meeting's session, state and times, as anonymous counts of how the pair met. The person's
    choices lose their chooser; and for every meeting of their pairs the join link goes and the .ics token is
    replaced by a fresh random one, so links already sent stop working, while the event id stays so that the
    programme can still cancel an event that is in calendars. The version is bumped, so a card read before the
    erasure cannot save over it.

    The meetings are found through the pairs' person ids, so this holder must erase before :class:`PairsHolder`
    anonymises them. Once it has, the store no longer shows these meetings and a second erase finds nothing.
    """

    @property
    def section(self) -> str:
        return "meetings"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = (
            select(meetings)
            .where(meetings.c.pair_id.in_(select(pairs.c.id).where(_pairs_of(person))))
            .order_by(meetings.c.pair_id, meetings.c.session)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            {
                "pair": row["pair_id"],
                "session": row["session"],
                "state": row["state"],
                "time": _span(row["when_start"], row["when_end"]),
                "times_offered": [_span(slot.start, slot.end) for slot in slots_from_json(row["slots"])],
                "chosen_by": _chooser(row["chosen_by"], person),
                "created_at": _iso(row["created_at"]),
                "updated_at": _iso(row["updated_at"]),
            }
            for row in rows
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        theirs = select(meetings.c.id).where(meetings.c.pair_id.in_(select(pairs.c.id).where(_pairs_of(person))))
        forgotten = case((meetings.c.chosen_by == person.value, null()), else_=meetings.c.chosen_by)
        async with self._engine.begin() as connection:
            ids = sorted((await connection.execute(theirs)).scalars())
            # One statement each: every meeting needs its own new token.
            for meeting_id in ids:
                await connection.execute(
                    update(meetings)
                    .where(meetings.c.id == meeting_id)
                    .values(
                        chosen_by=forgotten,
                        join_url=None,
                        ics_token=new_ics_token(),
                        version=meetings.c.version + 1,
                        updated_at=at,
                    )
                )
            # Only a pair's own people choose, so this finds nothing unless a pair lost the person before this
            # holder ran; it is here so that a choice of theirs cannot outlive an erasure whatever the order.
            strays = await connection.execute(
                update(meetings)
                .where(meetings.c.chosen_by == person.value)
                .values(chosen_by=None, version=meetings.c.version + 1, updated_at=at)
            )
        return len(ids) + strays.rowcount


class ParticipationHolder:
    @property
    def section(self) -> str:
        return "participation"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> dict[str, Any] | None:
        query = select(participants).where(participants.c.person_id == person.value)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        return {
            "display_name": row["display_name"],
            "joined_at": _iso(row["joined_at"]),
            "paused_until": _iso(row["paused_until"]),
        }

    async def erase(self, person: PersonId, at: datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(participants).where(participants.c.person_id == person.value))
        return result.rowcount


class ContactHolder:
    """The person's 1:1 chat address, one per tenant they wrote from. Erase after :class:`ConversationStateHolder`,
    which finds the chat's state through this address."""

    @property
    def section(self) -> str:
        return "contact"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = select(contacts).where(contacts.c.person_id == person.value).order_by(contacts.c.tenant_id)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            {
                "tenant": row["tenant_id"],
                "conversation_id": _conversation_id(row["address"]),
                "first_seen": _iso(row["first_seen"]),
                "last_seen": _iso(row["last_seen"]),
                "unreachable": (
                    None
                    if row["unreachable_since"] is None
                    else {"since": _iso(row["unreachable_since"]), "reason": row["unreachable_reason"]}
                ),
            }
            for row in rows
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(contacts).where(contacts.c.person_id == person.value))
        return result.rowcount


ABOUT_SOMEONE_ERASED = (
    "This message was about someone who has since asked for their personal data to be deleted, so its details "
    "have been removed."
)
_OPEN_STATES = frozenset(state.value for state in OPEN_STATES)


class MessagesHolder:
    """Messages addressed to the person. Messages to a shared conversation (a pair's chat) have no recipient and
    are not found here, even when their text names the person."""

    @property
    def section(self) -> str:
        return "messages"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = select(work_items).where(work_items.c.recipient_id == person.value).order_by(work_items.c.id)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        exported: list[dict[str, Any]] = []
        for row in rows:
            payload = row["payload"] if isinstance(row["payload"], Mapping) else {}
            message: dict[str, Any] = {
                "id": row["id"],
                "kind": row["kind"],
                "state": row["state"],
                "due_at": _iso(row["due_at"]),
                "summary": payload.get("summary"),
            }
            # Sent messages lose their text after the retention period; only what is still held is shown.
            for held in ("text", "card"):
                if held in payload:
                    message[held] = payload[held]
            exported.append(message)
        return exported

    async def erase(self, person: PersonId, at: datetime) -> int:
        # Deleting also drops pending messages, which is what erasure wants: nothing more is sent to them.
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(work_items).where(work_items.c.recipient_id == person.value))
            # Messages to others that are about the person (e.g. telling coordinators they withdrew) carry the
            # person's id in the payload; they stay as a record that something was sent, with only the summary.
            about = await connection.execute(
                select(work_items.c.id, work_items.c.payload, work_items.c.state).where(
                    cast(work_items.c.payload, Text).contains(person.value, autoescape=True)
                )
            )
            rows = about.all()
            for item_id, payload, state in rows:
                kept = redacted(payload if isinstance(payload, Mapping) else {})
                if state in _OPEN_STATES:
                    # Still to be sent: it goes, without naming anyone.
                    kept = {"summary": kept["summary"], "text": ABOUT_SOMEONE_ERASED}
                await connection.execute(
                    update(work_items).where(work_items.c.id == item_id).values(payload=kept, updated_at=at)
                )
        return result.rowcount + len(rows)


class AuditHolder:
    """Audit entries by or about the person.

    Entries the person made as the actor are kept unchanged, actor id included: what a coordinator did (and what
    someone tried to do without being one) is an accountability record the trust must keep. Entries *about* the
    person keep what happened but lose who it happened to: a target that is their id becomes :data:`ERASED`, any
    detail value equal to their id becomes :data:`ERASED`, and so does the free-text ``reason`` of an entry about
    them or one of their applications.

    Their applications are found through ``applications.person_id``, so this holder must erase before
    :class:`ApplicationsHolder` anonymises them.
    """

    @property
    def section(self) -> str:
        return "audit"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        async with self._engine.connect() as connection:
            about = await _about(connection, person)
            query = select(audit_log).where(or_(audit_log.c.actor_id == person.value, about)).order_by(audit_log.c.id)
            rows = (await connection.execute(query)).mappings().all()
        return [
            {
                "at": _iso(row["at"]),
                "actor": row["actor_id"],
                "action": row["action"],
                "outcome": row["outcome"],
                "target": row["target"],
                "detail": row["detail"],
            }
            for row in rows
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        changed = 0
        async with self._engine.begin() as connection:
            about = await _about(connection, person)
            query = select(audit_log.c.id, audit_log.c.target, audit_log.c.detail).where(about)
            for entry_id, target, detail in (await connection.execute(query)).all():
                new_target = ERASED if target == person.value else target
                new_detail = _scrubbed(detail, person)
                if new_target == target and new_detail == detail:
                    continue
                await connection.execute(
                    update(audit_log).where(audit_log.c.id == entry_id).values(target=new_target, detail=new_detail)
                )
                changed += 1
        return changed


class CoordinatorRoleHolder:
    """Whether the person is on the coordinator roster, and the cohorts they created.

    Erasure changes nothing here: a coordinator role is given and taken away by another coordinator (so the
    programme is never left without one), and the cohorts a coordinator created are accountability records.
    """

    @property
    def section(self) -> str:
        return "coordinator role"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> dict[str, Any] | None:
        roster = select(coordinators).where(coordinators.c.person_id == person.value)
        created = (
            select(cohorts.c.id, cohorts.c.name, cohorts.c.created_at)
            .where(cohorts.c.created_by == person.value)
            .order_by(cohorts.c.id)
        )
        async with self._engine.connect() as connection:
            entry = (await connection.execute(roster)).mappings().first()
            cohorts_created = (await connection.execute(created)).mappings().all()
        if entry is None and not cohorts_created:
            return None
        return {
            "roster": None if entry is None else {"added_at": _iso(entry["added_at"]), "added_by": entry["added_by"]},
            "cohorts_created": [
                {"id": row["id"], "name": row["name"], "created_at": _iso(row["created_at"])} for row in cohorts_created
            ],
        }

    async def erase(self, person: PersonId, at: datetime) -> int:
        return 0


class ConversationStateHolder:
    """The Bot Framework state of the person's 1:1 chat (where a dialog is up to, and what was typed into it).

    botbuilder's ``ConversationState`` keys it ``{channel id}/conversations/{conversation id}``, both read here from
    the contact's stored address (a serialised ``ConversationReference``, so the keys are camelCase). It must erase
    before :class:`ContactHolder` deletes that address, or the state could no longer be found.
    """

    @property
    def section(self) -> str:
        return "conversation"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        async with self._engine.connect() as connection:
            keys = await _state_keys(connection, person)
            query = select(bot_state).where(bot_state.c.key.in_(keys)).order_by(bot_state.c.key)
            rows = (await connection.execute(query)).mappings().all()
        return [
            {"key": row["key"], "updated_at": _iso(row["updated_at"]), "state": _json_or_text(row["document"])}
            for row in rows
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        async with self._engine.begin() as connection:
            keys = await _state_keys(connection, person)
            result = await connection.execute(delete(bot_state).where(bot_state.c.key.in_(keys)))
        return result.rowcount


class ReflectionsHolder:
    """The person's private reflections, in full: they are the person's own writing, and nobody else's data is in
    them (a reflection keeps the meeting's logistics, never the partner's name).

    Erasure deletes them. They are found by their author's id alone, so the order among holders does not matter.
    """

    @property
    def section(self) -> str:
        return "reflections"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = (
            select(reflections)
            .where(reflections.c.author_id == person.value)
            .order_by(reflections.c.created_at.desc(), reflections.c.id.desc())
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [reflection_json(reflection_from_row(row)) for row in rows]

    async def erase(self, person: PersonId, at: datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(reflections).where(reflections.c.author_id == person.value))
        return result.rowcount


class PromptsHolder:
    """The prompts the bot sent the person (what each was about, and whether and when they answered), never the
    answers, which are in the sections they belong to. Erasure deletes them; they are found by the person's id
    alone, so the order among holders does not matter."""

    @property
    def section(self) -> str:
        return "prompts"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = (
            select(prompts)
            .where(prompts.c.person_id == person.value)
            .order_by(prompts.c.sent_at.desc(), prompts.c.id.desc())
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            {
                "kind": row["kind"],
                "about": row["ref"],
                "sent_at": _iso(row["sent_at"]),
                "answered_at": _iso(row["answered_at"]),
                "closed_at": _iso(row["closed_at"]),
            }
            for row in rows
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(prompts).where(prompts.c.person_id == person.value))
        return result.rowcount


class AttendanceHolder:
    """The person's answers to "Did you meet?": which meeting (and its session), what they answered and when.

    Erasure blanks the person and keeps the answer, as an anonymous count of meetings held, the way the meetings
    of their pair stay. Found by the person's id alone, so the order among holders does not matter.
    """

    @property
    def section(self) -> str:
        return "attendance"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = (
            select(meeting_attendance, meetings.c.session)
            .join(meetings, meetings.c.id == meeting_attendance.c.meeting_id)
            .where(meeting_attendance.c.person_id == person.value)
            .order_by(meeting_attendance.c.answered_at, meeting_attendance.c.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            {
                "meeting": row["meeting_id"],
                "session": row["session"],
                "answer": row["outcome"],
                "answered_at": _iso(row["answered_at"]),
            }
            for row in rows
        ]

    async def erase(self, person: PersonId, at: datetime) -> int:
        statement = (
            update(meeting_attendance).where(meeting_attendance.c.person_id == person.value).values(person_id=None)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount


class SurveysHolder:
    """The person's survey answers, found through their pseudonym in each cohort (``survey_links``).

    The export shows each answer with the statement as the person was asked it. Erasure cuts the link and removes
    what they wrote in their own words; the 1-to-5 answers stay under the pseudonym, which nothing links to anyone
    any more, as anonymous numbers (docs/privacy.md says why: above all, taking them out would change results
    coordinators had already seen, by exactly what the person had answered).

    Links are found by the person's id alone, so the order among holders does not matter.
    """

    @property
    def section(self) -> str:
        return "surveys"

    def __init__(self, database: Database) -> None:
        self._engine = database.engine

    async def export(self, person: PersonId) -> list[dict[str, Any]]:
        query = (
            select(survey_responses, cohorts.c.name.label("cohort_name"), cohorts.c.track)
            .join(
                survey_links,
                and_(
                    survey_links.c.cohort_id == survey_responses.c.cohort_id,
                    survey_links.c.pseudonym == survey_responses.c.pseudonym,
                ),
            )
            .join(cohorts, cohorts.c.id == survey_responses.c.cohort_id)
            .where(survey_links.c.person_id == person.value)
            .order_by(survey_responses.c.cohort_id.desc(), survey_responses.c.kind)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [survey_json(row) for row in rows]

    async def erase(self, person: PersonId, at: datetime) -> int:
        theirs = select(survey_links.c.pseudonym).where(survey_links.c.person_id == person.value)
        async with self._engine.begin() as connection:
            written = await connection.execute(
                select(survey_responses.c.cohort_id, survey_responses.c.kind, survey_responses.c.pseudonym).where(
                    survey_responses.c.pseudonym.in_(theirs), cast(survey_responses.c.free_text, Text) != "{}"
                )
            )
            blanked = 0
            for cohort_id, kind, pseudonym in written.all():
                result = await connection.execute(
                    update(survey_responses)
                    .where(
                        survey_responses.c.cohort_id == cohort_id,
                        survey_responses.c.kind == kind,
                        survey_responses.c.pseudonym == pseudonym,
                    )
                    .values(free_text={})
                )
                blanked += result.rowcount
            unlinked = await connection.execute(delete(survey_links).where(survey_links.c.person_id == person.value))
        return blanked + unlinked.rowcount


def survey_json(row: Any) -> dict[str, Any]:
    """One stored response as its person reads it: each statement with the answer chosen, and what they wrote."""
    track = Track(row["track"])
    questions = find_set(row["set_id"], row["set_version"])
    statements = {item.id: item.text(track) for item in questions.likert} if questions is not None else {}
    asked = {item.id: item.question for item in questions.free_text} if questions is not None else {}
    meanings = dict(SCALE)
    likert = row["likert"] if isinstance(row["likert"], Mapping) else {}
    written = row["free_text"] if isinstance(row["free_text"], Mapping) else {}
    return {
        "cohort": {"id": row["cohort_id"], "name": row["cohort_name"]},
        "survey": row["kind"],
        "role": row["role"],
        "questions": {"id": row["set_id"], "version": row["set_version"]},
        "answers": [
            {"statement": statements.get(item_id, item_id), "answer": value, "meaning": meanings.get(value)}
            for item_id, value in likert.items()
        ],
        "written": [{"question": asked.get(item_id, item_id), "answer": text} for item_id, text in written.items()],
    }


def sql_holders(database: Database) -> list[PersonalDataHolder]:
    """Every holder of the SQL stores, in an order that is safe to erase in (see the module's docstring)."""
    return [
        AuditHolder(database),
        ContractsHolder(database),
        MeetingsHolder(database),
        ReflectionsHolder(database),
        PairsHolder(database),
        ApplicationsHolder(database),
        ParticipationHolder(database),
        ConversationStateHolder(database),
        ContactHolder(database),
        MessagesHolder(database),
        PromptsHolder(database),
        AttendanceHolder(database),
        SurveysHolder(database),
        CoordinatorRoleHolder(database),
    ]


def conversation_state_key(address: object) -> str | None:
    """The key botbuilder's ``ConversationState`` stores a conversation under, from a stored address."""
    if not isinstance(address, Mapping):
        return None
    channel = address.get("channelId")
    conversation_id = _conversation_id(address)
    if not isinstance(channel, str) or not channel or conversation_id is None:
        return None
    return f"{channel}/conversations/{conversation_id}"


def _pairs_of(person: PersonId) -> ColumnElement[bool]:
    return or_(pairs.c.mentor_id == person.value, pairs.c.mentee_id == person.value)


async def _state_keys(connection: AsyncConnection, person: PersonId) -> list[str]:
    query = select(contacts.c.address).where(contacts.c.person_id == person.value)
    addresses = (await connection.execute(query)).scalars().all()
    return sorted({key for address in addresses if (key := conversation_state_key(address)) is not None})


async def _about(connection: AsyncConnection, person: PersonId) -> ColumnElement[bool]:
    """Audit entries about the person: targeting them or their applications, or naming them in the detail."""
    mine = select(applications.c.id).where(applications.c.person_id == person.value)
    targets = [f"application {application_id}" for application_id in (await connection.execute(mine)).scalars()]
    # Text search narrows the rows; _scrubbed then only touches values that are exactly the id. Both backends keep
    # the JSON as text, so the cast is cheap.
    named = cast(audit_log.c.detail, Text).contains(person.value, autoescape=True)
    return or_(audit_log.c.target == person.value, audit_log.c.target.in_(targets), named)


def _scrubbed(detail: object, person: PersonId) -> object:
    if not isinstance(detail, Mapping):
        return detail
    scrubbed = {key: ERASED if value == person.value else value for key, value in detail.items()}
    # Only entries about the person reach here, so a free-text reason in them is about the person too.
    if scrubbed.get("reason") is not None:
        scrubbed["reason"] = ERASED
    return scrubbed


def _span(start: datetime | None, end: datetime | None) -> dict[str, str] | None:
    if start is None or end is None:
        return None
    return {"start": start.isoformat(), "end": end.isoformat()}


def _chooser(chosen_by: str | None, person: PersonId) -> str | None:
    if chosen_by is None:
        return None
    return "you" if chosen_by == person.value else "your partner"


def _conversation_id(address: object) -> str | None:
    conversation = address.get("conversation") if isinstance(address, Mapping) else None
    identifier = conversation.get("id") if isinstance(conversation, Mapping) else None
    return identifier if isinstance(identifier, str) and identifier else None


def _json_or_text(document: str) -> Any:
    try:
        return json.loads(document)
    except ValueError:
        return document


def _iso(moment: date | None) -> str | None:
    return None if moment is None else moment.isoformat()
