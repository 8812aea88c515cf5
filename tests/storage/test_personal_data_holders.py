"""Subject access and erasure over the SQL stores: what each holder exports, and that erasure leaves nothing
personal behind in any table, while anonymous counts and accountability records stay."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from sqlalchemy import JSON, String, Text, select

from programme.applications import Application, ApplicationState
from programme.attendance import Outcome
from programme.audit import AuditEntry
from programme.calendar import Interval
from programme.contracts import Agreement
from programme.coordinators import RosterEntry
from programme.identity import PersonId
from programme.meetings import MeetingState, NewMeeting
from programme.pairs import NewPair
from programme.personal_data import ERASED, PersonalData, PersonalDataHolder
from programme.profiles import Role
from programme.prompts import PromptKind
from programme.reflections import Feeling, NewReflection, Occasion, ReflectionText
from programme.survey_questions import SurveyKind
from programme.surveys import SurveyResponse, new_pseudonym
from programme.work import NewWork
from storage.application_store import SqlApplicationStore
from storage.attendance_store import SqlAttendanceStore
from storage.audit_log import SqlAuditLog
from storage.bot_state import SqlBotStateStorage
from storage.cohort_store import SqlCohortStore
from storage.contact_book import SqlContactBook
from storage.contract_store import SqlContractStore
from storage.coordinator_roster import SqlCoordinatorRoster
from storage.database import Database
from storage.meeting_store import SqlMeetingStore
from storage.pair_store import SqlPairStore
from storage.participant_store import SqlParticipantStore
from storage.personal_data_holders import conversation_state_key, sql_holders
from storage.prompt_store import SqlPromptStore
from storage.reflection_store import SqlReflectionStore
from storage.survey_store import SqlSurveyLinks, SqlSurveyStore
from storage.tables import meetings, metadata
from storage.work_queue import SqlWorkQueue
from tests.storage.conftest import FixedClock
from tests.storage.test_programme_stores import BEN, COORDINATOR, NOW, TENANT, new_application, plan, profile
from tests.support.databases import migrated_database

AMARA = PersonId("8d3e1f6a-0b2c-4e9d-a7f5-3c1b9e2d4a60")
AMARA_NAME = "Amara Okonkwo-Lindqvist"
AMARA_CHAT = "a:1Xq9amara-personal-chat"
BEN_CHAT = "a:1Xq9ben-personal-chat"
# Free text only Amara wrote, each distinctive enough that finding it anywhere after erasure is a leak.
AMARA_ANSWERS = {
    "job_title": "Lead pharmacist, paediatric oncology",
    "directorate": "Women's and children's services",
    "work_email": "amara.okonkwo-lindqvist@nhs.net",
    "line_manager_email": "tobi.adeyemi@nhs.net",
    "experience_note": "Passed over for the acting-up role twice after returning from maternity leave.",
    "bio": "Amara, pharmacist, Lagos-trained, Leeds-based.",
}
# Colleagues she would rather not be paired with: her answer, so hers to see and to have erased.
AMARA_AVOIDS = ("kwame.mensah-ostrowski@nhs.net", "ines.vasquez-holm@nhs.net")
REASON = "Her manager said the timing clashes with her appraisal."
DRAFT = "half-typed introduction about my sister's care"
AMARA_NEEDLES = (AMARA.value, AMARA_NAME, AMARA_CHAT, REASON, DRAFT, *AMARA_ANSWERS.values(), *AMARA_AVOIDS)
# What her pair with Ben holds, written by the matching, a coordinator and the two of them: it names her or her
# workplace, so it goes with her although half of the pair stays (see PairsHolder and ContractsHolder).
PAIR_REASONS = ("Both work at the Hartwell Wing, Leeds General Infirmary.", "Both free on Tuesday mornings.")
OVERRIDE = "She asked for a mentor from outside pharmacy."
GOALS = ("See how rota decisions decide who gets protected training time.",)
HOW_WE_WORK = "Fortnightly on Teams; Amara would rather keep her camera off."
PAIR_CHAT = "19:amara-and-ben-pair@thread.v2"
# Their meetings: sessions 1 (booked, Amara chose), 2 (on offer) and 3 (being booked, Ben chose). The join link and
# the .ics links let anyone who has them into the meeting, so they go; the event id is the programme mailbox's.
EVENT_ID = "AAMkAGI2-programme-mailbox-event-1"
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_amara-and-ben@thread.v2/0"
ICS_TOKENS = ("amara-ben-session-1-ics-token", "amara-ben-session-2-ics-token", "amara-ben-session-3-ics-token")
FIRST_MEETING = Interval(NOW + timedelta(days=14, hours=2), NOW + timedelta(days=14, hours=3))
THIRD_MEETING = Interval(NOW + timedelta(days=70), NOW + timedelta(days=70, hours=1))
ON_OFFER = (
    Interval(NOW + timedelta(days=40), NOW + timedelta(days=40, hours=1)),
    Interval(NOW + timedelta(days=41, hours=4), NOW + timedelta(days=41, hours=5)),
)
MEETINGS_WINDOW = Interval(NOW + timedelta(days=10), NOW + timedelta(days=80))
# What Amara wrote in her private reflection on their first meeting.
AMARA_REFLECTION = (
    "Ben listened without trying to fix it, which almost nobody on the board does.",
    "Stop saying 'my door is always open' and go and sit with the pharmacy team instead.",
)
# What Amara wrote in her baseline survey, in her own words.
SURVEY_HOPE = "That someone on the board finally asks why Amara's team never gets acting-up roles."
ERASED_NEEDLES = (
    *AMARA_NEEDLES,
    *PAIR_REASONS,
    OVERRIDE,
    *GOALS,
    HOW_WE_WORK,
    PAIR_CHAT,
    JOIN_URL,
    *ICS_TOKENS,
    SURVEY_HOPE,
    *AMARA_REFLECTION,
)
# The one place a person's id may stay: entries they made as an actor (see AuditHolder).
KEPT_FOR_ACCOUNTABILITY = {("audit_log", "actor_id")}


@dataclass(frozen=True)
class World:
    cohort_id: int
    amara: Application
    ben: Application
    pair_id: int


def personal_chat(person: PersonId, name: str, conversation: str) -> TurnContext:
    activity = Activity(
        type=ActivityTypes.message,
        text="hello",
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        from_property=ChannelAccount(id=f"29:{conversation}", name=name, aad_object_id=person.value),
        recipient=ChannelAccount(id="28:remedi", name="ReMEDI"),
        conversation=ConversationAccount(id=conversation, conversation_type="personal", tenant_id=TENANT.value),
    )
    return TurnContext(TestAdapter(), activity)


async def meet(database: Database, clock: FixedClock, person: PersonId, name: str, chat: str, draft: str) -> None:
    """The person writes to the bot: their address is remembered (as the bot does) and a dialog keeps state."""
    context = personal_chat(person, name, chat)
    reference = TurnContext.get_conversation_reference(context.activity)
    reference.activity_id = None
    await SqlContactBook(database).remember(TENANT, person, reference.serialize(), NOW)
    state = ConversationState(SqlBotStateStorage(database, clock))
    await state.create_property("signup").set(context, {"draft": draft})
    await state.save_changes(context)


async def populate(database: Database, clock: FixedClock) -> World:
    await SqlCoordinatorRoster(database).add(RosterEntry(COORDINATOR, None, NOW - timedelta(days=30)))
    cohort = await SqlCohortStore(database).add(plan(), COORDINATOR, NOW - timedelta(days=7))
    store = SqlApplicationStore(database)
    application = new_application(cohort.id, AMARA, Role.MENTEE, AMARA_NAME)
    amara = await store.add(
        replace(application, profile=profile(Role.MENTEE, **AMARA_ANSWERS, avoid_emails=AMARA_AVOIDS)), NOW
    )
    ben = await store.add(new_application(cohort.id, BEN, Role.MENTOR, "Ben"), NOW + timedelta(minutes=1))
    assert amara is not None
    assert ben is not None
    participants = SqlParticipantStore(database)
    await participants.enrol(TENANT, AMARA, AMARA_NAME, NOW)
    await participants.set_pause(AMARA, date(2026, 2, 28), NOW)
    await participants.enrol(TENANT, BEN, "Ben", NOW)
    await meet(database, clock, AMARA, AMARA_NAME, AMARA_CHAT, DRAFT)
    await meet(database, clock, BEN, "Ben", BEN_CHAT, "Ben's draft")
    queue = SqlWorkQueue(database)
    for person, name in ((AMARA, AMARA_NAME), (BEN, "Ben")):
        await queue.enqueue(
            NewWork(
                kind="message",
                idempotency_key=f"welcome:{person.value}",
                tenant=TENANT,
                recipient=person,
                due_at=NOW + timedelta(hours=1),
                payload={"summary": "welcome", "text": f"Welcome, {name}!", "card": {"type": "AdaptiveCard"}},
            ),
            NOW,
        )
    log = SqlAuditLog(database)
    for entry in (
        AuditEntry(NOW, COORDINATOR, "application decide", "done", f"application {amara.id}", _reason("declined")),
        AuditEntry(NOW, COORDINATOR, "application decide", "done", f"application {ben.id}", _reason("approved", "ok")),
        AuditEntry(NOW, COORDINATOR, "coordinator add", "rejected: InvalidInput", AMARA.value),
        AuditEntry(NOW, COORDINATOR, "pair", "done", f"cohort {cohort.id}", {"mentee": AMARA.value, "mentor": "x"}),
        AuditEntry(NOW, AMARA, "cohort open", "refused: not a coordinator", f"cohort {cohort.id}"),
    ):
        await log.record(entry)
    pairs = SqlPairStore(database)
    pair = NewPair(cohort.id, ben.id, amara.id, BEN, AMARA, 8, PAIR_REASONS, by_hand=True, override=OVERRIDE)
    await pairs.add(pair, NOW)
    # A proposal of her with Ben that a coordinator took apart, before pairing them by hand after all.
    await pairs.remember_unpaired(cohort.id, ben.id, amara.id)
    (published,) = await pairs.publish(cohort.id, NOW + timedelta(days=1))
    await pairs.set_chat(published.id, PAIR_CHAT)
    contracts = SqlContractStore(database)
    written = await contracts.write(published.id, Agreement(GOALS, HOW_WE_WORK), 0, NOW + timedelta(days=8))
    assert written is not None
    await contracts.confirm(published.id, False, written.version, NOW + timedelta(days=9))
    await meet_three_times(database, published.id)
    await check_in(database, published.id)
    await answer_surveys(database, cohort.id)
    await reflect(database, published.id, cohort.id)
    return World(cohort.id, amara, ben, published.id)


async def meet_three_times(database: Database, pair_id: int) -> None:
    store = SqlMeetingStore(database)
    at = NOW + timedelta(days=10)
    for session, token in enumerate(ICS_TOKENS, start=1):
        slots = ON_OFFER if session == 2 else (FIRST_MEETING, THIRD_MEETING)
        assert await store.add(NewMeeting(pair_id, session, MEETINGS_WINDOW, slots, token), at) is not None
    first, _, third = await store.for_pairs([pair_id])
    chosen = await store.save(first.chosen(FIRST_MEETING, AMARA), first.version, at)
    assert chosen is not None
    assert await store.save(chosen.booked(EVENT_ID, JOIN_URL), chosen.version, at + timedelta(hours=1))
    assert await store.save(third.chosen(THIRD_MEETING, BEN), third.version, at + timedelta(hours=2))


async def reflect(database: Database, pair_id: int, cohort_id: int) -> None:
    """Amara reflected on the first meeting and once more about nothing in particular; Ben on the first meeting."""
    first, *_ = await SqlMeetingStore(database).for_pairs([pair_id])
    store = SqlReflectionStore(database)
    occasion = Occasion(first.id, pair_id, cohort_id, 1, FIRST_MEETING.start.date())
    learned, differently = AMARA_REFLECTION
    for new in (
        NewReflection(
            AMARA,
            f"meeting:{first.id}",
            occasion,
            ReflectionText(learned=learned, differently=differently, feeling=Feeling.UNSETTLED),
        ),
        NewReflection(AMARA, "general:amara-general", None, ReflectionText(notes="Tired this week.")),
        NewReflection(BEN, f"meeting:{first.id}", occasion, ReflectionText(learned="Ben's own reflection")),
    ):
        assert await store.add(new, NOW + timedelta(days=16)) is not None


async def answer_surveys(database: Database, cohort_id: int) -> None:
    """Both answer the baseline survey (Amara with a hope in her own words) and Amara the end survey."""
    store, links = SqlSurveyStore(database), SqlSurveyLinks(database)
    for who, role, kind, written in (
        (AMARA, Role.MENTEE, SurveyKind.BASELINE, {"hopes": SURVEY_HOPE}),
        (AMARA, Role.MENTEE, SurveyKind.END, {}),
        (BEN, Role.MENTOR, SurveyKind.BASELINE, {"hopes": "Ben's hope"}),
    ):
        pseudonym = await links.link(cohort_id, who, new_pseudonym())
        await store.save(
            SurveyResponse(
                cohort_id, kind, role, pseudonym, f"{role.value}-{kind.value}", 1, {"talk-about": 3}, written
            )
        )


async def check_in(database: Database, pair_id: int) -> None:
    """Both were asked "Did you meet?" about the first meeting; Amara answered that they met, Ben hasn't yet."""
    first, *_ = await SqlMeetingStore(database).for_pairs([pair_id])
    prompts, attendance = SqlPromptStore(database), SqlAttendanceStore(database)
    at = NOW + timedelta(days=15)
    for person in (AMARA, BEN):
        await prompts.record(person, PromptKind.DID_YOU_MEET, f"meeting:{first.id}", at)
    await prompts.answered(AMARA, PromptKind.DID_YOU_MEET, f"meeting:{first.id}", at + timedelta(hours=1))
    await attendance.record(first.id, AMARA, Outcome.MET, at + timedelta(hours=1))


