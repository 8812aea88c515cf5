"""The one Microsoft Graph client of the process: app-only, msgraph-sdk on kiota's HTTP pipeline.

**Identity.** The bot signs in to Graph as its own Entra app registration with the client-credentials flow
(:func:`app_only_credential`) for the scope ``https://graph.microsoft.com/.default``, i.e. whatever application
permissions an administrator granted the app. A token is only ever attached to requests for the Graph host the
client was built for, never to another host a response might point at.

**One client.** :func:`graph_connection` builds the client, its HTTP connection pool and the credential's token
cache; the composition root builds one (through :func:`graph.wiring.graph_services`) and every adapter shares it.
:meth:`GraphConnection.aclose` closes the pool and the credential at shutdown.

**Throttling and brief failures.** msgraph-sdk's default pipeline is kiota's default middleware (redirects,
retries, URL and parameter fix-ups, user agent, inspection) with msgraph's options, plus a telemetry handler.
kiota's ``RetryHandler`` in it retries any method answered 429, 503 or 504, by default three times. It waits what
``Retry-After`` says, else an exponential backoff (0.5 s doubling, up to 1 s of jitter) plus a fixed 3 s, and gives
up when a wait would reach 180 s. We keep that middleware and its options, with one change (:class:`RetryPolicy`):
a wait longer than ``longest_wait`` (30 s) is not slept through. The call fails at once with
:class:`~graph.errors.GraphUnavailable` carrying Graph's ``Retry-After``, so that work taken from the queue is
rescheduled instead of sleeping for minutes while its lease runs out and another replica repeats it.
Anything still failing afterwards becomes a :class:`~graph.errors.GraphError` (see graph/errors.py).

What we leave out is msgraph-core's telemetry (an ``SdkVersion`` header with feature flags, the host's OS version,
a ``client-request-id``): its handler needs msgraph-core's own transport wrapper, and that wrapper (msgraph-core
1.5.2) does not pass ``aclose`` on, so closing the client would leave its connection pool open. kiota's wrapper
does. Graph still answers every request with a ``request-id``, which the errors carry for support cases.

**Tests** point ``base_url`` at a local fake (plain http only for loopback) and pass a fake credential; the
scope stays Graph's.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.request_option import RequestOption
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.entity import Entity
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as MSGRAPH_DEFAULT_OPTIONS
from msgraph.graph_service_client import GraphServiceClient

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# The real service. Bindings inside request bodies (``user@odata.bind``) always name it, even when the client is
# pointed at a fake: Graph resolves them by this address, not by the one the request was sent to.
GRAPH_V1 = "https://graph.microsoft.com/v1.0"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})

# What carries azure-identity's token requests. azure-core's pipeline accepts transports built on either its
# legacy or its newer request and response classes, so the type parameters cannot be narrowed usefully.
TokenTransport = AsyncHttpTransport[Any, Any]

# Every msgraph request builder that has query parameters defines, in its class body, a deprecated configuration
# class that calls warnings.warn(DeprecationWarning) as the module is imported; kiota-abstractions does the same
# for its GetQueryParameters. The builders are imported lazily, on first use (``client.chats`` ...), so the warning
# would fire inside the first Graph call and, where warnings are errors (our tests), fail it. These are warnings
# about the SDK's own generated code, nothing we call: adapters import the builder modules they use up front
# through preload_request_builders, which silences exactly this category from exactly these modules, once.
_SDK_DEPRECATIONS = r"(msgraph\.generated\..*|kiota_abstractions\.default_query_parameters)\Z"


def preload_request_builders(*modules: str) -> None:
    """Import msgraph request-builder modules now, without the DeprecationWarnings their class bodies raise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=_SDK_DEPRECATIONS)
        for module in ("kiota_abstractions.default_query_parameters", *modules):
            importlib.import_module(module)


def load_models() -> None:
    """Import msgraph's model modules now rather than in the middle of the first Graph call.

    The first time kiota reads any Graph resource (a chat, a user), the deserialiser of msgraph's base ``Entity``
    model imports every model it might be: about 1,100 modules, 2-3 s of blocking work on the event loop, during
    which no turn is answered. The composition root pays it once at start-up instead.
    """
    Entity().get_field_deserializers()


