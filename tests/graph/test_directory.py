"""GraphDirectory against the fake Graph, through the real msgraph-sdk."""

from __future__ import annotations

import pytest

from graph.client import GraphConnection
from graph.directory import GraphDirectory
from graph.errors import GraphRefused, GraphUnavailable
from programme.directory import Directory
from programme.identity import PersonId
from tests.support.fake_graph import FakeGraph, Fault

PERSON = PersonId("a97733ce-92a4-4e7e-8d45-8e1f3e6a69d8")
MANAGER = "7d54cb02-aaa3-4016-9f9c-a4b49422dd9b"
MANAGER_PATH = f"/users/{PERSON.value}/manager"


def directory_for(connection: GraphConnection) -> GraphDirectory:
    return GraphDirectory(connection.client)


def test_it_is_a_directory_port(connection: GraphConnection) -> None:
    port: Directory = directory_for(connection)
    assert port is not None


async def test_the_managers_mail_is_returned_lower_cased(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.add_user(MANAGER, mail="Sara.Davis@Northmoor.NHS.uk", user_principal_name="SaraD@northmoor.nhs.uk")
    fake_graph.set_manager(PERSON.value, MANAGER)

    assert await directory_for(connection).manager_email(PERSON) == "sara.davis@northmoor.nhs.uk"

    [sent] = fake_graph.requests_to("GET", MANAGER_PATH)
    assert sent.query == {"$select": "mail,userPrincipalName"}
    assert sent.body is None
    assert sent.status == 200


async def test_without_a_mailbox_the_user_principal_name_is_used(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.add_user(MANAGER, mail=None, user_principal_name="SaraD@Northmoor.nhs.uk")
    fake_graph.set_manager(PERSON.value, MANAGER)

    assert await directory_for(connection).manager_email(PERSON) == "sarad@northmoor.nhs.uk"


async def test_a_guests_principal_name_is_not_an_address(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.add_user(MANAGER, mail=None, user_principal_name="sara_example.org#EXT#@northmoor.onmicrosoft.com")
    fake_graph.set_manager(PERSON.value, MANAGER)

    assert await directory_for(connection).manager_email(PERSON) is None


async def test_a_manager_recorded_as_a_contact_gives_the_contacts_mail(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.add_contact(MANAGER, mail="Director@Partner-Trust.nhs.uk")
    fake_graph.set_manager(PERSON.value, MANAGER)

    assert await directory_for(connection).manager_email(PERSON) == "director@partner-trust.nhs.uk"


async def test_no_manager_is_none(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    assert await directory_for(connection).manager_email(PERSON) is None

    [sent] = fake_graph.requests_to("GET", MANAGER_PATH)
    assert sent.status == 404


async def test_a_throttled_lookup_is_retried(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.add_user(MANAGER, mail="sara@northmoor.nhs.uk", user_principal_name="sara@northmoor.nhs.uk")
    fake_graph.set_manager(PERSON.value, MANAGER)
    fake_graph.fail_next(Fault.throttled(retry_after=1), method="GET", path=MANAGER_PATH)

    assert await directory_for(connection).manager_email(PERSON) == "sara@northmoor.nhs.uk"
    assert [r.status for r in fake_graph.requests_to("GET", MANAGER_PATH)] == [429, 200]


async def test_a_missing_permission_is_refused(connection: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.fail_always(
        Fault(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
        method="GET",
        path=MANAGER_PATH,
    )

    with pytest.raises(GraphRefused) as caught:
        await directory_for(connection).manager_email(PERSON)

    assert caught.value.code == "Authorization_RequestDenied"
    assert caught.value.user_message.startswith("I couldn't look up line managers in the directory")


async def test_a_gateway_timeout_that_persists_is_unavailable(
    connection: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.fail_next(Fault.gateway_timeout(), times=4, method="GET", path=MANAGER_PATH)

    with pytest.raises(GraphUnavailable) as caught:
        await directory_for(connection).manager_email(PERSON)

    # Three retries after the first attempt (kiota's default), then the failure is ours to report.
    assert len(fake_graph.requests_to("GET", MANAGER_PATH)) == 4
    assert caught.value.status == 504
