"""Introducing the two people of a newly published pair, and the messages around it.

An introduction shows only what a partner needs to start well: their name, their part in the pair, their job title
and the short introduction they wrote for this purpose. Their grade, directorate, site, emails, the topics they
did not share and anything they wrote for the coordinators stay out: matching has used them already, and some of
it (an experience note, a list of colleagues to avoid) was given in confidence.
"""

from __future__ import annotations

from cards.cohorts import day
from cards.elements import Card, Element, card, escape_markdown, execute, facts, heading, paragraph, subheading
from programme.applications import Application
from programme.cohorts import Cadence, Cohort
from programme.contracts import Contract
from programme.pairs import Pair
from programme.profiles import Topic
from programme.teams_links import teams_meeting_link

GROUND_RULES = (
    "What you talk about stays between the two of you, both ways. The one limit is safety: if something you hear "
    "suggests that someone is at risk of serious harm, safeguarding comes first, and you follow your trust's "
    "safeguarding policy (telling the other person first wherever it is safe to).",
    "Listen to understand, not to judge. Sharing lived experience takes courage; go at a pace that feels right, "
    "and it's always fine to say you'd rather not talk about something.",
    "Either of you can pause or step back at any time, without giving a reason: type 'pause until' and a date, or "
    "'withdraw', or talk to your programme coordinator.",
)

_CADENCE_PHRASES = {
    Cadence.FORTNIGHTLY: "every two weeks",
    Cadence.MONTHLY: "about once a month",
    Cadence.SIX_WEEKLY: "about every six weeks",
}


def introduction_card(
    cohort: Cohort,
    pair: Pair,
    me: Application,
    partner: Application,
    shared: tuple[Topic, ...],
) -> Card:
    """To one person of a new pair: who their partner is, what to expect, and the first step."""
    i_mentor = me.id == pair.mentor_application
    their_part = "mentee" if i_mentor else "mentor"
    name = escape_markdown(partner.display_name)
    body: list[Element] = [
        heading(f"Meet your {their_part}, {name}"),
        paragraph(
            f"You've been paired for {escape_markdown(cohort.plan.name)}. Thank you for taking part: this is the "
            "start of something we hope you'll both value."
        ),
        facts(
            [
                ("Name", name),
                ("Their part", f"Your {their_part}"),
                ("Job title", escape_markdown(partner.profile.job_title)),
            ]
        ),
        *_bio(partner, "In their own words"),
        *_shared_topics(shared),
        *_what_to_expect(cohort),
        *ground_rules(),
        subheading("Your first step"),
    ]
    if i_mentor:
        body.append(
            paragraph(
                f"{name} has been asked to book your first meeting. If you'd like to suggest a time yourself, choose "
                "'Suggest a time': I'll look at when you're both free and offer you a few times. Either of you can "
                "choose one, and it's booked for you both."
            )
        )
    else:
        body.append(
            paragraph(
                f"As the mentee, please book your first meeting with {name}, ideally in the next two weeks. Choose "
                "'Find a time': I'll look at when you're both free and offer you a few times. Either of you can "
                "choose one, and it's booked for you both."
            )
        )
    body.append(
        paragraph(
            "At that first meeting, agree how you'll work together and write it down; you both confirm it, and it "
            "stays between the two of you.",
            subtle=True,
        )
    )
    return card(
        body,
        [
            execute(
                "Suggest a time" if i_mentor else "Find a time", "meeting.find", {"pair": pair.id}, primary=not i_mentor
            ),
            execute("Agree how we'll work", "agreement", {"pair": pair.id}),
        ],
    )


