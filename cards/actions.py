"""Every card action the bot understands, parsed from untrusted submissions in one place.

A submission is whatever the client sent: it may be stale, tampered with or from an old card. Parsing turns it
into a typed action or raises :class:`UnknownAction` / :class:`InvalidInput`, never anything else.

Verbs, and what each carries in ``data``:

* ``help``, ``about``, ``privacy``: information cards; nothing.
* ``join``, ``profile``: start the sign-up or profile dialog. They come from Action.Submit buttons, because a
  dialog waits for message activities; nothing.
* ``cohorts``, ``cohort.new``: the cohort list and the empty "new cohort" form; nothing.
* ``cohort.create``: the form's inputs, kept raw for :func:`cards.cohorts.parse_cohort_form`.
* ``cohort.open``, ``cohort.close-signups``: ``cohort`` (id).
* ``applications``: ``cohort`` (id), optional ``page``.
* ``application.decide``: ``application`` (id), ``decision``, ``version``, ``cohort``, ``page``, and the typed
  reason in ``reason-<application id>``.
* ``my-data``, ``delete-my-data``, ``delete-my-data.cancel``, ``withdraw.cancel``: nothing.
* ``delete-my-data.confirm``, ``withdraw.confirm``: ``person``, the Entra object id the card was made for, so the
  handler can check that the person clicking is that person.
* ``match``: ``cohort``, optional ``page``. ``match.adjust``, ``match.rerun``, ``match.publish``,
  ``match.publish.confirm``: ``cohort``.
* ``pair.lock``: ``pair``, ``locked`` (true or false), ``cohort``, ``page``. ``pair.unpair``: ``pair``, ``cohort``,
  ``page``.
* ``pair.swap``: ``cohort`` and the two pairs chosen on the card, ``swap_first`` and ``swap_second``.
* ``pair.add``: ``cohort`` and the card's inputs ``mentor``, ``mentee``, ``override`` (a toggle) and
  ``override_reason``.
* ``agreement``: optional ``pair``. ``agreement.confirm``: ``pair``, ``version``. ``agreement.save``: ``pair``,
  ``version`` and the form's inputs, kept raw for :func:`cards.agreements.parse_agreement_form`. A version may be
  0: the agreement of a pair that has not written one yet.
* ``meeting.find``: optional ``pair`` (none means the person's current pair), optional ``later`` (true to look at
  the two weeks after the times on offer now).
* ``meeting.show`` (also the meeting card's refresh), ``meeting.reschedule``, ``meeting.cancel``: ``meeting``.
* ``meeting.pick``: ``meeting``, ``version`` and ``slot``, the 0-based index of the time chosen on the card.
* ``meeting.pick-time``: ``meeting``, ``version`` and the form's inputs (``meeting_date``, ``meeting_time``), kept
  raw for :func:`cards.meetings.parse_own_time`.
* ``meeting.keep``, ``meeting.cancel.confirm``: ``meeting``, ``version``. A meeting's versions start at 1.
* ``checkin.answer``: ``meeting`` and ``outcome`` (``met``, ``rescheduled`` or ``not-held``), the person's answer
  to "Did you meet?".
* ``concern``, ``concern.cancel``: ``context``, where the button was (a :class:`ConcernContext` value).
  ``concern.send``: ``context``, ``form`` (the form's token) and the form's inputs, kept raw for
  :func:`cards.concerns.parse_concern_form`. A concern is never refused for a damaged context or token: an unknown
  context becomes "other", and a missing token a fresh one.
* ``reflection.new``: optional ``meeting`` (none: a reflection not about a particular meeting). ``reflection.list``:
  optional ``page``. ``reflection.show``, ``reflection.edit``, ``reflection.delete``: ``reflection`` (id).
  ``reflection.delete.confirm``: ``reflection``, ``version``. ``reflection.save``: ``about`` (what a new reflection
  is stored under), ``version`` (0 for a new one), optional ``reflection`` (the one being edited) and the form's
  inputs, kept raw for :func:`cards.reflections.parse_reflection_form`.
* ``survey.show``: ``cohort`` and ``survey`` (``baseline``, ``midpoint`` or ``end``). ``survey.submit``: ``cohort``,
  ``survey``, ``set`` and ``version`` (the question set answered) and the form's inputs, kept raw for
  :func:`cards.surveys.parse_survey_answers`. ``survey.results``: ``cohort``.

Ids arrive as JSON numbers or, from some hosts, as digit strings; anything else means the card was damaged or
edited, and the person is pointed at the equivalent command rather than shown a technical error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from programme.applications import DECISIONS, ApplicationState
from programme.attendance import Outcome
from programme.concerns import ConcernContext, is_form_token
from programme.errors import InvalidInput
from programme.identity import PersonId
from programme.meetings import MAX_SLOTS
from programme.reflections import valid_key
from programme.survey_questions import MAX_SET_ID, SurveyKind
from programme.text import clean_line


class UnknownAction(InvalidInput):
    """The verb is not one this bot ever put on a card."""


DAMAGED = "That button seems to be damaged or out of date; please use the command instead."
MAX_VERB_LENGTH = 64
MAX_ID = 10**9
MAX_REASON_LENGTH = 200
# Cleaning collapses whitespace, so a reason may legitimately arrive a little longer than it ends up; far beyond
# that it is not worth cleaning at all.
_MAX_RAW_REASON_LENGTH = 10 * MAX_REASON_LENGTH
_DIGITS = re.compile(r"[0-9]{1,10}")
_DECISIONS_BY_VALUE = {state.value: state for state in DECISIONS}
_OUTCOMES_BY_VALUE = {outcome.value: outcome for outcome in Outcome}
_SURVEY_KINDS_BY_VALUE = {kind.value: kind for kind in SurveyKind}
_SET_ID = re.compile(f"[a-z0-9-]{{1,{MAX_SET_ID}}}")


@dataclass(frozen=True)
class ShowHelp:
    verb = "help"


@dataclass(frozen=True)
class ShowAbout:
    verb = "about"


@dataclass(frozen=True)
class ShowPrivacy:
    verb = "privacy"


@dataclass(frozen=True)
class Join:
    verb = "join"


@dataclass(frozen=True)
class EditProfile:
    verb = "profile"


@dataclass(frozen=True)
class ShowCohorts:
    verb = "cohorts"


@dataclass(frozen=True)
class NewCohortForm:
    verb = "cohort.new"


@dataclass(frozen=True)
class CreateCohort:
    """The new-cohort form as submitted; :func:`cards.cohorts.parse_cohort_form` reads it."""

    verb = "cohort.create"
    data: Mapping[str, object]


@dataclass(frozen=True)
class OpenCohort:
    verb = "cohort.open"
    cohort: int


@dataclass(frozen=True)
class CloseSignups:
    verb = "cohort.close-signups"
    cohort: int


@dataclass(frozen=True)
class ReviewApplications:
    verb = "applications"
    cohort: int
    page: int = 1


@dataclass(frozen=True)
class DecideApplication:
    verb = "application.decide"
    application: int
    decision: ApplicationState
    version: int
    reason: str
    cohort: int
    page: int


@dataclass(frozen=True)
class ShowMyData:
    verb = "my-data"


@dataclass(frozen=True)
class AskDeleteMyData:
    verb = "delete-my-data"


@dataclass(frozen=True)
class ConfirmDeleteMyData:
    verb = "delete-my-data.confirm"
    person: PersonId


@dataclass(frozen=True)
class CancelDeleteMyData:
    verb = "delete-my-data.cancel"


@dataclass(frozen=True)
class ConfirmWithdraw:
    verb = "withdraw.confirm"
    person: PersonId


@dataclass(frozen=True)
class CancelWithdraw:
    verb = "withdraw.cancel"


@dataclass(frozen=True)
class ShowMatch:
    verb = "match"
    cohort: int
    page: int = 1


@dataclass(frozen=True)
class AdjustMatch:
    verb = "match.adjust"
    cohort: int


@dataclass(frozen=True)
class RerunMatch:
    verb = "match.rerun"
    cohort: int


@dataclass(frozen=True)
class AskPublish:
    verb = "match.publish"
    cohort: int


@dataclass(frozen=True)
class ConfirmPublish:
    verb = "match.publish.confirm"
    cohort: int


@dataclass(frozen=True)
class LockPair:
    verb = "pair.lock"
    pair: int
    locked: bool
    cohort: int
    page: int


@dataclass(frozen=True)
class UnpairPair:
    verb = "pair.unpair"
    pair: int
    cohort: int
    page: int


@dataclass(frozen=True)
class SwapPairs:
    verb = "pair.swap"
    cohort: int
    first: int
    second: int


@dataclass(frozen=True)
class AddPair:
    verb = "pair.add"
    cohort: int
    mentor: int
    mentee: int
    override: bool
    override_reason: str


@dataclass(frozen=True)
class ShowAgreement:
    """A person's first-meeting agreement; ``pair`` None means their current pair."""

    verb = "agreement"
    pair: int | None = None


