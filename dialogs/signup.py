"""Signing up to a cohort, or changing the answers of an application still waiting for a decision.

The conversation is a botbuilder ``ComponentDialog``: a waterfall walks the steps (choose a cohort, consent and
ground rules, about you, interests, review) and each step is a :class:`CardStep` that sends a card and waits for
that card's Action.Submit. The answers live only in this dialog's state until the person submits at the end, when
exactly one use case (:meth:`SignUp.apply` or :meth:`SignUp.update_profile`) is called; cancelling, or walking
away for a day, leaves nothing behind.

Dialog state is persisted as JSON in the bot's database, so everything kept here is plain dicts, lists, strings
and numbers: raw answers as the card sent them, re-parsed when needed, never dataclasses or enums.

When someone joins, their own work email is filled in from their Teams account if Teams will say it (the person
can still change it); if the lookup fails for any reason the input simply starts empty.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.dialogs import (
    ComponentDialog,
    Dialog,
    DialogContext,
    DialogInstance,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.schema import ActivityTypes

from cards.elements import Card
from cards.signup import (
    ABOUT_YOU,
    ACTION_PREFIX,
    CANCEL,
    CHANGE,
    CHOOSE_COHORT,
    CONFIRM,
    CONSENT,
    INTERESTS,
    about_you_card,
    application_received_card,
    choose_cohort_card,
    consent_card,
    interests_card,
    profile_updated_card,
    review_card,
)
from cards.signup_forms import (
    ABOUT_FIELDS,
    COHORT_FIELDS,
    CONSENT_FIELDS,
    INTERESTS_FIELDS,
    build_profile,
    form_values,
    parse_about_you,
    parse_agreement,
    parse_cohort_choice,
    parse_interests,
    parse_role,
    profile_values,
    usable_manager,
    usable_work_email,
)
from programme.clock import Clock, SystemClock
from programme.cohorts import Cohort
from programme.errors import Conflict, InvalidFields, ProgrammeError
from programme.identity import PersonId, TenantId
from programme.profiles import Profile, Role
from programme.signup import SignUp

log = logging.getLogger(__name__)

SIGNUP_DIALOG_ID = "signup"
JOIN = "join"
EDIT = "edit"

# A half-finished sign-up holds someone's answers; after this long without a turn it is cleared, not resumed.
ABANDON_AFTER = timedelta(hours=24)

CANCELLED = "Cancelled. I haven't saved anything."
ABANDONED_JOIN = "Your earlier sign-up wasn't finished, so I've cleared it; type 'join' to start again."
ABANDONED_EDIT = "Your earlier changes weren't finished, so I've cleared them; type 'profile' to start again."
EARLIER_FORM = "That form is from an earlier sign-up; please use the latest card, or type 'cancel'."
ALREADY_ANSWERED = (
    "You've already answered that card, thank you. Please carry on with the latest one, or type 'cancel'."
)
USE_THE_CARD = "I'm waiting for your answers on the card above. Please use its buttons, or type 'cancel' to stop."
COHORT_GONE = (
    "Sorry, the cohort you chose is no longer taking sign-ups, so I haven't saved an application. Type 'join' to "
    "see what's open now."
)
# For the bot: a sign-up card clicked when no sign-up is under way (finished, cancelled, cleared, or a double click).
FORM_FINISHED = (
    "That sign-up form is finished or was cleared, so I can't use it again. Type 'join' to sign up, or 'profile' to "
    "see your answers."
)
CANCEL_WORDS = frozenset({"cancel", "stop", "quit"})

STEPS = ("cohort", "consent", "about", "interests", "review")
_FLOW = "signup.flow"
_STEP_IDS = {name: f"signup.step.{name}" for name in STEPS}

# Keys of the component's own state (beside botbuilder's "dialogs").
_FORM = "form"
_MODE = "mode"
_MOVED_AT = "moved_at"
# Keys of the waterfall's memory and options.
_RESUME = "resume"
_RESUME_AT = "resume_at"
_PROBLEMS = "problems"
_DECISION = "decision"
_OPTION_KEYS = ("mode", "tenant", "person", "display_name")

Memory = dict[str, Any]
Render = Callable[[Memory, Mapping[str, str], Mapping[str, str]], Awaitable[Card]]
Read = Callable[[Memory, object], object]


def is_signup_submission(value: object) -> bool:
    """Whether an Action.Submit came from a sign-up card, so the bot can answer with :data:`FORM_FINISHED` when no
    sign-up is under way."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("action"), str)
        and value["action"].startswith(ACTION_PREFIX)
    )


