"""The address of a Teams group chat the bot was installed into, in the shape the notifier sends to.

Graph gives only the chat's id; a proactive message also needs the channel, the Bot Connector's service URL for
the region and the bot's own id, which only the bot knows.
"""

from __future__ import annotations

from typing import Any

from programme.identity import TenantId


def group_chat_address(tenant: TenantId, chat_id: str, *, app_id: str, service_url: str) -> dict[str, Any]:
    return {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "conversation": {
            "id": chat_id,
            "isGroup": True,
            "conversationType": "groupChat",
            "tenantId": tenant.value,
        },
        "bot": {"id": f"28:{app_id}", "name": "ReMEDI"},
    }
