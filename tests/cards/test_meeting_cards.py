"""The scheduling cards: each state says what is happening in plain words, offers the right buttons with the right
data, shows times in the organisation's zone, names the partner (escaped) and nothing private, and refreshes itself;
and a time chosen on the card's own form is read back carefully."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.meeting_messages import CardMeetingMessages
from cards.actions import (
    AskCancelMeeting,
    ConfirmCancelMeeting,
    FindMeetingTimes,
    KeepMeeting,
    PickOwnTime,
    PickSlot,
    RescheduleMeeting,
    ShowMeeting,
    parse_action,
)
from cards.elements import Card
from cards.meetings import (
    DATE_INPUT,
    MAX_NOTICE,
    TIME_INPUT,
    cancel_confirmation_card,
    meeting_card,
    parse_own_time,
    when_text,
)
from programme.calendar import Interval
from programme.cohorts import CohortState
from programme.errors import InvalidFields
from programme.meeting_messages import MeetingMessages
from programme.meeting_view import MeetingView
from programme.meetings import MAX_SLOTS, MeetingState
from tests.cards.match_samples import MARKDOWN, cohort, mentee, mentor
from tests.cards.meeting_samples import (
    BOOKED_AT,
    GRAPH_JOIN_URL,
    ICS_URL,
    LONDON,
    SLOTS,
    at,
    booked,
    hour_from,
    local_join_url,
    local_view,
    meeting,
    offered,
    rescheduling,
    view,
)
from tests.support.card_reading import button, card_actions, card_text, elements, inputs, text_blocks

# The whole of each state, through both calendars: the privacy and refresh checks run over all of them.
EVERY_VIEW = [
    pytest.param(built, id=f"{label}{'' if built.invitations else ', local'}")
    for label, shown in (
        ("offered", offered()),
        ("offered, nothing free", offered(slots=())),
        ("rescheduling", rescheduling()),
        ("booking", meeting(MeetingState.BOOKING, version=2)),
        ("booked", booked()),
        ("cancelled", meeting(MeetingState.CANCELLED, version=5)),
    )
    for built in (view(shown), local_view(shown), view(shown, to_mentor=False))
]


def _buttons(built: Card) -> list[Mapping[str, Any]]:
    """The buttons a person can press: every action but the card's own refresh."""
    refresh = built.get("refresh", {}).get("action")
    return [action for action in card_actions(built) if action is not refresh]


def _pressed(action: Mapping[str, Any], **answers: object) -> object:
    """What the bot makes of a press of ``action``, with these answers in the card's inputs."""
    sent = dict(action["data"]) if action.get("associatedInputs") == "none" else {**answers, **action["data"]}
    return parse_action(action["verb"], sent)


def _readable(built: Card) -> Iterator[str]:
    """Every string a person could read on the card: everything but the links buttons open."""
    for node in elements(built):
        for key, value in node.items():
            if isinstance(value, str) and key != "url":
                yield value


# Times on offer ---------------------------------------------------------------------------------------------------


def test_each_time_on_offer_is_a_button_that_picks_it_by_its_place() -> None:
    built = meeting_card(view(offered(version=3)))
    picks = [action for action in _buttons(built) if action["verb"] == "meeting.pick"]
    assert [action["title"] for action in picks] == [
        "Monday 19 January, 10:00\u201311:00",
        "Tuesday 20 January, 14:30\u201315:30",
        "Thursday 22 January, 09:00\u201310:00",
        "Tuesday 27 January, 16:00\u201317:00",
        "Thursday 29 January, 11:00\u201312:00",
    ]
    assert [_pressed(action) for action in picks] == [PickSlot(7, 3, n) for n in range(5)]
    assert picks[0]["data"] == {"action": "meeting.pick", "meeting": 7, "version": 3, "slot": 0}
    # The own-time form's required inputs must not stand in the way of a time on offer.
    assert all(action["associatedInputs"] == "none" for action in picks)
    texts = text_blocks(built)
    assert texts[0] == "Choose a time to meet"
    assert "Times when you're both free" in texts
    assert (
        "Either you or Dana Whitfield can choose one. The first choice books it for you both, and you'll each get a "
        "confirmation." in texts
    )


