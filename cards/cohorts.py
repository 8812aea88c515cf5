"""Coordinator cards for cohorts: the new-cohort form (and reading it back), the list, and what changed.

The form is read in two steps on purpose. :func:`parse_cohort_form` only turns the submitted strings into a
:class:`CohortPlan` (complaining about anything unreadable or missing); :meth:`CohortPlan.checked` then applies the
programme's rules. Both report problems keyed by the plan's field names, so either can be shown beside the input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

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
    input_text,
    paragraph,
    subheading,
)
from programme.applications import ApplicationState
from programme.cohort_overview import CohortOverview
from programme.cohorts import MAX_NAME_LENGTH, MAX_SESSIONS, SESSION_MINUTES, Cadence, Cohort, CohortPlan, CohortState
from programme.errors import InvalidFields
from programme.match_weights import MAX_WEIGHT, MatchWeights
from programme.profiles import Role
from programme.tracks import MenteeLevel, Track

# Every input on the form, in the order it shows them.
INPUT_IDS = (
    "name",
    "track",
    "mentee_level",
    "signup_closes",
    "starts_on",
    "ends_on",
    "sessions",
    "cadence",
    "session_minutes",
    "mentor_capacity",
    "training_1",
    "training_2",
    "training_3",
    "separate_directorates",
    "weight_topics",
    "weight_availability",
    "weight_place",
)
TRAINING_INPUTS = ("training_1", "training_2", "training_3")
DIRECTORATES_INPUT = "separate_directorates"
# Each weight's input, its label, and the MatchWeights field it fills.
WEIGHT_INPUTS = (
    ("weight_topics", "Shared topics", "topics"),
    ("weight_availability", "Shared free time", "availability"),
    ("weight_place", "Where they can meet", "place"),
)
TOGGLE_ON = "true"
TOGGLE_OFF = "false"
# Far beyond anything the form needs; longer values were typed into an edited card or pasted by mistake.
MAX_FORM_VALUE = 200
DEFAULT_SESSIONS = 6
MAX_LISTED_COHORTS = 15
# UTF-16 bytes for the cohort summaries, leaving room under the 28 KB card limit for the rest of the list.
LIST_BUDGET = 27 * 1024

_Choice = TypeVar("_Choice", Track, MenteeLevel, Cadence)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"([0-9]{1,3})(\.0+)?")

_MISSING = {
    "name": "Please give the cohort a name.",
    "track": "Please choose the programme track.",
    "mentee_level": "Please choose who the mentees are.",
    "signup_closes": "Please choose the date sign-ups close.",
    "starts_on": "Please choose the date the cohort starts.",
    "ends_on": "Please choose the date the cohort ends.",
    "sessions": f"Please give the number of sessions, from 1 to {MAX_SESSIONS}.",
    "cadence": "Please choose how often pairs meet.",
    "session_minutes": "Please choose how long each session lasts.",
    "mentor_capacity": "Please choose how many mentees each mentor can have.",
}
_UNREADABLE = {
    "track": "Please choose the programme track from the list.",
    "mentee_level": "Please choose who the mentees are from the list.",
    "signup_closes": "The date sign-ups close doesn't look like a date; please pick it from the calendar.",
    "starts_on": "The start date doesn't look like a date; please pick it from the calendar.",
    "ends_on": "The end date doesn't look like a date; please pick it from the calendar.",
    "sessions": f"Please give the number of sessions as a whole number from 1 to {MAX_SESSIONS}.",
    "cadence": "Please choose how often pairs meet from the list.",
    "session_minutes": "Please choose a session length from the list.",
    "mentor_capacity": "Please choose one or two mentees per mentor.",
    "training_dates": "A training date doesn't look like a date; please pick it from the calendar.",
    DIRECTORATES_INPUT: "Please switch 'Pair people from different directorates only' on or off.",
    **{
        input_id: f"Please give the weight for {label.lower()} as a whole number from 0 to {MAX_WEIGHT}."
        for input_id, label, _ in WEIGHT_INPUTS
    },
}
_TOO_LONG = f"That answer is too long; please keep it under {MAX_FORM_VALUE} characters."

_CADENCE_WORDS = {
    Cadence.FORTNIGHTLY: "every two weeks",
    Cadence.MONTHLY: "monthly (every four weeks)",
    Cadence.SIX_WEEKLY: "every six weeks",
}
_CADENCE_CHOICES = tuple((cadence.value, words[:1].upper() + words[1:]) for cadence, words in _CADENCE_WORDS.items())
_CAPACITY_CHOICES = (("1", "One mentee"), ("2", "Up to two mentees"))

_SHORT_STATE = {
    ApplicationState.SUBMITTED: "waiting",
    ApplicationState.APPROVED: "approved",
    ApplicationState.WAITLISTED: "waiting list",
    ApplicationState.DECLINED: "declined",
    ApplicationState.WITHDRAWN: "withdrawn",
}
ROLE_ROWS = ((Role.MENTOR, "Mentors"), (Role.MENTEE, "Mentees"))


# The form ---------------------------------------------------------------------------------------------------------


def cohort_form_card(
    today: date, values: Mapping[str, str] | None = None, problems: Mapping[str, str] | None = None
) -> Card:
    """The new-cohort form; ``values`` fills it in again and ``problems`` (keyed by plan field) shows under inputs."""
    shown = dict(values or {})
    issues = dict(problems or {})
    body: list[Element] = [
        heading("New cohort"),
        paragraph(
            "Plan the next run of the programme. It is saved as a draft, so nobody can sign up until you open it."
        ),
    ]
    if issues:
        body.append(_attention("Some answers need another look; the notes below say what to change."))
        # A problem the form has no input for still needs saying somewhere.
        body += [_attention(message) for field, message in issues.items() if field not in _PROBLEM_FIELDS]

    body.append(subheading("About the cohort"))
    body.append(
        _required(
            {
                "type": "Input.Text",
                "id": "name",
                "label": "Name",
                "placeholder": "For example: Race equality 2026, board",
                "maxLength": MAX_NAME_LENGTH,
                **_value(_text_value(shown.get("name"))),
            },
            _MISSING["name"],
        )
    )
    body += _problem(issues, "name")
    body.append(
        _required(
            _choices("track", "Track", [(t.value, t.label) for t in Track], shown.get("track"), None, "Choose a track"),
            _MISSING["track"],
        )
    )
    body += _problem(issues, "track")
    body.append(
        _required(
            _choices(
                "mentee_level",
                "Who the mentees are",
                [(level.value, level.label) for level in MenteeLevel],
                shown.get("mentee_level"),
                None,
                "Choose who the mentees are",
            ),
            _MISSING["mentee_level"],
        )
    )
    body += _problem(issues, "mentee_level")

    body.append(subheading("Dates"))
    for field, label in (
        ("signup_closes", "Sign-ups close"),
        ("starts_on", "Cohort starts"),
        ("ends_on", "Cohort ends"),
    ):
        body.append(_required(_date_input(field, label, today, shown.get(field)), _MISSING[field]))
        body += _problem(issues, field)

    body.append(subheading("Sessions"))
    sessions = _number_value(shown.get("sessions"), DEFAULT_SESSIONS)
    body.append(
        {
            "type": "Input.Number",
            "id": "sessions",
            "label": "Number of sessions",
            "min": 1,
            "max": MAX_SESSIONS,
            **_value(sessions),
        }
    )
    body += _problem(issues, "sessions")
    body.append(
        _choices(
            "cadence",
            "How often pairs meet",
            _CADENCE_CHOICES,
            shown.get("cadence"),
            Cadence.MONTHLY.value,
            "Choose how often",
        )
    )
    body += _problem(issues, "cadence")
    body.append(
        _choices(
            "session_minutes",
            "Length of each session",
            [(str(minutes), f"{minutes} minutes") for minutes in SESSION_MINUTES],
            shown.get("session_minutes"),
            "60",
            "Choose a length",
        )
    )
    body += _problem(issues, "session_minutes")
    body.append(
        _choices(
            "mentor_capacity",
            "Mentees per mentor",
            _CAPACITY_CHOICES,
            shown.get("mentor_capacity"),
            "1",
            "Choose how many",
        )
    )
    body += _problem(issues, "mentor_capacity")

    body.append(subheading("Training (optional)"))
    body.append(paragraph("Up to three dates for training before the cohort starts.", subtle=True))
    for number, field in enumerate(TRAINING_INPUTS, start=1):
        body.append(_date_input(field, f"Training date {number}", today, shown.get(field)))
    body += _problem(issues, "training_dates")

    body += _matching_section(shown, issues)

    cancel = execute("Cancel", "cohorts")
    # Cancelling must not trip the form's required-field checks, and need not send half-typed answers.
    cancel["associatedInputs"] = "none"
    return card(body, [execute("Create cohort", "cohort.create", primary=True), cancel])


def _matching_section(shown: Mapping[str, str], issues: Mapping[str, str]) -> list[Element]:
    defaults = MatchWeights()
    body: list[Element] = [
        subheading("How pairs are matched"),
        paragraph(
            "Each possible pair earns points for what its two people have in common, and the bot proposes the pairs "
            "with the most points; you see them before anyone is told.",
            subtle=True,
        ),
        {
            "type": "Input.Toggle",
            "id": DIRECTORATES_INPUT,
            "title": "Pair people from different directorates only",
            "valueOn": TOGGLE_ON,
            "valueOff": TOGGLE_OFF,
            # Only the two values the toggle knows go back in; anything else shows the default beside its problem.
            "value": TOGGLE_OFF if (shown.get(DIRECTORATES_INPUT) or "").strip().lower() == TOGGLE_OFF else TOGGLE_ON,
            "wrap": True,
        },
    ]
    body += _problem(issues, DIRECTORATES_INPUT)
    body.append(
        paragraph(
            f"How much each counts, from 0 to {MAX_WEIGHT}: higher counts for more, and 0 ignores it.", subtle=True
        )
    )
    for input_id, label, weight in WEIGHT_INPUTS:
        body.append(
            {
                "type": "Input.Number",
                "id": input_id,
                "label": label,
                "min": 0,
                "max": MAX_WEIGHT,
                **_value(_number_value(shown.get(input_id), getattr(defaults, weight))),
            }
        )
        body += _problem(issues, input_id)
    return body


# Problems keyed by these are shown beside an input; the three training dates share one key.
_PROBLEM_FIELDS = frozenset({*INPUT_IDS, "training_dates"} - set(TRAINING_INPUTS))


def _attention(text: str) -> Element:
    return {**attention(text), "spacing": "Small"}


def _problem(problems: Mapping[str, str], field: str) -> list[Element]:
    message = problems.get(field)
    return [] if message is None else [_attention(message)]


def _required(element: Element, message: str) -> Element:
    return {**element, "isRequired": True, "errorMessage": message}


def _value(value: object) -> dict[str, Any]:
    return {} if value is None else {"value": value}


def _text_value(raw: str | None) -> str | None:
    return None if raw is None else raw[:MAX_FORM_VALUE]


def _number_value(raw: str | None, default: int | None) -> int | None:
    if raw is None:
        return default
    match = _WHOLE_NUMBER.fullmatch(raw.strip())
    return int(match.group(1)) if match else None


def _choices(
    input_id: str,
    label: str,
    options: Sequence[tuple[str, str]],
    raw: str | None,
    default: str | None,
    placeholder: str,
) -> Element:
    allowed = {value for value, _ in options}
    chosen = raw if raw in allowed else (default if raw is None else None)
    return {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "placeholder": placeholder,
        "choices": [{"title": title, "value": value} for value, title in options],
        **_value(chosen),
    }


def _date_input(input_id: str, label: str, today: date, raw: str | None) -> Element:
    # Only a well-formed date goes back in; anything else would make some clients show a broken picker.
    kept = raw if raw is not None and _parse_date(raw) is not None else None
    return {"type": "Input.Date", "id": input_id, "label": label, "min": today.isoformat(), **_value(kept)}


# Reading the form back --------------------------------------------------------------------------------------------


def cohort_form_values(data: Mapping[str, object]) -> dict[str, str]:
    """The submitted answers as text, to show the form again with what was typed (cut short if absurdly long)."""
    values: dict[str, str] = {}
    for key in INPUT_IDS:
        raw = data.get(key)
        text = _toggle_text(raw) if key == DIRECTORATES_INPUT else input_text(raw)
        if text is not None:
            values[key] = text[:MAX_FORM_VALUE]
    return values


def parse_cohort_form(data: Mapping[str, object]) -> tuple[CohortPlan, dict[str, str]]:
    """An unchecked plan from the submitted form, and the answers as text; :class:`InvalidFields` names every
    answer that is missing or unreadable. The programme's rules are :meth:`CohortPlan.checked`'s job."""
    form = _Form(data)
    name = form.text("name", "name")
    track = form.choice("track", Track)
    mentee_level = form.choice("mentee_level", MenteeLevel)
    signup_closes = form.date_value("signup_closes")
    starts_on = form.date_value("starts_on")
    ends_on = form.date_value("ends_on")
    sessions = form.number("sessions")
    cadence = form.choice("cadence", Cadence)
    session_minutes = form.number("session_minutes")
    mentor_capacity = form.number("mentor_capacity")
    training_dates = form.training_dates()
    separate_directorates = form.toggle(DIRECTORATES_INPUT, default=True)
    weights = form.weights()
    if (
        form.problems
        or name is None
        or track is None
        or mentee_level is None
        or signup_closes is None
        or starts_on is None
        or ends_on is None
        or sessions is None
        or cadence is None
        or session_minutes is None
        or mentor_capacity is None
    ):
        # A value is only ever None alongside a problem naming it, so the problems are never empty here.
        raise InvalidFields(form.problems)
    plan = CohortPlan(
        name=name,
        track=track,
        mentee_level=mentee_level,
        signup_closes=signup_closes,
        starts_on=starts_on,
        ends_on=ends_on,
        sessions=sessions,
        cadence=cadence,
        session_minutes=session_minutes,
        training_dates=training_dates,
        mentor_capacity=mentor_capacity,
        separate_directorates=separate_directorates,
        weights=weights,
    )
    return plan, cohort_form_values(data)


class _Form:
    """Reads one answer at a time, collecting a problem per plan field instead of stopping at the first."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self._data = data
        self.problems: dict[str, str] = {}

    def _raw(self, key: str, field: str, *, required: bool = True) -> str | None:
        raw = self._data.get(key)
        text = input_text(raw)
        if text is None and raw is not None:
            self.problems.setdefault(field, _UNREADABLE.get(field, _MISSING.get(field, _TOO_LONG)))
            return None
        if text is not None and len(text) > MAX_FORM_VALUE:
            self.problems.setdefault(field, _TOO_LONG)
            return None
        text = (text or "").strip()
        if not text:
            if required:
                self.problems.setdefault(field, _MISSING[field])
            return None
        return text

    def text(self, key: str, field: str) -> str | None:
        return self._raw(key, field)

    def choice(self, field: str, kind: type[_Choice]) -> _Choice | None:
        text = self._raw(field, field)
        if text is None:
            return None
        try:
            return kind(text)
        except ValueError:
            self.problems.setdefault(field, _UNREADABLE[field])
            return None

    def date_value(self, field: str) -> date | None:
        text = self._raw(field, field)
        if text is None:
            return None
        parsed = _parse_date(text)
        if parsed is None:
            self.problems.setdefault(field, _UNREADABLE[field])
        return parsed

    def number(self, field: str) -> int | None:
        text = self._raw(field, field)
        if text is None:
            return None
        match = _WHOLE_NUMBER.fullmatch(text)
        if match is None:
            self.problems.setdefault(field, _UNREADABLE[field])
            return None
        return int(match.group(1))

    def training_dates(self) -> tuple[date, ...]:
        found: list[date] = []
        for key in TRAINING_INPUTS:
            text = self._raw(key, "training_dates", required=False)
            if text is None:
                continue
            parsed = _parse_date(text)
            if parsed is None:
                self.problems.setdefault("training_dates", _UNREADABLE["training_dates"])
            else:
                found.append(parsed)
        return tuple(found)

    def toggle(self, field: str, default: bool) -> bool:
        # A form card sent before this input existed has no answer for it; that means the usual setting.
        raw = self._data.get(field)
        if raw is None:
            return default
        text = _toggle_text(raw)
        value = None if text is None else text.strip().lower()
        if value == TOGGLE_ON:
            return True
        if value == TOGGLE_OFF:
            return False
        if value != "":
            self.problems.setdefault(field, _UNREADABLE[field])
        return default

    def weights(self) -> MatchWeights:
        """The three weights; one left out (an older form card) or left blank is the usual weight."""
        defaults = MatchWeights()
        found: dict[str, int] = {}
        for input_id, _, weight in WEIGHT_INPUTS:
            text = self._raw(input_id, input_id, required=False)
            if text is None:
                found[weight] = getattr(defaults, weight)
                continue
            match = _WHOLE_NUMBER.fullmatch(text)
            if match is None:
                self.problems.setdefault(input_id, _UNREADABLE[input_id])
                found[weight] = getattr(defaults, weight)
            else:
                found[weight] = int(match.group(1))
        return MatchWeights(**found)


