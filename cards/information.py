"""Plain information cards: about the programme and how personal data is used."""

from __future__ import annotations

from cards.elements import Card, card, execute, heading, paragraph, subheading


def about_card(organisation: str) -> Card:
    return card(
        [
            heading("About reverse mentoring"),
            paragraph(
                f"{organisation} runs reverse mentoring in cohorts. Mentors are volunteers from staff networks of "
                "under-represented groups; mentees are senior leaders. Pairs are never matched inside one "
                "line-management chain."
            ),
            subheading("How a cohort runs"),
            paragraph(
                "1. You sign up and the programme team approves places.\n"
                "2. You are matched with a partner and introduced.\n"
                "3. You meet about once a month for about six months.\n"
                "4. After each meeting you can keep a private reflection, and you answer short surveys at the "
                "start, middle and end.\n"
                "5. The cohort closes with a celebration and certificates."
            ),
            paragraph(
                "You can pause or withdraw at any time without giving a reason; your coordinator will be told "
                "that you have stepped back, nothing more.",
                subtle=True,
            ),
        ],
        [execute("Show what I can do", "help")],
    )


def privacy_card(organisation: str) -> Card:
    return card(
        [
            heading("How your data is used"),
            paragraph(
                f"{organisation} is responsible for the information this bot keeps. It keeps only what the "
                "programme needs: your Teams identity so it can message you, what you give when you sign up, "
                "meeting dates, any reflections you choose to write, and your survey answers."
            ),
            subheading("What stays private"),
            paragraph(
                "Your reflections are readable only by you. Coordinators see that a reflection was made, never "
                "what it says. Survey results are shown to coordinators only as totals for groups large enough "
                "that nobody can be singled out."
            ),
            subheading("Your rights"),
            paragraph(
                "Type 'my data' to see everything held about you, and 'delete my data' to have it erased. "
                "Coordinator actions are recorded in an audit log so that access can be checked."
            ),
        ],
        [execute("Show what I can do", "help")],
    )
