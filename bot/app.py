"""The composition root: the only place that builds objects and wires them together.

Nothing is built at import time. ``create_app`` returns an aiohttp application whose start-up opens and migrates
the database, builds the programme services and the bot, and starts the scheduler; its clean-up undoes that in
reverse order, so ``SIGTERM`` lets in-flight turns finish and leaves the database closed cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from botbuilder.core import ConversationState
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.adapter import HardenedCloudAdapter
from bot.calendar_files import calendar_file_endpoint
from bot.check_in_messages import CardCheckInMessages
from bot.command_set import build_command_table
from bot.concern_messages import CardConcernMessages
from bot.credentials import CachingCredentialFactory
from bot.dispatcher import CommandDispatcher
from bot.group_chats import group_chat_address
from bot.health import health_endpoint
from bot.match_messages import CardMatchMessages
from bot.meeting_messages import CardMeetingMessages
from bot.notifier import TeamsNotifier
from bot.openid_keys import keep_keys_fresh
from bot.pacing import Pacer
from bot.services import Services
from bot.settings import Settings
from bot.survey_messages import CardSurveyMessages
from bot.teams_bot import RemediBot
from dialogs.host import DialogHost
from dialogs.signup import SignUpDialog
from programme.check_ins import CheckIns
from programme.clock import Clock, SystemClock
from programme.cohort_admin import CohortAdmin
from programme.concerns import Concerns
from programme.contacts import RecentContacts
from programme.coordinators import CoordinatorGate, Coordinators
from programme.deliveries import MESSAGE, message_handler
from programme.directory import Directory, ForgivingDirectory, NoDirectory, RememberingDirectory
from programme.first_meeting import FirstMeeting
from programme.local_calendar import LocalCalendar
from programme.matching import PAIR_CHAT, Matching
from programme.notifier import Notifier
from programme.nudge_policy import NudgePolicy
from programme.pair_chat_introductions import pair_chat_handler
from programme.participation import Participation
from programme.partner_notices import tell_partners
from programme.personal_data import PersonalData
from programme.prompts import Prompter
from programme.reflections import Reflections
from programme.retention import redact_delivered_messages
from programme.scheduling import BOOK_MEETING, CANCEL_EVENT, Scheduling
from programme.signup import SignUp
from programme.surveys import SURVEY_OPEN, SURVEY_REMINDER, Surveys
from programme.sweeper import Sweeper, SweepPolicy, WorkHandler
from programme.working_hours import WorkingHours
from scheduler.runner import (
    CONVERSATION_STATE_JOB_ID,
    MEETING_OFFERS_JOB_ID,
    RETENTION_JOB_ID,
    STALLED_PAIRS_JOB_ID,
    SURVEYS_JOB_ID,
    ProgrammeScheduler,
)
from storage.application_store import SqlApplicationStore
from storage.attendance_store import SqlAttendanceStore
from storage.audit_log import SqlAuditLog
from storage.bot_state import SqlBotStateStorage
from storage.cohort_store import SqlCohortStore
from storage.contact_book import SqlContactBook
from storage.contract_store import SqlContractStore
from storage.coordinator_roster import SqlCoordinatorRoster
from storage.database import Database, open_database
from storage.meeting_store import SqlMeetingStore
from storage.migrate import upgrade
from storage.pair_store import SqlPairStore
from storage.participant_store import SqlParticipantStore
from storage.personal_data_holders import sql_holders
from storage.prompt_store import SqlPromptStore
from storage.reflection_store import SqlReflectionStore
from storage.survey_store import SqlSurveyLinks, SqlSurveyStore
from storage.work_queue import SqlWorkQueue

if TYPE_CHECKING:
    from graph.client import TokenTransport
    from graph.wiring import GraphServices

log = logging.getLogger(__name__)

# A sign-up left unfinished this long is cleared, with the answers it held (the dialog itself gives up after a day).
ABANDONED_CONVERSATION = timedelta(days=7)
# Teams messages are at most ~100 KB; anything far larger is not a Teams activity.
MAX_REQUEST_BYTES = 512 * 1024


@dataclass
class Runtime:
    database: Database
    scheduler: ProgrammeScheduler
    sweeper: Sweeper
    adapter: HardenedCloudAdapter
    bot: RemediBot
    services: Services
    auth_config: BotFrameworkConfig
    # Closes outside connections the programme opened (Microsoft Graph), after the sweeper has stopped using them.
    close_programme: Callable[[], Awaitable[None]]


RUNTIME = web.AppKey("runtime", Runtime)


class BotFrameworkConfig:
    """The attribute-style configuration ``ConfigurationBotFrameworkAuthentication`` reads.

    It must be an object with attributes: given a dict, botbuilder silently turns authentication off. Every
    endpoint is set explicitly, because once any one is overridden botbuilder treats the unset ones as None
    rather than as the public-cloud defaults (the outbound token would then come from the wrong authority).
    """

    TO_CHANNEL_FROM_BOT_LOGIN_URL = "https://login.microsoftonline.com/"
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"
    OAUTH_URL = "https://api.botframework.com"
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    )
    CALLER_ID = "urn:botframework:azure"

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.bot.app_id
        self.APP_PASSWORD = settings.bot.password.reveal()
        self.APP_TYPE = settings.bot.app_type.value
        self.APP_TENANTID = settings.bot.tenant_id
        self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = (
            settings.openid_metadata_url or "https://login.botframework.com/v1/.well-known/openidconfiguration"
        )
        self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = settings.token_issuer or "https://api.botframework.com"
        if settings.openid_metadata_url:
            # Tests mint their own tokens; no token they make may send botbuilder to the internet.
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = settings.openid_metadata_url

    def __repr__(self) -> str:
        return f"BotFrameworkConfig(APP_ID={self.APP_ID!r}, APP_TYPE={self.APP_TYPE!r})"


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    graph_token_transport: TokenTransport | None = None,
) -> web.Application:
    """``credentials_factory`` and ``graph_token_transport`` replace the Bot Framework and Entra token services in
    tests; production leaves them unset."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    the_clock = clock or SystemClock()

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        runtime = await _start(settings, the_clock, credentials_factory, graph_token_transport)
        app[RUNTIME] = runtime
        key_refresher = (
            asyncio.create_task(keep_keys_fresh(runtime.auth_config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL))
            if settings.bot.auth_enabled
            else None
        )
        log.info("ReMEDI bot started (%s, database %s)", settings.environment.value, runtime.database.dialect)
        try:
            yield
        finally:
            if key_refresher is not None:
                key_refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await key_refresher
            # The sweeper first: it stops claiming, lets messages already being sent finish and hands the rest
            # back, so a redeploy neither loses nor repeats anything. Then the scheduler, letting any other job
            # finish its database work, and last the database.
            await runtime.sweeper.stop()
            await runtime.scheduler.stop()
            await runtime.close_programme()
            await runtime.database.close()
            log.info("ReMEDI bot stopped")

    app.cleanup_ctx.append(lifecycle)

    async def messages(request: web.Request) -> web.Response:
        runtime = request.app[RUNTIME]
        return await runtime.adapter.handle(request, runtime.bot)

    app.router.add_post("/api/messages", messages)
    app.router.add_get(
        "/meetings/{token}.ics",
        calendar_file_endpoint(lambda: app[RUNTIME].services.scheduling if RUNTIME in app else None),
    )
    app.router.add_get(
        "/healthz",
        health_endpoint(
            database=lambda: app[RUNTIME].database if RUNTIME in app else None,
            scheduler=lambda: app[RUNTIME].scheduler if RUNTIME in app else None,
        ),
    )
    return app