def _toggle_text(raw: object) -> str | None:
    """A toggle's answer as text: Teams sends its valueOn or valueOff, other hosts may send a plain boolean."""
    if isinstance(raw, bool):
        return TOGGLE_ON if raw else TOGGLE_OFF
    return raw if isinstance(raw, str) else None


def _parse_date(text: str) -> date | None:
    # fromisoformat alone would also take week dates and compact forms that no date picker sends.
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


# The list and results ---------------------------------------------------------------------------------------------


def cohort_list_card(overviews: Sequence[CohortOverview], today: date) -> Card:
    ordered = sorted(overviews, key=lambda overview: overview.cohort.id, reverse=True)
    body: list[Element] = [heading("Cohorts")]
    if not ordered:
        body.append(
            paragraph(
                "There are no cohorts yet. Choose 'New cohort' to plan the first one: you pick the track, the "
                "dates and the sessions, and it stays a draft until you open it for sign-ups."
            )
        )
    budget = LIST_BUDGET
    shown = 0
    for overview in ordered[:MAX_LISTED_COHORTS]:
        summary = _cohort_summary(overview, today)
        # Names made of characters that escaping doubles could make fifteen summaries too big for one message;
        # then fewer are shown, and the note below counts the rest.
        budget -= encoded_size(summary)
        if budget < 0:
            break
        body.append(summary)
        shown += 1
    hidden = len(ordered) - shown
    if hidden > 0:
        body.append(
            paragraph(
                f"There {'is' if hidden == 1 else 'are'} also {hidden} older "
                f"{'cohort' if hidden == 1 else 'cohorts'}, not shown to keep this card short.",
                subtle=True,
            )
        )
    return card(body, [execute("New cohort", "cohort.new", primary=True)])