def test_an_offer_also_has_a_form_for_a_time_of_their_own() -> None:
    built = meeting_card(view(offered(version=3)))
    form = inputs(built)
    assert set(form) == {DATE_INPUT, TIME_INPUT}
    assert form[DATE_INPUT]["type"] == "Input.Date"
    assert form[TIME_INPUT]["type"] == "Input.Time"
    assert all(field["isRequired"] and field["errorMessage"] for field in form.values())
    book = button(built, "Book this time")
    assert book["verb"] == "meeting.pick-time"
    assert "associatedInputs" not in book  # it is the one button that sends the inputs
    answers = {DATE_INPUT: "2026-01-21", TIME_INPUT: "13:00"}
    assert _pressed(book, **answers) == PickOwnTime(
        7, 3, {"action": "meeting.pick-time", "meeting": 7, "version": 3, **answers}
    )
    assert any("booked for 60 minutes" in text for text in text_blocks(built))


def test_an_offer_can_look_further_ahead() -> None:
    later = button(meeting_card(view(offered())), "Look at the two weeks after")
    assert later["data"] == {"action": "meeting.find", "pair": 101, "later": True}
    assert later["associatedInputs"] == "none"
    assert _pressed(later) == FindMeetingTimes(101, later=True)


def test_an_offer_with_no_common_time_says_so_kindly_with_the_dates() -> None:
    built = meeting_card(view(offered(slots=())))
    # Looking further ahead comes first, straight after the news that nothing fitted, then the own-time form.
    assert [action["verb"] for action in _buttons(built)] == ["meeting.find", "meeting.pick-time"]
    said = " ".join(text_blocks(built))
    assert "from Monday 19 January to Sunday 1 February" in said
    assert "couldn't find a time when you're both free" in said
    assert "in both your Outlook calendars" in said
    assert "Times when you're both free" not in text_blocks(built)
    assert set(inputs(built)) == {DATE_INPUT, TIME_INPUT}
    local = " ".join(text_blocks(meeting_card(local_view(offered(slots=())))))
    assert "half-days you each said usually suit you" in local
    assert "Outlook" not in local


def test_rescheduling_says_what_is_booked_and_can_keep_it() -> None:
    built = meeting_card(view(rescheduling()))
    texts = text_blocks(built)
    assert texts[0] == "Choose a new time"
    assert any(t.startswith("You're booked for **Tuesday 20 January, 14:30\u201315:30** now.") for t in texts)
    keep = button(built, "Keep the current time")
    assert keep["associatedInputs"] == "none"
    assert _pressed(keep) == KeepMeeting(7, 4)
    assert len([a for a in _buttons(built) if a["verb"] == "meeting.pick"]) == 5
    # Nothing free this time: keeping it is still offered.
    bare = meeting_card(view(rescheduling(slots=())))
    assert _pressed(button(bare, "Keep the current time")) == KeepMeeting(7, 4)
    # An ordinary offer has nothing to keep.
    assert "Keep the current time" not in [a.get("title") for a in _buttons(meeting_card(view(offered())))]


# Booking, booked, cancelled -----------------------------------------------------------------------------------------


def test_booking_says_a_confirmation_is_coming() -> None:
    built = meeting_card(view(meeting(MeetingState.BOOKING, version=2), to_mentor=False))
    assert text_blocks(built)[0] == "Booking your conversation"
    assert "Booking **Tuesday 20 January, 14:30\u201315:30** with Amara Okafor\u2026" in text_blocks(built)
    assert "You'll both get a confirmation in a moment." in text_blocks(built)
    assert _buttons(built) == []


def test_booked_with_invitations_points_to_outlook_and_the_join_link() -> None:
    built = meeting_card(view(booked()))
    texts = text_blocks(built)
    assert texts[0] == "Your conversation is booked"
    assert "**Tuesday 20 January, 14:30\u201315:30** with Dana Whitfield." in texts
    assert any("invitation is in both your Outlook calendars" in t for t in texts)
    assert [(a["type"], a["title"]) for a in _buttons(built)] == [
        ("Action.OpenUrl", "Join on Teams"),
        ("Action.Execute", "Reschedule"),
        ("Action.Execute", "Cancel"),
    ]
    assert button(built, "Join on Teams")["url"] == GRAPH_JOIN_URL
    assert _pressed(button(built, "Reschedule")) == RescheduleMeeting(7)
    assert _pressed(button(built, "Cancel")) == AskCancelMeeting(7)
    # No link yet (the invitation still has it): no button that goes nowhere.
    assert [a["title"] for a in _buttons(meeting_card(view(booked(join_url=None))))] == ["Reschedule", "Cancel"]


