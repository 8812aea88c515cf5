"""Surveys through the real adapter: a coordinator sends the baseline early, the pair get it in their 1:1 chats
and answer it on the card; bad or stale answers get kind replies, never a failure; and nothing a coordinator can
type, click, export or read in the logs shows anyone's own answers.

The pair (Zadie mentoring Bram) is built in :mod:`tests.http.meeting_world`; the clock stands at Monday 2 March
2026, 10:00, weeks before the cohort's start, so every survey here is one a coordinator sent early.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.dispatcher import PERSONAL_ONLY
from bot.logging_setup import QUIET_LIBRARIES
from cards.actions import DAMAGED
from cards.surveys import NOT_ENOUGH
from programme.profiles import Role
from programme.survey_questions import SurveyKind, current_set
from programme.surveys import DAMAGED_FORM, NOT_YOURS, SurveyResponse, new_pseudonym
from storage.survey_store import SqlSurveyStore
from storage.tables import prompts, survey_links, survey_responses
from tests.http.matching_world import cards_to
from tests.http.meeting_world import PublishedPair, answered_card, published_pair
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    CARD_REPLY,
    COORDINATOR_CARYS,
    ERROR_REPLY,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    ZADIE_ANSWERS,
    Person,
    Programme,
    only_card,
    only_text,
)
from tests.support.card_reading import button, card_actions, card_text, of_kind, text_blocks

# What each of them writes in their own words: private to them, whatever a coordinator does.
ZADIE_HOPE = "That the Quillward night team stops being the last to hear about promotions"
BRAM_HOPE = "To understand why Tollewing staff leave within a year"
SURVEY_TITLE = "Start-of-programme survey"


async def baseline_sent(programme: Programme) -> tuple[PublishedPair, dict[str, Any], dict[str, Any]]:
    """The pair published, the baseline sent by the coordinator and delivered; the two survey cards."""
    world = await published_pair(programme, ZADIE_ANSWERS, BRAM_ANSWERS)
    reply = only_text(await programme.say(COORDINATOR_CARYS, "survey send baseline"))
    assert "is going out now to 2 people" in reply, reply
    before = len(programme.sent)
    report = await programme.sweep()
    assert (report.done, report.dead) == (2, 0), report
    return world, survey_card(programme, MENTOR_ZADIE, before), survey_card(programme, MENTEE_BRAM, before)


def survey_card(programme: Programme, person: Person, since: int) -> dict[str, Any]:
    [found] = [c for c in cards_to(programme, person, since=since) if text_blocks(c)[0] == SURVEY_TITLE]
    return found


def answers(role: Role, value: str, hope: str = "") -> dict[str, str]:
    """What the card's inputs send: every statement ``value``, and the hope typed in."""
    questions = current_set(role, SurveyKind.BASELINE)
    return {**{f"likert-{item.id}": value for item in questions.likert}, "text-hopes": hope}


async def submit(programme: Programme, person: Person, survey: Mapping[str, Any], **typed: str) -> dict[str, Any]:
    return await programme.press(person, button(survey, "Send my answers"), **typed)


def said(answer: Mapping[str, Any]) -> str:
    """The words a person is shown for a click that changed nothing: a message, or (for a button the parser
    cannot read at all) the kind error Teams shows on the card."""
    if answer["type"] == ERROR_REPLY:
        assert answer["statusCode"] == 400, answer
        return str(answer["value"]["message"])
    assert answer["type"] == MESSAGE_REPLY, answer
    return str(answer["value"])


async def stored(programme: Programme) -> list[Mapping[str, Any]]:
    async with programme.runtime.database.engine.connect() as connection:
        rows = (await connection.execute(select(survey_responses))).mappings().all()
    return [dict(row) for row in rows]


# Answering ---------------------------------------------------------------------------------------------------------


