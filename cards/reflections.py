"""Private reflections: the form someone writes one on, the confirmation, their own list, and deleting one.

Every card here goes only to the reflection's author, in their 1:1 chat with the bot, and says so: nobody else
(not their partner, not a coordinator) can see what they write. Each carries "Raise a concern", because writing
about a conversation can bring something up that needs someone's help.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, tzinfo

from cards.concerns import concern_action
from cards.elements import (
    Card,
    Element,
    attention,
    card,
    encoded_size,
    escape_markdown,
    execute,
    heading,
    input_text,
    paragraph,
    subheading,
)
from programme.errors import InvalidFields
from programme.reflections import (
    ACTIONS,
    DIFFERENTLY,
    FEELING,
    LEARNED,
    LIMITS,
    NOTES,
    TEXT_FIELDS,
    DeleteQuestion,
    Entry,
    Feeling,
    ReflectionPage,
    ReflectionText,
    ReflectionView,
    Saved,
    Subject,
)

# The inputs' ids on the form. Prefixed, so they can never collide with the ids the Save button carries.
INPUT_IDS: Mapping[str, str] = {
    LEARNED: "reflection_learned",
    DIFFERENTLY: "reflection_differently",
    ACTIONS: "reflection_actions",
    FEELING: "reflection_feeling",
    NOTES: "reflection_notes",
}
# Far beyond every box's limit: longer values came from an edited card and are not worth tidying only to refuse.
MAX_FORM_VALUE = 10 * max(LIMITS.values())
# The feeling choice that means none.
NO_FEELING = "none"
# How much of each answer the list shows; the whole of it is on the reflection's own card.
PREVIEW = 140
# UTF-16 bytes a card may use: under the 28 KB Teams allows, leaving room for the message around it.
CARD_BUDGET = 27 * 1024
# Whole answers first; shorter and shorter cuts only when the whole does not fit.
_CUTS: tuple[int | None, ...] = (None, 800, 400, 200, 100)

PRIVATE_LINE = (
    "Only you can see this. Your partner can't, and your coordinator only sees that a reflection was written, "
    "never what it says or how you felt."
)

_LABELS = {
    LEARNED: "What I learned",
    DIFFERENTLY: "What I'll do differently",
    ACTIONS: "Actions we agreed",
    FEELING: "How I feel about it",
    NOTES: "Anything else (optional)",
}
# Headings over a saved reflection's answers, where "(optional)" would be out of place.
_SHOWN_LABELS = {NOTES: "Anything else"}
_PLACEHOLDERS = {
    LEARNED: "Something that struck you, surprised you or stayed with you.",
    DIFFERENTLY: "In your role, your team or how you work with colleagues.",
    ACTIONS: "Anything either of you said you'd do before you next meet.",
    NOTES: "Whatever else you'd like to remember. It's just for you.",
}


def reflection_form_card(view: ReflectionView) -> Card:
    """The form, empty for a new reflection, filled in when editing one (or with what was typed, after a
    problem, each problem beside its box)."""
    shown = view.shown
    problems = dict(view.problems)
    editing = view.reflection is not None
    body: list[Element] = [heading("Your reflection" if editing else "A moment to reflect")]
    if view.notice:
        body.append(attention(view.notice))
    body.append(paragraph(_about(view.subject, editing)))
    body.append(paragraph(PRIVATE_LINE, subtle=True))
    if problems:
        body.append(attention("Something needs another look; the notes below say what."))
    body.append(
        paragraph(
            "Write as much or as little as you like: a line in one box is fine. Every box is optional.", subtle=True
        )
    )
    for name in (LEARNED, DIFFERENTLY, ACTIONS):
        body.append(_text_input(name, shown.get(name, "")))
        body += _problem(problems, name)
    body.append(_feeling_input(shown.get(FEELING, "")))
    body += _problem(problems, FEELING)
    body.append(_text_input(NOTES, shown.get(NOTES, "")))
    body += _problem(problems, NOTES)

    # "about", not "key": with a "key" in a button's data, the web client's card renderer (seen in the Agents
    # Playground, which uses Teams' renderer) fails with "Cannot assign to read only property 'key'" and sends
    # nothing.
    data: dict[str, object] = {"about": view.key, "version": view.version}
    if view.reflection is not None:
        data["reflection"] = view.reflection.id
    actions = [
        execute("Save my reflection" if not editing else "Save changes", "reflection.save", data, primary=True),
        _no_inputs(execute("My reflections", "reflection.list")),
        _no_inputs(concern_action("reflection")),
    ]
    return card(body, actions)


def reflection_saved_card(saved: Saved) -> Card:
    """The confirmation: what was kept, and how to change it."""
    reflection = saved.reflection
    actions = [
        execute("Edit", "reflection.edit", {"reflection": reflection.id}),
        execute("My reflections", "reflection.list"),
        concern_action("reflection"),
    ]

    def build(cut: int | None) -> Card:
        body: list[Element] = [
            heading("Reflection saved" if not saved.edited else "Changes saved"),
            paragraph(_about(saved.subject, True)),
            *_full_text(reflection.text, cut),
            paragraph(PRIVATE_LINE, subtle=True),
        ]
        if reflection.text.feeling is not None and reflection.text.feeling.heavy:
            body.append(
                paragraph(
                    "Thank you for being honest about how it felt. Sharing and hearing lived experience can take a "
                    "lot out of anyone. If something is weighing on you, 'Raise a concern' reaches someone who can "
                    "help, privately, and your coordinator is always happy to talk."
                )
            )
        return card(body, actions)

    return _fitted(build)


def my_reflections_card(page: ReflectionPage) -> Card:
    """The person's own reflections, newest first, a page at a time."""
    body: list[Element] = [heading("My reflections")]
    if page.notice:
        body.append({**paragraph(escape_markdown(page.notice)), "weight": "Bolder"})
    body.append(paragraph(PRIVATE_LINE, subtle=True))
    if not page.entries:
        body.append(
            paragraph(
                "You haven't written any reflections yet. After each conversation I'll offer you a card to jot down "
                "what you took from it, or type 'reflect' whenever you like."
            )
        )
    else:
        if page.pages > 1:
            body.append(paragraph(f"Page {page.page} of {page.pages} ({page.total} in all)", subtle=True))
        for entry in page.entries:
            body += _entry(entry, page.zone)
    actions: list[Element] = []
    if page.page > 1:
        actions.append(execute("Newer", "reflection.list", {"page": page.page - 1}))
    if page.page < page.pages:
        actions.append(execute("Older", "reflection.list", {"page": page.page + 1}))
    actions += [execute("Write a reflection", "reflection.new"), concern_action("reflection")]
    return card(body, actions)