async def _start(
    settings: Settings,
    clock: Clock,
    credentials_factory: ServiceClientCredentialsFactory | None,
    graph_token_transport: TokenTransport | None,
) -> Runtime:
    database = open_database(settings.database_url)
    try:
        await upgrade(database)
        built = _services(settings, clock, database, graph_token_transport)
        services = built.services
        dispatcher = CommandDispatcher(build_command_table(services), services.gate)
        bot_state = SqlBotStateStorage(database, clock)
        conversation_state = ConversationState(bot_state)
        dialogs = DialogHost(conversation_state, [SignUpDialog(services.signup, settings.organisation_name, clock)])
        bot = RemediBot(services, dispatcher, conversation_state, dialogs)
        config = BotFrameworkConfig(settings)
        authentication = ConfigurationBotFrameworkAuthentication(
            config, credentials_factory=credentials_factory or CachingCredentialFactory.from_configuration(config)
        )
        adapter = HardenedCloudAdapter(authentication, settings)
        sweeper = _sweeper(settings, clock, built, adapter)
        scheduler = ProgrammeScheduler(clock)
        scheduler.start()
        scheduler.sweep_every(timedelta(seconds=settings.delivery.sweep_seconds), sweeper.sweep_until_idle)
        keep_for = timedelta(days=settings.delivery.retention_days)
        scheduler.run_every(
            RETENTION_JOB_ID,
            "redacting delivered messages",
            timedelta(hours=1),
            lambda: redact_delivered_messages(services.work, clock, keep_for),
        )
        scheduler.run_every(
            MEETING_OFFERS_JOB_ID,
            "offering meeting times",
            timedelta(hours=1),
            services.scheduling.offer_due,
        )
        scheduler.run_every(
            STALLED_PAIRS_JOB_ID,
            "looking for pairs who have stopped meeting",
            timedelta(hours=1),
            services.check_ins.stalled_due,
        )
        scheduler.run_every(SURVEYS_JOB_ID, "opening surveys", timedelta(hours=1), services.surveys.open_due)
        scheduler.run_every(
            CONVERSATION_STATE_JOB_ID,
            "clearing abandoned conversations",
            timedelta(hours=1),
            lambda: bot_state.purge_idle(clock.now() - ABANDONED_CONVERSATION),
        )
    except BaseException:
        await database.close()
        raise
    return Runtime(
        database=database,
        scheduler=scheduler,
        sweeper=sweeper,
        adapter=adapter,
        bot=bot,
        services=services,
        auth_config=config,
        close_programme=built.close,
    )


