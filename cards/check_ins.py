"""Check-in cards: the reminder before a meeting, "Did you meet?" after it, the nudge to a pair who have not met for
a while, and the alert coordinators get when that nudge did not help.

The three a participant reads carry "Raise a concern". The coordinators' alert carries only logistics: who, which
cohort, how long since they met and how many sessions they have held. Nothing the pair said or wrote is on it.
"""

from __future__ import annotations

from datetime import date, timedelta

from cards.concerns import concern_action
from cards.elements import Card, Element, card, escape_markdown, execute, facts, heading, paragraph, subheading
from cards.meetings import when_text
from programme.attendance import Outcome
from programme.check_ins import Reminder, StallAlert, Stalled
from programme.meeting_view import MeetingView

CHECK_IN_VERB = "checkin.answer"
OUTCOME_TITLES = {
    Outcome.MET: "We met",
    Outcome.RESCHEDULED: "We rescheduled",
    Outcome.NOT_HELD: "It didn't happen",
}


def reminder_card(reminder: Reminder) -> Card:
    """A meeting to come, with a few prompts for its session."""
    view = reminder.view
    meeting = view.meeting
    name = escape_markdown(view.partner.display_name)
    body: list[Element] = [heading(f"Your conversation with {name} is {_when_day(reminder)}")]
    if meeting.when is not None:
        body.append(paragraph(f"**{when_text(meeting.when, view.zone)}**. {_session(view)}."))
    actions: list[Element] = []
    if meeting.join_url and view.invitations:
        body.append(paragraph("It's in your Outlook calendar, with the link to join on Teams."))
        actions.append({"type": "Action.OpenUrl", "title": "Join on Teams", "url": meeting.join_url})
    elif meeting.join_url:
        body.append(
            paragraph(
                "If neither of you has set up the Teams meeting yet, 'Set up the Teams meeting' opens one with the "
                "details filled in."
            )
        )
        actions.append({"type": "Action.OpenUrl", "title": "Set up the Teams meeting", "url": meeting.join_url})
    first = meeting.session <= 1
    body.append(subheading("For your first conversation" if first else "A few things you might talk about"))
    body += [paragraph(f"\u2022 {prompt}") for prompt in reminder.prompts]
    body.append(
        paragraph(
            "These are only suggestions: talk about whatever matters most to you both. If the time no longer works, "
            "you can move it.",
            subtle=True,
        )
    )
    actions += [
        execute("Reschedule", "meeting.reschedule", {"meeting": meeting.id}),
        concern_action("reminder"),
    ]
    return card(body, actions)


def did_you_meet_card(view: MeetingView) -> Card:
    """After a meeting: did it go ahead?"""
    meeting = view.meeting
    name = escape_markdown(view.partner.display_name)
    at = f" on **{when_text(meeting.when, view.zone)}**" if meeting.when is not None else ""
    body: list[Element] = [
        heading("Did you meet?"),
        paragraph(f"You had a conversation with {name} booked{at}. Did it go ahead?"),
        paragraph(
            "If it did, I'll give you a private space to jot down your thoughts: only you will ever see them. If it "
            "didn't, that's fine; I'll help you find another time.",
            subtle=True,
        ),
    ]
    actions = [
        execute(title, CHECK_IN_VERB, {"meeting": meeting.id, "outcome": outcome.value}, primary=outcome.held)
        for outcome, title in OUTCOME_TITLES.items()
    ]
    return card(body, [*actions, concern_action("check-in")])


def stalled_card(stalled: Stalled) -> Card:
    """To one of a pair who have not met for a while: a friendly word and one click to find a time."""
    name = escape_markdown(stalled.partner.display_name)
    since = (
        f"It's been {_weeks(stalled.weeks)} since you and {name} last met."
        if stalled.met_before
        else f"It's been {_weeks(stalled.weeks)} since you and {name} were introduced, and you haven't had your "
        "first conversation yet."
    )
    body: list[Element] = [
        heading("It's been a while"),
        paragraph(since),
        paragraph(
            "Diaries fill up, and that's completely normal. Whenever you'd like to pick things up again, I can look "
            "for a time that suits you both."
        ),
        paragraph(
            "If now isn't a good time, you can type 'pause until' and a date, or 'withdraw' (no reason needed). Your "
            "coordinator is always happy to talk.",
            subtle=True,
        ),
    ]
    return card(
        body,
        [execute("Find a time", "meeting.find", {"pair": stalled.pair.id}, primary=True), concern_action("stalled")],
    )


def stall_alert_card(alert: StallAlert) -> Card:
    """To a coordinator: a pair still stalled after their nudge, as logistics only."""
    mentor = escape_markdown(alert.mentor_name)
    mentee = escape_markdown(alert.mentee_name)
    last = f"{_weeks(alert.weeks)} ago" if alert.met_before else f"not yet (introduced {_weeks(alert.weeks)} ago)"
    body: list[Element] = [
        heading("A pair may need a hand"),
        paragraph(
            f"{mentor} and {mentee} haven't met for {_weeks(alert.weeks)} and have nothing booked. I sent them both a "
            "friendly reminder a while ago, with one click to find a time."
        ),
        facts(
            [
                ("Cohort", escape_markdown(alert.cohort.title)),
                ("Mentor", mentor),
                ("Mentee", mentee),
                ("Last met", last),
                ("Sessions held", f"{alert.sessions_held} of {alert.sessions_planned}"),
                ("Booked", "Nothing booked"),
            ]
        ),
        paragraph(
            "That's all I share about a pair: what they talk about and write stays between them. They may be on "
            "leave or taking a break; a friendly word from you might help them get going again.",
            subtle=True,
        ),
    ]
    return card(body)


def _when_day(reminder: Reminder) -> str:
    meeting = reminder.view.meeting
    if meeting.when is None:
        return "coming up"
    day = meeting.when.start.astimezone(reminder.view.zone).date()
    if day == reminder.today:
        return "today"
    if day == reminder.today + timedelta(days=1):
        return "tomorrow"
    return f"on {_day(day)}"


def _session(view: MeetingView) -> str:
    session, planned = view.meeting.session, view.sessions_planned
    if session == 1:
        return "Your first conversation"
    if session == planned:
        return f"Your last planned conversation ({session} of {planned})"
    return f"Conversation {session} of {planned}" if session < planned else f"Conversation {session}"


def _weeks(weeks: int) -> str:
    if weeks <= 1:
        return "about a week"
    return f"about {weeks} weeks"


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B}"
