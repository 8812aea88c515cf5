"""Typed commands for surveys: a person's own open survey, and the coordinators' sending and results."""

from __future__ import annotations

from bot.cohort_commands import COHORT_ARGUMENT, cohort_number
from bot.commands import Audience, Command, CommandRequest, Reply
from bot.services import Services
from cards.surveys import survey_form_card, survey_results_card, survey_sent_text
from programme.cohorts import CohortState
from programme.errors import InvalidInput
from programme.survey_questions import SurveyKind

SEND_ARGUMENT = "baseline|midpoint|end [cohort number]"
# Where a survey can be sent from, and whose results are found without a number (closed ones need theirs).
SENDABLE = frozenset({CohortState.RUNNING, CohortState.CLOSING})
HOW_TO_SEND = (
    "Please say which survey to send: survey send baseline, survey send midpoint or survey send end, with the "
    "cohort's number if more than one is running (for example: survey send midpoint 3)."
)


def survey_commands(services: Services) -> list[Command]:
    async def survey(request: CommandRequest) -> Reply:
        return Reply(card=survey_form_card(await services.surveys.mine(request.actor)))

    async def send(request: CommandRequest) -> Reply:
        kind, number = send_arguments(request.arguments)
        cohort = await services.cohorts.choose(number, SENDABLE, "send a survey for")
        return Reply(text=survey_sent_text(await services.surveys.send(cohort.id, kind)))

    async def results(request: CommandRequest) -> Reply:
        cohort = await services.cohorts.choose(cohort_number(request.arguments), SENDABLE, "show survey results for")
        return Reply(card=survey_results_card(await services.surveys.results(cohort.id)))

    return [
        Command("survey", "Answer the programme survey that's open for you.", Audience.EVERYONE, survey, private=True),
        Command(
            "survey send",
            "Send a cohort's baseline, mid-point or end survey now, rather than on its date.",
            Audience.COORDINATORS,
            send,
            argument=SEND_ARGUMENT,
            audit_target=send_target,
        ),
        Command(
            "survey results",
            "A cohort's survey results: totals only, for groups big enough that nobody can be singled out.",
            Audience.COORDINATORS,
            results,
            argument=COHORT_ARGUMENT,
            argument_optional=True,
            audit_target=results_target,
        ),
    ]


def send_arguments(arguments: str) -> tuple[SurveyKind, int | None]:
    """ "baseline", "midpoint 3", "end #3": which survey, and the cohort's number when given."""
    words = arguments.lower().split()
    if not 1 <= len(words) <= 2:
        raise InvalidInput(HOW_TO_SEND)
    kinds = {kind.value: kind for kind in SurveyKind} | {"mid-point": SurveyKind.MIDPOINT}
    kind = kinds.get(words[0])
    if kind is None:
        raise InvalidInput(HOW_TO_SEND)
    return kind, cohort_number(words[1]) if len(words) == 2 else None


def send_target(arguments: str) -> str | None:
    """What the audit records a send as concerning: the survey, and the cohort when named."""
    try:
        kind, number = send_arguments(arguments)
    except InvalidInput:
        return None
    return f"{kind.value} survey" + (f" of cohort {number}" if number is not None else "")


def results_target(arguments: str) -> str | None:
    try:
        number = cohort_number(arguments)
    except InvalidInput:
        return None
    return f"cohort {number}" if number is not None else None
