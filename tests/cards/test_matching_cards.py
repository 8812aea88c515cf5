"""What the coordinator's matching cards say: enough to judge and adjust each pair, nothing given in confidence,
and after publishing only whether each pair's agreement is confirmed."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from cards.actions import AddPair, parse_action
from cards.elements import Card, escape_markdown
from cards.matching import (
    CARD_BUDGET,
    MAX_NOTICE,
    PAIRS_PER_PAGE,
    UNMATCHED_SHOWN,
    match_adjust_card,
    match_review_card,
    publish_confirmation_card,
    published_card,
)
from programme.cohorts import CohortState
from programme.matching import MatchReview, Publication, ReviewedPair, Unmatched
from programme.pairs import PairState
from tests.cards.match_samples import (
    AGREEMENT,
    COSTLIEST,
    MARKDOWN,
    MENTEE_SECRETS,
    MENTOR_SECRETS,
    cohort,
    mentee,
    mentor,
    reviewed,
    typical_review,
    worst_review,
)
from tests.support.card_reading import button, card_actions, card_text, fact_pairs, inputs, text_blocks


def _verbs(built: Card) -> list[str]:
    return [str(action["data"]["action"]) for action in card_actions(built) if "data" in action]


def _published(review: MatchReview) -> MatchReview:
    return MatchReview(
        cohort=replace(review.cohort, state=CohortState.RUNNING),
        pairs=[ReviewedPair(replace(r.pair, state=PairState.PUBLISHED), r.mentor, r.mentee) for r in review.pairs],
        unmatched=(),
    )


def _many(count: int) -> MatchReview:
    return MatchReview(
        cohort=cohort(),
        pairs=[reviewed(200 + n, mentor(300 + n, f"Mentor {n}"), mentee(400 + n, f"Mentee {n}")) for n in range(count)],
        unmatched=(),
    )


def _coordinator_cards() -> list[Card]:
    review = typical_review()
    return [
        match_review_card(review),
        match_adjust_card(review),
        publish_confirmation_card(review),
        match_review_card(_published(review), confirmed={101: True}),
        published_card(Publication(review.cohort, 2, 2), {101: True}, _published(review)),
    ]


# The review -------------------------------------------------------------------------------------------------------


def test_each_pair_shows_who_why_and_how_well_they_fit() -> None:
    built = match_review_card(typical_review())
    texts = text_blocks(built)
    assert "Amara Okafor — Dana Whitfield" in texts
    assert ("Mentor", "Band 5 · Community Mental Health") in fact_pairs(built)
    assert ("Mentee", "Board member (executive or non-executive) · Strategy and Transformation") in fact_pairs(built)
    assert ("Fit", "330 of 600 points") in fact_pairs(built)
    assert (
        "Why: 1 shared topic: Belonging and being heard; both usually free Tuesday morning; both happy to meet on "
        "Teams." in texts
    )
    assert texts[0] == "Matching Cohort 3: Race equality 2026, board"
    assert "2 pairs proposed · 2 people without a partner" in texts


def test_badges_and_the_override_reason_are_shown() -> None:
    texts = text_blocks(match_review_card(typical_review()))
    assert "Locked" in texts
    assert "Locked · Made by hand" in texts
    assert (
        "Paired against a rule. The reason given: They asked to work together; the directorate rule can bend here."
        in texts
    )


def test_an_override_reason_is_shown_as_typed() -> None:
    review = typical_review()
    first = review.pairs[0]
    laden = ReviewedPair(replace(first.pair, override=MARKDOWN), first.mentor, first.mentee)
    built = match_review_card(MatchReview(review.cohort, [laden], ()))
    assert "**bold**" not in json.dumps(built)
    assert f"Paired against a rule. The reason given: {escape_markdown(MARKDOWN)}" in text_blocks(built)


def test_lock_and_take_apart_buttons_carry_the_pair_cohort_and_page() -> None:
    built = match_review_card(typical_review())
    assert [(a["title"], a["data"]) for a in card_actions(built)][:2] == [
        ("Unlock", {"action": "pair.lock", "pair": 101, "cohort": 3, "page": 1, "locked": False}),
        ("Take apart", {"action": "pair.unpair", "pair": 101, "cohort": 3, "page": 1}),
    ]
    unlocked = typical_review()
    first = unlocked.pairs[0]
    loose = ReviewedPair(replace(first.pair, locked=False), first.mentor, first.mentee)
    lock = button(match_review_card(MatchReview(unlocked.cohort, [loose], ())), "Lock")
    assert lock["data"]["locked"] is True
    assert "Locked" not in text_blocks(match_review_card(MatchReview(unlocked.cohort, [loose], ())))


def test_the_review_offers_adjusting_rerunning_and_publishing() -> None:
    built = match_review_card(typical_review())
    assert _verbs(built)[-4:] == ["match.adjust", "match.rerun", "match.publish", "cohorts"]
    assert button(built, "Publish…")["data"] == {"action": "match.publish", "cohort": 3}


def test_people_without_a_partner_are_listed_with_the_reason() -> None:
    texts = text_blocks(match_review_card(typical_review()))
    assert "Without a partner (2)" in texts
    assert "**Priya Patel** (Mentor): 2 mentees would suit, but all were needed for other pairs." in texts
    assert "**Tom Reid** (Mentee): No mentor fits the rules: 3 are in their line-management chain." in texts


def test_at_most_ten_people_without_a_partner_are_listed_and_the_rest_counted() -> None:
    people = [Unmatched(mentor(500 + n, f"Person {n}"), "There are more mentors than places.") for n in range(23)]
    texts = text_blocks(match_review_card(MatchReview(cohort(), (), people)))
    listed = [text for text in texts if text.startswith("**Person ")]
    assert len(listed) == UNMATCHED_SHOWN
    assert "…and 13 more, not shown to keep this card short." in texts


def test_an_empty_review_says_why_and_offers_nothing_to_publish() -> None:
    empty = match_review_card(MatchReview(cohort(), (), ()))
    assert any("no approved mentors and mentees" in text for text in text_blocks(empty))
    assert "match.publish" not in _verbs(empty)
    stuck = match_review_card(MatchReview(cohort(), (), typical_review().unmatched))
    assert any("No pairs could be made within the rules" in text for text in text_blocks(stuck))
    assert "match.publish" not in _verbs(stuck)


def test_a_notice_comes_first_escaped_and_cut_short() -> None:
    built = match_review_card(typical_review(), notice=MARKDOWN * 100)
    notice = built["body"][1]
    assert notice["color"] == "Attention"
    assert "**bold**" not in notice["text"]
    assert notice["text"].endswith("…")
    assert len(notice["text"]) < 2 * MAX_NOTICE


def test_pages_hold_six_ordinary_pairs_and_the_pager_moves_between_them() -> None:
    review = _many(14)
    names = [[t for t in text_blocks(match_review_card(review, page)) if t.startswith("Mentor ")] for page in (1, 2, 3)]
    assert [len(page) for page in names] == [PAIRS_PER_PAGE, PAIRS_PER_PAGE, 2]
    assert names[2] == ["Mentor 12 — Mentee 12", "Mentor 13 — Mentee 13"]
    middle = match_review_card(review, 2)
    assert "Pairs 7 to 12 of 14 (page 2 of 3)" in text_blocks(middle)
    assert [(a["title"], a["data"].get("page")) for a in card_actions(middle) if a["data"]["action"] == "match"] == [
        ("Previous pairs", 1),
        ("Next pairs", 3),
    ]
    assert {a["data"]["page"] for a in card_actions(middle) if a["data"]["action"] == "pair.lock"} == {2}


def test_a_page_past_the_end_shows_the_last_page() -> None:
    review = _many(14)
    assert match_review_card(review, 99) == match_review_card(review, 3)
    assert match_review_card(review, 0) == match_review_card(review, 1)


@pytest.mark.parametrize("text", [COSTLIEST, "*", "\U0001f600"])
def test_costly_pairs_share_pages_but_every_pair_is_on_exactly_one(text: str) -> None:
    review = worst_review(text, pairs=13, unmatched=40)
    seen: list[int] = []
    page = 1
    while True:
        built = match_review_card(review, page, notice=text * 1000)
        assert len(json.dumps(built, ensure_ascii=False).encode("utf-16-le")) <= CARD_BUDGET + 1024
        seen += [a["data"]["pair"] for a in card_actions(built) if a["data"]["action"] == "pair.unpair"]
        # Whatever the pairs take, some of the people without a partner are still listed.
        assert any(t.startswith("**") for t in text_blocks(built))
        if "Next pairs" not in [a["title"] for a in card_actions(built)]:
            break
        page += 1
    assert sorted(seen) == sorted(r.pair.id for r in review.pairs)
    assert page > 1


def test_a_published_review_changes_nothing_and_shows_each_agreement_status() -> None:
    built = match_review_card(_published(typical_review()), confirmed={101: True, 102: False})
    assert _verbs(built) == ["cohorts"]
    texts = text_blocks(built)
    assert "2 pairs published. 1 of 2 confirmed their first-meeting agreement." in texts
    assert texts.count("First-meeting agreement: confirmed") == 1
    assert texts.count("First-meeting agreement: not yet") == 1
    assert "Locked" not in " ".join(texts)
    without = match_review_card(_published(typical_review()))
    assert not any("First-meeting agreement:" in text for text in text_blocks(without))


def test_an_unfinished_publication_can_be_finished_but_not_changed() -> None:
    review = MatchReview(cohort(CohortState.RUNNING), typical_review().pairs, ())
    built = match_review_card(review)
    assert _verbs(built) == ["match.publish", "cohorts"]
    assert any("did not finish" in text for text in text_blocks(built))


@pytest.mark.parametrize("built", _coordinator_cards())
def test_no_email_or_avoided_colleague_is_ever_on_a_coordinator_card(built: Card) -> None:
    everything = card_text(built)
    assert "@" not in everything
    for secrets in (MENTOR_SECRETS, MENTEE_SECRETS):
        for avoided in secrets["avoid_emails"]:
            assert avoided.split("@")[0] not in everything
        assert str(secrets["experience_note"]) not in everything


# Adjusting --------------------------------------------------------------------------------------------------------


def _choices(built: Card, input_id: str) -> list[tuple[str, str]]:
    return [(choice["value"], choice["title"]) for choice in inputs(built)[input_id]["choices"]]


def test_swapping_offers_the_proposed_pairs() -> None:
    built = match_adjust_card(typical_review())
    expected = [("101", "Amara Okafor — Dana Whitfield"), ("102", "Kwame Mensah — Sarah Jones")]
    assert _choices(built, "swap_first") == expected
    assert _choices(built, "swap_second") == expected
    assert button(built, "Swap their mentees")["data"] == {"action": "pair.swap", "cohort": 3}


def test_pairing_by_hand_offers_mentors_with_a_free_place_and_mentees_without_a_partner() -> None:
    review = typical_review()
    built = match_adjust_card(review)
    assert _choices(built, "mentor") == [
        ("11", "Amara Okafor · Band 5 · 1 place free"),
        ("12", "Kwame Mensah · Band 5 · 1 place free"),
        ("13", "Priya Patel · Band 5 · 2 places free"),
    ]
    assert _choices(built, "mentee") == [("23", "Tom Reid · Board member (executive or non-executive)")]
    one_each = MatchReview(
        replace(review.cohort, plan=replace(review.cohort.plan, mentor_capacity=1)), review.pairs, review.unmatched
    )
    assert _choices(match_adjust_card(one_each), "mentor") == [("13", "Priya Patel · Band 5")]
    fields = inputs(built)
    assert fields["override"]["type"] == "Input.Toggle"
    assert (fields["override"]["valueOn"], fields["override"]["valueOff"]) == ("true", "false")
    assert fields["override_reason"]["maxLength"] == 200
    assert fields["override_reason"]["label"] == "Why (kept in the audit log)"
    assert button(built, "Pair them")["data"] == {"action": "pair.add", "cohort": 3}


def test_a_pair_made_from_the_card_parses() -> None:
    built = match_adjust_card(typical_review())
    sent: dict[str, Any] = {
        **button(built, "Pair them")["data"],
        "mentor": "13",
        "mentee": "23",
        "override": "true",
        "override_reason": "They asked",
    }
    assert parse_action("pair.add", sent) == AddPair(3, 13, 23, True, "They asked")


def test_going_back_sends_none_of_the_choices() -> None:
    back = button(match_adjust_card(typical_review()), "Back to the review")
    assert back["associatedInputs"] == "none"
    assert back["data"] == {"action": "match", "cohort": 3}


def test_names_in_choices_are_plain_text_and_shortened() -> None:
    review = typical_review()
    long_name = "Dr " + "*Very* " * 20
    first = review.pairs[0]
    renamed = ReviewedPair(first.pair, replace(first.mentor, display_name=long_name), first.mentee)
    built = match_adjust_card(MatchReview(review.cohort, [renamed, review.pairs[1]], review.unmatched))
    title = _choices(built, "swap_first")[0][1]
    assert title.startswith("Dr *Very* *Very*")  # as typed: choice titles are not Markdown
    assert "…" in title
    assert len(title) < len(long_name)


def test_too_few_to_adjust_says_so() -> None:
    one = MatchReview(cohort(), typical_review().pairs[:1], ())
    built = match_adjust_card(one)
    assert "swap_first" not in inputs(built)
    assert "mentor" not in inputs(built)
    assert "Swapping needs at least two proposed pairs." in text_blocks(built)


def test_a_very_large_cohort_still_fits_and_says_what_it_left_out() -> None:
    built = match_adjust_card(worst_review(COSTLIEST, pairs=400, unmatched=400))
    assert len(json.dumps(built, ensure_ascii=False).encode("utf-16-le")) <= CARD_BUDGET
    assert any("too big to list everyone" in text for text in text_blocks(built))
    assert 1 <= len(_choices(built, "swap_first")) < 400


def test_a_notice_is_counted_when_the_adjust_card_is_fitted() -> None:
    # Twelve of each nearly fill the card with no notice; a notice added after fitting would overflow it.
    built = match_adjust_card(worst_review(COSTLIEST, pairs=12, unmatched=12), notice=COSTLIEST * 1000)
    assert built["body"][1]["color"] == "Attention"
    assert len(json.dumps(built, ensure_ascii=False).encode("utf-16-le")) <= CARD_BUDGET


def test_published_pairs_cannot_be_adjusted() -> None:
    built = match_adjust_card(_published(typical_review()))
    assert inputs(built) == {}
    assert _verbs(built) == ["match"]


# Publishing -------------------------------------------------------------------------------------------------------


def test_publishing_asks_first_and_says_who_is_told_what() -> None:
    built = publish_confirmation_card(typical_review())
    texts = text_blocks(built)
    assert texts[0] == "Publish 2 pairs?"
    assert any(t.startswith("Each person gets an introduction to their partner now") for t in texts)
    assert any(t.startswith("2 approved people without a partner move to the waiting list.") for t in texts)
    assert [(a["title"], a["data"]) for a in card_actions(built)] == [
        ("Publish and introduce", {"action": "match.publish.confirm", "cohort": 3}),
        ("Back", {"action": "match", "cohort": 3}),
    ]


def test_publishing_with_nobody_left_over_or_nothing_proposed() -> None:
    everyone = publish_confirmation_card(MatchReview(cohort(), typical_review().pairs, ()))
    assert "Everyone approved has a partner, so nobody moves to the waiting list." in text_blocks(everyone)
    nothing = publish_confirmation_card(MatchReview(cohort(), (), typical_review().unmatched))
    assert _verbs(nothing) == ["match"]
    assert text_blocks(nothing)[0] == "Nothing to publish yet"


def test_asking_to_publish_pairs_already_published_does_not_suggest_matching_again() -> None:
    built = publish_confirmation_card(_published(typical_review()))
    texts = text_blocks(built)
    assert texts[0] == "Already published"
    assert texts[1].startswith("The pairs of Cohort 3: Race equality 2026, board are published")
    assert "Run matching" not in card_text(built)
    assert [(a["title"], a["data"]) for a in card_actions(built)] == [("Back", {"action": "match", "cohort": 3})]


def test_the_published_card_says_what_happened_and_only_whether_agreements_are_confirmed() -> None:
    review = _published(typical_review())
    built = published_card(Publication(review.cohort, 2, 2), {101: True}, review)
    texts = text_blocks(built)
    assert any(t.startswith("Cohort 3: Race equality 2026, board: 2 pairs introduced.") for t in texts)
    assert "2 people without a partner moved to the waiting list and had a kind message saying so." in texts
    assert "1 of 2 pairs confirmed so far." in texts
    # Those still to confirm come first: they may need a hand.
    assert fact_pairs(built) == [
        ("Kwame Mensah — Sarah Jones", "Not yet"),
        ("Amara Okafor — Dana Whitfield", "Confirmed"),
    ]
    everything = card_text(built)
    for words in (*AGREEMENT.goals, AGREEMENT.how_we_work):
        assert words not in everything
    assert _verbs(built) == ["cohorts"]


def test_the_published_card_counts_the_pairs_it_has_no_room_for() -> None:
    review = _published(worst_review(COSTLIEST, pairs=200, unmatched=0))
    built = published_card(Publication(review.cohort, 200, 0), {}, review)
    shown = fact_pairs(built)
    assert 0 < len(shown) < 200
    assert f"…and {200 - len(shown)} more, not shown to keep this card short." in text_blocks(built)
    assert button(built, "See every pair")["data"] == {"action": "match", "cohort": review.cohort.id}
    assert not any("waiting list" in text for text in text_blocks(built))
