"""The Graph client: its retry handler, its limits, signing in with the real ClientSecretCredential, closing."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.graph_request_adapter import options as MSGRAPH_DEFAULT_OPTIONS

from graph.client import BoundedRetryHandler, RetryPolicy, app_only_credential, graph_connection, load_models
from graph.directory import GraphDirectory
from graph.errors import GraphRefused, GraphUnavailable, Operation, from_api_error, parse_retry_after
from graph.wiring import graph_services
from programme.errors import InvalidInput
from programme.identity import PersonId, TenantId
from tests.graph.conftest import QUICK
from tests.support.fake_graph import FAKE_TENANT, FakeCredential, FakeEntraTransport, FakeGraph

CLIENT_ID = "6f1c2a9e-0d4b-4c55-9a0e-3b1f7d2e8c41"
SECRET = "graph~SECRET~Kp3Rt.0aJm_unmistakable"
CATALOG_APP = "2b524e28-95ce-4c9b-9773-4a5bd6ec1770"
MENTOR = PersonId("8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca")
MENTEE = PersonId("82fe7758-5bb3-4f0d-a43f-e555fd399c6f")
LOOKUP = Operation("look up a line manager", "look up line managers in the directory")


# The retry handler -------------------------------------------------------------------------------------------


def test_msgraphs_default_pipeline_retries_throttling_and_unavailability() -> None:
    # What GraphRequestAdapter builds when given no client: kiota's default middleware with msgraph's options.
    handlers = KiotaClientFactory.get_default_middleware(MSGRAPH_DEFAULT_OPTIONS)
    [retry] = [h for h in handlers if isinstance(h, RetryHandler)]
    assert retry.retry_on_status_codes == {429, 503, 504}
    assert {"GET", "POST"} <= retry.allowed_methods
    assert (retry.options.max_retry, retry.options.max_delay) == (3, 3.0)
    # The policy we start from is kiota's own.
    assert (RetryPolicy().retries, RetryPolicy().added_delay) == (3, 3.0)


def _answer(status: int, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "https://graph.microsoft.com/v1.0/x"))


def test_a_retry_after_within_the_limit_is_waited_as_given() -> None:
    handler = BoundedRetryHandler(RetryHandlerOption(), longest_wait=30)
    assert handler.get_delay_time(0, _answer(429, "7")) == 7


def test_a_retry_after_beyond_the_limit_stops_the_retries() -> None:
    handler = BoundedRetryHandler(RetryHandlerOption(), longest_wait=30)
    # RetryHandler.send does not retry at MAX_DELAY: the response goes back to the caller.
    assert handler.get_delay_time(0, _answer(429, "31")) == RetryHandlerOption.MAX_DELAY


def test_without_retry_after_kiotas_backoff_applies() -> None:
    handler = BoundedRetryHandler(RetryHandlerOption(), longest_wait=30)
    # 0.5 s * 2**(n-1), plus up to 1 s of jitter, plus the option's added delay (send passes it in).
    assert 0.25 <= handler.get_delay_time(0, _answer(503), 0) <= 1.25
    assert 1.0 <= handler.get_delay_time(2, _answer(503), 0) <= 2.0
    assert 3.25 <= handler.get_delay_time(0, _answer(503), 3.0) <= 4.25


@pytest.mark.parametrize(
    "limits",
    [
        {"retries": -1},
        {"retries": 11},
        {"added_delay": -0.1},
        {"added_delay": 181.0},
        {"longest_wait": 0.0},
        {"longest_wait": 180.0},
    ],
)
def test_retry_policies_stay_within_kiotas_limits(limits: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RetryPolicy(
            retries=int(limits.get("retries", 3)),
            added_delay=limits.get("added_delay", 3.0),
            longest_wait=limits.get("longest_wait", 30.0),
        )


# Base URL and closing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://graph.example.com/v1.0", "ftp://127.0.0.1/v1.0", "127.0.0.1:8080/v1.0", "http:///v1.0"]
)
def test_only_https_or_a_loopback_fake_may_replace_graph(url: str) -> None:
    with pytest.raises(ValueError, match="Graph base URL"):
        graph_connection(FakeCredential(), base_url=url)


async def test_closing_closes_the_credential_once(fake_graph: FakeGraph) -> None:
    credential = FakeCredential()
    connection = graph_connection(credential, base_url=fake_graph.base_url + "/")
    assert connection.client.request_adapter.base_url == fake_graph.base_url

    await connection.aclose()
    await connection.aclose()

    assert credential.closed


# Signing in with the real credential --------------------------------------------------------------------------


async def test_the_services_sign_in_with_the_client_secret_for_graphs_scope(fake_graph: FakeGraph) -> None:
    entra = FakeEntraTransport(client_id=CLIENT_ID, client_secret=SECRET, token=fake_graph.token)
    pair_chats, directory, aclose = graph_services(
        tenant_id=FAKE_TENANT.upper(),
        client_id=CLIENT_ID,
        client_secret=SECRET,
        catalog_app_id=CATALOG_APP,
        base_url=fake_graph.base_url,
        retry=QUICK,
        token_transport=entra,
    )
    assert entra.requests == []  # nothing happens until the first call
    try:
        chat_id = await pair_chats.create_chat(TenantId(FAKE_TENANT), (MENTOR, MENTEE), "ReMEDI pair")
        await pair_chats.add_bot(chat_id)
        assert await directory.manager_email(MENTOR) is None
    finally:
        await aclose()

    # One token, cached by the credential for all three calls, asked of the tenant's token endpoint.
    [token_request] = entra.requests
    assert token_request.url == f"https://login.microsoftonline.com/{FAKE_TENANT}/oauth2/v2.0/token"
    assert token_request.form["grant_type"] == "client_credentials"
    assert token_request.form["client_id"] == CLIENT_ID
    assert token_request.form["client_secret"] == SECRET
    assert token_request.form["scope"] == "https://graph.microsoft.com/.default"
    assert {r.headers["authorization"] for r in fake_graph.requests} == {f"Bearer {fake_graph.token}"}
    assert len(fake_graph.requests) == 3
    assert entra.closed


async def test_a_rejected_client_secret_is_refused_without_showing_it(fake_graph: FakeGraph) -> None:
    entra = FakeEntraTransport(client_id=CLIENT_ID, client_secret="the-current-secret")
    services = graph_services(
        tenant_id=FAKE_TENANT,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        catalog_app_id=CATALOG_APP,
        base_url=fake_graph.base_url,
        token_transport=entra,
    )
    try:
        with pytest.raises(GraphRefused) as caught:
            await services.directory.manager_email(MENTOR)
    finally:
        await services.aclose()

    assert "Entra refused" in caught.value.reason
    assert SECRET not in caught.value.reason
    assert SECRET not in caught.value.user_message
    assert fake_graph.requests == []  # no token, no Graph request


async def test_an_outage_of_the_token_service_is_unavailable_not_refused(fake_graph: FakeGraph) -> None:
    entra = FakeEntraTransport(client_id=CLIENT_ID, client_secret=SECRET, outage=503)
    # retry_total=0: azure-core's own retries of the token request are not what this test is about.
    credential = ClientSecretCredential(FAKE_TENANT, CLIENT_ID, SECRET, transport=entra, retry_total=0)
    connection = graph_connection(credential, base_url=fake_graph.base_url)
    try:
        with pytest.raises(GraphUnavailable) as caught:
            await GraphDirectory(connection.client).manager_email(MENTOR)
    finally:
        await connection.aclose()
    assert caught.value.status == 503
    assert not caught.value.permanent


def test_msgraphs_models_can_be_loaded_before_the_first_call() -> None:
    load_models()
    # One of the ~1,100 modules the Entity deserialiser pulls in, and nothing of ours would import otherwise.
    assert "msgraph.generated.models.workbook_chart" in sys.modules


def test_the_credential_is_azure_identitys_client_secret_credential() -> None:
    credential = app_only_credential(FAKE_TENANT, CLIENT_ID, SECRET)
    assert isinstance(credential, ClientSecretCredential)


def test_the_services_need_a_tenant_id() -> None:
    with pytest.raises(InvalidInput):
        graph_services(tenant_id="northmoor", client_id=CLIENT_ID, client_secret=SECRET, catalog_app_id=CATALOG_APP)


# Error translation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, GraphRefused),
        (401, GraphRefused),
        (403, GraphRefused),
        (404, GraphRefused),
        (408, GraphUnavailable),
        (429, GraphUnavailable),
        (500, GraphUnavailable),
        (502, GraphUnavailable),
        (503, GraphUnavailable),
        (504, GraphUnavailable),
        (None, GraphUnavailable),
    ],
)
def test_statuses_map_to_refused_or_unavailable(status: int | None, kind: type[Exception]) -> None:
    error = from_api_error(LOOKUP, APIError("no body", status, {"Retry-After": "12"}))
    assert type(error) is kind
    assert error.status == status
    if kind is GraphUnavailable:
        assert error.retry_after == timedelta(seconds=12)


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == timedelta(seconds=30)
    assert parse_retry_after("Tue, 04 Mar 2025 12:01:30 GMT", now) == timedelta(seconds=90)
    assert parse_retry_after("Tue, 04 Mar 2025 11:00:00 GMT", now) == timedelta(0)
    for garbled in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(garbled, now) is None
