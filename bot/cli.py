"""The ``remedi`` command: run the service and do operational chores."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings, read_environment
from programme.identity import PersonId
from programme.work import WorkState


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(environment_for(args))
    except SettingsError as error:
        print(f"remedi: configuration error: {error}", file=sys.stderr)
        print("See .env.example for every setting and what it means.", file=sys.stderr)
        return 2
    command: str = args.command
    if command == "serve":
        return _serve(settings, args.host, args.port)
    if command == "db":
        return asyncio.run(_db(settings, args.db_command))
    if command == "manifest":
        return _manifest(settings, args)
    if command == "work":
        return asyncio.run(_work(settings, args))
    if command == "subject-access":
        return asyncio.run(_subject_access(settings, args.person, args.out))
    if command == "erase":
        return asyncio.run(_erase(settings, args.person, args.yes))
    if command == "settings":
        for name, value in settings.described().items():
            print(f"{name}={value}")
        return 0
    parser.print_help()
    return 2


def environment_for(args: argparse.Namespace) -> dict[str, str] | None:
    """The environment to read settings from: the real one, except that ``serve --port`` overrides PORT.

    The port given there is the one the service listens on, so the links it makes to itself (the .ics files of
    local-calendar meetings) must use it too, rather than PORT or the default."""
    if args.command == "serve" and args.port is not None:
        return {**os.environ, "PORT": str(args.port)}
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remedi", description="ReMEDI reverse-mentoring bot for Microsoft Teams.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot's web service")
    serve.add_argument("--host", help="address to listen on (default REMEDI_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default PORT or 3978)")

    db = sub.add_parser("db", help="database chores")
    db.add_argument("db_command", choices=("upgrade", "current"), help="apply migrations, or show the revision")

    manifest = sub.add_parser("manifest", help="Teams app package")
    manifest_sub = manifest.add_subparsers(dest="manifest_command", required=True)
    build = manifest_sub.add_parser("build", help="write the Teams app package (zip) for upload")
    build.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default dist/)")
    build.add_argument("--domain", help="public host name of the bot (default REMEDI_BOT_DOMAIN)")
    build.add_argument(
        "--version", dest="package_version", help="package version, e.g. 1.0.0 (default REMEDI_PACKAGE_VERSION)"
    )

    work = sub.add_parser("work", help="the queue of messages and jobs the bot runs on its own")
    work_sub = work.add_subparsers(dest="work_command", required=True)
    listing = work_sub.add_parser("list", help="show work items (by default: pending, failed and missed)")
    listing.add_argument(
        "--state",
        action="append",
        choices=[state.value for state in WorkState],
        help="only items in this state (repeatable)",
    )
    listing.add_argument("--limit", type=int, default=50, help="at most this many items (default 50)")
    retry = work_sub.add_parser("retry", help="send a failed (dead) or missed item again, now")
    retry.add_argument("item_id", type=int, help="the item's number, from 'remedi work list'")

    access = sub.add_parser(
        "subject-access", help="everything held about one person, as JSON, for a formal subject access request"
    )
    access.add_argument("person", help="the person's Entra object id")
    access.add_argument(
        "--out", type=Path, help="write to this file (created readable by you only) instead of standard output"
    )

    erase = sub.add_parser(
        "erase", help="erase one person's data, as 'delete my data' does, for someone who cannot use the bot"
    )
    erase.add_argument("person", help="the person's Entra object id")
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    sub.add_parser("settings", help="show the effective settings (secrets masked)")
    return parser


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    from aiohttp import web

    from bot.app import create_app
    from bot.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.secrets)
    web.run_app(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        shutdown_timeout=15,
        print=lambda message: print(message, flush=True),
    )
    return 0


async def _db(settings: Settings, action: str) -> int:
    from storage.database import open_database
    from storage.migrate import current_revision, head_revision, upgrade

    database = open_database(settings.database_url)
    try:
        if action == "upgrade":
            await upgrade(database)
        revision = await current_revision(database)
        print(f"database revision: {revision or '(empty)'} (latest: {head_revision()})")
    finally:
        await database.close()
    return 0


_DEFAULT_LISTED = frozenset({WorkState.PENDING, WorkState.LEASED, WorkState.DEAD, WorkState.MISSED})


async def _work(settings: Settings, args: argparse.Namespace) -> int:
    from programme.clock import SystemClock
    from storage.database import open_database
    from storage.migrate import upgrade
    from storage.work_queue import SqlWorkQueue

    database = open_database(settings.database_url)
    try:
        await upgrade(database)
        queue = SqlWorkQueue(database)
        if args.work_command == "retry":
            now = SystemClock().now()
            if await queue.retry(args.item_id, now, now):
                print(f"item {args.item_id} will be sent again at the next sweep (within working hours)")
                return 0
            item = await queue.find(args.item_id)
            if item is None:
                print(f"remedi work retry: there is no item {args.item_id}", file=sys.stderr)
            else:
                print(
                    f"remedi work retry: item {args.item_id} is {item.state.value}; only dead or missed items "
                    "can be retried",
                    file=sys.stderr,
                )
            return 2
        states = frozenset(WorkState(s) for s in args.state) if args.state else _DEFAULT_LISTED
        items = await queue.listing(states, max(1, min(args.limit, 1000)))
        counts = await queue.counts()
        print("  ".join(f"{state.value}={counts.get(state, 0)}" for state in WorkState))
        if not items:
            print("(no items in those states)")
        for item in items:
            summary = item.payload.get("summary") if isinstance(item.payload.get("summary"), str) else item.kind
            print(
                f"{item.id:>6}  {item.state.value:<9} {item.due_at:%Y-%m-%d %H:%M}Z  attempts={item.attempts}  "
                f"{summary}  to={item.recipient or 'conversation'}"
                + (f"  error={item.last_error}" if item.last_error else "")
            )
        return 0
    finally:
        await database.close()


def _person(raw: str, command: str) -> PersonId | None:
    from programme.errors import InvalidInput

    try:
        return PersonId.parse(raw)
    except InvalidInput as error:
        print(f"remedi {command}: {error.user_message}", file=sys.stderr)
        return None


async def _erase(settings: Settings, raw_person: str, confirmed: bool) -> int:
    import logging

    from programme.clock import SystemClock
    from programme.personal_data import PersonalData
    from storage.database import open_database
    from storage.migrate import upgrade
    from storage.personal_data_holders import sql_holders

    person = _person(raw_person, "erase")
    if person is None:
        return 2
    if not confirmed:
        print("remedi erase: this cannot be undone; add --yes to confirm", file=sys.stderr)
        return 2
    database = open_database(settings.database_url)
    try:
        await upgrade(database)
        changed = await PersonalData(sql_holders(database), SystemClock(), flush=database.flush_erased).erase(person)
    finally:
        await database.close()
    logging.getLogger(__name__).info("erasure made for one person by an operator")
    for section, count in changed.items():
        print(f"{section}: {count} record(s) erased or anonymised")
    print("Tell the programme coordinators that this person has left, if they were taking part.")
    return 0


async def _subject_access(settings: Settings, raw_person: str, out: Path | None) -> int:
    import json
    import logging
    import os

    from programme.clock import SystemClock
    from programme.personal_data import PersonalData
    from storage.database import open_database
    from storage.migrate import upgrade
    from storage.personal_data_holders import sql_holders

    person = _person(raw_person, "subject-access")
    if person is None:
        return 2
    database = open_database(settings.database_url)
    try:
        await upgrade(database)
        report = await PersonalData(sql_holders(database), SystemClock()).export(person)
    finally:
        await database.close()
    document = json.dumps(report.as_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    # Who asked is the operator's record to keep; the log says only that an export happened, never what it held.
    logging.getLogger(__name__).info("subject access export made for one person")
    if out is None:
        sys.stdout.write(document)
        return 0
    try:
        # Created owner-only before anything is written, since the file holds special-category data.
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"remedi subject-access: {out} already exists; choose a new file name", file=sys.stderr)
        return 2
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(document)
    print(f"wrote {out}")
    return 0


# What each manifest field is set from, so an error can name the setting to fix.
_MANIFEST_SOURCES = {
    "app_id": "MicrosoftAppId",
    "bot_domain": "--domain or REMEDI_BOT_DOMAIN",
    "version": "--version or REMEDI_PACKAGE_VERSION",
    "publisher_name": "REMEDI_PUBLISHER_NAME",
    "website_url": "REMEDI_WEBSITE_URL",
    "privacy_url": "REMEDI_PRIVACY_URL",
    "terms_url": "REMEDI_TERMS_URL",
}


def _manifest(settings: Settings, args: argparse.Namespace) -> int:
    from bot import __version__
    from manifest.build import ManifestError, ManifestOptions, build_package

    env = read_environment()
    try:
        options = ManifestOptions(
            app_id=settings.bot.app_id,
            bot_domain=args.domain or env.get("REMEDI_BOT_DOMAIN", ""),
            version=args.package_version or env.get("REMEDI_PACKAGE_VERSION", "") or __version__,
            publisher_name=env.get("REMEDI_PUBLISHER_NAME", "") or settings.organisation_name,
            website_url=env.get("REMEDI_WEBSITE_URL", ""),
            privacy_url=env.get("REMEDI_PRIVACY_URL", ""),
            terms_url=env.get("REMEDI_TERMS_URL", ""),
        )
        path = build_package(options, args.out)
    except ManifestError as error:
        source = _MANIFEST_SOURCES.get(error.field, error.field)
        print(f"remedi manifest build: {error} (set {source})", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
