"""A local Microsoft Graph: records what msgraph-sdk really sends and answers like the service does.

Point the real client at it (``graph_connection(credential, base_url=fake.base_url)``) and every request goes
to a loopback aiohttp ``TestServer`` under ``/v1.0``. Each one is recorded (:class:`GraphRequest`: method, path
below ``/v1.0``, query, headers, parsed JSON body, the status answered), so tests can check the wire format
rather than what the SDK's model objects looked like before serialisation.

It behaves like Graph where our adapters depend on it:

* every request needs ``Authorization: Bearer <token>`` with the token this fake was told to expect, else 401
  ``InvalidAuthenticationToken``;
* ``POST /chats`` checks the body as Graph does: a known ``chatType``; members of ``@odata.type``
  ``#microsoft.graph.aadUserConversationMember`` with roles ``owner`` or ``guest`` and a ``user@odata.bind`` of
  the form ``https://graph.microsoft.com/v1.0/users('<id>')``; a topic only for group chats; no property Graph
  does not know (which is how a mis-cased binding such as ``teams_app@odata_bind`` would fail for real). It
  answers 201 with a chat resource (``19:…@thread.v2`` id, topic, times, type, web URL, tenant);
* ``POST /chats/{id}/installedApps`` wants exactly a ``teamsApp@odata.bind`` to
  ``https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/<catalog id>``; 201 without a body, 404 for an
  unknown chat, 409 when that app is already installed there;
* ``GET /users/{id}/manager`` answers the manager (a user or an organisational contact, as set up with
  :meth:`FakeGraph.add_user`, :meth:`FakeGraph.add_contact` and :meth:`FakeGraph.set_manager`), honouring
  ``$select``, or 404 ``Request_ResourceNotFound`` as Graph does when there is none;
* an unknown path is 400 ``BadRequest``, like Graph's "Resource not found for the segment";
* error answers carry Graph's body (``{"error": {"code", "message", "innerError": {"date", "request-id",
  "client-request-id"}}}``) and ``request-id`` / ``client-request-id`` headers.

**Faults.** :meth:`FakeGraph.fail_next` makes the next N requests to one method and path (or to any) answer a
:class:`Fault` (429 with ``Retry-After``, 503, 500, 403, a dropped connection ...); :meth:`FakeGraph.fail_always`
until :meth:`FakeGraph.heal`. Faulted requests are recorded too, with the status they got.

**More endpoints** (calendars, events for the meetings work): :meth:`FakeGraph.add_route` before :meth:`start`,
with a handler ``async (fake, request, body) -> web.StreamResponse``; :func:`graph_error` and :func:`created`
build answers in Graph's shape, and recording, authentication and faults apply to the new route unchanged.

Also here: :class:`FakeCredential`, an async azure-core credential with a fixed token, and
:class:`FakeEntraTransport`, an azure-core transport that stands in for Entra's token endpoint so the real
``ClientSecretCredential`` can be exercised without a network.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestServer
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import AsyncHttpResponse, AsyncHttpTransport
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest

GRAPH_V1 = "https://graph.microsoft.com/v1.0"
FAKE_TOKEN = "fake-graph-access-token"
FAKE_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PREFIX = "/v1.0"

MEMBER_TYPE = "#microsoft.graph.aadUserConversationMember"
_USER_BIND = re.compile(r"https://graph\.microsoft\.com/v1\.0/users\('([^'/]+)'\)")
_APP_BIND = re.compile(r"https://graph\.microsoft\.com/v1\.0/appCatalogs/teamsApps/([^/]+)")
# Properties Graph accepts when creating these; anything else is refused as an unknown property.
_CHAT_PROPERTIES = frozenset({"chatType", "topic", "members", "installedApps"})
_MEMBER_PROPERTIES = frozenset({"@odata.type", "roles", "user@odata.bind", "tenantId", "visibleHistoryStartDateTime"})
_INSTALL_PROPERTIES = frozenset({"teamsApp@odata.bind", "consentedPermissionSet"})

Handler = Callable[["FakeGraph", web.Request, Any], Awaitable[web.StreamResponse]]
# Where the middleware leaves the parsed JSON body for the endpoint.
_BODY = web.RequestKey("graph_body", object)


@dataclass(frozen=True)
class GraphRequest:
    """One request as it arrived. ``path`` is below ``/v1.0`` and percent-decoded; header names are lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


