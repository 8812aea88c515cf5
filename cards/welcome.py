"""The first message a person gets from the bot: what the programme is and how to start."""

from __future__ import annotations

from cards.elements import Card, card, execute, heading, paragraph, submit


def welcome_card(organisation: str) -> Card:
    return card(
        [
            heading("Welcome to ReMEDI reverse mentoring"),
            paragraph(
                f"I help run the reverse-mentoring programme at {organisation}. In reverse mentoring the usual "
                "hierarchy is turned around: colleagues from under-represented groups mentor senior leaders, "
                "sharing their lived experience so that leaders understand it and act on it."
            ),
            paragraph(
                "I take care of the admin, so that you can focus on the conversations: signing up, introducing "
                "pairs, finding time in both diaries, reminders and short surveys."
            ),
            paragraph(
                "Taking part is always your choice. What you share in your mentoring conversations stays between "
                "you and your partner, within the safeguarding limits explained in the ground rules.",
                subtle=True,
            ),
        ],
        [
            # Action.Submit: signing up is a conversation of several messages, which only a message can start.
            submit("Sign up", "join", primary=True),
            execute("Show what I can do", "help"),
            execute("About the programme", "about"),
            execute("How your data is used", "privacy"),
        ],
    )
