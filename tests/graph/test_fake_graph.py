"""The fake Graph itself: it must refuse what the real one refuses, or the adapter tests prove nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.support.fake_graph import FAKE_TOKEN, FakeGraph, Fault, created, graph_error

A = "8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca"
B = "82fe7758-5bb3-4f0d-a43f-e555fd399c6f"
APP = "2b524e28-95ce-4c9b-9773-4a5bd6ec1770"
AUTH = {"Authorization": f"Bearer {FAKE_TOKEN}"}


def member(user: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": ["owner"],
        "user@odata.bind": f"https://graph.microsoft.com/v1.0/users('{user}')",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def group(*members: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"chatType": "group", "topic": "Pair", "members": list(members), **extra}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, fake: FakeGraph, method: str, path: str, body: Any = None, *, auth: bool = True
) -> tuple[int, Any, dict[str, str]]:
    headers = AUTH if auth else {}
    async with http.request(method, fake.base_url + path, json=body, headers=headers) as response:
        payload = await response.json() if response.content_length else None
        return response.status, payload, dict(response.headers)


async def test_a_request_without_the_token_gets_graphs_401(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    status, body, headers = await call(http, fake_graph, "POST", "/chats", group(member(A), member(B)), auth=False)
    assert status == 401
    assert body["error"]["code"] == "InvalidAuthenticationToken"
    assert body["error"]["innerError"]["request-id"] == headers["request-id"]
    assert fake_graph.chats == {}


async def test_a_well_formed_group_chat_is_created(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    status, body, _ = await call(http, fake_graph, "POST", "/chats", group(member(A), member(B)))
    assert status == 201
    assert body["chatType"] == "group"
    assert body["topic"] == "Pair"
    assert body["tenantId"] == fake_graph.tenant_id
    assert body["webUrl"].startswith("https://teams.microsoft.com/l/chat/19%3A")
    assert set(body) >= {"id", "createdDateTime", "lastUpdatedDateTime", "@odata.context"}


@pytest.mark.parametrize(
    ("chat", "complaint"),
    [
        (group(member(A, **{"@odata.type": None}), member(B)), "@odata.type"),
        (group(member(A, roles=["member"]), member(B)), "role"),
        (group(member(A, roles=[]), member(B)), "role"),
        (group(member(A, **{"user@odata.bind": f"https://graph.microsoft.com/v1.0/users/{A}"}), member(B)), "bind"),
        (group(member(A, **{"user@odata.bind": None}, userId=A), member(B)), "userId"),
        (group(member(A)), "members"),
        (group(member(A), member(A)), "twice"),
        ({"chatType": "oneOnOne", "topic": "Pair", "members": [member(A), member(B)]}, "topic"),
        ({"chatType": "Group", "members": [member(A), member(B)]}, "chatType"),
        (group(member(A), member(B), chat_type="group"), "chat_type"),
    ],
)
async def test_malformed_chats_are_refused_as_graph_would(
    http: aiohttp.ClientSession, fake_graph: FakeGraph, chat: dict[str, Any], complaint: str
) -> None:
    status, body, _ = await call(http, fake_graph, "POST", "/chats", chat)
    assert status == 400
    assert body["error"]["code"] == "BadRequest"
    assert complaint in body["error"]["message"]
    assert fake_graph.chats == {}


async def test_an_install_must_use_the_exact_binding_name(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    _, chat, _ = await call(http, fake_graph, "POST", "/chats", group(member(A), member(B)))
    path = f"/chats/{chat['id']}/installedApps"
    app = f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{APP}"

    # The spelling Graph's generated Python snippets show, which the real service does not accept.
    assert (await call(http, fake_graph, "POST", path, {"teams_app@odata_bind": app}))[0] == 400
    assert (await call(http, fake_graph, "POST", path, {"teamsApp@odata.bind": app}))[0] == 201
    assert (await call(http, fake_graph, "POST", path, {"teamsApp@odata.bind": app}))[0] == 409
    assert fake_graph.chats[chat["id"]].installed_apps == {APP}


async def test_an_unknown_path_is_graphs_bad_segment(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    status, body, _ = await call(http, fake_graph, "GET", "/chatz")
    assert status == 400
    assert body["error"]["message"] == "Resource not found for the segment 'chatz'."


async def test_a_manager_without_select_comes_whole(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    fake_graph.add_user(B, mail="b@example.org", user_principal_name="b@example.org", name="Bea")
    fake_graph.set_manager(A, B)
    status, body, _ = await call(http, fake_graph, "GET", f"/users/{A}/manager")
    assert status == 200
    assert (body["@odata.type"], body["id"], body["displayName"]) == ("#microsoft.graph.user", B, "Bea")


async def test_faults_apply_in_order_and_then_stop(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(Fault.throttled(retry_after=7), times=2, method="GET", path=f"/users/{A}/manager")
    fake_graph.fail_next(Fault.server_error())  # the next request to anything, after the specific ones

    first = await call(http, fake_graph, "GET", f"/users/{A}/manager")
    second = await call(http, fake_graph, "GET", f"/users/{A}/manager")
    third = await call(http, fake_graph, "GET", f"/users/{A}/manager")
    fourth = await call(http, fake_graph, "GET", f"/users/{A}/manager")

    assert (first[0], first[2]["Retry-After"], first[1]["error"]["code"]) == (429, "7", "TooManyRequests")
    assert [second[0], third[0], fourth[0]] == [429, 500, 404]
    assert [r.status for r in fake_graph.requests] == [429, 429, 500, 404]


async def test_a_persistent_fault_lasts_until_healed(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    fake_graph.fail_always(Fault.unavailable(retry_after=3), method="POST", path="/chats")
    assert (await call(http, fake_graph, "POST", "/chats", group(member(A), member(B))))[0] == 503
    assert (await call(http, fake_graph, "POST", "/chats", group(member(A), member(B))))[0] == 503
    fake_graph.heal()
    assert (await call(http, fake_graph, "POST", "/chats", group(member(A), member(B))))[0] == 201


def test_a_fault_names_both_method_and_path_or_neither() -> None:
    with pytest.raises(ValueError, match="both"):
        FakeGraph().fail_next(Fault.server_error(), path="/chats")


async def test_more_endpoints_can_be_added_and_are_recorded(http: aiohttp.ClientSession) -> None:
    async def get_schedule(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
        if not isinstance(body, dict) or "schedules" not in body:
            return graph_error(request, 400, "BadRequest", "schedules is required.")
        return created({"value": [{"scheduleId": s, "availabilityView": "0022"} for s in body["schedules"]]})

    fake = FakeGraph()
    fake.add_route("POST", "/users/{user_id}/calendar/getSchedule", get_schedule)
    async with fake:
        status, body, _ = await call(http, fake, "POST", f"/users/{A}/calendar/getSchedule", {"schedules": ["x@y"]})
        with pytest.raises(RuntimeError, match="before"):
            fake.add_route("GET", "/users/{user_id}/events", get_schedule)

    assert (status, body["value"][0]["availabilityView"]) == (201, "0022")
    [recorded] = fake.requests
    assert (recorded.method, recorded.path, recorded.body) == (
        "POST",
        f"/users/{A}/calendar/getSchedule",
        {"schedules": ["x@y"]},
    )
