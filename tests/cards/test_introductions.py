"""Introductions: warm, clear about the first step, and showing a partner only their name, part in the pair, job
title and the introduction they wrote for this; plus the messages around matching."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from cards.actions import FindMeetingTimes, parse_action
from cards.elements import Card, escape_markdown
from cards.introductions import (
    GROUND_RULES,
    agreement_to_confirm_card,
    introduction_card,
    not_matched_text,
    pair_chat_introduction_card,
)
from programme.applications import Application
from programme.contracts import Contract
from programme.pairs import PairState
from programme.profiles import Topic
from programme.teams_links import TEAMS_NEW_MEETING
from tests.cards.match_samples import (
    AGREEMENT,
    MARKDOWN,
    cohort,
    mentee,
    mentor,
    pair,
)
from tests.support.card_reading import button, card_actions, card_text, facts, text_blocks

# Topics each chose that the other did not: private to matching.
MENTOR_ONLY = Topic.MICROAGGRESSIONS
MENTEE_ONLY = Topic.LEADERSHIP_VISIBILITY


def _people() -> tuple[Application, Application]:
    return (
        mentor(topics=(Topic.BELONGING, MENTOR_ONLY)),
        mentee(topics=(Topic.BELONGING, MENTEE_ONLY), experience_note="I chair the equality committee."),
    )


def _introduction(*, to_mentor: bool, shared: tuple[Topic, ...] = (Topic.BELONGING,)) -> Card:
    first, second = _people()
    published = pair(101, first, second, state=PairState.PUBLISHED)
    me, partner = (first, second) if to_mentor else (second, first)
    return introduction_card(cohort(), published, me, partner, shared)


def _private_parts(person: Application) -> list[str]:
    profile = person.profile
    return [
        profile.band.label,
        profile.directorate,
        profile.site,
        profile.work_email,
        profile.line_manager_email,
        *profile.avoid_emails,
        profile.experience_note,
        *(slot.label for slot in profile.availability),
    ]


def _query(link: str) -> dict[str, list[str]]:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == TEAMS_NEW_MEETING
    return parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)


# Introductions ----------------------------------------------------------------------------------------------------


def test_the_mentee_is_asked_to_book_the_first_meeting() -> None:
    built = _introduction(to_mentor=False)
    texts = text_blocks(built)
    assert texts[0] == "Meet your mentor, Amara Okafor"
    [step] = [t for t in texts if t.startswith("As the mentee, please book your first meeting with Amara Okafor")]
    # What the button does, in words: the bot finds times, and either of them can choose.
    assert "I'll look at when you're both free and offer you a few times" in step
    assert "Either of you can choose one" in step
    find = button(built, "Find a time")
    assert (find["type"], find["verb"], find["data"]) == (
        "Action.Execute",
        "meeting.find",
        {"action": "meeting.find", "pair": 101},
    )
    assert find["style"] == "positive"
    assert parse_action(find["verb"], find["data"]) == FindMeetingTimes(101)
    assert button(built, "Agree how we'll work")["data"] == {"action": "agreement", "pair": 101}
    assert [a["title"] for a in card_actions(built)] == ["Find a time", "Agree how we'll work"]


def test_the_mentor_hears_that_the_mentee_books_and_may_suggest_a_time() -> None:
    built = _introduction(to_mentor=True)
    texts = text_blocks(built)
    assert texts[0] == "Meet your mentee, Dana Whitfield"
    assert any(t.startswith("Dana Whitfield has been asked to book your first meeting.") for t in texts)
    assert any("choose 'Suggest a time': I'll look at when you're both free" in t for t in texts)
    assert not any("As the mentee" in t for t in texts)
    suggest = button(built, "Suggest a time")
    assert (suggest["verb"], suggest["data"]) == ("meeting.find", {"action": "meeting.find", "pair": 101})
    assert "style" not in suggest
    assert [a["title"] for a in card_actions(built)] == ["Suggest a time", "Agree how we'll work"]


@pytest.mark.parametrize("to_mentor", [True, False])
def test_only_the_partners_name_part_job_title_and_introduction_are_shown(to_mentor: bool) -> None:
    built = _introduction(to_mentor=to_mentor)
    first, second = _people()
    partner = second if to_mentor else first
    assert facts(built) == {
        "Name": partner.display_name,
        "Their part": f"Your {partner.profile.role.value}",
        "Job title": partner.profile.job_title,
    }
    assert escape_markdown(partner.profile.bio) in text_blocks(built)
    everything = card_text(built)
    for private in _private_parts(partner):
        assert private not in everything, private
    assert "@" not in everything
    # The topics only one of them chose stay with matching; the shared one is the point.
    assert MENTOR_ONLY.label not in everything
    assert MENTEE_ONLY.label not in everything
    assert Topic.BELONGING.label in text_blocks(built)


def test_nothing_shared_and_no_introduction_written_are_said_gently() -> None:
    first = _people()[0]
    quiet = mentee(bio="")
    built = introduction_card(cohort(), pair(101, first, quiet, state=PairState.PUBLISHED), first, quiet, ())
    texts = text_blocks(built)
    assert "They haven't written an introduction yet." in texts
    assert any(t.startswith("You chose different topics") for t in texts)
    assert "Topics you both chose" not in texts


def test_the_introduction_sets_expectations_and_the_ground_rules() -> None:
    texts = text_blocks(_introduction(to_mentor=False))
    assert (
        "About 6 sessions of 60 minutes, about once a month, between 16 Feb 2026 and 6 Jul 2026. Meet on Teams or "
        "in person, whichever suits you both." in texts
    )
    assert [t for t in texts if t.startswith("- ")] == [f"- {rule}" for rule in GROUND_RULES]
    rules = " ".join(GROUND_RULES)
    for promise in ("both ways", "safeguarding", "not to judge", "pause", "withdraw", "without giving a reason"):
        assert promise in rules


def test_typed_text_in_an_introduction_is_escaped() -> None:
    second = _people()[1]
    laden = mentor(name=MARKDOWN[:100], job_title=MARKDOWN[:100], bio=MARKDOWN * 5)
    built = introduction_card(
        cohort(name=MARKDOWN[:80]), pair(101, laden, second, state=PairState.PUBLISHED), second, laden, ()
    )
    assert "**bold**" not in card_text(built)
    assert "[link](" not in card_text(built)


# The pair's chat --------------------------------------------------------------------------------------------------


def test_the_pair_chat_introduces_both_and_asks_the_mentee_to_book() -> None:
    first, second = _people()
    built = pair_chat_introduction_card(
        cohort(), pair(101, first, second, state=PairState.PUBLISHED), first, second, (Topic.BELONGING,)
    )
    texts = text_blocks(built)
    assert texts[0] == "Welcome, Amara Okafor and Dana Whitfield"
    assert facts(built) == {
        "Mentor": "Amara Okafor, Community psychiatric nurse",
        "Mentee": "Dana Whitfield, Director of Nursing",
    }
    assert first.profile.bio in texts
    assert second.profile.bio in texts
    assert any(t.startswith("Dana Whitfield, please book your first meeting") for t in texts)
    book = button(built, "Book our first meeting")
    query = _query(book["url"])
    # Only the pair themselves see this chat; the link invites them both.
    assert query["attendees"] == [f"{first.profile.work_email},{second.profile.work_email}"]
    assert query["subject"] == ["Reverse mentoring: Amara Okafor and Dana Whitfield"]
    # The agreement is private to each of them, so the shared chat only points to their own chats.
    assert [a["title"] for a in card_actions(built)] == ["Book our first meeting"]
    assert "To write or confirm it, type **agreement** in your own chat with me." in texts
    # Scheduling buttons need a person's own chat; the shared one points there.
    assert any("type **schedule** in your own chat with me" in t for t in texts)
    shown = "\n".join(texts)
    for person in (first, second):
        for private in _private_parts(person):
            assert private not in shown, private
    assert MENTOR_ONLY.label not in shown
    assert MENTEE_ONLY.label not in shown


# Around matching --------------------------------------------------------------------------------------------------


def test_not_being_matched_is_told_kindly() -> None:
    text = not_matched_text(cohort(), mentor())
    assert "be a mentor in Cohort 3: Race equality 2026, board" in text
    assert "there wasn't a mentee who was the right match" in text
    assert "not to you or what you offer" in text
    assert "waiting list" in text
    assert "among the first to hear" in text
    for harsh in ("reject", "unsuccessful", "declined", "sorry"):
        assert harsh not in text.lower()
    assert "there wasn't a mentor who" in not_matched_text(cohort(), mentee())


def test_the_other_person_is_asked_to_read_and_confirm() -> None:
    writer = mentor(name="Amara *Okafor*")
    built = agreement_to_confirm_card(
        pair(101, writer, mentee(), state=PairState.PUBLISHED), Contract(101, AGREEMENT, version=1), writer
    )
    texts = text_blocks(built)
    assert any(t.startswith("Amara \\*Okafor\\* has written down how you'll work together.") for t in texts)
    assert [(a["title"], a["data"]) for a in card_actions(built)] == [
        ("Read and confirm", {"action": "agreement", "pair": 101})
    ]
    # The card points to the agreement; its words stay on the card only the pair can open.
    for words in (*AGREEMENT.goals, AGREEMENT.how_we_work):
        assert words not in card_text(built)
    changed = agreement_to_confirm_card(
        pair(101, writer, mentee(), state=PairState.PUBLISHED), Contract(101, AGREEMENT, version=4), writer
    )
    assert any(" has updated how you'll work together." in t for t in text_blocks(changed))