@dataclass(frozen=True)
class SaveAgreement:
    """The agreement form as submitted; :func:`cards.agreements.parse_agreement_form` reads ``data``."""

    verb = "agreement.save"
    pair: int
    version: int
    data: Mapping[str, object]


@dataclass(frozen=True)
class ConfirmAgreement:
    verb = "agreement.confirm"
    pair: int
    version: int


@dataclass(frozen=True)
class FindMeetingTimes:
    """Times for a pair's next meeting; ``pair`` None means the person's current pair, and ``later`` looks at the
    two weeks after the times on offer now."""

    verb = "meeting.find"
    pair: int | None = None
    later: bool = False


@dataclass(frozen=True)
class ShowMeeting:
    """The meeting as it stands now: the card's refresh, and the way back from a question."""

    verb = "meeting.show"
    meeting: int


@dataclass(frozen=True)
class PickSlot:
    """One of the times offered on the card, by its place in the offer (0 is the first)."""

    verb = "meeting.pick"
    meeting: int
    version: int
    slot: int


@dataclass(frozen=True)
class PickOwnTime:
    """A time of the person's own choosing; :func:`cards.meetings.parse_own_time` reads ``data``."""

    verb = "meeting.pick-time"
    meeting: int
    version: int
    data: Mapping[str, object]