async def test_the_pair_answer_the_baseline_and_their_answers_are_kept_under_pseudonyms(programme: Programme) -> None:
    world, zadie_survey, bram_survey = await baseline_sent(programme)

    # The card asks the mentor's statements, one 1-to-5 choice each, and the optional hope.
    assert [e["id"] for e in of_kind(zadie_survey, "Input.")] == list(answers(Role.MENTOR, "1"))
    assert [e["id"] for e in of_kind(bram_survey, "Input.")] == list(answers(Role.MENTEE, "1"))
    thanks = answered_card(await submit(programme, MENTOR_ZADIE, zadie_survey, **answers(Role.MENTOR, "2", ZADIE_HOPE)))

    assert text_blocks(thanks)[0] == "Thank you"
    [row] = await stored(programme)
    assert (row["cohort_id"], row["kind"], row["role"], row["set_id"], row["set_version"]) == (
        world.cohort_id,
        "baseline",
        "mentor",
        "mentor-baseline",
        1,
    )
    assert set(row["likert"].values()) == {2}
    assert row["free_text"] == {"hopes": ZADIE_HOPE}
    # Her id is only in the link, never with the answers.
    async with programme.runtime.database.engine.connect() as connection:
        links = (await connection.execute(select(survey_links))).mappings().all()
        prompt = (
            (await connection.execute(select(prompts).where(prompts.c.person_id == MENTOR_ZADIE.id))).mappings().all()
        )
    assert [(link["person_id"], link["pseudonym"]) for link in links] == [(MENTOR_ZADIE.id, row["pseudonym"])]
    assert MENTOR_ZADIE.id not in json.dumps([dict(r) for r in await stored(programme)], default=str)
    # The survey was a prompt, and answering it marked it answered.
    assert [(p["kind"], p["ref"], p["answered_at"] is not None) for p in prompt] == [
        ("survey", f"survey:{world.cohort_id}:baseline", True)
    ]
    # What she wrote is held in one place only.
    assert {(table, column) for table, column, _ in await programme.find_anywhere([ZADIE_HOPE])} == {
        ("survey_responses", "free_text")
    }

    # Answering again before it closes replaces her answers, and 'survey' shows them to her.
    again = answered_card(await submit(programme, MENTOR_ZADIE, zadie_survey, **answers(Role.MENTOR, "4")))
    assert "Your new answers have replaced your earlier ones." in card_text(again)
    [row] = await stored(programme)
    assert (set(row["likert"].values()), row["free_text"]) == ({4}, {})
    mine = only_card(await programme.say(MENTOR_ZADIE, "survey"))
    assert {e["id"]: e.get("value") for e in of_kind(mine, "Input.ChoiceSet")} == {
        f"likert-{item.id}": "4" for item in current_set(Role.MENTOR, SurveyKind.BASELINE).likert
    }
    assert button(mine, "Update my answers")["verb"] == "survey.submit"

    # Sending it again sends nobody anything.
    before = len(programme.sent)
    reply = only_text(await programme.say(COORDINATOR_CARYS, "survey send baseline"))
    assert "had already gone out, so nobody was sent it twice" in reply
    await programme.sweep()
    assert cards_to(programme, MENTEE_BRAM, since=before) == []


async def test_sending_is_audited_and_only_for_coordinators(programme: Programme) -> None:
    await baseline_sent(programme)

    refused = only_text(await programme.say(MENTOR_ZADIE, "survey send midpoint"))
    unclear = only_text(await programme.say(COORDINATOR_CARYS, "survey send fortnightly"))

    assert "only programme coordinators can do that" in refused
    assert "Please say which survey to send" in unclear
    audit = await programme.audit()
    assert (COORDINATOR_CARYS.id, "survey send", "done", "baseline survey") in audit
    assert (MENTOR_ZADIE.id, "survey send", "refused: not a coordinator", "midpoint survey") in audit
    assert (COORDINATOR_CARYS.id, "survey send", "rejected: InvalidInput", None) in audit