@dataclass(frozen=True)
class RetryPolicy:
    """How one Graph call retries before reporting failure (kiota's RetryHandler, see the module docstring).

    ``retries``: further attempts after the first, for 429, 503 and 504. ``added_delay``: seconds kiota adds to its
    exponential backoff when Graph gives no ``Retry-After``. ``longest_wait``: the longest wait slept through
    inside one call; a longer ``Retry-After`` ends the call with GraphUnavailable carrying that wait.
    """

    retries: int = RetryHandlerOption.DEFAULT_MAX_RETRIES
    added_delay: float = RetryHandlerOption.DEFAULT_DELAY
    longest_wait: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.retries <= RetryHandlerOption.MAX_MAX_RETRIES:
            raise ValueError(f"retries must be between 0 and {RetryHandlerOption.MAX_MAX_RETRIES}")
        if not 0 <= self.added_delay <= RetryHandlerOption.MAX_DELAY:
            raise ValueError(f"added_delay must be between 0 and {RetryHandlerOption.MAX_DELAY:g} seconds")
        if not 0 < self.longest_wait < RetryHandlerOption.MAX_DELAY:
            raise ValueError(f"longest_wait must be above 0 and below {RetryHandlerOption.MAX_DELAY:g} seconds")


class BoundedRetryHandler(RetryHandler):
    """kiota's RetryHandler, except that it hands back the failed response rather than wait beyond a limit."""

    def __init__(self, options: RetryHandlerOption, longest_wait: float) -> None:
        super().__init__(options)
        self.longest_wait = longest_wait

    def get_delay_time(
        self,
        retry_count: int,
        response: httpx.Response | None = None,
        delay: float = RetryHandlerOption.DEFAULT_DELAY,
    ) -> float:
        wait = super().get_delay_time(retry_count, response, delay)
        # RetryHandler.send does not retry when the wait is MAX_DELAY or more; it returns the response instead.
        return wait if wait <= self.longest_wait else RetryHandlerOption.MAX_DELAY


class GraphConnection:
    """A GraphServiceClient and the resources behind it, which :meth:`aclose` releases."""

    def __init__(self, client: GraphServiceClient, http: httpx.AsyncClient, credential: AsyncTokenCredential) -> None:
        self.client = client
        self._http = http
        self._credential = credential
        self._closed = False

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._http.aclose()
        finally:
            await self._credential.close()


def app_only_credential(
    tenant_id: str, client_id: str, client_secret: str, *, token_transport: TokenTransport | None = None
) -> ClientSecretCredential:
    """The app registration's client-credentials sign-in. ``token_transport`` (tests only) replaces the HTTP
    transport used to reach Entra's token endpoint."""
    if token_transport is None:
        return ClientSecretCredential(tenant_id, client_id, client_secret)
    return ClientSecretCredential(tenant_id, client_id, client_secret, transport=token_transport)


def graph_connection(
    credential: AsyncTokenCredential, *, base_url: str | None = None, retry: RetryPolicy | None = None
) -> GraphConnection:
    """Build the Graph client. ``base_url`` replaces ``https://graph.microsoft.com/v1.0`` (a loopback fake only)."""
    root = _checked_base_url(base_url) if base_url else GRAPH_V1
    host = urlsplit(root).hostname or ""
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE], allowed_hosts=[host])
    http = _http_client(retry or RetryPolicy())
    adapter = GraphRequestAdapter(auth, client=http)
    # Before the client is built: BaseGraphServiceClient only fills in the default when none is set.
    adapter.base_url = root
    return GraphConnection(GraphServiceClient(request_adapter=adapter), http, credential)


def _http_client(retry: RetryPolicy) -> httpx.AsyncClient:
    """kiota's default pipeline with msgraph's options, the retry handler bounded; see the module docstring."""
    retry_option = RetryHandlerOption(delay=retry.added_delay, max_retries=retry.retries)
    options: dict[str, RequestOption] = {**MSGRAPH_DEFAULT_OPTIONS, RetryHandlerOption.get_key(): retry_option}
    middleware = [
        BoundedRetryHandler(retry_option, retry.longest_wait) if type(handler) is RetryHandler else handler
        for handler in KiotaClientFactory.get_default_middleware(options)
    ]
    return KiotaClientFactory.create_with_custom_middleware(middleware)


def _checked_base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the Graph base URL must be an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError("the Graph base URL may use plain http only for a loopback address (a local fake)")
    return raw.rstrip("/")
