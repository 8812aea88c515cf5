"""Sample builds of the concern cards, for tests/cards/test_card_schema.py (schema, size, buttons) and the content
tests beside this file. The worst cases fill every piece of text to its limit with the character that costs most."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cards.concerns import (
    concern_cancelled_card,
    concern_for_contact_card,
    concern_form_card,
    concern_sent_card,
)
from cards.elements import Card
from programme.concerns import (
    MAX_CONCERN,
    MAX_NAME_LENGTH,
    MAX_ROLE_LENGTH,
    NOBODY_TO_TELL,
    Concern,
    ConcernContext,
    ConcernForm,
    ConcernSent,
)
from programme.identity import PersonId

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 1, 12, 9, 30, tzinfo=UTC).astimezone(LONDON)
PERSON = PersonId("a0000000-0000-4000-8000-000000000001")
TOKEN = "0123456789abcdef0123456789abcdef"
GUARDIAN = "the Freedom to Speak Up Guardian"
MARKDOWN = "**bold** _it_ [link](https://example.com) `code` # > ~ \\ "
COSTLIEST = "\\"


def form(
    role: str = "the programme coordinators",
    context: ConcernContext = ConcernContext.REFLECTION,
    *,
    can_send: bool = True,
) -> ConcernForm:
    return ConcernForm(role=role, context=context, form=TOKEN, can_send=can_send)


def concern(
    text: str = "Something my partner said has stayed with me.",
    *,
    name: str = "Amara Okafor",
    role: str = GUARDIAN,
    may_contact: bool = True,
    context: ConcernContext = ConcernContext.CHECK_IN,
) -> Concern:
    return Concern(
        person=PERSON,
        display_name=name,
        context=context,
        text=text,
        may_contact=may_contact,
        raised_at=AT,
        role=role,
    )


SAMPLES: dict[str, list[tuple[str, Card]]] = {
    "cards.concerns.concern_form_card": [
        ("empty", concern_form_card(form())),
        ("configured contact", concern_form_card(form(GUARDIAN, ConcernContext.HELP))),
        (
            "shown again with a problem",
            concern_form_card(form(), text="x" * 10, may_contact=True, problems={"text": "Please write a few words."}),
        ),
        ("nobody set up", concern_form_card(form(can_send=False))),
        (
            "nobody after sending",
            concern_form_card(form(can_send=False), text="What I typed", notice=NOBODY_TO_TELL),
        ),
        (
            "worst case",
            concern_form_card(
                form(COSTLIEST * MAX_ROLE_LENGTH, ConcernContext.OTHER),
                text=COSTLIEST * 10 * MAX_CONCERN,
                may_contact=True,
                problems={"text": MARKDOWN * 10, "other": MARKDOWN * 10},
                notice=MARKDOWN * 10,
            ),
        ),
    ],
    "cards.concerns.concern_sent_card": [
        ("one reader, may contact", concern_sent_card(ConcernSent(GUARDIAN, 1, True))),
        ("coordinators, no contact", concern_sent_card(ConcernSent("the programme coordinators", 3, False))),
        ("already sent", concern_sent_card(ConcernSent(GUARDIAN, 1, False, already_sent=True))),
        ("markdown role", concern_sent_card(ConcernSent(COSTLIEST * MAX_ROLE_LENGTH, 10**6, True))),
    ],
    "cards.concerns.concern_cancelled_card": [
        (context.value, concern_cancelled_card(context)) for context in ConcernContext
    ],
    "cards.concerns.concern_for_contact_card": [
        ("may contact", concern_for_contact_card(concern())),
        ("asked not to be contacted", concern_for_contact_card(concern(may_contact=False))),
        (
            "worst case",
            concern_for_contact_card(
                concern(
                    COSTLIEST * MAX_CONCERN,
                    name=COSTLIEST * MAX_NAME_LENGTH,
                    role=COSTLIEST * MAX_ROLE_LENGTH,
                    context=ConcernContext.OTHER,
                )
            ),
        ),
        ("markdown", concern_for_contact_card(concern(MARKDOWN * 20, name=MARKDOWN, role=MARKDOWN))),
    ],
}