async def test_bad_and_stale_answers_get_kind_replies(programme: Programme) -> None:
    world, zadie_survey, bram_survey = await baseline_sent(programme)
    submit_button = button(zadie_survey, "Send my answers")

    # Statements left out, and an answer outside 1 to 5: the form again, with each problem beside its question.
    partial = {**answers(Role.MENTOR, "3", ZADIE_HOPE), "likert-heard": "7"}
    del partial["likert-committed"]
    again = answered_card(await programme.press(MENTOR_ZADIE, submit_button, **partial))
    problems = [e["text"].replace("\\", "") for e in again["body"] if e.get("color") == "Attention"]
    assert [p.split(" for ")[0] for p in problems] == [
        "Nearly there: please look at the questions marked below.",
        "Please choose one of the answers given (1 to 5)",
        "Please choose an answer",
    ]
    # What she typed is kept on the form, so nothing is lost.
    assert {e["id"]: e.get("value") for e in of_kind(again, "Input.Text")} == {"text-hopes": ZADIE_HOPE}
    assert await stored(programme) == []

    def changed(**data: object) -> dict[str, Any]:
        return {**submit_button["data"], **answers(Role.MENTOR, "3"), **data}

    for data, expected in (
        # A damaged card.
        (changed(cohort="first"), DAMAGED),
        (changed(survey="weekly"), DAMAGED),
        (changed(set="mentee-baseline"), DAMAGED_FORM),
        (changed(version=7), DAMAGED_FORM),
        # Someone else's survey, or a cohort that does not exist.
        (changed(cohort=world.cohort_id + 40), NOT_YOURS),
        # A survey that is not open yet.
        (changed(survey="midpoint", set="mentor-midpoint"), "The mid-point check-in isn't open yet"),
    ):
        assert said(await programme.click(MENTOR_ZADIE, "survey.submit", data)).startswith(expected)
    # Bram pressing Zadie's button answers his own survey, as his own role: a mentor's form is refused.
    answer = await programme.press(MENTEE_BRAM, submit_button, **answers(Role.MENTOR, "3"))
    assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, DAMAGED_FORM)
    # A coordinator who is not in the cohort's pairs has no survey there to answer.
    answer = await programme.press(
        COORDINATOR_CARYS, button(bram_survey, "Send my answers"), **answers(Role.MENTEE, "3")
    )
    assert (answer["type"], answer["value"]) == (MESSAGE_REPLY, NOT_YOURS)
    assert await stored(programme) == []

    # Four weeks on it has closed.
    programme.clock.advance(timedelta(days=29))
    answer = await programme.press(MENTOR_ZADIE, submit_button, **answers(Role.MENTOR, "3"))
    assert answer["type"] == MESSAGE_REPLY
    assert "closed on Sunday 29 March, so I can't take answers for it any more" in answer["value"]
    assert only_text(await programme.say(MENTOR_ZADIE, "survey")).startswith("There's no survey open for you")
    assert await stored(programme) == []


async def test_surveys_are_only_answered_in_a_1to1_chat(programme: Programme) -> None:
    await baseline_sent(programme)

    assert only_text(await programme.mention(MENTOR_ZADIE, "survey")) == PERSONAL_ONLY


# Privacy -----------------------------------------------------------------------------------------------------------


