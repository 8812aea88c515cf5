"""The Bot Framework adapter, hardened for what really arrives at ``/api/messages``.

The stock ``CloudAdapter.process`` answers 500 for bad tokens, a missing Authorization header (once an OpenID
override is set) and every invoke whose handler returned a plain dict body. This subclass validates the request
itself, authenticates explicitly so that every authentication failure is a 401, enforces the tenant allow-list
before any bot code runs, and serialises invoke bodies correctly.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import requests
from aiohttp import web
from botbuilder.core import Bot, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication
from msrest.serialization import Model

from bot.activity_validation import InvalidActivity, validate_activity
from bot.dispatcher import SOMETHING_WENT_WRONG
from bot.msrest_tuning import speed_up_retry_policy
from bot.network import is_loopback_url
from bot.settings import Settings
from bot.turn_identity import activity_tenant

log = logging.getLogger(__name__)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"status": status, "message": message}}, status=status)


def _looks_like_bearer(header: str) -> bool:
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and token.count(".") == 2 and " " not in token.strip()


class HardenedCloudAdapter(CloudAdapter):  # type: ignore[misc]
    def __init__(self, authentication: BotFrameworkAuthentication, settings: Settings) -> None:
        super().__init__(authentication)
        # Part of the adapter, so every bot built on it (the benchmark's echo baseline too) gets the repair.
        speed_up_retry_policy()
        self._settings = settings
        self.on_turn_error = self._on_turn_error

    async def handle(self, request: web.Request, bot: Bot) -> web.Response:
        if request.content_type != "application/json":
            return _problem(415, "send the activity as application/json")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _problem(400, "the body is not valid JSON")
        try:
            activity = Activity().deserialize(dict(validate_activity(body)))
        except InvalidActivity as error:
            return _problem(400, str(error))
        except Exception:
            return _problem(400, "the body is not a Bot Framework activity")

        authenticated = await self._authenticate(activity, request.headers.get("Authorization", ""))
        if isinstance(authenticated, web.Response):
            return authenticated

        tenant = activity_tenant(activity)
        if not self._settings.tenant_allowed(tenant):
            log.warning(
                "refused an activity from tenant %s (not in REMEDI_ALLOWED_TENANTS), type %s",
                tenant or "(none)",
                activity.type,
            )
            return _problem(403, "this bot does not serve your organisation")

        invoke_response = await self.process_activity(authenticated, activity, bot.on_turn)
        if activity.type == ActivityTypes.invoke:
            if invoke_response is None:
                return _problem(501, "this invoke is not supported")
            return web.json_response(_serialise(invoke_response.body), status=invoke_response.status)
        return web.Response(status=200)

    async def _authenticate(self, activity: Activity, header: str) -> AuthenticateRequestResult | web.Response:
        if not self._settings.bot.auth_enabled:
            # With authentication off, botbuilder replies to whatever serviceUrl the activity names; limit that to
            # this machine so a local bot cannot be used to send requests elsewhere.
            if not is_loopback_url(activity.service_url):
                return _problem(403, "with authentication off, only a client on this machine may talk to the bot")
            # botbuilder recognises "no credentials" only by a None header; "" is treated as a malformed token.
            return await self.bot_framework_authentication.authenticate_request(activity, None)
        if not header:
            return _problem(401, "missing Authorization header")
        if not _looks_like_bearer(header):
            return _problem(401, "malformed Authorization header")
        try:
            return await self.bot_framework_authentication.authenticate_request(activity, header)
        except requests.RequestException as error:
            # The signing keys could not be fetched: our problem, not the caller's, and worth a retry.
            log.error("could not fetch the Bot Framework signing keys: %s", type(error).__name__)
            return _problem(503, "authentication is temporarily unavailable")
        except Exception as error:
            # botbuilder signals a bad token with PermissionError, PyJWT errors, IndexError, KeyError, bare
            # Exception and more, depending on where validation stops; every one of them means "not accepted".
            log.info("rejected a request token: %s", type(error).__name__)
            return _problem(401, "the token was not accepted")

    async def _on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        log.error(
            "turn failed (activity %s, type %s)",
            turn_context.activity.id,
            turn_context.activity.type,
            exc_info=(type(error), error, error.__traceback__),
        )
        if turn_context.activity.type != ActivityTypes.message:
            return
        try:
            await turn_context.send_activity(MessageFactory.text(SOMETHING_WENT_WRONG))
        except Exception as send_error:
            # The connector itself is failing; nothing more can reach the person in this turn.
            log.error("could not tell the person about the failure: %s", type(send_error).__name__)


def _serialise(body: Any) -> Any:
    # The stock adapter runs every body through msrest, which breaks on the plain dicts handlers return.
    if isinstance(body, Model):
        return body.serialize()  # type: ignore[no-untyped-call]
    return body


MessagesHandler = Callable[[web.Request], Awaitable[web.Response]]


def messages_endpoint(adapter: HardenedCloudAdapter, bot: Bot) -> MessagesHandler:
    async def messages(request: web.Request) -> web.Response:
        return await adapter.handle(request, bot)

    return messages