def _cohort_summary(overview: CohortOverview, today: date) -> Element:
    cohort = overview.cohort
    plan = cohort.plan
    items: list[Element] = [
        {"type": "TextBlock", "text": escape_markdown(cohort.title), "weight": "Bolder", "wrap": True},
        paragraph(
            f"{state_name(cohort.state)} · {plan.track.label} · {plan.mentee_level.label} · sign-ups close "
            f"{day(plan.signup_closes)} · runs {day(plan.starts_on)} to {day(plan.ends_on)}",
            subtle=True,
        ),
    ]
    if cohort.state is CohortState.RECRUITING and today > plan.signup_closes:
        items.append(paragraph("The sign-up date has passed; close sign-ups when you are ready to match."))
    if overview.count():
        items.append(
            facts(
                (title, application_counts_text(overview, role, keep_zeros=False))
                for role, title in ROLE_ROWS
                if overview.count(role)
            )
        )
    else:
        items.append(paragraph("No applications yet.", subtle=True))
    buttons = next_step_buttons(cohort)
    if buttons:
        items.append({"type": "ActionSet", "actions": buttons})
    return {"type": "Container", "separator": True, "items": items}


def cohort_created_card(cohort: Cohort) -> Card:
    return card(
        [
            heading("Cohort created"),
            paragraph(f"{escape_markdown(cohort.title)} is saved as a draft."),
            facts(plan_facts(cohort.plan)),
            subheading("Next step"),
            paragraph(
                "When you are ready, open it for sign-ups. Staff can then sign up until "
                f"{day(cohort.plan.signup_closes)}, and you decide on each application as it arrives."
            ),
        ],
        [
            execute("Open sign-ups now", "cohort.open", {"cohort": cohort.id}, primary=True),
            execute("All cohorts", "cohorts"),
        ],
    )


