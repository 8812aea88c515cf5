"""Pair group chats through Microsoft Graph: create the chat with both people in it, then install the bot there.

A bot cannot start a group chat through the Bot Connector, so this takes two Graph calls, as the bot's own app
registration (application permissions):

1. ``POST /chats`` (``Chat.Create``): a ``group`` chat with a topic and exactly the pair as owners, each bound by
   Entra object id. Graph has no idempotency key for chats, so every successful call makes a new chat; callers
   store the id and never call again for the same pair once they have it. One case they cannot see: a call that
   ends in a network error or 504 after Graph acted (kiota retries 504 too) may leave an extra, empty chat. That
   is rare and harmless beyond the clutter, and the only way to rule it out, listing chats, would need a far
   broader permission.
2. ``POST /chats/{id}/installedApps`` (``TeamsAppInstallation.ReadWriteSelfForChat.All``): install this app from
   the organisation's catalog, named by its *catalog* id. The "Self" permission lets the app install only
   itself, which is why Graph must be called as the bot's own registration. An answer of 409 means the app is
   already there, which is what we wanted.

Failures are :class:`~graph.errors.GraphError`; see graph/errors.py and graph/client.py for retries.
"""

from __future__ import annotations

import logging

from kiota_abstractions.api_error import APIError
from msgraph.generated.models.aad_user_conversation_member import AadUserConversationMember
from msgraph.generated.models.chat import Chat
from msgraph.generated.models.chat_type import ChatType
from msgraph.generated.models.conversation_member import ConversationMember
from msgraph.generated.models.teams_app_installation import TeamsAppInstallation
from msgraph.graph_service_client import GraphServiceClient

from graph.client import GRAPH_V1, preload_request_builders
from graph.errors import GraphRefused, GraphUnavailable, Operation, translated
from programme.identity import PersonId, TenantId, is_guid

log = logging.getLogger(__name__)

CREATE_CHAT = Operation("create a pair's group chat", "set up the pair's chat")
INSTALL_BOT = Operation("install the bot in a pair's chat", "join the pair's chat")

preload_request_builders(
    "msgraph.generated.chats.chats_request_builder",
    "msgraph.generated.chats.item.chat_item_request_builder",
    "msgraph.generated.chats.item.installed_apps.installed_apps_request_builder",
)


class GraphPairChats:
    """:class:`programme.pair_chats.PairChats` for one tenant, the one the app registration belongs to."""

    def __init__(self, client: GraphServiceClient, *, tenant: TenantId, catalog_app_id: str) -> None:
        if not is_guid(catalog_app_id):
            raise ValueError("catalog_app_id must be the app's id in the organisation's app catalog (a GUID)")
        self._client = client
        self._tenant = tenant
        self._catalog_app_id = catalog_app_id.lower()

    async def create_chat(self, tenant: TenantId, members: tuple[PersonId, PersonId], topic: str) -> str:
        first, second = members
        if first == second:
            raise ValueError("a pair's chat needs two different people")
        for person in members:
            # Bound into an OData key literal below, where anything but an id could change its meaning.
            if not is_guid(person.value):
                raise ValueError(f"{person.value!r} is not an Entra object id")
        if tenant != self._tenant:
            raise GraphRefused(
                CREATE_CHAT,
                f"the pair belongs to tenant {tenant.value}, but the bot's Graph access is for {self._tenant.value}",
            )
        body = Chat(chat_type=ChatType.Group, topic=topic.strip() or None, members=[_owner(first), _owner(second)])
        with translated(CREATE_CHAT):
            chat = await self._client.chats.post(body)
        if chat is None or not chat.id:
            raise GraphUnavailable(CREATE_CHAT, "Graph answered success but named no chat")
        log.info("created group chat %s for a pair", chat.id)
        return chat.id

    async def add_bot(self, chat_id: str) -> None:
        if not chat_id:
            raise ValueError("no chat id")
        body = TeamsAppInstallation(
            additional_data={"teamsApp@odata.bind": f"{GRAPH_V1}/appCatalogs/teamsApps/{self._catalog_app_id}"}
        )
        with translated(INSTALL_BOT):
            try:
                await self._client.chats.by_chat_id(chat_id).installed_apps.post(body)
            except APIError as error:
                if error.response_status_code != 409:
                    raise
                log.info("the bot was already installed in chat %s", chat_id)


def _owner(person: PersonId) -> ConversationMember:
    # Graph documents members of a new chat as bound with user@odata.bind; the model has no property for an OData
    # binding, so it goes in additional_data, which kiota writes out as given.
    return AadUserConversationMember(
        roles=["owner"], additional_data={"user@odata.bind": f"{GRAPH_V1}/users('{person.value}')"}
    )
