"""The one call the composition root makes to get the Graph-backed ports, from plain values.

graph/ may not import bot/, so this takes the settings' values rather than the Settings object::

    if settings.bot_graph is not None:
        access = settings.bot_graph
        graph = graph_services(
            tenant_id=access.tenant_id,
            client_id=access.client_id,
            client_secret=access.client_secret.reveal(),
            catalog_app_id=access.catalog_app_id,
            base_url=settings.graph_base_url,
            organizer_mailbox=...,  # the programme mailbox, or None for no Graph calendar
            fallback_zone=settings.timezone,
        )
        ... graph.pair_chats, graph.directory, graph.calendar ...
        await graph.aclose()  # at shutdown

Call it once per process: every port shares one client, one connection pool and one token cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from graph.calendar import GraphCalendar
from graph.client import RetryPolicy, TokenTransport, app_only_credential, graph_connection, load_models
from graph.directory import GraphDirectory
from graph.pair_chats import GraphPairChats
from programme.calendar import Calendar
from programme.directory import Directory
from programme.identity import TenantId
from programme.pair_chats import PairChats


@dataclass(frozen=True)
class GraphServices:
    """The Graph-backed ports. ``calendar`` is None when no programme mailbox was given."""

    pair_chats: PairChats
    directory: Directory
    aclose: Callable[[], Awaitable[None]]
    calendar: Calendar | None = None

    def __iter__(self) -> Iterator[Any]:
        # Callers written before the calendar unpack the first three: ``pair_chats, directory, aclose = ...``.
        return iter((self.pair_chats, self.directory, self.aclose))


def graph_services(
    *,
    tenant_id: str,
    client_id: str,
    client_secret: str,
    catalog_app_id: str,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    token_transport: TokenTransport | None = None,
    organizer_mailbox: str | None = None,
    fallback_zone: tzinfo = UTC,
) -> GraphServices:
    """The Graph adapters, signed in as the app registration ``client_id`` of tenant ``tenant_id``.

    ``organizer_mailbox`` is the programme mailbox meetings are booked from (see graph/calendar.py); without it
    there is no Graph calendar. ``fallback_zone`` is where the calendar reads working hours that Outlook does not
    give or gives in a zone it cannot place.

    ``base_url`` (tests: a loopback fake Graph) and ``token_transport`` (tests: where token requests go instead of
    Entra) stay unset in production. Nothing is fetched here; the first token is requested by the first call.
    msgraph's model modules are imported here, which takes a few seconds once (see ``load_models``).
    """
    tenant = TenantId.parse(tenant_id)
    load_models()
    credential = app_only_credential(tenant.value, client_id, client_secret, token_transport=token_transport)
    connection = graph_connection(credential, base_url=base_url, retry=retry)
    calendar = (
        GraphCalendar(connection.client, organizer=organizer_mailbox, fallback_zone=fallback_zone)
        if organizer_mailbox
        else None
    )
    return GraphServices(
        pair_chats=GraphPairChats(connection.client, tenant=tenant, catalog_app_id=catalog_app_id),
        directory=GraphDirectory(connection.client),
        aclose=connection.aclose,
        calendar=calendar,
    )
