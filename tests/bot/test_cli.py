"""The `remedi` command: configuration errors, settings display, database chores and the app package."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from storage.migrate import head_revision

APP_ID = "0b7f4c4e-6a59-4b0c-9d1e-2f3a4b5c6d7e"
TENANT = "8a5d7f3c-1b2e-4c6d-9e0f-a1b2c3d4e5f6"
SECRET = "cli-secret-value-never-shown"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The developer's own .env and variables must not leak into these runs.
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("REMEDI_", "Microsoft", "AZURE_", "PORT")):
            monkeypatch.delenv(name)


def _production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDI_ENV", "production")
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    monkeypatch.setenv("MicrosoftAppPassword", SECRET)
    monkeypatch.setenv("MicrosoftAppTenantId", TENANT)


def test_a_configuration_error_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings"]) == 2
    err = capsys.readouterr().err
    assert "MicrosoftAppId" in err
    assert "Traceback" not in err


def test_settings_are_shown_with_secrets_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _production(monkeypatch)
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert f"MicrosoftAppId={APP_ID}" in out
    assert "MicrosoftAppPassword=(set)" in out
    assert SECRET not in out


def test_env_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("REMEDI_ENV=local\nREMEDI_ORGANISATION_NAME=From the file\nPORT=4000\n")
    monkeypatch.setenv("PORT", "4100")
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert "REMEDI_ORGANISATION_NAME=From the file" in out
    assert "PORT=4100" in out


def test_db_upgrade_creates_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REMEDI_ENV", "local")
    monkeypatch.setenv("REMEDI_DATABASE_URL", f"sqlite:///{tmp_path / 'new' / 'remedi.db'}")
    assert main(["db", "current"]) == 0
    assert "(empty)" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"database revision: {head_revision()}" in capsys.readouterr().out
    assert (tmp_path / "new" / "remedi.db").is_file()


def test_manifest_build_writes_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _production(monkeypatch)
    (tmp_path / ".env").write_text(
        "REMEDI_BOT_DOMAIN=remedi.northmoor.example\nREMEDI_PUBLISHER_NAME=Northmoor\n"
        "REMEDI_WEBSITE_URL=https://northmoor.example/remedi\nREMEDI_PRIVACY_URL=https://northmoor.example/privacy\n"
        "REMEDI_TERMS_URL=https://northmoor.example/terms\n"
    )
    assert main(["manifest", "build", "--out", str(tmp_path / "out"), "--version", "1.2.3"]) == 0
    package = tmp_path / "out" / "remedi-bot-1.2.3.zip"
    assert str(package) in capsys.readouterr().out
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert APP_ID in archive.read("manifest.json").decode()


def test_manifest_build_names_the_missing_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _production(monkeypatch)
    assert main(["manifest", "build", "--out", str(tmp_path / "out")]) == 2
    assert "REMEDI_BOT_DOMAIN" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_every_setting_is_documented_in_the_example_file() -> None:
    from bot.settings import parse_settings

    documented = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    names = set(parse_settings({"REMEDI_ENV": "local"}).described()) | set(
        ("REMEDI_BOT_DOMAIN", "REMEDI_PACKAGE_VERSION", "REMEDI_PUBLISHER_NAME", "REMEDI_WEBSITE_URL")
    )
    missing = sorted(name for name in names if f"\n{name}=" not in documented)
    assert missing == []


async def _queue_with_a_dead_and_a_pending_item(url: str) -> tuple[int, int]:
    from datetime import UTC, datetime, timedelta

    from programme.identity import PersonId, TenantId
    from programme.work import Lease, NewWork, WorkState
    from storage.database import open_database
    from storage.migrate import upgrade
    from storage.work_queue import SqlWorkQueue

    database = open_database(url)
    try:
        await upgrade(database)
        queue = SqlWorkQueue(database)
        now = datetime.now(UTC)
        for key in ("blocked", "later"):
            await queue.enqueue(
                NewWork(
                    kind="message",
                    idempotency_key=key,
                    tenant=TenantId(TENANT),
                    recipient=PersonId("a0000000-0000-4000-8000-000000000001"),
                    due_at=now if key == "blocked" else now + timedelta(days=1),
                    payload={"summary": "meeting reminder", "text": "hello"},
                ),
                now,
            )
        (claimed,) = await queue.claim(now, "test", timedelta(minutes=1), 1)
        assert claimed.lease_owner is not None
        assert claimed.lease_until is not None
        lease = Lease(claimed.id, claimed.lease_owner, claimed.lease_until)
        await queue.settle(lease, WorkState.DEAD, now, "blocked or uninstalled")
        pending = [i for i in await queue.listing(frozenset({WorkState.PENDING}), 10)]
        return claimed.id, pending[0].id
    finally:
        await database.close()


async def test_work_list_and_retry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    url = f"sqlite:///{tmp_path / 'remedi.db'}"
    monkeypatch.setenv("REMEDI_ENV", "local")
    monkeypatch.setenv("REMEDI_DATABASE_URL", url)
    dead, pending = await _queue_with_a_dead_and_a_pending_item(url)

    # The CLI runs its own event loop, as it does from a shell.
    assert await asyncio.to_thread(main, ["work", "list"]) == 0
    listing = capsys.readouterr().out
    assert "pending=1" in listing
    assert "dead=1" in listing
    assert "error=blocked or uninstalled" in listing
    assert "meeting reminder" in listing
    assert "hello" not in listing  # message content never shows

    assert await asyncio.to_thread(main, ["work", "retry", str(pending)]) == 2
    assert "only dead or missed items can be retried" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["work", "retry", "9999"]) == 2
    assert "there is no item 9999" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["work", "retry", str(dead)]) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["work", "list", "--state", "dead"]) == 0
    assert "(no items in those states)" in capsys.readouterr().out


async def _database_with_an_application(url: str) -> str:
    """A migrated database holding one mentor's application; returns their job title (free text they gave)."""
    from datetime import UTC, datetime

    from programme.applications import Consent, NewApplication
    from storage.application_store import SqlApplicationStore
    from storage.cohort_store import SqlCohortStore
    from storage.database import open_database
    from storage.migrate import upgrade
    from storage.participant_store import SqlParticipantStore
    from tests.programme.builders import AISHA, COORDINATOR, TENANT, cohort_plan, mentor_profile

    now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    database = open_database(url)
    try:
        await upgrade(database)
        cohort = await SqlCohortStore(database).add(cohort_plan(now.date()), COORDINATOR, now)
        profile = mentor_profile(job_title="Ward sister, respiratory")
        await SqlApplicationStore(database).add(
            NewApplication(cohort.id, TENANT, AISHA, "Aisha Bello", profile, Consent(given_at=now)), now
        )
        await SqlParticipantStore(database).enrol(TENANT, AISHA, "Aisha Bello", now)
    finally:
        await database.close()
    return profile.job_title