def is_cancel(text: object) -> bool:
    return isinstance(text, str) and text.strip().lower().rstrip(".!") in CANCEL_WORDS


class CardStep(Dialog):  # type: ignore[misc]
    """One step: send a card, then wait for a submission from that card (same form, an expected action), read it,
    and either end with the answers or send the card again with the problems and what was typed."""

    def __init__(self, step: str, actions: frozenset[str], fields: tuple[str, ...], render: Render, read: Read) -> None:
        super().__init__(_STEP_IDS[step])
        self._step = step
        self._actions = actions
        self._fields = fields
        self._render = render
        self._read = read

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        given: Mapping[str, Any] = options if isinstance(options, Mapping) else {}
        state = dialog_context.active_dialog.state
        state["context"] = _plain(given.get("context") or {})
        state["values"] = _plain(given.get("values") or {})
        await self._show(dialog_context.context, state, given.get("problems") or {})
        return Dialog.end_of_turn

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        turn: TurnContext = dialog_context.context
        if turn.activity.type != ActivityTypes.message:
            return Dialog.end_of_turn
        state = dialog_context.active_dialog.state
        value = turn.activity.value
        if not is_signup_submission(value):
            await turn.send_activity(USE_THE_CARD)
            return Dialog.end_of_turn
        if value.get("form") != state["context"][_FORM]:
            await turn.send_activity(EARLIER_FORM)
            return Dialog.end_of_turn
        action = value["action"]
        if action not in self._actions:
            await turn.send_activity(ALREADY_ANSWERED)
            return Dialog.end_of_turn
        values = form_values(value, self._fields)
        try:
            self._read(state["context"], value)
        except InvalidFields as error:
            state["values"] = values
            await self._show(turn, state, error.problems)
            return Dialog.end_of_turn
        return await dialog_context.end_dialog({"step": self._step, "action": action, "values": values})

    async def reprompt_dialog(self, context: TurnContext, instance: DialogInstance) -> None:
        await self._show(context, instance.state, {})

    async def _show(self, turn: TurnContext, state: Memory, problems: Mapping[str, str]) -> None:
        built = await self._render(state["context"], state["values"], problems)
        await turn.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(built)))