def _reason(decision: str, reason: str = REASON) -> dict[str, str | int | bool | None]:
    return {"decision": decision, "reason": reason}


async def everything_stored(database: Database) -> dict[tuple[str, str], list[str]]:
    """Every text and JSON value in every table, as text, by (table, column)."""
    found: dict[tuple[str, str], list[str]] = {}
    async with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = (await connection.execute(select(table))).mappings().all()
            for column in table.columns:
                if isinstance(column.type, JSON):
                    found[(table.name, column.name)] = [json.dumps(row[column.name]) for row in rows]
                elif isinstance(column.type, String | Text):
                    found[(table.name, column.name)] = [row[column.name] or "" for row in rows]
    return found


def leaks(stored: dict[tuple[str, str], list[str]], needles: tuple[str, ...]) -> list[tuple[str, str, str]]:
    return [
        (table, column, needle)
        for (table, column), values in stored.items()
        if (table, column) not in KEPT_FOR_ACCOUNTABILITY
        for needle in needles
        # JSON escapes non-ASCII and quotes, so compare against both spellings.
        if any(needle in value or json.dumps(needle)[1:-1] in value for value in values)
    ]


# Export -----------------------------------------------------------------------------------------------------------


async def test_export_gathers_every_section(database: Database, clock: FixedClock) -> None:
    await populate(database, clock)

    report = await PersonalData(sql_holders(database), clock).export(AMARA)

    sections = report.sections
    assert set(sections) == {
        "audit",
        "applications",
        "participation",
        "conversation",
        "contact",
        "messages",
        "coordinator role",
        "pairs",
        "contracts",
        "meetings",
        "prompts",
        "attendance",
        "surveys",
        "reflections",
    }
    json.dumps(report.as_json())  # everything is JSON-ready
    assert sections["coordinator role"] is None