@dataclass(frozen=True)
class KeepMeeting:
    """Stop rescheduling and keep the time already booked."""

    verb = "meeting.keep"
    meeting: int
    version: int


@dataclass(frozen=True)
class RescheduleMeeting:
    verb = "meeting.reschedule"
    meeting: int


@dataclass(frozen=True)
class AskCancelMeeting:
    verb = "meeting.cancel"
    meeting: int


@dataclass(frozen=True)
class ConfirmCancelMeeting:
    verb = "meeting.cancel.confirm"
    meeting: int
    version: int


@dataclass(frozen=True)
class AnswerCheckIn:
    """An answer to "Did you meet?" about one of the person's meetings."""

    verb = "checkin.answer"
    meeting: int
    outcome: Outcome


@dataclass(frozen=True)
class ShowConcernForm:
    """The "Raise a concern" form, opened from a card (its ``context``) or by typing the command."""

    verb = "concern"
    context: ConcernContext = ConcernContext.COMMAND


@dataclass(frozen=True)
class SendConcern:
    """The concern form as submitted; :func:`cards.concerns.parse_concern_form` reads ``data``. ``form`` is None
    when the token was missing or damaged."""

    verb = "concern.send"
    context: ConcernContext
    form: str | None
    data: Mapping[str, object]


@dataclass(frozen=True)
class CancelConcern:
    verb = "concern.cancel"
    context: ConcernContext


@dataclass(frozen=True)
class WriteReflection:
    """The reflection form: about ``meeting`` (one of the person's own), or about none in particular."""

    verb = "reflection.new"
    meeting: int | None = None


@dataclass(frozen=True)
class SaveReflection:
    """The reflection form as submitted; :func:`cards.reflections.parse_reflection_form` reads ``data``."""

    verb = "reflection.save"
    key: str
    reflection: int | None
    version: int
    data: Mapping[str, object]


@dataclass(frozen=True)
class ListReflections:
    verb = "reflection.list"
    page: int = 1


@dataclass(frozen=True)
class ShowReflection:
    verb = "reflection.show"
    reflection: int


@dataclass(frozen=True)
class EditReflection:
    verb = "reflection.edit"
    reflection: int


