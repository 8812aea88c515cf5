"""The first-meeting agreement: the card a pair writes it on and confirms it with, and reading that form back.

The words belong to the pair. This card is only ever sent to one of the two people in it; coordinators get a
different card that says whether an agreement is confirmed and nothing else.
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
    heading,
    input_text,
    paragraph,
    subheading,
)
from cards.introductions import ground_rules
from programme.contracts import MAX_GOAL, MAX_GOALS, MAX_WAYS, Agreement
from programme.errors import InvalidFields
from programme.first_meeting import MyAgreement

GOAL_INPUTS = tuple(f"goal_{n}" for n in range(1, MAX_GOALS + 1))
HOW_WE_WORK = "how_we_work"
INPUT_IDS = (*GOAL_INPUTS, HOW_WE_WORK)
# Far beyond the limits above: longer values came from an edited card or a paste gone wrong, and are not worth
# tidying only to be refused.
MAX_FORM_VALUE = 2000
_LIMITS = {**dict.fromkeys(GOAL_INPUTS, MAX_GOAL), HOW_WE_WORK: MAX_WAYS}
# The agreement's own field each input belongs to, for problems reported by Agreement.checked.
_FIELDS = {**dict.fromkeys(GOAL_INPUTS, "goals"), HOW_WE_WORK: HOW_WE_WORK}


def agreement_card(
    mine: MyAgreement,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> Card:
    """The agreement as it stands, ready to change or confirm. ``values`` shows what was typed again (after a
    problem), and ``problems`` are keyed by the agreement's fields: ``goals`` and ``how_we_work``."""
    contract = mine.contract
    saved = contract.agreement
    partner = escape_markdown(mine.partner.display_name)
    shown = _shown_values(values, saved)
    issues = dict(problems or {})

    body: list[Element] = [heading("How we'll work together")]
    if notice:
        body.append(attention(notice))
    body += [
        paragraph(
            f"Your agreement with {partner}, your {'mentee' if mine.i_am_mentor else 'mentor'}. At your first "
            "meeting, talk about what you each hope for, then write it down here: up to three things "
            f"{partner if mine.i_am_mentor else 'you'} would most like to learn, and how you'll work together. "
            "Either of you can write or change it, and you both confirm the same version."
        ),
        paragraph(
            "It's private to the two of you. Your coordinator only sees whether you've both confirmed it, never "
            "what it says.",
            subtle=True,
        ),
        *ground_rules(),
        subheading("Where it stands"),
    ]
    if saved is None:
        body.append(
            paragraph("Nothing written yet. Either of you can write it, ideally together at your first meeting.")
        )
    else:
        partner_confirmed = (
            contract.mentee_confirmed_at if mine.i_am_mentor else contract.mentor_confirmed_at
        ) is not None
        body.append(paragraph("You confirmed" if mine.i_confirmed else "Waiting for you"))
        body.append(paragraph(f"{partner} confirmed" if partner_confirmed else f"Waiting for {partner}"))
    if issues:
        body.append(attention("Something needs another look; the notes below say what to change."))
        body += [attention(message) for field, message in issues.items() if field not in ("goals", HOW_WE_WORK)]

    body.append(subheading("Learning goals"))
    body.append(
        paragraph(
            f"Up to {MAX_GOALS} goals, a sentence each. For example: understand what gets in the way of "
            "colleagues speaking up in my directorate.",
            subtle=True,
        )
    )
    for number, input_id in enumerate(GOAL_INPUTS, start=1):
        body.append(_text_input(input_id, f"Goal {number}", shown.get(input_id, "")))
    body += _problem(issues, "goals")
    body.append(
        _text_input(
            HOW_WE_WORK,
            "How we'll work together",
            shown.get(HOW_WE_WORK, ""),
            placeholder="For example: where and how often we meet, how we keep in touch between meetings, and what "
            "we do if one of us needs to cancel.",
            multiline=True,
        )
    )
    body += _problem(issues, HOW_WE_WORK)

    ids = {"pair": mine.pair.id, "version": contract.version}
    actions = [execute("Save", "agreement.save", ids, primary=saved is None or mine.i_confirmed)]
    if saved is not None and not mine.i_confirmed:
        body.append(
            paragraph(
                f"'I agree' confirms the version saved above. If you change anything, choose 'Save' instead: "
                f"{partner} will be asked to confirm your changes.",
                subtle=True,
            )
        )
        confirm = execute("I agree", "agreement.confirm", ids, primary=True)
        # Confirming is of the saved version, not of whatever is typed in the boxes just now.
        confirm["associatedInputs"] = "none"
        actions.append(confirm)
    return card(body, actions)


def agreement_form_values(data: Mapping[str, object]) -> dict[str, str]:
    """The submitted answers as text, to show the form again with what was typed (cut to each box's limit)."""
    values: dict[str, str] = {}
    for input_id in INPUT_IDS:
        text = input_text(data.get(input_id))
        if text is not None:
            values[input_id] = text[: _LIMITS[input_id]]
    return values


def parse_agreement_form(data: Mapping[str, object]) -> tuple[Agreement, dict[str, str]]:
    """An unchecked agreement from the submitted form, and the answers as text. :class:`InvalidFields` (keyed
    ``goals`` / ``how_we_work``) names anything unreadable or absurdly long; the agreement's own rules are
    :meth:`Agreement.checked`'s job."""
    raw: dict[str, str] = {}
    problems: dict[str, str] = {}
    for input_id in INPUT_IDS:
        value = data.get(input_id)
        text = "" if value is None else input_text(value)
        field = _FIELDS[input_id]
        if text is None:
            problems.setdefault(field, "Something in that answer couldn't be read; please type it again.")
        elif len(text) > MAX_FORM_VALUE:
            problems.setdefault(
                field,
                f"That's much longer than the box allows; please keep each goal to {MAX_GOAL} characters."
                if field == "goals"
                else f"That's much longer than the box allows; please keep it to {MAX_WAYS} characters.",
            )
        else:
            raw[input_id] = text
    if problems:
        raise InvalidFields(problems)
    agreement = Agreement(goals=tuple(raw[g] for g in GOAL_INPUTS), how_we_work=raw[HOW_WE_WORK])
    return agreement, raw


# Inside -----------------------------------------------------------------------------------------------------------


def _shown_values(values: Mapping[str, str] | None, saved: Agreement | None) -> dict[str, str]:
    if values is not None:
        return {key: value[: _LIMITS[key]] for key, value in values.items() if key in _LIMITS}
    if saved is None:
        return {}
    shown = dict(zip(GOAL_INPUTS, saved.goals, strict=False))
    shown[HOW_WE_WORK] = saved.how_we_work
    return {key: value[: _LIMITS[key]] for key, value in shown.items()}


def _text_input(
    input_id: str, label: str, value: str, *, placeholder: str | None = None, multiline: bool = False
) -> Element:
    element: Element = {"type": "Input.Text", "id": input_id, "label": label, "maxLength": _LIMITS[input_id]}
    if multiline:
        element["isMultiline"] = True
    if placeholder:
        element["placeholder"] = placeholder
    if value:
        element["value"] = value
    return element


def _problem(problems: Mapping[str, str], field: str) -> list[Element]:
    message = problems.get(field)
    return [] if message is None else [attention(message)]
