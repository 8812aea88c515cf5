"""Checks on an inbound activity's JSON before botbuilder sees it.

botbuilder's msrest deserialiser accepts almost anything and fails later in odd places (a string where an object
belongs, a missing id). Rejecting malformed input here gives the caller a 400 that says what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

MAX_TYPE_LENGTH = 64
MAX_TEXT_LENGTH = 40_000
_ACCOUNT_FIELDS = ("from", "recipient", "conversation")
_OBJECT_FIELDS = ("channelData", "channelAccount")
_LIST_FIELDS = ("entities", "attachments", "membersAdded", "membersRemoved")
_STRING_FIELDS = (
    "id",
    "channelId",
    "serviceUrl",
    "name",
    "text",
    "locale",
    "replyToId",
    "action",
    "textFormat",
)


class InvalidActivity(ValueError):
    """The body is not an activity we can process; the message is safe to return to the caller."""


def validate_activity(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise InvalidActivity("the body must be a JSON object")
    kind = body.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise InvalidActivity("the activity has no 'type'")
    if len(kind) > MAX_TYPE_LENGTH:
        raise InvalidActivity("the activity 'type' is too long")
    for name in _STRING_FIELDS:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            raise InvalidActivity(f"'{name}' must be a string")
    for name in _ACCOUNT_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise InvalidActivity(f"'{name}' must be an object")
        if "id" in value and not isinstance(value["id"], str):
            raise InvalidActivity(f"'{name}.id' must be a string")
        for key in ("aadObjectId", "tenantId", "conversationType", "name"):
            if key in value and value[key] is not None and not isinstance(value[key], str):
                raise InvalidActivity(f"'{name}.{key}' must be a string")
    for name in _OBJECT_FIELDS:
        if name in body and body[name] is not None and not isinstance(body[name], Mapping):
            raise InvalidActivity(f"'{name}' must be an object")
    for name in _LIST_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise InvalidActivity(f"'{name}' must be a list of objects")
    text = body.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT_LENGTH:
        raise InvalidActivity("'text' is too long")
    service_url = body.get("serviceUrl")
    if isinstance(service_url, str):
        try:
            parts = urlsplit(service_url)
        except ValueError:  # e.g. an unclosed "[" or characters that NFKC-normalise into URL delimiters
            raise InvalidActivity("'serviceUrl' must be an http(s) URL") from None
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InvalidActivity("'serviceUrl' must be an http(s) URL")
    if kind in ("message", "invoke", "conversationUpdate", "installationUpdate"):
        for name in ("serviceUrl", "conversation", "from"):
            if body.get(name) is None:
                raise InvalidActivity(f"a '{kind}' activity needs '{name}'")
    return body