def test_booked_in_the_local_calendar_offers_the_file_and_the_teams_set_up() -> None:
    shown = local_view(booked(join_url=None))
    built = meeting_card(shown)
    assert [a["title"] for a in _buttons(built)] == [
        "Add to my calendar",
        "Set up the Teams meeting",
        "Reschedule",
        "Cancel",
    ]
    assert button(built, "Add to my calendar")["url"] == ICS_URL
    assert button(built, "Set up the Teams meeting")["url"] == local_join_url(mentor(), mentee(), BOOKED_AT.start)
    said = " ".join(text_blocks(built))
    assert "Outlook" not in said
    assert "one of you sets up the Teams meeting" in said
    # Without a file to offer, no button for it.
    no_file = meeting_card(replace(shown, ics_url=None))
    assert [a["title"] for a in _buttons(no_file)] == ["Set up the Teams meeting", "Reschedule", "Cancel"]


def test_a_cancelled_meeting_can_find_a_new_time() -> None:
    built = meeting_card(view(meeting(MeetingState.CANCELLED, version=5)))
    texts = text_blocks(built)
    assert texts[0] == "Conversation cancelled"
    assert "Your conversation with Dana Whitfield on **Tuesday 20 January, 14:30\u201315:30** is cancelled." in texts
    [again] = _buttons(built)
    assert again["title"] == "Find a new time"
    assert _pressed(again) == FindMeetingTimes(101)
    never_booked = meeting_card(view(offered(slots=()).cancelled()))
    assert "Your conversation with Dana Whitfield is cancelled." in text_blocks(never_booked)


# Everything the card shows --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shown", EVERY_VIEW)
def test_every_meeting_card_refreshes_to_the_meeting_as_it_stands(shown: MeetingView) -> None:
    built = meeting_card(shown)
    # No userIds: in a chat of fewer than 60 people Teams refreshes for everyone, and [] would switch it off.
    assert built["refresh"] == {
        "action": {"type": "Action.Execute", "verb": "meeting.show", "data": {"action": "meeting.show", "meeting": 7}}
    }
    assert parse_action("meeting.show", built["refresh"]["action"]["data"]) == ShowMeeting(7)


@pytest.mark.parametrize("shown", EVERY_VIEW)
def test_every_meeting_card_names_the_partner_and_nothing_private(shown: MeetingView) -> None:
    built = meeting_card(shown)
    partner, me = shown.partner, shown.me
    part = "mentee" if shown.i_am_mentor else "mentor"
    assert text_blocks(built)[1] == f"Conversation 1 of 6 with {partner.display_name}, your {part}"
    readable = "\n".join(_readable(built))
    assert me.display_name not in readable
    assert "@" not in readable
    for person in (partner, me):
        profile = person.profile
        for private in (
            profile.work_email,
            profile.line_manager_email,
            profile.directorate,
            profile.site,
            profile.experience_note,
            profile.bio,
            profile.job_title,
            *profile.avoid_emails,
        ):
            assert private not in readable, private


def test_a_problem_is_a_warning() -> None:
    built = meeting_card(view(offered(), notice="I couldn't book that time.", problem=True))
    warning = next(e for e in elements(built) if e.get("text") == "I couldn't book that time.")
    assert warning["color"] == "Attention"


def test_the_session_number_counts_against_the_plan_and_beyond_it() -> None:
    assert "Conversation 6 of 6 with Dana Whitfield, your mentee" in text_blocks(meeting_card(view(booked(session=6))))
    assert "Conversation 7 with Dana Whitfield, your mentee" in text_blocks(meeting_card(view(booked(session=7))))
    plain = cohort(CohortState.RUNNING)
    four = replace(plain, plan=replace(plain.plan, sessions=4))
    assert "Conversation 2 of 4 with Amara Okafor, your mentor" in text_blocks(
        meeting_card(view(booked(session=2), to_mentor=False, shown_cohort=four))
    )


