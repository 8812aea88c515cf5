"""The "Raise a concern" route that every check-in and reflection card carries.

Sharing lived experience can bring up hard things, and a pair's conversation can touch on safeguarding. Whoever
needs to can say so privately, from the card in front of them, without working out whom to contact.

Cards here: the form (who will read it, what happens next, where to go in an emergency), what the person sees once
it is sent or cancelled, and the message a contact receives. The person's words appear only on the form they are
typing into and on the contact's message; every other card says what happened without quoting them.
"""

from __future__ import annotations

from collections.abc import Mapping

from cards.elements import (
    Card,
    Element,
    attention,
    card,
    escape_markdown,
    execute,
    facts,
    heading,
    input_text,
    paragraph,
    subheading,
)
from programme.concerns import MAX_CONCERN, TEXT_FIELD, Concern, ConcernContext, ConcernForm, ConcernSent
from programme.errors import InvalidFields

CONCERN_VERB = "concern"
SEND_VERB = "concern.send"
CANCEL_VERB = "concern.cancel"
# Where the concern was raised from, so the form can say it; never anything of what was written there.
CONCERN_CONTEXTS = frozenset(context.value for context in ConcernContext)
TEXT_INPUT = "concern_text"
CONTACT_INPUT = "concern_may_contact"

EMERGENCY = (
    "This isn't an emergency service, and it may not be read straight away. If you or anyone else is in immediate "
    "danger, call 999 now. If you're worried about the safety of a patient, a child or an adult at risk, contact "
    "your safeguarding team straight away, as you usually would. For urgent help with your own mental health, "
    "call NHS 111."
)


NOBODY_SET_UP = (
    "Nobody is set up to receive concerns through me yet, so I can't send one for you. Please speak to your line "
    "manager, your Freedom to Speak Up Guardian or your safeguarding lead directly."
)


def concern_action(context: str) -> Element:
    """The button that opens the concern form."""
    if context not in CONCERN_CONTEXTS:
        raise ValueError(f"unknown concern context {context!r}")
    return execute("Raise a concern", CONCERN_VERB, {"context": context})


