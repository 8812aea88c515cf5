"""A local stand-in for the Bot Framework token service, so tests exercise botbuilder's real JWT checks.

`FakeBotIdentity` generates an RSA key, serves an OpenID configuration document and a JWKS on a loopback
aiohttp `TestServer`, and mints tokens shaped like the ones the Bot Connector sends to a bot. Point the bot's
inbound authentication at it and the unmodified botbuilder validation code runs against our keys:

    with FakeBotIdentity() as identity:
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = identity.openid_metadata_url
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = identity.issuer
        config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = identity.openid_metadata_url
        factory = FakeCredentialFactory(APP_ID)
        auth = ConfigurationBotFrameworkAuthentication(config, credentials_factory=factory)
        token = identity.mint(APP_ID, service_url=activity.service_url)

With the application settings, `identity.settings_env()` gives `REMEDI_BOT_OPENID_METADATA_URL` and
`REMEDI_BOT_TOKEN_ISSUER`; the settings object hands them to `ConfigurationBotFrameworkAuthentication` as the
config attributes `TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL` and `TO_BOT_FROM_CHANNEL_TOKEN_ISSUER`.
`channel_overrides()` gives those config attributes directly. Setting any of them switches botbuilder to its
"parameterised" authentication, which validates a channel token like this (botbuilder 4.17.1):

* issuer: `iss` must equal TO_BOT_FROM_CHANNEL_TOKEN_ISSUER exactly; any other issuer yields no identity,
  and a token without `iss` crashes the emulator-token sniffing with `KeyError`;
* signing key: the `kid` header selects a JWKS key; algorithm must be RS256 (RS384/RS512 pass a first check,
  then fail decoding); an unknown `kid` raises `IndexError` instead of refreshing the key set;
* endorsements: when the key has any, the activity's `channelId` (here `msteams`) must be one of them;
* audience: `aud` is not checked by PyJWT but by the credentials factory's `is_valid_app_id(aud)`;
* `serviceurl` claim: required and must equal the activity's `serviceUrl` whenever the activity has one;
* expiry: `exp` and `nbf` are checked with 300 s of leeway, so "expired" has to mean more than 5 minutes ago;
* tokens carrying a `ver` claim and an `appid`/`azp` different from `aud` are treated as skill tokens, and
  tokens whose issuer is an Entra ID (emulator) issuer are checked against
  TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL; `channel_overrides()` points that at this server too, so no test
  token can make botbuilder reach the internet.

botbuilder fetches the metadata and the key set with blocking `requests.get` (no timeout) on the event loop
and caches them for a day in the process-wide dict `JwtTokenExtractor.metadataCache`, keyed by metadata URL.
Two consequences shape this module: the server runs on its own thread and event loop (served from the test's
loop, the blocking fetch would deadlock), and every instance serves under a random path, so an OS port reused
by a later instance can never be answered from a previous instance's cached keys. `stop()` drops this
instance's cache entry.

Outbound replies need a token too. `FakeCredentialFactory` hands botbuilder credentials that return a fixed
token instead of asking Entra ID through MSAL, and records every request for credentials.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
TEAMS_CHANNEL_ID = "msteams"
# botbuilder validates channel tokens with this much leeway on exp/nbf.
CLOCK_SKEW_SECONDS = 5 * 60
OTHER_APP_ID = "00000000-0000-0000-0000-00000000beef"
FAKE_OUTBOUND_TOKEN = "fake-outbound-token"

_STARTUP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key and the `kid` under which its public half is (or is not) published."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> Self:
        # 2048 bits keeps key generation around 50 ms; strength is irrelevant for a test key.
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid=kid or secrets.token_hex(8), private_key=private_key)

    def public_jwk(self, endorsements: Iterable[str]) -> dict[str, Any]:
        jwk: dict[str, Any] = dict(RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True))
        jwk.update(kid=self.kid, use="sig", alg="RS256", endorsements=list(endorsements))
        return jwk


class FakeBotIdentity:
    """Serves OpenID metadata and a JWKS for a locally generated key, and mints Bot Connector tokens.

    Usable as a context manager (`with FakeBotIdentity() as identity:`) from sync and async tests alike:
    the server lives on its own thread, so starting and stopping it never needs the test's event loop.
    """

    def __init__(
        self,
        *,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        endorsements: Iterable[str] = (TEAMS_CHANNEL_ID,),
        key: SigningKey | None = None,
    ) -> None:
        self.issuer = issuer
        self.endorsements = tuple(endorsements)
        self.key = key or SigningKey.generate()
        self._published: list[SigningKey] = [self.key]
        self._prefix = f"/{uuid.uuid4().hex}/v1/.well-known"
        self._server: TestServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        # Counted on the server thread, read by tests; int updates are atomic under the GIL.
        self.metadata_requests = 0
        self.jwks_requests = 0

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("FakeBotIdentity is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        server = TestServer(self._make_app(), host="127.0.0.1")

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(server.start_server())
            except BaseException as error:  # reported to the starting thread below
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(server.close())
            loop.close()

        thread = threading.Thread(target=serve, name="fake-bot-identity", daemon=True)
        thread.start()
        if not ready.wait(_STARTUP_TIMEOUT_SECONDS):
            raise RuntimeError("FakeBotIdentity did not start in time")
        if failure:
            thread.join()
            raise RuntimeError("FakeBotIdentity could not start") from failure[0]
        self._server, self._loop, self._thread = server, loop, thread

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self.forget_cached_metadata()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_STARTUP_TIMEOUT_SECONDS)
        self._server = self._loop = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where botbuilder should look ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeBotIdentity is not running; use start() or a with-block")
        return str(self._server.make_url("")).rstrip("/")

    @property
    def openid_metadata_url(self) -> str:
        return f"{self.base_url}{self._prefix}/openidconfiguration"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}{self._prefix}/keys"

    def channel_overrides(self) -> dict[str, str]:
        """Config attributes for `ConfigurationBotFrameworkAuthentication` that trust this server only."""
        return {
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": self.openid_metadata_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": self.issuer,
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": self.openid_metadata_url,
        }

    def settings_env(self) -> dict[str, str]:
        """Environment for the application settings that carry the same two overrides."""
        return {
            "REMEDI_BOT_OPENID_METADATA_URL": self.openid_metadata_url,
            "REMEDI_BOT_TOKEN_ISSUER": self.issuer,
        }

    def publish(self, key: SigningKey) -> None:
        """Add a key to the JWKS. botbuilder only sees it after a fresh fetch (see forget_cached_metadata)."""
        self._published.append(key)

    def forget_cached_metadata(self) -> None:
        # botbuilder never evicts; dropping our entry keeps a long test session from pinning stale keys.
        if self._server is not None:
            JwtTokenExtractor.metadataCache.pop(self.openid_metadata_url, None)

    # -- tokens ------------------------------------------------------------------------------------

    def mint(
        self,
        app_id: str,
        *,
        service_url: str | None,
        issuer: str | None = None,
        audience: str | None = None,
        expires_in: int = 3600,
        key: SigningKey | None = None,
        algorithm: str = "RS256",
        extra_claims: Mapping[str, Any] | None = None,
        omit_claims: Iterable[str] = (),
    ) -> str:
        """A token as the Bot Connector would send it to bot `app_id`.

        `service_url` must equal the activity's `serviceUrl` (botbuilder rejects a mismatch); pass None to
        leave the claim out. A negative `expires_in` gives an already expired token.
        """
        now = int(time.time())
        expires = now + expires_in
        claims: dict[str, Any] = {
            "iss": self.issuer if issuer is None else issuer,
            "aud": app_id if audience is None else audience,
            # Entra ID back-dates nbf; keep it before exp even for expired tokens.
            "nbf": min(now, expires) - 300,
            "exp": expires,
        }
        if service_url is not None:
            claims["serviceurl"] = service_url
        claims.update(extra_claims or {})
        for name in omit_claims:
            claims.pop(name, None)
        signer = key or self.key
        return jwt.encode(claims, signer.private_key, algorithm=algorithm, headers={"kid": signer.kid})

    def mint_expired(self, app_id: str, *, service_url: str | None) -> str:
        return self.mint(app_id, service_url=service_url, expires_in=-(CLOCK_SKEW_SECONDS + 60))

    def mint_wrong_audience(self, app_id: str, *, service_url: str | None) -> str:
        return self.mint(app_id, service_url=service_url, audience=OTHER_APP_ID)

    def mint_wrong_issuer(self, app_id: str, *, service_url: str | None) -> str:
        return self.mint(app_id, service_url=service_url, issuer="https://attacker.invalid")

    def mint_forged(self, app_id: str, *, service_url: str | None) -> str:
        """Claims a published `kid` but is signed by a different key: fails signature verification."""
        impostor = SigningKey.generate(kid=self.key.kid)
        return self.mint(app_id, service_url=service_url, key=impostor)

    def mint_unknown_key(self, app_id: str, *, service_url: str | None) -> str:
        """Signed by a key whose `kid` the JWKS does not list."""
        return self.mint(app_id, service_url=service_url, key=SigningKey.generate())

    @staticmethod
    def bearer(token: str) -> str:
        return f"Bearer {token}"

    # -- HTTP --------------------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(f"{self._prefix}/openidconfiguration", self._openid_configuration)
        app.router.add_get(f"{self._prefix}/keys", self._keys)
        return app

    async def _openid_configuration(self, request: web.Request) -> web.Response:
        self.metadata_requests += 1
        return web.json_response(
            {
                "issuer": self.issuer,
                "jwks_uri": self.jwks_url,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.jwks_requests += 1
        return web.json_response({"keys": [key.public_jwk(self.endorsements) for key in self._published]})


@dataclass(frozen=True)
class CredentialRequest:
    """The arguments of one `create_credentials` call, as botbuilder passed them."""

    app_id: str
    oauth_scope: str | None
    login_endpoint: str | None
    validate_authority: bool


class StaticTokenCredentials(AppCredentials):  # type: ignore[misc]  # botbuilder ships no type information
    """Outbound credentials that return a fixed token instead of asking Entra ID through MSAL."""

    def __init__(self, app_id: str, oauth_scope: str | None, token: str) -> None:
        super().__init__(app_id=app_id, oauth_scope=oauth_scope)
        self._token = token
        # The thread of every token request, so tests can tell whether the event loop asked for it.
        self.token_threads: list[int] = []

    @property
    def token_requests(self) -> int:
        return len(self.token_threads)

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.token_threads.append(threading.get_ident())
        return self._token


class FakeCredentialFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Credentials factory for tests: accepts one app id and never reaches the network.

    Pass it as `credentials_factory=` to `ConfigurationBotFrameworkAuthentication`. botbuilder then asks it,
    not the config's APP_ID, whether a token's audience is our bot, so it must know the app id itself.
    """

    def __init__(self, app_id: str, *, token: str = FAKE_OUTBOUND_TOKEN) -> None:
        self.app_id = app_id
        self.token = token
        self.requests: list[CredentialRequest] = []
        self.issued: list[StaticTokenCredentials] = []

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(app_id) and app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(
        self,
        app_id: str,
        oauth_scope: str | None,
        login_endpoint: str | None,
        validate_authority: bool,
    ) -> StaticTokenCredentials:
        self.requests.append(CredentialRequest(app_id, oauth_scope, login_endpoint, validate_authority))
        if await self.is_authentication_disabled():
            # Like botbuilder's empty credentials: no app id, so msrest sends no Authorization header.
            return StaticTokenCredentials("", oauth_scope, self.token)
        if not await self.is_valid_app_id(app_id):
            # Mirrors PasswordServiceClientCredentialFactory, which refuses to sign for another app.
            raise PermissionError(f"no credentials for app id {app_id!r}")
        credentials = self.new_credentials(app_id, oauth_scope)
        self.issued.append(credentials)
        return credentials

    def new_credentials(self, app_id: str, oauth_scope: str | None) -> StaticTokenCredentials:
        """Override to hand out a different kind of fake credentials."""
        return StaticTokenCredentials(app_id, oauth_scope, self.token)