def cohort_moved_card(cohort: Cohort, message: str) -> Card:
    body = [
        heading(escape_markdown(cohort.title)),
        paragraph(escape_markdown(message)),
        paragraph(f"It is now {cohort.state.label}.", subtle=True),
    ]
    hint = _MOVED_HINTS.get(cohort.state)
    if hint is not None:
        body.append(paragraph(hint.format(closes=day(cohort.plan.signup_closes))))
    return card(body, [*next_step_buttons(cohort), execute("All cohorts", "cohorts")])


_MOVED_HINTS = {
    CohortState.DRAFT: "Nobody can sign up until you open it.",
    CohortState.RECRUITING: (
        "Staff can sign up until {closes}. Their applications wait for you under 'Review applications'."
    ),
    CohortState.MATCHING: (
        "Nobody new can sign up. Please decide on any applications still waiting; matching comes next."
    ),
}


# Shared with the status card --------------------------------------------------------------------------------------


def next_step_buttons(cohort: Cohort) -> list[Element]:
    """The buttons for what a coordinator can sensibly do next with this cohort."""
    ids = {"cohort": cohort.id}
    review = execute("Review applications", "applications", ids)
    if cohort.state is CohortState.DRAFT:
        return [execute("Open sign-ups", "cohort.open", ids)]
    if cohort.state is CohortState.RECRUITING:
        return [review, execute("Close sign-ups", "cohort.close-signups", ids)]
    if cohort.state is CohortState.MATCHING:
        return [review]
    return []


