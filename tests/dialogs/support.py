"""A programme with in-memory stores, and one person's 1:1 chat with the bot driven through botbuilder's
TestAdapter, for the dialog tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import BotAdapter, ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogInstance, DialogState
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from botbuilder.schema.teams import TeamsChannelAccount

from dialogs.host import DialogHost
from dialogs.signup import SIGNUP_DIALOG_ID, SignUpDialog
from programme.cohorts import Cohort, CohortState
from programme.identity import PersonId
from programme.profiles import Availability, Topic
from programme.signup import SignUp
from tests.programme.builders import TODAY, cohort_plan, mentor_profile
from tests.support.fakes import FakeClock
from tests.support.programme_fakes import InMemoryApplicationStore, InMemoryCohortStore, InMemoryParticipantStore

ORGANISATION = "Contoso NHS Foundation Trust"
ZONE = ZoneInfo("Europe/London")
TENANT = "8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6"
PERSON = "a0000000-0000-4000-8000-000000000001"
COORDINATOR = PersonId("c0000000-0000-4000-8000-000000000009")

# What a mentor types, as the card sends it: every input a string, multi-selects comma-separated.
MENTOR_ABOUT = {
    "role": "mentor",
    "job_title": "Staff Nurse",
    "band": "band-5",
    "directorate": "Adult Mental Health",
    "site": "Kingsway",
    "work_email": "Staff.Nurse@NHS.net",
    "line_manager_email": "Ward.Manager@nhs.net",
}
MENTOR_INTERESTS = {
    "topics": "career-progression,microaggressions",
    "experience_note": "Happy to talk about progression.",
    "availability": "tue-pm,mon-am",
    "meeting_preference": "teams",
    "bio": "Nurse for ten years; I love my team.",
    "avoid_emails": "",
}
# What those answers become once read and tidied: the emails lower-cased, the half-days in the week's order. The
# band, the emails and the meeting preference typed above are the builder's own.
MENTOR_PROFILE = mentor_profile(
    job_title="Staff Nurse",
    directorate="Adult Mental Health",
    site="Kingsway",
    topics=(Topic.CAREER_PROGRESSION, Topic.MICROAGGRESSIONS),
    availability=(Availability.MON_AM, Availability.TUE_PM),
    experience_note="Happy to talk about progression.",
    bio="Nurse for ten years; I love my team.",
)


class FakeDirectory:
    def __init__(self, managers: dict[PersonId, str] | None = None) -> None:
        self.managers = dict(managers or {})

    async def manager_email(self, person: PersonId) -> str | None:
        return self.managers.get(person)


class TeamsUnavailable(Exception):
    """What a failed member lookup raises here; the dialog must carry on whatever the failure is."""


@dataclass
class FakeTeamsMembers:
    """Stands in for the connector client's member lookup, the one call ``TeamsInfo.get_member`` makes, so the
    dialog's pre-fill can be tested without a Bot Connector. botbuilder's TestAdapter has no connector client at
    all, so without this every lookup fails, as it would against a connector that cannot answer."""

    members: dict[str, TeamsChannelAccount] = field(default_factory=dict)
    lookups: list[tuple[str, str]] = field(default_factory=list)
    failing: bool = False

    @property
    def conversations(self) -> FakeTeamsMembers:
        return self

    async def get_conversation_member(self, conversation_id: str, member_id: str) -> TeamsChannelAccount:
        self.lookups.append((conversation_id, member_id))
        if self.failing or member_id not in self.members:
            raise TeamsUnavailable(f"no member {member_id} in {conversation_id}")
        return self.members[member_id]


@dataclass
class Programme:
    clock: FakeClock = field(default_factory=FakeClock)
    cohorts: InMemoryCohortStore = field(default_factory=InMemoryCohortStore)
    applications: InMemoryApplicationStore = field(default_factory=InMemoryApplicationStore)
    participants: InMemoryParticipantStore = field(default_factory=InMemoryParticipantStore)
    directory: FakeDirectory = field(default_factory=FakeDirectory)

    def signup(self) -> SignUp:
        return SignUp(self.cohorts, self.applications, self.participants, self.directory, self.clock, ZONE)

    async def open_cohort(self, name: str = "Spring 2025", *, closes: date = date(2025, 3, 31)) -> Cohort:
        plan = cohort_plan(TODAY, name=name, signup_closes=closes)
        draft = await self.cohorts.add(plan, COORDINATOR, self.clock.now())
        opened = await self.cohorts.move(draft.id, CohortState.DRAFT, CohortState.RECRUITING, self.clock.now())
        assert opened is not None
        return opened


class Chat:
    """One person's 1:1 chat. Every turn rebuilds the host and dialogs and reads state back from storage, as a
    restarted service (or another replica) would; after every turn the stored state is checked to be plain JSON."""

    def __init__(self, programme: Programme, person: str = PERSON, signup: SignUp | None = None) -> None:
        self.programme = programme
        self.person = person
        self._signup = signup or programme.signup()
        self.storage = MemoryStorage()
        self.adapter = TestAdapter(
            self._on_turn,
            Activity(
                channel_id="msteams",
                service_url="https://smba.trafficmanager.net/emea/",
                from_property=ChannelAccount(id=f"29:{person}", name="Ada Lovelace", aad_object_id=person),
                recipient=ChannelAccount(id="28:bot", name="ReMEDI bot"),
                conversation=ConversationAccount(id=f"a:personal-{person}", conversation_type="personal"),
                channel_data={"tenant": {"id": TENANT}},
            ),
        )
        self._begin: Any = None
        # Set it to let the dialog look people up in "Teams"; left as None, lookups fail as on the TestAdapter.
        self.teams: FakeTeamsMembers | None = None
        self.handled: bool | None = None
        self.card: dict[str, Any] | None = None
        self.form: str | None = None

    def host(self, state: ConversationState) -> DialogHost:
        return DialogHost(state, [SignUpDialog(self._signup, ORGANISATION, self.programme.clock)])

    async def _on_turn(self, turn: TurnContext) -> None:
        if self.teams is not None:
            turn.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY] = self.teams
        state = ConversationState(self.storage)
        host = self.host(state)
        if self._begin is not None:
            options, self._begin = self._begin, None
            await host.begin(turn, SIGNUP_DIALOG_ID, options)
        else:
            self.handled = await host.continue_active(turn)
        await state.save_changes(turn)

    async def begin(self, mode: str = "join") -> list[Activity]:
        return await self.begin_with(
            {"mode": mode, "tenant": TENANT, "person": self.person, "display_name": "Ada Lovelace"}
        )

    async def begin_with(self, options: Any) -> list[Activity]:
        """Start the sign-up on this turn, as the bot does for 'join' or 'profile'."""
        self._begin = options
        return await self._turn(Activity(type=ActivityTypes.message, text="join"))

    async def say(self, text: str) -> list[Activity]:
        return await self._turn(Activity(type=ActivityTypes.message, text=text))

    async def click(
        self, action: str, inputs: dict[str, Any] | None = None, *, form: str | None = None
    ) -> list[Activity]:
        value = {"action": action, "form": form if form is not None else self.form, **(inputs or {})}
        return await self._turn(Activity(type=ActivityTypes.message, value=value))

    async def active(self) -> bool:
        found: list[bool] = []

        async def look(turn: TurnContext) -> None:
            found.append(await self.host(ConversationState(self.storage)).active(turn))

        await self.adapter.process_activity(Activity(type=ActivityTypes.event, name="look"), look)
        return found[0]

    async def _turn(self, activity: Activity) -> list[Activity]:
        self.adapter.activity_buffer.clear()
        await self.adapter.receive_activity(activity)
        replies = list(self.adapter.activity_buffer)
        self.adapter.activity_buffer.clear()
        for reply in replies:
            if reply.attachments:
                self.card = reply.attachments[0].content
                forms = [a["data"]["form"] for a in submits(self.card) if "form" in a["data"]]
                if forms:
                    self.form = forms[0]
        assert_plain(self.storage.memory)
        return replies


def texts(replies: list[Activity]) -> list[str]:
    return [reply.text for reply in replies if reply.text]


def cards(replies: list[Activity]) -> list[dict[str, Any]]:
    return [reply.attachments[0].content for reply in replies if reply.attachments]


def only_card(replies: list[Activity]) -> dict[str, Any]:
    assert texts(replies) == []
    found = cards(replies)
    assert len(found) == 1
    return found[0]


def elements(node: Any) -> list[dict[str, Any]]:
    """Every element and action in a card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found += elements(value)
    elif isinstance(node, list):
        for item in node:
            found += elements(item)
    return found


def submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in elements(card) if e["type"] == "Action.Submit"]


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in elements(card) if e["type"].startswith("Input.")}


def card_text(card: dict[str, Any]) -> str:
    """What a person reads on the card: text, facts, input labels, toggle titles and choices."""
    parts: list[str] = []
    for element in elements(card):
        kind = element["type"]
        if kind == "TextBlock":
            parts.append(element["text"])
        elif kind == "FactSet":
            parts += [f"{fact['title']}: {fact['value']}" for fact in element["facts"]]
        elif kind.startswith("Input."):
            parts += [element.get("label", ""), element.get("title", "")]
            parts += [choice["title"] for choice in element.get("choices", [])]
    return "\n".join(part for part in parts if part)


def plain(node: Any) -> Any:
    """The stored state as JSON values, failing on anything else. botbuilder's own stack containers are unwrapped
    (its storages serialise them); everything inside them must already be plain: str, int, float, bool, None,
    lists and dicts with string keys. A StrEnum or a dataclass fails here even though json.dumps might accept it."""
    if isinstance(node, DialogState):
        return {"dialog_stack": [plain(instance) for instance in node.dialog_stack]}
    if isinstance(node, DialogInstance):
        return {"id": plain(node.id), "state": plain(node.state)}
    if type(node) is dict:
        assert all(type(key) is str for key in node), f"non-string key in {node!r}"
        return {key: plain(value) for key, value in node.items()}
    if type(node) is list:
        return [plain(item) for item in node]
    assert node is None or type(node) in (str, int, float, bool), f"{type(node).__name__} in dialog state: {node!r}"
    return node


def assert_plain(memory: dict[str, Any]) -> None:
    for document in memory.values():
        plain(document)
