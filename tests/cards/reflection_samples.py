"""Sample builds of the reflection cards, for tests/cards/test_card_schema.py (schema, size, buttons) and the
content tests beside this file. The worst cases fill every answer to its limit with the character that costs most
on a card (a backslash: escaped for Markdown, then for JSON), and every id at its largest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from cards.elements import Card
from cards.reflections import (
    delete_question_card,
    my_reflections_card,
    reflection_card,
    reflection_form_card,
    reflection_saved_card,
)
from programme.identity import PersonId
from programme.reflections import (
    ACTIONS,
    DIFFERENTLY,
    FEELING,
    LEARNED,
    MAX_ANSWER,
    MAX_NOTES,
    NOTES,
    PAGE_SIZE,
    DeleteQuestion,
    Entry,
    Feeling,
    Occasion,
    Reflection,
    ReflectionPage,
    ReflectionText,
    ReflectionView,
    Saved,
    Subject,
)

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
PERSON = PersonId("a0000000-0000-4000-8000-000000000001")
BIG_ID = 10**9
MARKDOWN = "**bold** _it_ [link](https://example.com) `code` # > ~ \\ "
COSTLIEST = "\\"
GENERAL_KEY = "general:AbCdEfGhIjKlMnOp"

OCCASION = Occasion(meeting_id=9, pair_id=101, cohort_id=3, session=2, held_on=date(2026, 3, 3))
SUBJECT = Subject(OCCASION, "Dana Whitfield")

TEXT = ReflectionText(
    learned="How often colleagues are asked where they are 'really' from, and how tiring that is.",
    differently="Ask the team how they'd like to raise things, instead of assuming the open door works.",
    actions="I'll look at who is put forward for acting-up roles. Dana will share the network's survey.",
    feeling=Feeling.THOUGHTFUL,
    notes="",
)
WORST_TEXT = ReflectionText(
    learned=COSTLIEST * MAX_ANSWER,
    differently=COSTLIEST * MAX_ANSWER,
    actions=COSTLIEST * MAX_ANSWER,
    feeling=Feeling.DRAINED,
    notes=COSTLIEST * MAX_NOTES,
)
WORST_VALUES = {
    LEARNED: COSTLIEST * MAX_ANSWER,
    DIFFERENTLY: COSTLIEST * MAX_ANSWER,
    ACTIONS: COSTLIEST * MAX_ANSWER,
    FEELING: Feeling.DRAINED.value,
    NOTES: COSTLIEST * MAX_NOTES,
}
LONG_NAME = "Dana " + "Whitfield-" * 20
LONGEST_PROBLEM = (
    f"That's {10 * MAX_NOTES} characters, more than the {MAX_NOTES} this box holds. The box keeps the first part of "
    "it: please check how it ends before saving again."
)
LONGEST_NOTICE = "x" * 300


def reflection(
    text: ReflectionText = TEXT,
    *,
    reflection_id: int = 5,
    occasion: Occasion | None = OCCASION,
    version: int = 1,
    at: datetime = AT,
) -> Reflection:
    key = f"meeting:{occasion.meeting_id}" if occasion is not None else GENERAL_KEY
    return Reflection(
        id=reflection_id,
        author=PERSON,
        key=key,
        occasion=occasion,
        text=text,
        version=version,
        created_at=at,
        updated_at=at,
    )


def view(
    saved: Reflection | None = None,
    *,
    subject: Subject | None = SUBJECT,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    notice: str | None = None,
    key: str = "meeting:9",
) -> ReflectionView:
    return ReflectionView(
        me=PERSON,
        subject=subject,
        reflection=saved,
        key=saved.key if saved is not None else key,
        zone=LONDON,
        values=values,
        problems=problems or {},
        notice=notice,
    )


def entry(saved: Reflection | None = None, subject: Subject | None = SUBJECT) -> Entry:
    return Entry(saved or reflection(), subject, LONDON)


def page(count: int, *, page_number: int = 1, total: int | None = None, notice: str | None = None) -> ReflectionPage:
    entries = tuple(
        entry(reflection(reflection_id=n + 1, at=AT - timedelta(days=n)), SUBJECT if n % 2 else None)
        for n in range(count)
    )
    all_of_them = count if total is None else total
    return ReflectionPage(
        me=PERSON,
        entries=entries,
        page=page_number,
        pages=max(1, -(-all_of_them // PAGE_SIZE)),
        total=all_of_them,
        zone=LONDON,
        notice=notice,
    )


_BIG = reflection(WORST_TEXT, reflection_id=BIG_ID, version=BIG_ID)
_WORST_SUBJECT = Subject(replace(OCCASION, meeting_id=BIG_ID, session=99), LONG_NAME)

SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "cards.reflections.reflection_form_card": [
        ("new, about a meeting", reflection_form_card(view())),
        ("new, general", reflection_form_card(view(subject=None, key=GENERAL_KEY))),
        ("new, no partner name", reflection_form_card(view(subject=Subject(OCCASION)))),
        ("editing", reflection_form_card(view(reflection()))),
        (
            "problems",
            reflection_form_card(
                view(
                    values={LEARNED: "typed", FEELING: "furious"},
                    problems={LEARNED: "Too long.", FEELING: "Please choose one of the options."},
                )
            ),
        ),
        ("changed elsewhere", reflection_form_card(view(reflection(version=3), notice="Changed elsewhere."))),
        ("markdown", reflection_form_card(view(subject=Subject(OCCASION, MARKDOWN), values={LEARNED: MARKDOWN}))),
        (
            "worst case",
            reflection_form_card(
                view(
                    _BIG,
                    subject=_WORST_SUBJECT,
                    values=WORST_VALUES,
                    # The core writes every problem and notice (none quotes what was typed), so their longest
                    # wording is the worst case, not a wall of backslashes.
                    problems={name: LONGEST_PROBLEM for name in (LEARNED, DIFFERENTLY, ACTIONS, FEELING, NOTES)},
                    notice=LONGEST_NOTICE,
                )
            ),
        ),
    ],
    "cards.reflections.reflection_saved_card": [
        ("new", reflection_saved_card(Saved(reflection(), SUBJECT, LONDON, edited=False))),
        ("edited, general", reflection_saved_card(Saved(reflection(occasion=None), None, LONDON, edited=True))),
        (
            "a heavy feeling",
            reflection_saved_card(
                Saved(reflection(replace(TEXT, feeling=Feeling.UNSETTLED)), SUBJECT, LONDON, edited=False)
            ),
        ),
        (
            "only a feeling",
            reflection_saved_card(Saved(reflection(ReflectionText(feeling=Feeling.MIXED)), None, LONDON, edited=False)),
        ),
        ("worst case", reflection_saved_card(Saved(_BIG, _WORST_SUBJECT, LONDON, edited=True))),
    ],
    "cards.reflections.reflection_card": [
        ("about a meeting", reflection_card(entry())),
        ("general", reflection_card(entry(reflection(occasion=None), None))),
        ("worst case", reflection_card(entry(_BIG, _WORST_SUBJECT))),
    ],
    "cards.reflections.delete_question_card": [
        ("about a meeting", delete_question_card(DeleteQuestion(entry(), LONDON))),
        (
            "changed since",
            delete_question_card(DeleteQuestion(entry(reflection(version=2)), LONDON, notice="Changed since.")),
        ),
        ("worst case", delete_question_card(DeleteQuestion(entry(_BIG, _WORST_SUBJECT), LONDON, COSTLIEST * 300))),
    ],
    "cards.reflections.my_reflections_card": [
        ("none yet", my_reflections_card(page(0))),
        ("one", my_reflections_card(page(1, notice="Deleted: that reflection is gone for good."))),
        ("a full first page of many", my_reflections_card(page(PAGE_SIZE, total=23))),
        ("a middle page", my_reflections_card(page(PAGE_SIZE, page_number=3, total=23))),
        ("the last page", my_reflections_card(page(3, page_number=5, total=23))),
        (
            "worst case",
            my_reflections_card(
                ReflectionPage(
                    me=PERSON,
                    entries=tuple(entry(replace(_BIG, id=BIG_ID - n), _WORST_SUBJECT) for n in range(PAGE_SIZE)),
                    page=2,
                    pages=3,
                    total=3 * PAGE_SIZE,
                    zone=LONDON,
                    notice=COSTLIEST * 300,
                )
            ),
        ),
    ],
}
