"""Outbound Bot Connector credentials that are built once and reused across turns.

botbuilder asks its credentials factory for a fresh credentials object at least twice per turn (once for the
connector client, once for the user-token client). The stock password factory answers each call with a new
`MicrosoftAppCredentials`, which lazily builds a new MSAL `ConfidentialClientApplication` with an empty token
cache, so every reply costs an OpenID discovery request and a token request to Entra ID. Worse, msrest asks
for the token synchronously (`signed_session` -> `get_access_token`) on the event loop, so that network time
stalls every other conversation.

`CachingCredentialFactory` keeps one credentials object per distinct request, so MSAL's in-memory token cache
survives between turns, and fetches the token on a worker thread before handing the credentials to
botbuilder. The synchronous call msrest makes a moment later is then answered from MSAL's cache. Only a token
that crosses MSAL's five-minute expiry margin between the two calls can still be fetched on the loop.

Wire it in as

    factory = CachingCredentialFactory.from_configuration(config)
    auth = ConfigurationBotFrameworkAuthentication(config, credentials_factory=factory)

Once a factory is passed in, botbuilder no longer reads APP_ID/APP_PASSWORD/APP_TYPE/APP_TENANTID itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import NamedTuple

from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import (
    AppCredentials,
    AuthenticationConstants,
    ServiceClientCredentialsFactory,
)

logger = logging.getLogger(__name__)


class CredentialKey(NamedTuple):
    """The arguments of `create_credentials`; equal keys must yield interchangeable credentials."""

    app_id: str
    oauth_scope: str | None
    login_endpoint: str | None
    validate_authority: bool


class CachingCredentialFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]  # botbuilder is untyped
    """Wraps another `ServiceClientCredentialsFactory` and reuses the credentials it creates.

    The cache is unbounded on purpose: keys come from our configuration and from validated token claims (the
    bot's own app id and the channel's scope), so a running bot sees one or two of them.

    One instance serves one event loop: its asyncio locks bind to the loop that first contends for them.
    """

    def __init__(self, inner: ServiceClientCredentialsFactory, *, prefetch_tokens: bool = True) -> None:
        self._inner = inner
        self._prefetch_tokens = prefetch_tokens
        self._credentials: dict[CredentialKey, AppCredentials] = {}
        self._locks: dict[CredentialKey, asyncio.Lock] = {}

    @classmethod
    def from_configuration(cls, configuration: object, *, prefetch_tokens: bool = True) -> CachingCredentialFactory:
        """Cache what botbuilder would have built from APP_TYPE, APP_ID, APP_PASSWORD and APP_TENANTID."""
        inner = ConfigurationServiceClientCredentialFactory(configuration)
        return cls(inner, prefetch_tokens=prefetch_tokens)

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self,
        app_id: str,
        oauth_scope: str | None,
        login_endpoint: str | None,
        validate_authority: bool,
    ) -> AppCredentials:
        key = CredentialKey(app_id, oauth_scope, login_endpoint, validate_authority)
        # One lock per key: concurrent first turns build a single MSAL application and fetch one token,
        # while turns for other keys are not held up.
        async with self._locks.setdefault(key, asyncio.Lock()):
            credentials = self._credentials.get(key)
            if credentials is None:
                # A failure here (e.g. an app id we may not sign for) propagates and caches nothing.
                credentials = await self._inner.create_credentials(
                    app_id, oauth_scope, login_endpoint, validate_authority
                )
                self._credentials[key] = credentials
            if self._prefetch_tokens and _signs_requests(credentials):
                await self._prefetch(credentials)
        return credentials

    async def _prefetch(self, credentials: AppCredentials) -> None:
        try:
            await asyncio.to_thread(credentials.get_access_token)
        except Exception:
            # Best effort only. Many turns never send (an invoke is answered in the HTTP response), so an
            # Entra ID outage must not fail them here; a real send retries and reports the error itself.
            logger.warning("Could not fetch a Bot Connector token in advance", exc_info=True)


def _signs_requests(credentials: AppCredentials) -> bool:
    # Mirrors AppCredentials._should_set_token: without an app id (auth disabled) or for the anonymous skill
    # identity, botbuilder sends no token, and asking MSAL for one would only fail.
    app_id = getattr(credentials, "microsoft_app_id", None)
    return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID
