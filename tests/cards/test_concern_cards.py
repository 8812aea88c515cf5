"""The concern cards say who will read a concern, what happens next and where to go in an emergency; they quote the
person's words only where the person or the contact needs them; and their buttons parse forgivingly."""

from __future__ import annotations

import json

import pytest

from cards.actions import CancelConcern, SendConcern, ShowConcernForm, parse_action
from cards.concerns import (
    CONTACT_INPUT,
    EMERGENCY,
    TEXT_INPUT,
    concern_action,
    concern_cancelled_card,
    concern_for_contact_card,
    concern_form_card,
    concern_sent_card,
    parse_concern_form,
)
from cards.help import help_card
from programme.concerns import MAX_CONCERN, ConcernContext, ConcernSent
from programme.errors import InvalidFields
from tests.cards.concern_samples import GUARDIAN, MARKDOWN, PERSON, TOKEN, concern, form
from tests.support.card_reading import button, card_actions, card_text, facts, inputs, text_blocks

WORDS = "Something my partner said at our second meeting has stayed with me."


def test_the_form_names_who_will_read_it_and_that_the_partner_will_not() -> None:
    built = concern_form_card(form(GUARDIAN))
    texts = " ".join(text_blocks(built))

    assert "Only the Freedom to Speak Up Guardian." in texts
    assert "It goes to the Freedom to Speak Up Guardian as soon as you choose Send." in texts
    assert "won't be sent to your partner" in texts
    assert "Your name goes with it" in texts
    assert "my copy is deleted as soon as it has reached them" in texts
    assert EMERGENCY in text_blocks(built)
    assert "call 999" in EMERGENCY
    assert "safeguarding team" in EMERGENCY


def test_the_default_role_reads_naturally() -> None:
    texts = " ".join(text_blocks(concern_form_card(form())))

    assert "Only the programme coordinators." in texts


def test_the_form_has_a_limited_box_an_optional_toggle_and_send_or_cancel() -> None:
    built = concern_form_card(form(context=ConcernContext.REMINDER))
    boxes = inputs(built)

    assert boxes[TEXT_INPUT]["isMultiline"] is True
    assert boxes[TEXT_INPUT]["maxLength"] == MAX_CONCERN
    assert "value" not in boxes[TEXT_INPUT]
    assert (boxes[CONTACT_INPUT]["type"], boxes[CONTACT_INPUT]["value"]) == ("Input.Toggle", "false")
    send = button(built, "Send")
    assert (send["verb"], send["data"]) == (
        "concern.send",
        {"action": "concern.send", "context": "reminder", "form": TOKEN},
    )
    cancel = button(built, "Cancel")
    assert cancel["verb"] == "concern.cancel"
    # Cancelling must not carry the words anywhere.
    assert cancel["associatedInputs"] == "none"


def test_shown_again_it_keeps_what_was_typed_and_puts_the_problem_beside_the_box() -> None:
    built = concern_form_card(
        form(), text="x" * (MAX_CONCERN + 50), may_contact=True, problems={"text": "Please keep it shorter."}
    )
    body = built["body"]
    at = next(n for n, element in enumerate(body) if element.get("id") == TEXT_INPUT)

    assert body[at]["value"] == "x" * MAX_CONCERN
    assert body[at + 1]["text"] == "Please keep it shorter."
    assert body[at + 1]["color"] == "Attention"
    assert inputs(built)[CONTACT_INPUT]["value"] == "true"


def test_with_nobody_to_receive_it_the_form_offers_no_send_but_keeps_typed_words() -> None:
    nothing_typed = concern_form_card(form(can_send=False))
    assert card_actions(nothing_typed) == []
    assert TEXT_INPUT not in inputs(nothing_typed)
    assert any("Nobody is set up" in text for text in text_blocks(nothing_typed))

    typed = concern_form_card(form(can_send=False), text=WORDS, notice="I'm sorry: nobody is set up.")
    assert card_actions(typed) == []
    assert inputs(typed)[TEXT_INPUT]["value"] == WORDS
    assert sum("nobody is set up" in text.lower() for text in text_blocks(typed)) == 1


