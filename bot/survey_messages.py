"""The surveys' messages rendered with the bot's cards (the core's SurveyMessages port)."""

from __future__ import annotations

from cards.surveys import survey_form_card
from programme.notifier import OutboundMessage
from programme.surveys import SurveyForm


class CardSurveyMessages:
    def invitation(self, form: SurveyForm) -> OutboundMessage:
        summary = f"{form.kind.label} reminder" if form.reminder else form.kind.label
        return OutboundMessage(summary=summary, card=survey_form_card(form))