async def test_export_of_applications(database: Database, clock: FixedClock) -> None:
    world = await populate(database, clock)

    (exported,) = await sql_holders_by_section(database)["applications"].export(AMARA)

    assert exported == {
        "id": world.amara.id,
        "cohort": {"id": world.cohort_id, "name": plan().name},
        "tenant": TENANT.value,
        "display_name": AMARA_NAME,
        "role": "mentee",
        "answers": {
            **AMARA_ANSWERS,
            "band": "band-5",
            "site": "City Hospital",
            "topics": ["speaking-up", "belonging", "international-staff"],
            "availability": ["tue-am", "thu-pm"],
            "meeting_preference": "teams",
            "avoid_emails": list(AMARA_AVOIDS),
        },
        "state": "submitted",
        "consent": {
            "given_at": world.amara.consent.given_at.isoformat(),
            "privacy_notice_version": "2026-11",
            "ground_rules_version": "2026-10",
        },
        "submitted_at": NOW.isoformat(),
        "updated_at": NOW.isoformat(),
    }


async def test_export_of_participation_contact_and_messages(database: Database, clock: FixedClock) -> None:
    await populate(database, clock)
    await SqlContactBook(database).mark_unreachable(TENANT, AMARA, "blocked the bot", NOW + timedelta(days=1))
    holders = sql_holders_by_section(database)

    assert await holders["participation"].export(AMARA) == {
        "display_name": AMARA_NAME,
        "joined_at": NOW.isoformat(),
        "paused_until": "2026-02-28",
    }
    assert await holders["contact"].export(AMARA) == [
        {
            "tenant": TENANT.value,
            "conversation_id": AMARA_CHAT,
            "first_seen": NOW.isoformat(),
            "last_seen": NOW.isoformat(),
            "unreachable": {"since": (NOW + timedelta(days=1)).isoformat(), "reason": "blocked the bot"},
        }
    ]
    (message,) = await holders["messages"].export(AMARA)
    assert {k: v for k, v in message.items() if k != "id"} == {
        "kind": "message",
        "state": "pending",
        "due_at": (NOW + timedelta(hours=1)).isoformat(),
        "summary": "welcome",
        "text": f"Welcome, {AMARA_NAME}!",
        "card": {"type": "AdaptiveCard"},
    }


