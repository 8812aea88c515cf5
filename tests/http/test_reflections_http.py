"""Private reflections through the real adapter: writing one after a meeting, reading, editing (also from a card
that is out of date), deleting with a confirmation, and everything a damaged or someone else's card can send,
answered kindly, with nothing lost and no error.

And the privacy that reflections promise: a coordinator, through every coordinator command and the buttons on
what those commands show, the operator's subject-access export of another person, the logs (at DEBUG, through the
whole story) and the work queue's stored messages, never meets a word of anyone's reflection; the author sees all
of theirs; the partner sees none of the other's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.command_set import build_command_table
from bot.commands import Audience
from bot.dispatcher import PERSONAL_ONLY
from bot.logging_setup import QUIET_LIBRARIES, RedactingFilter
from cards.actions import DAMAGED
from cards.reflections import INPUT_IDS, PRIVATE_LINE
from programme.reflections import (
    ACTIONS,
    DIFFERENTLY,
    FEELING,
    LEARNED,
    MAX_ANSWER,
    NOT_FOUND,
    NOTES,
    Reflection,
)
from storage.reflection_store import reflection_from_row
from storage.tables import reflections, work_items
from tests.http.conftest import programme_settings
from tests.http.meeting_world import (
    answered_card,
    first_offered_booked,
    running_locally,
)
from tests.http.programme_driver import (
    COORDINATOR_CARYS,
    ERROR_REPLY,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    Person,
    Programme,
    only_card,
    only_text,
)
from tests.support import activities
from tests.support.card_reading import button, card_actions, card_text, inputs
from tests.support.fake_connector import FakeConnector
from tests.support.fake_identity import FakeBotIdentity

# Distinctive words, so finding any of them where they should not be is unmistakably a leak.
BRAM_WROTE = {
    LEARNED: "Zadie described the Quillward night shifts where nobody asked her name for a year",
    DIFFERENTLY: "Stop relying on the Tollemarsh open-door policy and walk the estates floor monthly",
    ACTIONS: "Bram to ask HR for the Tollebridge acting-up data before session two",
    NOTES: "Felt embarrassed, honestly; the Tollemarsh board never talks like this",
}
BRAM_EDITED = {LEARNED: "Second thoughts about the Tollemarsh rota, written on the newest card"}
BRAM_STALE = {LEARNED: "Typed on the Tollemarsh card that was already out of date"}
ZADIE_WROTE = {LEARNED: "Bram's Quillmere question about my accent stung more than I let on"}
SECRETS = [*BRAM_WROTE.values(), *BRAM_EDITED.values(), *BRAM_STALE.values(), *ZADIE_WROTE.values()]
SAVE_NEW = "Save my reflection"
SAVE_CHANGES = "Save changes"


@pytest.fixture
def quiet_libraries() -> Iterator[None]:
    """The log levels the service sets for chatty libraries (bot.logging_setup), whatever the test's level."""
    saved = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def local(
    tmp_path: Path,
    identity: FakeBotIdentity,
    connector: FakeConnector,
    caplog: pytest.LogCaptureFixture,
    quiet_libraries: None,
) -> AsyncIterator[Programme]:
    """The bot on the local calendar and a fixed clock, logging everything at DEBUG through the service's own
    filter; fails the test if anything was logged as an error or if any reflection's words reached the log."""
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter([]))
    settings = programme_settings(tmp_path, identity, connector)
    async with running_locally(settings, identity, connector, caplog) as programme:
        yield programme
    assert [secret for secret in SECRETS if secret in caplog.text] == []


async def after_first_meeting(programme: Programme) -> int:
    """Zadie and Bram published, their first meeting booked on the first time offered and now over; its id."""
    _, meeting = await first_offered_booked(programme)
    assert meeting.when is not None
    programme.clock.set(meeting.when.end + timedelta(minutes=20))
    return meeting.id


def typed(answers: Mapping[str, str]) -> dict[str, str]:
    """What the form's inputs send for these answers."""
    return {INPUT_IDS[name]: value for name, value in answers.items()}


async def write(programme: Programme, person: Person, answers: Mapping[str, str], **extra: str) -> dict[str, Any]:
    """'reflect', then Save with these answers; the confirmation card."""
    form = only_card(await programme.say(person, "reflect"))
    saved = answered_card(await programme.press(person, button(form, SAVE_NEW), **typed(answers), **extra))
    assert "Reflection saved" in card_text(saved), card_text(saved)
    return saved


