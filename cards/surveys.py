"""The survey cards: the questionnaire a person answers, the thank-you that replaces it, and the results card
coordinators see.

The questionnaire is the person's own, in their 1:1 chat: it may show their answers back to them (to change them)
and, with the end survey, what they wrote at the start. The results card is built only from
:class:`programme.surveys.SurveyResults`, which holds no individual answer and no free text: numbers that are not
shown are not even worked out there, so no card can show them by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cards.concerns import concern_action
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
from programme.profiles import Role
from programme.survey_questions import MAX_FREE_TEXT, SCALE, SurveyKind
from programme.surveys import (
    ChangeSummary,
    KindSummary,
    RoleSummary,
    SurveyForm,
    SurveyResults,
    SurveySending,
    SurveyThanks,
    last_day,
)

SUBMIT_VERB = "survey.submit"
SHOW_VERB = "survey.show"
RESULTS_VERB = "survey.results"
LIKERT_INPUT = "likert-"
TEXT_INPUT = "text-"
# A typed answer far longer than any question allows came from an edited card; it is not worth reading.
_MAX_RAW_INPUT = 8 * MAX_FREE_TEXT
MAX_NOTICE = 300

NOT_ENOUGH = "Not enough answers yet to show without identifying anyone."

_INTRO = {
    SurveyKind.BASELINE: (
        "Before your conversations get going, a few questions about where you are now. At the end of the programme "
        "I'll ask the same ones again, so that you, and the programme, can see what has changed. It takes about "
        "three minutes."
    ),
    SurveyKind.MIDPOINT: "You're half way through the programme. Three quick questions on how it's going for you.",
    SurveyKind.END: (
        "As the programme comes to an end, the same questions as at the start, so that you, and the programme, "
        "can see what has changed, and one or two more."
    ),
}


def survey_form_card(form: SurveyForm) -> Card:
    track = form.cohort.plan.track
    closes = _day(last_day(form.closes_at, form.zone))
    body: list[Element] = [heading(form.kind.heading), paragraph(_INTRO[form.kind])]
    body.append(
        paragraph(
            "Your answers are kept under a code, not your name. Coordinators only ever see totals for groups of at "
            f"least {form.min_responses} people, once the survey has closed, and never your own answers.",
            subtle=True,
        )
    )
    if form.notice:
        body.append(_notice(form.notice, problem=bool(form.problems)))
    if form.answered:
        body.append(paragraph(f"You've answered this already. You can change your answers until {closes}."))
    elif form.reminder:
        body.append(paragraph(f"A gentle reminder, in case it got buried: this is open until {closes}."))
    else:
        body.append(paragraph(f"Open until {closes}.", subtle=True))
    if form.earlier:
        body.append(subheading("What you wrote at the start"))
        for asked, answer in form.earlier:
            body.append(paragraph(escape_markdown(asked), subtle=True))
            body.append(paragraph(escape_markdown(answer)))
    body.append(subheading("How much do you agree?"))
    for item in form.questions.likert:
        chooser: Element = {
            "type": "Input.ChoiceSet",
            "id": LIKERT_INPUT + item.id,
            "label": item.text(track),
            "style": "expanded",
            "choices": [{"title": meaning, "value": str(value)} for value, meaning in SCALE],
            "isRequired": True,
            "errorMessage": "Please choose one answer.",
            "spacing": "Medium",
        }
        chosen = form.likert.get(item.id)
        if chosen in {str(value) for value, _ in SCALE}:
            chooser["value"] = chosen
        body.append(chooser)
        if item.id in form.problems:
            body.append(attention(form.problems[item.id]))
    for question in form.questions.free_text:
        box: Element = {
            "type": "Input.Text",
            "id": TEXT_INPUT + question.id,
            # The question is the box's label, so a screen reader announces it with the box, not just "Optional".
            "label": question.question,
            "isMultiline": True,
            "maxLength": MAX_FREE_TEXT,
            "placeholder": "Optional",
        }
        written = form.free_text.get(question.id)
        if written:
            box["value"] = written[:MAX_FREE_TEXT]
        body.append(box)
        body.append(paragraph(question.hint, subtle=True))
        if question.id in form.problems:
            body.append(attention(form.problems[question.id]))
    submit = execute(
        "Update my answers" if form.answered else "Send my answers",
        SUBMIT_VERB,
        {
            "cohort": form.cohort.id,
            "survey": form.kind.value,
            "set": form.questions.id,
            "version": form.questions.version,
        },
        primary=True,
    )
    return card(body, [submit, concern_action("survey")])


def survey_thanks_card(thanks: SurveyThanks) -> Card:
    closes = _day(last_day(thanks.closes_at, thanks.zone))
    said = "Your new answers have replaced your earlier ones." if thanks.replaced else "Your answers are saved."
    return card(
        [
            heading("Thank you"),
            paragraph(
                f"{said} They help show whether the programme makes a difference, and what to change for the people "
                "who come after you."
            ),
            paragraph(f"You can change them until {closes}.", subtle=True),
        ],
        [
            execute("Change my answers", SHOW_VERB, {"cohort": thanks.cohort.id, "survey": thanks.kind.value}),
            concern_action("survey"),
        ],
    )


def survey_sent_text(sending: SurveySending) -> str:
    """What a coordinator is told after ``survey send``."""
    closes = _day(last_day(sending.closes_at, sending.zone))
    title = sending.cohort.title
    people = "1 person" if sending.queued == 1 else f"{sending.queued} people"
    if sending.already_open:
        news = f"The {sending.kind.label} of {title} had already gone out, so nobody was sent it twice."
        if sending.queued:
            news += f" I've sent it to {people} paired since."
    else:
        news = (
            f"The {sending.kind.label} of {title} is going out now to {people}, in working hours; each gets one "
            "reminder after a week if they haven't answered."
        )
    skipped = [kind.label for kind in sending.passed_over]
    if skipped:
        news += f" The {' and the '.join(skipped)} won't be sent, as this one has gone out first."
    return f"{news} It's open until {closes}. Type 'survey results {sending.cohort.id}' once it has closed."


def survey_results_card(results: SurveyResults) -> Card:
    cohort = results.cohort
    body: list[Element] = [
        heading(f"Survey results: {escape_markdown(cohort.title)}"),
        paragraph(
            f"Totals only, for groups of at least {results.min_responses} people, and only once a survey has closed, "
            "so that nobody's answers can be worked out. Each statement is answered from 1 (strongly disagree) to "
            "5 (strongly agree). What people wrote in their own words is never shown here.",
            subtle=True,
        ),
    ]
    for summary in results.surveys:
        body.extend(_kind_section(summary, results))
    body.append(subheading("Change from the start to the end"))
    if not results.change_ready:
        body.append(paragraph("Shown once both the start and end surveys have closed.", subtle=True))
    else:
        for change in results.change:
            body.extend(_change_section(change))
    return card(body, [execute("Refresh", RESULTS_VERB, {"cohort": cohort.id})])


def parse_survey_answers(data: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """The form's answers by item id, as raw text: (statements, free text). Anything that is not one of the
    form's inputs is left out; what the answers must be is checked by the question set."""
    likert: dict[str, str] = {}
    written: dict[str, str] = {}
    for key, raw in data.items():
        value = input_text(raw)
        if value is None or len(value) > _MAX_RAW_INPUT:
            value = "" if value is None else value[: _MAX_RAW_INPUT + 1]
        if key.startswith(LIKERT_INPUT):
            likert[key.removeprefix(LIKERT_INPUT)] = value
        elif key.startswith(TEXT_INPUT):
            written[key.removeprefix(TEXT_INPUT)] = value
    return likert, written


