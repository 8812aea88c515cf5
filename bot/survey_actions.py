"""Card buttons of surveys: a person answering (or changing their answers to) their own survey, and coordinators
refreshing a cohort's results. Each answers with a card that replaces the one clicked."""

from __future__ import annotations

from bot.commands import CommandRequest, Reply
from bot.dispatcher import CommandDispatcher
from bot.services import Services
from cards.actions import ShowSurvey, ShowSurveyResults, SubmitSurvey, SurveyAction
from cards.surveys import parse_survey_answers, survey_form_card, survey_results_card, survey_thanks_card
from programme.errors import InvalidFields

SURVEY_ACTIONS: tuple[type, ...] = SurveyAction.__args__
# The buttons that show or take one person's own answers: only ever in their 1:1 chat.
PERSONAL_SURVEY_ACTIONS: tuple[type, ...] = (ShowSurvey, SubmitSurvey)


class SurveyActions:
    def __init__(self, services: Services, dispatcher: CommandDispatcher) -> None:
        self._services = services
        self._dispatcher = dispatcher

    async def run(self, request: CommandRequest, action: SurveyAction, reference: str) -> Reply:
        surveys = self._services.surveys
        actor = request.actor
        match action:
            case ShowSurvey(cohort=cohort, kind=kind):

                async def show() -> Reply:
                    return Reply(card=survey_form_card(await surveys.form(actor, cohort, kind)))

                return await self._dispatcher.attempt("survey show", show, reference=reference)
            case SubmitSurvey():
                return await self._dispatcher.attempt(
                    "survey submit", lambda: self._submit(request, action), reference=reference
                )
            case ShowSurveyResults(cohort=cohort):

                async def results() -> Reply:
                    return Reply(card=survey_results_card(await surveys.results(cohort)))

                return await self._dispatcher.as_coordinator(
                    actor, "survey results", results, target=f"cohort {cohort}", reference=reference
                )

    async def _submit(self, request: CommandRequest, action: SubmitSurvey) -> Reply:
        surveys = self._services.surveys
        likert, written = parse_survey_answers(action.data)
        try:
            thanks = await surveys.submit(
                request.actor, action.cohort, action.kind, action.set_id, action.version, likert, written
            )
        except InvalidFields as problems:
            # Back on the form, with what they chose and wrote, and each problem beside its question.
            form = await surveys.form_again(
                request.actor, action.cohort, action.kind, likert, written, problems.problems
            )
            return Reply(card=survey_form_card(form))
        return Reply(card=survey_thanks_card(thanks))
