"""The sign-up cards: choosing a cohort, consent and ground rules, about you, interests, review, and the replies.

Every button is an Action.Submit (a dialog is waiting for a message) whose data carries ``action`` ("signup.<step>")
and ``form``: a token the dialog made when it began, so a click on a card from an earlier, abandoned sign-up can
be recognised and refused kindly. Each builder takes the values typed so far and the problems found, so a card
shown again keeps what the person wrote and says, beside each field, what needs another look.

Anything a person typed is escaped before it is shown in text; inputs' own values need no escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from cards.actions import EditProfile, ShowMyData
from cards.elements import Card, Element, card, escape_markdown, execute, facts, heading, paragraph, subheading, submit
from cards.signup_forms import ABOUT_FIELDS, COHORT_FIELDS, CONSENT_FIELDS, INTERESTS_FIELDS, TOGGLE_ON
from programme.applications import Application
from programme.cohorts import Cohort
from programme.grades import Grade
from programme.profiles import (
    MAX_AVOIDED,
    MAX_BIO,
    MAX_EMAIL,
    MAX_LINE,
    MAX_NOTE,
    MAX_TOPICS,
    Availability,
    MeetingPreference,
    Profile,
    Role,
    Topic,
)

ACTION_PREFIX = "signup."
CHOOSE_COHORT = "signup.cohort"
CONSENT = "signup.consent"
ABOUT_YOU = "signup.about"
INTERESTS = "signup.interests"
CONFIRM = "signup.confirm"
CHANGE = "signup.change"
CANCEL = "signup.cancel"

ROLE_CHOICES = {
    Role.MENTOR: "Mentor: I'd like to share my experience",
    Role.MENTEE: "Mentee: I'm a senior leader who wants to learn",
}

Values = Mapping[str, str]
Problems = Mapping[str, str]

AVOID_PRIVACY = (
    "This is private: it's used only when making pairs, and never shown to anyone, including the people you name. "
    "Coordinators see only how many colleagues you listed, not who they are."
)


def choose_cohort_card(
    form: str, cohorts: Sequence[Cohort], values: Values | None = None, problems: Problems | None = None
) -> Card:
    """Only needed when more than one cohort is open; otherwise the dialog skips this step."""
    values, problems = values or {}, problems or {}
    choices = [(str(cohort.id), _cohort_choice(cohort)) for cohort in cohorts]
    body: list[Element] = [
        heading("Which cohort would you like to join?"),
        paragraph("More than one cohort is taking sign-ups just now. Please choose the one that suits you best."),
        *_problem_summary(problems, COHORT_FIELDS),
        _choice_set("cohort", "Cohort", choices, values, expanded=True),
        *_problem_for("cohort", problems),
    ]
    return card(body, [submit("Continue", CHOOSE_COHORT, {"form": form}, primary=True), _cancel(form, "Not now")])


def consent_card(form: str, organisation: str, values: Values | None = None, problems: Problems | None = None) -> Card:
    values, problems = values or {}, problems or {}
    body: list[Element] = [
        heading("Before you sign up"),
        paragraph(
            f"Thank you for your interest in reverse mentoring at {organisation}. Here is what I'll ask, why, and "
            "who will see it. It takes about five minutes, and nothing is saved until you submit at the end."
        ),
        subheading("What I'll ask, and why"),
        *_bullets(
            [
                "Whether you'd like to be a mentor or a mentee, your job title, band or grade, directorate and main "
                "site: so coordinators can make pairs across departments, with a real difference in seniority.",
                "Your own work email and your line manager's: so you and your partner can send each other meeting "
                "invitations, and so that you are never paired inside your own management chain.",
                "Topics you'd like to share or learn about, when you could usually meet, and whether on Teams or in "
                "person: to find you a good match and suggest meeting times.",
                "An optional note for the coordinator and a short bio for your partner. Share only what you're "
                "comfortable with.",
                f"If you like, up to {MAX_AVOIDED} colleagues you'd rather not be paired with. {AVOID_PRIVACY}",
            ]
        ),
        subheading("Who sees what"),
        *_bullets(
            [
                "Programme coordinators see your answers, to approve places and make pairs (apart from who you'd "
                "rather not be paired with, as above).",
                "Your partner sees your name, your role, your job title and your short bio, and your work email on "
                "meeting invitations.",
                "Reflections you write after your meetings are yours alone. Nobody else can read them, "
                "coordinators included.",
            ]
        ),
        subheading("How long it's kept, and your choices"),
        paragraph(
            f"Your answers are kept while you take part and afterwards only for as long as {organisation}'s "
            "privacy notice for the programme says. If you stop part-way, no application is made and what you'd "
            "typed is cleared. You can see everything held about you at any time by typing **my data**, and ask "
            "for it to be deleted by typing **delete my data**."
        ),
        subheading("Ground rules"),
        *_bullets(
            [
                "Confidentiality works both ways: what you talk about in your sessions stays between the two of you.",
                "It has limits. A safeguarding concern, a risk of harm to anyone, or a serious professional-conduct "
                "issue must be passed on to the right person. Wherever possible, you'll be told first.",
                "Respect, and no judgement: listen to understand, and be open to learning.",
                "Either of you can pause or withdraw at any time, without giving a reason.",
            ]
        ),
        *_problem_summary(problems, CONSENT_FIELDS),
        _toggle("consent", "I'm happy for my answers to be used as described above.", values),
        *_problem_for("consent", problems),
        _toggle("ground_rules", "I agree to the ground rules.", values),
        *_problem_for("ground_rules", problems),
    ]
    return card(body, [submit("Continue", CONSENT, {"form": form}, primary=True), _cancel(form, "Not now")])


def about_you_card(
    form: str,
    values: Values | None = None,
    problems: Problems | None = None,
    manager_from_directory: str | None = None,
) -> Card:
    values, problems = values or {}, problems or {}
    shown_fields = [f for f in ABOUT_FIELDS if not (manager_from_directory and f == "line_manager_email")]
    body: list[Element] = [
        heading("About you"),
        paragraph("This helps the coordinators make good pairs."),
        *_problem_summary(problems, shown_fields),
        _choice_set(
            "role",
            "How would you like to take part?",
            [(role.value, title) for role, title in ROLE_CHOICES.items()],
            values,
            expanded=True,
        ),
        *_problem_for("role", problems),
        *_text_field("job_title", "Job title", values, problems, placeholder="for example Staff Nurse"),
        {
            **_choice_set("band", "Band or grade", [(grade.value, grade.label) for grade in Grade], values),
            "placeholder": "Choose your band or grade",
        },
        *_problem_for("band", problems),
        *_text_field("directorate", "Directorate or service", values, problems),
        *_text_field("site", "Main site or base", values, problems),
        *_text_field(
            "work_email",
            "Your own work email",
            values,
            problems,
            placeholder="name@nhs.net",
            style="email",
            max_length=MAX_EMAIL,
        ),
        paragraph(
            "Meeting invitations between you and your partner use this address. If I could find it in Teams I've "
            "filled it in; please check it's the one you use for work.",
            subtle=True,
        ),
    ]
    if manager_from_directory:
        body += [
            facts([("Line manager", escape_markdown(manager_from_directory))]),
            paragraph(
                "This comes from the organisation's directory and is used only to keep you out of your own "
                "management chain. If it's wrong, your coordinator can correct it.",
                subtle=True,
            ),
        ]
    else:
        body += [
            *_text_field(
                "line_manager_email",
                "Your line manager's work email",
                values,
                problems,
                placeholder="name@nhs.net",
                style="email",
                max_length=MAX_EMAIL,
            ),
            paragraph("Used only to make sure you're never paired inside your own management chain.", subtle=True),
        ]
    return card(body, [submit("Continue", ABOUT_YOU, {"form": form}, primary=True), _cancel(form, "Cancel")])


def interests_card(form: str, role: Role, values: Values | None = None, problems: Problems | None = None) -> Card:
    values, problems = values or {}, problems or {}
    mentor = role is Role.MENTOR
    topics_label = (
        f"Which topics could you share your experience of? Choose up to {MAX_TOPICS}."
        if mentor
        else f"Which topics would you most like to learn about? Choose up to {MAX_TOPICS}."
    )
    note_label = (
        "Anything you'd like the coordinator to know about what you could share (optional)"
        if mentor
        else "Anything you'd like the coordinator to know about what you hope to learn (optional)"
    )
    body: list[Element] = [
        heading("What you'd like to talk about"),
        *_problem_summary(problems, INTERESTS_FIELDS),
        _choice_set("topics", topics_label, [(t.value, t.label) for t in Topic], values, expanded=True, multiple=True),
        *_problem_for("topics", problems),
        *_text_field("experience_note", note_label, values, problems, multiline=True, max_length=MAX_NOTE),
        paragraph(
            "You don't need to share anything you're not comfortable with. A few words is plenty, and it's fine "
            "to leave this blank. Only the programme coordinators see this note.",
            subtle=True,
        ),
        _choice_set(
            "availability",
            "When could you usually meet? Choose every half-day that tends to work.",
            [(slot.value, slot.label) for slot in Availability],
            values,
            expanded=True,
            multiple=True,
        ),
        *_problem_for("availability", problems),
        _choice_set(
            "meeting_preference",
            "How would you prefer to meet?",
            [(p.value, p.label) for p in MeetingPreference],
            values,
            expanded=True,
        ),
        *_problem_for("meeting_preference", problems),
        *_text_field(
            "bio",
            "A short introduction (optional)",
            values,
            problems,
            multiline=True,
            max_length=MAX_BIO,
            placeholder="For example, what your work involves and what you enjoy about it",
        ),
        paragraph(
            "A few lines your partner will see when you're introduced. Nobody else sees it but the coordinators.",
            subtle=True,
        ),
        *_text_field(
            "avoid_emails",
            f"Is there anyone you'd rather not be paired with? (optional, up to {MAX_AVOIDED})",
            values,
            problems,
            multiline=True,
            max_length=MAX_AVOIDED * (MAX_EMAIL + 1),
            placeholder="Their work emails, one a line",
        ),
        paragraph(
            "Perhaps someone you work closely with, or anyone you'd find it hard to be open with. You don't need "
            f"to give a reason. {AVOID_PRIVACY}",
            subtle=True,
        ),
    ]
    return card(body, [submit("Continue", INTERESTS, {"form": form}, primary=True), _cancel(form, "Cancel")])


def review_card(form: str, cohort: Cohort, profile: Profile, editing: bool) -> Card:
    body: list[Element] = [
        heading("Check your changes" if editing else "Check your answers"),
        paragraph(f"For **{escape_markdown(cohort.title)}**."),
        facts(
            [
                ("Taking part as", profile.role.label),
                ("Job title", escape_markdown(profile.job_title)),
                ("Band or grade", profile.band.label),
                ("Directorate", escape_markdown(profile.directorate)),
                ("Main site", escape_markdown(profile.site)),
                ("Work email", escape_markdown(profile.work_email)),
                ("Line manager", escape_markdown(profile.line_manager_email)),
                ("Topics", "; ".join(topic.label for topic in profile.topics)),
                ("Usually free", "; ".join(slot.label for slot in profile.availability)),
                ("Meeting", profile.meeting_preference.label),
            ]
        ),
        subheading("Your note for the coordinator"),
        paragraph(escape_markdown(profile.experience_note) if profile.experience_note else "None", subtle=True),
        subheading("Your introduction for your partner"),
        paragraph(escape_markdown(profile.bio) if profile.bio else "None", subtle=True),
        subheading("Colleagues you'd rather not be paired with"),
        *_avoided(profile.avoid_emails),
        paragraph(
            "Saving replaces your earlier answers. You can still change them until a decision is made."
            if editing
            else "When you submit, your application goes to the programme coordinator. You can change your "
            "answers until a decision is made."
        ),
    ]
    return card(
        body,
        [
            submit("Save changes" if editing else "Submit application", CONFIRM, {"form": form}, primary=True),
            submit("Change my answers", CHANGE, {"form": form}),
            _cancel(form, "Cancel"),
        ],
    )


def application_received_card(cohort: Cohort, application: Application) -> Card:
    body: list[Element] = [
        heading("Thank you, your application is in"),
        paragraph(
            f"You've applied to join **{escape_markdown(cohort.title)}** as a {application.profile.role.label.lower()}."
        ),
        subheading("What happens next"),
        paragraph(
            "The programme coordinator will look at your application, and I'll let you know their decision here "
            "in Teams. Until then you can change your answers at any time by typing **profile**."
        ),
    ]
    if cohort.plan.training_dates:
        days = ", ".join(_day(d) for d in cohort.plan.training_dates)
        body.append(paragraph(f"Training before the cohort starts: {days}. Details will follow if you're approved."))
    body.append(
        paragraph(
            "Taking part is always your choice: you can withdraw at any time, without giving a reason.", subtle=True
        )
    )
    return card(body, _after_actions())


def profile_updated_card(cohort: Cohort, application: Application) -> Card:
    body: list[Element] = [
        heading("Your answers are updated"),
        paragraph(
            f"Your application to **{escape_markdown(cohort.title)}** now has your new answers. Its status: "
            f"{application.state.label.lower()}."
        ),
        paragraph("You can change them again until a decision is made, by typing **profile**.", subtle=True),
    ]
    return card(body, _after_actions())


# Building blocks -------------------------------------------------------------------------------------------------


def _after_actions() -> list[Element]:
    return [submit("Change my answers", EditProfile.verb), execute("See my data", ShowMyData.verb)]


def _cancel(form: str, title: str) -> Element:
    # Cancelling should not carry half-typed answers anywhere, so the inputs stay behind.
    return {**submit(title, CANCEL, {"form": form}), "associatedInputs": "None"}


def _avoided(emails: Sequence[str]) -> list[Element]:
    """Only this card, which the person alone sees, names them."""
    if not emails:
        return [paragraph("None", subtle=True)]
    return [
        paragraph(f"You asked not to be paired with {_colleagues(len(emails))}:", subtle=True),
        *_bullets(escape_markdown(email) for email in emails),
        paragraph("Only used when making pairs; nobody else sees who they are.", subtle=True),
    ]


def _colleagues(count: int) -> str:
    return f"{count} colleague" if count == 1 else f"{count} colleagues"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _cohort_choice(cohort: Cohort) -> str:
    plan = cohort.plan
    return (
        f"{cohort.title} ({plan.track.label}; mentees: {plan.mentee_level.label.lower()}). "
        f"Runs {_day(plan.starts_on)} to {_day(plan.ends_on)}; sign up by {_day(plan.signup_closes)}."
    )


def _bullets(items: Iterable[str]) -> list[Element]:
    # One TextBlock per point: Markdown lists render differently across Teams clients.
    return [{**paragraph(f"\u2022 {item}"), "spacing": "Small"} for item in items]


def _problem_for(field: str, problems: Problems) -> list[Element]:
    message = problems.get(field)
    if not message:
        return []
    return [{"type": "TextBlock", "text": message, "wrap": True, "color": "Attention", "spacing": "None"}]


def _problem_summary(problems: Problems, fields: Iterable[str]) -> list[Element]:
    """A line at the top when something needs another look, including any problem with no field on this card
    (which would otherwise be lost)."""
    if not problems:
        return []
    on_card = set(fields)
    stray = [message for field, message in problems.items() if field not in on_card]
    lead = ["Please check the answers marked below."] if len(stray) < len(problems) else []
    text = " ".join(lead + stray)
    return [{"type": "TextBlock", "text": text, "wrap": True, "color": "Attention", "weight": "Bolder"}]


def _text_field(
    field: str,
    label: str,
    values: Values,
    problems: Problems,
    *,
    placeholder: str = "",
    style: str = "",
    multiline: bool = False,
    max_length: int = MAX_LINE,
) -> list[Element]:
    element: dict[str, Any] = {"type": "Input.Text", "id": field, "label": label, "maxLength": max_length}
    if multiline:
        element["isMultiline"] = True
    if placeholder:
        element["placeholder"] = placeholder
    if style:
        element["style"] = style
    if values.get(field):
        element["value"] = values[field]
    return [element, *_problem_for(field, problems)]


def _choice_set(
    field: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    values: Values,
    *,
    expanded: bool = False,
    multiple: bool = False,
) -> Element:
    element: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": field,
        "label": label,
        "choices": [{"title": title, "value": value} for value, title in choices],
        "style": "expanded" if expanded else "compact",
        "wrap": True,
    }
    if multiple:
        element["isMultiSelect"] = True
    if values.get(field):
        element["value"] = values[field]
    return element


def _toggle(field: str, title: str, values: Values) -> Element:
    return {
        "type": "Input.Toggle",
        "id": field,
        "title": title,
        "value": TOGGLE_ON if values.get(field) == TOGGLE_ON else "false",
        "valueOn": TOGGLE_ON,
        "valueOff": "false",
        "wrap": True,
    }