@dataclass(frozen=True)
class _Programme:
    services: Services
    # Work kinds beyond plain messages, built once the notifier exists.
    handlers: Callable[[Notifier], dict[str, WorkHandler]]
    close: Callable[[], Awaitable[None]]


async def _nothing_to_close() -> None:
    return None


def _services(
    settings: Settings, clock: Clock, database: Database, graph_token_transport: TokenTransport | None
) -> _Programme:
    audit = SqlAuditLog(database)
    coordinators = Coordinators(SqlCoordinatorRoster(database), settings.coordinators, clock)
    work = SqlWorkQueue(database)
    contacts = RecentContacts(SqlContactBook(database))
    cohort_store = SqlCohortStore(database)
    applications = SqlApplicationStore(database)
    participants = SqlParticipantStore(database)
    pairs = SqlPairStore(database)
    messages = CardMatchMessages()
    graph = _graph(settings, graph_token_transport)
    directory: Directory = ForgivingDirectory(graph.directory) if graph else NoDirectory()
    # Matching looks up every applicant on each click of a review; a short memory spares Graph the repeats without
    # hiding a change in the directory for long. Sign-up always asks afresh.
    matching_directory = RememberingDirectory(directory, clock, keep_for=timedelta(minutes=2)) if graph else directory
    personal_data = PersonalData(
        sql_holders(database), clock, after_erase=[contacts.forget], flush=database.flush_erased
    )
    zone = settings.timezone
    partners = tell_partners(
        pairs=pairs, applications=applications, cohorts=cohort_store, work=work, messages=messages, clock=clock
    )
    public_url = settings.public_url
    attendance = SqlAttendanceStore(database)
    scheduling = Scheduling(
        pairs=pairs,
        applications=applications,
        cohorts=cohort_store,
        meetings=SqlMeetingStore(database),
        calendar=graph.calendar if graph is not None and graph.calendar is not None else LocalCalendar(zone),
        work=work,
        messages=CardMeetingMessages(),
        clock=clock,
        zone=zone,
        ics_link=lambda meeting: f"{public_url}/meetings/{meeting.ics_token}.ics" if public_url else None,
        attendance=attendance,
    )
    # One Prompter for everything that sends a prompt or takes its answer, so the count of unanswered ones is shared.
    prompter = Prompter(prompts=SqlPromptStore(database), participants=participants, clock=clock, zone=zone)
    check_ins = CheckIns(
        pairs=pairs,
        applications=applications,
        cohorts=cohort_store,
        meetings=SqlMeetingStore(database),
        attendance=attendance,
        scheduling=scheduling,
        prompter=prompter,
        coordinators=coordinators,
        work=work,
        messages=CardCheckInMessages(),
        clock=clock,
        working_hours=_working_hours(settings),
        stall_after=timedelta(weeks=settings.stall_weeks),
        escalate_after=timedelta(weeks=settings.stall_escalate_weeks),
    )
    # Every booking (and move) schedules its reminder and "Did you meet?".
    scheduling.on_booked(check_ins.booked)
    surveys = Surveys(
        cohorts=cohort_store,
        applications=applications,
        pairs=pairs,
        store=SqlSurveyStore(database),
        links=SqlSurveyLinks(database),
        work=work,
        prompter=prompter,
        messages=CardSurveyMessages(),
        clock=clock,
        zone=zone,
        # Someone paused is not asked until they are back (while the survey is still open).
        hold=NudgePolicy(participants, applications, zone).reason_to_hold,
        min_responses=settings.survey_min_responses,
    )
    services = Services(
        clock=clock,
        contacts=contacts,
        coordinators=coordinators,
        gate=CoordinatorGate(coordinators, audit, clock),
        audit=audit,
        work=work,
        organisation_name=settings.organisation_name,
        zone=zone,
        signup=SignUp(cohort_store, applications, participants, directory, clock, zone),
        cohorts=CohortAdmin(cohort_store, applications, work, clock, zone),
        participation=Participation(
            cohorts=cohort_store,
            applications=applications,
            participants=participants,
            coordinators=coordinators,
            personal_data=personal_data,
            work=work,
            clock=clock,
            zone=zone,
            withdrawal_listeners=[partners, scheduling.withdrawn],
            resume_listeners=[surveys.resumed],
        ),
        personal_data=personal_data,
        nudges=NudgePolicy(participants, applications, zone),
        matching=Matching(
            cohorts=cohort_store,
            applications=applications,
            pairs=pairs,
            directory=matching_directory,
            work=work,
            messages=messages,
            clock=clock,
            zone=zone,
            pair_chats=graph is not None,
        ),
        first_meeting=FirstMeeting(
            pairs=pairs,
            contracts=SqlContractStore(database),
            applications=applications,
            work=work,
            messages=messages,
            clock=clock,
        ),
        scheduling=scheduling,
        surveys=surveys,
        check_ins=check_ins,
        prompter=prompter,
        reflections=Reflections(
            reflections=SqlReflectionStore(database),
            meetings=SqlMeetingStore(database),
            attendance=attendance,
            pairs=pairs,
            applications=applications,
            prompts=prompter,
            clock=clock,
            zone=zone,
        ),
        concerns=Concerns(
            coordinators=coordinators,
            work=work,
            audit=audit,
            messages=CardConcernMessages(),
            clock=clock,
            zone=zone,
            contacts=settings.concern_contacts,
            role=settings.concern_contact_role,
        ),
    )

    def handlers(notifier: Notifier) -> dict[str, WorkHandler]:
        meetings = {BOOK_MEETING: scheduling.booking_handler(), CANCEL_EVENT: scheduling.cancel_handler()}
        meetings |= check_ins.handlers(notifier)
        meetings |= {
            SURVEY_OPEN: surveys.open_handler(notifier),
            SURVEY_REMINDER: surveys.reminder_handler(notifier),
        }
        if graph is None:
            return meetings
        return {
            **meetings,
            PAIR_CHAT: pair_chat_handler(
                pairs=pairs,
                applications=applications,
                cohorts=cohort_store,
                chats=graph.pair_chats,
                notifier=notifier,
                messages=messages,
                address_for=lambda tenant, chat: group_chat_address(
                    tenant, chat, app_id=settings.bot.app_id, service_url=settings.delivery.service_url
                ),
            ),
        }

    return _Programme(services=services, handlers=handlers, close=graph.aclose if graph else _nothing_to_close)


