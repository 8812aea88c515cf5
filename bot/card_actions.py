"""What each card button does: parse (already done by cards.actions) → one use case → the card to show next.

Coordinator buttons pass through the coordinator gate exactly like coordinator commands, so a button on a
forwarded or stale card cannot do more than its clicker's role allows, and every click is audited.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.check_in_actions import CHECK_IN_ACTIONS, CheckInActions
from bot.cohort_commands import applications_page, cohorts_listed, signups_closed, signups_opened
from bot.commands import CommandRequest, Reply
from bot.concern_actions import CONCERN_ACTIONS, ConcernActions
from bot.dispatcher import PERSONAL_ONLY, CommandDispatcher
from bot.matching_actions import MATCHING_ACTIONS, MatchingActions
from bot.meeting_actions import MEETING_ACTIONS, MeetingActions
from bot.reflection_actions import REFLECTION_ACTIONS, ReflectionActions
from bot.services import Services
from bot.survey_actions import PERSONAL_SURVEY_ACTIONS, SurveyActions
from cards.actions import (
    AddPair,
    AdjustMatch,
    AnswerCheckIn,
    AskCancelMeeting,
    AskDeleteMyData,
    AskDeleteReflection,
    AskPublish,
    CancelConcern,
    CancelDeleteMyData,
    CancelWithdraw,
    CardAction,
    CloseSignups,
    ConfirmAgreement,
    ConfirmCancelMeeting,
    ConfirmDeleteMyData,
    ConfirmDeleteReflection,
    ConfirmPublish,
    ConfirmWithdraw,
    CreateCohort,
    DecideApplication,
    EditProfile,
    EditReflection,
    FindMeetingTimes,
    Join,
    KeepMeeting,
    ListReflections,
    LockPair,
    NewCohortForm,
    OpenCohort,
    PickOwnTime,
    PickSlot,
    RerunMatch,
    RescheduleMeeting,
    ReviewApplications,
    SaveAgreement,
    SaveReflection,
    SendConcern,
    ShowAbout,
    ShowAgreement,
    ShowCohorts,
    ShowConcernForm,
    ShowHelp,
    ShowMatch,
    ShowMeeting,
    ShowMyData,
    ShowPrivacy,
    ShowReflection,
    ShowSurvey,
    ShowSurveyResults,
    SubmitSurvey,
    SwapPairs,
    UnpairPair,
    WriteReflection,
)
from cards.cohorts import (
    cohort_created_card,
    cohort_form_card,
    cohort_form_values,
    parse_cohort_form,
)
from cards.personal_data import delete_confirmation_card
from programme.cohorts import Cohort
from programme.errors import Conflict, InvalidFields
from programme.identity import PersonId

ERASED_TEXT = (
    "Done. I've deleted your answers, applications, pause settings, conversation history with me and contact "
    "details. Only anonymous counts remain, and your coordinator has been told you've left. Thank you for the part "
    "you played. If you message me again, I'll treat you as someone new."
)


class CardActions:
    def __init__(self, services: Services, dispatcher: CommandDispatcher) -> None:
        self._services = services
        self._dispatcher = dispatcher
        self._matching = MatchingActions(services, dispatcher)
        self._meetings = MeetingActions(services, dispatcher)
        self._check_ins = CheckInActions(services, dispatcher)
        self._reflections = ReflectionActions(services, dispatcher)
        self._concerns = ConcernActions(services, dispatcher)
        self._surveys = SurveyActions(services, dispatcher)

    async def run(self, request: CommandRequest, action: CardAction, reference: str) -> Reply:
        d = self._dispatcher
        actor = request.actor
        if isinstance(action, _PRIVATE) and not request.in_personal_chat:
            return Reply(text=PERSONAL_ONLY)
        match action:
            case (
                ShowMatch()
                | AdjustMatch()
                | RerunMatch()
                | AskPublish()
                | ConfirmPublish()
                | LockPair()
                | UnpairPair()
                | SwapPairs()
                | AddPair()
                | ShowAgreement()
                | SaveAgreement()
                | ConfirmAgreement()
            ):
                return await self._matching.run(request, action, reference)
            case (
                FindMeetingTimes()
                | ShowMeeting()
                | PickSlot()
                | PickOwnTime()
                | KeepMeeting()
                | RescheduleMeeting()
                | AskCancelMeeting()
                | ConfirmCancelMeeting()
            ):
                return await self._meetings.run(request, action, reference)
            case AnswerCheckIn():
                return await self._check_ins.run(request, action, reference)
            case (
                WriteReflection()
                | SaveReflection()
                | ListReflections()
                | ShowReflection()
                | EditReflection()
                | AskDeleteReflection()
                | ConfirmDeleteReflection()
            ):
                return await self._reflections.run(request, action, reference)
            case ShowConcernForm() | SendConcern() | CancelConcern():
                return await self._concerns.run(request, action, reference)
            case ShowSurvey() | SubmitSurvey() | ShowSurveyResults():
                return await self._surveys.run(request, action, reference)
            case ShowHelp() | ShowAbout() | ShowPrivacy() | Join() | EditProfile() | ShowMyData():
                return await d.run(d.named(_COMMAND_FOR[type(action)]), request, reference=reference)
            case AskDeleteMyData():
                return Reply(card=delete_confirmation_card(actor))
            case CancelDeleteMyData():
                return Reply(text="Nothing has been deleted. You can see what I hold at any time with 'my data'.")
            case ConfirmDeleteMyData(person=person):
                return await d.attempt("delete my data", lambda: self._erase(request, person), reference=reference)
            case CancelWithdraw():
                return Reply(text="You're still taking part; nothing has changed.")
            case ConfirmWithdraw(person=person):
                return await d.attempt("withdraw", lambda: self._withdraw(request, person), reference=reference)
            case ShowCohorts():
                return await d.as_coordinator(
                    actor, "cohorts", lambda: cohorts_listed(self._services), reference=reference
                )
            case NewCohortForm():
                return await d.as_coordinator(
                    actor,
                    "cohort new",
                    lambda: _now_card(cohort_form_card(self._services.cohorts.today())),
                    reference=reference,
                )
            case CreateCohort(data=data):
                return await d.attempt("cohort create", lambda: self._create(request, data), reference=reference)
            case OpenCohort(cohort=cohort_id):
                return await d.as_coordinator(
                    actor,
                    "cohort open",
                    lambda: signups_opened(self._services, cohort_id),
                    target=f"cohort {cohort_id}",
                    reference=reference,
                )
            case CloseSignups(cohort=cohort_id):
                return await d.as_coordinator(
                    actor,
                    "cohort close-signups",
                    lambda: signups_closed(self._services, cohort_id),
                    target=f"cohort {cohort_id}",
                    reference=reference,
                )
            case ReviewApplications(cohort=cohort_id, page=page):
                return await d.as_coordinator(
                    actor,
                    "applications",
                    lambda: applications_page(self._services, cohort_id, page),
                    target=f"cohort {cohort_id}",
                    reference=reference,
                )
            case DecideApplication():
                return await d.attempt("application decide", lambda: self._decide(request, action), reference=reference)

    async def _create(self, request: CommandRequest, data: Mapping[str, object]) -> Reply:
        admin = self._services.cohorts

        async def create() -> Cohort:
            plan, _values = parse_cohort_form(data)
            return await admin.create(request.actor, plan)

        try:
            # The gate itself, not the dispatcher's wrapper: the form's problems must reach the gate (so the audit
            # says "rejected") and then come back here, to be shown beside the fields rather than as one message.
            cohort = await self._services.gate.perform(request.actor, "cohort create", create)
        except InvalidFields as problems:
            return Reply(card=cohort_form_card(admin.today(), cohort_form_values(data), problems.problems))
        return Reply(card=cohort_created_card(cohort))

    async def _decide(self, request: CommandRequest, action: DecideApplication) -> Reply:
        admin = self._services.cohorts
        try:
            # The gate itself, so a stale click is audited as rejected (nothing was decided) before it is answered
            # with the latest list here.
            await self._services.gate.perform(
                request.actor,
                "application decide",
                lambda: admin.decide(action.application, action.decision, action.version, action.reason),
                target=f"application {action.application}",
                detail={"decision": action.decision.value, "reason": action.reason or None},
            )
        except Conflict as clash:
            # Stale card: show the latest list rather than only an error, so the coordinator can carry on.
            return await applications_page(self._services, action.cohort, action.page, clash.user_message)
        return await applications_page(self._services, action.cohort, action.page)

    async def _withdraw(self, request: CommandRequest, person: PersonId) -> Reply:
        withdrawal = await self._services.participation.withdraw(request.actor, person)
        cohorts = ", ".join(withdrawal.cohort_titles) or "the programme"
        return Reply(
            text=(
                f"You've withdrawn from {cohorts}. Thank you for the time and care you gave. Your coordinator has "
                "been told; nobody will ask you for a reason. You're welcome to sign up to a later cohort whenever "
                "it suits you. Your answers stay until you delete them with 'delete my data'."
            )
        )

    async def _erase(self, request: CommandRequest, person: PersonId) -> Reply:
        await self._services.participation.erase(request.tenant, request.actor, person)
        return Reply(text=ERASED_TEXT, erased=True)


# Buttons that show or change someone's personal data: never acted on from a group chat.
_PRIVATE = (
    *MATCHING_ACTIONS,
    *MEETING_ACTIONS,
    *CHECK_IN_ACTIONS,
    *REFLECTION_ACTIONS,
    *CONCERN_ACTIONS,
    *PERSONAL_SURVEY_ACTIONS,
    AskDeleteMyData,
    ConfirmDeleteMyData,
    ConfirmWithdraw,
    ReviewApplications,
    DecideApplication,
    CreateCohort,
)

_COMMAND_FOR: dict[type, str] = {
    ShowHelp: "help",
    ShowAbout: "about",
    ShowPrivacy: "privacy",
    Join: "join",
    EditProfile: "profile",
    ShowMyData: "my data",
}


async def _now_card(built: dict[str, object]) -> Reply:
    return Reply(card=built)
