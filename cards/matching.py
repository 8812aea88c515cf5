"""The coordinator's side of matching: review the proposed pairs, adjust them, publish, and follow up.

What a coordinator needs to judge a pair is shown, and nothing more. Emails (people's own, their managers' and
the colleagues someone asked to be kept apart from) never appear: the rules have already used them, and a rule a
pair breaks is described without saying who declared what. After publishing, each pair's first-meeting agreement
shows only as confirmed or not yet, never what it says.

Names and other typed text are escaped wherever Markdown is rendered. Choice titles are plain text in every
host, so names go into them as typed (escaping would show the backslashes), only shortened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from cards.actions import MAX_REASON_LENGTH
from cards.elements import (
    Card,
    Element,
    attention,
    card,
    encoded_size,
    escape_markdown,
    execute,
    facts,
    heading,
    paragraph,
    subheading,
)
from programme.applications import Application
from programme.cohorts import CohortState
from programme.match_rules import max_points
from programme.matching import MatchReview, Publication, ReviewedPair, Unmatched
from programme.pairs import PairState
from programme.profiles import Role

# At most this many pairs on a page. A page holds fewer when its pairs' text is long: a single pair can take 8 KB
# at its limits (two 100-character names and directorates, a 100-character site in a reason and a 200-character
# override reason, all in the character that escaping and JSON each double), so pages are filled in order until
# the next pair would not fit. Ordinary names and answers always give full pages.
PAIRS_PER_PAGE = 6
UNMATCHED_SHOWN = 10
# UTF-16 bytes a card may use: under the 28 KB Teams allows, leaving room for the message around it.
CARD_BUDGET = 27 * 1024
# Kept for the list of people without a partner, whatever the pairs take: about ten ordinary entries.
UNMATCHED_RESERVE = 4 * 1024
# Notices come from the core and may quote names and rules; far beyond this they are cut rather than crowding out
# the pairs.
MAX_NOTICE = 500
# Name lengths tried in the adjust card's choices, longest first, until the card fits.
_CHOICE_NAME_LENGTHS = (48, 28, 16, 8)


def match_review_card(
    review: MatchReview,
    page: int = 1,
    notice: str | None = None,
    *,
    confirmed: Mapping[int, bool] | None = None,
) -> Card:
    """One page of a cohort's pairs and everyone still without a partner. Once published, nothing can be changed
    here; ``confirmed`` (pair id to whether its agreement is confirmed) adds each pair's agreement status."""
    cohort = review.cohort
    pairs = list(review.pairs)
    changeable = _changeable(review)
    proposed = _proposed(review)

    body: list[Element] = [heading(f"Matching {escape_markdown(cohort.title)}")]
    if notice:
        body.append(attention(_shorten(notice, MAX_NOTICE)))
    body.append(paragraph(_summary(review, confirmed)))
    if changeable:
        body.append(
            paragraph(
                "Nothing is sent to anyone until you publish. Lock a pair to keep it when matching runs again. "
                "Taking a pair apart stops matching from putting those two together again in this cohort.",
                subtle=True,
            )
        )
    elif _unfinished(review):
        body.append(
            paragraph(
                "Publishing these pairs started but did not finish. Choose 'Publish' to finish: nobody is "
                "introduced twice."
            )
        )
    elif review.published:
        body.append(
            paragraph(
                "These pairs are published, so they can't be changed here. What each pair writes in their "
                "first-meeting agreement stays between them; you see only whether both have confirmed it.",
                subtle=True,
            )
        )

    actions: list[Element] = []
    if changeable:
        actions.append(execute("Adjust pairs", "match.adjust", {"cohort": cohort.id}))
        actions.append(execute("Run matching again", "match.rerun", {"cohort": cohort.id}))
    if (changeable and proposed) or _unfinished(review):
        actions.append(execute("Publish…", "match.publish", {"cohort": cohort.id}, primary=True))
    actions.append(execute("All cohorts", "cohorts"))

    if not pairs:
        body.append(paragraph(_no_pairs(review)))
    else:
        # Measured with the largest page number any button could carry, so the real page is never bigger.
        def block(reviewed: ReviewedPair, number: int) -> Element:
            return _pair_block(review, reviewed, number, changeable, confirmed)

        fixed = encoded_size(card(body, actions)) + encoded_size(
            [_page_line(len(pairs), len(pairs), len(pairs), len(pairs), len(pairs)), _pager(cohort.id, 2, 3)]
        )
        reserve = UNMATCHED_RESERVE if review.unmatched else 0
        pages = _pages([encoded_size(block(r, len(pairs))) for r in pairs], CARD_BUDGET - fixed - reserve)
        # A page past the end (pairs were just taken apart) lands on the last page that exists.
        page = min(max(page, 1), len(pages))
        first, last = pages[page - 1]
        if len(pages) > 1:
            body.append(_page_line(first + 1, last, len(pairs), page, len(pages)))
        body += [block(reviewed, page) for reviewed in pairs[first:last]]
        if len(pages) > 1:
            body.append(_pager(cohort.id, page, len(pages)))

    if review.unmatched:
        spent = encoded_size(card(body, actions))
        body += _unmatched_section(review.unmatched, CARD_BUDGET - spent)
    return card(body, actions)