@dataclass(frozen=True)
class AskDeleteReflection:
    verb = "reflection.delete"
    reflection: int


@dataclass(frozen=True)
class ConfirmDeleteReflection:
    verb = "reflection.delete.confirm"
    reflection: int
    version: int


@dataclass(frozen=True)
class ShowSurvey:
    """One of the person's surveys, to answer or to change their answers."""

    verb = "survey.show"
    cohort: int
    kind: SurveyKind


@dataclass(frozen=True)
class SubmitSurvey:
    """A survey as answered; :func:`cards.surveys.parse_survey_answers` reads ``data``."""

    verb = "survey.submit"
    cohort: int
    kind: SurveyKind
    set_id: str
    version: int
    data: Mapping[str, object]


@dataclass(frozen=True)
class ShowSurveyResults:
    verb = "survey.results"
    cohort: int


# The matching review's and the first-meeting agreement's buttons, handled together by the bot.
MatchingAction = (
    ShowMatch
    | AdjustMatch
    | RerunMatch
    | AskPublish
    | ConfirmPublish
    | LockPair
    | UnpairPair
    | SwapPairs
    | AddPair
    | ShowAgreement
    | SaveAgreement
    | ConfirmAgreement
)

# A pair's meetings: finding times, choosing one, moving or cancelling it.
MeetingAction = (
    FindMeetingTimes
    | ShowMeeting
    | PickSlot
    | PickOwnTime
    | KeepMeeting
    | RescheduleMeeting
    | AskCancelMeeting
    | ConfirmCancelMeeting
)

# Answers to "Did you meet?".
CheckInAction = AnswerCheckIn

# Raising a concern: the form, sending it, or thinking better of it.
ConcernAction = ShowConcernForm | SendConcern | CancelConcern

# A person's own private reflections: writing, reading, changing and deleting them.
ReflectionAction = (
    WriteReflection
    | SaveReflection
    | ListReflections
    | ShowReflection
    | EditReflection
    | AskDeleteReflection
    | ConfirmDeleteReflection
)

# Surveys: answering one's own, and the coordinators' results.
SurveyAction = ShowSurvey | SubmitSurvey | ShowSurveyResults

CardAction = (
    ShowHelp
    | ShowAbout
    | ShowPrivacy
    | Join
    | EditProfile
    | ShowCohorts
    | NewCohortForm
    | CreateCohort
    | OpenCohort
    | CloseSignups
    | ReviewApplications
    | DecideApplication
    | ShowMyData
    | AskDeleteMyData
    | ConfirmDeleteMyData
    | CancelDeleteMyData
    | ConfirmWithdraw
    | CancelWithdraw
    | MatchingAction
    | MeetingAction
    | CheckInAction
    | ConcernAction
    | ReflectionAction
    | SurveyAction
)

_NO_ARGUMENT_ACTIONS: dict[str, CardAction] = {
    action.verb: action
    for action in (
        ShowHelp(),
        ShowAbout(),
        ShowPrivacy(),
        Join(),
        EditProfile(),
        ShowCohorts(),
        NewCohortForm(),
        ShowMyData(),
        AskDeleteMyData(),
        CancelDeleteMyData(),
        CancelWithdraw(),
    )
}


def parse_action(verb: object, data: object) -> CardAction:
    """Parse an Action.Execute (verb + data) or an Action.Submit (data carrying ``action``)."""
    if verb is not None and not isinstance(verb, str):
        # A verb that is present but not text was tampered with; do not fall back to guessing from ``data``.
        raise UnknownAction("That button is not one I recognise.")
    name = verb if isinstance(verb, str) and verb else None
    if name is None and isinstance(data, Mapping):
        candidate = data.get("action")
        name = candidate if isinstance(candidate, str) else None
    if name is None:
        raise UnknownAction("That button did not say what it was for. Please try the command instead.")
    if len(name) > MAX_VERB_LENGTH:
        raise UnknownAction("That button is not one I recognise.")
    if data is not None and not isinstance(data, Mapping):
        raise InvalidInput("That button sent something I could not read.")
    action = _NO_ARGUMENT_ACTIONS.get(name)
    if action is not None:
        return action
    parser = _PARSERS.get(name)
    if parser is None:
        raise UnknownAction("That button is not one I recognise; it may be from an older card. Try 'help'.")
    return parser(data if data is not None else {})


