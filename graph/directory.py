"""Line managers from Entra ID through Microsoft Graph: ``GET /users/{id}/manager`` (application ``User.Read.All``).

Only the manager's ``mail`` and ``userPrincipalName`` are asked for. Graph answers 404 both when the person has no
manager recorded and when the person is unknown to the directory; either way the directory does not know, which
the port says is ``None``. The manager may be a user or an organisational contact (a person outside the tenant
recorded in the directory); both carry ``mail``. A user without a mailbox falls back to the user principal name,
unless that is a guest's ``#EXT#`` name, which is no address at all.
"""

from __future__ import annotations

from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.org_contact import OrgContact
from msgraph.generated.models.user import User
from msgraph.graph_service_client import GraphServiceClient

from graph.client import preload_request_builders
from graph.errors import Operation, translated
from programme.identity import PersonId

FIND_MANAGER = Operation("look up a line manager", "look up line managers in the directory")

preload_request_builders(
    "msgraph.generated.users.users_request_builder",
    "msgraph.generated.users.item.user_item_request_builder",
    "msgraph.generated.users.item.manager.manager_request_builder",
)


class GraphDirectory:
    """:class:`programme.directory.Directory` backed by Entra ID."""

    def __init__(self, client: GraphServiceClient) -> None:
        self._client = client

    async def manager_email(self, person: PersonId) -> str | None:
        manager = self._client.users.by_user_id(person.value).manager
        query = manager.ManagerRequestBuilderGetQueryParameters(select=["mail", "userPrincipalName"])
        with translated(FIND_MANAGER):
            try:
                found = await manager.get(request_configuration=RequestConfiguration(query_parameters=query))
            except APIError as error:
                if error.response_status_code != 404:
                    raise
                return None
        return _address(found)


def _address(found: DirectoryObject | None) -> str | None:
    if found is None:
        return None
    if isinstance(found, User):
        mail, principal = found.mail, found.user_principal_name
    elif isinstance(found, OrgContact):
        mail, principal = found.mail, None
    else:
        # Without an @odata.type kiota cannot tell which kind of object it got; the properties are still there.
        extra = found.additional_data
        mail, principal = _text(extra.get("mail")), _text(extra.get("userPrincipalName"))
    if mail and mail.strip():
        return mail.strip().lower()
    if principal and principal.strip() and "#ext#" not in principal.lower():
        return principal.strip().lower()
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
