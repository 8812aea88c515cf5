"""CachingCredentialFactory: one credentials object per key, tokens fetched off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.credentials import CachingCredentialFactory
from tests.support.fake_identity import (
    FAKE_OUTBOUND_TOKEN,
    FakeBotIdentity,
    FakeCredentialFactory,
    StaticTokenCredentials,
)

APP_ID = "6f1c2a9e-0d4b-4c55-9a0e-3b1f7d2e8c41"
SCOPE = "https://api.botframework.com"
LOGIN = "https://login.microsoftonline.com/"


class BotConfig:
    """The attribute-style configuration ConfigurationBotFrameworkAuthentication reads."""

    APP_ID = APP_ID
    APP_TYPE = "MultiTenant"

    def __init__(self, overrides: dict[str, str]) -> None:
        for name, value in overrides.items():
            setattr(self, name, value)


class EchoBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")


@dataclass
class FakeConnector:
    """Records what the bot posts back to the conversation."""

    authorizations: list[str | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    async def reply(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        self.texts.append((await request.json()).get("text"))
        return web.json_response({"id": f"reply-{len(self.texts)}"})


class BrokenTokenCredentials(StaticTokenCredentials):
    def get_access_token(self, force_refresh: bool = False) -> str:
        super().get_access_token(force_refresh)
        raise PermissionError("Entra ID is unavailable")


class BrokenTokenFactory(FakeCredentialFactory):
    def new_credentials(self, app_id: str, oauth_scope: str | None) -> StaticTokenCredentials:
        return BrokenTokenCredentials(app_id, oauth_scope, self.token)


@pytest.fixture
def identity() -> Iterator[FakeBotIdentity]:
    with FakeBotIdentity() as running:
        yield running


@pytest.fixture
async def connector() -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", fake.reply)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", fake.reply)
    server = TestServer(app)
    await server.start_server()
    try:
        yield fake, str(server.make_url("/"))
    finally:
        await server.close()


def message(text: str, service_url: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"activity-{text}",
        "text": text,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:user"},
        "recipient": {"id": f"28:{APP_ID}"},
        "conversation": {"id": "a:conversation"},
    }


async def test_two_turns_share_one_credentials_object(
    identity: FakeBotIdentity, connector: tuple[FakeConnector, str]
) -> None:
    fake_connector, service_url = connector
    inner = FakeCredentialFactory(APP_ID)
    factory = CachingCredentialFactory(inner)
    auth = ConfigurationBotFrameworkAuthentication(BotConfig(identity.channel_overrides()), credentials_factory=factory)
    adapter = CloudAdapter(auth)
    bot = EchoBot()

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        raise error

    adapter.on_turn_error = on_turn_error

    async def messages(request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse | None = await adapter.process(request, bot)
        assert response is not None
        return response

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    async with TestClient(TestServer(app)) as client:
        for text in ("one", "two"):
            token = identity.mint(APP_ID, service_url=service_url)
            response = await client.post(
                "/api/messages",
                json=message(text, service_url),
                headers={"Authorization": identity.bearer(token)},
            )
            assert response.status == 201

    assert fake_connector.texts == ["echo: one", "echo: two"]
    assert fake_connector.authorizations == [f"Bearer {FAKE_OUTBOUND_TOKEN}"] * 2
    # botbuilder asked for credentials at least twice per turn; the inner factory built them once.
    assert len(inner.requests) == 1
    assert len(inner.issued) == 1


async def test_token_is_fetched_on_a_worker_thread_before_use() -> None:
    inner = FakeCredentialFactory(APP_ID)
    factory = CachingCredentialFactory(inner)

    credentials = await factory.create_credentials(APP_ID, SCOPE, LOGIN, True)

    assert credentials.token_threads
    assert threading.get_ident() not in credentials.token_threads


async def test_concurrent_first_requests_build_credentials_once() -> None:
    inner = FakeCredentialFactory(APP_ID)
    factory = CachingCredentialFactory(inner)

    results = await asyncio.gather(*(factory.create_credentials(APP_ID, SCOPE, LOGIN, True) for _ in range(10)))

    assert len(inner.requests) == 1
    assert all(credentials is results[0] for credentials in results)


async def test_each_scope_and_authority_gets_its_own_credentials() -> None:
    inner = FakeCredentialFactory(APP_ID)
    factory = CachingCredentialFactory(inner, prefetch_tokens=False)

    channel = await factory.create_credentials(APP_ID, SCOPE, LOGIN, True)
    skill = await factory.create_credentials(APP_ID, "api://another-bot", LOGIN, True)
    other_authority = await factory.create_credentials(APP_ID, SCOPE, "https://login.example/", True)
    channel_again = await factory.create_credentials(APP_ID, SCOPE, LOGIN, True)

    assert len({id(channel), id(skill), id(other_authority)}) == 3
    assert channel_again is channel
    assert channel.token_requests == 0


async def test_refused_app_id_is_not_cached() -> None:
    inner = FakeCredentialFactory(APP_ID)
    factory = CachingCredentialFactory(inner)

    for _ in range(2):
        with pytest.raises(PermissionError):
            await factory.create_credentials("someone-else", SCOPE, LOGIN, True)

    assert len(inner.requests) == 2


async def test_failed_prefetch_still_returns_credentials(caplog: pytest.LogCaptureFixture) -> None:
    inner = BrokenTokenFactory(APP_ID)
    factory = CachingCredentialFactory(inner)

    credentials = await factory.create_credentials(APP_ID, SCOPE, LOGIN, True)

    assert credentials is inner.issued[0]
    assert credentials.token_requests == 1
    assert "Could not fetch a Bot Connector token" in caplog.text


async def test_no_token_is_requested_when_authentication_is_disabled() -> None:
    inner = FakeCredentialFactory("")
    factory = CachingCredentialFactory(inner)

    assert await factory.is_authentication_disabled()
    credentials = await factory.create_credentials("", SCOPE, LOGIN, True)

    assert credentials.token_requests == 0


async def test_app_id_checks_are_delegated() -> None:
    factory = CachingCredentialFactory(FakeCredentialFactory(APP_ID))

    assert await factory.is_valid_app_id(APP_ID)
    assert not await factory.is_valid_app_id("someone-else")
    assert not await factory.is_authentication_disabled()
