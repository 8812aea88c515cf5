"""Settings: read once from the environment (and an optional ``.env``), validated, then immutable.

A mistake stops start-up with a message naming the variable, because a bot that starts half-configured fails
later, in front of a participant. Secret values are wrapped in :class:`Secret` so no log line can show them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.network import is_loopback_host
from bot.secret import Secret
from programme.concerns import DEFAULT_CONTACT_ROLE, MAX_ROLE_LENGTH
from programme.errors import InvalidInput
from programme.identity import PersonId, TenantId, is_guid
from programme.profiles import is_email
from programme.surveys import DEFAULT_MIN_RESPONSES, LOWEST_MIN_RESPONSES
from storage.database import DatabaseUrlError, async_url

DEFAULT_DATABASE_URL = "sqlite:///data/remedi.db"

E = TypeVar("E", bound="StrEnum")
T = TypeVar("T")


class _Getter(Protocol):
    def __call__(self, name: str, default: str = "") -> str: ...


class SettingsError(ValueError):
    """A setting is missing or invalid; the message starts with the variable's name."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class Environment(StrEnum):
    LOCAL = "local"
    PRODUCTION = "production"


class AppType(StrEnum):
    SINGLE_TENANT = "SingleTenant"
    MULTI_TENANT = "MultiTenant"
    USER_ASSIGNED_MSI = "UserAssignedMSI"


@dataclass(frozen=True)
class BotIdentity:
    app_id: str
    password: Secret
    app_type: AppType
    tenant_id: str

    @property
    def auth_enabled(self) -> bool:
        return bool(self.app_id)


@dataclass(frozen=True)
class GraphIdentity:
    tenant_id: str
    client_id: str
    client_secret: Secret

    @property
    def uses_managed_identity(self) -> bool:
        return not self.client_secret


@dataclass(frozen=True)
class BotGraphAccess:
    """Microsoft Graph as the bot's own app registration (app-only): pair chats and line-manager look-ups.

    The bot's registration, not a separate one, because installing the app in a chat uses
    TeamsAppInstallation.ReadWriteSelfForChat.All, which lets an app install only itself. ``catalog_app_id`` is
    the id the organisation's Teams app catalog gave the uploaded app, not the manifest id (MicrosoftAppId).
    """

    tenant_id: str
    client_id: str
    client_secret: Secret
    catalog_app_id: str
    # REMEDI_ORGANIZER_MAILBOX: the programme mailbox whose calendar holds the pairs' Teams meetings. Unset, meetings
    # are booked on the local calendar (a Teams link and an .ics file) even with Graph on.
    organizer_mailbox: str | None = None