def _graph(settings: Settings, token_transport: TokenTransport | None) -> GraphServices | None:
    access = settings.bot_graph
    if access is None:
        return None
    # Imported only when Graph is on: msgraph-sdk is over a thousand modules and ~60 MiB a process need not carry.
    from graph.wiring import graph_services

    return graph_services(
        tenant_id=access.tenant_id,
        client_id=access.client_id,
        client_secret=access.client_secret.reveal(),
        catalog_app_id=access.catalog_app_id,
        organizer_mailbox=access.organizer_mailbox,
        fallback_zone=settings.timezone,
        base_url=settings.graph_base_url,
        token_transport=token_transport,
    )


def _working_hours(settings: Settings) -> WorkingHours:
    delivery = settings.delivery
    return WorkingHours(settings.timezone, start=delivery.day_start, end=delivery.day_end, days=delivery.working_days)


def _sweeper(settings: Settings, clock: Clock, built: _Programme, adapter: HardenedCloudAdapter) -> Sweeper:
    services = built.services
    delivery = settings.delivery
    notifier = TeamsNotifier(
        adapter,
        settings.bot.app_id,
        services.contacts,
        Pacer(tenant_per_second=delivery.send_rate),
        service_url=delivery.service_url,
        clock=clock,
    )
    return Sweeper(
        queue=services.work,
        handlers={MESSAGE: message_handler(notifier), **built.handlers(notifier)},
        contacts=services.contacts,
        clock=clock,
        working_hours=_working_hours(settings),
        # Unique per process, so a restarted replica never mistakes its predecessor's leases for its own.
        owner=f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        policy=SweepPolicy(
            lease_for=timedelta(seconds=delivery.lease_seconds),
            catch_up=timedelta(hours=delivery.catch_up_hours),
        ),
        nudge_check=services.nudges.reason_to_hold,
    )
