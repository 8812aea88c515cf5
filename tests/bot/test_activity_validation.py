"""Inbound activity checks: malformed bodies get a 400 that says what is wrong; nothing else escapes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.activity_validation import MAX_TEXT_LENGTH, MAX_TYPE_LENGTH, InvalidActivity, validate_activity

MINIMAL_MESSAGE: dict[str, Any] = {
    "type": "message",
    "serviceUrl": "https://smba.trafficmanager.net/emea/",
    "from": {"id": "29:1abc"},
    "conversation": {"id": "a:1xyz"},
}


def message(**changes: Any) -> dict[str, Any]:
    body = dict(MINIMAL_MESSAGE)
    for key, value in changes.items():
        name = "from" if key == "from_" else key
        if value is _ABSENT:
            body.pop(name, None)
        else:
            body[name] = value
    return body


_ABSENT = object()


def test_a_minimal_message_passes_unchanged() -> None:
    body = message()
    assert validate_activity(body) is body


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(message(text="help", id="1", locale="en-GB", channelData={"tenant": {"id": "t"}}), id="typical"),
        pytest.param(message(text=None, replyToId=None), id="nulls for optional strings"),
        pytest.param(message(entities=[], attachments=[{"contentType": "x"}]), id="lists of objects"),
        pytest.param(message(text="x" * MAX_TEXT_LENGTH), id="longest text"),
        pytest.param(message(serviceUrl="http://127.0.0.1:5000/"), id="plain http (local)"),
        pytest.param({"type": "typing"}, id="other types need no addresses"),
        pytest.param({"type": "t" * MAX_TYPE_LENGTH}, id="longest type"),
    ],
)
def test_valid_bodies_pass(body: dict[str, Any]) -> None:
    assert validate_activity(body) is body


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (None, "JSON object"),
        ([MINIMAL_MESSAGE], "JSON object"),
        ("message", "JSON object"),
        (42, "JSON object"),
        ({}, "no 'type'"),
        (message(type=None), "no 'type'"),
        (message(type=""), "no 'type'"),
        (message(type="   "), "no 'type'"),
        (message(type=["message"]), "no 'type'"),
        (message(type="m" * (MAX_TYPE_LENGTH + 1)), "'type' is too long"),
        (message(text=5), "'text' must be a string"),
        (message(text={"a": 1}), "'text' must be a string"),
        (message(id=1), "'id' must be a string"),
        (message(channelId=True), "'channelId' must be a string"),
        (message(locale=[]), "'locale' must be a string"),
        (message(from_="29:1abc"), "'from' must be an object"),
        (message(conversation=["a"]), "'conversation' must be an object"),
        (message(recipient=7), "'recipient' must be an object"),
        (message(from_={"id": 1}), "'from.id' must be a string"),
        (message(from_={"id": None}), "'from.id' must be a string"),
        (message(from_={"id": "x", "aadObjectId": 3}), "'from.aadObjectId' must be a string"),
        (message(conversation={"id": "c", "tenantId": {}}), "'conversation.tenantId' must be a string"),
        (message(conversation={"id": "c", "conversationType": 1}), "'conversation.conversationType' must be"),
        (message(channelData="x"), "'channelData' must be an object"),
        (message(channelData=[]), "'channelData' must be an object"),
        (message(entities={}), "'entities' must be a list of objects"),
        (message(entities=["mention"]), "'entities' must be a list of objects"),
        (message(attachments=[{}, None]), "'attachments' must be a list of objects"),
        (message(membersAdded="all"), "'membersAdded' must be a list of objects"),
        (message(text="x" * (MAX_TEXT_LENGTH + 1)), "'text' is too long"),
        (message(serviceUrl="ftp://example.com/"), "'serviceUrl' must be an http(s) URL"),
        (message(serviceUrl="https://"), "'serviceUrl' must be an http(s) URL"),
        (message(serviceUrl="smba.trafficmanager.net"), "'serviceUrl' must be an http(s) URL"),
        (message(serviceUrl="http://[::1"), "'serviceUrl' must be an http(s) URL"),
        (message(serviceUrl="http://a\uff03b@c/"), "'serviceUrl' must be an http(s) URL"),
        (message(serviceUrl=_ABSENT), "a 'message' activity needs 'serviceUrl'"),
        (message(conversation=_ABSENT), "a 'message' activity needs 'conversation'"),
        (message(from_=None), "a 'message' activity needs 'from'"),
        (message(type="invoke", conversation=None), "a 'invoke' activity needs 'conversation'"),
        (message(type="conversationUpdate", from_=_ABSENT), "needs 'from'"),
    ],
)
def test_malformed_bodies_are_refused_with_a_helpful_message(body: Any, says: str) -> None:
    with pytest.raises(InvalidActivity) as caught:
        validate_activity(body)
    assert says in str(caught.value)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["type", "id", "text", "serviceUrl", "from", "recipient", "conversation", "channelData", "entities", "name"]
)
# URL parsing is where library exceptions lurk: brackets, ports and characters that normalise into delimiters.
URL_LIKE = st.builds(
    "".join, st.lists(st.sampled_from(["http", "s", "://", "[", "]", "::1", ":", "@", "/", "x", "\uff03", "99"]))
)
# Mostly activity-shaped objects, so the checks deep inside are reached rather than only the first "not an object".
ACTIVITY_LIKE = st.dictionaries(FIELDS, JSON | URL_LIKE | st.sampled_from(["message", "invoke"]))


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON | ACTIVITY_LIKE | ACTIVITY_LIKE.map(lambda d: {**MINIMAL_MESSAGE, **d}))
def test_any_json_is_either_accepted_or_refused_as_invalid(body: Any) -> None:
    try:
        result = validate_activity(body)
    except InvalidActivity:
        return
    assert result is body
