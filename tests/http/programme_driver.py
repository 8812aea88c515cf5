"""Driving the programme through the real adapter: people who type, click cards and read what comes back.

Every request goes through ``/api/messages`` with a locally minted token, exactly as Teams would send it, and every
reply is read from the fake Bot Connector. The bot answers a message within the request (replies are posted to the
connector before the 200), so what arrived between sending a request and its answer is that turn's reply.

Time is a :class:`FakeClock` standing at a fixed weekday morning, so dates in rules and cards are the same on any
day the tests run. The sweeper runs once at start-up and then only when a test calls :meth:`Programme.sweep`, so a
test can say exactly which proactive messages were sent, and that nothing was sent twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect, select, text

from bot.app import RUNTIME, Runtime
from bot.dispatcher import SOMETHING_WENT_WRONG
from programme.applications import Application
from programme.cohorts import Cohort
from programme.identity import PersonId
from programme.sweeper import SweepReport
from storage.application_store import SqlApplicationStore
from storage.cohort_store import SqlCohortStore
from storage.tables import audit_log, bot_state
from tests.http.conftest import COORDINATOR, MENTEE, MENTOR, BotUnderTest
from tests.support import activities, cohort_form
from tests.support.card_reading import button, card_actions, card_text, inputs
from tests.support.fake_connector import SentActivity, teams_member
from tests.support.fakes import FakeClock
from tests.support.sign_up_answers import Answers

# A Monday, 10:00 in London: inside any working hours, and far from a change of day or of clocks.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
CARD_REPLY = "application/vnd.microsoft.card.adaptive"
MESSAGE_REPLY = "application/vnd.microsoft.activity.message"
ERROR_REPLY = "application/vnd.microsoft.error"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    # The address Teams holds for them, which sign-up offers as their work email.
    email: str

    @property
    def chat(self) -> str:
        """Their 1:1 chat with the bot, as the test activities and the fake connector name it."""
        return f"a:personal-{self.id}"

    @property
    def member_id(self) -> str:
        """Their id in the chat, as the test activities send it in ``from``."""
        return f"29:{self.id}"


COORDINATOR_CARYS = Person(COORDINATOR, "Carys Okonkwo-Lindqvist", "carys.okonkwo-lindqvist@nhs.net")
MENTOR_ZADIE = Person(MENTOR, "Zadie Quillfeather", "zadie.quillfeather@nhs.net")
MENTEE_BRAM = Person(MENTEE, "Bram Tollemarsh", "bram.tollemarsh@nhs.net")
# Not in the fake connector's member list: looking them up in Teams finds nothing.
OUTSIDER = Person("d0000000-0000-4000-8000-000000000004", "Odile Varnsworth", "odile.varnsworth@nhs.net")
KNOWN_TO_TEAMS = (COORDINATOR_CARYS, MENTOR_ZADIE, MENTEE_BRAM)

# A valid new-cohort form as Teams sends it, with dates that suit NOW: sign-ups close at the end of the month.
COHORT_FORM: dict[str, str] = {
    **cohort_form.COHORT_FORM,
    "signup_closes": "2026-03-31",
    "starts_on": "2026-04-20",
    "ends_on": "2026-10-30",
    "training_1": "2026-04-08",
    "training_3": "",
}


# Distinctive words, so a scan of the database cannot mistake something else for them.
ZADIE_ANSWERS = Answers(
    role="mentor",
    job_title="Quillwright Staff Nurse",
    band="band-5",
    directorate="Quillmere Mental Health",
    site="Quillford General",
    work_email=MENTOR_ZADIE.email,
    line_manager_email="quill.manager@nhs.net",
    topics="career-progression,microaggressions",
    availability="mon-am,thu-pm",
    meeting_preference="teams",
    experience_note="Twelve years on Quillward, happy to talk about progression",
    bio="Night-shift veteran who loves Quillbakes",
    avoid_emails="quill.rival@nhs.net\nquill.cousin@nhs.net",
)
BRAM_ANSWERS = Answers(
    role="mentee",
    job_title="Tollemarsh Director of Estates",
    band="board",
    directorate="Tollemarsh Estates",
    site="Tollebridge House",
    work_email=MENTEE_BRAM.email,
    line_manager_email="tolle.chief@nhs.net",
    topics="belonging,allyship",
    availability="tue-am,fri-pm",
    meeting_preference="either",
    experience_note="Hoping to hear about Tollewing experiences",
    bio="New to the Tolleboard this year",
)


# Reading cards ----------------------------------------------------------------------------------------------------


def form_token(card: Mapping[str, Any]) -> str:
    """The sign-up form token every button on a sign-up card carries."""
    tokens = {str(a["data"]["form"]) for a in card_actions(card) if isinstance(a.get("data"), Mapping)}
    assert len(tokens) == 1, f"a sign-up card carries one form token, found {tokens}"
    return tokens.pop()


def only_card(sent: list[SentActivity]) -> dict[str, Any]:
    cards = [card for activity in sent for card in activity.cards]
    assert len(cards) == 1, f"expected one card, got {len(cards)} (texts: {[a.text for a in sent]})"
    return cards[0]


def only_text(sent: list[SentActivity]) -> str:
    assert len(sent) == 1, f"expected one reply, got {len(sent)}"
    assert sent[0].text is not None, f"expected text, got {sent[0].body}"
    assert not sent[0].cards
    return sent[0].text


# The driver -------------------------------------------------------------------------------------------------------


@dataclass
class Programme:
    bot: BotUnderTest
    clock: FakeClock

    def __post_init__(self) -> None:
        # Teams knows everyone in their own 1:1 chat with the bot, so it can be asked for their email.
        for person in KNOWN_TO_TEAMS:
            self.bot.connector.add_member(
                person.chat,
                teams_member(person.member_id, person.name, person.id, person.email, activities.TENANT),
            )

    @property
    def runtime(self) -> Runtime:
        return self.bot.client.app[RUNTIME]

    @property
    def sent(self) -> list[SentActivity]:
        return self.bot.connector.sent

    # Talking to the bot -------------------------------------------------------------------------------------------

    async def say(self, person: Person, typed: str, *, value: Any = None) -> list[SentActivity]:
        """A message in the person's 1:1 chat; returns what the bot sent back in that turn."""
        activity = activities.message(typed, service_url=self.bot.service_url, person=person.id, value=value)
        return await self._turn(person, activity)

    async def submit(self, person: Person, value: Mapping[str, Any]) -> list[SentActivity]:
        """An Action.Submit from a card in the 1:1 chat: a message with the card's data as its value, no text."""
        return await self.say(person, "", value=dict(value))

    async def mention(self, person: Person, typed: str) -> list[SentActivity]:
        """An @mention of the bot in a group chat."""
        activity = activities.mention_message(typed, service_url=self.bot.service_url, person=person.id)
        return await self._turn(person, activity)

    async def click(self, person: Person, verb: object, data: object = None) -> dict[str, Any]:
        """An Action.Execute (``adaptiveCard/action`` invoke) in the 1:1 chat; returns the invoke's answer."""
        activity = activities.card_action(verb, data, service_url=self.bot.service_url, person=person.id)
        activity["from"]["name"] = person.name
        response = await self.bot.post(activity)
        raw = await response.text()
        assert response.status == 200, f"HTTP {response.status}: {raw}"
        answer: dict[str, Any] = json.loads(raw)
        assert answer.get("statusCode") != 500, answer
        return answer

    async def press(self, person: Person, action: Mapping[str, Any], **typed: str) -> dict[str, Any]:
        """Click an Action.Execute button taken from a card, with anything typed into the card's inputs."""
        assert action["type"] == "Action.Execute", action
        return await self.click(person, action["verb"], {**(action.get("data") or {}), **typed})

    async def meet(self, *people: Person) -> None:
        """A first message from each person, so later replies are not preceded by the welcome card (someone who
        has only clicked a card button so far is already known, and is not welcomed)."""
        for person in people:
            replies = await self.say(person, "about")
            assert "About reverse mentoring" in card_text(replies[-1].cards[0])

    async def _turn(self, person: Person, activity: dict[str, Any]) -> list[SentActivity]:
        activity["from"]["name"] = person.name
        before = len(self.sent)
        response = await self.bot.post(activity)
        assert response.status == 200, f"HTTP {response.status}: {await response.text()}"
        replies = self.sent[before:]
        for reply in replies:
            assert SOMETHING_WENT_WRONG not in json.dumps(reply.body), "the turn failed"
            assert "Traceback" not in json.dumps(reply.body)
        return replies

    def texts_to(self, person: Person) -> list[str]:
        """The text messages (cards aside) that have reached the person's 1:1 chat, oldest first."""
        return [a.text for a in self.bot.connector.delivered_to(person.chat) if a.text]

    # Coordinator shortcuts ----------------------------------------------------------------------------------------

    async def create_cohort(self, **changes: str) -> int:
        answer = await self.click(COORDINATOR_CARYS, "cohort.create", {**COHORT_FORM, **changes})
        assert answer["type"] == CARD_REPLY, answer
        assert "Cohort created" in card_text(answer["value"]), card_text(answer["value"])
        opening = button(answer["value"], "Open sign-ups now")
        cohort_id = opening["data"]["cohort"]
        assert isinstance(cohort_id, int)
        return cohort_id

    async def open_cohort(self, **changes: str) -> int:
        cohort_id = await self.create_cohort(**changes)
        answer = await self.click(COORDINATOR_CARYS, "cohort.open", {"cohort": cohort_id})
        assert "now open for sign-ups" in card_text(answer["value"])
        return cohort_id

    async def sign_up(self, person: Person, answers: Answers, *, cohort: int | None = None) -> dict[str, Any]:
        """The whole sign-up with these answers (choosing ``cohort`` when more than one is open); returns the
        confirmation card."""
        first = only_card(await self.say(person, "join"))
        form = form_token(first)
        if cohort is None:
            consent = first
        else:
            assert "Which cohort would you like to join?" in card_text(first)
            consent = only_card(
                await self.submit(person, {"action": "signup.cohort", "form": form, "cohort": str(cohort)})
            )
        assert "Before you sign up" in card_text(consent)
        about = only_card(
            await self.submit(
                person, {"action": "signup.consent", "form": form, "consent": "true", "ground_rules": "true"}
            )
        )
        assert "About you" in card_text(about)
        # Their email as Teams knows it is already filled in; what they send is what they chose to keep or type.
        prefilled = inputs(about)["work_email"].get("value")
        assert prefilled == (person.email if person in KNOWN_TO_TEAMS else None)
        interests = only_card(await self.submit(person, {"action": "signup.about", "form": form, **answers.about()}))
        assert "What you'd like to talk about" in card_text(interests)
        review = only_card(
            await self.submit(person, {"action": "signup.interests", "form": form, **answers.interests()})
        )
        assert "Check your answers" in card_text(review)
        received = only_card(await self.submit(person, {"action": "signup.confirm", "form": form}))
        assert "your application is in" in card_text(received)
        return received

    # Time and proactive messages ---------------------------------------------------------------------------------

    async def sweep(self) -> SweepReport:
        """One sweep of the work queue, as the scheduler would run it; returns when nothing due is left."""
        return await self.runtime.sweeper.sweep_until_idle()

    # Reading the database -----------------------------------------------------------------------------------------

    async def applications(self, person: Person) -> list[Application]:
        return list(await SqlApplicationStore(self.runtime.database).for_person(PersonId(person.id)))

    async def cohort(self, cohort_id: int) -> Cohort:
        found = await SqlCohortStore(self.runtime.database).get(cohort_id)
        assert found is not None
        return found

    async def cohorts(self) -> list[Cohort]:
        return list(await SqlCohortStore(self.runtime.database).listing())

    async def audit(self) -> list[tuple[str, str, str, str | None]]:
        """Every audit entry, oldest first: (actor, action, outcome, target)."""
        query = select(audit_log.c.actor_id, audit_log.c.action, audit_log.c.outcome, audit_log.c.target).order_by(
            audit_log.c.id
        )
        async with self.runtime.database.engine.connect() as connection:
            return [(a, b, c, d) for a, b, c, d in (await connection.execute(query)).all()]

    async def conversation_state(self, person: Person) -> str | None:
        """The stored bot state document of the person's 1:1 chat, as the database holds it."""
        key = f"msteams/conversations/{person.chat}"
        query = select(bot_state.c.document).where(bot_state.c.key == key)
        async with self.runtime.database.engine.connect() as connection:
            document: str | None = (await connection.execute(query)).scalar()
        return document

    async def find_anywhere(self, needles: list[str]) -> list[tuple[str, str, str]]:
        """Every (table, column, needle) where a needle appears, case-insensitively, in any value of any column of
        any table in the database, whatever its type (JSON is read as the text it is stored as)."""
        engine = self.runtime.database.engine
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            hits: list[tuple[str, str, str]] = []
            for table in tables:
                # Table names come from the database's own catalogue, not from input.
                result = await connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
                columns = list(result.keys())
                for row in result.all():
                    for column, value in zip(columns, row, strict=True):
                        shown = (value if isinstance(value, str) else json.dumps(value, default=str)).lower()
                        hits += [(table, column, n) for n in needles if n.lower() in shown]
        return hits
