"""Whatever arrives at /api/messages, the answer is a 2xx or a 4xx with a reason: never a 500."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.http.conftest import APP_ID, APP_SECRET, MENTOR, BotUnderTest
from tests.support import activities
from tests.support.fake_identity import SigningKey


def _help(bot: BotUnderTest, **kwargs: Any) -> dict[str, Any]:
    return activities.message("help", service_url=bot.service_url, person=MENTOR, **kwargs)


async def test_wrong_content_type_is_415(bot: BotUnderTest) -> None:
    response = await bot.client.post(
        "/api/messages",
        data=json.dumps(_help(bot)),
        headers={"Content-Type": "text/plain", "Authorization": bot.token()},
    )
    assert response.status == 415


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"\xff\xfe\x00", b"[]", b"null", b"42", b'"message"', b"{}", b'{"type": ""}', b'{"type": 7}'],
)
async def test_bodies_that_are_not_activities_are_400(bot: BotUnderTest, raw: bytes) -> None:
    response = await bot.client.post(
        "/api/messages", data=raw, headers={"Content-Type": "application/json", "Authorization": bot.token()}
    )
    assert response.status == 400
    assert "error" in await response.json()


async def test_activity_with_wrongly_typed_fields_is_400(bot: BotUnderTest) -> None:
    activity = _help(bot)
    activity["from"] = "someone"
    response = await bot.post(activity)
    assert response.status == 400
    assert "'from' must be an object" in (await response.json())["error"]["message"]


async def test_oversized_body_is_413(bot: BotUnderTest) -> None:
    activity = _help(bot)
    activity["channelData"]["padding"] = "x" * 600_000
    response = await bot.post(activity)
    assert response.status == 413


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Bearer abc", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer x y", "bearer .."],
)
async def test_missing_or_malformed_tokens_are_401(bot: BotUnderTest, header: str | None) -> None:
    response = await bot.post(_help(bot), authorization=header)
    assert response.status == 401
    assert bot.connector.sent == []


@pytest.mark.parametrize("kind", ["expired", "wrong_audience", "wrong_issuer", "forged", "unknown_key"])
async def test_rejected_tokens_are_401(bot: BotUnderTest, kind: str) -> None:
    assert bot.identity is not None
    mint = getattr(bot.identity, f"mint_{kind}")
    response = await bot.post(_help(bot), authorization=bot.identity.bearer(mint(APP_ID, service_url=bot.service_url)))
    assert response.status == 401
    assert bot.connector.sent == []


async def test_token_for_another_service_url_is_401(bot: BotUnderTest) -> None:
    assert bot.identity is not None
    token = bot.identity.mint(APP_ID, service_url="https://smba.trafficmanager.net/emea/")
    response = await bot.post(_help(bot), authorization=bot.identity.bearer(token))
    assert response.status == 401


async def test_token_with_symmetric_algorithm_is_401(bot: BotUnderTest) -> None:
    import jwt

    token = jwt.encode(
        {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": bot.service_url},
        "k" * 32,
        algorithm="HS256",
    )
    response = await bot.post(_help(bot), authorization=f"Bearer {token}")
    assert response.status == 401


async def test_token_from_an_unpublished_key_is_401(bot: BotUnderTest) -> None:
    assert bot.identity is not None
    stranger = SigningKey.generate()
    token = bot.identity.mint(APP_ID, service_url=bot.service_url, key=stranger)
    response = await bot.post(_help(bot), authorization=bot.identity.bearer(token))
    assert response.status == 401


async def test_valid_token_is_accepted(bot: BotUnderTest) -> None:
    response = await bot.post(_help(bot))
    assert response.status == 200


async def test_other_tenants_are_refused_and_logged(bot: BotUnderTest, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    response = await bot.post(_help(bot, tenant=activities.OTHER_TENANT))
    assert response.status == 403
    assert bot.connector.sent == []
    assert activities.OTHER_TENANT in caplog.text


async def test_activity_without_a_tenant_is_refused(bot: BotUnderTest) -> None:
    activity = _help(bot)
    del activity["conversation"]["tenantId"]
    del activity["channelData"]
    response = await bot.post(activity)
    assert response.status == 403


async def test_unknown_invoke_is_not_a_500(bot: BotUnderTest) -> None:
    activity = activities.card_action("help", service_url=bot.service_url, person=MENTOR)
    activity["name"] = "composeExtension/somethingNew"
    response = await bot.post(activity)
    assert response.status < 500 or response.status == 501


async def test_secrets_and_tokens_never_reach_the_log(bot: BotUnderTest, caplog: pytest.LogCaptureFixture) -> None:
    from bot.logging_setup import RedactingFilter

    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter(bot.settings.secrets))
    token = bot.token()
    await bot.post(_help(bot), authorization=token)
    await bot.post(_help(bot), authorization="Bearer a.b.c")
    assert APP_SECRET not in caplog.text
    assert token.split(" ", 1)[1] not in caplog.text


async def test_local_mode_refuses_remote_service_urls(local_bot: BotUnderTest) -> None:
    activity = activities.message("help", service_url="https://example.org/", person=MENTOR)
    response = await local_bot.post(activity, authorization=None)
    assert response.status == 403


async def test_local_mode_answers_without_a_token(local_bot: BotUnderTest) -> None:
    response = await local_bot.post(
        activities.message("help", service_url=local_bot.service_url, person=MENTOR), authorization=None
    )
    assert response.status == 200
    sent = await local_bot.connector.wait_for(2)
    assert sent[-1].authorization is None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
_field_names = st.sampled_from(
    [
        "type",
        "text",
        "value",
        "from",
        "conversation",
        "recipient",
        "channelData",
        "entities",
        "attachments",
        "name",
        "membersAdded",
        "action",
        "serviceUrl",
        "id",
        "channelId",
        "replyToId",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mutations=st.dictionaries(_field_names, _json, max_size=4),
    kind=st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate", "event", "typing"]),
)
async def test_no_mutated_activity_gets_a_500(bot: BotUnderTest, mutations: dict[str, Any], kind: str) -> None:
    activity = activities.message("help", service_url=bot.service_url, person=MENTOR)
    activity["type"] = kind
    if kind == "invoke":
        activity["name"] = "adaptiveCard/action"
    activity.update(mutations)
    response = await bot.post(activity)
    assert response.status < 500 or response.status == 501, await response.text()