async def test_a_coordinator_never_sees_anyones_own_answers(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world, zadie_survey, bram_survey = await baseline_sent(programme)
    coordinator_from = len(programme.sent)
    await submit(programme, MENTOR_ZADIE, zadie_survey, **answers(Role.MENTOR, "1", ZADIE_HOPE))
    await submit(programme, MENTEE_BRAM, bram_survey, **answers(Role.MENTEE, "5", BRAM_HOPE))
    # Five more of each role answered (put straight into the store: the other pairs are not the point here).
    store = SqlSurveyStore(programme.runtime.database)
    for role in Role:
        questions = current_set(role, SurveyKind.BASELINE)
        for value in (2, 3, 3, 4, 4):
            await store.save(
                SurveyResponse(
                    world.cohort_id,
                    SurveyKind.BASELINE,
                    role,
                    new_pseudonym(),
                    questions.id,
                    1,
                    {item.id: value for item in questions.likert},
                )
            )
    [zadie] = [r for r in await stored(programme) if r["free_text"]][:1]
    pseudonyms = [str(r["pseudonym"]) for r in await stored(programme)]
    seen: list[object] = []

    # While the survey is open: counts only.
    while_open = only_card(await programme.say(COORDINATOR_CARYS, "survey results"))
    seen.append(while_open)
    assert "**Mentors**: 6 answers" in text_blocks(while_open)
    assert not any(t.startswith("Average") for t in text_blocks(while_open))

    # Once it has closed: averages for six people each, and nothing else.
    programme.clock.advance(timedelta(days=29))
    closed = only_card(await programme.say(COORDINATOR_CARYS, f"survey results {world.cohort_id}"))
    seen.append(closed)
    averages = [t for t in text_blocks(closed) if t.startswith("Average")]
    # One line per statement (4 for mentors, 5 for mentees), each of six answers: Zadie's 1s among 2 to 4.
    assert len(averages) == 9
    assert all(t.endswith("6 answered") for t in averages)
    # Mentors: Zadie's 1 among 2, 3, 3, 4 and 4; mentees: Bram's 5 among the same.
    assert averages == ["Average 2.8 · 33% agree · 6 answered"] * 4 + ["Average 3.5 · 50% agree · 6 answered"] * 5
    assert "1 person also wrote something in their own words; that stays private to them." in text_blocks(closed)
    refreshed = await programme.press(COORDINATOR_CARYS, button(closed, "Refresh"))
    seen.append(refreshed)
    assert answered_card(refreshed) == closed

    # Every other way a coordinator could look: her card's buttons, their own data, the audit and the status.
    seen.append(
        await programme.click(COORDINATOR_CARYS, "survey.show", {"cohort": world.cohort_id, "survey": "baseline"})
    )
    for command in ("my data", "audit", "status", "survey", "cohorts"):
        seen.append([a.body for a in await programme.say(COORDINATOR_CARYS, command)])
    seen.append([a.body for a in programme.bot.connector.delivered_to(COORDINATOR_CARYS.chat)][coordinator_from:])

    shown = json.dumps(seen, default=str)
    for secret in (ZADIE_HOPE, BRAM_HOPE, *pseudonyms):
        assert secret not in shown
    assert NOT_YOURS in shown
    # Nor anything in the logs, at any level (the libraries the service keeps at WARNING aside: one of them logs
    # every SQL statement's parameters at DEBUG).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(QUIET_LIBRARIES))
    for secret in (ZADIE_HOPE, BRAM_HOPE, *pseudonyms):
        assert secret not in logged
    assert zadie["pseudonym"] in pseudonyms

    # Zadie herself sees her answers in her own data.
    her_data = only_card(await programme.say(MENTOR_ZADIE, "my data"))
    assert ZADIE_HOPE in card_text(her_data)
    assert BRAM_HOPE not in card_text(her_data)


async def test_results_of_a_pair_alone_are_never_shown(programme: Programme) -> None:
    _, zadie_survey, bram_survey = await baseline_sent(programme)
    await submit(programme, MENTOR_ZADIE, zadie_survey, **answers(Role.MENTOR, "1", ZADIE_HOPE))
    await submit(programme, MENTEE_BRAM, bram_survey, **answers(Role.MENTEE, "5"))
    programme.clock.advance(timedelta(days=40))

    results = only_card(await programme.say(COORDINATOR_CARYS, "survey results"))

    texts = text_blocks(results)
    assert texts[texts.index("**Mentors**: 1 answer") + 1] == NOT_ENOUGH
    assert texts[texts.index("**Mentees**: 1 answer") + 1] == NOT_ENOUGH
    assert not any(t.startswith("Average") or "wrote something" in t for t in texts)
    assert [a["verb"] for a in card_actions(results)] == ["survey.results"]


async def test_someone_who_is_not_a_coordinator_cannot_see_results(programme: Programme) -> None:
    world, _, _ = await baseline_sent(programme)

    typed = only_text(await programme.say(MENTEE_BRAM, "survey results"))
    clicked = await programme.click(MENTEE_BRAM, "survey.results", {"cohort": world.cohort_id})

    assert "only programme coordinators can do that" in typed
    assert clicked["type"] == MESSAGE_REPLY
    assert "only programme coordinators can do that" in clicked["value"]
    assert clicked["type"] != CARD_REPLY