@dataclass(frozen=True)
class Settings:
    environment: Environment
    bot: BotIdentity
    graph: GraphIdentity | None
    # Not in repr: a PostgreSQL URL carries its password; described() shows it masked.
    database_url: str = field(repr=False)
    allowed_tenants: frozenset[TenantId]
    coordinators: frozenset[PersonId]
    openid_metadata_url: str | None
    token_issuer: str | None
    graph_base_url: str | None
    host: str
    port: int
    timezone: ZoneInfo
    organisation_name: str
    log_level: str
    delivery: DeliverySettings
    # REMEDI_GRAPH_ENABLED: None when off (the default), which leaves everything as without Graph.
    bot_graph: BotGraphAccess | None = None
    # REMEDI_PUBLIC_URL: where people's browsers reach this service (links to .ics files), no trailing slash;
    # None when not known (production without it set).
    public_url: str | None = None
    # REMEDI_STALL_WEEKS: a pair with nothing booked and no meeting for this many weeks is nudged; and
    # REMEDI_STALL_ESCALATE_WEEKS: this many weeks after that nudge, if still nothing, coordinators are told.
    stall_weeks: int = 5
    stall_escalate_weeks: int = 2
    # REMEDI_CONCERN_CONTACTS: who receives concerns people raise; empty means the coordinators.
    concern_contacts: frozenset[PersonId] = frozenset()
    # REMEDI_CONCERN_CONTACT_ROLE: how the person raising a concern is told who will read it.
    concern_contact_role: str = DEFAULT_CONTACT_ROLE
    # REMEDI_SURVEY_MIN_RESPONSES: survey results are shown for groups of at least this many people (never fewer
    # than 3, whatever is set).
    survey_min_responses: int = DEFAULT_MIN_RESPONSES
    secrets: tuple[Secret, ...] = field(default=(), repr=False)

    @property
    def is_local(self) -> bool:
        return self.environment is Environment.LOCAL

    def tenant_allowed(self, tenant: TenantId | None) -> bool:
        if not self.allowed_tenants:
            # Only reachable in local mode: production refuses to start without an allow-list.
            return True
        return tenant is not None and tenant in self.allowed_tenants

    def described(self) -> dict[str, str]:
        """What an operator may see: everything but the secrets' values."""
        return {
            "REMEDI_ENV": self.environment.value,
            "MicrosoftAppId": self.bot.app_id or "(empty: authentication off)",
            "MicrosoftAppPassword": "(set)" if self.bot.password else "(not set)",
            "MicrosoftAppType": self.bot.app_type.value,
            "MicrosoftAppTenantId": self.bot.tenant_id or "(not set)",
            "AZURE_TENANT_ID": self.graph.tenant_id if self.graph else "(not set: Graph off)",
            "AZURE_CLIENT_ID": self.graph.client_id if self.graph else "(not set)",
            "AZURE_CLIENT_SECRET": "(set)" if self.graph and self.graph.client_secret else "(not set)",
            "REMEDI_DATABASE_URL": _mask_url_password(self.database_url),
            "REMEDI_ALLOWED_TENANTS": ",".join(sorted(t.value for t in self.allowed_tenants)) or "(any: local)",
            "REMEDI_COORDINATORS": ",".join(sorted(p.value for p in self.coordinators)) or "(none)",
            "REMEDI_BOT_OPENID_METADATA_URL": self.openid_metadata_url or "(Bot Framework default)",
            "REMEDI_BOT_TOKEN_ISSUER": self.token_issuer or "(Bot Framework default)",
            "REMEDI_GRAPH_ENABLED": "true" if self.bot_graph else "false",
            "REMEDI_TEAMS_CATALOG_APP_ID": self.bot_graph.catalog_app_id if self.bot_graph else "(not used: Graph off)",
            "REMEDI_GRAPH_BASE_URL": self.graph_base_url or "(Microsoft Graph)",
            "REMEDI_ORGANIZER_MAILBOX": (self.bot_graph.organizer_mailbox if self.bot_graph else None)
            or "(not set: meetings on the local calendar)",
            "REMEDI_PUBLIC_URL": self.public_url or "(not set: no .ics links)",
            "REMEDI_STALL_WEEKS": str(self.stall_weeks),
            "REMEDI_STALL_ESCALATE_WEEKS": str(self.stall_escalate_weeks),
            "REMEDI_CONCERN_CONTACTS": ",".join(sorted(p.value for p in self.concern_contacts))
            or "(none: the coordinators)",
            "REMEDI_CONCERN_CONTACT_ROLE": self.concern_contact_role,
            "REMEDI_SURVEY_MIN_RESPONSES": str(self.survey_min_responses),
            "REMEDI_HOST": self.host,
            "PORT": str(self.port),
            "REMEDI_TIMEZONE": self.timezone.key,
            "REMEDI_ORGANISATION_NAME": self.organisation_name,
            "REMEDI_LOG_LEVEL": self.log_level,
            "REMEDI_SERVICE_URL": self.delivery.service_url,
            "REMEDI_SEND_RATE": str(self.delivery.send_rate),
            "REMEDI_WORKING_HOURS": f"{self.delivery.day_start:%H:%M}-"
            + ("24:00" if self.delivery.day_end == time.max else f"{self.delivery.day_end:%H:%M}"),
            "REMEDI_WORKING_DAYS": ",".join(_DAY_NAMES[d] for d in sorted(self.delivery.working_days)),
            "REMEDI_CATCH_UP_HOURS": str(self.delivery.catch_up_hours),
            "REMEDI_SWEEP_SECONDS": str(self.delivery.sweep_seconds),
            "REMEDI_WORK_LEASE_SECONDS": str(self.delivery.lease_seconds),
            "REMEDI_MESSAGE_RETENTION_DAYS": str(self.delivery.retention_days),
        }