@dataclass(frozen=True)
class Fault:
    """An error answer in Graph's shape; ``status`` 0 drops the connection instead of answering."""

    status: int
    code: str = ""
    message: str = ""
    retry_after: str | None = None

    @classmethod
    def throttled(cls, retry_after: int | str = 1) -> Fault:
        return cls(429, "TooManyRequests", "Too many requests.", str(retry_after))

    @classmethod
    def unavailable(cls, retry_after: int | str | None = None) -> Fault:
        return cls(
            503,
            "serviceNotAvailable",
            "The service is temporarily unavailable.",
            None if retry_after is None else str(retry_after),
        )

    @classmethod
    def gateway_timeout(cls) -> Fault:
        return cls(504, "UnknownError", "The gateway timed out.")

    @classmethod
    def server_error(cls) -> Fault:
        return cls(500, "generalException", "An unexpected error occurred.")

    @classmethod
    def forbidden(cls) -> Fault:
        return cls(403, "Forbidden", "Missing role permissions on the request. API requires one of 'Chat.Create'.")

    @classmethod
    def disconnect(cls) -> Fault:
        return cls(0)


@dataclass
class FakeChat:
    resource: dict[str, Any]
    members: tuple[str, ...]
    roles: tuple[tuple[str, ...], ...]
    installed_apps: set[str] = field(default_factory=set)


@dataclass
class _Scripted:
    fault: Fault
    remaining: int | None  # None: until healed


def graph_error(request: web.Request | None, status: int, code: str, message: str) -> web.Response:
    """An error answer as Graph gives it, body and headers."""
    request_id = str(uuid.uuid4())
    client_request_id = request.headers.get("client-request-id", "") if request is not None else ""
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }
    }
    headers = {"request-id": request_id, "client-request-id": client_request_id}
    return web.json_response(body, status=status, headers=headers)


def created(payload: dict[str, Any] | None = None) -> web.Response:
    """201, with the new resource or, as for app installations, no body at all."""
    if payload is None:
        return web.Response(status=201)
    return web.json_response(payload, status=201)