async def test_export_of_a_message_whose_text_has_gone_shows_only_its_summary(
    database: Database, clock: FixedClock
) -> None:
    queue = SqlWorkQueue(database)
    work = NewWork("message", "k", TENANT, AMARA, NOW, {"summary": "reminder", "redacted": True})
    await queue.enqueue(work, NOW)

    (message,) = await sql_holders_by_section(database)["messages"].export(AMARA)

    assert "text" not in message
    assert message["summary"] == "reminder"


async def test_export_of_conversation_state_finds_the_chat_botbuilder_saved(
    database: Database, clock: FixedClock
) -> None:
    await populate(database, clock)

    (state,) = await sql_holders_by_section(database)["conversation"].export(AMARA)

    assert state["key"] == f"msteams/conversations/{AMARA_CHAT}"
    assert state["state"]["signup"] == {"draft": DRAFT}


async def test_export_of_audit_entries_by_and_about_the_person(database: Database, clock: FixedClock) -> None:
    world = await populate(database, clock)

    exported = await sql_holders_by_section(database)["audit"].export(AMARA)

    assert [(e["actor"], e["action"], e["target"]) for e in exported] == [
        (COORDINATOR.value, "application decide", f"application {world.amara.id}"),
        (COORDINATOR.value, "coordinator add", AMARA.value),
        (COORDINATOR.value, "pair", f"cohort {world.cohort_id}"),
        (AMARA.value, "cohort open", f"cohort {world.cohort_id}"),
    ]
    assert exported[0]["detail"] == {"decision": "declined", "reason": REASON}