def _create_cohort(data: Mapping[object, object]) -> CardAction:
    return CreateCohort(_form(data))


def _review_applications(data: Mapping[object, object]) -> CardAction:
    return ReviewApplications(_id(data, "cohort"), _page(data))


def _decide_application(data: Mapping[object, object]) -> CardAction:
    application = _id(data, "application")
    raw_decision = data.get("decision")
    decision = _DECISIONS_BY_VALUE.get(raw_decision) if isinstance(raw_decision, str) else None
    if decision is None:
        raise InvalidInput(DAMAGED)
    return DecideApplication(
        application=application,
        decision=decision,
        version=_id(data, "version"),
        reason=_reason(data.get(f"reason-{application}")),
        cohort=_id(data, "cohort"),
        page=_page(data),
    )


def _confirm_delete(data: Mapping[object, object]) -> CardAction:
    return ConfirmDeleteMyData(_person(data))


def _confirm_withdraw(data: Mapping[object, object]) -> CardAction:
    return ConfirmWithdraw(_person(data))


def _show_match(data: Mapping[object, object]) -> CardAction:
    return ShowMatch(_id(data, "cohort"), _page(data))


def _lock_pair(data: Mapping[object, object]) -> CardAction:
    return LockPair(
        pair=_id(data, "pair"),
        locked=_flag(data.get("locked"), missing=None),
        cohort=_id(data, "cohort"),
        page=_page(data),
    )


def _unpair_pair(data: Mapping[object, object]) -> CardAction:
    return UnpairPair(pair=_id(data, "pair"), cohort=_id(data, "cohort"), page=_page(data))


def _swap_pairs(data: Mapping[object, object]) -> CardAction:
    cohort = _id(data, "cohort")
    if _unchosen(data, "swap_first") or _unchosen(data, "swap_second"):
        raise InvalidInput("Please choose the two pairs whose mentees you'd like to swap.")
    return SwapPairs(cohort=cohort, first=_id(data, "swap_first"), second=_id(data, "swap_second"))


def _add_pair(data: Mapping[object, object]) -> CardAction:
    cohort = _id(data, "cohort")
    if _unchosen(data, "mentor") or _unchosen(data, "mentee"):
        raise InvalidInput("Please choose a mentor and a mentee.")
    return AddPair(
        cohort=cohort,
        mentor=_id(data, "mentor"),
        mentee=_id(data, "mentee"),
        # A toggle left alone is sent as its "off" value, or by some hosts not at all.
        override=_flag(data.get("override"), missing=False),
        override_reason=_reason(data.get("override_reason")),
    )


def _show_agreement(data: Mapping[object, object]) -> CardAction:
    # "agreement" typed as a command, or a card from before pairs had ids on it: the person's current pair.
    return ShowAgreement(_optional_id(data, "pair"))


def _save_agreement(data: Mapping[object, object]) -> CardAction:
    return SaveAgreement(pair=_id(data, "pair"), version=_version(data), data=_form(data))


def _confirm_agreement(data: Mapping[object, object]) -> CardAction:
    return ConfirmAgreement(pair=_id(data, "pair"), version=_version(data))


def _find_meeting_times(data: Mapping[object, object]) -> CardAction:
    # "schedule" typed as a command, or a card that names no pair: the person's current pair.
    return FindMeetingTimes(pair=_optional_id(data, "pair"), later=_flag(data.get("later"), missing=False))


def _pick_slot(data: Mapping[object, object]) -> CardAction:
    slot = _number(data, "slot", lowest=0)
    # Only as many times as a meeting can offer; a bigger index is from an edited card.
    if slot >= MAX_SLOTS:
        raise InvalidInput(DAMAGED)
    return PickSlot(meeting=_id(data, "meeting"), version=_id(data, "version"), slot=slot)


def _pick_own_time(data: Mapping[object, object]) -> CardAction:
    return PickOwnTime(meeting=_id(data, "meeting"), version=_id(data, "version"), data=_form(data))