def pair_chat_introduction_card(
    cohort: Cohort, pair: Pair, mentor: Application, mentee: Application, shared: tuple[Topic, ...]
) -> Card:
    """Posted in the pair's own group chat: both introduced at once, and the first step for each."""
    mentor_name = escape_markdown(mentor.display_name)
    mentee_name = escape_markdown(mentee.display_name)
    body: list[Element] = [
        heading(f"Welcome, {mentor_name} and {mentee_name}"),
        paragraph(
            f"You've been paired for {escape_markdown(cohort.plan.name)}. This chat is for the two of you; I'll "
            "only post the odd reminder here."
        ),
        facts(
            [
                ("Mentor", f"{mentor_name}, {escape_markdown(mentor.profile.job_title)}"),
                ("Mentee", f"{mentee_name}, {escape_markdown(mentee.profile.job_title)}"),
            ]
        ),
        *_bio(mentor, f"{mentor_name} in their own words"),
        *_bio(mentee, f"{mentee_name} in their own words"),
        *_shared_topics(shared),
        *_what_to_expect(cohort),
        *ground_rules(),
        subheading("Your first step"),
        paragraph(
            f"{mentee_name}, please book your first meeting, ideally in the next two weeks. {mentor_name}, you're "
            "welcome to suggest times here too. At that meeting, agree how you'll work together and write it down: "
            "you both confirm it, and it stays between the two of you."
        ),
        # The agreement is written in each person's 1:1 chat with the bot, never in a shared chat, so it is
        # pointed to here rather than offered as a button that could only answer "not here".
        paragraph("To write or confirm it, type **agreement** in your own chat with me.", subtle=True),
        # Scheduling buttons answer one person at a time, which a shared chat cannot do, so it is pointed to too.
        paragraph(
            "If you'd like me to find times when you're both free and book one for you, type **schedule** in your "
            "own chat with me.",
            subtle=True,
        ),
    ]
    link = teams_meeting_link(
        f"Reverse mentoring: {mentor.display_name} and {mentee.display_name}",
        [email for email in (mentor.profile.work_email, mentee.profile.work_email) if email],
        cohort.plan.session_minutes,
    )
    return card(body, [_open_url("Book our first meeting", link)])


def not_matched_text(cohort: Cohort, application: Application) -> str:
    """To an approved person left without a partner when pairs were published."""
    role = application.profile.role.value
    return (
        f"Thank you for signing up to be a {role} in {escape_markdown(cohort.title)}. Pairs have now been made, "
        f"and this time there wasn't a {'mentee' if role == 'mentor' else 'mentor'} who was the right match for "
        "you: that comes down to numbers and the matching rules, not to you or what you offer. You're on the "
        "waiting list, so if a place opens up, or when the next cohort starts, you'll be among the first to hear. "
        "You don't need to do anything; if you'd like to talk it over, your programme coordinator will be glad to "
        "hear from you."
    )


def agreement_to_confirm_card(pair: Pair, contract: Contract, writer: Application) -> Card:
    """To the other person, after one of the pair wrote or changed their agreement."""
    name = escape_markdown(writer.display_name)
    changed = "written down" if contract.version <= 1 else "updated"
    return card(
        [
            heading("Your agreement is ready to read"),
            paragraph(
                f"{name} has {changed} how you'll work together. Please read it, and confirm it if it matches what "
                "you agreed. If something isn't right, you can change it, and they'll be asked to confirm instead."
            ),
            paragraph(
                "It stays between the two of you; your coordinator only sees whether you've both confirmed.",
                subtle=True,
            ),
        ],
        [execute("Read and confirm", "agreement", {"pair": pair.id}, primary=True)],
    )


# Shared parts -----------------------------------------------------------------------------------------------------


def ground_rules() -> list[Element]:
    """The ground rules in brief, as everyone agreed to them when signing up."""
    return [subheading("The ground rules"), *(paragraph(f"- {rule}") for rule in GROUND_RULES)]


def _bio(person: Application, title: str) -> list[Element]:
    bio = person.profile.bio
    if not bio:
        return [subheading(title), paragraph("They haven't written an introduction yet.", subtle=True)]
    return [subheading(title), paragraph(escape_markdown(bio))]


def _shared_topics(shared: tuple[Topic, ...]) -> list[Element]:
    if not shared:
        return [
            subheading("Where you might start"),
            paragraph(
                "You chose different topics, which can make for a fresh conversation: share what each of you "
                "hopes to get from this."
            ),
        ]
    return [subheading("Topics you both chose"), paragraph(", ".join(topic.label for topic in shared))]


def _what_to_expect(cohort: Cohort) -> list[Element]:
    plan = cohort.plan
    return [
        subheading("What to expect"),
        paragraph(
            f"About {plan.sessions} {'session' if plan.sessions == 1 else 'sessions'} of {plan.session_minutes} "
            f"minutes, {_CADENCE_PHRASES[plan.cadence]}, between {day(plan.starts_on)} and {day(plan.ends_on)}. "
            "Meet on Teams or in person, whichever suits you both."
        ),
    ]


def _open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}