class FakeGraph:
    def __init__(self, *, token: str = FAKE_TOKEN, tenant_id: str = FAKE_TENANT) -> None:
        self.token = token
        self.tenant_id = tenant_id
        self.requests: list[GraphRequest] = []
        self.chats: dict[str, FakeChat] = {}
        self.directory: dict[str, dict[str, Any]] = {}
        self.managers: dict[str, str] = {}
        self._faults: dict[tuple[str, str] | None, deque[_Scripted]] = {}
        self._routes: list[tuple[str, str, Handler]] = [
            ("POST", "/chats", _create_chat),
            ("POST", "/chats/{chat_id}/installedApps", _install_app),
            ("GET", "/users/{user_id}/manager", _get_manager),
        ]
        self._server: TestServer | None = None

    # Lifecycle ------------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("start the fake Graph first")
        return f"http://127.0.0.1:{self._server.port}{PREFIX}"

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve another endpoint (path below /v1.0, aiohttp placeholders like ``{user_id}``); before start()."""
        if self._server is not None:
            raise RuntimeError("routes must be added before the fake Graph starts")
        self._routes.append((method.upper(), path, handler))

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        for method, path, handler in self._routes:
            app.router.add_route(method, PREFIX + path, _bound(self, handler))
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # Directory ------------------------------------------------------------------------------------------------

    def add_user(self, user_id: str, *, mail: str | None, user_principal_name: str, name: str = "") -> None:
        self.directory[user_id] = {
            "@odata.type": "#microsoft.graph.user",
            "id": user_id,
            "displayName": name or user_principal_name.split("@")[0],
            "jobTitle": None,
            "mail": mail,
            "userPrincipalName": user_principal_name,
        }

    def add_contact(self, contact_id: str, *, mail: str, name: str = "") -> None:
        self.directory[contact_id] = {
            "@odata.type": "#microsoft.graph.orgContact",
            "id": contact_id,
            "displayName": name or mail.split("@")[0],
            "mail": mail,
        }

    def set_manager(self, person_id: str, manager_id: str) -> None:
        self.managers[person_id] = manager_id

    # Faults ---------------------------------------------------------------------------------------------------

    def fail_next(self, fault: Fault, times: int = 1, *, method: str | None = None, path: str | None = None) -> None:
        """The next ``times`` requests to ``method path`` (both or neither given) answer ``fault``."""
        self._faults.setdefault(_fault_key(method, path), deque()).append(_Scripted(fault, times))

    def fail_always(self, fault: Fault, *, method: str | None = None, path: str | None = None) -> None:
        self._faults.setdefault(_fault_key(method, path), deque()).append(_Scripted(fault, None))

    def heal(self) -> None:
        self._faults.clear()

    # Reading the record ---------------------------------------------------------------------------------------

    def requests_to(self, method: str, path: str) -> list[GraphRequest]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    # Serving --------------------------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        request[_BODY] = body
        path = request.path.removeprefix(PREFIX) if request.path.startswith(PREFIX + "/") else request.path
        fault = self._take_fault(request.method, path)
        answer = _fault_answer(request, fault) if fault is not None else await self._answer(request, handler, path)
        self.requests.append(
            GraphRequest(
                method=request.method,
                path=path,
                query=dict(request.query),
                headers={name.lower(): value for name, value in request.headers.items()},
                body=body,
                status=0 if fault is not None and fault.status == 0 else answer.status,
            )
        )
        return answer

    async def _answer(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]], path: str
    ) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return graph_error(
                request, 401, "InvalidAuthenticationToken", "Access token is empty or could not be validated."
            )
        if request[_BODY] is not None and not request.content_type.startswith("application/json"):
            return graph_error(request, 415, "UnsupportedMediaType", "Content-Type must be application/json.")
        try:
            return await handler(request)
        except web.HTTPNotFound:
            segment = path.rstrip("/").rsplit("/", 1)[-1]
            return graph_error(request, 400, "BadRequest", f"Resource not found for the segment '{segment}'.")
        except web.HTTPMethodNotAllowed:
            return graph_error(request, 405, "Request_BadRequest", "Specified HTTP method is not allowed.")

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for key in ((method.upper(), path), None):
            queue = self._faults.get(key)
            if not queue:
                continue
            scripted = queue[0]
            if scripted.remaining is not None:
                scripted.remaining -= 1
                if scripted.remaining <= 0:
                    queue.popleft()
            return scripted.fault
        return None


def _fault_key(method: str | None, path: str | None) -> tuple[str, str] | None:
    if (method is None) != (path is None):
        raise ValueError("give both method and path, or neither (any request)")
    return None if method is None or path is None else (method.upper(), path)


def _fault_answer(request: web.Request, fault: Fault) -> web.StreamResponse:
    if fault.status == 0:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)
    response = graph_error(request, fault.status, fault.code, fault.message)
    if fault.retry_after is not None:
        response.headers["Retry-After"] = fault.retry_after
    return response


def _bound(fake: FakeGraph, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve(request: web.Request) -> web.StreamResponse:
        return await handler(fake, request, request[_BODY])

    return serve


# Endpoints ------------------------------------------------------------------------------------------------------


async def _create_chat(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
    problem = _chat_problem(body)
    if problem is not None:
        return graph_error(request, 400, "BadRequest", problem)
    members = tuple(_bound_user(member["user@odata.bind"]) for member in body["members"])
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    chat_id = f"19:{uuid.uuid4().hex}@thread.v2"
    resource = {
        "@odata.context": f"{GRAPH_V1}/$metadata#chats/$entity",
        "id": chat_id,
        "topic": body.get("topic"),
        "createdDateTime": now,
        "lastUpdatedDateTime": now,
        "chatType": body["chatType"],
        "webUrl": f"https://teams.microsoft.com/l/chat/{quote(chat_id, safe='')}/0?tenantId={fake.tenant_id}",
        "tenantId": fake.tenant_id,
        "isHiddenForAllMembers": False,
        "onlineMeetingInfo": None,
        "viewpoint": None,
    }
    fake.chats[chat_id] = FakeChat(resource, members, tuple(tuple(m["roles"]) for m in body["members"]))
    return created(resource)


def _chat_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "A chat must be given as a JSON object."
    if unknown := sorted(set(body) - _CHAT_PROPERTIES):
        return f"The property '{unknown[0]}' does not exist on type 'microsoft.graph.chat'."
    chat_type = body.get("chatType")
    if chat_type not in ("group", "oneOnOne"):
        return f"Invalid chatType '{chat_type}'."
    topic = body.get("topic")
    if topic is not None and (chat_type != "group" or not isinstance(topic, str)):
        return "A topic can be set only on a group chat, as a string."
    members = body.get("members")
    if not isinstance(members, list) or len(members) < 2 or (chat_type == "oneOnOne" and len(members) != 2):
        return "A chat needs its members: exactly two for oneOnOne, two or more for group."
    seen: set[str] = set()
    for member in members:
        if not isinstance(member, dict):
            return "Each member must be a JSON object."
        if unknown := sorted(set(member) - _MEMBER_PROPERTIES):
            return f"The property '{unknown[0]}' does not exist on type 'microsoft.graph.aadUserConversationMember'."
        if member.get("@odata.type") != MEMBER_TYPE:
            return f"Each member must have @odata.type '{MEMBER_TYPE}'."
        roles = member.get("roles")
        if not isinstance(roles, list) or not roles or not set(roles) <= {"owner", "guest"}:
            return "Each member must have the role 'owner' or 'guest'."
        bind = member.get("user@odata.bind")
        match = _USER_BIND.fullmatch(bind) if isinstance(bind, str) else None
        if match is None:
            return "Each member must be bound with user@odata.bind to https://graph.microsoft.com/v1.0/users('id')."
        if match.group(1).lower() in seen:
            return "A member appears twice."
        seen.add(match.group(1).lower())
    return None


def _bound_user(bind: str) -> str:
    match = _USER_BIND.fullmatch(bind)
    assert match is not None, "checked by _chat_problem"
    return match.group(1)


async def _install_app(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
    if not isinstance(body, dict) or "teamsApp@odata.bind" not in body or set(body) - _INSTALL_PROPERTIES:
        extra = sorted(set(body) - _INSTALL_PROPERTIES) if isinstance(body, dict) else []
        message = (
            f"The property '{extra[0]}' does not exist on type 'microsoft.graph.teamsAppInstallation'."
            if extra
            else "Bind the app with teamsApp@odata.bind."
        )
        return graph_error(request, 400, "BadRequest", message)
    match = _APP_BIND.fullmatch(str(body["teamsApp@odata.bind"]))
    if match is None:
        return graph_error(request, 400, "BadRequest", "teamsApp@odata.bind must name appCatalogs/teamsApps/{id}.")
    chat = fake.chats.get(request.match_info["chat_id"])
    if chat is None:
        return graph_error(request, 404, "NotFound", "Chat not found.")
    app_id = match.group(1)
    if app_id in chat.installed_apps:
        return graph_error(request, 409, "Conflict", "The app is already installed in this chat.")
    chat.installed_apps.add(app_id)
    return created()


async def _get_manager(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
    manager_id = fake.managers.get(request.match_info["user_id"])
    manager = fake.directory.get(manager_id) if manager_id is not None else None
    if manager is None:
        return graph_error(
            request,
            404,
            "Request_ResourceNotFound",
            "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
        )
    selected = [name for name in request.query.get("$select", "").split(",") if name]
    if not selected:
        return web.json_response({"@odata.context": f"{GRAPH_V1}/$metadata#directoryObjects/$entity", **manager})
    answer = {name: manager[name] for name in selected if name in manager}
    context = f"{GRAPH_V1}/$metadata#directoryObjects({','.join(selected)})/$entity"
    return web.json_response({"@odata.context": context, "@odata.type": manager["@odata.type"], **answer})


# Credentials ----------------------------------------------------------------------------------------------------


class FakeCredential:
    """An async azure-core token credential with a fixed token; records every token request and the closing."""

    def __init__(self, token: str = FAKE_TOKEN) -> None:
        self.token = token
        self.requests: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self.closed = False

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        self.requests.append((scopes, {"claims": claims, "tenant_id": tenant_id, "enable_cae": enable_cae, **kwargs}))
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()


@dataclass(frozen=True)
class TokenRequest:
    url: str
    form: dict[str, str]


class _TokenResponse(AsyncHttpResponse):
    def __init__(self, request: HttpRequest, status: int, payload: dict[str, Any]) -> None:
        # This (legacy) response class is typed for the legacy request class; it only keeps it for reference.
        super().__init__(LegacyHttpRequest(request.method, request.url), None)
        self.status_code = status
        self.reason = "OK" if status == 200 else "Error"
        self.content_type = "application/json"
        self.headers = {"Content-Type": "application/json"}
        self._payload = json.dumps(payload).encode()

    def body(self) -> bytes:
        return self._payload


class FakeEntraTransport(AsyncHttpTransport[HttpRequest, AsyncHttpResponse]):
    """Stands in for Entra's token endpoint: give it to ``ClientSecretCredential(..., transport=...)``.

    It grants ``token`` for a client-credentials request whose client id and secret match, and refuses anything
    else with ``invalid_client`` as Entra does, so a credential built with the wrong values fails here.
    """

    def __init__(
        self, *, client_id: str, client_secret: str, token: str = FAKE_TOKEN, outage: int | None = None
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token = token
        self.outage = outage  # a status (e.g. 503) to answer every request with, as during an Entra incident
        self.requests: list[TokenRequest] = []
        self.closed = False

    async def send(self, request: HttpRequest, **kwargs: Any) -> AsyncHttpResponse:
        form = request.content if isinstance(request.content, dict) else dict(parse_qsl(str(request.content or "")))
        self.requests.append(TokenRequest(request.url, {str(k): str(v) for k, v in form.items()}))
        if self.outage is not None:
            return _TokenResponse(
                request, self.outage, {"error": "temporarily_unavailable", "error_description": "AADSTS90033"}
            )
        path = urlsplit(request.url).path
        good = (
            path.endswith("/oauth2/v2.0/token")
            and form.get("grant_type") == "client_credentials"
            and form.get("client_id") == self.client_id
            and form.get("client_secret") == self.client_secret
        )
        if not good:
            error = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
            return _TokenResponse(request, 401, error)
        return _TokenResponse(request, 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": self.token})

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()
