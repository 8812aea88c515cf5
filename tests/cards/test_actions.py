"""parse_action turns every button the bot puts on a card into a typed action, and anything tampered with, stale
or malformed into a kind InvalidInput, never into a crash or a wrong action."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from cards.actions import (
    DAMAGED,
    MAX_ID,
    MAX_REASON_LENGTH,
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
    UnknownAction,
    UnpairPair,
    WriteReflection,
    parse_action,
)
from programme.applications import DECISIONS, ApplicationState
from programme.attendance import Outcome
from programme.concerns import ConcernContext
from programme.errors import InvalidInput
from programme.identity import PersonId
from programme.meetings import MAX_SLOTS
from programme.survey_questions import SurveyKind

GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
CONCERN_FORM = "0123456789abcdef0123456789abcdef"
PERSON = PersonId(GUID)


def decide(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "action": "application.decide",
        "application": 12,
        "decision": "approved",
        "version": 3,
        "cohort": 4,
        "page": 2,
        "reason-12": "Strong statement of interest",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not _ABSENT}


_ABSENT = object()

# One valid submission per verb, and what it must parse to.
VALID: list[tuple[str, dict[str, Any], CardAction]] = [
    ("help", {}, ShowHelp()),
    ("about", {}, ShowAbout()),
    ("privacy", {}, ShowPrivacy()),
    ("join", {}, Join()),
    ("profile", {}, EditProfile()),
    ("cohorts", {}, ShowCohorts()),
    ("cohort.new", {}, NewCohortForm()),
    ("cohort.create", {"name": "Spring"}, CreateCohort({"action": "cohort.create", "name": "Spring"})),
    ("cohort.open", {"cohort": 7}, OpenCohort(7)),
    ("cohort.close-signups", {"cohort": "7"}, CloseSignups(7)),
    ("applications", {"cohort": 7}, ReviewApplications(7)),
    ("applications", {"cohort": 7, "page": "3"}, ReviewApplications(7, 3)),
    (
        "application.decide",
        decide(),
        DecideApplication(12, ApplicationState.APPROVED, 3, "Strong statement of interest", 4, 2),
    ),
    ("my-data", {}, ShowMyData()),
    ("delete-my-data", {}, AskDeleteMyData()),
    ("delete-my-data.confirm", {"person": GUID}, ConfirmDeleteMyData(PERSON)),
    ("delete-my-data.cancel", {}, CancelDeleteMyData()),
    ("withdraw.confirm", {"person": GUID.upper()}, ConfirmWithdraw(PERSON)),
    ("withdraw.cancel", {}, CancelWithdraw()),
    ("match", {"cohort": 7}, ShowMatch(7)),
    ("match", {"cohort": "7", "page": 2}, ShowMatch(7, 2)),
    ("match.adjust", {"cohort": 7}, AdjustMatch(7)),
    ("match.rerun", {"cohort": 7}, RerunMatch(7)),
    ("match.publish", {"cohort": 7}, AskPublish(7)),
    ("match.publish.confirm", {"cohort": "7"}, ConfirmPublish(7)),
    ("pair.lock", {"pair": 40, "locked": True, "cohort": 7, "page": 2}, LockPair(40, True, 7, 2)),
    ("pair.lock", {"pair": "40", "locked": "false", "cohort": 7}, LockPair(40, False, 7, 1)),
    ("pair.unpair", {"pair": 40, "cohort": 7, "page": 3}, UnpairPair(40, 7, 3)),
    ("pair.swap", {"cohort": 7, "swap_first": "40", "swap_second": "41"}, SwapPairs(7, 40, 41)),
    (
        "pair.add",
        {"cohort": 7, "mentor": "12", "mentee": "22", "override": "true", "override_reason": " They asked  to "},
        AddPair(7, 12, 22, True, "They asked to"),
    ),
    ("pair.add", {"cohort": 7, "mentor": "12", "mentee": "22"}, AddPair(7, 12, 22, False, "")),
    ("agreement", {}, ShowAgreement(None)),
    ("agreement", {"pair": 40}, ShowAgreement(40)),
    (
        "agreement.save",
        {"pair": 40, "version": 0},
        SaveAgreement(40, 0, {"action": "agreement.save", "pair": 40, "version": 0}),
    ),
    ("agreement.confirm", {"pair": 40, "version": "3"}, ConfirmAgreement(40, 3)),
    ("meeting.find", {}, FindMeetingTimes()),
    ("meeting.find", {"pair": 40}, FindMeetingTimes(40)),
    ("meeting.find", {"pair": "40", "later": True}, FindMeetingTimes(40, later=True)),
    ("meeting.find", {"pair": 40, "later": "false"}, FindMeetingTimes(40)),
    ("meeting.show", {"meeting": 9}, ShowMeeting(9)),
    ("meeting.pick", {"meeting": 9, "version": 2, "slot": 0}, PickSlot(9, 2, 0)),
    ("meeting.pick", {"meeting": "9", "version": "2", "slot": "4"}, PickSlot(9, 2, 4)),
    (
        "meeting.pick-time",
        {"meeting": 9, "version": 2, "meeting_date": "2026-01-21", "meeting_time": "13:00"},
        PickOwnTime(
            9,
            2,
            {
                "action": "meeting.pick-time",
                "meeting": 9,
                "version": 2,
                "meeting_date": "2026-01-21",
                "meeting_time": "13:00",
            },
        ),
    ),
    ("meeting.keep", {"meeting": 9, "version": 2}, KeepMeeting(9, 2)),
    ("meeting.reschedule", {"meeting": "9"}, RescheduleMeeting(9)),
    ("meeting.cancel", {"meeting": 9}, AskCancelMeeting(9)),
    ("meeting.cancel.confirm", {"meeting": 9, "version": "2"}, ConfirmCancelMeeting(9, 2)),
    ("checkin.answer", {"meeting": 9, "outcome": "met"}, AnswerCheckIn(9, Outcome.MET)),
    ("checkin.answer", {"meeting": "9", "outcome": "not-held"}, AnswerCheckIn(9, Outcome.NOT_HELD)),
    ("checkin.answer", {"meeting": 9, "outcome": "rescheduled"}, AnswerCheckIn(9, Outcome.RESCHEDULED)),
    ("concern", {"context": "reflection"}, ShowConcernForm(ConcernContext.REFLECTION)),
    (
        "concern.send",
        {"context": "check-in", "form": CONCERN_FORM, "concern_text": "Hello"},
        SendConcern(
            ConcernContext.CHECK_IN,
            CONCERN_FORM,
            {"action": "concern.send", "context": "check-in", "form": CONCERN_FORM, "concern_text": "Hello"},
        ),
    ),
    ("concern.cancel", {"context": "help"}, CancelConcern(ConcernContext.HELP)),
    ("reflection.new", {}, WriteReflection()),
    ("reflection.new", {"meeting": "9"}, WriteReflection(9)),
    (
        "reflection.save",
        {"about": "meeting:9", "version": 0},
        SaveReflection("meeting:9", None, 0, {"action": "reflection.save", "about": "meeting:9", "version": 0}),
    ),
    ("reflection.list", {}, ListReflections()),
    ("reflection.list", {"page": 2}, ListReflections(2)),
    ("reflection.show", {"reflection": 5}, ShowReflection(5)),
    ("reflection.edit", {"reflection": "5"}, EditReflection(5)),
    ("reflection.delete", {"reflection": 5}, AskDeleteReflection(5)),
    ("reflection.delete.confirm", {"reflection": 5, "version": 2}, ConfirmDeleteReflection(5, 2)),
    ("survey.show", {"cohort": 3, "survey": "baseline"}, ShowSurvey(3, SurveyKind.BASELINE)),
    (
        "survey.submit",
        {"cohort": "3", "survey": "end", "set": "mentee-end", "version": 1, "likert-act": "4"},
        SubmitSurvey(
            3,
            SurveyKind.END,
            "mentee-end",
            1,
            {
                "action": "survey.submit",
                "cohort": "3",
                "survey": "end",
                "set": "mentee-end",
                "version": 1,
                "likert-act": "4",
            },
        ),
    ),
    ("survey.results", {"cohort": 3}, ShowSurveyResults(3)),
]


@pytest.mark.parametrize(("verb", "data", "expected"), VALID, ids=[f"{v}-{i}" for i, (v, _, _) in enumerate(VALID)])
def test_every_verb_parses_from_an_execute_and_from_a_submit(verb: str, data: dict[str, Any], expected: object) -> None:
    sent = {"action": verb, **data}
    assert parse_action(verb, sent) == expected
    assert parse_action(None, sent) == expected


def test_every_action_in_the_union_has_a_verb_and_a_valid_sample() -> None:
    classes = typing.get_args(CardAction)
    verbs = [cls.verb for cls in classes]
    assert len(set(verbs)) == len(verbs)
    assert {type(expected) for _, _, expected in VALID} == set(classes)


def test_no_argument_actions_need_no_data() -> None:
    assert parse_action("cohorts", None) == ShowCohorts()
    assert parse_action("my-data", None) == ShowMyData()


def test_create_cohort_keeps_a_detached_copy_of_the_form() -> None:
    data: dict[object, object] = {"action": "cohort.create", "name": "Spring", 3: "not from a card"}
    action = parse_action("cohort.create", data)
    data["name"] = "changed later"
    assert isinstance(action, CreateCohort)
    assert action.data == {"action": "cohort.create", "name": "Spring"}


def test_create_cohort_without_data_carries_an_empty_form() -> None:
    assert parse_action("cohort.create", None) == CreateCohort({})


def test_every_decision_the_card_offers_parses() -> None:
    for decision in DECISIONS:
        action = parse_action("application.decide", decide(decision=decision.value))
        assert isinstance(action, DecideApplication)
        assert action.decision is decision


def test_the_reason_is_tidied_and_optional() -> None:
    tidy = parse_action("application.decide", decide(**{"reason-12": "  two\n\tlines   and\u0000 spaces "}))
    assert isinstance(tidy, DecideApplication)
    assert tidy.reason == "two lines and spaces"
    absent = parse_action("application.decide", decide(**{"reason-12": _ABSENT}))
    assert isinstance(absent, DecideApplication)
    assert absent.reason == ""


def test_the_reason_is_read_from_the_input_of_the_application_decided() -> None:
    # Every reason box on the card is submitted with every button; only this application's one counts.
    action = parse_action("application.decide", decide(**{"reason-12": "", "reason-13": "for someone else"}))
    assert isinstance(action, DecideApplication)
    assert action.reason == ""
    by_string_id = parse_action("application.decide", decide(application="12"))
    assert isinstance(by_string_id, DecideApplication)
    assert by_string_id.reason == "Strong statement of interest"


def test_a_reason_at_the_limit_is_kept_and_one_over_is_refused_kindly() -> None:
    at_limit = parse_action("application.decide", decide(**{"reason-12": "r" * MAX_REASON_LENGTH}))
    assert isinstance(at_limit, DecideApplication)
    assert len(at_limit.reason) == MAX_REASON_LENGTH
    # Whitespace that cleaning removes does not count.
    padded = parse_action("application.decide", decide(**{"reason-12": " " * 300 + "short" + " " * 300}))
    assert isinstance(padded, DecideApplication)
    assert padded.reason == "short"
    for too_long in ("r" * (MAX_REASON_LENGTH + 1), "r" * 100_000):
        with pytest.raises(InvalidInput) as caught:
            parse_action("application.decide", decide(**{"reason-12": too_long}))
        assert f"{MAX_REASON_LENGTH} characters" in caught.value.user_message
        assert not isinstance(caught.value, UnknownAction)


def test_a_missing_page_means_the_first() -> None:
    assert parse_action("applications", {"cohort": 7, "page": None}) == ReviewApplications(7, 1)
    action = parse_action("application.decide", decide(page=_ABSENT))
    assert isinstance(action, DecideApplication)
    assert action.page == 1


BAD_IDS: list[Any] = [
    _ABSENT,
    None,
    True,
    False,
    1.0,
    1.5,
    0,
    -1,
    "-1",
    "0",
    MAX_ID + 1,
    10**100,
    str(10**100),
    "12a",
    " 12",
    "12\n",
    "",
    "\u0661\u0662",  # Arabic-Indic digits: str.isdigit says yes, int() would take them
    "\u00b2",
    "1e3",
    "0x1f",
    [12],
    {"id": 12},
]


def _id_cases() -> list[Any]:
    cases = []
    for bad in BAD_IDS:
        for verb, field in (
            ("cohort.open", "cohort"),
            ("cohort.close-signups", "cohort"),
            ("applications", "cohort"),
            ("applications", "page"),
            ("application.decide", "application"),
            ("application.decide", "version"),
            ("application.decide", "cohort"),
            ("application.decide", "page"),
            *((verb, "cohort") for verb in MATCH_VERBS),
            ("match", "page"),
            ("pair.lock", "pair"),
            ("pair.lock", "cohort"),
            ("pair.lock", "page"),
            ("pair.unpair", "pair"),
            ("pair.unpair", "cohort"),
            ("pair.unpair", "page"),
            ("pair.swap", "cohort"),
            ("pair.add", "cohort"),
            ("agreement", "pair"),
            ("agreement.save", "pair"),
            ("agreement.confirm", "pair"),
            *((verb, "meeting") for verb in MEETING_VERBS),
            *((verb, "version") for verb in VERSIONED_MEETING_VERBS),
            ("meeting.find", "pair"),
        ):
            optional = field == "page" or (verb, field) in (("agreement", "pair"), ("meeting.find", "pair"))
            if optional and (bad is _ABSENT or bad is None):
                continue  # a missing page is allowed (see above), and so is a missing pair (see below)
            cases.append(pytest.param(verb, field, bad, id=f"{verb}-{field}-{bad!r:.20}"))
    return cases


MATCH_VERBS = ("match", "match.adjust", "match.rerun", "match.publish", "match.publish.confirm")
# A meeting's versions start at 1, so unlike an agreement's, 0 is damage too.
VERSIONED_MEETING_VERBS = ("meeting.pick", "meeting.pick-time", "meeting.keep", "meeting.cancel.confirm")
MEETING_VERBS = ("meeting.show", "meeting.reschedule", "meeting.cancel", *VERSIONED_MEETING_VERBS)


def _whole(verb: str) -> dict[str, object]:
    """A complete, valid submission of ``verb``, to damage one field of."""
    if verb == "application.decide":
        return decide()
    return {
        "action": verb,
        "cohort": 7,
        "page": 1,
        "pair": 40,
        "locked": True,
        "version": 2,
        "swap_first": "40",
        "swap_second": "41",
        "mentor": "12",
        "mentee": "22",
        "meeting": 9,
        "slot": 1,
        "later": False,
    }


@pytest.mark.parametrize(("verb", "field", "bad"), _id_cases())
def test_damaged_ids_are_refused_kindly(verb: str, field: str, bad: object) -> None:
    data = _whole(verb)
    if bad is _ABSENT:
        data.pop(field, None)
    else:
        data[field] = bad
    with pytest.raises(InvalidInput) as caught:
        parse_action(verb, data)
    assert caught.value.user_message == DAMAGED


def test_ids_at_the_edges_of_the_range() -> None:
    assert parse_action("cohort.open", {"cohort": 1}) == OpenCohort(1)
    assert parse_action("cohort.open", {"cohort": MAX_ID}) == OpenCohort(MAX_ID)
    assert parse_action("cohort.open", {"cohort": str(MAX_ID)}) == OpenCohort(MAX_ID)
    assert parse_action("cohort.open", {"cohort": "007"}) == OpenCohort(7)


@pytest.mark.parametrize(
    "decision",
    ["submitted", "withdrawn", "APPROVED", "approve", "", None, 1, True, ["approved"], {"v": "approved"}, _ABSENT],
)
def test_a_decision_the_card_never_offers_is_refused(decision: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_action("application.decide", decide(decision=decision))
    assert caught.value.user_message == DAMAGED


@pytest.mark.parametrize("reason", [12, True, ["why"], {"text": "why"}])
def test_a_reason_that_is_not_text_is_refused(reason: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_action("application.decide", decide(**{"reason-12": reason}))
    assert caught.value.user_message == DAMAGED


@pytest.mark.parametrize("verb", ["delete-my-data.confirm", "withdraw.confirm"])
@pytest.mark.parametrize(
    "person",
    [
        _ABSENT,
        None,
        "",
        "someone",
        "29:1a2b3c-teams-user-id",
        GUID + "0",
        GUID.replace("-", ""),
        "x" * 100_000,
        12,
        True,
        [GUID],
        {"id": GUID},
    ],
)
def test_a_person_that_is_not_an_object_id_is_refused_kindly(verb: str, person: object) -> None:
    data: dict[str, object] = {"action": verb}
    if person is not _ABSENT:
        data["person"] = person
    with pytest.raises(InvalidInput) as caught:
        parse_action(verb, data)
    # Not the core's message about GUIDs, which is written for operators.
    assert caught.value.user_message == DAMAGED


def test_a_person_id_is_normalised() -> None:
    assert parse_action("withdraw.confirm", {"person": "{" + GUID.upper() + "}"}) == ConfirmWithdraw(PERSON)


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        pytest.param("cohort.delete", {"cohort": 1}, id="a verb no card has"),
        pytest.param("Cohort.Open", {"cohort": 1}, id="verbs are exact"),
        pytest.param(None, {"action": "application.approve", "application": 1}, id="unknown submit"),
        pytest.param("delete-my-data.confirm ", {"person": GUID}, id="trailing space"),
    ],
)
def test_unknown_verbs_keep_their_message(verb: object, data: object) -> None:
    with pytest.raises(UnknownAction) as caught:
        parse_action(verb, data)
    assert "not one I recognise" in caught.value.user_message


@pytest.mark.parametrize("data", ["cohort=1", [("cohort", 1)], 7])
def test_arguments_that_are_not_an_object_are_refused(data: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_action("cohort.open", data)
    assert caught.value.user_message == "That button sent something I could not read."


# Matching and agreements ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["agreement.save", "agreement.confirm"])
@pytest.mark.parametrize("bad", [b for b in BAD_IDS if b not in (0, "0")])
def test_damaged_versions_are_refused_kindly(verb: str, bad: object) -> None:
    data = _whole(verb)
    if bad is _ABSENT:
        data.pop("version")
    else:
        data["version"] = bad
    with pytest.raises(InvalidInput) as caught:
        parse_action(verb, data)
    assert caught.value.user_message == DAMAGED


@pytest.mark.parametrize("verb", ["agreement.save", "agreement.confirm"])
def test_version_zero_is_an_agreement_not_yet_written_but_pair_zero_is_damage(verb: str) -> None:
    for zero in (0, "0"):
        action = parse_action(verb, {**_whole(verb), "version": zero})
        assert isinstance(action, SaveAgreement | ConfirmAgreement)
        assert action.version == 0
    with pytest.raises(InvalidInput) as caught:
        parse_action(verb, {**_whole(verb), "pair": 0})
    assert caught.value.user_message == DAMAGED


def test_the_agreement_of_the_current_pair_needs_no_pair() -> None:
    assert parse_action("agreement", None) == ShowAgreement(None)
    assert parse_action("agreement", {"pair": None}) == ShowAgreement(None)


def test_saving_an_agreement_keeps_a_detached_copy_of_the_form() -> None:
    data: dict[object, object] = {"action": "agreement.save", "pair": 4, "version": 1, "goal_1": "Listen", 9: "x"}
    action = parse_action("agreement.save", data)
    data["goal_1"] = "changed later"
    assert isinstance(action, SaveAgreement)
    assert action.data == {"action": "agreement.save", "pair": 4, "version": 1, "goal_1": "Listen"}


@pytest.mark.parametrize("locked", [_ABSENT, None, "yes", "True", "TRUE", "1", 1, 0, "", ["true"], {"v": True}])
def test_a_lock_that_is_not_true_or_false_is_refused(locked: object) -> None:
    data = _whole("pair.lock")
    if locked is _ABSENT:
        data.pop("locked")
    else:
        data["locked"] = locked
    with pytest.raises(InvalidInput) as caught:
        parse_action("pair.lock", data)
    assert caught.value.user_message == DAMAGED


@pytest.mark.parametrize(("sent", "locked"), [(True, True), (False, False), ("true", True), ("false", False)])
def test_a_lock_may_arrive_as_a_boolean_or_its_text(sent: object, locked: bool) -> None:
    action = parse_action("pair.lock", {**_whole("pair.lock"), "locked": sent})
    assert isinstance(action, LockPair)
    assert action.locked is locked


@pytest.mark.parametrize(
    ("verb", "fields", "message"),
    [
        ("pair.swap", ("swap_first", "swap_second"), "Please choose the two pairs whose mentees you'd like to swap."),
        ("pair.add", ("mentor", "mentee"), "Please choose a mentor and a mentee."),
    ],
)
@pytest.mark.parametrize("unchosen", [_ABSENT, None, ""])
def test_a_choice_left_empty_is_asked_for_not_called_damage(
    verb: str, fields: tuple[str, str], message: str, unchosen: object
) -> None:
    for field in fields:
        data = _whole(verb)
        if unchosen is _ABSENT:
            data.pop(field)
        else:
            data[field] = unchosen
        with pytest.raises(InvalidInput) as caught:
            parse_action(verb, data)
        assert caught.value.user_message == message
        assert not isinstance(caught.value, UnknownAction)


@pytest.mark.parametrize("field", ["swap_first", "swap_second", "mentor", "mentee"])
@pytest.mark.parametrize("bad", [b for b in BAD_IDS if b not in (_ABSENT, None, "")])
def test_a_tampered_choice_is_damage(field: str, bad: object) -> None:
    verb = "pair.swap" if field.startswith("swap") else "pair.add"
    with pytest.raises(InvalidInput) as caught:
        parse_action(verb, {**_whole(verb), field: bad})
    assert caught.value.user_message == DAMAGED


def test_a_choice_from_the_card_is_read_from_its_digit_string() -> None:
    assert parse_action("pair.swap", {**_whole("pair.swap"), "swap_first": 40, "swap_second": "041"}) == SwapPairs(
        7, 40, 41
    )


@pytest.mark.parametrize(
    ("sent", "override"), [(_ABSENT, False), (None, False), ("false", False), ("true", True), (True, True)]
)
def test_the_override_toggle(sent: object, override: bool) -> None:
    data = _whole("pair.add")
    if sent is not _ABSENT:
        data["override"] = sent
    action = parse_action("pair.add", data)
    assert isinstance(action, AddPair)
    assert action.override is override


@pytest.mark.parametrize("sent", ["yes", "on", "1", 1, "", ["true"]])
def test_a_tampered_override_is_refused(sent: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_action("pair.add", {**_whole("pair.add"), "override": sent})
    assert caught.value.user_message == DAMAGED


def test_the_override_reason_is_tidied_and_kept_to_its_limit() -> None:
    tidy = parse_action("pair.add", {**_whole("pair.add"), "override_reason": "  they\n asked\u0000 to "})
    assert isinstance(tidy, AddPair)
    assert tidy.override_reason == "they asked to"
    at_limit = parse_action("pair.add", {**_whole("pair.add"), "override_reason": "r" * MAX_REASON_LENGTH})
    assert isinstance(at_limit, AddPair)
    assert len(at_limit.override_reason) == MAX_REASON_LENGTH
    for too_long in ("r" * (MAX_REASON_LENGTH + 1), "r" * 100_000):
        with pytest.raises(InvalidInput) as caught:
            parse_action("pair.add", {**_whole("pair.add"), "override_reason": too_long})
        assert f"{MAX_REASON_LENGTH} characters" in caught.value.user_message
    with pytest.raises(InvalidInput) as damaged:
        parse_action("pair.add", {**_whole("pair.add"), "override_reason": ["why"]})
    assert damaged.value.user_message == DAMAGED


# Meetings ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slot", [0, "0", 1, MAX_SLOTS - 1, str(MAX_SLOTS - 1)])
def test_every_slot_an_offer_can_hold_parses_from_the_first(slot: object) -> None:
    action = parse_action("meeting.pick", {**_whole("meeting.pick"), "slot": slot})
    assert isinstance(action, PickSlot)
    assert action.slot == int(str(slot))


@pytest.mark.parametrize("slot", [b for b in BAD_IDS if b not in (0, "0")] + [MAX_SLOTS, str(MAX_SLOTS), 99])
def test_a_slot_the_card_never_offered_is_refused_kindly(slot: object) -> None:
    data = _whole("meeting.pick")
    if slot is _ABSENT:
        data.pop("slot")
    else:
        data["slot"] = slot
    with pytest.raises(InvalidInput) as caught:
        parse_action("meeting.pick", data)
    assert caught.value.user_message == DAMAGED


def test_finding_times_without_a_pair_means_the_current_pair() -> None:
    assert parse_action("meeting.find", None) == FindMeetingTimes(None, later=False)
    assert parse_action("meeting.find", {"pair": None, "later": None}) == FindMeetingTimes()


@pytest.mark.parametrize("later", ["yes", "True", "1", 1, 0, "", ["true"], {"v": True}])
def test_a_tampered_later_is_refused(later: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_action("meeting.find", {"pair": 40, "later": later})
    assert caught.value.user_message == DAMAGED


def test_choosing_a_time_keeps_a_detached_copy_of_the_form() -> None:
    data: dict[object, object] = {
        "action": "meeting.pick-time",
        "meeting": 9,
        "version": 2,
        "meeting_date": "2026-01-21",
        5: "not from a card",
    }
    action = parse_action("meeting.pick-time", data)
    data["meeting_date"] = "changed later"
    assert isinstance(action, PickOwnTime)
    assert action.data == {"action": "meeting.pick-time", "meeting": 9, "version": 2, "meeting_date": "2026-01-21"}
