"""The Teams app package: its manifest against Microsoft's own schema, its icons, and its input checks.

The schema comes from the npm package @microsoft/app-manifest (installed by `npm ci` in the repository
root), which bundles every published manifest schema, so the check runs offline and against the same files
Microsoft's tooling uses.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import regex
from jsonschema import Draft4Validator, FormatChecker, ValidationError, validators

from manifest.build import ManifestError, ManifestOptions, build_package, render_manifest

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_MANIFEST_PACKAGE = REPO_ROOT / "node_modules" / "@microsoft" / "app-manifest"
PACKAGE_FILES = {"manifest.json", "color.png", "outline.png"}
NHS_BLUE = (0x00, 0x5E, 0xB8)

Json = dict[str, Any]

GOOD = ManifestOptions(
    app_id="3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    bot_domain="remedi.example.nhs.uk",
    version="1.2.3",
    publisher_name="Example NHS Foundation Trust",
    website_url="https://example.nhs.uk/remedi",
    privacy_url="https://example.nhs.uk/remedi/privacy",
    terms_url="https://example.nhs.uk/remedi/terms",
)


# --- Validating with the official schema -------------------------------------------------------------------


def _regex_pattern(
    validator: Any, pattern: str, instance: object, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    # Schemas 1.23 onwards use Unicode property classes such as \p{L}, which Python's `re` rejects; the
    # `regex` module understands them, so it replaces `re` for the `pattern` keyword. JSON Schema patterns are
    # not anchored, hence search rather than match.
    if isinstance(instance, str) and regex.search(pattern, instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _is_regex(value: object) -> bool:
    return not isinstance(value, str) or regex.compile(value) is not None


def _is_absolute_uri(value: object) -> bool:
    # RFC 3986 only demands a scheme for an absolute URI; jsonschema would skip this format silently unless an
    # optional (GPL) dependency were installed, so it is checked here instead.
    return not isinstance(value, str) or regex.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S*", value) is not None


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("regex", raises=regex.error)(_is_regex)
    checker.checks("uri")(_is_absolute_uri)
    return checker


TeamsValidator = validators.extend(Draft4Validator, {"pattern": _regex_pattern})
FORMATS = _format_checker()


def _schema_path(manifest_version: str) -> Path:
    return (
        APP_MANIFEST_PACKAGE
        / "build"
        / "json-schemas"
        / "teams"
        / f"v{manifest_version}"
        / "MicrosoftTeams.schema.json"
    )


def _require_app_manifest_package() -> None:
    if APP_MANIFEST_PACKAGE.is_dir():
        return
    reason = (
        f"{APP_MANIFEST_PACKAGE.relative_to(REPO_ROOT)} is missing: run `npm ci` in the repository root to "
        "install the official Teams manifest schemas"
    )
    if os.environ.get("CI"):
        # A skipped schema check in CI would let a broken manifest land unnoticed.
        pytest.fail(reason)
    pytest.skip(reason)


def _schema_errors(schema: Json, document: Json) -> list[str]:
    found = TeamsValidator(schema, format_checker=FORMATS).iter_errors(document)
    return sorted(f"{error.json_path}: {error.message}" for error in found)


@pytest.fixture(scope="module")
def teams_schema() -> Json:
    _require_app_manifest_package()
    version = render_manifest(GOOD)["manifestVersion"]
    path = _schema_path(version)
    assert path.is_file(), f"@microsoft/app-manifest has no schema for manifest version {version}; upgrade it"
    schema: Json = json.loads(path.read_text(encoding="utf-8"))
    TeamsValidator.check_schema(schema, format_checker=FORMATS)
    return schema


# --- Reading the package -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    colour_type: int
    pixels: list[tuple[int, ...]]


def _decode_png(data: bytes) -> Png:
    """Decode the 8-bit, non-interlaced RGB or RGBA PNGs that an app icon must be."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    position, header, compressed = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r} chunk"
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8, "icons use 8 bits per channel"
    assert interlace == 0, "icons are not interlaced"
    assert colour_type in (2, 6), "icons are RGB or RGBA"
    channels = 4 if colour_type == 6 else 3
    stride = width * channels
    raw = zlib.decompress(compressed)
    previous = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for row in range(height):
        start = row * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels)
        pixels.extend(tuple(line[i : i + channels]) for i in range(0, stride, channels))
        previous = line
    return Png(width=width, height=height, colour_type=colour_type, pixels=pixels)


def _unfilter(kind: int, line: bytearray, above: bytearray, step: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        up = above[i]
        up_left = above[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            guess = left + up - up_left
            nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - up_left), 2, up_left))
            line[i] = (line[i] + nearest[2]) & 0xFF
        else:
            assert kind == 0, f"unknown PNG filter {kind}"
    return line


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return build_package(GOOD, tmp_path / "out")