async def stored(programme: Programme) -> list[Reflection]:
    async with programme.runtime.database.engine.connect() as connection:
        rows = (await connection.execute(select(reflections).order_by(reflections.c.id))).mappings().all()
    return [reflection_from_row(row) for row in rows]


def refused(answer: Mapping[str, Any]) -> None:
    """A damaged button is refused as a bad request carrying the kind sentence, as every card's are."""
    assert answer["statusCode"] == 400, answer
    assert (answer["type"], answer["value"]["message"]) == (ERROR_REPLY, DAMAGED)


def message(answer: Mapping[str, Any]) -> str:
    assert answer["type"] == MESSAGE_REPLY, answer
    return str(answer["value"])


# Writing, reading, editing, deleting ------------------------------------------------------------------------------


async def test_a_reflection_written_after_a_meeting_read_edited_and_deleted(local: Programme) -> None:
    meeting_id = await after_first_meeting(local)

    form = only_card(await local.say(MENTEE_BRAM, "reflect"))
    text = card_text(form)
    assert "How did conversation 1 with Zadie Quillfeather" in text
    assert PRIVATE_LINE in text
    assert button(form, "Raise a concern")["data"] == {"action": "concern", "context": "reflection"}
    assert button(form, SAVE_NEW)["data"]["about"] == f"meeting:{meeting_id}"

    saved = answered_card(
        await local.press(MENTEE_BRAM, button(form, SAVE_NEW), **typed(BRAM_WROTE), **{INPUT_IDS[FEELING]: "mixed"})
    )
    assert "Reflection saved" in card_text(saved)
    for words in BRAM_WROTE.values():
        assert words in card_text(saved)
    assert "A mix of things" in card_text(saved)
    [kept] = await stored(local)
    assert kept.occasion is not None
    assert (kept.occasion.meeting_id, kept.version, kept.text.learned) == (meeting_id, 1, BRAM_WROTE[LEARNED])

    listing = only_card(await local.say(MENTEE_BRAM, "my reflections"))
    assert "About conversation 1 with Zadie Quillfeather" in card_text(listing)
    assert BRAM_WROTE[LEARNED] in card_text(listing)
    whole = answered_card(await local.press(MENTEE_BRAM, button(listing, "Read")))
    assert BRAM_WROTE[NOTES] in card_text(whole)

    # Deleting asks first; keeping it changes nothing.
    asking = answered_card(await local.press(MENTEE_BRAM, button(whole, "Delete")))
    assert "Delete this reflection?" in card_text(asking)
    kept_list = answered_card(await local.press(MENTEE_BRAM, button(asking, "Keep it")))
    assert "My reflections" in card_text(kept_list)
    assert len(await stored(local)) == 1

    editing = answered_card(await local.press(MENTEE_BRAM, button(whole, "Edit")))
    boxes = inputs(editing)
    assert boxes[INPUT_IDS[LEARNED]]["value"] == BRAM_WROTE[LEARNED]
    assert boxes[INPUT_IDS[FEELING]]["value"] == "mixed"
    changed = answered_card(
        await local.press(
            MENTEE_BRAM,
            button(editing, SAVE_CHANGES),
            **typed({**BRAM_WROTE, **BRAM_EDITED}),
            **{INPUT_IDS[FEELING]: ""},
        )
    )
    assert "Changes saved" in card_text(changed)
    [edited] = await stored(local)
    assert (edited.id, edited.version, edited.text.learned, edited.text.feeling) == (
        kept.id,
        2,
        BRAM_EDITED[LEARNED],
        None,
    )

    # The question was asked of version 1; it has been edited since, so it is asked again, about the new words.
    again = answered_card(await local.press(MENTEE_BRAM, button(asking, "Yes, delete it")))
    assert "haven't deleted it yet" in card_text(again)
    assert BRAM_EDITED[LEARNED] in card_text(again)
    gone = answered_card(await local.press(MENTEE_BRAM, button(again, "Yes, delete it")))
    assert "gone for good" in card_text(gone)
    assert "You haven't written any reflections yet" in card_text(gone)
    assert await stored(local) == []
    # A second click of the same button finds nothing, and says so quietly.
    twice = answered_card(await local.press(MENTEE_BRAM, button(again, "Yes, delete it")))
    assert "isn't there any more" in card_text(twice)


