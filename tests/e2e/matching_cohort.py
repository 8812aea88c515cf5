"""A cohort of the mock tenant's four participants, ready to be matched: the answers each gives when signing up, and
the coordinator's way from an open cohort to one whose sign-ups are closed with everyone approved, and on to its pairs
published as proposed."""

from __future__ import annotations

from collections.abc import Mapping

from tests.e2e.playground import PlaygroundClient
from tests.e2e.steps import (
    AISHA,
    DAVID,
    HELEN,
    MORGAN,
    NAMES,
    TOMASZ,
    answers_of,
    command_card,
    create_and_open_cohort,
    heading,
    press,
    say,
    showing,
    sign_up,
)
from tests.support.card_reading import button, text_blocks
from tests.support.sign_up_answers import Answers

# The answers are chosen so that the management-chain rule decides the outcome. Tomasz is David's executive
# assistant and names him as his line manager. With the usual weights (shared topics 3, shared free time 2, where to
# meet 1), by fit alone Tomasz and David would be the best pair of all (two shared topics, the same free half-days,
# the same site: 500 of 600 points), and in a cohort with one mentee per mentor the best two pairs would be
# Tomasz-David and Aisha-Helen (500 + 250). With Tomasz-David ruled out, the only way to pair everyone is
# Aisha-David (380) and Tomasz-Helen (250). Aisha also shares more topics with David than with Helen. Nobody
# declares colleagues to avoid, and all four work in different directorates, so no other rule is in play.
AISHA_ANSWERS = answers_of(
    AISHA,
    topics="career-progression,belonging,international-staff",
    availability="mon-am,wed-pm",
    experience_note="Came to the ward through international recruitment; I know how long it takes to feel heard.",
)
TOMASZ_ANSWERS = answers_of(
    TOMASZ,
    topics="speaking-up,leadership-visibility,microaggressions",
    availability="tue-pm,thu-am",
    experience_note="I use a wheelchair and have views on how visible our leaders are on the sites.",
)
HELEN_ANSWERS = answers_of(
    HELEN,
    topics="belonging,microaggressions",
    availability="mon-am,fri-am",
    experience_note="Staff survey results on incivility differ widely between our staff groups.",
)
DAVID_ANSWERS = answers_of(
    DAVID,
    topics="career-progression,belonging,speaking-up,leadership-visibility",
    availability="tue-pm,thu-am,wed-pm",
    experience_note="Our pay gap report shows few colleagues from ethnic minorities above band 7.",
)
PEOPLE = {AISHA: AISHA_ANSWERS, TOMASZ: TOMASZ_ANSWERS, HELEN: HELEN_ANSWERS, DAVID: DAVID_ANSWERS}


async def ready_for_matching(
    client: PlaygroundClient, plan: Mapping[str, str], people: Mapping[str, Answers] = PEOPLE
) -> tuple[int, str]:
    """Morgan creates and opens a cohort with this plan, `people` (user id to answers) sign up in that order,
    Morgan approves each of them and closes sign-ups. Returns the cohort's number and title."""
    cohort_id = await create_and_open_cohort(client, plan)
    title = f"Cohort {cohort_id}: {plan['name']}"
    for user_id, answers in people.items():
        await sign_up(client, user_id, answers, title)
    await approve_everyone(client, title, [NAMES[user_id] for user_id in people])
    closed = await command_card(client, MORGAN, "cohort close-signups", title)
    assert text_blocks(closed)[1] == (
        f"Sign-ups for {title} are closed. Review any remaining applications, then it is ready for matching."
    )
    return cohort_id, title


async def publish_as_proposed(client: PlaygroundClient, title: str) -> None:
    """Morgan asks for the pairs of a cohort ready for matching and publishes them as proposed, through the
    confirmation; each person is then introduced to their partner through the queue."""
    chat = await say(client, MORGAN, "match")
    review = await client.next_bot_message(conversation_id=chat, predicate=lambda m: heading(m) == f"Matching {title}")
    confirmation = await press(client, review, "Publish…")
    assert text_blocks(confirmation)[1] == title
    published = await press(client, showing(review, confirmation), "Publish and introduce")
    assert text_blocks(published)[0] == "Pairs published"


async def approve_everyone(client: PlaygroundClient, title: str, names: list[str]) -> None:
    """Approve the applications of these people, in the order they applied, from the review card: it shows one at a
    time and moves on to the next once one is decided."""
    chat = await say(client, MORGAN, "applications")
    review = await client.next_bot_message(
        conversation_id=chat, predicate=lambda m: heading(m) == f"Applications to {title}"
    )
    card = review.adaptive_cards[0]
    for name in names:
        assert name in text_blocks(card)
        application = button(card, "Approve")["data"]["application"]
        card = await press(
            client, showing(review, card), "Approve", inputs={f"reason-{application}": f"Approved {name}."}
        )
    assert "Nothing waiting for a decision. New applications will appear here as they arrive." in text_blocks(card)
