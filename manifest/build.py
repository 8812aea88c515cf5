"""Turn the manifest template and icons into the zip that Teams accepts.

The template is parsed as JSON and the deployment values are set at fixed paths, rather than substituted into
the text: a publisher name or URL containing a quote or backslash cannot break the JSON, and a path that no
longer holds its placeholder (because someone edited the template) fails loudly instead of silently shipping a
placeholder to Teams.
"""

from __future__ import annotations

import json
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from manifest.options import ManifestError, ManifestOptions, validate_options
from manifest.png import COLOUR_TYPE_RGBA, PngError, read_header

__all__ = ["ManifestError", "ManifestOptions", "build_package", "render_manifest"]

JsonObject = dict[str, Any]
JsonPath = tuple[str | int, ...]

# Where each deployment value goes; the template must hold exactly "{{NAME}}" at each of these paths.
_FIELDS: tuple[tuple[JsonPath, str], ...] = (
    (("id",), "APP_ID"),
    (("version",), "VERSION"),
    (("developer", "name"), "PUBLISHER_NAME"),
    (("developer", "websiteUrl"), "WEBSITE_URL"),
    (("developer", "privacyUrl"), "PRIVACY_URL"),
    (("developer", "termsOfUseUrl"), "TERMS_URL"),
    (("bots", 0, "botId"), "BOT_ID"),
    (("validDomains", 0), "BOT_DOMAIN"),
    (("webApplicationInfo", "id"), "APP_ID"),
    (("webApplicationInfo", "resource"), "SSO_RESOURCE"),
)

# Name in the zip -> expected (width, height); Teams rejects the upload when either is off.
ICONS: dict[str, tuple[int, int]] = {"color.png": (192, 192), "outline.png": (32, 32)}

# A fixed timestamp makes the same inputs produce a byte-identical zip, so a rebuilt package can be compared
# by checksum with the one an administrator uploaded.
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def render_manifest(options: ManifestOptions) -> JsonObject:
    """The manifest as a JSON object, after checking the options."""
    validate_options(options)
    values = {
        "APP_ID": options.app_id,
        # One Entra app registration serves as the bot and as the Teams app, so the ids coincide.
        "BOT_ID": options.app_id,
        "VERSION": options.version,
        "PUBLISHER_NAME": options.publisher_name,
        "WEBSITE_URL": options.website_url,
        "PRIVACY_URL": options.privacy_url,
        "TERMS_URL": options.terms_url,
        "BOT_DOMAIN": options.bot_domain,
        # The form Teams expects for a bot's single sign-on resource.
        "SSO_RESOURCE": f"api://botid-{options.app_id}",
    }
    document = _load_template()
    # Checked before filling in, so that a value which itself contains braces is never taken for a leftover.
    unfilled = _placeholder_paths(document) - {path for path, _ in _FIELDS}
    if unfilled:
        where = ", ".join(sorted("/".join(map(str, path)) for path in unfilled))
        raise ManifestError("template.json", f"placeholders that nothing fills in at {where}")
    for path, name in _FIELDS:
        _replace_placeholder(document, path, name, values[name])
    return document


def build_package(options: ManifestOptions, out_dir: Path) -> Path:
    """Write `remedi-bot-<version>.zip` into out_dir and return its path."""
    manifest = render_manifest(options)
    icons = {name: _load_icon(name, size) for name, size in ICONS.items()}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"remedi-bot-{options.version}.zip"
    # Written beside the target and renamed into place, so an interrupted build never leaves a truncated zip
    # that looks like a finished package.
    partial = target.with_name(target.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            # Teams looks for these three files at the root of the zip, not in a folder.
            _add(archive, "manifest.json", text.encode("utf-8"))
            for name, data in icons.items():
                _add(archive, name, data)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _load_template() -> JsonObject:
    text = resources.files("manifest").joinpath("template.json").read_text(encoding="utf-8")
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ManifestError("template.json", "must hold a JSON object")
    return document


def _load_icon(name: str, size: tuple[int, int]) -> bytes:
    data = resources.files("manifest").joinpath(name).read_bytes()
    try:
        header = read_header(data)
    except PngError as error:
        raise ManifestError(name, str(error)) from None
    if (header.width, header.height) != size:
        raise ManifestError(name, f"must be {size[0]}x{size[1]} pixels, is {header.width}x{header.height}")
    if header.colour_type != COLOUR_TYPE_RGBA:
        # The outline icon needs transparency, and keeping both icons in one format keeps the checks simple.
        raise ManifestError(name, "must be an RGBA PNG")
    return data


def _replace_placeholder(document: JsonObject, path: JsonPath, name: str, value: str) -> None:
    expected = "{{" + name + "}}"
    where = "/".join(str(part) for part in path)
    parent: Any = document
    try:
        for key in path[:-1]:
            parent = parent[key]
        current = parent[path[-1]]
    except (KeyError, IndexError, TypeError):
        raise ManifestError("template.json", f"has nothing at {where}, where {expected} belongs") from None
    if current != expected:
        raise ManifestError("template.json", f"expected {expected} at {where}, found {current!r}")
    parent[path[-1]] = value


def _placeholder_paths(node: object, prefix: JsonPath = ()) -> set[JsonPath]:
    if isinstance(node, str):
        return {prefix} if "{{" in node else set()
    if isinstance(node, dict):
        children: list[tuple[str | int, object]] = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    else:
        return set()
    found: set[JsonPath] = set()
    for key, child in children:
        found |= _placeholder_paths(child, (*prefix, key))
    return found


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