async def test_export_of_a_coordinators_role(database: Database, clock: FixedClock) -> None:
    world = await populate(database, clock)

    exported = await sql_holders_by_section(database)["coordinator role"].export(COORDINATOR)

    assert exported == {
        "roster": {"added_at": (NOW - timedelta(days=30)).isoformat(), "added_by": None},
        "cohorts_created": [
            {"id": world.cohort_id, "name": plan().name, "created_at": (NOW - timedelta(days=7)).isoformat()}
        ],
    }


async def test_export_of_pairs_shows_each_from_the_persons_side_without_the_partners_answers(
    database: Database, clock: FixedClock
) -> None:
    world = await populate(database, clock)
    holders = sql_holders_by_section(database)

    (amaras,) = await holders["pairs"].export(AMARA)
    (bens,) = await holders["pairs"].export(BEN)

    assert amaras == {
        "id": world.pair_id,
        "cohort": {"id": world.cohort_id, "name": plan().name},
        "role": "mentee",
        "partner": "Ben",
        "state": "published",
        "suggested_by": "a coordinator",
        "reasons": list(PAIR_REASONS),
        "coordinator_override": OVERRIDE,
        "group_chat": PAIR_CHAT,
        "created_at": NOW.isoformat(),
        "published_at": (NOW + timedelta(days=1)).isoformat(),
    }
    assert bens == {**amaras, "role": "mentor", "partner": AMARA_NAME}


async def test_export_of_contracts_is_the_pairs_shared_agreement(database: Database, clock: FixedClock) -> None:
    world = await populate(database, clock)
    holders = sql_holders_by_section(database)

    exported = await holders["contracts"].export(AMARA)

    assert exported == [
        {
            "pair": world.pair_id,
            "agreement": {"goals": list(GOALS), "how_we_work": HOW_WE_WORK},
            "mentor_confirmed_at": None,
            "mentee_confirmed_at": (NOW + timedelta(days=9)).isoformat(),
            "updated_at": (NOW + timedelta(days=8)).isoformat(),
        }
    ]
    assert await holders["contracts"].export(BEN) == exported
    assert await holders["contracts"].export(COORDINATOR) == []


def meetings_seen_by(chooser_of_first: str, chooser_of_third: str, pair_id: int) -> list[dict[str, object]]:
    at = NOW + timedelta(days=10)

    def span(interval: Interval) -> dict[str, str]:
        return {"start": interval.start.isoformat(), "end": interval.end.isoformat()}

    return [
        {
            "pair": pair_id,
            "session": 1,
            "state": "booked",
            "time": span(FIRST_MEETING),
            "times_offered": [],
            "chosen_by": chooser_of_first,
            "created_at": at.isoformat(),
            "updated_at": (at + timedelta(hours=1)).isoformat(),
        },
        {
            "pair": pair_id,
            "session": 2,
            "state": "offered",
            "time": None,
            "times_offered": [span(slot) for slot in ON_OFFER],
            "chosen_by": None,
            "created_at": at.isoformat(),
            "updated_at": at.isoformat(),
        },
        {
            "pair": pair_id,
            "session": 3,
            "state": "booking",
            "time": span(THIRD_MEETING),
            "times_offered": [span(FIRST_MEETING), span(THIRD_MEETING)],
            "chosen_by": chooser_of_third,
            "created_at": at.isoformat(),
            "updated_at": (at + timedelta(hours=2)).isoformat(),
        },
    ]


async def test_export_of_meetings_says_who_chose_without_the_partners_id_or_the_meeting_links(
    database: Database, clock: FixedClock
) -> None:
    world = await populate(database, clock)
    holders = sql_holders_by_section(database)

    amaras = await holders["meetings"].export(AMARA)
    bens = await holders["meetings"].export(BEN)

    assert amaras == meetings_seen_by("you", "your partner", world.pair_id)
    assert bens == meetings_seen_by("your partner", "you", world.pair_id)
    for exported, partner in ((amaras, BEN), (bens, AMARA)):
        text = json.dumps(exported)
        assert [secret for secret in (partner.value, EVENT_ID, JOIN_URL, *ICS_TOKENS) if secret in text] == []
    assert await holders["meetings"].export(COORDINATOR) == []


async def test_export_of_reflections_is_the_persons_own_in_full(database: Database, clock: FixedClock) -> None:
    world = await populate(database, clock)

    amaras = await sql_holders_by_section(database)["reflections"].export(AMARA)

    # Newest first: written in the same instant, the general one was stored second.
    general, about_first = amaras
    assert general["about"] is None
    assert general["anything_else"] == "Tired this week."
    learned, differently = AMARA_REFLECTION
    assert about_first["what_i_learned"] == learned
    assert about_first["what_i_will_do_differently"] == differently
    assert about_first["how_i_felt"] == "unsettled"
    assert about_first["about"]["pair"] == world.pair_id
    assert about_first["about"]["session"] == 1
    # Only her own: nothing of Ben's reflection, nor his id.
    text = json.dumps(amaras)
    assert "Ben's own reflection" not in text
    assert BEN.value not in text
    (bens,) = await sql_holders_by_section(database)["reflections"].export(BEN)
    assert bens["what_i_learned"] == "Ben's own reflection"
    assert learned not in json.dumps(bens)


async def test_someone_unknown_has_nothing_to_export(database: Database, clock: FixedClock) -> None:
    report = await PersonalData(sql_holders(database), clock).export(AMARA)

    assert all(not section for section in report.sections.values())


# Erasure ----------------------------------------------------------------------------------------------------------


async def test_erasure_leaves_nothing_personal_in_any_table(database: Database, clock: FixedClock) -> None:
    await populate(database, clock)
    assert leaks(await everything_stored(database), ERASED_NEEDLES)  # the search does find them beforehand

    changed = await PersonalData(sql_holders(database), clock).erase(AMARA)

    assert changed == {
        "audit": 3,
        "applications": 1,
        "participation": 1,
        "conversation": 1,
        "contact": 1,
        "messages": 1,
        "coordinator role": 0,
        # Their published pair, and the proposal of theirs that was taken apart.
        "pairs": 2,
        "contracts": 1,
        # Every meeting of the pair loses its links; the first also loses who chose it.
        "meetings": 3,
        # The "Did you meet?" she was sent goes; her answer stays as an anonymous count of a meeting held.
        "prompts": 1,
        "attendance": 1,
        # Her link to her pseudonym, and the words she wrote in her baseline survey (her numbers stay, unlinked).
        "surveys": 2,
        # Her two reflections are deleted; Ben's own stays his.
        "reflections": 2,
    }
    assert leaks(await everything_stored(database), ERASED_NEEDLES) == []


