"""The fake Graph itself: it must refuse what the real one refuses, or the adapter tests prove nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.support.fake_graph import FAKE_TOKEN, OUTLOOK_MAILBOX_CONCURRENCY, FakeGraph, Fault, created, graph_error

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


# Calendars ------------------------------------------------------------------------------------------------------

ORGANIZER = "mentoring@trust.example.org"
PERSON = "asha.patel@trust.example.org"


def graph_time(moment: str, zone: str = "UTC") -> dict[str, str]:
    return {"dateTime": moment, "timeZone": zone}


def schedule_question(**changes: Any) -> dict[str, Any]:
    question: dict[str, Any] = {
        "schedules": [PERSON],
        "startTime": graph_time("2027-01-04T09:00:00"),
        "endTime": graph_time("2027-01-04T12:00:00"),
        "availabilityViewInterval": 30,
    }
    question.update(changes)
    return {k: v for k, v in question.items() if v is not None}


def new_event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "subject": "Reverse mentoring",
        "start": graph_time("2027-01-05T10:00:00"),
        "end": graph_time("2027-01-05T11:00:00"),
        "attendees": [{"type": "required", "emailAddress": {"address": PERSON, "name": "Asha Patel"}}],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


async def test_a_schedule_shows_the_strongest_status_per_slot_with_working_hours(
    http: aiohttp.ClientSession, fake_graph: FakeGraph
) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    fake_graph.set_working_hours(
        PERSON, days=["monday", "tuesday"], start=time(8, 30), zone_name="Romance Standard Time"
    )
    fake_graph.add_busy(PERSON, datetime(2027, 1, 4, 9, 10, tzinfo=UTC), datetime(2027, 1, 4, 9, 20, tzinfo=UTC))
    fake_graph.add_busy(PERSON, datetime(2027, 1, 4, 10, tzinfo=UTC), datetime(2027, 1, 4, 11, tzinfo=UTC), "tentative")
    fake_graph.add_busy(PERSON, datetime(2027, 1, 4, 10, 30, tzinfo=UTC), datetime(2027, 1, 4, 11, tzinfo=UTC), "oof")

    path = f"/users/{ORGANIZER}/calendar/getSchedule"
    # Parameter names in any case, as msgraph-sdk writes them.
    question = {name[0].upper() + name[1:]: value for name, value in schedule_question().items()}
    status, body, _ = await call(http, fake_graph, "POST", path, question)

    assert status == 200
    [schedule] = body["value"]
    assert schedule["scheduleId"] == PERSON
    assert schedule["availabilityView"] == "201300"
    assert [item["status"] for item in schedule["scheduleItems"]] == ["busy", "tentative", "oof"]
    assert schedule["scheduleItems"][0]["start"] == graph_time("2027-01-04T09:10:00.0000000")
    assert schedule["workingHours"] == {
        "daysOfWeek": ["monday", "tuesday"],
        "startTime": "08:30:00.0000000",
        "endTime": "17:00:00.0000000",
        "timeZone": {"name": "Romance Standard Time"},
    }


async def test_an_unknown_address_gets_an_error_in_its_place(
    http: aiohttp.ClientSession, fake_graph: FakeGraph
) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    fake_graph.add_mailbox(PERSON)
    question = schedule_question(schedules=["nobody@trust.example.org", PERSON])

    status, body, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/calendar/getSchedule", question)

    assert status == 200
    unknown, known = body["value"]
    assert unknown["error"]["responseCode"] == "ErrorMailRecipientNotFound"
    assert "availabilityView" not in unknown
    assert known["availabilityView"] == "000000"


@pytest.mark.parametrize(
    ("question", "code", "complaint"),
    [
        (schedule_question(schedules=[]), "BadRequest", "Schedules"),
        (schedule_question(schedules=[f"p{n}@x.org" for n in range(101)]), "ErrorMailboxDataArrayTooBig", "101"),
        (schedule_question(endTime=graph_time("2027-03-07T09:00:01")), "ErrorTimeIntervalTooBig", "62 days"),
        (schedule_question(endTime=graph_time("2027-01-04T09:00:00")), "BadRequest", "after"),
        (schedule_question(availabilityViewInterval=4), "BadRequest", "5 to 1440"),
        (schedule_question(availabilityViewInterval="15"), "BadRequest", "5 to 1440"),
        (schedule_question(startTime={"dateTime": "2027-01-04T09:00:00"}), "BadRequest", "dateTimeTimeZone"),
        (schedule_question(startTime=graph_time("2027-01-04T09:00:00+00:00")), "BadRequest", "offset"),
        (schedule_question(startTime=graph_time("2027-01-04T09:00:00", "Mars")), "TimeZoneNotSupportedException", ""),
        (schedule_question(prefer="UTC"), "BadRequest", "prefer"),
    ],
)
async def test_malformed_schedule_questions_are_refused(
    http: aiohttp.ClientSession, fake_graph: FakeGraph, question: dict[str, Any], code: str, complaint: str
) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    status, body, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/calendar/getSchedule", question)
    assert status == 400
    assert body["error"]["code"] == code
    assert complaint in body["error"]["message"]


async def test_a_62_day_window_is_allowed(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    fake_graph.add_mailbox(PERSON)
    question = schedule_question(endTime=graph_time("2027-03-07T09:00:00"), availabilityViewInterval=1440)
    status, body, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/calendar/getSchedule", question)
    assert status == 200
    assert body["value"][0]["availabilityView"] == "0" * 62


async def test_calendar_paths_need_a_mailbox(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    status, body, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/events", new_event())
    assert status == 404
    assert body["error"]["code"] == "ErrorInvalidUser"


async def test_an_event_is_made_once_per_transaction_id_and_makes_people_busy(
    http: aiohttp.ClientSession, fake_graph: FakeGraph
) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    fake_graph.add_mailbox(PERSON)
    path = f"/users/{ORGANIZER}/events"

    first = await call(http, fake_graph, "POST", path, new_event(transactionId="t-1"))
    again = await call(http, fake_graph, "POST", path, new_event(transactionId="t-1"))
    other = await call(http, fake_graph, "POST", path, new_event(transactionId="t-2"))

    assert [first[0], again[0], other[0]] == [201, 201, 201]
    event = first[1]
    assert again[1]["id"] == event["id"] != other[1]["id"]
    assert "/" not in event["id"]
    assert event["onlineMeeting"]["joinUrl"].startswith("https://teams.microsoft.com/l/meetup-join/19%3ameeting_")
    assert event["start"] == graph_time("2027-01-05T10:00:00.0000000")
    assert (event["isCancelled"], event["isOnlineMeeting"], event["showAs"]) == (False, True, "busy")
    assert event["attendees"][0]["emailAddress"] == {"name": "Asha Patel", "address": PERSON}
    assert len(fake_graph.live_events(ORGANIZER)) == 2

    question = schedule_question(startTime=graph_time("2027-01-05T09:00:00"), endTime=graph_time("2027-01-05T12:00:00"))
    _, schedules, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/calendar/getSchedule", question)
    assert schedules["value"][0]["availabilityView"] == "002200"


@pytest.mark.parametrize(
    ("event", "complaint"),
    [
        (new_event(duration="PT1H"), "duration"),
        (new_event(onlineMeetingProvider="teams"), "onlineMeetingProvider"),
        (new_event(showAs="Busy"), "showAs"),
        (new_event(isOnlineMeeting="true"), "isOnlineMeeting"),
        (new_event(reminderMinutesBeforeStart="0:15:00"), "reminderMinutesBeforeStart"),
        (new_event(attendees=[{"emailAddress": {"name": "Asha"}}]), "emailAddress"),
        (new_event(attendees=[{"emailAddress": {"address": PERSON}, "type": "Required"}]), "type"),
        (new_event(body={"contentType": "Text", "content": "Hello"}), "itemBody"),
        (new_event(start=None), "start and end"),
        (new_event(end=graph_time("2027-01-05T09:00:00")), "end after"),
        (new_event(end=graph_time("2027-01-05T11:00:00Z")), "offset"),
    ],
)
async def test_malformed_events_are_refused(
    http: aiohttp.ClientSession, fake_graph: FakeGraph, event: dict[str, Any], complaint: str
) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    status, body, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/events", event)
    assert status == 400
    assert complaint in body["error"]["message"]
    assert fake_graph.events == {}


async def test_an_event_can_be_moved_and_cancelled_once(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    _, event, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/events", new_event())
    path = f"/users/{ORGANIZER}/events/{event['id']}"

    status, moved, _ = await call(http, fake_graph, "PATCH", path, {"start": graph_time("2027-01-05T10:30:00")})
    assert status == 200
    assert (moved["start"]["dateTime"], moved["end"]["dateTime"]) == (
        "2027-01-05T10:30:00.0000000",
        "2027-01-05T11:00:00.0000000",
    )
    assert (await call(http, fake_graph, "PATCH", path, {"start": graph_time("2027-01-05T12:00:00")}))[0] == 400

    assert (await call(http, fake_graph, "POST", path + "/cancel", {"Comment": "Sorry", "Reason": "x"}))[0] == 400
    assert (await call(http, fake_graph, "POST", path + "/cancel", {"Comment": "Sorry"}))[0] == 202
    assert fake_graph.events[event["id"]].cancel_comment == "Sorry"
    assert (await call(http, fake_graph, "POST", path + "/cancel"))[0] == 404
    assert (await call(http, fake_graph, "PATCH", path, {"subject": "Later"}))[0] == 404
    assert fake_graph.live_events() == []


async def test_an_event_belongs_to_its_own_mailbox(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    fake_graph.add_mailbox(PERSON)
    _, event, _ = await call(http, fake_graph, "POST", f"/users/{ORGANIZER}/events", new_event())
    status, body, _ = await call(http, fake_graph, "POST", f"/users/{PERSON}/events/{event['id']}/cancel")
    assert (status, body["error"]["code"]) == (404, "ErrorItemNotFound")


async def test_requests_beyond_the_mailbox_limit_are_throttled_as_exchange_does(
    http: aiohttp.ClientSession, fake_graph: FakeGraph
) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    fake_graph.add_mailbox(PERSON)
    fake_graph.latency = 0.05
    fake_graph.mailbox_concurrency_limit = OUTLOOK_MAILBOX_CONCURRENCY
    path = f"/users/{ORGANIZER}/calendar/getSchedule"

    answers = await asyncio.gather(*(call(http, fake_graph, "POST", path, schedule_question()) for _ in range(6)))

    assert sorted(status for status, _, _ in answers) == [200, 200, 200, 200, 429, 429]
    [throttled, *_] = [(body, headers) for status, body, headers in answers if status == 429]
    assert throttled[0]["error"]["code"] == "ApplicationThrottled"
    assert "MailboxConcurrency" in throttled[0]["error"]["message"]
    assert throttled[1]["Retry-After"] == "1"
    assert fake_graph.max_in_flight == {ORGANIZER: 6}
    # Another mailbox has its own count.
    assert (await call(http, fake_graph, "POST", f"/users/{PERSON}/calendar/getSchedule", schedule_question()))[
        0
    ] == 200
    assert fake_graph.max_in_flight[PERSON] == 1


async def test_a_fault_after_processing_acts_and_then_fails(http: aiohttp.ClientSession, fake_graph: FakeGraph) -> None:
    fake_graph.add_mailbox(ORGANIZER)
    path = f"/users/{ORGANIZER}/events"
    fake_graph.fail_next(Fault.unavailable(retry_after=2).after_processing(), method="POST", path=path)

    status, body, headers = await call(http, fake_graph, "POST", path, new_event(transactionId="t-1"))

    assert (status, body["error"]["code"], headers["Retry-After"]) == (503, "serviceNotAvailable", "2")
    [made] = fake_graph.live_events()
    assert made.resource["transactionId"] == "t-1"
    assert [r.status for r in fake_graph.requests] == [503]


def test_calendar_set_up_is_checked() -> None:
    fake = FakeGraph()
    with pytest.raises(ValueError, match="days"):
        fake.set_working_hours(PERSON, days=["Monday"])
    with pytest.raises(ValueError, match="status"):
        fake.add_busy(PERSON, datetime(2027, 1, 4, 9, tzinfo=UTC), datetime(2027, 1, 4, 10, tzinfo=UTC), "free")
    with pytest.raises(ValueError, match="aware"):
        fake.add_busy(PERSON, datetime(2027, 1, 4, 9), datetime(2027, 1, 4, 10))