def match_adjust_card(review: MatchReview, notice: str | None = None) -> Card:
    """Swap the mentees of two proposed pairs, or pair two people by hand (against a rule only with a reason).
    ``notice`` (e.g. why a hand-made pair was refused) is shown at the top, as on the review."""
    # Shown before the card is measured, so a long notice cannot push it past the size limit.
    notices = [attention(_shorten(notice, MAX_NOTICE))] if notice else []
    back = execute("Back to the review", "match", {"cohort": review.cohort.id})
    # Going back must not send, or be blocked by, whatever was chosen on this card.
    back["associatedInputs"] = "none"
    if not _changeable(review):
        return card(
            [
                heading(f"Adjust the pairs of {escape_markdown(review.cohort.title)}"),
                *notices,
                paragraph("These pairs can't be changed any more: they have been published, or matching has ended."),
            ],
            [back],
        )
    for length in _CHOICE_NAME_LENGTHS:
        built = _adjustments(review, back, notices, length, None)
        if encoded_size(built) <= CARD_BUDGET:
            return built
    # Even short names do not fit: a very large cohort. Offer as many choices as fit; the others can still be
    # changed through the review's buttons, and the card says so.
    limit = max(len(review.pairs), len(review.unmatched))
    while True:
        limit = max(1, limit // 2)
        built = _adjustments(review, back, notices, _CHOICE_NAME_LENGTHS[-1], limit)
        if limit == 1 or encoded_size(built) <= CARD_BUDGET:
            return built


def publish_confirmation_card(review: MatchReview) -> Card:
    cohort = review.cohort
    proposed = len(_proposed(review))
    waiting = len(review.unmatched)
    back = execute("Back", "match", {"cohort": cohort.id})
    if not proposed and review.published:
        # An old "Publish…" button, or "publish" typed again: running matching is no longer possible.
        return card(
            [
                heading("Already published"),
                paragraph(
                    f"The pairs of {escape_markdown(cohort.title)} are published, so there is nothing more to "
                    "publish. Choose 'Back' to see them and whether each pair has confirmed its agreement."
                ),
            ],
            [back],
        )
    if not proposed:
        return card(
            [
                heading("Nothing to publish yet"),
                paragraph(
                    f"{escape_markdown(cohort.title)} has no proposed pairs. Run matching, or pair people by hand."
                ),
            ],
            [back],
        )
    body = [
        heading(f"Publish {_count(proposed, 'pair')}?"),
        paragraph(escape_markdown(cohort.title), subtle=True),
        paragraph(
            "Each person gets an introduction to their partner now, with a way to book their first meeting. "
            "Published pairs can't be changed from the review."
        ),
    ]
    if waiting:
        body.append(
            paragraph(
                f"{_count(waiting, 'approved person', 'approved people')} without a partner "
                f"{'moves' if waiting == 1 else 'move'} to the waiting list. Each is told kindly that there "
                "wasn't a match this time, and that they'll be among the first to hear when a place or the next "
                "cohort opens."
            )
        )
    else:
        body.append(paragraph("Everyone approved has a partner, so nobody moves to the waiting list."))
    return card(
        body,
        [execute("Publish and introduce", "match.publish.confirm", {"cohort": cohort.id}, primary=True), back],
    )


def published_card(publication: Publication, confirmed: Mapping[int, bool], review: MatchReview) -> Card:
    """What publishing did, and which pairs have confirmed their first-meeting agreement (never what it says)."""
    cohort = publication.cohort
    live = [reviewed for reviewed in review.pairs if reviewed.pair.state is PairState.PUBLISHED]
    done = sum(bool(confirmed.get(reviewed.pair.id)) for reviewed in live)
    body: list[Element] = [
        heading("Pairs published"),
        paragraph(
            f"{escape_markdown(cohort.title)}: {_count(publication.pairs, 'pair')} introduced. Each person has an "
            "introduction to their partner and a way to book their first meeting."
        ),
    ]
    if publication.waitlisted:
        body.append(
            paragraph(
                f"{_count(publication.waitlisted, 'person', 'people')} without a partner moved to the waiting list "
                "and had a kind message saying so."
            )
        )
    body.append(subheading("First-meeting agreements"))
    body.append(
        paragraph(
            "At their first meeting each pair writes down how they'll work together, and both confirm it. What "
            "they write stays between them: here you see only whether both have confirmed.",
            subtle=True,
        )
    )
    if live:
        body.append(paragraph(f"{done} of {_count(len(live), 'pair')} confirmed so far."))
    # Room for the "see them all" button is kept whether or not it is needed, so the count below never changes it.
    see_all = execute("See every pair", "match", {"cohort": cohort.id})
    everyone = execute("All cohorts", "cohorts")
    # Pairs still to confirm first: they are the ones who may need a hand getting started.
    ordered = sorted(live, key=lambda reviewed: bool(confirmed.get(reviewed.pair.id)))
    rows = [
        (
            f"{escape_markdown(r.mentor.display_name)} — {escape_markdown(r.mentee.display_name)}",
            "Confirmed" if confirmed.get(r.pair.id) else "Not yet",
        )
        for r in ordered
    ]
    budget = CARD_BUDGET - encoded_size(card([*body, facts([]), _more(len(rows))], [see_all, everyone]))
    kept = 0
    for title, value in rows:
        budget -= encoded_size({"title": title, "value": value}) + 2  # and the comma between facts
        if budget < 0:
            break
        kept += 1
    if kept:
        body.append(facts(rows[:kept]))
    if kept < len(rows):
        body.append(_more(len(rows) - kept))
        # The review card pages through every pair, with the same confirmed / not yet beside each.
        return card(body, [see_all, everyone])
    return card(body, [everyone])


# The review's parts -----------------------------------------------------------------------------------------------


def _changeable(review: MatchReview) -> bool:
    return review.cohort.state is CohortState.MATCHING and not review.published


def _unfinished(review: MatchReview) -> bool:
    """Publishing moved the cohort on but stopped before every proposal was published; running it again finishes."""
    return review.cohort.state is CohortState.RUNNING and not review.published and bool(_proposed(review))


def _proposed(review: MatchReview) -> list[ReviewedPair]:
    return [reviewed for reviewed in review.pairs if reviewed.pair.state is PairState.PROPOSED]


def _summary(review: MatchReview, confirmed: Mapping[int, bool] | None) -> str:
    pairs = len(review.pairs)
    if review.published:
        text = f"{_count(pairs, 'pair')} published."
        if confirmed is not None:
            done = sum(bool(confirmed.get(reviewed.pair.id)) for reviewed in review.pairs)
            text += f" {done} of {pairs} confirmed their first-meeting agreement."
        return text
    waiting = len(review.unmatched)
    return f"{_count(pairs, 'pair')} proposed · {_count(waiting, 'person', 'people')} without a partner"


def _no_pairs(review: MatchReview) -> str:
    if review.cohort.state is not CohortState.MATCHING:
        return "There are no pairs to show for this cohort."
    if review.unmatched:
        return "No pairs could be made within the rules yet. The reasons for each person are below."
    return "There are no approved mentors and mentees to pair yet. Approve applications first."


def _pair_block(
    review: MatchReview,
    reviewed: ReviewedPair,
    page: int,
    changeable: bool,
    confirmed: Mapping[int, bool] | None,
) -> Element:
    pair, mentor, mentee = reviewed.pair, reviewed.mentor, reviewed.mentee
    best = max_points(review.cohort.plan)
    fit = f"{pair.points} of {best} points" if best > 0 else f"{pair.points} points"
    items: list[Element] = [
        {
            "type": "TextBlock",
            "text": f"{escape_markdown(mentor.display_name)} — {escape_markdown(mentee.display_name)}",
            "weight": "Bolder",
            "wrap": True,
        },
        facts([("Mentor", _person_line(mentor)), ("Mentee", _person_line(mentee)), ("Fit", fit)]),
    ]
    if pair.reasons:
        items.append(paragraph("Why: " + "; ".join(escape_markdown(reason) for reason in pair.reasons) + "."))
    badges = [
        label
        for label, shown in (
            ("Locked", pair.locked and pair.state is PairState.PROPOSED),
            ("Made by hand", pair.by_hand),
            ("Ended", pair.state is PairState.ENDED),
        )
        if shown
    ]
    if badges:
        items.append(paragraph(" · ".join(badges), subtle=True))
    if pair.override:
        items.append(attention(f"Paired against a rule. The reason given: {pair.override}"))
    if confirmed is not None and pair.state is not PairState.PROPOSED:
        status = "confirmed" if confirmed.get(pair.id) else "not yet"
        items.append(paragraph(f"First-meeting agreement: {status}", subtle=True))
    if changeable and pair.state is PairState.PROPOSED:
        ids = {"pair": pair.id, "cohort": review.cohort.id, "page": page}
        items.append(
            {
                "type": "ActionSet",
                "actions": [
                    execute("Unlock" if pair.locked else "Lock", "pair.lock", {**ids, "locked": not pair.locked}),
                    execute("Take apart", "pair.unpair", ids),
                ],
            }
        )
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _person_line(application: Application) -> str:
    profile = application.profile
    return f"{profile.band.label} · {escape_markdown(profile.directorate)}"


def _pages(sizes: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Split pairs of these sizes into pages, in order: each page holds up to PAIRS_PER_PAGE, and never more than
    ``budget`` bytes unless a single pair is bigger on its own. Returns (first, end) index ranges."""
    pages: list[tuple[int, int]] = []
    start, used = 0, 0
    for index, size in enumerate(sizes):
        if index > start and (index - start >= PAIRS_PER_PAGE or used + size > budget):
            pages.append((start, index))
            start, used = index, 0
        used += size
    pages.append((start, len(sizes)))
    return pages


def _page_line(first: int, last: int, total: int, page: int, pages: int) -> Element:
    return paragraph(f"Pairs {first} to {last} of {total} (page {page} of {pages})")


def _pager(cohort_id: int, page: int, total_pages: int) -> Element:
    buttons: list[Element] = []
    if page > 1:
        buttons.append(execute("Previous pairs", "match", {"cohort": cohort_id, "page": page - 1}))
    if page < total_pages:
        buttons.append(execute("Next pairs", "match", {"cohort": cohort_id, "page": page + 1}))
    return {"type": "ActionSet", "actions": buttons}


def _unmatched_section(unmatched: Sequence[Unmatched], budget: int) -> list[Element]:
    header = [
        subheading(f"Without a partner ({len(unmatched)})"),
        paragraph(
            "When you publish, they move to the waiting list and are told kindly. They'll be among the first to "
            "hear when a place or the next cohort opens.",
            subtle=True,
        ),
    ]
    budget -= encoded_size(header) + encoded_size(_more(len(unmatched)))
    people: list[Element] = []
    for entry in unmatched[:UNMATCHED_SHOWN]:
        application = entry.application
        block = paragraph(
            f"**{escape_markdown(application.display_name)}** ({application.profile.role.label}): "
            f"{escape_markdown(entry.reason)}"
        )
        budget -= encoded_size(block)
        if budget < 0:
            break
        people.append(block)
    hidden = len(unmatched) - len(people)
    return [*header, *people, *([_more(hidden)] if hidden else [])]


def _more(hidden: int) -> Element:
    return paragraph(f"…and {hidden} more, not shown to keep this card short.", subtle=True)


# The adjust card --------------------------------------------------------------------------------------------------


def _adjustments(
    review: MatchReview, back: Element, notices: Sequence[Element], name_length: int, limit: int | None
) -> Card:
    cohort = review.cohort
    proposed = _proposed(review)
    mentors = _free_mentors(review)
    mentees = [entry.application for entry in review.unmatched if entry.application.profile.role is Role.MENTEE]
    body: list[Element] = [
        heading(f"Adjust the pairs of {escape_markdown(cohort.title)}"),
        *notices,
        paragraph(
            "Pairs you change here are locked, so running matching again keeps them. Nothing is sent to anyone "
            "until you publish.",
            subtle=True,
        ),
        subheading("Swap two mentees"),
    ]
    if limit is not None:
        body.append(
            attention(
                f"This cohort is too big to list everyone here, so only the first {limit} of each list are shown. "
                "To change others, take their pair apart on the review and pair them again by hand."
            )
        )
    if len(proposed) < 2:
        body.append(paragraph("Swapping needs at least two proposed pairs."))
    else:
        choices = [
            (
                str(r.pair.id),
                f"{_shorten(r.mentor.display_name, name_length)} — {_shorten(r.mentee.display_name, name_length)}",
            )
            for r in proposed[:limit]
        ]
        body += [
            paragraph("Each mentor keeps their place and takes the other pair's mentee. Rules still apply."),
            _choice_set("swap_first", "First pair", choices, "Choose a pair"),
            _choice_set("swap_second", "Second pair", choices, "Choose another pair"),
            {"type": "ActionSet", "actions": [execute("Swap their mentees", "pair.swap", {"cohort": cohort.id})]},
        ]

    body.append(subheading("Pair two people by hand"))
    if not mentors or not mentees:
        body.append(
            paragraph(
                "Everyone has a partner, or nobody is left on one side: there is no one to pair by hand right now."
                if not mentees
                else "No approved mentor has a free place. Take a pair apart first to free one."
            )
        )
    else:
        capacity = cohort.plan.mentor_capacity
        body += [
            _choice_set(
                "mentor",
                "Mentor (with a free place)",
                [
                    (
                        str(a.id),
                        f"{_shorten(a.display_name, name_length)} · {a.profile.band.label}{_places(free, capacity)}",
                    )
                    for a, free in mentors[:limit]
                ],
                "Choose a mentor",
            ),
            _choice_set(
                "mentee",
                "Mentee (without a partner)",
                [
                    (str(a.id), f"{_shorten(a.display_name, name_length)} · {a.profile.band.label}")
                    for a in mentees[:limit]
                ],
                "Choose a mentee",
            ),
            {
                "type": "Input.Toggle",
                "id": "override",
                "title": "Pair them even if this breaks a rule",
                "valueOn": "true",
                "valueOff": "false",
                "value": "false",
                "wrap": True,
            },
            {
                "type": "Input.Text",
                "id": "override_reason",
                "label": "Why (kept in the audit log)",
                "placeholder": "Only needed when pairing against a rule",
                "maxLength": MAX_REASON_LENGTH,
            },
            {
                "type": "ActionSet",
                "actions": [execute("Pair them", "pair.add", {"cohort": cohort.id})],
            },
        ]
    return card(body, [back])


def _free_mentors(review: MatchReview) -> list[tuple[Application, int]]:
    """Approved mentors with a place left, and how many: the paired ones in review order, then the rest."""
    capacity = review.cohort.plan.mentor_capacity
    taken = Counter(reviewed.pair.mentor_application for reviewed in review.pairs)
    found: dict[int, Application] = {}
    for reviewed in review.pairs:
        found.setdefault(reviewed.mentor.id, reviewed.mentor)
    for entry in review.unmatched:
        if entry.application.profile.role is Role.MENTOR:
            found.setdefault(entry.application.id, entry.application)
    return [(a, capacity - taken[a.id]) for a in found.values() if taken[a.id] < capacity]


def _places(free: int, capacity: int) -> str:
    # Worth saying only when a mentor may have more than one mentee.
    return "" if capacity == 1 else f" · {_count(free, 'place')} free"


def _choice_set(input_id: str, label: str, choices: Sequence[tuple[str, str]], placeholder: str) -> Element:
    return {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "placeholder": placeholder,
        "choices": [{"title": title, "value": value} for value, title in choices],
    }


# Small helpers ----------------------------------------------------------------------------------------------------


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