def read_environment(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> dict[str, str]:
    """The raw variables: the ``.env`` file, overridden by the real environment."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Read settings; real environment variables win over the ``.env`` file."""
    return parse_settings(read_environment(environ, env_file))


def parse_settings(values: Mapping[str, str]) -> Settings:
    def get(name: str, default: str = "") -> str:
        return values.get(name, default).strip()

    environment = _enum(Environment, "REMEDI_ENV", get("REMEDI_ENV", Environment.PRODUCTION.value))
    bot = _bot_identity(get, environment)
    graph = _graph_identity(get)
    bot_graph = _bot_graph(get, bot)
    port = _port(get("PORT", "3978") or "3978")

    database_url = get("REMEDI_DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL
    try:
        async_url(database_url)
    except DatabaseUrlError as error:
        raise SettingsError("REMEDI_DATABASE_URL", str(error)) from None

    allowed_tenants = _guid_list("REMEDI_ALLOWED_TENANTS", get("REMEDI_ALLOWED_TENANTS"), TenantId.parse)
    if not allowed_tenants and bot.tenant_id:
        allowed_tenants = frozenset({TenantId.parse(bot.tenant_id)})
    if not allowed_tenants and environment is Environment.PRODUCTION:
        raise SettingsError(
            "REMEDI_ALLOWED_TENANTS",
            "is required outside local mode: list the tenant ids of the organisations this bot serves",
        )

    return Settings(
        environment=environment,
        bot=bot,
        graph=graph,
        database_url=database_url,
        allowed_tenants=allowed_tenants,
        coordinators=_guid_list("REMEDI_COORDINATORS", get("REMEDI_COORDINATORS"), PersonId.parse),
        openid_metadata_url=_optional_url("REMEDI_BOT_OPENID_METADATA_URL", get("REMEDI_BOT_OPENID_METADATA_URL")),
        token_issuer=get("REMEDI_BOT_TOKEN_ISSUER") or None,
        graph_base_url=_graph_base_url(get("REMEDI_GRAPH_BASE_URL")),
        host=get("REMEDI_HOST", "127.0.0.1") or "127.0.0.1",
        port=port,
        timezone=_timezone(get("REMEDI_TIMEZONE", "Europe/London") or "Europe/London"),
        organisation_name=_plain_text(
            "REMEDI_ORGANISATION_NAME",
            get("REMEDI_ORGANISATION_NAME", "your organisation") or "your organisation",
        ),
        log_level=_enum_text(
            "REMEDI_LOG_LEVEL",
            get("REMEDI_LOG_LEVEL", "INFO").upper() or "INFO",
            ("DEBUG", "INFO", "WARNING", "ERROR"),
        ),
        delivery=_delivery(get),
        bot_graph=bot_graph,
        public_url=_public_url(get("REMEDI_PUBLIC_URL"), port, environment),
        stall_weeks=int(_number("REMEDI_STALL_WEEKS", get("REMEDI_STALL_WEEKS") or "5", low=1, high=52)),
        stall_escalate_weeks=int(
            _number("REMEDI_STALL_ESCALATE_WEEKS", get("REMEDI_STALL_ESCALATE_WEEKS") or "2", low=1, high=26)
        ),
        concern_contacts=_guid_list("REMEDI_CONCERN_CONTACTS", get("REMEDI_CONCERN_CONTACTS"), PersonId.parse),
        concern_contact_role=_concern_role(get("REMEDI_CONCERN_CONTACT_ROLE")),
        survey_min_responses=_survey_min_responses(get("REMEDI_SURVEY_MIN_RESPONSES")),
        secrets=tuple(
            s for s in (bot.password, graph.client_secret if graph else Secret(""), _url_password(database_url)) if s
        ),
    )


@dataclass(frozen=True)
class DeliverySettings:
    """How and when the bot sends messages nobody just asked for."""

    service_url: str
    send_rate: int
    day_start: time
    day_end: time
    working_days: frozenset[int]
    catch_up_hours: int
    sweep_seconds: int
    lease_seconds: int
    retention_days: int


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


def _delivery(get: _Getter) -> DeliverySettings:
    service_url = _optional_url("REMEDI_SERVICE_URL", get("REMEDI_SERVICE_URL")) or DEFAULT_SERVICE_URL
    start, end = _hours(get("REMEDI_WORKING_HOURS") or "09:00-17:30")
    return DeliverySettings(
        service_url=service_url if service_url.endswith("/") else service_url + "/",
        send_rate=int(_number("REMEDI_SEND_RATE", get("REMEDI_SEND_RATE") or "30", low=1, high=50)),
        day_start=start,
        day_end=end,
        working_days=_days(get("REMEDI_WORKING_DAYS") or "Mon-Fri"),
        catch_up_hours=int(_number("REMEDI_CATCH_UP_HOURS", get("REMEDI_CATCH_UP_HOURS") or "24", low=1, high=720)),
        sweep_seconds=int(_number("REMEDI_SWEEP_SECONDS", get("REMEDI_SWEEP_SECONDS") or "10", low=1, high=3600)),
        lease_seconds=int(
            _number("REMEDI_WORK_LEASE_SECONDS", get("REMEDI_WORK_LEASE_SECONDS") or "120", low=5, high=3600)
        ),
        retention_days=int(
            _number("REMEDI_MESSAGE_RETENTION_DAYS", get("REMEDI_MESSAGE_RETENTION_DAYS") or "30", low=1, high=3650)
        ),
    )


def _number(variable: str, raw: str, *, low: float, high: float, kind: type[float] | type[int] = int) -> float:
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(variable, f"'{raw}' is not a number") from None
    if not low <= value <= high:
        raise SettingsError(variable, f"must be between {low:g} and {high:g}")
    return value


def _hours(raw: str) -> tuple[time, time]:
    def parse(part: str) -> time:
        # "24:00" is how people write the end of the day; time() cannot hold it.
        return time.max if part.strip() == "24:00" else time.fromisoformat(part.strip())

    try:
        first, second = (parse(part) for part in raw.split("-"))
    except ValueError:
        raise SettingsError("REMEDI_WORKING_HOURS", f"'{raw}' is not a range like 09:00-17:30") from None
    if not first < second:
        raise SettingsError("REMEDI_WORKING_HOURS", "the day must start before it ends")
    return first, second


def _days(raw: str) -> frozenset[int]:
    names = {name.lower(): index for index, name in enumerate(_DAY_NAMES)}
    days: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.lower().partition("-")
        if first not in names or (last and last not in names):
            raise SettingsError("REMEDI_WORKING_DAYS", f"'{part}' is not a day or range like Mon-Fri")
        start, stop = names[first], names[last or first]
        if stop < start:
            raise SettingsError("REMEDI_WORKING_DAYS", f"'{part}' runs backwards")
        days.update(range(start, stop + 1))
    if not days:
        raise SettingsError("REMEDI_WORKING_DAYS", "name at least one working day")
    return frozenset(days)


def _bot_identity(get: _Getter, environment: Environment) -> BotIdentity:
    app_id = get("MicrosoftAppId")
    password = Secret(get("MicrosoftAppPassword"))
    app_type = _enum(AppType, "MicrosoftAppType", get("MicrosoftAppType", AppType.SINGLE_TENANT.value))
    tenant_id = get("MicrosoftAppTenantId")
    if tenant_id and not is_guid(tenant_id):
        raise SettingsError("MicrosoftAppTenantId", "must be a tenant id (a GUID)")
    if not app_id:
        if environment is not Environment.LOCAL:
            raise SettingsError(
                "MicrosoftAppId",
                "is empty, which turns authentication off; that is only allowed with REMEDI_ENV=local",
            )
        if password:
            raise SettingsError("MicrosoftAppPassword", "is set but MicrosoftAppId is empty")
        # With no app id botbuilder only accepts unauthenticated traffic in its multi-tenant mode.
        return BotIdentity(app_id="", password=password, app_type=AppType.MULTI_TENANT, tenant_id=tenant_id)
    if not is_guid(app_id):
        raise SettingsError("MicrosoftAppId", "must be the bot's Entra application (client) id, a GUID")
    if app_type is not AppType.USER_ASSIGNED_MSI and not password:
        raise SettingsError("MicrosoftAppPassword", f"is required when MicrosoftAppType is {app_type.value}")
    if app_type in (AppType.SINGLE_TENANT, AppType.USER_ASSIGNED_MSI) and not tenant_id:
        raise SettingsError("MicrosoftAppTenantId", f"is required when MicrosoftAppType is {app_type.value}")
    return BotIdentity(app_id=app_id, password=password, app_type=app_type, tenant_id=tenant_id)


def _bot_graph(get: _Getter, bot: BotIdentity) -> BotGraphAccess | None:
    enabled = _flag("REMEDI_GRAPH_ENABLED", get("REMEDI_GRAPH_ENABLED"))
    catalog_app_id = get("REMEDI_TEAMS_CATALOG_APP_ID").strip("{}").lower()
    if catalog_app_id and not is_guid(catalog_app_id):
        raise SettingsError(
            "REMEDI_TEAMS_CATALOG_APP_ID", "must be the app's id in your organisation's Teams app catalog (a GUID)"
        )
    mailbox = get("REMEDI_ORGANIZER_MAILBOX").lower()
    if mailbox and not is_email(mailbox):
        raise SettingsError("REMEDI_ORGANIZER_MAILBOX", "must be the programme mailbox's email address")
    if not enabled:
        if mailbox:
            raise SettingsError(
                "REMEDI_ORGANIZER_MAILBOX", "needs REMEDI_GRAPH_ENABLED=true: meetings are booked through Graph"
            )
        return None
    because = "when REMEDI_GRAPH_ENABLED is true (Graph signs in as the bot's own app registration)"
    if bot.app_type is AppType.USER_ASSIGNED_MSI:
        raise SettingsError(
            "REMEDI_GRAPH_ENABLED",
            "needs MicrosoftAppType SingleTenant or MultiTenant with a client secret; "
            "Graph access through a managed identity is not supported yet",
        )
    for variable, present in (
        ("MicrosoftAppId", bool(bot.app_id)),
        ("MicrosoftAppPassword", bool(bot.password)),
        ("MicrosoftAppTenantId", bool(bot.tenant_id)),
    ):
        if not present:
            raise SettingsError(variable, f"is required {because}")
    if not catalog_app_id:
        raise SettingsError(
            "REMEDI_TEAMS_CATALOG_APP_ID",
            f"is required {because}: the id your organisation's Teams app catalog gave ReMEDI bot on upload "
            "(see .env.example for where to find it)",
        )
    if catalog_app_id == bot.app_id.lower():
        raise SettingsError(
            "REMEDI_TEAMS_CATALOG_APP_ID",
            "is the manifest id (MicrosoftAppId); the catalog gives an uploaded app an id of its own, and that is "
            "the one needed here",
        )
    return BotGraphAccess(
        tenant_id=bot.tenant_id.lower(),
        client_id=bot.app_id.lower(),
        client_secret=bot.password,
        catalog_app_id=catalog_app_id,
        organizer_mailbox=mailbox or None,
    )


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0", ""})


def _flag(variable: str, raw: str) -> bool:
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise SettingsError(variable, f"'{raw}' is not true or false")


def _graph_identity(get: _Getter) -> GraphIdentity | None:
    tenant_id = get("AZURE_TENANT_ID")
    client_id = get("AZURE_CLIENT_ID")
    secret = Secret(get("AZURE_CLIENT_SECRET"))
    if not tenant_id:
        if client_id or secret:
            raise SettingsError("AZURE_TENANT_ID", "is required when AZURE_CLIENT_ID or AZURE_CLIENT_SECRET is set")
        return None
    if not is_guid(tenant_id):
        raise SettingsError("AZURE_TENANT_ID", "must be a tenant id (a GUID)")
    if not client_id:
        raise SettingsError("AZURE_CLIENT_ID", "is required when AZURE_TENANT_ID is set")
    if not is_guid(client_id):
        raise SettingsError("AZURE_CLIENT_ID", "must be an application or managed identity client id (a GUID)")
    return GraphIdentity(tenant_id=tenant_id, client_id=client_id, client_secret=secret)


def _enum(kind: type[E], variable: str, raw: str) -> E:
    for member in kind:
        if member.value.lower() == raw.lower():
            return member
    allowed = ", ".join(m.value for m in kind)
    raise SettingsError(variable, f"'{raw}' is not one of {allowed}")


def _enum_text(variable: str, raw: str, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        raise SettingsError(variable, f"'{raw}' is not one of {', '.join(allowed)}")
    return raw


def _guid_list(variable: str, raw: str, parse: Callable[[str], T]) -> frozenset[T]:
    items = [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
    parsed: set[T] = set()
    for item in items:
        try:
            parsed.add(parse(item))
        except InvalidInput:
            raise SettingsError(variable, f"'{item}' is not a GUID; give a comma-separated list of ids") from None
    return frozenset(parsed)


def _optional_url(variable: str, raw: str) -> str | None:
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
    except ValueError:  # e.g. an unclosed "[" around an IPv6 address
        raise SettingsError(variable, "must be an https URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(variable, "must be an https URL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise SettingsError(variable, "may use plain http only for a loopback address (tests)")
    return raw


def _graph_base_url(raw: str) -> str | None:
    url = _optional_url("REMEDI_GRAPH_BASE_URL", raw)
    if url is not None and not is_loopback_host(urlsplit(url).hostname or ""):
        raise SettingsError("REMEDI_GRAPH_BASE_URL", "is for local test servers only and must be a loopback address")
    return url.rstrip("/") if url else None


def _public_url(raw: str, port: int, environment: Environment) -> str | None:
    if not raw:
        # Without it, local-calendar meetings still get their Teams link, only no .ics download.
        return f"http://localhost:{port}" if environment is Environment.LOCAL else None
    url = _optional_url("REMEDI_PUBLIC_URL", raw)
    assert url is not None
    return url.rstrip("/")


def _port(raw: str) -> int:
    # isascii: str.isdigit() accepts characters such as "²" that int() then refuses.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise SettingsError("PORT", f"'{raw}' is not a TCP port number (1-65535)")
    return int(raw)


def _timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("REMEDI_TIMEZONE", f"'{raw}' is not an IANA time zone such as Europe/London") from None


def _plain_text(variable: str, raw: str) -> str:
    if len(raw) > 120 or any(ch in raw for ch in "<>\n\r"):
        raise SettingsError(variable, "must be plain text of at most 120 characters")
    return raw


def _survey_min_responses(raw: str) -> int:
    if not raw:
        return DEFAULT_MIN_RESPONSES
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4:
        raise SettingsError("REMEDI_SURVEY_MIN_RESPONSES", f"'{raw}' is not a whole number")
    value = int(raw)
    if value < LOWEST_MIN_RESPONSES:
        raise SettingsError(
            "REMEDI_SURVEY_MIN_RESPONSES",
            f"must be at least {LOWEST_MIN_RESPONSES}: an average of fewer people's answers says too much about each "
            "of them",
        )
    if value > 1000:
        raise SettingsError("REMEDI_SURVEY_MIN_RESPONSES", "must be at most 1000")
    return value


def _concern_role(raw: str) -> str:
    """Shown mid-sentence to someone raising a concern ("Only the Freedom to Speak Up Guardian will read it"), so it
    is plain text on one line, short enough to read at a glance."""
    role = " ".join(raw.split())
    if not role:
        return DEFAULT_CONTACT_ROLE
    if len(role) > MAX_ROLE_LENGTH or any(ch in role for ch in "<>") or not role.isprintable():
        raise SettingsError(
            "REMEDI_CONCERN_CONTACT_ROLE",
            f"must be plain text of at most {MAX_ROLE_LENGTH} characters, e.g. 'the Freedom to Speak Up Guardian'",
        )
    return role


def _url_password(url: str) -> Secret:
    try:
        parsed = async_url(url)
    except DatabaseUrlError:
        return Secret("")
    # libpq-style URLs may carry the password as a query parameter instead of in the authority.
    in_query = parsed.query.get("password")
    return Secret(parsed.password or (in_query if isinstance(in_query, str) else ""))


def _mask_url_password(url: str) -> str:
    try:
        parsed = async_url(url)
    except DatabaseUrlError:
        return "(invalid)"
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True)
