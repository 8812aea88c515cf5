"""Settings fail fast with the variable's name, and never show a secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.secret import Secret
from bot.settings import (
    DEFAULT_DATABASE_URL,
    AppType,
    Environment,
    Settings,
    SettingsError,
    load_settings,
    parse_settings,
)
from programme.identity import PersonId, TenantId

APP_ID = "6f1c2a9e-0d4b-4c55-9a0e-3b1f7d2e8c41"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "0b2e5c1a-3d4f-4a6b-8c7d-9e0f1a2b3c4d"
CLIENT_ID = "11111111-2222-4333-8444-555555555555"
COORDINATOR = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

# Distinctive, so a leak anywhere is unmistakable.
BOT_SECRET = "bot~SECRET~Zq8Xw.7vLr_unmistakable"
GRAPH_SECRET = "graph~SECRET~Kp3Rt.0aJm_unmistakable"
DB_PASSWORD = "dbSECRETpassword9Vw9Jm"
ALL_SECRETS = (BOT_SECRET, GRAPH_SECRET, DB_PASSWORD)

LOCAL = {"REMEDI_ENV": "local"}
PRODUCTION = {
    "REMEDI_ENV": "production",
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": BOT_SECRET,
    "MicrosoftAppType": "SingleTenant",
    "MicrosoftAppTenantId": TENANT,
}
EVERYTHING = {
    **PRODUCTION,
    "AZURE_TENANT_ID": TENANT,
    "AZURE_CLIENT_ID": CLIENT_ID,
    "AZURE_CLIENT_SECRET": GRAPH_SECRET,
    "REMEDI_DATABASE_URL": f"postgresql://remedi:{DB_PASSWORD}@db.internal:5432/remedi",
    "REMEDI_COORDINATORS": COORDINATOR,
}


def refused(values: dict[str, str], variable: str) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        parse_settings(values)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    return caught.value


def test_local_mode_defaults() -> None:
    settings = parse_settings(LOCAL)
    assert settings.is_local
    assert settings.environment is Environment.LOCAL
    assert settings.bot.app_id == ""
    assert not settings.bot.auth_enabled
    # botbuilder accepts unauthenticated traffic only in multi-tenant mode.
    assert settings.bot.app_type is AppType.MULTI_TENANT
    assert settings.graph is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.allowed_tenants == frozenset()
    assert settings.tenant_allowed(None)
    assert settings.coordinators == frozenset()
    assert (settings.host, settings.port) == ("127.0.0.1", 3978)
    assert settings.timezone.key == "Europe/London"
    assert settings.organisation_name == "your organisation"
    assert settings.log_level == "INFO"
    assert settings.secrets == ()
    assert settings.openid_metadata_url is None
    assert settings.graph_base_url is None


def test_blank_values_mean_the_default() -> None:
    blanks = {name: "  " for name in ("REMEDI_DATABASE_URL", "PORT", "REMEDI_TIMEZONE", "REMEDI_LOG_LEVEL")}
    assert parse_settings({**LOCAL, **blanks}) == parse_settings(LOCAL)


def test_production_is_the_default_environment() -> None:
    refused({}, "MicrosoftAppId")
    assert parse_settings(PRODUCTION).environment is Environment.PRODUCTION


def test_production_without_an_app_id_is_refused() -> None:
    error = refused({**PRODUCTION, "MicrosoftAppId": ""}, "MicrosoftAppId")
    assert "REMEDI_ENV=local" in str(error)


def test_a_full_production_configuration() -> None:
    settings = parse_settings(EVERYTHING)
    assert settings.bot.auth_enabled
    assert settings.bot.password == Secret(BOT_SECRET)
    assert settings.graph is not None
    assert not settings.graph.uses_managed_identity
    assert settings.coordinators == frozenset({PersonId(COORDINATOR)})
    assert set(settings.secrets) == {Secret(s) for s in ALL_SECRETS}


@pytest.mark.parametrize(
    ("variable", "base"),
    [
        ("MicrosoftAppId", PRODUCTION),
        ("MicrosoftAppTenantId", PRODUCTION),
        ("AZURE_TENANT_ID", {**LOCAL, "AZURE_CLIENT_ID": CLIENT_ID}),
        ("AZURE_CLIENT_ID", {**LOCAL, "AZURE_TENANT_ID": TENANT}),
        ("REMEDI_ALLOWED_TENANTS", PRODUCTION),
        ("REMEDI_COORDINATORS", LOCAL),
    ],
)
@pytest.mark.parametrize("bad", ["not-a-guid", APP_ID + "0", "{" + APP_ID + "\n}"])
def test_bad_guids_are_named_by_variable(variable: str, base: dict[str, str], bad: str) -> None:
    value = f"{COORDINATOR},{bad}" if variable in ("REMEDI_ALLOWED_TENANTS", "REMEDI_COORDINATORS") else bad
    refused({**base, variable: value}, variable)


def test_guid_lists_accept_commas_semicolons_spaces_and_any_case() -> None:
    settings = parse_settings({**LOCAL, "REMEDI_COORDINATORS": f" {COORDINATOR.upper()} ; {{{APP_ID}}},, "})
    assert settings.coordinators == frozenset({PersonId(COORDINATOR), PersonId(APP_ID)})


@pytest.mark.parametrize("app_type", ["SingleTenant", "UserAssignedMSI"])
def test_tenant_bound_app_types_need_the_tenant(app_type: str) -> None:
    values = {**PRODUCTION, "MicrosoftAppType": app_type, "MicrosoftAppTenantId": "", "REMEDI_ALLOWED_TENANTS": TENANT}
    refused(values, "MicrosoftAppTenantId")


@pytest.mark.parametrize("app_type", ["SingleTenant", "MultiTenant"])
def test_the_password_is_required_unless_a_managed_identity_is_used(app_type: str) -> None:
    error = refused({**PRODUCTION, "MicrosoftAppType": app_type, "MicrosoftAppPassword": " "}, "MicrosoftAppPassword")
    assert app_type in str(error)


def test_a_managed_identity_needs_no_password() -> None:
    settings = parse_settings({**PRODUCTION, "MicrosoftAppType": "userassignedmsi", "MicrosoftAppPassword": ""})
    assert settings.bot.app_type is AppType.USER_ASSIGNED_MSI
    assert not settings.bot.password
    assert settings.secrets == ()


def test_a_password_without_an_app_id_is_refused_even_locally() -> None:
    refused({**LOCAL, "MicrosoftAppPassword": BOT_SECRET}, "MicrosoftAppPassword")


def test_allowed_tenants_default_to_the_bot_tenant() -> None:
    settings = parse_settings({**PRODUCTION, "MicrosoftAppTenantId": TENANT.upper()})
    assert settings.allowed_tenants == frozenset({TenantId(TENANT)})
    assert settings.tenant_allowed(TenantId(TENANT))
    assert not settings.tenant_allowed(TenantId(OTHER_TENANT))
    assert not settings.tenant_allowed(None)


def test_an_explicit_allow_list_replaces_the_default() -> None:
    settings = parse_settings({**PRODUCTION, "REMEDI_ALLOWED_TENANTS": OTHER_TENANT})
    assert settings.allowed_tenants == frozenset({TenantId(OTHER_TENANT)})


def test_production_needs_an_allow_list() -> None:
    multi_tenant = {**PRODUCTION, "MicrosoftAppType": "MultiTenant", "MicrosoftAppTenantId": ""}
    refused(multi_tenant, "REMEDI_ALLOWED_TENANTS")
    assert parse_settings({**multi_tenant, "REMEDI_ALLOWED_TENANTS": TENANT}).allowed_tenants


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://127.0.0.1:8081/v1.0/", "http://127.0.0.1:8081/v1.0"),
        ("http://localhost:8081/v1.0", "http://localhost:8081/v1.0"),
        ("http://[::1]:8081/v1.0", "http://[::1]:8081/v1.0"),
    ],
)
def test_the_graph_base_url_may_point_at_a_loopback_server(raw: str, expected: str) -> None:
    assert parse_settings({**LOCAL, "REMEDI_GRAPH_BASE_URL": raw}).graph_base_url == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://graph.microsoft.com/v1.0",
        "http://graph.example.com/v1.0",
        "http://127.0.0.1.example.com/",
        "ftp://127.0.0.1/",
        "127.0.0.1:8081",
        "http://[::1",
    ],
)
def test_the_graph_base_url_must_be_loopback(raw: str) -> None:
    refused({**LOCAL, "REMEDI_GRAPH_BASE_URL": raw}, "REMEDI_GRAPH_BASE_URL")


@pytest.mark.parametrize(
    "raw",
    [
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        "http://127.0.0.1:9000/abc/.well-known/openid-configuration",
        "http://localhost:9000/x",
    ],
)
def test_the_openid_url_may_be_https_or_loopback_http(raw: str) -> None:
    assert parse_settings({**PRODUCTION, "REMEDI_BOT_OPENID_METADATA_URL": raw}).openid_metadata_url == raw


@pytest.mark.parametrize(
    "raw",
    ["http://login.botframework.com/v1/", "ftp://example.com/x", "login.botframework.com", "https://", "https://[::1"],
)
def test_the_openid_url_must_be_https_elsewhere(raw: str) -> None:
    refused({**PRODUCTION, "REMEDI_BOT_OPENID_METADATA_URL": raw}, "REMEDI_BOT_OPENID_METADATA_URL")


@pytest.mark.parametrize("raw", ["0", "65536", "-1", "http", "80.5", "\u00b2", "\uff18\uff10"])
def test_a_bad_port_is_refused(raw: str) -> None:
    refused({**LOCAL, "PORT": raw}, "PORT")


def test_a_good_port() -> None:
    assert parse_settings({**LOCAL, "PORT": " 8080 "}).port == 8080


@pytest.mark.parametrize("raw", ["Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "Europe", "GMT+1"])
def test_a_bad_timezone_is_refused(raw: str) -> None:
    refused({**LOCAL, "REMEDI_TIMEZONE": raw}, "REMEDI_TIMEZONE")


def test_a_good_timezone() -> None:
    assert parse_settings({**LOCAL, "REMEDI_TIMEZONE": "America/New_York"}).timezone.key == "America/New_York"


def test_log_levels() -> None:
    assert parse_settings({**LOCAL, "REMEDI_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    refused({**LOCAL, "REMEDI_LOG_LEVEL": "VERBOSE"}, "REMEDI_LOG_LEVEL")
    refused({**LOCAL, "REMEDI_LOG_LEVEL": "CRITICAL"}, "REMEDI_LOG_LEVEL")


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("REMEDI_ENV", "staging"),
        ("MicrosoftAppType", "Whatever"),
        ("REMEDI_DATABASE_URL", "mysql://u:p@h/db"),
        ("REMEDI_DATABASE_URL", "not a url"),
        ("REMEDI_ORGANISATION_NAME", "<b>Contoso</b>"),
        ("REMEDI_ORGANISATION_NAME", "x" * 121),
    ],
)
def test_other_bad_values_are_named(variable: str, raw: str) -> None:
    refused({**LOCAL, variable: raw}, variable)


def test_graph_needs_the_tenant_when_a_client_is_given() -> None:
    refused({**LOCAL, "AZURE_CLIENT_SECRET": GRAPH_SECRET}, "AZURE_TENANT_ID")
    refused({**LOCAL, "AZURE_TENANT_ID": TENANT}, "AZURE_CLIENT_ID")
    graph = parse_settings({**LOCAL, "AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT_ID}).graph
    assert graph is not None
    assert graph.uses_managed_identity


# .env files ---------------------------------------------------------------------------------------------------


def test_the_env_file_is_read_and_the_real_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "REMEDI_ENV=local\n"
        "PORT=4000\n"
        'REMEDI_ORGANISATION_NAME="Contoso from the file"\n'
        "REMEDI_LOG_LEVEL=debug\n"
        "EMPTY_WITHOUT_EQUALS\n",
        encoding="utf-8",
    )
    settings = load_settings({"PORT": "5000", "REMEDI_LOG_LEVEL": "warning"}, env_file=env_file)
    assert settings.is_local
    assert settings.organisation_name == "Contoso from the file"
    assert settings.port == 5000
    assert settings.log_level == "WARNING"


def test_a_missing_or_disabled_env_file_is_fine(tmp_path: Path) -> None:
    assert load_settings(LOCAL, env_file=tmp_path / "absent.env").is_local
    (tmp_path / ".env").write_text("REMEDI_ENV=production\n", encoding="utf-8")
    assert load_settings(LOCAL, env_file=None).is_local


def test_env_file_errors_still_name_the_variable(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("REMEDI_ENV=local\nPORT=eighty\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings({}, env_file=env_file)
    assert caught.value.variable == "PORT"


# Secrets never shown --------------------------------------------------------------------------------------------


def _everything() -> Settings:
    return parse_settings(EVERYTHING)


def test_described_never_contains_a_secret() -> None:
    described = _everything().described()
    shown = "\n".join(f"{key}={value}" for key, value in described.items())
    for secret in ALL_SECRETS:
        assert secret not in shown
    assert described["MicrosoftAppPassword"] == "(set)"
    assert described["AZURE_CLIENT_SECRET"] == "(set)"
    # The rest of the database URL is useful to an operator; only the password is hidden.
    assert "db.internal" in described["REMEDI_DATABASE_URL"]


def test_described_covers_the_settings_an_operator_sets() -> None:
    described = _everything().described()
    assert described["MicrosoftAppId"] == APP_ID
    assert described["REMEDI_COORDINATORS"] == COORDINATOR
    assert described["PORT"] == "3978"


@pytest.mark.parametrize("render", [repr, str])
def test_repr_and_str_never_contain_a_secret(render: Callable[[object], str]) -> None:
    settings = _everything()
    for shown in (render(settings), render(settings.bot), render(settings.graph), render(settings.secrets)):
        for secret in ALL_SECRETS:
            assert secret not in shown


def test_secret_values_are_only_reachable_on_purpose() -> None:
    secret = Secret(BOT_SECRET)
    assert BOT_SECRET not in f"{secret} {secret!r} {[secret]} {secret!s}"
    assert secret.reveal() == BOT_SECRET
    assert repr(Secret("")) == "Secret('')"
    assert not Secret("")


def test_a_database_password_in_the_query_string_is_hidden_too() -> None:
    settings = parse_settings({**LOCAL, "REMEDI_DATABASE_URL": f"postgresql://remedi@db/remedi?password={DB_PASSWORD}"})
    assert DB_PASSWORD not in repr(settings)
    assert DB_PASSWORD not in str(settings.described())
    # Listed as a secret, so the logging filter masks it if a driver error ever quotes it.
    assert Secret(DB_PASSWORD) in settings.secrets


# Concerns ---------------------------------------------------------------------------------------------------------

GUARDIAN = "5b3f1c2d-7a8e-4f90-b1c2-d3e4f5a6b7c8"
WELLBEING = "6c4a2d3e-8b9f-4a01-82d3-e4f5a6b7c8d9"


def test_concerns_go_to_the_coordinators_by_default() -> None:
    settings = parse_settings(LOCAL)
    assert settings.concern_contacts == frozenset()
    assert settings.concern_contact_role == "the programme coordinators"
    assert settings.described()["REMEDI_CONCERN_CONTACTS"] == "(none: the coordinators)"


def test_concern_contacts_and_their_role() -> None:
    settings = parse_settings(
        {
            **LOCAL,
            "REMEDI_CONCERN_CONTACTS": f"{GUARDIAN.upper()}; {WELLBEING}",
            "REMEDI_CONCERN_CONTACT_ROLE": "  the Freedom to Speak Up\n Guardian ",
        }
    )
    assert settings.concern_contacts == frozenset({PersonId(GUARDIAN), PersonId(WELLBEING)})
    assert settings.concern_contact_role == "the Freedom to Speak Up Guardian"
    described = settings.described()
    assert described["REMEDI_CONCERN_CONTACTS"] == ",".join(sorted((GUARDIAN, WELLBEING)))
    assert described["REMEDI_CONCERN_CONTACT_ROLE"] == "the Freedom to Speak Up Guardian"


def test_a_blank_concern_role_means_the_default() -> None:
    settings = parse_settings({**LOCAL, "REMEDI_CONCERN_CONTACT_ROLE": "   "})
    assert settings.concern_contact_role == "the programme coordinators"


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("REMEDI_CONCERN_CONTACTS", "the guardian"),
        ("REMEDI_CONCERN_CONTACTS", f"{GUARDIAN},guardian@nhs.net"),
        ("REMEDI_CONCERN_CONTACT_ROLE", "x" * 121),
        ("REMEDI_CONCERN_CONTACT_ROLE", "<b>the guardian</b>"),
        ("REMEDI_CONCERN_CONTACT_ROLE", "the guardian\x00"),
    ],
)
def test_bad_concern_settings_are_named(variable: str, raw: str) -> None:
    refused({**LOCAL, variable: raw}, variable)


def test_a_concern_role_at_the_limit_is_kept() -> None:
    assert parse_settings({**LOCAL, "REMEDI_CONCERN_CONTACT_ROLE": "y" * 120}).concern_contact_role == "y" * 120
