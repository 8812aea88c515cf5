"""Check-in cards in every shape they take, for the schema, size and round-trip tests and the card tests.

Built on :mod:`tests.cards.meeting_samples`: pair 101 (Amara Okafor mentoring Dana Whitfield) and their meeting 7
on Tuesday 20 January 2026 at 14:30, London time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from cards.check_ins import did_you_meet_card, reminder_card, stall_alert_card, stalled_card
from cards.elements import Card
from programme.check_ins import Reminder, StallAlert, Stalled
from programme.cohorts import CohortState
from programme.conversation_prompts import conversation_prompts
from programme.meetings import MeetingState
from programme.tracks import Track
from tests.cards.match_samples import BIG_ID, TEXTS, cohort, mentee, mentor, pair
from tests.cards.meeting_samples import PAIR_ID, booked, local_view, view, worst_view

# The day before the booked meeting, and the day of it.
DAY_BEFORE = date(2026, 1, 19)
SAME_DAY = date(2026, 1, 20)


def reminder(*, session: int = 1, today: date = DAY_BEFORE, to_mentor: bool = True, local: bool = False) -> Reminder:
    shown = booked(session=session)
    seen = local_view(shown, to_mentor=to_mentor) if local else view(shown, to_mentor=to_mentor)
    plan = seen.cohort.plan
    return Reminder(
        view=seen, prompts=conversation_prompts(session, plan.sessions, plan.track, mentor=to_mentor), today=today
    )


def stalled(*, weeks: int = 6, met_before: bool = True, to_mentor: bool = True) -> Stalled:
    first, second = mentor(), mentee()
    me, partner = (first, second) if to_mentor else (second, first)
    return Stalled(
        pair=pair(PAIR_ID, first, second),
        cohort=cohort(CohortState.RUNNING),
        me=me,
        partner=partner,
        weeks=weeks,
        met_before=met_before,
    )


def alert(**changes: Any) -> StallAlert:
    base = StallAlert(
        cohort=cohort(CohortState.RUNNING),
        pair_id=PAIR_ID,
        mentor_name="Amara Okafor",
        mentee_name="Dana Whitfield",
        weeks=7,
        met_before=True,
        sessions_held=2,
        sessions_planned=6,
    )
    return replace(base, **changes)


def _worst_reminder(text: str) -> Reminder:
    seen = worst_view(text, MeetingState.BOOKED)
    return Reminder(
        view=seen, prompts=conversation_prompts(2, 6, Track.RACE_EQUALITY, mentor=False) * 3, today=DAY_BEFORE
    )


def _worst_stalled(text: str) -> Stalled:
    seen = worst_view(text, MeetingState.BOOKED)
    return Stalled(pair=seen.pair, cohort=seen.cohort, me=seen.me, partner=seen.partner, weeks=BIG_ID, met_before=False)


def _worst_alert(text: str) -> StallAlert:
    seen = worst_view(text, MeetingState.BOOKED)
    return StallAlert(
        cohort=seen.cohort,
        pair_id=BIG_ID,
        mentor_name=seen.partner.display_name,
        mentee_name=seen.me.display_name,
        weeks=BIG_ID,
        met_before=False,
        sessions_held=BIG_ID,
        sessions_planned=BIG_ID,
    )


SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "cards.check_ins.reminder_card": [
        ("first session, to the mentor, tomorrow", reminder_card(reminder())),
        ("first session, to the mentee, today", reminder_card(reminder(to_mentor=False, today=SAME_DAY))),
        ("middle session, local calendar", reminder_card(reminder(session=3, local=True))),
        ("last session, days ahead", reminder_card(reminder(session=6, today=date(2026, 1, 16)))),
        *((f"worst case {label}", reminder_card(_worst_reminder(text))) for label, text in TEXTS),
    ],
    "cards.check_ins.did_you_meet_card": [
        ("to the mentor", did_you_meet_card(view(booked()))),
        ("to the mentee, local calendar", did_you_meet_card(local_view(booked(), to_mentor=False))),
        *((f"worst case {label}", did_you_meet_card(worst_view(text, MeetingState.BOOKED))) for label, text in TEXTS),
    ],
    "cards.check_ins.stalled_card": [
        ("met before", stalled_card(stalled())),
        ("never met", stalled_card(stalled(met_before=False, to_mentor=False))),
        *((f"worst case {label}", stalled_card(_worst_stalled(text))) for label, text in TEXTS),
    ],
    "cards.check_ins.stall_alert_card": [
        ("met before", stall_alert_card(alert())),
        ("never met", stall_alert_card(alert(met_before=False, sessions_held=0, weeks=8))),
        *((f"worst case {label}", stall_alert_card(_worst_alert(text))) for label, text in TEXTS),
    ],
}
