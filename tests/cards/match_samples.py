"""Sample builds of the matching, introduction and agreement cards, and the data they are built from.

Shared by tests/cards/test_card_schema.py (schema, size, buttons) and the content tests beside this file. The
worst cases put every piece of typed text at its limit in the character that costs most on a card.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from cards.agreements import agreement_card
from cards.elements import Card
from cards.introductions import agreement_to_confirm_card, introduction_card, pair_chat_introduction_card
from cards.matching import (
    MAX_NOTICE,
    PAIRS_PER_PAGE,
    match_adjust_card,
    match_review_card,
    publish_confirmation_card,
    published_card,
)
from programme.applications import Application, ApplicationState, Consent
from programme.cohorts import MAX_NAME_LENGTH, Cohort, CohortState
from programme.contracts import MAX_GOAL, MAX_GOALS, MAX_WAYS, Agreement, Contract
from programme.first_meeting import MyAgreement
from programme.grades import Grade
from programme.identity import PersonId, TenantId
from programme.match_rules import fit
from programme.matching import MatchReview, Publication, ReviewedPair, Unmatched
from programme.pairs import MAX_OVERRIDE, Pair, PairState
from programme.profiles import Profile, Role, Topic
from tests.programme.builders import cohort_plan, mentee_profile, mentor_profile, profile_at_limits

AT = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
TENANT = TenantId("8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6")
BIG_ID = 10**9
COSTLIEST = "\\"
MARKDOWN = "**bold** _it_ [link](https://example.com) `code` # > ~ \\ "

# What the mentee wrote that only coordinators (or nobody) may see: introductions must never show it.
MENTEE_SECRETS = {
    "directorate": "Strategy and Transformation",
    "site": "Riverside House",
    "work_email": "dana.director@nhs.net",
    "line_manager_email": "chief.exec@nhs.net",
    "experience_note": "I once led the race equality working group.",
    "avoid_emails": ("old.rival@nhs.net",),
}
MENTOR_SECRETS = {
    "directorate": "Community Mental Health",
    "site": "Hillside Clinic",
    "work_email": "amara.okafor@nhs.net",
    "line_manager_email": "team.lead@nhs.net",
    "experience_note": "I was passed over for promotion twice.",
    "avoid_emails": ("former.manager@nhs.net",),
}


def person(n: int) -> PersonId:
    return PersonId(f"a0000000-0000-4000-8000-{n:012d}")


def cohort(
    state: CohortState = CohortState.MATCHING, *, cohort_id: int = 3, name: str = "Race equality 2026, board"
) -> Cohort:
    plan = cohort_plan(AT.date(), name=name, mentor_capacity=2)
    return Cohort(id=cohort_id, plan=plan, state=state, created_by=person(99), created_at=AT, updated_at=AT)


def application(
    application_id: int, name: str, profile: Profile, *, who: PersonId | None = None, cohort_id: int = 3
) -> Application:
    return Application(
        id=application_id,
        cohort_id=cohort_id,
        tenant=TENANT,
        person=who or person(application_id),
        display_name=name,
        profile=profile,
        consent=Consent(given_at=AT),
        state=ApplicationState.APPROVED,
        submitted_at=AT,
        updated_at=AT,
        version=2,
    )


def mentor(application_id: int = 11, name: str = "Amara Okafor", **changes: object) -> Application:
    answers: dict[str, object] = {**MENTOR_SECRETS, "job_title": "Community psychiatric nurse", **changes}
    return application(application_id, name, mentor_profile(**answers))


def mentee(application_id: int = 21, name: str = "Dana Whitfield", **changes: object) -> Application:
    answers: dict[str, object] = {
        **MENTEE_SECRETS,
        "job_title": "Director of Nursing",
        "bio": "I joined the NHS as a nurse and now sit on the board.",
        **changes,
    }
    return application(application_id, name, mentee_profile(**answers))


def pair(
    pair_id: int,
    first: Application,
    second: Application,
    *,
    state: PairState = PairState.PROPOSED,
    locked: bool = False,
    by_hand: bool = False,
    override: str | None = None,
    cohort_id: int = 3,
) -> Pair:
    scored = fit(first.profile, second.profile, cohort().plan)
    return Pair(
        id=pair_id,
        cohort_id=cohort_id,
        mentor_application=first.id,
        mentee_application=second.id,
        mentor=first.person,
        mentee=second.person,
        points=scored.points,
        reasons=scored.reasons,
        locked=locked,
        by_hand=by_hand,
        override=override,
        state=state,
        created_at=AT,
        published_at=AT if state is not PairState.PROPOSED else None,
    )


def reviewed(pair_id: int, first: Application, second: Application, **changes: Any) -> ReviewedPair:
    return ReviewedPair(pair(pair_id, first, second, **changes), first, second)


def typical_review(state: CohortState = CohortState.MATCHING) -> MatchReview:
    """Two pairs (one locked, one made by hand against a rule) and two people left without a partner."""
    published = state is not CohortState.MATCHING
    pair_state = PairState.PUBLISHED if published else PairState.PROPOSED
    return MatchReview(
        cohort=cohort(state),
        pairs=[
            reviewed(101, mentor(), mentee(), locked=True, state=pair_state),
            reviewed(
                102,
                mentor(12, "Kwame Mensah", directorate="Corporate"),
                mentee(22, "Sarah Jones", directorate="Corporate", bio=""),
                by_hand=True,
                locked=True,
                override="They asked to work together; the directorate rule can bend here.",
                state=pair_state,
            ),
        ],
        unmatched=()
        if published
        else [
            Unmatched(mentor(13, "Priya Patel"), "2 mentees would suit, but all were needed for other pairs."),
            Unmatched(mentee(23, "Tom Reid"), "No mentor fits the rules: 3 are in their line-management chain."),
        ],
    )


def worst_review(text: str, *, pairs: int = PAIRS_PER_PAGE, unmatched: int = 40) -> MatchReview:
    """Every name, line and reason at its longest in ``text``, with many people left over."""
    at_limits = profile_at_limits(text).checked()
    senior = replace(at_limits, role=Role.MENTEE, band=Grade.BOARD)
    name = (text * 100)[:100]
    override = (text * MAX_OVERRIDE)[:MAX_OVERRIDE]
    return MatchReview(
        cohort=cohort(cohort_id=BIG_ID, name=(text * MAX_NAME_LENGTH)[:MAX_NAME_LENGTH]),
        pairs=[
            reviewed(
                BIG_ID - n,
                application(BIG_ID - 1000 - n, name, at_limits),
                application(BIG_ID - 2000 - n, name, senior),
                locked=True,
                by_hand=True,
                override=override,
            )
            for n in range(pairs)
        ],
        unmatched=[
            Unmatched(
                application(BIG_ID - 3000 - n, name, senior if n % 2 else at_limits),
                "No mentor fits the rules: 12 are in their line-management chain; 3 are not at the right seniority "
                "(the mentee must be more senior); 2 are ruled out by a declared conflict.",
            )
            for n in range(unmatched)
        ],
    )


def my_agreement(
    *,
    as_mentor: bool = True,
    agreement: Agreement | None = None,
    mentor_confirmed: bool = False,
    mentee_confirmed: bool = False,
    version: int = 0,
    partner_name: str = "Dana Whitfield",
) -> MyAgreement:
    first, second = mentor(), mentee(name=partner_name if as_mentor else "Dana Whitfield")
    if not as_mentor:
        first = mentor(name=partner_name)
    published = pair(101, first, second, state=PairState.PUBLISHED)
    contract = Contract(
        pair_id=101,
        agreement=agreement,
        mentor_confirmed_at=AT if mentor_confirmed else None,
        mentee_confirmed_at=AT if mentee_confirmed else None,
        version=version,
    )
    me, partner = (first, second) if as_mentor else (second, first)
    return MyAgreement(pair=published, contract=contract, me=me, partner=partner)


AGREEMENT = Agreement(
    goals=("Understand what stops colleagues speaking up", "Be a more visible leader on the wards"),
    how_we_work="Monthly on Teams; we message first if one of us needs to move a meeting.",
)
FULL_AGREEMENT = Agreement(
    goals=tuple((COSTLIEST * MAX_GOAL)[:MAX_GOAL] for _ in range(MAX_GOALS)),
    how_we_work=(COSTLIEST * MAX_WAYS)[:MAX_WAYS],
)


def _worst_introduction(text: str, *, as_mentor: bool) -> Card:
    limits = profile_at_limits(text).checked()
    me = application(BIG_ID - 1, (text * 100)[:100], limits)
    partner = application(BIG_ID - 2, (text * 100)[:100], replace(limits, role=Role.MENTEE, band=Grade.BOARD))
    first, second = (me, partner) if as_mentor else (partner, me)
    built_pair = pair(BIG_ID, first, second, state=PairState.PUBLISHED)
    plan_cohort = cohort(CohortState.RUNNING, cohort_id=BIG_ID, name=(text * MAX_NAME_LENGTH)[:MAX_NAME_LENGTH])
    return introduction_card(plan_cohort, built_pair, me, partner, tuple(Topic)[:8])


def _introduction(*, as_mentor: bool, shared: tuple[Topic, ...] = (Topic.BELONGING,)) -> Card:
    first, second = mentor(), mentee()
    published = pair(101, first, second, state=PairState.PUBLISHED)
    me, partner = (first, second) if as_mentor else (second, first)
    return introduction_card(cohort(CohortState.RUNNING), published, me, partner, shared)


def _worst_pair_chat(text: str) -> Card:
    limits = profile_at_limits(text).checked()
    first = application(BIG_ID - 1, (text * 100)[:100], limits)
    second = application(BIG_ID - 2, (text * 100)[:100], replace(limits, role=Role.MENTEE, band=Grade.BOARD))
    built_pair = pair(BIG_ID, first, second, state=PairState.PUBLISHED)
    plan_cohort = cohort(CohortState.RUNNING, cohort_id=BIG_ID, name=(text * MAX_NAME_LENGTH)[:MAX_NAME_LENGTH])
    return pair_chat_introduction_card(plan_cohort, built_pair, first, second, tuple(Topic)[:8])


def _published(review: MatchReview, confirmed: dict[int, bool], waitlisted: int = 2) -> Card:
    return published_card(Publication(review.cohort, len(review.pairs), waitlisted), confirmed, review)


def _as_published(review: MatchReview) -> MatchReview:
    return MatchReview(
        cohort=replace(review.cohort, state=CohortState.RUNNING),
        pairs=[
            ReviewedPair(replace(r.pair, state=PairState.PUBLISHED, published_at=AT), r.mentor, r.mentee)
            for r in review.pairs
        ],
        unmatched=(),
    )


TEXTS = (("backslashes", COSTLIEST), ("stars", "*"), ("emoji", "\U0001f600"), ("quotes", '"'))
EMPTY = MatchReview(cohort=cohort(), pairs=(), unmatched=())
NOBODY_FITS = MatchReview(cohort=cohort(), pairs=(), unmatched=typical_review().unmatched)
NOTICE = (MARKDOWN * 40)[:MAX_NOTICE] + "and then some more that is cut"

SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "cards.matching.match_review_card": [
        ("empty", match_review_card(EMPTY)),
        ("nobody fits", match_review_card(NOBODY_FITS)),
        ("typical", match_review_card(typical_review())),
        ("notice", match_review_card(typical_review(), notice="I haven't swapped them, because **reasons**.")),
        ("page past the end", match_review_card(typical_review(), page=9)),
        ("published", match_review_card(typical_review(CohortState.RUNNING))),
        (
            "published with agreements",
            match_review_card(typical_review(CohortState.RUNNING), confirmed={101: True, 102: False}),
        ),
        (
            "publishing unfinished",
            match_review_card(MatchReview(cohort(CohortState.RUNNING), typical_review().pairs, ())),
        ),
        ("markdown-laden", match_review_card(worst_review(MARKDOWN, pairs=2, unmatched=3), notice=MARKDOWN)),
        *(
            (f"worst case {label}", match_review_card(worst_review(text, pairs=30), page=2, notice=text * 5000))
            for label, text in TEXTS
        ),
        *(
            (
                f"worst case published {label}",
                match_review_card(
                    _as_published(worst_review(text, pairs=30)),
                    page=3,
                    confirmed={BIG_ID - n: n % 2 == 0 for n in range(30)},
                ),
            )
            for label, text in TEXTS
        ),
    ],
    "cards.matching.match_adjust_card": [
        ("typical", match_adjust_card(typical_review())),
        ("empty", match_adjust_card(EMPTY)),
        ("one pair", match_adjust_card(MatchReview(cohort(), typical_review().pairs[:1], ()))),
        ("published", match_adjust_card(typical_review(CohortState.RUNNING))),
        ("markdown-laden", match_adjust_card(worst_review(MARKDOWN, pairs=3, unmatched=4))),
        *(
            (f"big cohort {label}", match_adjust_card(worst_review(text, pairs=40, unmatched=40)))
            for label, text in TEXTS
        ),
        ("huge cohort", match_adjust_card(worst_review(COSTLIEST, pairs=400, unmatched=400))),
        ("refused", match_adjust_card(typical_review(), "Pairing **them** would break a rule.")),
        ("huge cohort refused", match_adjust_card(worst_review(COSTLIEST, pairs=400, unmatched=400), NOTICE * 50)),
    ],
    "cards.matching.publish_confirmation_card": [
        ("typical", publish_confirmation_card(typical_review())),
        (
            "one left over",
            publish_confirmation_card(MatchReview(cohort(), typical_review().pairs[:1], NOBODY_FITS.unmatched[:1])),
        ),
        ("everyone paired", publish_confirmation_card(MatchReview(cohort(), typical_review().pairs, ()))),
        ("nothing to publish", publish_confirmation_card(NOBODY_FITS)),
        ("already published", publish_confirmation_card(typical_review(CohortState.RUNNING))),
        ("worst case", publish_confirmation_card(worst_review(COSTLIEST, pairs=30))),
    ],
    "cards.matching.published_card": [
        ("just published", _published(_as_published(typical_review()), {})),
        ("some confirmed", _published(_as_published(typical_review()), {101: True, 102: False}, waitlisted=0)),
        ("no pairs", _published(_as_published(EMPTY), {}, waitlisted=0)),
        *(
            (
                f"many pairs {label}",
                _published(
                    _as_published(worst_review(text, pairs=200, unmatched=0)),
                    {BIG_ID - n: n % 3 == 0 for n in range(200)},
                    waitlisted=BIG_ID,
                ),
            )
            for label, text in TEXTS
        ),
    ],
    "cards.introductions.introduction_card": [
        ("to the mentor", _introduction(as_mentor=True)),
        ("to the mentee", _introduction(as_mentor=False)),
        ("nothing shared", _introduction(as_mentor=False, shared=())),
        *((f"worst case {label}", _worst_introduction(text, as_mentor=False)) for label, text in TEXTS),
        ("worst case to the mentor", _worst_introduction(COSTLIEST, as_mentor=True)),
        ("markdown-laden", _worst_introduction(MARKDOWN, as_mentor=True)),
    ],
    "cards.introductions.pair_chat_introduction_card": [
        (
            "typical",
            pair_chat_introduction_card(
                cohort(CohortState.RUNNING),
                pair(101, mentor(), mentee(), state=PairState.PUBLISHED),
                mentor(),
                mentee(),
                (Topic.BELONGING,),
            ),
        ),
        *((f"worst case {label}", _worst_pair_chat(text)) for label, text in TEXTS),
        ("markdown-laden", _worst_pair_chat(MARKDOWN)),
    ],
    "cards.introductions.agreement_to_confirm_card": [
        (
            "first version",
            agreement_to_confirm_card(
                pair(101, mentor(), mentee(), state=PairState.PUBLISHED), Contract(101, AGREEMENT, version=1), mentor()
            ),
        ),
        (
            "changed, markdown name",
            agreement_to_confirm_card(
                pair(BIG_ID, mentor(), mentee(), state=PairState.PUBLISHED),
                Contract(BIG_ID, AGREEMENT, version=BIG_ID),
                mentor(name=(MARKDOWN * 5)[:100]),
            ),
        ),
    ],
    "cards.agreements.agreement_card": [
        ("nothing written", agreement_card(my_agreement())),
        ("nothing written, mentee", agreement_card(my_agreement(as_mentor=False))),
        ("waiting for me", agreement_card(my_agreement(agreement=AGREEMENT, mentee_confirmed=True, version=3))),
        ("waiting for them", agreement_card(my_agreement(agreement=AGREEMENT, mentor_confirmed=True, version=3))),
        (
            "both confirmed",
            agreement_card(my_agreement(agreement=AGREEMENT, mentor_confirmed=True, mentee_confirmed=True, version=4)),
        ),
        (
            "worst case",
            agreement_card(
                my_agreement(agreement=FULL_AGREEMENT, version=BIG_ID, partner_name=(COSTLIEST * 100)[:100]),
                notice=COSTLIEST * 1000,
            ),
        ),
        (
            "typed again with problems",
            agreement_card(
                my_agreement(agreement=AGREEMENT, version=2, partner_name=(MARKDOWN * 3)[:100]),
                values={"goal_1": COSTLIEST * 2000, "goal_2": MARKDOWN, "how_we_work": COSTLIEST * 2000, "x": "y"},
                problems={"goals": MARKDOWN, "how_we_work": MARKDOWN, "something_else": MARKDOWN},
                notice=MARKDOWN,
            ),
        ),
    ],
}