async def test_erasure_keeps_anonymous_counts_and_what_coordinators_did(database: Database, clock: FixedClock) -> None:
    world = await populate(database, clock)

    await PersonalData(sql_holders(database), clock).erase(AMARA)

    assert await SqlApplicationStore(database).counts(world.cohort_id) == {
        (Role.MENTEE, ApplicationState.WITHDRAWN): 1,
        (Role.MENTOR, ApplicationState.SUBMITTED): 1,
    }
    entries = {(e.action, e.target): e for e in await SqlAuditLog(database).recent(10)}
    decided = entries[("application decide", f"application {world.amara.id}")]
    assert (decided.actor, decided.outcome, decided.detail) == (
        COORDINATOR,
        "done",
        {"decision": "declined", "reason": ERASED},
    )
    assert ("coordinator add", ERASED) in entries
    assert entries[("pair", f"cohort {world.cohort_id}")].detail == {"mentee": ERASED, "mentor": "x"}
    # What they tried to do as a would-be coordinator stays as it was: it is a record of an attempt.
    assert entries[("cohort open", f"cohort {world.cohort_id}")].actor == AMARA
    left = (await PersonalData(sql_holders(database), clock).export(AMARA)).sections
    assert [entry["action"] for entry in left["audit"]] == ["cohort open"]
    assert not any(section for name, section in left.items() if name != "audit")


async def test_erasure_leaves_everyone_else_untouched(database: Database, clock: FixedClock) -> None:
    await populate(database, clock)
    personal_data = PersonalData(sql_holders(database), clock)
    before = {person: await personal_data.export(person) for person in (BEN, COORDINATOR)}

    await personal_data.erase(AMARA)

    # The coordinator's audit entries about Amara changed, so compare everything else of theirs. Ben's pair with
    # her, their agreement and their meetings are checked in the tests after this.
    after_ben = await personal_data.export(BEN)
    shared = {"pairs", "contracts", "meetings"}
    assert {k: v for k, v in after_ben.sections.items() if k not in shared} == {
        k: v for k, v in before[BEN].sections.items() if k not in shared
    }
    after = await personal_data.export(COORDINATOR)
    assert after.sections["coordinator role"] == before[COORDINATOR].sections["coordinator role"]
    assert len(after.sections["audit"]) == len(before[COORDINATOR].sections["audit"])
    assert leaks(await everything_stored(database), (BEN.value, BEN_CHAT, "Ben's draft"))


async def test_erasure_leaves_the_partner_an_anonymous_pair_without_the_shared_agreement(
    database: Database, clock: FixedClock
) -> None:
    world = await populate(database, clock)
    holders = sql_holders_by_section(database)
    (before,) = await holders["pairs"].export(BEN)

    await PersonalData(sql_holders(database), clock).erase(AMARA)

    (pair,) = await holders["pairs"].export(BEN)
    assert pair == {
        **before,
        "partner": None,
        "reasons": [],
        "coordinator_override": ERASED,
        "group_chat": None,
    }
    (contract,) = await holders["contracts"].export(BEN)
    assert contract == {
        "pair": world.pair_id,
        "agreement": None,
        "mentor_confirmed_at": None,
        "mentee_confirmed_at": (NOW + timedelta(days=9)).isoformat(),
        "updated_at": clock.now().isoformat(),
    }
    # The pair is out of the programme's way: nothing of it can be read or changed through the stores any more.
    pairs = SqlPairStore(database)
    assert await pairs.get(world.pair_id) is None
    assert await pairs.for_person(BEN) == []
    assert await pairs.unpaired(world.cohort_id) == frozenset()
    assert await SqlContractStore(database).confirm(world.pair_id, True, 2, NOW) is None


async def test_erasure_leaves_the_partner_the_meetings_times_without_her_choices_or_their_links(
    database: Database, clock: FixedClock
) -> None:
    world = await populate(database, clock)
    holders = sql_holders_by_section(database)

    await PersonalData(sql_holders(database), clock).erase(AMARA)

    erased_at = clock.now().isoformat()
    before = meetings_seen_by("your partner", "you", world.pair_id)
    assert await holders["meetings"].export(BEN) == [
        {**before[0], "chosen_by": None, "updated_at": erased_at},
        {**before[1], "updated_at": erased_at},
        {**before[2], "updated_at": erased_at},
    ]
    async with database.engine.connect() as connection:
        query = select(meetings).where(meetings.c.pair_id == world.pair_id).order_by(meetings.c.session)
        rows = (await connection.execute(query)).mappings().all()
    assert [(row["state"], row["version"], row["join_url"], row["event_id"]) for row in rows] == [
        (MeetingState.BOOKED.value, 4, None, EVENT_ID),
        (MeetingState.OFFERED.value, 2, None, None),
        (MeetingState.BOOKING.value, 3, None, None),
    ]
    # New tokens, not blanks: the column stays unique and nothing guessable names the meetings.
    tokens = {row["ics_token"] for row in rows}
    assert len(tokens) == 3
    assert tokens.isdisjoint(ICS_TOKENS)
    assert all(len(token) >= 32 for token in tokens)
    meeting_store = SqlMeetingStore(database)
    assert await meeting_store.for_pairs([world.pair_id]) == []
    assert [await meeting_store.by_ics_token(token) for token in (*ICS_TOKENS, *tokens)] == [None] * 6


