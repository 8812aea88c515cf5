"""What varies between deployments of the app package, and the checks that run before anything is written.

The Teams schema accepts many values that Teams itself, or an administrator, would later reject (an `http`
privacy link, a domain with a path, a pre-release version). Checking here turns those into one clear message
at build time instead of a vague upload error in the Teams admin centre.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
# Teams compares app versions as three numbers to decide whether an upload is an update, and its schema's own
# `semver` definition has no pre-release or build part, so neither is accepted here.
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_MAX_URL_LENGTH = 2048  # the schema's limit for every URL field
_MAX_PUBLISHER_LENGTH = 32  # the schema's limit for developer.name
_MAX_DOMAIN_LENGTH = 253  # DNS limit for a full host name
_EXAMPLE_HOST = "remedi.example.nhs.uk"


class ManifestError(ValueError):
    """An option cannot go into the manifest; the message starts with the option's name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class ManifestOptions:
    app_id: str
    """The Entra application (client) id of the bot registration; used as the Teams app id too."""
    bot_domain: str
    """Host name the bot is served from, without scheme or path, e.g. `remedi.example.nhs.uk`."""
    version: str
    """MAJOR.MINOR.PATCH; raise it for every upload, or Teams keeps the old package."""
    publisher_name: str
    website_url: str
    privacy_url: str
    terms_url: str


def validate_options(options: ManifestOptions) -> None:
    """Raise ManifestError for the first option that Teams would reject."""
    _check_guid("app_id", options.app_id)
    _check_domain("bot_domain", options.bot_domain)
    _check_version("version", options.version)
    _check_publisher("publisher_name", options.publisher_name)
    _check_https_url("website_url", options.website_url)
    _check_https_url("privacy_url", options.privacy_url)
    _check_https_url("terms_url", options.terms_url)


def _check_guid(field: str, value: str) -> None:
    if not _GUID.fullmatch(value):
        raise ManifestError(field, f"{value!r} is not a GUID like 12345678-abcd-ef01-2345-6789abcdef01")
    if value == _NIL_GUID:
        raise ManifestError(field, "the all-zero GUID is a placeholder, not an Entra application id")


def _check_domain(field: str, value: str) -> None:
    if "://" in value:
        raise ManifestError(field, f"{value!r} has a scheme; give the host name only, e.g. {_EXAMPLE_HOST}")
    if any(separator in value for separator in "/?#:@"):
        raise ManifestError(field, f"{value!r} must be a bare host name, without port, path or query")
    labels = value.split(".")
    if len(value) > _MAX_DOMAIN_LENGTH or len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels):
        raise ManifestError(field, f"{value!r} is not a fully qualified host name such as {_EXAMPLE_HOST}")


def _check_version(field: str, value: str) -> None:
    if not _VERSION.fullmatch(value):
        raise ManifestError(field, f"{value!r} must be MAJOR.MINOR.PATCH, e.g. 1.4.0, with no suffix")


def _check_publisher(field: str, value: str) -> None:
    if not value.strip():
        raise ManifestError(field, "must not be empty")
    if len(value) > _MAX_PUBLISHER_LENGTH:
        raise ManifestError(field, f"Teams allows at most {_MAX_PUBLISHER_LENGTH} characters, not {len(value)}")


def _check_https_url(field: str, value: str) -> None:
    if len(value) > _MAX_URL_LENGTH:
        raise ManifestError(field, f"Teams allows at most {_MAX_URL_LENGTH} characters, not {len(value)}")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ManifestError(field, f"{value!r} contains spaces or control characters")
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError as error:
        raise ManifestError(field, f"{value!r} is not a valid URL ({error})") from None
    if parts.scheme.lower() != "https":
        raise ManifestError(field, f"{value!r} must start with https://")
    if not hostname:
        raise ManifestError(field, f"{value!r} has no host name")
    if parts.username is not None or parts.password is not None:
        raise ManifestError(field, f"{value!r} must not contain a user name or password")