def test_the_sent_card_says_exactly_who_and_what_next_without_quoting() -> None:
    one = " ".join(text_blocks(concern_sent_card(ConcernSent(GUARDIAN, 1, True))))
    assert "It has gone to the Freedom to Speak Up Guardian, and to nobody else." in one
    assert "Your partner hasn't been told." in one
    assert "get in touch with you privately" in one

    several = " ".join(text_blocks(concern_sent_card(ConcernSent("the programme coordinators", 3, False))))
    assert "It has gone to the programme coordinators (3 people), and to nobody else." in several
    assert "You didn't ask to be contacted, and they'll respect that" in several

    again = concern_sent_card(ConcernSent(GUARDIAN, 1, False, already_sent=True))
    assert text_blocks(again)[0] == "You've already sent this concern"


def test_the_cancelled_card_offers_the_way_back_from_where_it_was() -> None:
    built = concern_cancelled_card(ConcernContext.SURVEY)

    assert text_blocks(built)[0] == "Nothing was sent"
    assert card_actions(built) == [concern_action("survey")]


def test_the_contact_learns_who_where_from_and_the_words_escaped() -> None:
    built = concern_for_contact_card(concern(MARKDOWN, name="Amara *Okafor*", may_contact=False))
    shown = facts(built)

    assert shown["From"] == "Amara \\*Okafor\\*"
    assert shown["Entra object id"] == PERSON.value
    assert shown["Raised"] == "Monday 12 January 2026, 09:30"
    assert shown["May you contact them?"].startswith("They didn't ask to be contacted.")
    texts = text_blocks(built)
    assert any("raised this from a 'did you meet?' check-in" in text for text in texts)
    assert any("would reach the Freedom to Speak Up Guardian and nobody else" in text for text in texts)
    assert "**bold**" not in json.dumps(built)
    assert "[link](" not in json.dumps(built)
    assert card_actions(built) == []


def test_the_help_card_offers_a_way_to_raise_a_concern() -> None:
    assert concern_action("help") in card_actions(help_card([]))


def test_the_button_knows_only_real_contexts() -> None:
    with pytest.raises(ValueError, match="unknown concern context"):
        concern_action("gossip")


# Parsing ----------------------------------------------------------------------------------------------------------


def test_the_form_parses_text_and_toggle() -> None:
    assert parse_concern_form({TEXT_INPUT: WORDS, CONTACT_INPUT: "true"}) == (WORDS, True)
    assert parse_concern_form({TEXT_INPUT: WORDS, CONTACT_INPUT: "false"}) == (WORDS, False)
    assert parse_concern_form({TEXT_INPUT: WORDS}) == (WORDS, False)
    assert parse_concern_form({TEXT_INPUT: WORDS, CONTACT_INPUT: True}) == (WORDS, True)
    assert parse_concern_form({TEXT_INPUT: WORDS, CONTACT_INPUT: "yes please"}) == (WORDS, False)
    assert parse_concern_form({}) == ("", False)


@pytest.mark.parametrize("bad", [["a list"], {"a": "map"}, 1.5, True])
def test_words_that_are_not_text_are_asked_for_again(bad: object) -> None:
    with pytest.raises(InvalidFields) as raised:
        parse_concern_form({TEXT_INPUT: bad})
    assert list(raised.value.problems) == ["text"]


@pytest.mark.parametrize("context", [None, "", "gossip", 7, ["reflection"], "x" * 10_000])
def test_a_damaged_context_never_stops_a_concern(context: object) -> None:
    data = {"context": context} if context is not None else {}

    assert parse_action("concern", data) == ShowConcernForm(ConcernContext.OTHER)
    assert parse_action("concern.cancel", data) == CancelConcern(ConcernContext.OTHER)
    sent = parse_action("concern.send", {**data, "form": TOKEN})
    assert isinstance(sent, SendConcern)
    assert (sent.context, sent.form) == (ConcernContext.OTHER, TOKEN)


@pytest.mark.parametrize("token", [None, "", "short", TOKEN.upper(), TOKEN + "0", 12345, ["x"]])
def test_a_damaged_form_token_is_dropped_not_refused(token: object) -> None:
    sent = parse_action("concern.send", {"context": "help", "form": token, TEXT_INPUT: WORDS})

    assert isinstance(sent, SendConcern)
    assert sent.form is None
    assert sent.data[TEXT_INPUT] == WORDS


def test_every_context_round_trips_through_the_button() -> None:
    for context in ConcernContext:
        action = concern_action(context.value)
        assert parse_action(action["verb"], action["data"]) == ShowConcernForm(context)
    assert "concern" in card_text(concern_form_card(form()))