class SignUpDialog(ComponentDialog):  # type: ignore[misc]
    """Begin with options ``{"mode": "join" | "edit", "tenant": str, "person": str, "display_name": str}``."""

    def __init__(
        self, signup: SignUp, organisation: str, clock: Clock | None = None, dialog_id: str = SIGNUP_DIALOG_ID
    ) -> None:
        super().__init__(dialog_id)
        self._signup = signup
        self._organisation = organisation
        # Pass the service's clock, so tests can walk past the abandonment limit.
        self._clock = clock or SystemClock()
        self.add_dialog(
            WaterfallDialog(
                _FLOW,
                [
                    self._start,
                    self._ask_cohort,
                    self._ask_consent,
                    self._ask_about,
                    self._ask_interests,
                    self._ask_review,
                    self._finish,
                ],
            )
        )
        self.add_dialog(
            CardStep("cohort", frozenset({CHOOSE_COHORT}), COHORT_FIELDS, self._render_cohort, self._read_cohort)
        )
        self.add_dialog(
            CardStep("consent", frozenset({CONSENT}), CONSENT_FIELDS, self._render_consent, self._read_consent)
        )
        self.add_dialog(CardStep("about", frozenset({ABOUT_YOU}), ABOUT_FIELDS, self._render_about, self._read_about))
        self.add_dialog(
            CardStep(
                "interests", frozenset({INTERESTS}), INTERESTS_FIELDS, self._render_interests, self._read_interests
            )
        )
        self.add_dialog(CardStep("review", frozenset({CONFIRM, CHANGE}), (), self._render_review, _read_nothing))
        self.initial_dialog_id = _FLOW

    # The component: form token, cancelling, abandonment, and errors the person should read ------------------------

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        begin = _begin_options(options)
        form = secrets.token_urlsafe(16)
        state = dialog_context.active_dialog.state
        state[_FORM] = form
        state[_MODE] = begin["mode"]
        state[_MOVED_AT] = self._clock.now().isoformat()
        try:
            return await super().begin_dialog(dialog_context, {**begin, _FORM: form})
        except ProgrammeError as error:
            return await _stop(dialog_context, error.user_message)

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        turn: TurnContext = dialog_context.context
        state = dialog_context.active_dialog.state
        now = self._clock.now()
        is_message = turn.activity.type == ActivityTypes.message
        if _abandoned(state.get(_MOVED_AT), now):
            if is_message:
                await turn.send_activity(ABANDONED_EDIT if state.get(_MODE) == EDIT else ABANDONED_JOIN)
            return await dialog_context.end_dialog("abandoned")
        if not is_message:
            return Dialog.end_of_turn
        state[_MOVED_AT] = now.isoformat()
        if _wants_to_cancel(turn.activity, state[_FORM]):
            return await _stop(dialog_context, CANCELLED, "cancelled")
        try:
            return await super().continue_dialog(dialog_context)
        except ProgrammeError as error:
            return await _stop(dialog_context, error.user_message)

    # The waterfall --------------------------------------------------------------------------------------------------

    async def _start(self, step: WaterfallStepContext) -> DialogTurnResult:
        memory: Memory = step.values
        resume = step.options.pop(_RESUME, None)
        if resume is not None:
            memory.update(resume["memory"])
            memory[_RESUME_AT] = resume["at"]
            memory[_PROBLEMS] = resume["problems"]
            return await step.next(None)
        memory.update({key: step.options[key] for key in (*_OPTION_KEYS, _FORM)})
        person = PersonId(memory["person"])
        if memory["mode"] == JOIN:
            offer = await self._signup.options(person)
            memory["cohorts"] = [cohort.id for cohort in offer.cohorts]
            memory["manager"] = usable_manager(offer.manager_email)
            if len(offer.cohorts) == 1:
                memory["cohort_id"] = offer.cohorts[0].id
        else:
            cohort, application = await self._signup.editable(person)
            memory.update(cohort_id=cohort.id, application_id=application.id, version=application.version)
            memory["manager"] = None
            memory["about"], memory["interests"] = profile_values(application.profile)
        return await step.next(None)

    async def _ask_cohort(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await self._ask(step, "cohort")

    async def _ask_consent(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await self._ask(step, "consent")

    async def _ask_about(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await self._ask(step, "about")

    async def _ask_interests(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await self._ask(step, "interests")

    async def _ask_review(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await self._ask(step, "review")

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        memory: Memory = step.values
        _remember(memory, step.result)
        if memory.pop(_DECISION, None) == CHANGE:
            return await _restart_at(step, "about", {})
        person = PersonId(memory["person"])
        try:
            profile = _profile(memory)
            cohort = await self._cohort_for(memory)
            if memory["mode"] == JOIN:
                application = await self._signup.apply(
                    tenant=TenantId(memory["tenant"]),
                    person=person,
                    display_name=memory["display_name"],
                    cohort_id=cohort.id,
                    profile=profile,
                    agreement=parse_agreement(memory.get("consent")),
                )
                reply = application_received_card(cohort, application)
            else:
                application = await self._signup.update_profile(
                    person, memory["application_id"], profile, memory["version"]
                )
                reply = profile_updated_card(cohort, application)
        except InvalidFields as error:
            owner = _owning_step(error.problems, memory["mode"])
            if owner is None:
                raise
            return await _restart_at(step, owner, error.problems)
        await step.context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(reply)))
        return await step.end_dialog("applied" if memory["mode"] == JOIN else "updated")

    async def _ask(self, step: WaterfallStepContext, name: str) -> DialogTurnResult:
        memory: Memory = step.values
        _remember(memory, step.result)
        resume_at = memory.get(_RESUME_AT)
        if resume_at is not None and STEPS.index(name) < STEPS.index(resume_at):
            return await step.next(None)
        problems: dict[str, str] = {}
        if resume_at == name:
            del memory[_RESUME_AT]
            problems = memory.pop(_PROBLEMS, {})
            if name == "cohort":
                memory.pop("cohort_id", None)
        elif (name == "cohort" and "cohort_id" in memory) or (name == "consent" and memory["mode"] == EDIT):
            return await step.next(None)
        prefill = memory.get(name, {}) if name in ("consent", "about", "interests") else {}
        if name == "about" and memory["mode"] == JOIN and not prefill.get("work_email"):
            found = await _work_email_from_teams(step.context)
            if found:
                prefill = {**prefill, "work_email": found}
        return await step.begin_dialog(
            _STEP_IDS[name], {"context": _plain(memory), "values": prefill, "problems": problems}
        )

    # Rendering and reading each step's card ----------------------------------------------------------------------

    async def _render_cohort(self, memory: Memory, values: Mapping[str, str], problems: Mapping[str, str]) -> Card:
        offer = await self._signup.options(PersonId(memory["person"]))
        return choose_cohort_card(memory[_FORM], offer.cohorts, values, problems)

    async def _render_consent(self, memory: Memory, values: Mapping[str, str], problems: Mapping[str, str]) -> Card:
        return consent_card(memory[_FORM], self._organisation, values, problems)

    async def _render_about(self, memory: Memory, values: Mapping[str, str], problems: Mapping[str, str]) -> Card:
        return about_you_card(memory[_FORM], values, problems, memory.get("manager"))

    async def _render_interests(self, memory: Memory, values: Mapping[str, str], problems: Mapping[str, str]) -> Card:
        return interests_card(memory[_FORM], _role(memory), values, problems)

    async def _render_review(self, memory: Memory, values: Mapping[str, str], problems: Mapping[str, str]) -> Card:
        cohort = await self._cohort_for(memory)
        return review_card(memory[_FORM], cohort, _profile(memory), editing=memory["mode"] == EDIT)

    @staticmethod
    def _read_cohort(memory: Memory, value: object) -> object:
        return parse_cohort_choice(value, memory.get("cohorts", []))

    @staticmethod
    def _read_consent(memory: Memory, value: object) -> object:
        return parse_agreement(value)

    @staticmethod
    def _read_about(memory: Memory, value: object) -> object:
        return parse_about_you(value, memory.get("manager"))

    @staticmethod
    def _read_interests(memory: Memory, value: object) -> object:
        return parse_interests(value, _own_email(memory))

    async def _cohort_for(self, memory: Memory) -> Cohort:
        """The cohort as it is now: still open to this person (joining), or still holding their editable
        application (editing). Either raises a kind ProgrammeError when that is no longer so."""
        person = PersonId(memory["person"])
        if memory["mode"] == JOIN:
            try:
                offer = await self._signup.options(person)
            except Conflict:
                # "Nothing is open" would be true but unkind after five minutes of answers: say what happened.
                raise Conflict(COHORT_GONE) from None
            chosen = [cohort for cohort in offer.cohorts if cohort.id == memory["cohort_id"]]
            if not chosen:
                raise Conflict(COHORT_GONE)
            return chosen[0]
        cohort, application = await self._signup.editable(person)
        if application.id != memory["application_id"]:
            raise Conflict(
                "Your application changed while you were editing it, so I haven't saved these changes. Type "
                "'profile' to see where it stands."
            )
        return cohort


# Helpers -----------------------------------------------------------------------------------------------------------


def _begin_options(options: object) -> Memory:
    """The begin options, checked: they are persisted with the dialog, so they must be plain JSON."""
    if not isinstance(options, Mapping):
        raise TypeError("SignUpDialog needs begin options: mode, tenant, person and display_name")
    begin = {key: options.get(key) for key in _OPTION_KEYS}
    if begin["mode"] not in (JOIN, EDIT):
        raise ValueError(f"SignUpDialog mode must be '{JOIN}' or '{EDIT}'")
    if not all(isinstance(begin[key], str) for key in _OPTION_KEYS):
        raise TypeError("SignUpDialog options tenant, person and display_name must be strings")
    return begin


def _remember(memory: Memory, result: object) -> None:
    """Keep what a card step returned: its raw values, so a later card can be pre-filled with exactly them."""
    if not isinstance(result, Mapping) or "step" not in result:
        return
    step, values = result["step"], result["values"]
    if step == "cohort":
        memory["cohort_id"] = int(values["cohort"])
    elif step in ("consent", "about", "interests"):
        memory[step] = values
    elif step == "review":
        memory[_DECISION] = result["action"]


def _owning_step(problems: Mapping[str, str], mode: str) -> str | None:
    """The earliest card that asks for a field with a problem; None when no card of this sign-up does."""
    owners = {field: "about" for field in ABOUT_FIELDS} | {field: "interests" for field in INTERESTS_FIELDS}
    if mode == JOIN:
        owners |= {field: "consent" for field in CONSENT_FIELDS} | {field: "cohort" for field in COHORT_FIELDS}
    found = [owners[field] for field in problems if field in owners]
    return min(found, key=STEPS.index) if found else None


async def _restart_at(step: WaterfallStepContext, at: str, problems: Mapping[str, str]) -> DialogTurnResult:
    """Run the flow again from ``at``, keeping every answer; the steps before ``at`` are skipped."""
    memory = {key: value for key, value in step.values.items() if key not in (_RESUME_AT, _PROBLEMS, _DECISION)}
    options = {key: value for key, value in step.options.items() if key != _RESUME}
    options[_RESUME] = {"memory": memory, "at": at, "problems": dict(problems)}
    return await step.replace_dialog(_FLOW, _plain(options))


def _profile(memory: Memory) -> Profile:
    about = parse_about_you(memory.get("about", {}), memory.get("manager"))
    return build_profile(about, parse_interests(memory.get("interests", {}), about.work_email))


def _own_email(memory: Memory) -> str:
    """The work email the about-you card accepted ("" before then), to check the interests card against."""
    try:
        return parse_about_you(memory.get("about", {}), memory.get("manager")).work_email
    except InvalidFields:
        return ""


async def _work_email_from_teams(turn: TurnContext) -> str | None:
    """The person's own address as Teams knows it, or None. A suggestion only: the card shows it to be checked."""
    sender = turn.activity.from_property
    if sender is None or not sender.id:
        return None
    try:
        member = await TeamsInfo.get_member(turn, sender.id)
    except Exception as error:
        # Whatever went wrong, the person can still type it. The error's text can carry ids or addresses, so only
        # its kind is logged.
        log.info("could not look up a work email in Teams (%s); the person will type it", type(error).__name__)
        return None
    found = usable_work_email(getattr(member, "email", None)) or usable_work_email(
        getattr(member, "user_principal_name", None)
    )
    if found is None:
        log.info("Teams gave no usable work email for the person; they will type it")
    return found


def _role(memory: Memory) -> Role:
    about = memory.get("about", {})
    return parse_role(about.get("role", "")) or Role.MENTOR


def _read_nothing(memory: Memory, value: object) -> object:
    return None


def _wants_to_cancel(activity: Any, form: str) -> bool:
    value = activity.value
    if is_signup_submission(value):
        # A Cancel button from an earlier sign-up must not cancel this one; the step explains instead.
        return bool(value["action"] == CANCEL and value.get("form") == form)
    return value is None and is_cancel(activity.text)


def _abandoned(moved_at: object, now: datetime) -> bool:
    if not isinstance(moved_at, str):
        return True
    try:
        last = datetime.fromisoformat(moved_at)
    except ValueError:
        return True
    return now - last > ABANDON_AFTER


async def _stop(dialog_context: DialogContext, message: str, outcome: str = "stopped") -> DialogTurnResult:
    await dialog_context.context.send_activity(message)
    return await dialog_context.end_dialog(outcome)


def _plain(value: Any) -> Any:
    """A JSON round trip: a copy that shares nothing with live state, and a loud failure the moment anything that
    is not plain JSON would be persisted."""
    return json.loads(json.dumps(value))
