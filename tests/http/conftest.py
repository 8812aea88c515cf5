"""A running bot behind the real CloudAdapter, a fake Bot Connector and a fake token service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application

from bot.app import create_app
from bot.settings import Settings, parse_settings
from tests.support.activities import TENANT
from tests.support.fake_connector import FakeConnector
from tests.support.fake_identity import FakeBotIdentity, FakeCredentialFactory

if TYPE_CHECKING:
    from tests.http.programme_driver import Programme

APP_ID = "0b7f4c4e-6a59-4b0c-9d1e-2f3a4b5c6d7e"
APP_SECRET = "an-app-secret-that-must-never-be-logged"
COORDINATOR = "c0000000-0000-4000-8000-000000000001"
MENTOR = "a0000000-0000-4000-8000-000000000002"
MENTEE = "b0000000-0000-4000-8000-000000000003"


@dataclass
class BotUnderTest:
    client: TestClient[Any, Application]
    connector: FakeConnector
    identity: FakeBotIdentity | None
    settings: Settings

    @property
    def service_url(self) -> str:
        return self.connector.service_url

    def token(self, **overrides: Any) -> str:
        assert self.identity is not None
        return self.identity.bearer(self.identity.mint(APP_ID, service_url=self.service_url, **overrides))

    async def post(self, activity: dict[str, Any], *, authorization: str | None = "auto") -> Any:
        headers = {}
        if authorization == "auto":
            if self.identity is not None:
                headers["Authorization"] = self.token()
        elif authorization is not None:
            headers["Authorization"] = authorization
        return await self.client.post("/api/messages", json=activity, headers=headers)


@pytest.fixture
def identity() -> Iterator[FakeBotIdentity]:
    with FakeBotIdentity() as fake:
        yield fake


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()


def production_settings(tmp_path: Path, identity: FakeBotIdentity, **extra: str) -> Settings:
    return parse_settings(
        {
            "REMEDI_ENV": "production",
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": APP_SECRET,
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": TENANT,
            "REMEDI_ALLOWED_TENANTS": TENANT,
            "REMEDI_COORDINATORS": COORDINATOR,
            "REMEDI_DATABASE_URL": f"sqlite:///{tmp_path / 'remedi.db'}",
            **identity.settings_env(),
            **extra,
        }
    )


@pytest.fixture
async def bot(tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    """The bot as deployed: authentication on, one allowed tenant, one configured coordinator."""
    settings = production_settings(tmp_path, identity)
    app = create_app(settings, credentials_factory=FakeCredentialFactory(APP_ID))
    async with TestClient(TestServer(app)) as client:
        yield BotUnderTest(client=client, connector=connector, identity=identity, settings=settings)


@pytest.fixture
async def local_bot(tmp_path: Path, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    """The bot as ``make run`` starts it: authentication off, any tenant."""
    settings = parse_settings(
        {
            "REMEDI_ENV": "local",
            "REMEDI_COORDINATORS": COORDINATOR,
            "REMEDI_DATABASE_URL": f"sqlite:///{tmp_path / 'remedi.db'}",
        }
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        yield BotUnderTest(client=client, connector=connector, identity=None, settings=settings)


def programme_settings(tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, **extra: str) -> Settings:
    """The deployed bot's settings for driving a programme: any time is working time, and the sweeper runs only
    when a test asks."""
    return production_settings(
        tmp_path,
        identity,
        REMEDI_WORKING_HOURS="00:00-24:00",
        REMEDI_WORKING_DAYS="Mon-Sun",
        # The scheduler sweeps once at start-up and not again within a test; tests sweep when they choose.
        REMEDI_SWEEP_SECONDS="3600",
        # Chats the bot has to create (someone it has never heard from) are created on the fake connector too.
        REMEDI_SERVICE_URL=connector.service_url,
        **extra,
    )


@pytest.fixture
async def programme(
    tmp_path: Path, identity: FakeBotIdentity, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Programme]:
    """The deployed bot (authentication on) on a fixed clock, sending proactive messages only when a test sweeps.

    Fails the test if anything was logged as an error: a turn that failed and was papered over with a kind
    message is still a failure here.
    """
    # Imported here: the driver imports this module for the people's ids.
    from tests.http.programme_driver import NOW, Programme
    from tests.support.fakes import FakeClock

    settings = programme_settings(tmp_path, identity, connector)
    clock = FakeClock(NOW)
    app = create_app(settings, clock=clock, credentials_factory=FakeCredentialFactory(APP_ID))
    async with TestClient(TestServer(app)) as client:
        yield Programme(BotUnderTest(client=client, connector=connector, identity=identity, settings=settings), clock)
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert errors == [], f"errors were logged: {errors}"