async def test_erasing_twice_changes_nothing_the_second_time(database: Database, clock: FixedClock) -> None:
    await populate(database, clock)
    personal_data = PersonalData(sql_holders(database), clock)
    await personal_data.erase(AMARA)
    stored = await everything_stored(database)

    again = await personal_data.erase(AMARA)

    assert set(again.values()) == {0}
    assert await everything_stored(database) == stored


# Which key botbuilder uses -----------------------------------------------------------------------------------------


def test_the_state_key_is_the_one_conversation_state_uses() -> None:
    context = personal_chat(AMARA, AMARA_NAME, AMARA_CHAT)
    address = TurnContext.get_conversation_reference(context.activity).serialize()
    state = ConversationState(MemoryStorage())

    assert conversation_state_key(address) == state.get_storage_key(context)


def test_a_bare_contact_has_no_conversation_state() -> None:
    assert conversation_state_key({}) is None
    assert conversation_state_key({"channelId": "msteams", "conversation": {}}) is None
    assert conversation_state_key({"conversation": {"id": "a:1"}}) is None


# Coverage ---------------------------------------------------------------------------------------------------------

PERSON_COLUMNS = frozenset(
    {
        "person_id",
        "recipient_id",
        "actor_id",
        "target",
        "created_by",
        "mentor_id",
        "mentee_id",
        "chosen_by",
        "author_id",
    }
)
# Every table that can hold something about a person, and the holder that exports and erases it. A new table
# with a person column fails the test below until it is added here, with a holder to go with it.
HOLDER_OF_TABLE = {
    "applications": "applications",
    "audit_log": "audit",
    "bot_state": "conversation",
    "cohorts": "coordinator role",
    "contacts": "contact",
    "coordinators": "coordinator role",
    "participants": "participation",
    "work_items": "messages",
    "pairs": "pairs",
    "meetings": "meetings",
    # No person column, but what they hold is about people found through other tables: the proposals someone's
    # applications were in, and the agreement written by the people of a pair.
    "pair_exclusions": "pairs",
    "contracts": "contracts",
    "prompts": "prompts",
    "meeting_attendance": "attendance",
    # Who is behind each survey pseudonym, and the answers found through it.
    "survey_links": "surveys",
    "survey_responses": "surveys",
    "reflections": "reflections",
}


def test_every_table_with_a_person_column_has_a_holder(database: Database) -> None:
    with_people = {table.name for table in metadata.sorted_tables if PERSON_COLUMNS & set(table.columns.keys())}

    assert with_people - HOLDER_OF_TABLE.keys() == set()
    assert HOLDER_OF_TABLE.keys() <= set(metadata.tables)
    assert set(HOLDER_OF_TABLE.values()) == {holder.section for holder in sql_holders(database)}


def sql_holders_by_section(database: Database) -> dict[str, PersonalDataHolder]:
    return {holder.section: holder for holder in sql_holders(database)}


async def test_erased_text_is_gone_from_the_sqlite_files_themselves(tmp_path: Path, clock: FixedClock) -> None:
    # About SQLite's own files only: PostgreSQL's storage is encrypted at rest and its dead rows are vacuumed.
    async with migrated_database("sqlite", tmp_path) as database:
        await _erase_and_search_the_files(database, clock)


async def _erase_and_search_the_files(database: Database, clock: FixedClock) -> None:
    await populate(database, clock)
    path = Path(str(database.engine.url.database))
    # What people wrote, as SQLite stores it (UTF-8); their id stays on purpose where they acted (see above).
    needles = [needle.encode() for needle in ERASED_NEEDLES if needle != AMARA.value]

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))

    assert any(needle in on_disk() for needle in needles)

    await PersonalData(sql_holders(database), clock, flush=database.flush_erased).erase(AMARA)

    assert [needle for needle in needles if needle in on_disk()] == []
