"""Matching with Microsoft Graph on, through the real adapter: the bot asks the directory who manages whom, makes
each published pair a group chat, installs itself there and introduces the pair in it.

Graph is a local :class:`FakeGraph` that the real msgraph-sdk client talks to, signed in through the real
azure-identity credential whose token requests go to :class:`FakeEntraTransport` instead of Entra.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.dispatcher import PERSONAL_ONLY
from tests.http.conftest import APP_ID, APP_SECRET, BotUnderTest, programme_settings
from tests.http.matching_world import (
    CARD_TITLE,
    FENELLA_ANSWERS,
    MENTEE_FENELLA,
    MENTOR_WREN,
    ONE_PAIR,
    WREN_ANSWERS,
    application_of,
    cohort_to_match,
    named_pairs,
    pairs,
)
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    COORDINATOR_CARYS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    NOW,
    ZADIE_ANSWERS,
    Person,
    Programme,
    only_card,
)
from tests.support import activities
from tests.support.card_reading import button, card_actions, card_text, text_blocks
from tests.support.fake_connector import FakeConnector
from tests.support.fake_graph import FakeEntraTransport, FakeGraph, Fault, GraphRequest
from tests.support.fake_identity import FakeBotIdentity, FakeCredentialFactory
from tests.support.fakes import FakeClock

# The id the organisation's app catalog gave the bot's app: not the bot's own app id.
CATALOG_APP_ID = "5e1c0a77-3b1d-4e8f-9a2b-6c7d8e9f0a1b"
GRAPH_USERS = "https://graph.microsoft.com/v1.0/users"


@dataclass
class GraphProgramme:
    programme: Programme
    graph: FakeGraph
    entra: FakeEntraTransport


@pytest.fixture
async def world(
    tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[GraphProgramme]:
    """The deployed bot with Graph on, on a fixed clock; fails the test if anything was logged as an error."""
    async with FakeGraph() as graph:
        settings = programme_settings(
            tmp_path,
            identity,
            connector,
            REMEDI_GRAPH_ENABLED="true",
            REMEDI_TEAMS_CATALOG_APP_ID=CATALOG_APP_ID,
            REMEDI_GRAPH_BASE_URL=graph.base_url,
        )
        entra = FakeEntraTransport(client_id=APP_ID, client_secret=APP_SECRET, token=graph.token)
        clock = FakeClock(NOW)
        app = create_app(
            settings, clock=clock, credentials_factory=FakeCredentialFactory(APP_ID), graph_token_transport=entra
        )
        async with TestClient(TestServer(app)) as client:
            bot = BotUnderTest(client=client, connector=connector, identity=identity, settings=settings)
            yield GraphProgramme(Programme(bot, clock), graph, entra)
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert errors == [], f"errors were logged: {errors}"


def members(request: GraphRequest) -> list[tuple[str, list[str]]]:
    """The (user binding, roles) of each member a POST /chats asked for."""
    return [(m["user@odata.bind"], m["roles"]) for m in request.body["members"]]


def bound(person: Person) -> str:
    return f"{GRAPH_USERS}('{person.id}')"


def only_chat_for(world: GraphProgramme, mentor: Person, mentee: Person) -> str:
    found = [chat_id for chat_id, chat in world.graph.chats.items() if set(chat.members) == {mentor.id, mentee.id}]
    assert len(found) == 1, f"expected one chat for {mentor.name} and {mentee.name}, found {found}"
    return found[0]


async def press_in_chat(
    programme: Programme, person: Person, chat_id: str, action: Mapping[str, Any]
) -> dict[str, Any]:
    """An Action.Execute pressed on a card in a group chat; returns the invoke's answer."""
    activity = activities.card_action(
        action["verb"], action.get("data"), service_url=programme.bot.service_url, person=person.id
    )
    activity["conversation"] = {
        "id": chat_id,
        "conversationType": "groupChat",
        "isGroup": True,
        "tenantId": activities.TENANT,
    }
    response = await programme.bot.post(activity)
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return answer