def test_names_and_notices_are_escaped_and_the_notice_comes_first() -> None:
    shown = view(offered(), mentee_app=mentee(name="Dana *the* [Director]"), notice="Amara chose **that** time.")
    built = meeting_card(shown)
    texts = text_blocks(built)
    assert texts[1] == "Amara chose \\*\\*that\\*\\* time."
    # News (a partner's choice) is bold, not a warning: a booking in red would read as an error.
    news = next(e for e in elements(built) if e.get("text") == texts[1])
    assert (news.get("color"), news["weight"]) == (None, "Bolder")
    assert texts[2] == "Conversation 1 of 6 with Dana \\*the\\* \\[Director\\], your mentee"
    assert "Dana *the*" not in card_text(built)
    laden = meeting_card(view(booked(), mentee_app=mentee(name=MARKDOWN[:100]), notice=MARKDOWN))
    assert "**bold**" not in card_text(laden)
    assert "[link](" not in card_text(laden)


def test_a_long_notice_is_cut_short() -> None:
    built = meeting_card(view(booked(), notice="x" * 10_000))
    notice = text_blocks(built)[1]
    assert len(notice) == MAX_NOTICE
    assert notice.endswith("\u2026")


def test_times_are_shown_in_the_organisations_zone_in_uk_style() -> None:
    summer = Interval(datetime(2026, 6, 2, 9, 0, tzinfo=UTC), datetime(2026, 6, 2, 9, 45, tzinfo=UTC))
    assert when_text(summer, LONDON) == "Tuesday 2 June, 10:00\u201310:45"
    assert when_text(summer, UTC) == "Tuesday 2 June, 09:00\u201309:45"
    assert when_text(hour_from(at(5, 9, 5)), LONDON) == "Monday 5 January, 09:05\u201310:05"
    assert when_text(hour_from(at(5, 23)), LONDON) == "Monday 5 January, 23:00\u201300:00"
    late = Interval(at(5, 23, 30), at(6, 0, 30))
    assert when_text(late, LONDON) == "Monday 5 January, 23:30 to Tuesday 6 January, 00:30"
    new_york = timezone(-timedelta(hours=5))
    shown = view(booked(when=hour_from(at(20, 14))), zone=new_york)
    assert "**Tuesday 20 January, 09:00\u201310:00** with Dana Whitfield." in text_blocks(meeting_card(shown))


# Cancelling asks first ------------------------------------------------------------------------------------------------


def test_cancelling_asks_first_and_can_keep_it() -> None:
    built = cancel_confirmation_card(view(booked(version=8)))
    texts = text_blocks(built)
    assert texts[0] == "Cancel this conversation?"
    assert "**Tuesday 20 January, 14:30\u201315:30** with Dana Whitfield." in texts
    assert any("take it out of both your Outlook calendars" in t for t in texts)
    yes, keep = _buttons(built)
    assert (yes["title"], yes["style"]) == ("Yes, cancel it", "destructive")
    assert _pressed(yes) == ConfirmCancelMeeting(7, 8)
    assert keep["title"] == "Keep it"
    assert _pressed(keep) == ShowMeeting(7)
    # A refresh would turn the question back into the meeting before it was answered.
    assert "refresh" not in built
    local = " ".join(text_blocks(cancel_confirmation_card(local_view(booked(join_url=None)))))
    assert "Outlook" not in local
    assert "please remove those too" in local


def test_the_messages_port_sends_the_meeting_card() -> None:
    messages: MeetingMessages = CardMeetingMessages()
    shown = view(offered(), notice="Here are some times.")
    sent = messages.meeting(shown, "meeting times offered")
    assert sent.summary == "meeting times offered"
    assert sent.card == meeting_card(shown)
    assert sent.text is None