def _kind_section(summary: KindSummary, results: SurveyResults) -> list[Element]:
    window = summary.window
    zone = results.zone
    if window is None:
        when = "Not sent yet."
    elif summary.closed:
        when = f"Closed on {_day(last_day(window.closes, zone))}."
    elif summary.open_now:
        when = f"Open until {_day(last_day(window.closes, zone))}. Results once it closes."
    else:
        when = f"Opens on {_day(window.opens.astimezone(zone).date())}."
    section: list[Element] = [subheading(summary.kind.heading), paragraph(when, subtle=True)]
    for role in summary.roles:
        section.extend(_role_section(role))
    return section


def _role_section(role: RoleSummary) -> list[Element]:
    answered = "1 answer" if role.answered == 1 else f"{role.answered} answers"
    section: list[Element] = [paragraph(f"**{_role_label(role.role)}**: {answered}")]
    if not role.shown:
        if role.answered:
            section.append(paragraph(NOT_ENOUGH, subtle=True))
        return section
    for item in role.items:
        section.append(paragraph(item.text))
        if item.mean is None or item.agree_percent is None:
            section.append(paragraph(NOT_ENOUGH, subtle=True))
        else:
            section.append(
                paragraph(
                    f"Average {item.mean:.1f} · {item.agree_percent}% agree · {item.answered} answered", subtle=True
                )
            )
    # Nothing to say when nobody wrote anything, which is always so for a survey that asks nothing in words.
    if role.comments:
        wrote = "1 person" if role.comments == 1 else f"{role.comments} people"
        section.append(
            paragraph(f"{wrote} also wrote something in their own words; that stays private to them.", subtle=True)
        )
    return section


def _change_section(change: ChangeSummary) -> list[Element]:
    both = "1 person" if change.pairs == 1 else f"{change.pairs} people"
    section: list[Element] = [paragraph(f"**{_role_label(change.role)}**: {both} answered both")]
    if not change.shown:
        if change.held_back:
            why = (
                "Not shown: too few people answered only one of the two surveys, and set beside the totals above "
                "the change would give their answers away."
            )
        else:
            why = NOT_ENOUGH
        section.append(paragraph(why, subtle=True))
        return section
    for item in change.items:
        section.append(paragraph(item.text))
        shown = NOT_ENOUGH if item.change is None else f"{item.change:+.1f} on average ({item.pairs} people)"
        section.append(paragraph(shown, subtle=True))
    return section


def _notice(text: str, *, problem: bool) -> Element:
    shown = text if len(text) <= MAX_NOTICE else text[: MAX_NOTICE - 1] + "\u2026"
    if problem:
        return attention(shown)
    return {"type": "TextBlock", "text": escape_markdown(shown), "wrap": True, "weight": "Bolder"}


def _role_label(role: Role) -> str:
    return "Mentors" if role is Role.MENTOR else "Mentees"


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"
