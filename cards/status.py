"""The coordinator's status card: the current cohort at a glance (its applications and, once there are any, its
pairs), then the state of the programme's automatic messages and what went wrong with them."""

from __future__ import annotations

from cards.cohorts import ROLE_ROWS, application_counts_text, next_step_buttons, state_name
from cards.elements import Card, Element, card, escape_markdown, execute, facts, heading, paragraph, subheading
from programme.check_ins import MeetingSummary
from programme.cohort_overview import CohortOverview
from programme.delivery_status import DeliveryStatus
from programme.pair_summary import PairSummary
from programme.reflections import CohortReflections
from programme.work import WorkItem, WorkState

_STATE_NAMES = {
    WorkState.PENDING: "Waiting to be sent",
    WorkState.LEASED: "Being sent now",
    WorkState.DONE: "Delivered",
    WorkState.DEAD: "Failed",
    WorkState.MISSED: "Missed (too late to send)",
    WorkState.CANCELLED: "Cancelled",
}


def programme_status_card(
    overview: CohortOverview | None,
    delivery: DeliveryStatus,
    pairs: PairSummary | None = None,
    reflections: CohortReflections | None = None,
    meetings: MeetingSummary | None = None,
) -> Card:
    """``pairs`` counts the current cohort's pairs; the section is left out without them. ``reflections`` counts
    the reflections people wrote about the cohort's meetings: how many, never what they say."""
    body: list[Element] = [heading("Programme status")]
    actions: list[Element] = []
    if overview is None:
        body.append(subheading("No cohort yet"))
        body.append(paragraph("Type 'cohort new' to plan the first cohort; it stays a draft until you open it."))
        actions = [execute("New cohort", "cohort.new")]
    else:
        cohort = overview.cohort
        body.append(subheading(escape_markdown(cohort.title)))
        body.append(paragraph(f"{state_name(cohort.state)} · {cohort.plan.track.label}", subtle=True))
        body.append(facts((title, application_counts_text(overview, role)) for role, title in ROLE_ROWS))
        if pairs is not None and pairs.total:
            body += _pairs_section(pairs)
        if meetings is not None and meetings.pairs:
            body += _meetings_section(meetings)
        if reflections is not None and reflections.pairs:
            body += _reflections_section(reflections)
        actions = [*next_step_buttons(cohort), execute("All cohorts", "cohorts")]
    body += _delivery_section(delivery)
    return card(body, actions)


def _pairs_section(pairs: PairSummary) -> list[Element]:
    rows: list[tuple[str, str]] = []
    if pairs.proposed:
        rows.append(("Proposed", f"{pairs.proposed} (nobody has been told yet)"))
    if pairs.published:
        rows.append(("Published", str(pairs.published)))
        rows.append(("First meetings", f"{pairs.confirmed} of {pairs.published} agreements confirmed"))
    if pairs.ended:
        rows.append(("Ended", str(pairs.ended)))
    body = [subheading("Pairs"), facts(rows)]
    if pairs.confirmed < pairs.published:
        body.append(
            paragraph(
                "A pair's agreement counts as confirmed once both of them have confirmed it. Pairs still to confirm "
                "may need a hand getting started; what they wrote stays between them.",
                subtle=True,
            )
        )
    return body


def _reflections_section(reflections: CohortReflections) -> list[Element]:
    return [
        subheading("Reflections"),
        facts(
            [
                (
                    "Written",
                    f"{reflections.total} ({reflections.by_mentors} by mentors, {reflections.by_mentees} by mentees)",
                ),
                ("Pairs reflecting", f"{reflections.pairs_reflecting} of {len(reflections.pairs)}"),
            ]
        ),
        paragraph(
            "Reflections are private to the person who wrote them: this counts them, and nobody but their author "
            "can read one.",
            subtle=True,
        ),
    ]


def _meetings_section(meetings: MeetingSummary) -> list[Element]:
    rows = [
        ("Meetings held", str(meetings.held)),
        (
            "Pairs not meeting",
            f"{meetings.stalled} of {meetings.pairs} (nothing held or booked for {meetings.stall_weeks}+ weeks)",
        ),
    ]
    body = [subheading("Meetings"), facts(rows)]
    if meetings.stalled:
        body.append(
            paragraph(
                "Each of those pairs has had a friendly nudge with one click to find a time, and you'll be told if "
                "one still hasn't met a while later. How their conversations went stays between them.",
                subtle=True,
            )
        )
    return body


def delivery_status_card(status: DeliveryStatus) -> Card:
    return card([heading("Programme status"), *_delivery_section(status)])


def _delivery_section(status: DeliveryStatus) -> list[Element]:
    body = [
        subheading("Automatic messages"),
        facts((_STATE_NAMES[state], str(status.counts.get(state, 0))) for state in WorkState),
    ]
    if status.healthy:
        body.append(paragraph("Every message so far has been delivered or is on its way."))
    if status.needs_attention:
        body.append(subheading("Messages that need attention"))
        body.append(
            facts(
                (
                    f"#{item.id} {_STATE_NAMES[item.state].split(' ')[0].lower()}",
                    f"{_summary(item)} for {item.recipient or 'a group chat'}: {item.last_error or 'no reason given'}",
                )
                for item in status.needs_attention
            )
        )
        body.append(
            paragraph(
                "An operator can send a failed or missed message again with 'remedi work retry <number>'.",
                subtle=True,
            )
        )
    if status.unreachable:
        body.append(subheading("People the bot cannot reach"))
        body.append(
            facts(
                (person.person.value, f"since {person.since:%d %b %Y}: {person.reason}")
                for person in status.unreachable
            )
        )
        body.append(
            paragraph(
                "They may have blocked or removed the bot. Please contact them another way; the mark clears as soon "
                "as they message the bot again.",
                subtle=True,
            )
        )
    return body


def _summary(item: WorkItem) -> str:
    summary = item.payload.get("summary")
    return summary if isinstance(summary, str) else item.kind