def concern_form_card(
    form: ConcernForm,
    *,
    text: str = "",
    may_contact: bool = False,
    problems: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> Card:
    """The form, empty or shown again with what was typed (``text``, cut to the box's limit) and ``problems``
    keyed by field (``text``) beside it; ``notice`` is a problem with the whole form."""
    role = escape_markdown(form.role)
    body: list[Element] = [heading("Raise a concern")]
    if notice:
        body.append(attention(notice))
    body += [
        paragraph(
            "If something in the programme is worrying you, about your conversations, how you've been treated, "
            "someone's safety or your own wellbeing, you can tell someone here, in confidence. You don't need to be "
            "sure, and nothing is too small to mention."
        ),
        subheading("Who will read it"),
        paragraph(
            f"Only {role}. It won't be sent to your partner, and nobody else in the programme will see it. Your name "
            "goes with it, so they know who to follow up with."
        ),
        subheading("What happens next"),
        paragraph(
            f"It goes to {role} as soon as you choose Send. They usually read messages during working hours. If you "
            "switch on 'You may contact me', they'll get in touch with you privately. If you don't, they'll respect "
            "that, unless they believe someone is at risk of harm and need to act."
        ),
        paragraph(
            "I don't keep what you write: my copy is deleted as soon as it has reached them. The programme's records "
            "note only that a concern was raised, without your name or your words.",
            subtle=True,
        ),
        _emphasis(EMERGENCY),
    ]
    entry: Element = {
        "type": "Input.Text",
        "id": TEXT_INPUT,
        "label": "What would you like to tell them?",
        "isMultiline": True,
        "maxLength": MAX_CONCERN,
        "placeholder": "Write as much or as little as you like.",
    }
    if text:
        entry["value"] = text[:MAX_CONCERN]
    if not form.can_send:
        if not notice:
            body.append(attention(NOBODY_SET_UP))
        # Words already typed stay in the box, to copy to whoever the person turns to instead; nothing can be sent.
        return card([*body, entry] if text else body)
    issues = dict(problems or {})
    body.append(entry)
    if TEXT_FIELD in issues:
        body.append(attention(issues[TEXT_FIELD]))
    body += [attention(message) for field, message in issues.items() if field != TEXT_FIELD]
    body.append(
        {
            "type": "Input.Toggle",
            "id": CONTACT_INPUT,
            "title": "You may contact me about this",
            "valueOn": "true",
            "valueOff": "false",
            "value": "true" if may_contact else "false",
        }
    )
    send = execute("Send", SEND_VERB, {"context": form.context.value, "form": form.form}, primary=True)
    # Cancelling sends nothing typed: the words must not travel anywhere the person did not choose.
    cancel = {**execute("Cancel", CANCEL_VERB, {"context": form.context.value}), "associatedInputs": "none"}
    return card(body, [send, cancel])


def concern_sent_card(sent: ConcernSent) -> Card:
    """What the person sees once it has gone: exactly who will read it, and what happens next."""
    role = escape_markdown(sent.role)
    readers = f"{role} ({sent.readers} people)" if sent.readers > 1 else role
    if sent.may_contact:
        next_step = "They'll read it, usually during working hours, and get in touch with you privately."
    else:
        next_step = (
            "They'll read it, usually during working hours. You didn't ask to be contacted, and they'll respect "
            "that, unless they believe someone is at risk of harm and need to act."
        )
    title = "You've already sent this concern" if sent.already_sent else "Thank you: your concern has been sent"
    return card(
        [
            heading(title),
            paragraph(f"It has gone to {readers}, and to nobody else. Your partner hasn't been told."),
            subheading("What happens next"),
            paragraph(next_step),
            paragraph(
                "I haven't kept what you wrote: my copy is deleted as soon as it has reached them. If something else "
                "comes up, you can raise another concern at any time by typing 'raise a concern'.",
                subtle=True,
            ),
            _emphasis(EMERGENCY),
        ]
    )


def concern_cancelled_card(context: ConcernContext) -> Card:
    """The form, once cancelled: the typed words are gone from the card, and the way back is one click."""
    return card(
        [
            heading("Nothing was sent"),
            paragraph(
                "Your concern hasn't been sent, and I haven't kept anything you typed. If you change your mind, you "
                "can raise it at any time."
            ),
            _emphasis(EMERGENCY),
        ],
        [concern_action(context.value)],
    )


def concern_for_contact_card(concern: Concern) -> Card:
    """The message a contact receives: who raised it (so they can follow up), from where, and their words."""
    name = escape_markdown(concern.display_name)
    contact = (
        "Yes: they're happy for you to get in touch."
        if concern.may_contact
        else "They didn't ask to be contacted. Please respect that, unless you believe someone is at risk of harm."
    )
    return card(
        [
            heading("A concern raised in the reverse-mentoring programme"),
            paragraph(
                f"{name} raised this {escape_markdown(concern.context.described)} in ReMEDI bot. They were told it "
                f"would reach {escape_markdown(concern.role)} and nobody else."
            ),
            facts(
                [
                    ("From", name),
                    ("Entra object id", concern.person.value),
                    ("Raised", f"{concern.raised_at:%A %d %B %Y, %H:%M}"),
                    ("May you contact them?", contact),
                ]
            ),
            subheading("What they wrote"),
            paragraph(escape_markdown(concern.text)),
            paragraph(
                "This message is the only copy: ReMEDI bot deletes its own once this has reached you. Their partner "
                "hasn't been told. Please handle it in line with your organisation's speaking-up and safeguarding "
                "policies, and share it only as far as you need to.",
                subtle=True,
            ),
        ]
    )


def parse_concern_form(data: Mapping[str, object]) -> tuple[str, bool]:
    """The words typed and whether they may be contacted. Text that isn't text is :class:`InvalidFields`; its
    length and emptiness are the core's to judge. A toggle left alone arrives as its "off" value, or not at all."""
    raw = data.get(TEXT_INPUT)
    text = "" if raw is None else input_text(raw)
    if text is None:
        raise InvalidFields({TEXT_FIELD: "What you typed couldn't be read; please type it again."})
    flag = data.get(CONTACT_INPUT)
    return text, flag is True or flag == "true"


def _emphasis(text: str) -> Element:
    return {**paragraph(text), "weight": "Bolder"}