def _answer_check_in(data: Mapping[object, object]) -> CardAction:
    raw = data.get("outcome")
    outcome = _OUTCOMES_BY_VALUE.get(raw) if isinstance(raw, str) else None
    if outcome is None:
        raise InvalidInput(DAMAGED)
    return AnswerCheckIn(meeting=_id(data, "meeting"), outcome=outcome)


def _show_concern_form(data: Mapping[object, object]) -> CardAction:
    return ShowConcernForm(_concern_context(data))


def _send_concern(data: Mapping[object, object]) -> CardAction:
    form = data.get("form")
    return SendConcern(context=_concern_context(data), form=form if is_form_token(form) else None, data=_form(data))


def _cancel_concern(data: Mapping[object, object]) -> CardAction:
    return CancelConcern(_concern_context(data))


def _concern_context(data: Mapping[object, object]) -> ConcernContext:
    # Forgiving on purpose: someone raising a concern is never told their button is damaged.
    raw = data.get("context")
    try:
        return ConcernContext(raw) if isinstance(raw, str) else ConcernContext.OTHER
    except ValueError:
        return ConcernContext.OTHER


def _write_reflection(data: Mapping[object, object]) -> CardAction:
    return WriteReflection(_optional_id(data, "meeting"))


def _save_reflection(data: Mapping[object, object]) -> CardAction:
    key = data.get("about")
    if not isinstance(key, str) or not valid_key(key):
        raise InvalidInput(DAMAGED)
    return SaveReflection(
        key=key, reflection=_optional_id(data, "reflection"), version=_version(data), data=_form(data)
    )


def _list_reflections(data: Mapping[object, object]) -> CardAction:
    return ListReflections(_page(data))


def _survey_kind(data: Mapping[object, object]) -> SurveyKind:
    raw = data.get("survey")
    kind = _SURVEY_KINDS_BY_VALUE.get(raw) if isinstance(raw, str) else None
    if kind is None:
        raise InvalidInput(DAMAGED)
    return kind


def _show_survey(data: Mapping[object, object]) -> CardAction:
    return ShowSurvey(cohort=_id(data, "cohort"), kind=_survey_kind(data))


def _submit_survey(data: Mapping[object, object]) -> CardAction:
    set_id = data.get("set")
    if not isinstance(set_id, str) or not _SET_ID.fullmatch(set_id):
        raise InvalidInput(DAMAGED)
    return SubmitSurvey(
        cohort=_id(data, "cohort"),
        kind=_survey_kind(data),
        set_id=set_id,
        version=_id(data, "version"),
        data=_form(data),
    )


def _by_id(key: str, kind: Callable[[int], CardAction]) -> Callable[[Mapping[object, object]], CardAction]:
    """The parser of an action that carries only the id under ``key``."""

    def parse(data: Mapping[object, object]) -> CardAction:
        return kind(_id(data, key))

    return parse


def _by_id_and_version(
    key: str, kind: Callable[[int, int], CardAction]
) -> Callable[[Mapping[object, object]], CardAction]:
    """The parser of an action that carries the id under ``key`` and a ``version`` that starts at 1."""

    def parse(data: Mapping[object, object]) -> CardAction:
        return kind(_id(data, key), _id(data, "version"))

    return parse


