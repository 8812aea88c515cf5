"""GraphPairChats against the fake Graph, through the real msgraph-sdk: what goes on the wire, and what comes back."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from graph.client import GraphConnection, RetryPolicy, graph_connection
from graph.errors import GraphError, GraphRefused, GraphUnavailable
from graph.pair_chats import GraphPairChats
from programme.errors import ProgrammeError
from programme.identity import PersonId, TenantId
from programme.notifier import DeliveryFailed
from programme.pair_chats import PairChats
from tests.support.fake_graph import FAKE_TENANT, FakeCredential, FakeGraph, Fault

TENANT = TenantId(FAKE_TENANT)
MENTOR = PersonId("8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca")
MENTEE = PersonId("82fe7758-5bb3-4f0d-a43f-e555fd399c6f")
CATALOG_APP = "2b524e28-95ce-4c9b-9773-4a5bd6ec1770"
TOPIC = "ReMEDI: Asha & Tom"


def chats_for(connection: GraphConnection) -> GraphPairChats:
    return GraphPairChats(connection.client, tenant=TENANT, catalog_app_id=CATALOG_APP)


def test_it_is_a_pair_chats_port(connection: GraphConnection) -> None:
    port: PairChats = chats_for(connection)
    assert port is not None


async def test_a_chat_is_created_with_the_body_graph_documents(
    connection: GraphConnection, fake_graph: FakeGraph, credential: FakeCredential
) -> None:
    chat_id = await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)

    [sent] = fake_graph.requests_to("POST", "/chats")
    assert sent.body == {
        "chatType": "group",
        "topic": TOPIC,
        "members": [
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "roles": ["owner"],
                "user@odata.bind": f"https://graph.microsoft.com/v1.0/users('{MENTOR.value}')",
            },
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "roles": ["owner"],
                "user@odata.bind": f"https://graph.microsoft.com/v1.0/users('{MENTEE.value}')",
            },
        ],
    }
    assert sent.headers["content-type"].startswith("application/json")
    assert sent.headers["authorization"] == f"Bearer {credential.token}"
    assert sent.status == 201
    assert chat_id.startswith("19:")
    assert chat_id.endswith("@thread.v2")
    assert fake_graph.chats[chat_id].members == (MENTOR.value, MENTEE.value)
    assert fake_graph.chats[chat_id].resource["topic"] == TOPIC
    # The token is asked for Graph's scope even though requests go to the fake.
    assert {scopes for scopes, _ in credential.requests} == {("https://graph.microsoft.com/.default",)}


async def test_the_bot_is_installed_from_the_catalog(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    chats = chats_for(connection)
    chat_id = await chats.create_chat(TENANT, (MENTOR, MENTEE), TOPIC)

    await chats.add_bot(chat_id)

    [sent] = fake_graph.requests_to("POST", f"/chats/{chat_id}/installedApps")
    assert sent.body == {"teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{CATALOG_APP}"}
    assert sent.status == 201
    assert fake_graph.chats[chat_id].installed_apps == {CATALOG_APP}


async def test_installing_again_answers_409_which_counts_as_done(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    chats = chats_for(connection)
    chat_id = await chats.create_chat(TENANT, (MENTOR, MENTEE), TOPIC)
    await chats.add_bot(chat_id)

    await chats.add_bot(chat_id)

    assert [r.status for r in fake_graph.requests_to("POST", f"/chats/{chat_id}/installedApps")] == [201, 409]


async def test_installing_in_an_unknown_chat_is_refused(connection: GraphConnection) -> None:
    with pytest.raises(GraphRefused) as caught:
        await chats_for(connection).add_bot("19:0000000000000000000000000000000@thread.v2")
    assert caught.value.status == 404
    assert caught.value.permanent


async def test_a_pair_of_another_tenant_is_refused_without_calling_graph(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    other = TenantId("0b2e5c1a-3d4f-4a6b-8c7d-9e0f1a2b3c4d")
    with pytest.raises(GraphRefused, match="tenant"):
        await chats_for(connection).create_chat(other, (MENTOR, MENTEE), TOPIC)
    assert fake_graph.requests == []


@pytest.mark.parametrize(
    "members",
    [(MENTOR, MENTOR), (MENTOR, PersonId("x') or true or ('")), (PersonId(""), MENTEE)],
)
async def test_members_must_be_two_different_object_ids(
    connection: GraphConnection, fake_graph: FakeGraph, members: tuple[PersonId, PersonId]
) -> None:
    with pytest.raises(ValueError, match=r"different people|Entra object id"):
        await chats_for(connection).create_chat(TENANT, members, TOPIC)
    assert fake_graph.requests == []


def test_the_catalog_id_must_be_a_guid(connection: GraphConnection) -> None:
    with pytest.raises(ValueError, match="catalog"):
        GraphPairChats(connection.client, tenant=TENANT, catalog_app_id="com.example.remedi")


# Throttling and failures ------------------------------------------------------------------------------------


async def test_a_throttled_create_is_retried_after_retry_after_and_makes_one_chat(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.fail_next(Fault.throttled(retry_after=1), times=2, method="POST", path="/chats")
    started = time.monotonic()

    chat_id = await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)

    assert time.monotonic() - started >= 1.9  # waited the full Retry-After twice
    attempts = fake_graph.requests_to("POST", "/chats")
    assert [r.status for r in attempts] == [429, 429, 201]
    # kiota numbers its retries, and sends the same body each time.
    assert [r.headers.get("retry-attempt") for r in attempts] == [None, "1", "2"]
    assert attempts[0].body == attempts[2].body
    assert list(fake_graph.chats) == [chat_id]


async def test_a_503_without_retry_after_is_retried_with_backoff(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    chats = chats_for(connection)
    chat_id = await chats.create_chat(TENANT, (MENTOR, MENTEE), TOPIC)
    fake_graph.fail_next(Fault.unavailable(), method="POST", path=f"/chats/{chat_id}/installedApps")

    await chats.add_bot(chat_id)

    assert [r.status for r in fake_graph.requests_to("POST", f"/chats/{chat_id}/installedApps")] == [503, 201]


async def test_throttling_that_outlasts_the_retries_is_unavailable_with_graphs_wait(
    fake_graph: FakeGraph, credential: FakeCredential
) -> None:
    connection = graph_connection(credential, base_url=fake_graph.base_url, retry=RetryPolicy(retries=1))
    try:
        fake_graph.fail_always(Fault.throttled(retry_after=1), method="POST", path="/chats")
        with pytest.raises(GraphUnavailable) as caught:
            await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)
    finally:
        await connection.aclose()

    assert len(fake_graph.requests_to("POST", "/chats")) == 2  # the first attempt and one retry
    failure = caught.value
    assert failure.status == 429
    assert failure.code == "TooManyRequests"
    assert failure.retry_after == timedelta(seconds=1)
    assert not failure.permanent
    assert fake_graph.chats == {}


async def test_a_wait_longer_than_the_limit_is_handed_back_at_once(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.fail_next(Fault.throttled(retry_after=120), method="POST", path="/chats")
    started = time.monotonic()

    with pytest.raises(GraphUnavailable) as caught:
        await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)

    assert time.monotonic() - started < 5
    assert len(fake_graph.requests_to("POST", "/chats")) == 1
    assert caught.value.retry_after == timedelta(seconds=120)


async def test_a_persistent_500_is_unavailable_and_not_retried_by_kiota(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.fail_always(Fault.server_error(), method="POST", path="/chats")

    with pytest.raises(GraphUnavailable) as caught:
        await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)

    assert len(fake_graph.requests_to("POST", "/chats")) == 1
    failure = caught.value
    assert (failure.status, failure.code, failure.permanent, failure.retry_after) == (
        500,
        "generalException",
        False,
        None,
    )
    assert failure.request_id  # from Graph's answer: what Microsoft support asks for
    assert failure.request_id in failure.reason


async def test_a_403_is_refused_for_good_with_a_kind_message(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.fail_always(Fault.forbidden(), method="POST", path="/chats")

    with pytest.raises(GraphRefused) as caught:
        await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)

    assert len(fake_graph.requests_to("POST", "/chats")) == 1
    failure = caught.value
    assert failure.permanent
    assert failure.status == 403
    assert "Chat.Create" in failure.reason  # Graph's own explanation, for the operator
    # People get a plain sentence: no status, code, permission name or request id.
    assert failure.user_message.startswith("I couldn't set up the pair's chat")
    assert "coordinator" in failure.user_message
    for detail in ("403", "Forbidden", "Chat.Create", failure.request_id or "-"):
        assert detail not in failure.user_message


async def test_a_dropped_connection_is_unavailable(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.fail_always(Fault.disconnect(), method="POST", path="/chats")

    with pytest.raises(GraphUnavailable, match="network error"):
        await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)


async def test_a_token_graph_will_not_accept_is_refused(fake_graph: FakeGraph) -> None:
    connection = graph_connection(FakeCredential("stale-token"), base_url=fake_graph.base_url)
    try:
        with pytest.raises(GraphRefused) as caught:
            await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)
    finally:
        await connection.aclose()
    assert caught.value.status == 401
    assert caught.value.code == "InvalidAuthenticationToken"


@pytest.mark.parametrize(
    ("failure", "permanent"),
    [(GraphUnavailable, False), (GraphRefused, True)],
)
async def test_failures_speak_to_both_the_work_queue_and_the_turn_edge(
    connection: GraphConnection, fake_graph: FakeGraph, failure: type[GraphError], permanent: bool
) -> None:
    fault = Fault.server_error() if failure is GraphUnavailable else Fault.forbidden()
    fake_graph.fail_always(fault, method="POST", path="/chats")

    with pytest.raises(failure) as caught:
        await chats_for(connection).create_chat(TENANT, (MENTOR, MENTEE), TOPIC)

    error = caught.value
    # The sweeper catches DeliveryFailed first and honours permanent / retry_after ...
    assert isinstance(error, DeliveryFailed)
    assert error.permanent is permanent
    assert not error.recipient_unreachable  # our set-up or Graph's state, never held against the person
    # ... and a turn handler catches ProgrammeError and shows user_message, which is not the operator's reason.
    assert isinstance(error, ProgrammeError)
    assert error.user_message != error.reason
    assert str(error) == error.reason
    # kiota's exception stays attached for the log's traceback, and goes no further.
    assert error.__cause__ is not None