async def test_an_edit_from_an_out_of_date_card_keeps_what_was_typed_and_loses_nothing(local: Programme) -> None:
    await after_first_meeting(local)
    await write(local, MENTEE_BRAM, BRAM_WROTE)
    listing = only_card(await local.say(MENTEE_BRAM, "my reflections"))
    old_card = answered_card(await local.press(MENTEE_BRAM, button(listing, "Edit")))
    new_card = answered_card(await local.press(MENTEE_BRAM, button(listing, "Edit")))
    await local.press(MENTEE_BRAM, button(new_card, SAVE_CHANGES), **typed({**BRAM_WROTE, **BRAM_EDITED}))

    clash = answered_card(
        await local.press(MENTEE_BRAM, button(old_card, SAVE_CHANGES), **typed({**BRAM_WROTE, **BRAM_STALE}))
    )

    assert "You changed this reflection somewhere else" in card_text(clash)
    assert inputs(clash)[INPUT_IDS[LEARNED]]["value"] == BRAM_STALE[LEARNED]
    [kept] = await stored(local)
    assert (kept.version, kept.text.learned) == (2, BRAM_EDITED[LEARNED])
    # Saving from the card that came back is a deliberate choice, and it wins.
    final = answered_card(
        await local.press(MENTEE_BRAM, button(clash, SAVE_CHANGES), **typed({**BRAM_WROTE, **BRAM_STALE}))
    )
    assert "Changes saved" in card_text(final)
    [kept] = await stored(local)
    assert (kept.version, kept.text.learned) == (3, BRAM_STALE[LEARNED])


async def test_the_same_save_clicked_twice_stores_one_reflection(local: Programme) -> None:
    await after_first_meeting(local)
    form = only_card(await local.say(MENTEE_BRAM, "reflect"))
    answers = await asyncio.gather(
        *(local.press(MENTEE_BRAM, button(form, SAVE_NEW), **typed(BRAM_WROTE)) for _ in range(2))
    )
    assert all("Reflection saved" in card_text(answered_card(answer)) for answer in answers)
    assert len(await stored(local)) == 1


# Bad input ------------------------------------------------------------------------------------------------------


async def test_text_far_too_long_comes_back_beside_its_box_and_nothing_is_stored(local: Programme) -> None:
    await after_first_meeting(local)
    form = only_card(await local.say(MENTEE_BRAM, "reflect"))

    huge = answered_card(
        await local.press(MENTEE_BRAM, button(form, SAVE_NEW), **typed({LEARNED: "x" * 100_000, ACTIONS: "kept"}))
    )
    assert "much longer than the box allows" in card_text(huge)
    assert inputs(huge)[INPUT_IDS[ACTIONS]]["value"] == "kept"
    assert len(inputs(huge)[INPUT_IDS[LEARNED]]["value"]) == MAX_ANSWER

    over = answered_card(
        await local.press(MENTEE_BRAM, button(huge, SAVE_NEW), **typed({LEARNED: "y" * (MAX_ANSWER + 5)}))
    )
    assert f"That's {MAX_ANSWER + 5} characters" in card_text(over)
    blank = answered_card(await local.press(MENTEE_BRAM, button(over, SAVE_NEW), **typed({LEARNED: "   "})))
    assert "at least one box" in card_text(blank)
    odd = answered_card(
        await local.press(
            MENTEE_BRAM, button(blank, SAVE_NEW), **{**typed({LEARNED: "ok"}), INPUT_IDS[FEELING]: "rage"}
        )
    )
    assert "choose one of the options" in card_text(odd)
    not_text = answered_card(await local.press(MENTEE_BRAM, button(odd, SAVE_NEW), **{INPUT_IDS[NOTES]: ["a"]}))  # type: ignore[arg-type]
    assert "couldn't be read" in card_text(not_text)
    assert await stored(local) == []
    # And the card that came back still saves.
    saved = answered_card(await local.press(MENTEE_BRAM, button(not_text, SAVE_NEW), **typed({LEARNED: "At last"})))
    assert "Reflection saved" in card_text(saved)