_PARSERS: dict[str, Callable[[Mapping[object, object]], CardAction]] = {
    CreateCohort.verb: _create_cohort,
    OpenCohort.verb: _by_id("cohort", OpenCohort),
    CloseSignups.verb: _by_id("cohort", CloseSignups),
    ReviewApplications.verb: _review_applications,
    DecideApplication.verb: _decide_application,
    ConfirmDeleteMyData.verb: _confirm_delete,
    ConfirmWithdraw.verb: _confirm_withdraw,
    ShowMatch.verb: _show_match,
    AdjustMatch.verb: _by_id("cohort", AdjustMatch),
    RerunMatch.verb: _by_id("cohort", RerunMatch),
    AskPublish.verb: _by_id("cohort", AskPublish),
    ConfirmPublish.verb: _by_id("cohort", ConfirmPublish),
    LockPair.verb: _lock_pair,
    UnpairPair.verb: _unpair_pair,
    SwapPairs.verb: _swap_pairs,
    AddPair.verb: _add_pair,
    ShowAgreement.verb: _show_agreement,
    SaveAgreement.verb: _save_agreement,
    ConfirmAgreement.verb: _confirm_agreement,
    FindMeetingTimes.verb: _find_meeting_times,
    ShowMeeting.verb: _by_id("meeting", ShowMeeting),
    PickSlot.verb: _pick_slot,
    PickOwnTime.verb: _pick_own_time,
    KeepMeeting.verb: _by_id_and_version("meeting", KeepMeeting),
    RescheduleMeeting.verb: _by_id("meeting", RescheduleMeeting),
    AskCancelMeeting.verb: _by_id("meeting", AskCancelMeeting),
    ConfirmCancelMeeting.verb: _by_id_and_version("meeting", ConfirmCancelMeeting),
    AnswerCheckIn.verb: _answer_check_in,
    ShowConcernForm.verb: _show_concern_form,
    SendConcern.verb: _send_concern,
    CancelConcern.verb: _cancel_concern,
    WriteReflection.verb: _write_reflection,
    SaveReflection.verb: _save_reflection,
    ListReflections.verb: _list_reflections,
    ShowReflection.verb: _by_id("reflection", ShowReflection),
    EditReflection.verb: _by_id("reflection", EditReflection),
    AskDeleteReflection.verb: _by_id("reflection", AskDeleteReflection),
    ConfirmDeleteReflection.verb: _by_id_and_version("reflection", ConfirmDeleteReflection),
    ShowSurvey.verb: _show_survey,
    SubmitSurvey.verb: _submit_survey,
    ShowSurveyResults.verb: _by_id("cohort", ShowSurveyResults),
}


def _form(data: Mapping[object, object]) -> dict[str, object]:
    # A copy, detached from the activity; JSON object keys are always text, so other keys were not sent by a card.
    return {key: value for key, value in data.items() if isinstance(key, str)}


def _id(data: Mapping[object, object], key: str) -> int:
    return _number(data, key, lowest=1)


def _number(data: Mapping[object, object], key: str, *, lowest: int) -> int:
    """A whole number the bot put on the card: a JSON number, or a digit string from hosts that send every value
    as text. Booleans are ints to Python, and floats round, so both are refused."""
    raw = data.get(key)
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw):
        value = int(raw)
    else:
        raise InvalidInput(DAMAGED)
    if not lowest <= value <= MAX_ID:
        raise InvalidInput(DAMAGED)
    return value


def _optional_id(data: Mapping[object, object], key: str) -> int | None:
    # Absent (or null) means "none in particular"; anything else must be a proper id.
    return None if data.get(key) is None else _id(data, key)


def _version(data: Mapping[object, object]) -> int:
    # 0 is a real version here: the agreement of a pair that has not written one yet.
    return _number(data, "version", lowest=0)


def _unchosen(data: Mapping[object, object], key: str) -> bool:
    """A choice left empty: hosts send an empty string, or nothing at all."""
    return data.get(key) in (None, "")


def _flag(raw: object, *, missing: bool | None) -> bool:
    """A true/false the bot put on the card, or a toggle's value: JSON booleans or their text."""
    if raw is None and missing is not None:
        return missing
    if isinstance(raw, bool):
        return raw
    if raw == "true":
        return True
    if raw == "false":
        return False
    raise InvalidInput(DAMAGED)


def _page(data: Mapping[object, object]) -> int:
    # Cards from before paging had no page; the first page is the sensible place to land.
    return 1 if data.get("page") is None else _id(data, "page")


def _reason(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidInput(DAMAGED)
    too_long = InvalidInput(
        f"Please keep the reason to {MAX_REASON_LENGTH} characters. It is only for the audit log, so a few "
        "words are enough."
    )
    if len(raw) > _MAX_RAW_REASON_LENGTH:
        raise too_long
    reason = clean_line(raw)
    if len(reason) > MAX_REASON_LENGTH:
        raise too_long
    return reason


def _person(data: Mapping[object, object]) -> PersonId:
    raw = data.get("person")
    if not isinstance(raw, str):
        raise InvalidInput(DAMAGED)
    try:
        return PersonId.parse(raw)
    except InvalidInput:
        # The core's message explains GUIDs to operators; a person clicking a button needs a different one.
        raise InvalidInput(DAMAGED) from None
