"""The coordinator's review of a cohort's applications: one page at a time, a decision button per outcome.

Everything an applicant typed is escaped: it is shown to someone else, and it may describe lived experience. The
line manager's email is left out on purpose: the decision does not need it. The colleagues an applicant would
rather not be paired with are private to them and to matching, so only how many there are is shown, never who.
The applicant's own work email is shown, so two people with the same name can be told apart and reached.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.actions import MAX_REASON_LENGTH
from cards.cohorts import day
from cards.elements import Card, Element, card, escape_markdown, execute, facts, heading, paragraph
from programme.applications import Application, ApplicationState
from programme.cohorts import Cohort

# One at a time, because a single application at its limits can take 18 KB of the 28 KB a card may use: every
# text field full of backslashes, which escaping doubles and JSON doubles again. Two such applications would not
# fit, and a card that does not fit is never shown at all, so one applicant could hide the whole page. The card
# tests build that worst case. Deciding replaces the card, so the next application simply appears.
APPLICATIONS_PER_PAGE = 1

_BUTTONS = {
    ApplicationState.SUBMITTED: (
        ApplicationState.APPROVED,
        ApplicationState.WAITLISTED,
        ApplicationState.DECLINED,
    ),
    ApplicationState.WAITLISTED: (ApplicationState.APPROVED, ApplicationState.DECLINED),
}
_BUTTON_TITLES = {
    ApplicationState.APPROVED: "Approve",
    ApplicationState.WAITLISTED: "Waiting list",
    ApplicationState.DECLINED: "Decline",
}


def application_review_card(cohort: Cohort, applications: Sequence[Application], page: int, total_pages: int) -> Card:
    total_pages = max(total_pages, 1)
    body: list[Element] = [heading(f"Applications to {escape_markdown(cohort.title)}")]
    if not applications:
        body.append(paragraph("Nothing waiting for a decision. New applications will appear here as they arrive."))
    else:
        if total_pages > 1:
            body.append(paragraph(f"Page {page} of {total_pages}", subtle=True))
        body.append(
            paragraph(
                "The reason box is optional. What you write there is kept in the audit log so decisions can be "
                "checked later; it is not sent to the applicant.",
                subtle=True,
            )
        )
        body += [_application(cohort, application, page) for application in applications]
    actions: list[Element] = []
    if page > 1:
        # A page past the end (the last applications were just decided) still leads back to one that exists.
        previous = min(page - 1, total_pages)
        actions.append(execute("Previous page", "applications", {"cohort": cohort.id, "page": previous}))
    if page < total_pages:
        actions.append(execute("Next page", "applications", {"cohort": cohort.id, "page": page + 1}))
    actions.append(execute("All cohorts", "cohorts"))
    return card(body, actions)


def _application(cohort: Cohort, application: Application, page: int) -> Element:
    profile = application.profile
    items: list[Element] = [
        {"type": "TextBlock", "text": escape_markdown(application.display_name), "weight": "Bolder", "wrap": True},
        paragraph(
            f"{profile.role.label} · applied {day(application.submitted_at.date())} · {application.state.label}",
            subtle=True,
        ),
        facts(
            [
                ("Job title", escape_markdown(profile.job_title)),
                ("Band or grade", profile.band.label),
                ("Directorate", escape_markdown(profile.directorate)),
                ("Site", escape_markdown(profile.site)),
                ("Work email", escape_markdown(profile.work_email) or "Not given"),
                ("Topics", ", ".join(topic.label for topic in profile.topics) or "None chosen"),
                ("Available", ", ".join(slot.label for slot in profile.availability) or "None chosen"),
                ("Meeting", profile.meeting_preference.label),
            ]
        ),
    ]
    if profile.avoid_emails:
        count = len(profile.avoid_emails)
        items.append(
            paragraph(
                f"Asked not to be paired with {count} {'colleague' if count == 1 else 'colleagues'}. Who they are "
                "stays private; matching keeps them apart.",
                subtle=True,
            )
        )
    if profile.experience_note:
        items.append(paragraph("About their experience", subtle=True))
        items.append(paragraph(escape_markdown(profile.experience_note)))
    if profile.bio:
        items.append(paragraph("Introduction for their partner", subtle=True))
        items.append(paragraph(escape_markdown(profile.bio)))
    choices = _BUTTONS.get(application.state, ())
    if choices:
        items.append(
            {
                "type": "Input.Text",
                "id": f"reason-{application.id}",
                "maxLength": MAX_REASON_LENGTH,
                "placeholder": "Reason (optional): kept in the audit log, not sent to the applicant",
            }
        )
        items.append(
            {
                "type": "ActionSet",
                "actions": [
                    execute(
                        _BUTTON_TITLES[decision],
                        "application.decide",
                        {
                            "application": application.id,
                            "decision": decision.value,
                            "version": application.version,
                            "cohort": cohort.id,
                            "page": page,
                        },
                        primary=decision is ApplicationState.APPROVED,
                    )
                    for decision in choices
                ],
            }
        )
    return {"type": "Container", "separator": True, "spacing": "Large", "items": items}