@pytest.fixture
def manifest(package: Path) -> Json:
    with zipfile.ZipFile(package) as archive:
        document: Json = json.loads(archive.read("manifest.json"))
    return document


def _icon(package: Path, name: str) -> Png:
    with zipfile.ZipFile(package) as archive:
        return _decode_png(archive.read(name))


# --- The package -------------------------------------------------------------------------------------------


def test_package_is_a_zip_with_the_three_files_at_its_root(package: Path, tmp_path: Path) -> None:
    assert package == tmp_path / "out" / "remedi-bot-1.2.3.zip"
    with zipfile.ZipFile(package) as archive:
        assert set(archive.namelist()) == PACKAGE_FILES
        assert archive.testzip() is None
    assert [p.name for p in package.parent.iterdir()] == [package.name], "no temporary file is left behind"


def test_manifest_passes_the_official_teams_schema(manifest: Json, teams_schema: Json) -> None:
    assert manifest["$schema"].endswith(f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    assert _schema_errors(teams_schema, manifest) == []


def _drop_privacy_url(doc: Json) -> None:
    del doc["developer"]["privacyUrl"]


def _lower_case_scope(doc: Json) -> None:
    doc["bots"][0]["scopes"] = ["personal", "team", "groupchat"]


def _bad_bot_id(doc: Json) -> None:
    doc["bots"][0]["botId"] = "remedi-bot"


def _colour_without_hash(doc: Json) -> None:
    doc["accentColor"] = "005EB8"


def _unknown_property(doc: Json) -> None:
    doc["colour"] = "blue"


def _long_short_name(doc: Json) -> None:
    doc["name"]["short"] = "ReMEDI reverse mentoring for equality"


@pytest.mark.parametrize(
    "breakage",
    [
        _drop_privacy_url,
        _lower_case_scope,
        _bad_bot_id,
        _colour_without_hash,
        _unknown_property,
        _long_short_name,
    ],
)
def test_schema_check_rejects_a_broken_manifest(
    manifest: Json, teams_schema: Json, breakage: Callable[[Json], None]
) -> None:
    # Guards against a check that passes whatever it is given (wrong schema file, swallowed errors).
    broken = copy.deepcopy(manifest)
    breakage(broken)
    assert _schema_errors(teams_schema, broken) != []


def test_schema_patterns_run_on_a_unicode_aware_engine(teams_schema: Json) -> None:
    # extensionFunction.name is one of the patterns written with \p{L}: a name in any alphabet is allowed, one
    # starting with a digit is not. Python's `re` could not even compile the pattern.
    function_schema = {"definitions": teams_schema["definitions"], "$ref": "#/definitions/extensionFunction"}
    validator = TeamsValidator(function_schema, format_checker=FORMATS)
    function: Json = {"id": "summary", "name": "Zusammenfassung_Übersicht", "description": "d", "result": {}}
    name_errors = [e for e in validator.iter_errors(function) if list(e.path) == ["name"]]
    assert name_errors == []
    bad_name_errors = [e for e in validator.iter_errors({**function, "name": "1Summary"}) if list(e.path) == ["name"]]
    assert [e.validator for e in bad_name_errors] == ["pattern"]


def test_manifest_carries_the_options_and_the_bot_settings(manifest: Json) -> None:
    assert manifest["id"] == GOOD.app_id
    assert manifest["version"] == GOOD.version
    assert manifest["developer"] == {
        "name": GOOD.publisher_name,
        "websiteUrl": GOOD.website_url,
        "privacyUrl": GOOD.privacy_url,
        "termsOfUseUrl": GOOD.terms_url,
    }
    assert manifest["name"] == {"short": "ReMEDI bot", "full": "ReMEDI reverse mentoring"}
    assert manifest["validDomains"] == [GOOD.bot_domain]
    assert manifest["webApplicationInfo"] == {"id": GOOD.app_id, "resource": f"api://botid-{GOOD.app_id}"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    [bot] = manifest["bots"]
    assert bot["botId"] == GOOD.app_id
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    commands = {tuple(entry["scopes"]): [c["title"] for c in entry["commands"]] for entry in bot["commandLists"]}
    assert commands == {
        ("personal",): ["help", "about", "privacy", "schedule"],
        ("team", "groupChat"): ["help", "about", "privacy"],
    }
    assert "{{" not in json.dumps(manifest)


def test_values_that_look_like_json_cannot_break_the_manifest(tmp_path: Path) -> None:
    tricky = replace(GOOD, publisher_name='NHS "Trust" \\ {{X}}')
    with zipfile.ZipFile(build_package(tricky, tmp_path)) as archive:
        assert json.loads(archive.read("manifest.json"))["developer"]["name"] == 'NHS "Trust" \\ {{X}}'


def test_the_same_options_build_the_same_bytes(tmp_path: Path) -> None:
    first = build_package(GOOD, tmp_path / "a").read_bytes()
    second = build_package(GOOD, tmp_path / "b").read_bytes()
    assert first == second


# --- Icons -------------------------------------------------------------------------------------------------


def test_colour_icon_is_192_square_on_nhs_blue(package: Path) -> None:
    icon = _icon(package, "color.png")
    assert (icon.width, icon.height) == (192, 192)
    assert icon.pixels[0][:3] == NHS_BLUE
    assert len({pixel[:3] for pixel in icon.pixels}) > 2, "the icon has a visible mark, not just a fill"


def test_outline_icon_is_32_square_white_on_transparent(package: Path) -> None:
    icon = _icon(package, "outline.png")
    assert (icon.width, icon.height) == (32, 32)
    assert icon.colour_type == 6, "needs an alpha channel"
    not_white = [p for p in icon.pixels if p[3] > 0 and p[:3] != (255, 255, 255)]
    assert not_white == []
    alphas = [p[3] for p in icon.pixels]
    assert 0 in alphas, "the outline is not a solid square"
    assert 255 in alphas, "the outline is not blank"


# --- Option checks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("app_id", "remedi-bot"),
        ("app_id", "3f2504e0-4f89-41d3-9a0c-0305e82c330"),
        ("app_id", "00000000-0000-0000-0000-000000000000"),
        ("app_id", "3f2504e0-4f89-41d3-9a0c-0305e82c3301\n"),
        ("bot_domain", "https://remedi.example.nhs.uk"),
        ("bot_domain", "remedi.example.nhs.uk/api/messages"),
        ("bot_domain", "remedi.example.nhs.uk:443"),
        ("bot_domain", "localhost"),
        ("bot_domain", "-remedi.example.nhs.uk"),
        ("version", "1.0"),
        ("version", "1.0.0-beta.1"),
        ("version", "01.0.0"),
        ("version", "v1.0.0"),
        ("publisher_name", "  "),
        ("publisher_name", "Example Teaching Hospitals NHS Foundation Trust"),
        ("website_url", "http://example.nhs.uk/remedi"),
        ("privacy_url", "example.nhs.uk/privacy"),
        ("privacy_url", "https://example.nhs.uk/priv acy"),
        ("terms_url", "https:///terms"),
        ("terms_url", "https://user:secret@example.nhs.uk/terms"),
    ],
)
def test_bad_option_is_refused_naming_the_field(field: str, value: str, tmp_path: Path) -> None:
    options = replace(GOOD, **{field: value})
    with pytest.raises(ManifestError, match=rf"^{field}: ") as caught:
        build_package(options, tmp_path)
    assert caught.value.field == field
    assert list(tmp_path.iterdir()) == [], "nothing is written for refused options"


