"""The baseline: a minimal botbuilder echo bot on ReMEDI bot's own adapter, settings and web server set-up.

Everything between the socket and the bot is the same as in ``remedi serve`` (aiohttp ``run_app``, the body size
limit, logging with redaction, ``HardenedCloudAdapter`` with the same authentication configuration and
credentials factory), so a benchmark that compares the two measures what ReMEDI bot does in a turn, not how it
is hosted. It keeps no state and opens no database.

Run it with ``python -m bench.echo_bot --port N`` and the same environment as the bot (``REMEDI_ENV=local``,
empty ``MicrosoftAppId``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

from bot.adapter import HardenedCloudAdapter, messages_endpoint
from bot.app import MAX_REQUEST_BYTES, BotFrameworkConfig
from bot.credentials import CachingCredentialFactory
from bot.logging_setup import configure_logging
from bot.settings import Settings, SettingsError, load_settings


class EchoBot(ActivityHandler):  # type: ignore[misc]  # botbuilder is untyped
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or ""))


def create_echo_app(settings: Settings) -> web.Application:
    config = BotFrameworkConfig(settings)
    authentication = ConfigurationBotFrameworkAuthentication(
        config, credentials_factory=CachingCredentialFactory.from_configuration(config)
    )
    adapter = HardenedCloudAdapter(authentication, settings)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.router.add_post("/api/messages", messages_endpoint(adapter, EchoBot()))
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.echo_bot", description="the benchmarks' echo bot")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        settings = load_settings(env_file=None)
    except SettingsError as error:
        print(f"echo bot: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.secrets)
    # The same run_app arguments as `remedi serve`, so both servers shut down and log alike.
    web.run_app(
        create_echo_app(settings),
        host=args.host,
        port=args.port,
        shutdown_timeout=15,
        print=lambda message: print(message, flush=True),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