async def test_published_pairs_get_one_chat_each_and_the_directory_keeps_managers_apart(
    world: GraphProgramme,
) -> None:
    programme, graph = world.programme, world.graph
    # Wren chose Bram's topics and times, Zadie Fenella's: without the directory those would be the pairs (as in
    # test_matching_http, with the same people).
    people = (
        (MENTOR_ZADIE, ZADIE_ANSWERS),
        (MENTOR_WREN, WREN_ANSWERS),
        (MENTEE_BRAM, BRAM_ANSWERS),
        (MENTEE_FENELLA, FENELLA_ANSWERS),
    )
    cohort_id = await cohort_to_match(programme, people)
    # The directory learns, after everyone signed up, that Wren manages Bram; neither of them said so. Its address
    # for her is in capitals, which must still be recognised as hers.
    graph.add_user(MENTOR_WREN.id, mail=MENTOR_WREN.email.upper(), user_principal_name=MENTOR_WREN.email)
    graph.set_manager(MENTEE_BRAM.id, MENTOR_WREN.id)
    assert (await application_of(programme, MENTEE_BRAM)).profile.line_manager_email == "tolle.chief@nhs.net"
    assert (await application_of(programme, MENTOR_WREN)).profile.line_manager_email == "wren.lead@nhs.net"
    asked_before = len(graph.requests_to("GET", f"/users/{MENTEE_BRAM.id}/manager"))

    review = only_card(await programme.say(COORDINATOR_CARYS, "match"))

    assert len(graph.requests_to("GET", f"/users/{MENTEE_BRAM.id}/manager")) > asked_before
    assert await named_pairs(programme, cohort_id) == {
        (MENTOR_ZADIE.name, MENTEE_BRAM.name),
        (MENTOR_WREN.name, MENTEE_FENELLA.name),
    }
    assert f"{MENTOR_WREN.name} — {MENTEE_BRAM.name}" not in card_text(review)
    # Nothing is made in Teams before publishing.
    assert graph.requests_to("POST", "/chats") == []

    asking = only_card(await programme.say(COORDINATOR_CARYS, "publish"))
    await programme.press(COORDINATOR_CARYS, button(asking, "Publish and introduce"))
    assert graph.requests_to("POST", "/chats") == []
    report = await programme.sweep()
    # Four introductions in 1:1 chats, and a chat with its introduction for each pair.
    assert (report.done, report.retrying, report.dead) == (6, 0, 0)

    creations = graph.requests_to("POST", "/chats")
    assert [r.status for r in creations] == [201, 201]
    assert sorted(sorted(members(r)) for r in creations) == sorted(
        [
            sorted([(bound(MENTOR_ZADIE), ["owner"]), (bound(MENTEE_BRAM), ["owner"])]),
            sorted([(bound(MENTOR_WREN), ["owner"]), (bound(MENTEE_FENELLA), ["owner"])]),
        ]
    )
    assert {(r.body["chatType"], r.body["topic"]) for r in creations} == {("group", f"Reverse mentoring: {CARD_TITLE}")}
    stored = {p.mentee_application: p.chat_id for p in await pairs(programme, cohort_id)}
    for mentor, mentee in ((MENTOR_ZADIE, MENTEE_BRAM), (MENTOR_WREN, MENTEE_FENELLA)):
        chat_id = only_chat_for(world, mentor, mentee)
        assert stored[(await application_of(programme, mentee)).id] == chat_id
        [install] = graph.requests_to("POST", f"/chats/{chat_id}/installedApps")
        assert (install.status, install.body) == (
            201,
            {"teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{CATALOG_APP_ID}"},
        )
        assert graph.chats[chat_id].installed_apps == {CATALOG_APP_ID}
        # The introduction went to the new chat itself, once.
        [posted] = programme.bot.connector.delivered_to(chat_id)
        [card] = posted.cards
        assert text_blocks(card)[0] == f"Welcome, {mentor.name} and {mentee.name}"
        assert button(card, "Book our first meeting")["type"] == "Action.OpenUrl"
        # The agreement is private to each of them: the chat card only points to the 1:1 chat, and even a forged
        # agreement button pressed in the shared chat does not show it there.
        assert [a["title"] for a in card_actions(card)] == ["Book our first meeting"]
        assert "type **agreement** in your own chat with me" in card_text(card)
        pair_id = next(p.id for p in await pairs(programme, cohort_id) if p.chat_id == chat_id)
        agree = {"type": "Action.Execute", "verb": "agreement", "data": {"action": "agreement", "pair": pair_id}}
        pressed = await press_in_chat(programme, mentee, chat_id, agree)
        assert (pressed["type"], pressed["value"]) == (MESSAGE_REPLY, PERSONAL_ONLY)
        assert len(programme.bot.connector.delivered_to(chat_id)) == 1
    # Every Graph request carried the token Entra (the fake) granted to the bot's own registration.
    assert {r.headers.get("authorization") for r in graph.requests} == {f"Bearer {graph.token}"}
    assert world.entra.requests
    assert {r.form["client_id"] for r in world.entra.requests} == {APP_ID}

    # Sweeping again makes nothing more.
    assert (await programme.sweep()).claimed == 0
    assert len(graph.requests_to("POST", "/chats")) == 2
    assert len(graph.chats) == 2


async def test_a_throttled_chat_is_made_by_a_later_sweep_and_only_once(world: GraphProgramme) -> None:
    programme, graph = world.programme, world.graph
    cohort_id = await cohort_to_match(programme, ONE_PAIR)
    only_card(await programme.say(COORDINATOR_CARYS, "match"))
    asking = only_card(await programme.say(COORDINATOR_CARYS, "publish"))
    await programme.press(COORDINATOR_CARYS, button(asking, "Publish and introduce"))
    graph.fail_next(Fault.throttled(retry_after=60), method="POST", path="/chats")

    first = await programme.sweep()
    # The two introductions in 1:1 chats go; the chat waits for Graph.
    assert (first.done, first.retrying, first.dead) == (2, 1, 0)
    assert [r.status for r in graph.requests_to("POST", "/chats")] == [429]
    assert graph.chats == {}
    [pair] = await pairs(programme, cohort_id)
    assert pair.chat_id is None

    # Not before Graph said.
    programme.clock.advance(timedelta(seconds=30))
    assert (await programme.sweep()).claimed == 0
    programme.clock.advance(timedelta(seconds=31))
    later = await programme.sweep()
    assert (later.done, later.retrying, later.dead) == (1, 0, 0)
    assert [r.status for r in graph.requests_to("POST", "/chats")] == [429, 201]
    chat_id = only_chat_for(world, MENTOR_ZADIE, MENTEE_BRAM)
    assert len(graph.chats) == 1
    [pair] = await pairs(programme, cohort_id)
    assert pair.chat_id == chat_id
    assert len(graph.requests_to("POST", f"/chats/{chat_id}/installedApps")) == 1
    [posted] = programme.bot.connector.delivered_to(chat_id)
    assert text_blocks(posted.cards[0])[0] == f"Welcome, {MENTOR_ZADIE.name} and {MENTEE_BRAM.name}"

    programme.clock.advance(timedelta(hours=1))
    assert (await programme.sweep()).claimed == 0
    assert len(graph.requests_to("POST", "/chats")) == 2