def application_counts_text(overview: CohortOverview, role: Role, *, keep_zeros: bool = True) -> str:
    """For example "3 waiting · 2 approved · 1 waiting list · 0 declined · 1 withdrawn"."""
    parts = [
        f"{overview.count(role, state)} {_SHORT_STATE[state]}"
        for state in ApplicationState
        if keep_zeros or overview.count(role, state)
    ]
    return " · ".join(parts) if parts else "none yet"


def state_name(state: CohortState) -> str:
    """The state as a short capitalised phrase ("Draft", "Open for sign-ups") for a title or a list."""
    label = state.label.removeprefix("a ")
    return label[:1].upper() + label[1:]


def plan_facts(plan: CohortPlan) -> list[tuple[str, str]]:
    training = ", ".join(day(d) for d in plan.training_dates) if plan.training_dates else "None planned"
    return [
        ("Name", escape_markdown(plan.name)),
        ("Track", plan.track.label),
        ("Mentees", plan.mentee_level.label),
        ("Sign-ups close", day(plan.signup_closes)),
        ("Starts", day(plan.starts_on)),
        ("Ends", day(plan.ends_on)),
        ("Sessions", f"{plan.sessions}, {_CADENCE_WORDS[plan.cadence]}, {plan.session_minutes} minutes each"),
        ("Training", training),
        ("Each mentor", "One mentee" if plan.mentor_capacity == 1 else f"Up to {plan.mentor_capacity} mentees"),
        (
            "Directorates",
            "Pairs come from different directorates" if plan.separate_directorates else "Pairs may share one",
        ),
        ("Matching weights", weights_text(plan.weights)),
    ]


def weights_text(weights: MatchWeights) -> str:
    """For example "Shared topics 3 · Shared free time 2 · Where they can meet 1"."""
    return " · ".join(f"{label} {getattr(weights, weight)}" for _, label, weight in WEIGHT_INPUTS)


def day(value: date) -> str:
    # %d would pad with a zero and %-d is not portable, hence the day number by hand.
    return f"{value.day} {value:%b %Y}"