def test_manifest_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^version: "):
        render_manifest(replace(GOOD, version="latest"))


# --- Second opinion from Microsoft's own validator ---------------------------------------------------------

# AppManifestUtils.validateAgainstSchema runs ajv, as Microsoft's tools do. The schema is passed in
# explicitly: given only the manifest, the library may try to download the schema, which fails offline.
_NODE_CHECK = """
const fs = require("fs");
const { AppManifestUtils } = require("@microsoft/app-manifest");
const [schemaPath, ...manifests] = process.argv.slice(1);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const check = (p) => AppManifestUtils.validateAgainstSchema(JSON.parse(fs.readFileSync(p, "utf8")), schema);
Promise.all(manifests.map(check))
  .then((results) => process.stdout.write(JSON.stringify(results)))
  .catch((error) => { process.stderr.write(String((error && error.stack) || error)); process.exit(2); });
"""


def test_microsofts_validator_agrees(manifest: Json, teams_schema: Json, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    broken = copy.deepcopy(manifest)
    _lower_case_scope(broken)
    good_path, broken_path = tmp_path / "good.json", tmp_path / "broken.json"
    good_path.write_text(json.dumps(manifest), encoding="utf-8")
    broken_path.write_text(json.dumps(broken), encoding="utf-8")
    completed = subprocess.run(
        [
            node,
            "-e",
            _NODE_CHECK,
            str(_schema_path(manifest["manifestVersion"])),
            str(good_path),
            str(broken_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    good_errors, broken_errors = json.loads(completed.stdout)
    assert good_errors == []
    assert broken_errors != []