def reflection_card(entry: Entry) -> Card:
    """One reflection in full, to read, with ways to change or delete it."""
    reflection = entry.reflection
    actions = [
        execute("Edit", "reflection.edit", {"reflection": reflection.id}),
        execute("Delete", "reflection.delete", {"reflection": reflection.id}),
        execute("My reflections", "reflection.list"),
        concern_action("reflection"),
    ]

    def build(cut: int | None) -> Card:
        body: list[Element] = [
            heading("Your reflection"),
            paragraph(_about(entry.subject, True)),
            paragraph(f"Written {_day(reflection.created_at.astimezone(entry.zone).date())}", subtle=True),
            *_full_text(reflection.text, cut),
            paragraph(PRIVATE_LINE, subtle=True),
        ]
        return card(body, actions)

    return _fitted(build)


def delete_question_card(question: DeleteQuestion) -> Card:
    """Asks once more before deleting, showing what would go."""
    reflection = question.entry.reflection
    actions = [
        {
            **execute(
                "Yes, delete it",
                "reflection.delete.confirm",
                {"reflection": reflection.id, "version": reflection.version},
            ),
            "style": "destructive",
        },
        execute("Keep it", "reflection.list"),
        concern_action("reflection"),
    ]

    def build(cut: int | None) -> Card:
        body: list[Element] = [heading("Delete this reflection?")]
        if question.notice:
            body.append(attention(question.notice))
        body += [
            paragraph(_about(question.entry.subject, True)),
            *_full_text(reflection.text, cut),
            paragraph("Deleting it can't be undone: it's gone for good, from everywhere I keep it.", subtle=True),
        ]
        return card(body, actions)

    return _fitted(build)


def reflection_form_values(data: Mapping[str, object]) -> dict[str, str]:
    """The submitted answers as text, to show the form again with what was typed (cut to each box's limit)."""
    values: dict[str, str] = {}
    for name, input_id in INPUT_IDS.items():
        text = input_text(data.get(input_id))
        if text is not None:
            values[name] = text[: LIMITS.get(name, 40)]
    return values


def parse_reflection_form(data: Mapping[str, object]) -> ReflectionText:
    """An unchecked reflection from the submitted form. :class:`InvalidFields` (keyed by the reflection's field
    names) names anything unreadable or absurdly long; lengths and emptiness are :meth:`ReflectionText.checked`'s."""
    raw: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name, input_id in INPUT_IDS.items():
        value = data.get(input_id)
        text = "" if value is None else input_text(value)
        if text is None:
            problems[name] = "Something in that answer couldn't be read; please type it again."
        elif len(text) > MAX_FORM_VALUE:
            problems[name] = (
                f"That's much longer than the box allows; please keep it to {LIMITS.get(name, 0)} characters."
            )
        else:
            raw[name] = text
    feeling: Feeling | None = None
    chosen = raw.get(FEELING, "").strip()
    if chosen and chosen != NO_FEELING:
        try:
            feeling = Feeling(chosen)
        except ValueError:
            problems[FEELING] = "Please choose one of the options, or leave it blank."
    if problems:
        raise InvalidFields(problems)
    return ReflectionText(
        learned=raw.get(LEARNED, ""),
        differently=raw.get(DIFFERENTLY, ""),
        actions=raw.get(ACTIONS, ""),
        feeling=feeling,
        notes=raw.get(NOTES, ""),
    )