async def test_subject_access_writes_everything_to_a_private_file_and_erase_removes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    import json
    import stat

    from tests.programme.builders import AISHA

    url = f"sqlite:///{tmp_path / 'remedi.db'}"
    monkeypatch.setenv("REMEDI_ENV", "local")
    monkeypatch.setenv("REMEDI_DATABASE_URL", url)
    job_title = await _database_with_an_application(url)

    out = tmp_path / "request.json"
    assert await asyncio.to_thread(main, ["subject-access", AISHA.value, "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    report = json.loads(out.read_text())
    assert report["person"] == AISHA.value
    assert report["sections"]["applications"][0]["answers"]["job_title"] == job_title
    assert report["sections"]["participation"]["display_name"] == "Aisha Bello"
    # An existing file is never overwritten.
    assert await asyncio.to_thread(main, ["subject-access", AISHA.value, "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err

    assert await asyncio.to_thread(main, ["subject-access", "not-an-id"]) == 2
    assert "Entra object id" in capsys.readouterr().err

    assert await asyncio.to_thread(main, ["erase", AISHA.value]) == 2
    assert "--yes" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["erase", AISHA.value, "--yes"]) == 0
    assert "applications: 1 record(s)" in capsys.readouterr().out

    assert await asyncio.to_thread(main, ["subject-access", AISHA.value]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["sections"]["applications"] == []
    assert after["sections"]["participation"] is None
    assert job_title not in json.dumps(after)


def test_serve_port_is_the_port_the_service_links_to() -> None:
    import argparse

    from bot.cli import environment_for
    from bot.settings import parse_settings

    # The .ics links of local meetings point at the service itself, so they follow the port it really listens on.
    served = environment_for(argparse.Namespace(command="serve", port=4101))
    assert served is not None
    assert parse_settings({**served, "REMEDI_ENV": "local"}).public_url == "http://localhost:4101"
    assert environment_for(argparse.Namespace(command="serve", port=None)) is None
    assert environment_for(argparse.Namespace(command="settings")) is None