# Reading a time of their own ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_value", "time_value", "expected"),
    [
        ("2026-01-21", "13:00", datetime(2026, 1, 21, 13, 0, tzinfo=LONDON)),
        ("2026-06-02", "09:30", datetime(2026, 6, 2, 8, 30, tzinfo=UTC)),
        ("2026-06-02", "9:30", datetime(2026, 6, 2, 8, 30, tzinfo=UTC)),
        ("2026-06-02", "09:30:00", datetime(2026, 6, 2, 8, 30, tzinfo=UTC)),
        (" 2026-12-31 ", " 23:59 ", datetime(2026, 12, 31, 23, 59, tzinfo=UTC)),
        ("2028-02-29", "00:00", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_time_of_their_own_is_read_in_the_organisations_zone(
    date_value: str, time_value: str, expected: datetime
) -> None:
    start = parse_own_time({DATE_INPUT: date_value, TIME_INPUT: time_value}, LONDON)
    assert start == expected
    assert start.tzinfo is LONDON


def test_other_fields_on_the_form_are_ignored() -> None:
    data = {"action": "meeting.pick-time", "meeting": 7, DATE_INPUT: "2026-01-21", TIME_INPUT: "13:00", "x": [1]}
    assert parse_own_time(data, LONDON) == datetime(2026, 1, 21, 13, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        ({}, {DATE_INPUT, TIME_INPUT}),
        ({DATE_INPUT: "2026-01-21"}, {TIME_INPUT}),
        ({TIME_INPUT: "13:00"}, {DATE_INPUT}),
        ({DATE_INPUT: "", TIME_INPUT: "  "}, {DATE_INPUT, TIME_INPUT}),
        ({DATE_INPUT: None, TIME_INPUT: "13:00"}, {DATE_INPUT}),
    ],
)
def test_a_missing_day_or_time_is_asked_for(data: dict[str, object], problems: set[str]) -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_own_time(data, LONDON)
    assert set(caught.value.problems) == problems
    assert all(message.startswith("Please choose") for message in caught.value.problems.values())


@pytest.mark.parametrize(
    "bad_date",
    [
        "21/01/2026",
        "2026-1-21",
        "2026-02-30",
        "2026-13-01",
        "tomorrow",
        "2026-01-21T13:00",
        "\u0662026-01-21",
        20260121,
        ["2026-01-21"],
        {"date": "2026-01-21"},
        True,
        "2" * 100,
    ],
)
def test_an_unreadable_day_is_named(bad_date: object) -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_own_time({DATE_INPUT: bad_date, TIME_INPUT: "13:00"}, LONDON)
    assert caught.value.problems == {DATE_INPUT: "That day doesn't look like a date; please pick it from the calendar."}


@pytest.mark.parametrize(
    "bad_time", ["24:00", "12:60", "1pm", "13", "13.00", "13:0", "-1:00", "13:00 PM", 1300, 1.5, ["13:00"], "1" * 100]
)
def test_an_unreadable_time_is_named(bad_time: object) -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_own_time({DATE_INPUT: "2026-01-21", TIME_INPUT: bad_time}, LONDON)
    assert set(caught.value.problems) == {TIME_INPUT}
    assert "doesn't look like a time" in caught.value.problems[TIME_INPUT]


def test_a_time_the_clocks_skip_is_refused_kindly() -> None:
    # The clocks go forward at 01:00 on Sunday 29 March 2026: 01:00 to 01:59 never happens in London.
    for skipped in ("01:00", "01:30", "01:59"):
        with pytest.raises(InvalidFields) as caught:
            parse_own_time({DATE_INPUT: "2026-03-29", TIME_INPUT: skipped}, LONDON)
        assert caught.value.problems == {
            TIME_INPUT: f"{skipped} doesn't happen on Sunday 29 March, because the clocks go forward then. Please "
            "choose another time, such as an hour later."
        }
    assert parse_own_time({DATE_INPUT: "2026-03-29", TIME_INPUT: "02:00"}, LONDON) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    assert parse_own_time({DATE_INPUT: "2026-03-29", TIME_INPUT: "00:59"}, LONDON) == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC
    )


def test_a_time_that_happens_twice_is_read_as_the_first() -> None:
    # The clocks go back at 02:00 on Sunday 25 October 2026, so 01:30 happens in summer time and again after.
    start = parse_own_time({DATE_INPUT: "2026-10-25", TIME_INPUT: "01:30"}, LONDON)
    # Compared in UTC: Python never calls an ambiguous wall time equal to a time in another zone.
    assert start.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert (start.fold, start.utcoffset()) == (0, timedelta(hours=1))


def test_a_fixed_offset_zone_has_no_gaps() -> None:
    start = parse_own_time({DATE_INPUT: "2026-03-29", TIME_INPUT: "01:30"}, UTC)
    assert start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_slots_in_the_samples_fill_an_offer() -> None:
    # Other suites rely on the samples offering as many times as a meeting can hold.
    assert len(SLOTS) == MAX_SLOTS
