"""Who sent an activity and from which organisation, read defensively from what Teams sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from programme.errors import InvalidInput
from programme.identity import PersonId, TenantId


@dataclass(frozen=True)
class Sender:
    person: PersonId
    tenant: TenantId
    display_name: str


def activity_tenant(activity: Activity) -> TenantId | None:
    """Teams puts the tenant on the conversation and in channelData; either may be missing in older clients."""
    candidates: list[Any] = []
    if activity.conversation is not None:
        candidates.append(getattr(activity.conversation, "tenant_id", None))
    channel_data = activity.channel_data
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict):
            candidates.append(tenant.get("id"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            try:
                return TenantId.parse(candidate)
            except InvalidInput:
                return None
    return None


def activity_sender(activity: Activity) -> Sender | None:
    """The Entra identity of the sender, or None when Teams did not say who it is (e.g. an anonymous guest)."""
    sender = activity.from_property
    tenant = activity_tenant(activity)
    object_id = getattr(sender, "aad_object_id", None) if sender is not None else None
    if tenant is None or not isinstance(object_id, str):
        return None
    try:
        person = PersonId.parse(object_id)
    except InvalidInput:
        return None
    name = getattr(sender, "name", None)
    return Sender(person=person, tenant=tenant, display_name=name if isinstance(name, str) else "")


def is_personal_chat(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation is not None else None
    # Teams always says "personal" for 1:1 chats; a missing type is treated as 1:1 only when it is not a group.
    return kind == "personal" or (kind is None and not getattr(conversation, "is_group", False))
