"""Coordinator commands for cohorts and applications. The dispatcher runs them through the coordinator gate."""

from __future__ import annotations

from bot.commands import Audience, Command, CommandRequest, Reply
from bot.services import Services
from cards.applications import APPLICATIONS_PER_PAGE, application_review_card
from cards.cohorts import cohort_form_card, cohort_list_card, cohort_moved_card
from programme.cohorts import CohortState
from programme.errors import InvalidInput

COHORT_ARGUMENT = "<cohort number>"


def cohort_commands(services: Services) -> list[Command]:
    admin = services.cohorts

    async def new_cohort(_request: CommandRequest) -> Reply:
        return Reply(card=cohort_form_card(admin.today()))

    async def list_cohorts(_request: CommandRequest) -> Reply:
        return await cohorts_listed(services)

    async def open_cohort(request: CommandRequest) -> Reply:
        chosen = await admin.choose(cohort_number(request.arguments), frozenset({CohortState.DRAFT}), "open")
        return await signups_opened(services, chosen.id)

    async def close_signups(request: CommandRequest) -> Reply:
        chosen = await admin.choose(
            cohort_number(request.arguments), frozenset({CohortState.RECRUITING}), "close sign-ups for"
        )
        return await signups_closed(services, chosen.id)

    async def review(request: CommandRequest) -> Reply:
        return await applications_page(services, cohort_number(request.arguments), 1)

    return [
        Command("cohorts", "List the cohorts and what each needs next.", Audience.COORDINATORS, list_cohorts),
        Command("cohort new", "Create a cohort (a form to fill in).", Audience.COORDINATORS, new_cohort),
        Command(
            "cohort open",
            "Open a draft cohort for sign-ups.",
            Audience.COORDINATORS,
            open_cohort,
            argument=COHORT_ARGUMENT,
            argument_optional=True,
            audit_target=cohort_target,
        ),
        Command(
            "cohort close-signups",
            "Close a cohort's sign-ups, ready for matching.",
            Audience.COORDINATORS,
            close_signups,
            argument=COHORT_ARGUMENT,
            argument_optional=True,
            audit_target=cohort_target,
        ),
        Command(
            "applications",
            "Review applications: approve, waiting list or decline.",
            Audience.COORDINATORS,
            review,
            argument=COHORT_ARGUMENT,
            argument_optional=True,
            audit_target=cohort_target,
            private=True,
        ),
    ]


# Shared by the typed commands and the card buttons that do the same thing.


async def cohorts_listed(services: Services) -> Reply:
    admin = services.cohorts
    return Reply(card=cohort_list_card(await admin.overviews(), admin.today()))


async def signups_opened(services: Services, cohort_id: int) -> Reply:
    cohort = await services.cohorts.open_signups(cohort_id)
    return Reply(card=cohort_moved_card(cohort, opened_message(cohort.title)))


async def signups_closed(services: Services, cohort_id: int) -> Reply:
    cohort = await services.cohorts.close_signups(cohort_id)
    return Reply(card=cohort_moved_card(cohort, closed_message(cohort.title)))


async def applications_page(services: Services, cohort_id: int | None, page: int, notice: str | None = None) -> Reply:
    found = await services.cohorts.review(cohort_id, page, APPLICATIONS_PER_PAGE)
    return Reply(
        text=notice,
        card=application_review_card(found.cohort, found.applications, found.page, found.total_pages),
    )


def opened_message(title: str) -> str:
    return (
        f"{title} is now open for sign-ups. Staff can join by messaging me 'join', or with the Sign up button on "
        "my welcome card. Let people know through your usual channels, such as the staff network."
    )


def closed_message(title: str) -> str:
    return f"Sign-ups for {title} are closed. Review any remaining applications, then it is ready for matching."


def cohort_number(arguments: str) -> int | None:
    text = arguments.strip().removeprefix("#")
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput("Please give the cohort's number, for example: cohort open 3. Type 'cohorts' to see them.")
    return int(text)


def cohort_target(arguments: str) -> str | None:
    try:
        number = cohort_number(arguments)
    except InvalidInput:
        return None
    return f"cohort {number}" if number is not None else None