@pytest.mark.parametrize("bad", ["abc", -1, 0, 10**12, "1e3", [5], {"id": 5}, True, None])
async def test_damaged_ids_are_answered_kindly(local: Programme, bad: object) -> None:
    for verb, data in (
        ("reflection.show", {"reflection": bad}),
        ("reflection.edit", {"reflection": bad}),
        ("reflection.delete", {"reflection": bad}),
        ("reflection.delete.confirm", {"reflection": bad, "version": 1}),
        ("reflection.delete.confirm", {"reflection": 1, "version": bad}),
        ("reflection.save", {"about": "general:abcdefghijkl", "version": 0, "reflection": bad}),
        ("reflection.save", {"about": bad, "version": 0}),
        ("reflection.save", {"about": "general:abcdefghijkl", "version": bad}),
    ):
        if verb == "reflection.save" and (data.get("reflection", "") is None or data.get("version") == 0):
            continue  # no reflection id, at version 0, is a new reflection: not damage
        refused(await local.click(MENTEE_BRAM, verb, data))


@pytest.mark.parametrize(
    "key", ["", "meeting:", "meeting:0", "meeting:abc", "meeting:99999999999", "general:", "other:1", "x" * 10_000]
)
async def test_damaged_keys_are_answered_kindly(local: Programme, key: str) -> None:
    refused(await local.click(MENTEE_BRAM, "reflection.save", {"about": key, "version": 0, **typed(BRAM_WROTE)}))


async def test_someone_elses_reflection_is_never_found_and_is_left_alone(local: Programme) -> None:
    meeting_id = await after_first_meeting(local)
    await write(local, MENTEE_BRAM, BRAM_WROTE)
    [bram_reflection] = await stored(local)
    missing = bram_reflection.id + 50

    for person in (MENTOR_ZADIE, COORDINATOR_CARYS):
        for reflection_id in (bram_reflection.id, missing):
            for verb in ("reflection.show", "reflection.edit", "reflection.delete"):
                answer = await local.click(person, verb, {"reflection": reflection_id})
                assert message(answer) == NOT_FOUND, (person.name, verb, reflection_id)
            confirm = await local.click(
                person, "reflection.delete.confirm", {"reflection": reflection_id, "version": 1}
            )
            assert "isn't there any more" in card_text(answered_card(confirm))
            over = await local.click(
                person,
                "reflection.save",
                {"about": f"meeting:{meeting_id}", "version": 1, "reflection": reflection_id, **typed(ZADIE_WROTE)},
            )
            # What they typed comes back as a new reflection of their own, on the same words for both ids.
            offered = answered_card(over)
            assert "isn't there any more" in card_text(offered)
            assert inputs(offered)[INPUT_IDS[LEARNED]]["value"] == ZADIE_WROTE[LEARNED]
            assert BRAM_WROTE[LEARNED] not in json.dumps(offered)
        listing = only_card(await local.say(person, "my reflections"))
        assert "You haven't written any reflections yet" in card_text(listing)
    # A meeting of theirs that isn't the coordinator's: no form about it.
    outside = await local.click(COORDINATOR_CARYS, "reflection.new", {"meeting": meeting_id})
    assert "couldn't find that conversation" in message(outside)
    assert await stored(local) == [bram_reflection]


async def test_reflections_are_only_ever_written_or_shown_in_a_one_to_one_chat(local: Programme) -> None:
    await after_first_meeting(local)
    await write(local, MENTEE_BRAM, BRAM_WROTE)
    [kept] = await stored(local)
    for typed_command in ("reflect", "my reflections"):
        assert only_text(await local.mention(MENTEE_BRAM, typed_command)) == PERSONAL_ONLY
    for verb, data in (
        ("reflection.list", {}),
        ("reflection.show", {"reflection": kept.id}),
        ("reflection.new", {}),
        ("reflection.save", {"about": kept.key, "version": 1, "reflection": kept.id, **typed(BRAM_EDITED)}),
        ("reflection.delete.confirm", {"reflection": kept.id, "version": 1}),
    ):
        activity = activities.card_action(verb, data, service_url=local.bot.service_url, person=MENTEE_BRAM.id)
        activity["conversation"] = {
            "id": "19:group@thread.v2",
            "conversationType": "groupChat",
            "tenantId": activities.TENANT,
            "isGroup": True,
        }
        response = await local.bot.post(activity)
        answer = json.loads(await response.text())
        assert (response.status, answer["type"], answer["value"]) == (200, MESSAGE_REPLY, PERSONAL_ONLY), verb
    assert await stored(local) == [kept]


