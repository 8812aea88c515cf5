"""Commands for everyone taking part: joining, changing answers, pausing, withdrawing, and their own data."""

from __future__ import annotations

from bot.commands import Audience, Command, CommandRequest, DialogStart, Reply
from bot.services import Services
from cards.personal_data import delete_confirmation_card, my_data_card, withdraw_confirmation_card
from dialogs.signup import SIGNUP_DIALOG_ID
from programme.local_dates import DATE_EXAMPLES, parse_date


def sign_up_start(request: CommandRequest, mode: str) -> DialogStart:
    return DialogStart(
        SIGNUP_DIALOG_ID,
        {
            "mode": mode,
            "tenant": request.tenant.value,
            "person": request.actor.value,
            "display_name": request.display_name,
        },
    )


def participant_commands(services: Services) -> list[Command]:
    participation = services.participation

    async def join(request: CommandRequest) -> Reply:
        # Checked here as well as in the dialog, so "nothing open" is one short answer rather than a dialog.
        await services.signup.options(request.actor)
        return Reply(begin=sign_up_start(request, "join"))

    async def edit_profile(request: CommandRequest) -> Reply:
        await services.signup.editable(request.actor)
        return Reply(begin=sign_up_start(request, "edit"))

    async def pause(request: CommandRequest) -> Reply:
        day = parse_date(request.arguments, participation.today())
        until = await participation.pause(request.actor, day)
        return Reply(
            text=(
                f"Done: I won't send you reminders or prompts until after {until:%A} {until.day} {until:%B %Y}. "
                "Messages about decisions and anything you ask for still reach you. Type 'resume' to start again "
                "sooner."
            )
        )

    async def resume(request: CommandRequest) -> Reply:
        if await participation.resume(request.actor):
            return Reply(text="Welcome back: reminders and prompts are on again.")
        return Reply(text="You weren't paused, so nothing has changed.")

    async def withdraw(request: CommandRequest) -> Reply:
        live = await participation.live_applications(request.actor)
        if not live:
            return Reply(text="You're not taking part in a cohort at the moment, so there's nothing to withdraw from.")
        titles = await participation.cohort_titles(live)
        return Reply(card=withdraw_confirmation_card(request.actor, titles))

    async def my_data(request: CommandRequest) -> Reply:
        return Reply(card=my_data_card(await services.personal_data.export(request.actor)))

    async def delete_my_data(request: CommandRequest) -> Reply:
        return Reply(card=delete_confirmation_card(request.actor))

    return [
        Command("join", "Sign up to the cohort that is open.", Audience.EVERYONE, join, private=True),
        Command(
            "profile", "See or change your answers before a decision.", Audience.EVERYONE, edit_profile, private=True
        ),
        Command(
            "pause until",
            f"No reminders until a date ({DATE_EXAMPLES}).",
            Audience.EVERYONE,
            pause,
            argument="<date>",
            private=True,
        ),
        Command("resume", "End a pause early.", Audience.EVERYONE, resume, private=True),
        Command("withdraw", "Leave the programme, no reason needed.", Audience.EVERYONE, withdraw, private=True),
        Command("my data", "See everything the bot holds about you.", Audience.EVERYONE, my_data, private=True),
        Command(
            "delete my data", "Erase your personal data (asks first).", Audience.EVERYONE, delete_my_data, private=True
        ),
    ]
