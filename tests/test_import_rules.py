"""The layering in docs/architecture.md, enforced: every source file is parsed and its imports checked.

A rule that is only written down erodes one convenient import at a time; this test fails on the first one.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_PACKAGES = ("programme", "cards", "bot", "dialogs", "storage", "graph", "scheduler", "manifest")
# Tests and benchmarks may reach into anything, but they are still parsed so the "who imports bot" rule sees them.
FREE_TREES = ("tests", "bench")
OURS = frozenset(SOURCE_PACKAGES + FREE_TREES)
STDLIB = frozenset(sys.stdlib_module_names)
BOT_FRAMEWORK = frozenset({"botbuilder", "botframework", "msrest"})


@dataclass(frozen=True)
class Import:
    module: str  # fully qualified, relative imports resolved
    line: int

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool) -> list[Import]:
    tree = ast.parse(source)
    # The package a relative import starts from: the module itself for __init__, its parent otherwise.
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append(Import(target, node.lineno))
        elif isinstance(node, ast.Call) and (name := _dynamic_import(node)) is not None:
            found.append(Import(name, node.lineno))
    return found


def _dynamic_import(call: ast.Call) -> str | None:
    """The module named by importlib.import_module("x") or __import__("x"): an import in disguise."""
    func = call.func
    named = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if named not in ("__import__", "import_module") or not call.args:
        return None
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def _only(module: str, top: str, allowed: set[str], prefixes: tuple[str, ...] = ()) -> str | None:
    if top in STDLIB or top in allowed or top.startswith(prefixes):
        return None
    return f"{module} may import only the standard library and {', '.join(sorted(allowed))}"


def problem(module: str, imported: Import) -> str | None:
    """Why ``module`` may not import ``imported``, or None when it may."""
    owner = module.split(".")[0]
    top = imported.top
    if owner in FREE_TREES:
        return None
    if top == "bot" and owner != "bot":
        return "only bot/ (the composition root) may import bot"
    if top in BOT_FRAMEWORK and owner not in ("bot", "dialogs") and module != "storage.bot_state":
        return "botbuilder/botframework/msrest belong in bot/, dialogs/ and storage/bot_state.py"
    match owner:
        case "programme" if module == "programme.solver":
            # The one numeric exception the design allows: the exact pairing solver.
            return _only(module, top, {"programme", "numpy", "scipy"})
        case "programme":
            return _only(module, top, {"programme"})
        case "cards":
            return _only(module, top, {"programme", "cards"})
        case "scheduler":
            return _only(module, top, {"programme", "scheduler", "apscheduler"})
        case "graph":
            # msgraph-sdk ships msgraph and msgraph_core; kiota is split into kiota_abstractions, kiota_http, ...;
            # kiota_http runs on httpx, whose client, responses and transport errors surface through it.
            return _only(module, top, {"programme", "graph", "msgraph", "azure", "httpx"}, ("msgraph_", "kiota"))
        case "storage" if top in {"bot", "dialogs", "cards", "graph", "scheduler"}:
            return "storage/ sits below the edges and must not import them"
        case "dialogs" if top in {"storage", "graph", "scheduler"}:
            return "dialogs/ reach storage, graph and the scheduler only through programme use cases"
    return None


def violations_in_source(source: str, module: str, *, is_package: bool = False) -> list[str]:
    return [
        f"{module}:{imported.line}: imports {imported.module}: {why}"
        for imported in imports_of(source, module, is_package=is_package)
        if (why := problem(module, imported)) is not None
    ]


def project_files() -> Iterator[Path]:
    for tree in SOURCE_PACKAGES + FREE_TREES:
        folder = ROOT / tree
        if folder.is_dir():
            yield from sorted(folder.rglob("*.py"))


def test_the_project_follows_the_import_rules() -> None:
    found = [
        violation
        for path in project_files()
        for violation in violations_in_source(
            path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
        )
    ]
    assert found == []


def test_the_walk_sees_the_source_tree() -> None:
    # Guards against the rule test passing because it parsed nothing (a moved ROOT, a renamed folder).
    names = {module_name(path) for path in project_files()}
    assert {"programme.coordinators", "cards.actions", "bot.settings", "storage.bot_state"} <= names
    assert module_name(ROOT / "programme" / "__init__.py") == "programme"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("programme.rules", "import botbuilder.core\n"),
        ("programme.rules", "from aiohttp import web\n"),
        ("programme.rules", "import sqlalchemy as sa\n"),
        ("programme.rules", "from cards.help import help_card\n"),
        ("programme.rules", "def f():\n    from storage import database\n"),  # hidden in a function
        ("programme.rules", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import msgraph\n"),
        ("programme.rules", "import importlib\nimportlib.import_module('apscheduler')\n"),
        ("programme.rules", "import dotenv\n"),
        ("cards.welcome", "from bot.settings import Settings\n"),
        ("cards.welcome", "from storage.tables import contacts\n"),
        ("cards.welcome", "import jsonpickle\n"),
        ("cards.sub.deep", "from ...bot import app\n"),  # relative imports resolve to their real target
        ("scheduler.jobs", "from storage.database import Database\n"),
        ("scheduler.jobs", "from botbuilder.core import TurnContext\n"),
        ("storage.audit_log", "from graph import calendars\n"),
        ("storage.audit_log", "from botbuilder.core import Storage\n"),
        ("storage.contact_book", "import bot\n"),
        ("graph.calendars", "from sqlalchemy import select\n"),
        ("graph.calendars", "from cards.elements import card\n"),
        ("dialogs.signup", "from storage.contact_book import SqlContactBook\n"),
        ("dialogs.signup", "from bot.services import Services\n"),
        ("manifest.build", "from bot.settings import Settings\n"),
    ],
)
def test_the_checker_catches_violations(module: str, source: str) -> None:
    assert violations_in_source(source, module) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("programme.rules", "from __future__ import annotations\nimport dataclasses\nfrom .errors import X\n"),
        ("cards.help", "from programme.identity import PersonId\nfrom cards.elements import card\n"),
        ("scheduler.runner", "from apscheduler.schedulers.asyncio import AsyncIOScheduler\n"),
        ("storage.bot_state", "from botbuilder.core import Storage\nimport jsonpickle\n"),
        ("storage.audit_log", "from sqlalchemy import select\nfrom programme.audit import AuditEntry\n"),
        ("graph.calendars", "from msgraph import GraphServiceClient\nfrom kiota_abstractions import x\n"),
        ("graph.calendars", "from azure.identity.aio import ClientSecretCredential\nimport msgraph_core\n"),
        ("dialogs.signup", "from botbuilder.dialogs import ComponentDialog\nfrom cards.help import help_card\n"),
        ("bot.app", "from storage.database import open_database\nfrom graph import x\nfrom bot import y\n"),
        ("tests.bot.test_x", "from bot.settings import Settings\nfrom botbuilder.core import TurnContext\n"),
    ],
)
def test_the_checker_allows_what_the_rules_allow(module: str, source: str) -> None:
    assert violations_in_source(source, module) == []


def test_relative_imports_resolve_from_a_package_init() -> None:
    found = imports_of("from . import elements\nfrom .. import bot\n", "cards.sub", is_package=True)
    assert [i.module for i in found] == ["cards.sub", "cards"]
    found = imports_of("from .elements import card\n", "cards.help", is_package=False)
    assert [i.module for i in found] == ["cards.elements"]
