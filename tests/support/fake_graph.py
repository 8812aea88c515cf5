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

**Calendars.** Mailboxes are set up with :meth:`FakeGraph.add_mailbox`, :meth:`FakeGraph.set_working_hours`
and :meth:`FakeGraph.add_busy`; the calendar endpoints want the mailbox in their path to be one of them (else 404
``ErrorInvalidUser``):

* ``POST /users/{id}/calendar/getSchedule`` checks its parameters as Graph does (their names in any case, since
  Graph matches action parameters so and msgraph-sdk sends ``Schedules``, ``StartTime`` ...): 1 to 100 addresses,
  start and end as ``dateTimeTimeZone`` in a zone Graph knows, an interval of 5 to 1440 minutes, at most 62 days.
  It answers a ``scheduleInformation`` per address, in the order asked: the ``availabilityView`` worked out from
  the busy times and the live events of that mailbox (``0`` free, ``1`` tentative, ``2`` busy, ``3`` out of
  office, ``4`` working elsewhere; where several overlap the strongest shows), the ``scheduleItems`` in the window
  (in UTC) and the ``workingHours`` (lower-case day names, times like ``08:00:00.0000000``, a Windows zone name).
  An address that is no mailbox here gets ``error.responseCode`` ``ErrorMailRecipientNotFound`` and no view;
* ``POST /users/{id}/events`` checks the event (start and end, attendees with an ``emailAddress.address``, the
  enumerations in their documented spelling, no property an event does not have) and answers 201 with an event
  resource: an id, ``iCalUId``, ``webLink``, the times in UTC, the attendees, and for a Teams meeting an
  ``onlineMeeting.joinUrl``. A ``transactionId`` the mailbox has seen before gets the event made then, and no
  second one. The event makes the organizer and every attendee busy (``showAs``) in getSchedule;
* ``PATCH /users/{id}/events/{event id}`` changes the subject, times and so on, and answers the event;
* ``POST /users/{id}/events/{event id}/cancel`` (an optional ``Comment``) answers 202 and frees everyone's time;
  an event never made, made in another mailbox, or cancelled already is 404 ``ErrorItemNotFound``, for the
  change as for the cancel.

Outlook serves one mailbox at most four requests at a time. The fake counts the requests in flight under each
``/users/{id}`` (decoded, lower case) and keeps the highest count in :attr:`FakeGraph.max_in_flight`; give it a
``latency`` so that requests overlap long enough to be counted. With ``mailbox_concurrency_limit`` set, a request
beyond that many gets Exchange's 429 ``ApplicationThrottled`` ("MailboxConcurrency") with a ``Retry-After``.

**Faults.** :meth:`FakeGraph.fail_next` makes the next N requests to one method and path (or to any) answer a
:class:`Fault` (429 with ``Retry-After``, 503, 500, 403, a dropped connection ...); :meth:`FakeGraph.fail_always`
until :meth:`FakeGraph.heal`. ``fault.after_processing()`` carries the request out first and then answers the
fault, as when Graph acted but its answer was lost on the way back. Faulted requests are recorded too, with the
status they got.

**More endpoints**: :meth:`FakeGraph.add_route` before :meth:`start`, with a handler
``async (fake, request, body) -> web.StreamResponse`` (it replaces a built-in one for the same method and path);
:func:`graph_error` and :func:`created` build answers in Graph's shape, and recording, authentication and faults
apply to the new route unchanged.

Also here: :class:`FakeCredential`, an async azure-core credential with a fixed token, and
:class:`FakeEntraTransport`, an azure-core transport that stands in for Entra's token endpoint so the real
``ClientSecretCredential`` can be exercised without a network.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import re
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestServer
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import AsyncHttpResponse, AsyncHttpTransport
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest

from graph.time_zones import zone_named

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

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
DAY_NAMES = (*WEEKDAYS, "saturday", "sunday")
# Exchange's limits for one getSchedule call, and Outlook's for requests in flight to one mailbox.
MOST_SCHEDULES = 100
LONGEST_SCHEDULE_WINDOW = timedelta(days=62)
OUTLOOK_MAILBOX_CONCURRENCY = 4
# How each status shows in an availability view, and which shows where several overlap (the later wins).
_VIEW_CHARACTERS = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
_STRENGTH = ("free", "workingElsewhere", "tentative", "busy", "oof")
_SHOW_AS = frozenset({*_VIEW_CHARACTERS, "unknown"})
_ONLINE_MEETING_PROVIDERS = frozenset({"unknown", "skypeForBusiness", "skypeForConsumer", "teamsForBusiness"})
_ATTENDEE_TYPES = frozenset({"required", "optional", "resource"})
_BODY_TYPES = frozenset({"text", "html"})
_SCHEDULE_PARAMETERS = frozenset({"schedules", "starttime", "endtime", "availabilityviewinterval"})
# What can be written on an event; anything else is refused as an unknown property, as Graph does.
_EVENT_PROPERTIES = frozenset(
    {
        "@odata.type",
        "subject",
        "body",
        "start",
        "end",
        "attendees",
        "location",
        "locations",
        "isOnlineMeeting",
        "onlineMeetingProvider",
        "transactionId",
        "responseRequested",
        "allowNewTimeProposals",
        "showAs",
        "isReminderOn",
        "reminderMinutesBeforeStart",
        "importance",
        "sensitivity",
        "categories",
        "hideAttendees",
        "isAllDay",
        "originalStartTimeZone",
        "originalEndTimeZone",
    }
)
_EVENT_BOOLEANS = (
    "isOnlineMeeting",
    "responseRequested",
    "allowNewTimeProposals",
    "isReminderOn",
    "hideAttendees",
    "isAllDay",
)
_ATTENDEE_PROPERTIES = frozenset({"@odata.type", "emailAddress", "type", "status", "proposedNewTime"})
_ADDRESS_PROPERTIES = frozenset({"@odata.type", "address", "name"})
_GRAPH_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?")
_MAILBOX_PATH = re.compile(r"/users/([^/]+)(?:/|$)")
_OWA = "https://outlook.office365.com/owa/"

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
    process_first: bool = False

    def after_processing(self) -> Fault:
        """The same fault, answered only after the request was carried out (an answer lost on its way back)."""
        return replace(self, process_first=True)

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

    @classmethod
    def mailbox_concurrency(cls, retry_after: int | str = 1) -> Fault:
        """Exchange's answer to a request beyond the mailbox's limit of requests in flight."""
        return cls(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", str(retry_after))


@dataclass
class FakeChat:
    resource: dict[str, Any]
    members: tuple[str, ...]
    roles: tuple[tuple[str, ...], ...]
    installed_apps: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class FakeWorkingHours:
    days: tuple[str, ...]
    start: time
    end: time
    zone_name: str


@dataclass(frozen=True)
class FakeBusy:
    start: datetime
    end: datetime
    status: str


@dataclass
class FakeMailbox:
    address: str
    working_hours: FakeWorkingHours | None
    busy: list[FakeBusy] = field(default_factory=list)


@dataclass
class FakeEvent:
    """An event in ``mailbox``'s calendar; ``resource`` is what Graph answers for it."""

    mailbox: str
    resource: dict[str, Any]
    start: datetime
    end: datetime
    attendees: tuple[str, ...]  # lower case
    show_as: str
    cancelled: bool = False
    cancel_comment: str | None = None


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
        self.mailboxes: dict[str, FakeMailbox] = {}
        self.events: dict[str, FakeEvent] = {}
        # Seconds every answer takes, so that requests overlap as they do against the real service.
        self.latency = 0.0
        # When set, requests beyond this many in flight for one mailbox get Exchange's 429 (see the docstring).
        self.mailbox_concurrency_limit: int | None = None
        self.max_in_flight: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._transactions: dict[tuple[str, str], str] = {}
        self._events_by_mailbox: dict[str, set[str]] = {}
        self._faults: dict[tuple[str, str] | None, deque[_Scripted]] = {}
        self._routes: list[tuple[str, str, Handler]] = [
            ("POST", "/chats", _create_chat),
            ("POST", "/chats/{chat_id}/installedApps", _install_app),
            ("GET", "/users/{user_id}/manager", _get_manager),
            ("POST", "/users/{user_id}/calendar/getSchedule", _get_schedule),
            ("POST", "/users/{user_id}/events", _create_event),
            ("PATCH", "/users/{user_id}/events/{event_id}", _update_event),
            ("POST", "/users/{user_id}/events/{event_id}/cancel", _cancel_event),
        ]
        self._server: TestServer | None = None

    # Lifecycle ------------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("start the fake Graph first")
        return f"http://127.0.0.1:{self._server.port}{PREFIX}"

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve another endpoint (path below /v1.0, aiohttp placeholders like ``{user_id}``); before start().

        A handler for a method and path the fake already serves takes the built-in one's place.
        """
        if self._server is not None:
            raise RuntimeError("routes must be added before the fake Graph starts")
        method = method.upper()
        self._routes = [route for route in self._routes if route[:2] != (method, path)]
        self._routes.append((method, path, handler))

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

    # Calendars ------------------------------------------------------------------------------------------------

    def add_mailbox(self, address: str, *, working_hours: bool = True) -> FakeMailbox:
        """A mailbox with Outlook's default working hours (weekdays 08:00-17:00, UK time), or with none at all."""
        key = address.strip().lower()
        if key not in self.mailboxes:
            hours = FakeWorkingHours(WEEKDAYS, time(8), time(17), "GMT Standard Time") if working_hours else None
            self.mailboxes[key] = FakeMailbox(key, hours)
        elif not working_hours:
            self.mailboxes[key].working_hours = None
        return self.mailboxes[key]

    def set_working_hours(
        self,
        address: str,
        *,
        days: Iterable[str] = WEEKDAYS,
        start: time = time(8),
        end: time = time(17),
        zone_name: str = "GMT Standard Time",
    ) -> None:
        """Working hours as Outlook keeps them: day names, local times, and a (usually Windows) zone name."""
        chosen = tuple(days)
        if not set(chosen) <= set(DAY_NAMES):
            raise ValueError(f"days are among {DAY_NAMES}")
        self.add_mailbox(address).working_hours = FakeWorkingHours(chosen, start, end, zone_name)

    def add_busy(self, address: str, start: datetime, end: datetime, status: str = "busy") -> None:
        """Something in the mailbox's calendar that shows as ``status`` (busy, tentative, oof, workingElsewhere)."""
        if status not in _VIEW_CHARACTERS or status == "free":
            raise ValueError("status is tentative, busy, oof or workingElsewhere")
        if start.tzinfo is None or end.tzinfo is None or not start < end:
            raise ValueError("give aware times, the start before the end")
        self.add_mailbox(address).busy.append(FakeBusy(start.astimezone(UTC), end.astimezone(UTC), status))

    def live_events(self, mailbox: str | None = None) -> list[FakeEvent]:
        """Events not cancelled, of one mailbox or of all, in the order they were made."""
        key = mailbox.lower() if mailbox is not None else None
        return [e for e in self.events.values() if not e.cancelled and (key is None or e.mailbox == key)]

    def _busy_in(self, address: str, start: datetime, end: datetime) -> list[FakeBusy]:
        mailbox = self.mailboxes[address]
        items = [b for b in mailbox.busy if b.start < end and start < b.end]
        for event_id in self._events_by_mailbox.get(address, ()):
            event = self.events[event_id]
            # An event shown as free (or unknown) leaves the time free.
            if event.show_as in _STRENGTH[1:] and event.start < end and start < event.end:
                items.append(FakeBusy(event.start, event.end, event.show_as))
        return items

    def _file_event(self, event: FakeEvent) -> None:
        for address in {event.mailbox, *event.attendees}:
            self._events_by_mailbox.setdefault(address, set()).add(event.resource["id"])

    def _unfile_event(self, event: FakeEvent) -> None:
        for ids in self._events_by_mailbox.values():
            ids.discard(event.resource["id"])

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
        mailbox = _mailbox_in(path)
        if mailbox is not None:
            self._in_flight[mailbox] = in_flight = self._in_flight.get(mailbox, 0) + 1
            self.max_in_flight[mailbox] = max(self.max_in_flight.get(mailbox, 0), in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            fault = self._take_fault(request.method, path)
            if fault is None and mailbox is not None and self._over_the_limit(mailbox):
                fault = Fault.mailbox_concurrency()
            if fault is None:
                answer = await self._answer(request, handler, path)
            else:
                if fault.process_first:
                    await self._answer(request, handler, path)
                answer = _fault_answer(request, fault)
        finally:
            if mailbox is not None:
                self._in_flight[mailbox] -= 1
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

    def _over_the_limit(self, mailbox: str) -> bool:
        limit = self.mailbox_concurrency_limit
        return limit is not None and self._in_flight[mailbox] > limit

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


def _mailbox_in(path: str) -> str | None:
    match = _MAILBOX_PATH.match(path)
    return match.group(1).lower() if match else None


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


# Calendar endpoints ---------------------------------------------------------------------------------------------


class _BadRequest(Exception):
    """A request Graph would refuse with 400; the endpoint turns it into Graph's error answer."""

    def __init__(self, message: str, code: str = "BadRequest") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


async def _get_schedule(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
    if _calendar_owner(fake, request) is None:
        return _no_such_mailbox(request)
    try:
        schedules, start, end, step = _schedule_question(body)
    except _BadRequest as bad:
        return graph_error(request, 400, bad.code, bad.message)
    return web.json_response(
        {
            "@odata.context": f"{GRAPH_V1}/$metadata#Collection(microsoft.graph.scheduleInformation)",
            "value": [_schedule_information(fake, address, start, end, step) for address in schedules],
        }
    )


def _schedule_question(body: Any) -> tuple[list[str], datetime, datetime, timedelta]:
    if not isinstance(body, dict):
        raise _BadRequest("The parameters of getSchedule must be given as a JSON object.")
    named = {str(name).lower(): value for name, value in body.items()}
    if unknown := sorted(set(named) - _SCHEDULE_PARAMETERS):
        raise _BadRequest(f"'{unknown[0]}' is not a parameter of the action getSchedule.")
    schedules = named.get("schedules")
    if (
        not isinstance(schedules, list)
        or not schedules
        or not all(isinstance(address, str) and address.strip() for address in schedules)
    ):
        raise _BadRequest("Schedules must be a list of one or more addresses.")
    if len(schedules) > MOST_SCHEDULES:
        raise _BadRequest(
            f"At most {MOST_SCHEDULES} addresses can be looked up at once; {len(schedules)} were asked for.",
            "ErrorMailboxDataArrayTooBig",
        )
    start = _graph_moment(named.get("starttime"), "StartTime")
    end = _graph_moment(named.get("endtime"), "EndTime")
    if not start < end:
        raise _BadRequest("EndTime must come after StartTime.")
    if end - start > LONGEST_SCHEDULE_WINDOW:
        raise _BadRequest(
            f"The time window is longer than the {LONGEST_SCHEDULE_WINDOW.days} days allowed.",
            "ErrorTimeIntervalTooBig",
        )
    minutes = named.get("availabilityviewinterval", 30)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 1440:
        raise _BadRequest("AvailabilityViewInterval must be a whole number of minutes from 5 to 1440.")
    return schedules, start, end, timedelta(minutes=minutes)


def _schedule_information(
    fake: FakeGraph, address: str, start: datetime, end: datetime, step: timedelta
) -> dict[str, Any]:
    key = address.strip().lower()
    mailbox = fake.mailboxes.get(key)
    if mailbox is None:
        return {
            "scheduleId": address,
            "error": {
                "message": "No mailbox with this address could be found.",
                "responseCode": "ErrorMailRecipientNotFound",
            },
        }
    items = fake._busy_in(key, start, end)
    slots = -(-(end - start) // step)
    view = bytearray(b"0" * slots)
    # Weakest first, so that where items overlap the strongest status is the one left showing.
    for item in sorted(items, key=lambda busy: _STRENGTH.index(busy.status)):
        first = max(0, (item.start - start) // step)
        last = min(slots, -(-(item.end - start) // step))
        if first < last:
            view[first:last] = _VIEW_CHARACTERS[item.status].encode() * (last - first)
    information: dict[str, Any] = {
        "scheduleId": address,
        "availabilityView": view.decode(),
        "scheduleItems": [
            {"isPrivate": False, "status": item.status, "start": _graph_time(item.start), "end": _graph_time(item.end)}
            for item in sorted(items, key=lambda busy: busy.start)
        ],
    }
    hours = mailbox.working_hours
    if hours is not None:
        information["workingHours"] = {
            "daysOfWeek": list(hours.days),
            "startTime": _time_of_day(hours.start),
            "endTime": _time_of_day(hours.end),
            "timeZone": {"name": hours.zone_name},
        }
    return information


async def _create_event(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
    owner = _calendar_owner(fake, request)
    if owner is None:
        return _no_such_mailbox(request)
    try:
        _check_event(body, creating=True)
        transaction = body.get("transactionId")
        if transaction is not None and (owner, transaction) in fake._transactions:
            # The same transactionId again: a client's retry, answered with the event its first try made.
            return created(fake.events[fake._transactions[owner, transaction]].resource)
        event = _new_event(fake, owner, body)
    except _BadRequest as bad:
        return graph_error(request, 400, bad.code, bad.message)
    event_id = event.resource["id"]
    fake.events[event_id] = event
    fake._file_event(event)
    if transaction is not None:
        fake._transactions[owner, transaction] = event_id
    return created(event.resource)


async def _update_event(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
    owner = _calendar_owner(fake, request)
    if owner is None:
        return _no_such_mailbox(request)
    event = _live_event(fake, owner, request.match_info["event_id"])
    if event is None:
        return _no_such_event(request)
    try:
        _check_event(body, creating=False)
        start = _graph_moment(body["start"], "start") if "start" in body else event.start
        end = _graph_moment(body["end"], "end") if "end" in body else event.end
        if not start < end:
            raise _BadRequest("An event must end after it starts.")
    except _BadRequest as bad:
        return graph_error(request, 400, bad.code, bad.message)
    fake._unfile_event(event)
    event.start, event.end = start, end
    event.show_as = body.get("showAs", event.show_as)
    resource = event.resource
    for name in body.keys() - {"@odata.type", "start", "end", "attendees", "body", "transactionId"}:
        resource[name] = body[name]
    resource["start"], resource["end"] = _graph_time(start), _graph_time(end)
    if "body" in body:
        resource["body"], resource["bodyPreview"] = _event_body(body["body"])
    if "attendees" in body:
        event.attendees = tuple(a["emailAddress"]["address"].lower() for a in body["attendees"])
        resource["attendees"] = [_attendee_resource(a) for a in body["attendees"]]
    resource["lastModifiedDateTime"] = _graph_now()
    resource["changeKey"] = _change_key()
    fake._file_event(event)
    return web.json_response(resource)


async def _cancel_event(fake: FakeGraph, request: web.Request, body: Any) -> web.StreamResponse:
    owner = _calendar_owner(fake, request)
    if owner is None:
        return _no_such_mailbox(request)
    event = _live_event(fake, owner, request.match_info["event_id"])
    if event is None:
        return _no_such_event(request)
    named = {str(name).lower(): value for name, value in body.items()} if isinstance(body, dict) else {}
    if body is not None and (not isinstance(body, dict) or set(named) - {"comment"}):
        return graph_error(request, 400, "BadRequest", "The only parameter of the action cancel is Comment.")
    comment = named.get("comment")
    if comment is not None and not isinstance(comment, str):
        return graph_error(request, 400, "BadRequest", "Comment must be a string.")
    event.cancelled = True
    event.cancel_comment = comment
    event.resource["isCancelled"] = True
    fake._unfile_event(event)
    return web.Response(status=202)


def _calendar_owner(fake: FakeGraph, request: web.Request) -> str | None:
    address = request.match_info["user_id"].lower()
    return address if address in fake.mailboxes else None


def _no_such_mailbox(request: web.Request) -> web.Response:
    return graph_error(request, 404, "ErrorInvalidUser", f"There is no mailbox '{request.match_info['user_id']}'.")


def _live_event(fake: FakeGraph, owner: str, event_id: str) -> FakeEvent | None:
    event = fake.events.get(event_id)
    return event if event is not None and not event.cancelled and event.mailbox == owner else None


def _no_such_event(request: web.Request) -> web.Response:
    return graph_error(request, 404, "ErrorItemNotFound", "The item is not in this mailbox.")


def _check_event(body: Any, *, creating: bool) -> None:
    if not isinstance(body, dict):
        raise _BadRequest("An event must be given as a JSON object.")
    if unknown := sorted(set(body) - _EVENT_PROPERTIES):
        raise _BadRequest(f"The property '{unknown[0]}' does not exist on type 'microsoft.graph.event'.")
    if body.get("@odata.type", "#microsoft.graph.event") != "#microsoft.graph.event":
        raise _BadRequest("An event's @odata.type is #microsoft.graph.event.")
    if creating and ("start" not in body or "end" not in body):
        raise _BadRequest("A new event needs its start and end.")
    for name in ("start", "end"):
        if name in body:
            _graph_moment(body[name], name)
    for name in ("subject", "transactionId"):
        if name in body and not isinstance(body[name], str):
            raise _BadRequest(f"{name} must be a string.")
    for name in _EVENT_BOOLEANS:
        if name in body and not isinstance(body[name], bool):
            raise _BadRequest(f"{name} must be true or false.")
    reminder = body.get("reminderMinutesBeforeStart", 0)
    if isinstance(reminder, bool) or not isinstance(reminder, int) or reminder < 0:
        raise _BadRequest("reminderMinutesBeforeStart must be a whole number of minutes.")
    if body.get("onlineMeetingProvider", "teamsForBusiness") not in _ONLINE_MEETING_PROVIDERS:
        raise _BadRequest(f"onlineMeetingProvider must be one of {sorted(_ONLINE_MEETING_PROVIDERS)}.")
    if body.get("showAs", "busy") not in _SHOW_AS:
        raise _BadRequest(f"showAs must be one of {sorted(_SHOW_AS)}.")
    if "body" in body:
        content = body["body"]
        if (
            not isinstance(content, dict)
            or set(content) - {"@odata.type", "contentType", "content"}
            or content.get("contentType", "text") not in _BODY_TYPES
            or not isinstance(content.get("content", ""), str)
        ):
            raise _BadRequest("body must be an itemBody: contentType text or html, and content.")
    attendees = body.get("attendees", [])
    if not isinstance(attendees, list):
        raise _BadRequest("attendees must be a list.")
    for attendee in attendees:
        _check_attendee(attendee)


def _check_attendee(attendee: Any) -> None:
    if not isinstance(attendee, dict) or (unknown := set(attendee) - _ATTENDEE_PROPERTIES):
        raise _BadRequest(f"An attendee has properties an attendee does not have: {sorted(unknown or {'?'})}.")
    if attendee.get("type", "required") not in _ATTENDEE_TYPES:
        raise _BadRequest(f"An attendee's type must be one of {sorted(_ATTENDEE_TYPES)}.")
    address = attendee.get("emailAddress")
    if (
        not isinstance(address, dict)
        or set(address) - _ADDRESS_PROPERTIES
        or not isinstance(address.get("address"), str)
        or "@" not in address["address"]
        or not isinstance(address.get("name", ""), str)
    ):
        raise _BadRequest("Each attendee needs an emailAddress with an address (and optionally a name).")


def _new_event(fake: FakeGraph, owner: str, body: dict[str, Any]) -> FakeEvent:
    start, end = _graph_moment(body["start"], "start"), _graph_moment(body["end"], "end")
    if not start < end:
        raise _BadRequest("An event must end after it starts.")
    event_id = "AAMkAD" + base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
    teams = body.get("isOnlineMeeting") is True and body.get("onlineMeetingProvider") in (None, "teamsForBusiness")
    now = _graph_now()
    content, preview = _event_body(body.get("body", {}))
    attendees = body.get("attendees", [])
    resource: dict[str, Any] = {
        "@odata.context": f"{GRAPH_V1}/$metadata#users('{owner}')/events/$entity",
        "id": event_id,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "changeKey": _change_key(),
        "categories": [],
        "transactionId": body.get("transactionId"),
        "originalStartTimeZone": body["start"]["timeZone"],
        "originalEndTimeZone": body["end"]["timeZone"],
        "iCalUId": "040000008200E00074C5B7101A82E00800000000" + uuid.uuid4().hex.upper(),
        "reminderMinutesBeforeStart": body.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": body.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": body.get("subject", ""),
        "bodyPreview": preview,
        "importance": body.get("importance", "normal"),
        "sensitivity": body.get("sensitivity", "normal"),
        "isAllDay": body.get("isAllDay", False),
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": body.get("responseRequested", True),
        "seriesMasterId": None,
        "showAs": body.get("showAs", "busy"),
        "type": "singleInstance",
        "webLink": f"{_OWA}?itemid={quote(event_id, safe='')}&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": teams,
        "onlineMeetingProvider": "teamsForBusiness" if teams else "unknown",
        "allowNewTimeProposals": body.get("allowNewTimeProposals", True),
        "isDraft": False,
        "hideAttendees": body.get("hideAttendees", False),
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": content,
        "start": _graph_time(start),
        "end": _graph_time(end),
        "location": {"displayName": "", "locationType": "default", "uniqueIdType": "unknown"},
        "locations": [],
        "recurrence": None,
        "attendees": [_attendee_resource(attendee) for attendee in attendees],
        "organizer": {"emailAddress": {"name": owner.split("@")[0], "address": owner}},
        "onlineMeeting": {"joinUrl": _join_url(fake)} if teams else None,
    }
    return FakeEvent(
        mailbox=owner,
        resource=resource,
        start=start,
        end=end,
        attendees=tuple(a["emailAddress"]["address"].lower() for a in attendees),
        show_as=resource["showAs"],
    )


def _attendee_resource(attendee: dict[str, Any]) -> dict[str, Any]:
    address = attendee["emailAddress"]
    return {
        "type": attendee.get("type", "required"),
        "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
        "emailAddress": {"name": address.get("name") or address["address"], "address": address["address"]},
    }


def _event_body(given: dict[str, Any]) -> tuple[dict[str, str], str]:
    # Exchange keeps and answers a text body as HTML.
    text = given.get("content", "")
    if given.get("contentType", "text") == "html":
        return {"contentType": "html", "content": text}, re.sub(r"<[^>]*>", "", text)[:255]
    return {"contentType": "html", "content": f"<html><body>{html.escape(text)}</body></html>"}, text[:255]


def _join_url(fake: FakeGraph) -> str:
    meeting = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
    context = quote(json.dumps({"Tid": fake.tenant_id, "Oid": str(uuid.uuid4())}, separators=(",", ":")), safe="")
    return f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting}%40thread.v2/0?context={context}"


def _change_key() -> str:
    return base64.b64encode(uuid.uuid4().bytes).decode()


def _graph_moment(value: Any, what: str) -> datetime:
    """A ``dateTimeTimeZone`` as an aware UTC time; the date and time carry no offset, the zone says where."""
    if (
        not isinstance(value, dict)
        or set(value) - {"@odata.type", "dateTime", "timeZone"}
        or not isinstance(value.get("dateTime"), str)
        or not isinstance(value.get("timeZone"), str)
    ):
        raise _BadRequest(f"{what} must be a dateTimeTimeZone: a dateTime and a timeZone.")
    match = _GRAPH_DATETIME.fullmatch(value["dateTime"])
    if match is None:
        raise _BadRequest(f"{what}.dateTime '{value['dateTime']}' is not a date and time of day without an offset.")
    zone: tzinfo | None = zone_named(value["timeZone"])
    if zone is None:
        raise _BadRequest(f"The time zone '{value['timeZone']}' is not supported.", "TimeZoneNotSupportedException")
    fraction = (match.group(2) or "")[:6].ljust(6, "0")
    local = datetime.fromisoformat(match.group(1)).replace(microsecond=int(fraction), tzinfo=zone)
    return local.astimezone(UTC)


def _graph_time(moment: datetime) -> dict[str, str]:
    return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


def _graph_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _time_of_day(moment: time) -> str:
    return moment.strftime("%H:%M:%S.0000000")


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
        return AccessToken(self.token, int(datetime.now(UTC).timestamp()) + 3600)

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
