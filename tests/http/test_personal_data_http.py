"""A participant's own part and own data through the real adapter: pausing, "my data", withdrawing, and erasure
that leaves nothing behind in any table; and personal things refused in group chats."""

from __future__ import annotations

from bot.card_actions import ERASED_TEXT
from bot.dispatcher import PERSONAL_ONLY
from programme.applications import ApplicationState
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    COORDINATOR_CARYS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    OUTSIDER,
    ZADIE_ANSWERS,
    Programme,
    form_token,
    only_card,
    only_text,
)
from tests.support.card_reading import button, card_text

SOMEONE_ELSE = "That confirmation was made for someone else, so I haven't changed anything."


async def test_pause_my_data_and_withdraw(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(COORDINATOR_CARYS, MENTOR_ZADIE)
    await programme.sign_up(MENTOR_ZADIE, ZADIE_ANSWERS)

    past = only_text(await programme.say(MENTOR_ZADIE, "pause until 1 March 2026"))
    assert past == "01 March 2026 has already passed; please give a date from today onwards."
    paused = only_text(await programme.say(MENTOR_ZADIE, "pause until 10/04/2026"))
    assert paused.startswith("Done: I won't send you reminders or prompts until after Friday 10 April 2026.")

    mine = card_text(only_card(await programme.say(MENTOR_ZADIE, "my data")))
    assert "Your data" in mine
    assert MENTOR_ZADIE.id in mine
    assert MENTOR_ZADIE.name in mine
    for answer in ZADIE_ANSWERS.free_text():
        assert answer in mine
    assert "Cohort 1: Race equality 2026, board" not in mine  # the cohort's name, not its title, is held
    assert "Race equality 2026, board" in mine
    assert "Paused until\n10 Apr 2026" in mine

    confirm = only_card(await programme.say(MENTOR_ZADIE, "withdraw"))
    assert "Step back from the programme?" in card_text(confirm)
    assert "Cohort 1: Race equality 2026, board" in card_text(confirm)
    yes = button(confirm, "Yes, withdraw")
    assert yes["data"]["person"] == MENTOR_ZADIE.id

    # A card edited to name someone else is refused, and changes nothing for anyone.
    tampered = await programme.click(MENTOR_ZADIE, "withdraw.confirm", {"person": MENTEE_BRAM.id})
    assert (tampered["type"], tampered["value"]) == (MESSAGE_REPLY, SOMEONE_ELSE)
    [still] = await programme.applications(MENTOR_ZADIE)
    assert still.state is ApplicationState.SUBMITTED
    assert (await programme.sweep()).claimed == 0

    withdrawn = await programme.press(MENTOR_ZADIE, yes)
    assert withdrawn["type"] == MESSAGE_REPLY
    assert withdrawn["value"].startswith("You've withdrawn from Cohort 1: Race equality 2026, board.")
    [application] = await programme.applications(MENTOR_ZADIE)
    assert application.state is ApplicationState.WITHDRAWN

    # The coordinator hears once the queue is swept.
    assert programme.texts_to(COORDINATOR_CARYS) == []
    assert (await programme.sweep()).done == 1
    [notice] = programme.texts_to(COORDINATOR_CARYS)
    assert notice.startswith(
        "Zadie Quillfeather (mentor) has withdrawn from Cohort 1: Race equality 2026, board. Withdrawing is no-fault"
    )

    nothing_left = only_text(await programme.say(MENTOR_ZADIE, "withdraw"))
    assert nothing_left.startswith("You're not taking part in a cohort at the moment")


async def test_resume_ends_a_pause(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTOR_ZADIE)
    await programme.sign_up(MENTOR_ZADIE, ZADIE_ANSWERS)

    assert only_text(await programme.say(MENTOR_ZADIE, "resume")) == "You weren't paused, so nothing has changed."
    await programme.say(MENTOR_ZADIE, "pause until 2026-03-20")
    assert only_text(await programme.say(MENTOR_ZADIE, "resume")) == (
        "Welcome back: reminders and prompts are on again."
    )
    assert "Paused until\nNothing held" in card_text(only_card(await programme.say(MENTOR_ZADIE, "my data")))


async def test_deleting_my_data_leaves_nothing_that_identifies_me(programme: Programme) -> None:
    first = await programme.open_cohort()
    await programme.open_cohort(name="Race equality 2026, senior leaders", mentee_level="senior-leaders")
    await programme.meet(COORDINATOR_CARYS, MENTEE_BRAM)
    await programme.sign_up(MENTEE_BRAM, BRAM_ANSWERS, cohort=first)
    [bram] = await programme.applications(MENTEE_BRAM)
    # A decision whose reason names him, and the decision message he is sent.
    review = only_card(await programme.say(COORDINATOR_CARYS, f"applications {first}"))
    await programme.press(
        COORDINATOR_CARYS, button(review, "Approve"), **{f"reason-{bram.id}": "Bram Tollemarsh is a great fit"}
    )
    assert (await programme.sweep()).done == 1
    # Something he tried and was refused: that record stays, as the privacy notice says.
    assert only_text(await programme.say(MENTEE_BRAM, f"cohort open {first}")).startswith("Sorry, only")
    await programme.say(MENTEE_BRAM, "pause until 2026-04-01")
    # Halfway through signing up to the second cohort, with answers held only in the dialog's state.
    form = form_token(only_card(await programme.say(MENTEE_BRAM, "join")))
    await programme.submit(
        MENTEE_BRAM, {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
    )
    midway = {**BRAM_ANSWERS.about(), "job_title": "Tollemidway Acting Director"}
    await programme.submit(MENTEE_BRAM, {"action": "signup.about", "form": form, **midway})
    assert "Tollemidway" in (await programme.conversation_state(MENTEE_BRAM) or "")

    needles = [MENTEE_BRAM.id, MENTEE_BRAM.name, "Tollemidway", *BRAM_ANSWERS.free_text()]
    # The scan finds him wherever he is held, so finding nothing afterwards means something.
    held = {table for table, _column, _needle in await programme.find_anywhere(needles)}
    assert held == {"applications", "participants", "contacts", "bot_state", "work_items", "audit_log"}

    confirm = only_card(await programme.say(MENTEE_BRAM, "delete my data"))
    assert "Delete your data?" in card_text(confirm)
    yes = button(confirm, "Yes, delete my data")
    assert yes["data"] == {"action": "delete-my-data.confirm", "person": MENTEE_BRAM.id}
    tampered = await programme.click(MENTEE_BRAM, "delete-my-data.confirm", {"person": MENTOR_ZADIE.id})
    assert tampered["value"] == SOMEONE_ELSE
    assert len(await programme.applications(MENTEE_BRAM)) == 1

    erased = await programme.press(MENTEE_BRAM, yes)
    assert (erased["type"], erased["value"]) == (MESSAGE_REPLY, ERASED_TEXT)

    # Until it is delivered, the coordinators' notice that he has left names him; nothing else does.
    before_sweep = {(table, column) for table, column, _needle in await programme.find_anywhere(needles)}
    assert before_sweep == {("audit_log", "actor_id"), ("work_items", "payload")}
    assert (await programme.sweep()).done == 1
    [notice] = programme.texts_to(COORDINATOR_CARYS)
    assert notice.startswith("Bram Tollemarsh (mentee) has left Cohort 1: Race equality 2026, board")

    assert await programme.find_anywhere(needles) == [("audit_log", "actor_id", MENTEE_BRAM.id)]
    mine = [entry for entry in await programme.audit() if entry[0] == MENTEE_BRAM.id]
    assert mine == [(MENTEE_BRAM.id, "cohort open", "refused: not a coordinator", f"cohort {first}")]

    # The anonymous application still counts.
    assert await programme.applications(MENTEE_BRAM) == []
    status = card_text(only_card(await programme.say(COORDINATOR_CARYS, "cohorts")))
    assert "Mentees\n1 withdrawn" in status


async def test_personal_commands_are_refused_in_a_group_chat(programme: Programme) -> None:
    await programme.open_cohort()
    await programme.meet(MENTOR_ZADIE)
    await programme.sign_up(MENTOR_ZADIE, ZADIE_ANSWERS)

    for person, typed in (
        (MENTOR_ZADIE, "my data"),
        (MENTOR_ZADIE, "join"),
        (MENTOR_ZADIE, "profile"),
        (MENTOR_ZADIE, "withdraw"),
        (MENTOR_ZADIE, "delete my data"),
        (COORDINATOR_CARYS, "applications"),
    ):
        [reply] = await programme.mention(person, typed)
        assert (reply.conversation_id, reply.text, reply.cards) == ("19:group@thread.v2", PERSONAL_ONLY, []), typed

    # Nothing changed and no sign-up began in the group.
    [application] = await programme.applications(MENTOR_ZADIE)
    assert application.state is ApplicationState.SUBMITTED
    group_hits = await programme.find_anywhere(["19:group@thread.v2"])
    assert group_hits == []


async def test_erasing_from_an_action_submit_does_not_write_the_chat_back(programme: Programme) -> None:
    # Hosts without Universal Actions send the confirmation as a message; that turn loads the chat's state, which
    # must not be saved again once erasure has deleted it.
    await programme.meet(OUTSIDER)
    await programme.say(OUTSIDER, "hello there")
    assert await programme.conversation_state(OUTSIDER) is not None

    replies = await programme.submit(OUTSIDER, {"action": "delete-my-data.confirm", "person": OUTSIDER.id})

    assert only_text(replies) == ERASED_TEXT
    assert await programme.find_anywhere([OUTSIDER.id, OUTSIDER.name]) == []