# Privacy ----------------------------------------------------------------------------------------------------------


async def test_nobody_but_the_author_reaches_a_reflections_words(
    local: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await after_first_meeting(local)
    await write(local, MENTEE_BRAM, BRAM_WROTE, **{INPUT_IDS[FEELING]: "unsettled"})
    await write(local, MENTOR_ZADIE, ZADIE_WROTE)
    bram_words = list(BRAM_WROTE.values())
    zadie_words = list(ZADIE_WROTE.values())

    # The author sees all of theirs, and none of their partner's.
    bram_list = card_text(only_card(await local.say(MENTEE_BRAM, "my reflections")))
    assert BRAM_WROTE[LEARNED] in bram_list
    assert [w for w in zadie_words if w in bram_list] == []
    zadie_list = only_card(await local.say(MENTOR_ZADIE, "my reflections"))
    assert ZADIE_WROTE[LEARNED] in card_text(zadie_list)
    assert [w for w in bram_words if w in json.dumps(zadie_list)] == []
    bram_data = json.dumps(only_card(await local.say(MENTEE_BRAM, "my data")))
    assert BRAM_WROTE[LEARNED] in bram_data
    assert [w for w in zadie_words if w in bram_data] == []

    # A coordinator, through every coordinator command and every button on what they show.
    seen: list[str] = []
    cohort_id = (await local.runtime.services.cohorts.current()).cohort.id  # type: ignore[union-attr]
    for command in build_command_table(local.runtime.services).visible_to(Audience.COORDINATORS):
        for typed_line in _invocations(command.name, command.argument, cohort_id):
            replies = await local.say(COORDINATOR_CARYS, typed_line)
            seen.append(json.dumps([reply.body for reply in replies]))
            for card in (c for reply in replies for c in reply.cards):
                for action in card_actions(card):
                    if action.get("type") == "Action.Execute":
                        seen.append(json.dumps(await local.press(COORDINATOR_CARYS, action)))
    # Their own 'my data' (there is no way to ask for someone else's: the button's data is ignored).
    seen.append(json.dumps(await local.click(COORDINATOR_CARYS, "my-data", {"person": MENTEE_BRAM.id})))
    seen.append(json.dumps([r.body for r in await local.say(COORDINATOR_CARYS, f"my data {MENTEE_BRAM.id}")]))
    # Every coordinator command was typed (some twice), and the buttons on their cards pressed.
    assert len(seen) > 2 * len(build_command_table(local.runtime.services).visible_to(Audience.COORDINATORS))
    everything_seen = "\n".join(seen)
    assert [w for w in SECRETS if w in everything_seen] == []
    assert "unsettled" not in everything_seen.lower()
    # What they do get: that reflections were written.
    status = card_text(only_card(await local.say(COORDINATOR_CARYS, "status")))
    assert "Reflections" in status
    assert "2 (1 by mentors, 1 by mentees)" in status

    # The work queue: every message stored for sending, as it is after delivery.
    await local.sweep()
    async with local.runtime.database.engine.connect() as connection:
        payloads = json.dumps([row.payload for row in (await connection.execute(select(work_items.c.payload)))])
    assert [w for w in SECRETS if w in payloads] == []

    # The operator's subject-access export of another person: Zadie's holds her words, not Bram's.
    monkeypatch.setenv("REMEDI_ENV", "local")
    monkeypatch.setenv("REMEDI_DATABASE_URL", str(local.bot.settings.database_url))
    out = tmp_path / "zadie.json"
    assert await asyncio.to_thread(main, ["subject-access", MENTOR_ZADIE.id, "--out", str(out)]) == 0
    exported = out.read_text()
    assert ZADIE_WROTE[LEARNED] in exported
    assert [w for w in bram_words if w in exported] == []
    assert await asyncio.to_thread(main, ["subject-access", COORDINATOR_CARYS.id]) == 0
    carys = capsys.readouterr().out
    assert [w for w in SECRETS if w in carys] == []


def _invocations(name: str, argument: str | None, cohort_id: int) -> list[str]:
    """Plausible ways to type a coordinator command: bare, and with the argument it names."""
    if argument is None:
        return [name]
    if "object id" in argument:
        return [f"{name} {MENTEE_BRAM.id}"]
    if "baseline" in argument:
        return [f"{name} end {cohort_id}"]
    return [name, f"{name} {cohort_id}"]