# Inside -----------------------------------------------------------------------------------------------------------


def _about(subject: Subject | None, written: bool) -> str:
    if subject is None:
        return (
            "A reflection of your own, not about any particular conversation."
            if written
            else "Take a moment to note what's on your mind about the programme. It needn't be about a particular "
            "conversation."
        )
    occasion = subject.occasion
    who = f" with {escape_markdown(subject.partner_name)}" if subject.partner_name else ""
    on = f" on {_day(occasion.held_on)}" if occasion.held_on is not None else ""
    if written:
        return f"About conversation {occasion.session}{who}{on}."
    return f"How did conversation {occasion.session}{who}{on} go? Take a moment to note what you took from it."


def _full_text(text: ReflectionText, cut: int | None) -> list[Element]:
    """Every answer, each cut to ``cut`` characters when the whole would not fit in a message."""
    parts: list[Element] = []
    shortened = False
    for name in (LEARNED, DIFFERENTLY, ACTIONS, FEELING, NOTES):
        if name == FEELING:
            if text.feeling is not None:
                parts += [subheading(_LABELS[FEELING]), paragraph(text.feeling.label)]
            continue
        value = text.value(name)
        if not value:
            continue
        if cut is not None and len(value) > cut:
            value = _shorten(value, cut)
            shortened = True
        parts += [subheading(_SHOWN_LABELS.get(name, _LABELS[name])), paragraph(escape_markdown(value))]
    if shortened:
        parts.append(paragraph("Some answers are shortened here to fit; 'Edit' shows them in full.", subtle=True))
    return parts


def _fitted(build: Callable[[int | None], Card]) -> Card:
    """The card with every answer whole if it fits in a Teams message, else with the answers cut until it does.
    Only text full of characters that need escaping (each backslash costs eight bytes on the card) comes close."""
    for cut in _CUTS:
        built = build(cut)
        if encoded_size(built) <= CARD_BUDGET:
            return built
    return build(_CUTS[-1])


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _entry(entry: Entry, zone: tzinfo) -> list[Element]:
    reflection = entry.reflection
    text = reflection.text
    first = next((text.value(name) for name in TEXT_FIELDS if text.value(name)), "")
    preview = first if len(first) <= PREVIEW else first[: PREVIEW - 1].rstrip() + "…"
    lines: list[Element] = [
        subheading(_about(entry.subject, True)),
        paragraph(f"Written {_day(reflection.created_at.astimezone(zone).date())}", subtle=True),
    ]
    if preview:
        lines.append(paragraph(escape_markdown(preview.replace("\n", " "))))
    if text.feeling is not None:
        lines.append(paragraph(f"Feeling: {text.feeling.label}", subtle=True))
    lines.append(
        {
            "type": "ActionSet",
            "actions": [
                execute("Read", "reflection.show", {"reflection": reflection.id}),
                execute("Edit", "reflection.edit", {"reflection": reflection.id}),
                execute("Delete", "reflection.delete", {"reflection": reflection.id}),
            ],
        }
    )
    return lines


def _text_input(name: str, value: str) -> Element:
    element: Element = {
        "type": "Input.Text",
        "id": INPUT_IDS[name],
        "label": _LABELS[name],
        "isMultiline": True,
        "maxLength": LIMITS[name],
        "placeholder": _PLACEHOLDERS[name],
    }
    if value:
        element["value"] = value[: LIMITS[name]]
    return element


def _feeling_input(value: str) -> Element:
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": INPUT_IDS[FEELING],
        "label": _LABELS[FEELING],
        "style": "expanded",
        "choices": [
            *({"title": feeling.label, "value": feeling.value} for feeling in Feeling),
            # A radio button can't be unticked, so saying nothing (or taking it back) needs a choice of its own.
            {"title": "I'd rather not say", "value": NO_FEELING},
        ],
    }
    if value in {feeling.value for feeling in Feeling} or value == NO_FEELING:
        element["value"] = value
    return element


def _problem(problems: Mapping[str, str], name: str) -> list[Element]:
    message = problems.get(name)
    return [] if message is None else [attention(message)]


def _no_inputs(action: Element) -> Element:
    return {**action, "associatedInputs": "none"}


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B}"
