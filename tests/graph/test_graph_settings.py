"""REMEDI_GRAPH_ENABLED and REMEDI_TEAMS_CATALOG_APP_ID: off by default, and complete or refused when on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.secret import Secret
from bot.settings import SettingsError, parse_settings

APP_ID = "6f1c2a9e-0d4b-4c55-9a0e-3b1f7d2e8c41"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CATALOG_APP = "2b524e28-95ce-4c9b-9773-4a5bd6ec1770"
BOT_SECRET = "bot~SECRET~Zq8Xw.7vLr_unmistakable"

LOCAL = {"REMEDI_ENV": "local"}
PRODUCTION = {
    "REMEDI_ENV": "production",
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": BOT_SECRET,
    "MicrosoftAppType": "SingleTenant",
    "MicrosoftAppTenantId": TENANT,
}
GRAPH_ON = {**PRODUCTION, "REMEDI_GRAPH_ENABLED": "true", "REMEDI_TEAMS_CATALOG_APP_ID": CATALOG_APP}


def refused(values: dict[str, str], variable: str) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        parse_settings(values)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    return caught.value


@pytest.mark.parametrize("values", [LOCAL, PRODUCTION])
def test_graph_is_off_by_default(values: dict[str, str]) -> None:
    settings = parse_settings(values)
    assert settings.bot_graph is None
    assert settings.described()["REMEDI_GRAPH_ENABLED"] == "false"


def test_switched_on_graph_uses_the_bots_own_registration() -> None:
    access = parse_settings(GRAPH_ON).bot_graph
    assert access is not None
    assert (access.tenant_id, access.client_id, access.catalog_app_id) == (TENANT, APP_ID, CATALOG_APP)
    assert access.client_secret == Secret(BOT_SECRET)


def test_the_catalog_id_is_required_when_graph_is_on() -> None:
    error = refused({**GRAPH_ON, "REMEDI_TEAMS_CATALOG_APP_ID": ""}, "REMEDI_TEAMS_CATALOG_APP_ID")
    assert "REMEDI_GRAPH_ENABLED" in str(error)
    assert "catalog" in str(error)


@pytest.mark.parametrize("bad", ["remedi-bot", CATALOG_APP + "0", "not a guid"])
def test_the_catalog_id_must_be_a_guid(bad: str) -> None:
    refused({**GRAPH_ON, "REMEDI_TEAMS_CATALOG_APP_ID": bad}, "REMEDI_TEAMS_CATALOG_APP_ID")
    # Checked even with Graph off, so a typo does not wait for the day Graph is switched on.
    refused({**PRODUCTION, "REMEDI_TEAMS_CATALOG_APP_ID": bad}, "REMEDI_TEAMS_CATALOG_APP_ID")


def test_the_manifest_id_is_not_mistaken_for_the_catalog_id() -> None:
    error = refused({**GRAPH_ON, "REMEDI_TEAMS_CATALOG_APP_ID": APP_ID.upper()}, "REMEDI_TEAMS_CATALOG_APP_ID")
    assert "MicrosoftAppId" in str(error)


def test_the_catalog_id_is_normalised() -> None:
    access = parse_settings({**GRAPH_ON, "REMEDI_TEAMS_CATALOG_APP_ID": f" {{{CATALOG_APP.upper()}}} "}).bot_graph
    assert access is not None
    assert access.catalog_app_id == CATALOG_APP


@pytest.mark.parametrize("variable", ["MicrosoftAppPassword", "MicrosoftAppTenantId"])
def test_graph_needs_the_whole_bot_registration(variable: str) -> None:
    # For a single-tenant bot the bot's own checks already ask for these; either way the variable is named.
    refused({**GRAPH_ON, variable: ""}, variable)


def test_graph_needs_an_app_id_even_in_local_mode() -> None:
    error = refused(
        {**LOCAL, "REMEDI_GRAPH_ENABLED": "true", "REMEDI_TEAMS_CATALOG_APP_ID": CATALOG_APP}, "MicrosoftAppId"
    )
    assert "REMEDI_GRAPH_ENABLED" in str(error)


def test_a_multi_tenant_bot_still_needs_its_home_tenant_for_graph() -> None:
    values = {
        **GRAPH_ON,
        "MicrosoftAppType": "MultiTenant",
        "MicrosoftAppTenantId": "",
        "REMEDI_ALLOWED_TENANTS": TENANT,
    }
    error = refused(values, "MicrosoftAppTenantId")
    assert "REMEDI_GRAPH_ENABLED" in str(error)


def test_the_tenant_must_be_a_guid() -> None:
    refused({**GRAPH_ON, "MicrosoftAppTenantId": "northmoor.onmicrosoft.com"}, "MicrosoftAppTenantId")


def test_a_managed_identity_bot_cannot_switch_graph_on_yet() -> None:
    values = {**GRAPH_ON, "MicrosoftAppType": "UserAssignedMSI"}
    error = refused(values, "REMEDI_GRAPH_ENABLED")
    assert "managed identity" in str(error)


@pytest.mark.parametrize(("raw", "on"), [("TRUE", True), ("yes", True), ("1", True), ("off", False), ("", False)])
def test_the_switch_reads_the_usual_spellings(raw: str, on: bool) -> None:
    settings = parse_settings({**GRAPH_ON, "REMEDI_GRAPH_ENABLED": raw})
    assert (settings.bot_graph is not None) is on


def test_a_switch_that_is_neither_is_named() -> None:
    refused({**GRAPH_ON, "REMEDI_GRAPH_ENABLED": "enabled"}, "REMEDI_GRAPH_ENABLED")


def test_described_shows_the_switch_and_the_catalog_id_but_no_secret() -> None:
    settings = parse_settings(GRAPH_ON)
    described = settings.described()
    assert described["REMEDI_GRAPH_ENABLED"] == "true"
    assert described["REMEDI_TEAMS_CATALOG_APP_ID"] == CATALOG_APP
    shown = "\n".join(f"{k}={v}" for k, v in described.items()) + repr(settings) + repr(settings.bot_graph)
    assert BOT_SECRET not in shown
    assert Secret(BOT_SECRET) in settings.secrets


def test_both_settings_are_documented_in_the_example_file() -> None:
    documented = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    assert "\nREMEDI_GRAPH_ENABLED=false\n" in documented
    assert "\nREMEDI_TEAMS_CATALOG_APP_ID=\n" in documented
    assert "Get-TeamsApp -ExternalId" in documented


def test_the_organizer_mailbox_books_meetings_through_graph() -> None:
    settings = parse_settings({**GRAPH_ON, "REMEDI_ORGANIZER_MAILBOX": " Reverse.Mentoring@Trust.NHS.uk "})
    assert settings.bot_graph is not None
    assert settings.bot_graph.organizer_mailbox == "reverse.mentoring@trust.nhs.uk"
    assert settings.described()["REMEDI_ORGANIZER_MAILBOX"] == "reverse.mentoring@trust.nhs.uk"


def test_without_an_organizer_mailbox_meetings_stay_on_the_local_calendar() -> None:
    settings = parse_settings(GRAPH_ON)
    assert settings.bot_graph is not None
    assert settings.bot_graph.organizer_mailbox is None
    assert "local calendar" in settings.described()["REMEDI_ORGANIZER_MAILBOX"]


@pytest.mark.parametrize("bad", ["reverse mentoring", "mailbox@", "@trust.nhs.uk"])
def test_the_organizer_mailbox_must_be_an_address(bad: str) -> None:
    refused({**GRAPH_ON, "REMEDI_ORGANIZER_MAILBOX": bad}, "REMEDI_ORGANIZER_MAILBOX")


def test_an_organizer_mailbox_needs_graph() -> None:
    error = refused({**PRODUCTION, "REMEDI_ORGANIZER_MAILBOX": "rm@trust.nhs.uk"}, "REMEDI_ORGANIZER_MAILBOX")
    assert "REMEDI_GRAPH_ENABLED" in str(error)


def test_the_public_url_defaults_to_the_local_port_and_is_optional_in_production() -> None:
    assert parse_settings({**LOCAL, "PORT": "4001"}).public_url == "http://localhost:4001"
    assert parse_settings(PRODUCTION).public_url is None
    assert parse_settings({**PRODUCTION, "REMEDI_PUBLIC_URL": "https://remedi.trust.nhs.uk/"}).public_url == (
        "https://remedi.trust.nhs.uk"
    )


@pytest.mark.parametrize("bad", ["http://remedi.trust.nhs.uk", "ftp://remedi", "not a url"])
def test_the_public_url_is_https_or_loopback(bad: str) -> None:
    refused({**PRODUCTION, "REMEDI_PUBLIC_URL": bad}, "REMEDI_PUBLIC_URL")
