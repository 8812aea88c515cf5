"""The commands the bot answers today, wired to their use cases.

Handlers are thin: parse the arguments, call one use case, render the answer. Coordinator commands never check
roles here: the dispatcher runs them through the coordinator gate, which checks and audits.
"""

from __future__ import annotations

from bot.cohort_commands import cohort_commands
from bot.commands import Audience, Command, CommandRequest, CommandTable, Reply
from bot.concern_actions import concern_commands
from bot.matching_commands import matching_commands
from bot.meeting_commands import meeting_commands
from bot.participant_commands import participant_commands
from bot.reflection_actions import reflection_commands
from bot.services import Services
from bot.survey_commands import survey_commands
from cards.elements import card, facts, heading, paragraph
from cards.help import help_card
from cards.information import about_card, privacy_card
from cards.status import programme_status_card
from programme.delivery_status import delivery_status
from programme.errors import InvalidInput
from programme.identity import PersonId
from programme.pair_summary import PairSummary, summarise_pairs

AUDIT_ENTRIES_SHOWN = 20


def build_command_table(services: Services) -> CommandTable:
    async def show_help(request: CommandRequest) -> Reply:
        coordinator = await services.coordinators.shown_as_coordinator(request.actor)
        return Reply(
            card=help_card(
                table.help_lines(Audience.EVERYONE),
                table.help_lines(Audience.COORDINATORS) if coordinator else (),
            )
        )

    async def show_about(_request: CommandRequest) -> Reply:
        return Reply(card=about_card(services.organisation_name))

    async def show_privacy(_request: CommandRequest) -> Reply:
        return Reply(card=privacy_card(services.organisation_name))

    async def list_coordinators(_request: CommandRequest) -> Reply:
        people = await services.coordinators.all()
        rows = [
            (
                c.person.value,
                "set in the service configuration"
                if c.configured
                else f"added {c.added_at:%d %b %Y}"
                if c.added_at
                else "",
            )
            for c in people
        ]
        body = [heading("Programme coordinators"), facts(rows) if rows else paragraph("There are none yet.")]
        return Reply(card=card(body))

    async def add_coordinator(request: CommandRequest) -> Reply:
        person = _person_argument(request.arguments)
        added = await services.coordinators.add(request.actor, person)
        if not added:
            return Reply(text=f"{person} is already a coordinator; nothing changed.")
        return Reply(text=f"Done: {person} is now a programme coordinator.")

    async def remove_coordinator(request: CommandRequest) -> Reply:
        person = _person_argument(request.arguments)
        removed = await services.coordinators.remove(request.actor, person)
        if not removed:
            return Reply(text=f"{person} is not on the coordinator list; nothing changed.")
        return Reply(text=f"Done: {person} is no longer a programme coordinator.")

    async def show_status(_request: CommandRequest) -> Reply:
        overview = await services.cohorts.current()
        pairs = None if overview is None else await _pair_summary(services, overview.cohort.id)
        # How many reflections were written, never what they say: counts are all the core offers coordinators.
        reflections = None if overview is None else await services.reflections.counts(overview.cohort.id)
        delivery = await delivery_status(services.work, services.contacts)
        # Meetings held and pairs stalled: logistics, never what was said.
        meetings = None if overview is None else await services.check_ins.summary(overview.cohort.id)
        return Reply(card=programme_status_card(overview, delivery, pairs, reflections, meetings))

    async def show_audit(_request: CommandRequest) -> Reply:
        entries = await services.audit.recent(AUDIT_ENTRIES_SHOWN)
        rows = [
            (
                f"{e.at:%d %b %H:%M}",
                f"{e.action} by {e.actor} \u2192 {e.outcome}" + (f" ({e.target})" if e.target else ""),
            )
            for e in entries
        ]
        body = [
            heading("Recent coordinator actions"),
            facts(rows) if rows else paragraph("Nothing recorded yet."),
        ]
        return Reply(card=card(body))

    table = CommandTable(
        [
            Command("help", "Show what I can do.", Audience.EVERYONE, show_help),
            Command("about", "What reverse mentoring is and how a cohort runs.", Audience.EVERYONE, show_about),
            Command("privacy", "What the bot keeps about you and who can see it.", Audience.EVERYONE, show_privacy),
            *participant_commands(services),
            *cohort_commands(services),
            *matching_commands(services),
            *meeting_commands(services),
            *reflection_commands(services),
            *concern_commands(services),
            *survey_commands(services),
            Command("coordinators", "List the programme coordinators.", Audience.COORDINATORS, list_coordinators),
            Command(
                "coordinator add",
                "Make someone a coordinator (their Entra object id).",
                Audience.COORDINATORS,
                add_coordinator,
                argument="<object id>",
                audit_target=_audit_person,
            ),
            Command(
                "coordinator remove",
                "Remove a coordinator (their Entra object id).",
                Audience.COORDINATORS,
                remove_coordinator,
                argument="<object id>",
                audit_target=_audit_person,
            ),
            Command(
                "status",
                "The current cohort's numbers, and how automatic messages are doing.",
                Audience.COORDINATORS,
                show_status,
            ),
            Command("audit", "Show the most recent coordinator actions.", Audience.COORDINATORS, show_audit),
        ]
    )
    return table


async def _pair_summary(services: Services, cohort_id: int) -> PairSummary | None:
    pairs = await services.matching.pairs(cohort_id)
    if not pairs:
        return None
    # Whether each pair confirmed, never what it agreed: the agreement's words belong to the pair.
    return summarise_pairs(pairs, await services.first_meeting.confirmed_by_pair(cohort_id))


def _person_argument(arguments: str) -> PersonId:
    try:
        return PersonId.parse(arguments)
    except InvalidInput:
        raise InvalidInput(
            "Please give the person's Entra object id, for example: coordinator add "
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301. You can find it in their Entra (Azure AD) profile."
        ) from None


def _audit_person(arguments: str) -> str | None:
    try:
        return PersonId.parse(arguments).value
    except InvalidInput:
        return None
