"""Teams-shaped activities for tests: what the Teams service really sends, with only the ids varied."""

from __future__ import annotations

import itertools
from typing import Any

TENANT = "8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6"
OTHER_TENANT = "11111111-2222-3333-4444-555555555555"
BOT_ID = "28:bot"
_ids = itertools.count(1)


def _base(
    kind: str, *, service_url: str, person: str, tenant: str, conversation: str | None, personal: bool
) -> dict[str, Any]:
    conversation_id = conversation or f"a:personal-{person}"
    return {
        "type": kind,
        "id": f"activity-{next(_ids)}",
        "timestamp": "2026-11-26T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{person}", "name": "Test Person", "aadObjectId": person},
        "conversation": {
            "id": conversation_id,
            "conversationType": "personal" if personal else "groupChat",
            "tenantId": tenant,
            **({} if personal else {"isGroup": True}),
        },
        "recipient": {"id": BOT_ID, "name": "ReMEDI bot"},
        "channelData": {"tenant": {"id": tenant}},
        "locale": "en-GB",
    }


def message(
    text: str,
    *,
    service_url: str,
    person: str,
    tenant: str = TENANT,
    conversation: str | None = None,
    personal: bool = True,
    value: Any = None,
) -> dict[str, Any]:
    activity = _base(
        "message", service_url=service_url, person=person, tenant=tenant, conversation=conversation, personal=personal
    )
    activity["text"] = text
    activity["textFormat"] = "plain"
    if value is not None:
        activity["value"] = value
    return activity


def mention_message(text: str, *, service_url: str, person: str, tenant: str = TENANT) -> dict[str, Any]:
    """A group-chat message that @mentions the bot, as Teams formats it."""
    activity = message(
        f"<at>ReMEDI bot</at> {text}",
        service_url=service_url,
        person=person,
        tenant=tenant,
        personal=False,
        conversation="19:group@thread.v2",
    )
    activity["entities"] = [
        {"type": "mention", "text": "<at>ReMEDI bot</at>", "mentioned": {"id": BOT_ID, "name": "ReMEDI bot"}}
    ]
    return activity


def card_action(verb: Any, data: Any = None, *, service_url: str, person: str, tenant: str = TENANT) -> dict[str, Any]:
    activity = _base("invoke", service_url=service_url, person=person, tenant=tenant, conversation=None, personal=True)
    activity["name"] = "adaptiveCard/action"
    activity["value"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data if data is not None else {}},
        "trigger": "manual",
    }
    return activity


def installation(*, service_url: str, person: str, tenant: str = TENANT, personal: bool = True) -> dict[str, Any]:
    activity = _base(
        "installationUpdate",
        service_url=service_url,
        person=person,
        tenant=tenant,
        conversation=None,
        personal=personal,
    )
    activity["action"] = "add"
    return activity


def members_added(*, service_url: str, person: str, tenant: str = TENANT) -> dict[str, Any]:
    activity = _base(
        "conversationUpdate", service_url=service_url, person=person, tenant=tenant, conversation=None, personal=True
    )
    activity["membersAdded"] = [{"id": f"29:{person}", "aadObjectId": person}]
    activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity
