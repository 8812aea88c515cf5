"""Drive the Microsoft 365 Agents Playground from async tests: start it, talk to the bot, watch what comes back.

The Playground (npm `@microsoft/m365agentsplayground`, pinned in package.json) is a Teams-like chat client with a
mock Bot Connector. With the bot's app id empty it needs no network. This module uses the same internal HTTP and
WebSocket API as its web UI (read from the 0.2.28 bundle and checked against a live instance):

* `GET /_debug/ping` answers `pong` once the backend is mounted. The process prints `Listening on <port>` *before*
  it reads the tenant file, and exits with status 1 if that file is invalid, so the ping is the readiness signal.
* `GET /_internal/v1/config` returns the loaded tenant. It first waits (up to 15 s) for the bot endpoint to
  answer anything, so fetch it once the bot is up.
* `POST /_conversation/v1/conversations/{id}/messages` posts a user message. The bot always receives it *from the
  current user*, whatever `from.id` says; `from.id` is only checked for membership. Messages from other users are
  therefore sent as custom activities (`POST /_internal/v1/customActivities`, passed to the bot verbatim).
* `POST /_conversation/v1/invoke` (Action.Execute) and `POST /_conversation/v1/submit` (Action.Submit) do honour
  `from.id`, for any member of the conversation.
* `POST /_debug/conversation/{id}/installation` makes the current user install the bot there (an
  `installationUpdate`, then a `conversationUpdate` with `membersAdded`).
* WebSocket `/_ws_conversation/v1/conversations/stream` carries what the current user's client shows:
  `{"action": "createMessage" | "updateMessage" | "typing", "actionConversationId": ..., "message": {...}}`.
  It never carries chats that do not include the current user, such as another user's 1:1 chat with the bot.
* WebSocket `/_ws/log/stream` carries the log panel: every request between the Playground and the bot, with
  bodies and status codes. It is the only place a proactive message to another user's 1:1 chat can be seen.

Both sockets queue events while no client is connected and hand the queue to the next client, so a client should
connect right after start-up and stay connected. Several clients (this one and a browser) can listen at once.

Typical use, with the bot already answering on its endpoint:

    async with start_playground(node_modules=..., bot_endpoint=..., config_path=..., log_path=...) as proc:
        async with PlaygroundClient(proc.base_url) as pg:
            me = pg.config.current_user
            await pg.send_text(pg.config.personal_chat_id, me.id, "help")
            card_message = await pg.next_bot_message(predicate=lambda m: bool(m.adaptive_cards))
            result = await pg.click(card_message, "Say hi")

Mapping Teams ids onto the mock tenant: the bot sees `from.id` = the user's `id`, `from.aadObjectId` = its
`aadObjectId`, `channelData.tenant.id` = `tenantId`, `recipient.id` = `bot.id`, and `serviceUrl` =
`http://localhost:<port>/_connector`. The wire activity also has `conversation.tenantId`, but botbuilder's
`ConversationAccount` maps `tenantID` (capital D), so Python bots only see the tenant in `channelData`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

import aiohttp

JSONDict = dict[str, Any]

PLAYGROUND_PACKAGE = "@microsoft/m365agentsplayground"
CONFIG_FILE_VERSION = "0.1.1"

# Variables the Playground reads besides the ones set here; an inherited value would silently change a test run.
_PLAYGROUND_ENV_VARS = (
    "TEAMSAPPTESTER_PORT",
    "TEAMSAPPTESTER_LOGFILE",
    "TEAMS_APP_TEST_TOOL_CONFIG_PATH",
    "DEFAULT_CHANNEL_ID",
    "M365_AGENTS_PLAYGROUND_CONVERSATION_ID",
    "M365_AGENTS_PLAYGROUND_SERVICE_URL",
    "M365_AGENTS_PLAYGROUND_DELIVERY_MODE",
    "M365_AGENTS_PLAYGROUND_ENABLE_EVENTS_RECORDING",
    "M365_AGENTS_PLAYGROUND_RECORDING_FILE",
    "M365_AGENTS_PLAYGROUND_TARGET_SDK",
)
_LISTENING = re.compile(r"Listening on (\d+)")
_ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_FROM_BOT = "User Application"  # how the log stream names the bot


class PlaygroundError(RuntimeError):
    """The Playground could not be started, died, or refused a request."""


class PlaygroundApiError(PlaygroundError):
    """An internal API call answered with an error status.

    `body` is the decoded JSON when there is one, for example
    `{"code": "UserNotFound", "message": "User not found"}`, or for a failed invoke
    `{"code": "UserBotError", "message": "...", "innerHttpError": {"statusCode": 500, "body": "..."}}`.
    """

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        super().__init__(f"{method} {path} -> HTTP {status}: {body!r}")
        self.status = status
        self.body = body


# --------------------------------------------------------------------------------------------------------------
# Process management
# --------------------------------------------------------------------------------------------------------------


@dataclass
class PlaygroundProcess:
    """A running Playground. `base_url` is what browsers and `PlaygroundClient` use; the bot is told
    `http://localhost:<port>/_connector` as its serviceUrl."""

    port: int
    log_path: Path
    process: asyncio.subprocess.Process
    _output: deque[str] = field(default_factory=lambda: deque(maxlen=200))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        return f"http://localhost:{self.port}/_connector"

    def output_tail(self) -> str:
        """The process's own stdout/stderr. Nearly everything goes to the log file instead; this holds the
        `Listening on` line and anything Node prints before the Playground's logging is set up."""
        return "\n".join(self._output)

    def log_tail(self, max_chars: int = 4000) -> str:
        """End of the Playground's log file: start-up errors (such as an invalid tenant file) land here."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-max_chars:]


def free_port() -> int:
    """A TCP port nobody listens on right now. The Playground checks a port by listening on all interfaces, so
    check the same way; if another process takes it in between, the Playground picks a random port instead and
    `start_playground` follows it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("", 0))
        port: int = sock.getsockname()[1]
        return port


def playground_cli(node_modules: Path) -> Path:
    """Path of the Playground's entry script inside a node_modules directory."""
    cli = node_modules / PLAYGROUND_PACKAGE / "cli.js"
    if not cli.is_file():
        raise PlaygroundError(f"{cli} not found: run `npm ci` (package.json pins {PLAYGROUND_PACKAGE})")
    return cli


@contextlib.asynccontextmanager
async def start_playground(
    *,
    node_modules: Path,
    bot_endpoint: str,
    config_path: Path,
    log_path: Path,
    port: int | None = None,
    startup_timeout: float = 30.0,
    node: str = "node",
    channel_id: str = "msteams",
) -> AsyncIterator[PlaygroundProcess]:
    """Start the Playground, wait until its API answers, and stop it (with its whole process group) on exit.

    `bot_endpoint` is the bot's messages URL, e.g. `http://127.0.0.1:3978/api/messages`. The bot need not be up
    yet: the Playground only calls it when something is sent. `port=None` picks a free port. `log_path` is
    truncated by the Playground at start-up and its directory becomes the working directory, which is where the
    Playground drops any other files (it works in a read-only directory too, minus the log).
    Start-up takes about 1 s.
    """
    node_exe, cli, config_path, log_path = _check_paths(node, node_modules, config_path, log_path)
    requested = port if port is not None else free_port()
    env = {k: v for k, v in os.environ.items() if k not in _PLAYGROUND_ENV_VARS}
    env.update(
        TEAMSAPPTESTER_BROWSER="none",  # never try to open a desktop browser
        M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(config_path),
        M365_AGENTS_PLAYGROUND_LOGFILE=str(log_path),
    )
    process = await asyncio.create_subprocess_exec(
        node_exe,
        str(cli),
        "start",
        "--app-endpoint",
        bot_endpoint,
        "--channel-id",
        channel_id,
        "--port",
        str(requested),
        "--disable-telemetry",
        cwd=log_path.parent,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        # Its own process group, so the whole tree can be stopped without touching anything else.
        start_new_session=True,
    )
    handle = PlaygroundProcess(port=requested, log_path=log_path, process=process)
    port_seen = asyncio.Event()
    pump = asyncio.create_task(_pump_output(handle, port_seen), name="playground-output")
    try:
        await _wait_until_ready(handle, port_seen, startup_timeout)
        yield handle
    finally:
        await _stop_process(process)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump


def _check_paths(node: str, node_modules: Path, config_path: Path, log_path: Path) -> tuple[str, Path, Path, Path]:
    cli = playground_cli(node_modules)
    if not config_path.is_file():
        # The Playground quietly falls back to its built-in tenant ("Alex Wilber") when the file is missing.
        raise PlaygroundError(f"tenant file {config_path} does not exist")
    node_exe = shutil.which(node)
    if node_exe is None:
        raise PlaygroundError(f"{node!r} not found on PATH: the Agents Playground needs Node.js")
    log_path = log_path.resolve()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return node_exe, cli, config_path.resolve(), log_path


async def _pump_output(handle: PlaygroundProcess, port_seen: asyncio.Event) -> None:
    """Keep reading the pipe (a full pipe would block the Playground) and learn the port it really took: when
    the requested one is busy it logs a warning and listens on a random one instead."""
    stream = handle.process.stdout
    assert stream is not None
    pending = b""
    # Chunks rather than readline(): an overlong line must not stop the draining.
    while chunk := await stream.read(65536):
        *lines, pending = (pending + chunk).split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", errors="replace").rstrip()
            handle._output.append(line)
            match = _LISTENING.search(line)
            if match and not port_seen.is_set():
                handle.port = int(match.group(1))
                port_seen.set()
        pending = pending[-65536:]


async def _wait_until_ready(handle: PlaygroundProcess, port_seen: asyncio.Event, within: float) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while True:
            if handle.process.returncode is not None:
                raise PlaygroundError(
                    f"Agents Playground exited with status {handle.process.returncode} during start-up.\n"
                    f"output:\n{handle.output_tail()}\nlog ({handle.log_path}):\n{handle.log_tail()}"
                )
            if port_seen.is_set():
                with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                    async with session.get(f"{handle.base_url}/_debug/ping") as resp:
                        if resp.status == 200 and (await resp.text()) == "pong":
                            return
            if time.monotonic() > deadline:
                raise PlaygroundError(
                    f"Agents Playground not ready after {within} s.\n"
                    f"output:\n{handle.output_tail()}\nlog ({handle.log_path}):\n{handle.log_tail()}"
                )
            await asyncio.sleep(0.05)


async def _stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), grace)
                break
    else:
        # The leader is gone; anything it left in its group still goes.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


# --------------------------------------------------------------------------------------------------------------
# Tenant (what /_internal/v1/config returns)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaygroundUser:
    id: str
    name: str
    aad_object_id: str
    given_name: str
    surname: str
    email: str
    user_principal_name: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            id=data["id"],
            name=data["name"],
            aad_object_id=data["aadObjectId"],
            given_name=data["givenName"],
            surname=data["surname"],
            email=data["email"],
            user_principal_name=data["userPrincipleName"],  # [sic] in the Playground's schema
        )

    def to_json(self) -> JSONDict:
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.user_principal_name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
        }

    def channel_account(self) -> JSONDict:
        """The `from` of an activity sent by this user, as the Playground builds it."""
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}


@dataclass(frozen=True)
class PlaygroundConfig:
    tenant_id: str
    bot_id: str
    bot_name: str
    current_user: PlaygroundUser
    users: tuple[PlaygroundUser, ...]  # the five others
    personal_chat_id: str
    group_chat_id: str
    group_chat_name: str
    team_id: str  # also the id of the team's General channel
    team_name: str
    team_aad_group_id: str
    channel_ids: tuple[str, ...]  # General first
    raw: Mapping[str, Any]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        config = data["config"]
        group_chat = config["groupChats"][0]
        team = config["teams"][0]
        return cls(
            tenant_id=config["tenantId"],
            bot_id=config["bot"]["id"],
            bot_name=config["bot"]["name"],
            current_user=PlaygroundUser.from_json(config["currentUser"]),
            users=tuple(PlaygroundUser.from_json(u) for u in config["users"]),
            personal_chat_id=config["personalChat"]["id"],
            group_chat_id=group_chat["id"],
            group_chat_name=group_chat["name"],
            team_id=team["id"],
            team_name=team["name"],
            team_aad_group_id=team["aadGroupId"],
            channel_ids=tuple(c["id"] for c in team["channels"]),
            raw=data,
        )

    @property
    def all_users(self) -> tuple[PlaygroundUser, ...]:
        return (self.current_user, *self.users)

    def user(self, user_id: str) -> PlaygroundUser:
        for user in self.all_users:
            if user.id == user_id:
                return user
        raise KeyError(f"no user {user_id!r} in the Playground tenant")

    def config_file_as(self, user_id: str, *, personal_chat_id: str | None = None) -> str:
        """A tenant file for the same tenant seen by another user, for a second Playground (or a restart) whose
        web UI acts as `user_id`. The Playground has no way to switch the current user at run time.

        It is JSON, which is valid YAML, so no YAML library is needed. Its 1:1 chat id defaults to one derived
        from the user id, because in Teams every user's chat with the bot has its own id.
        """
        me = self.user(user_id)
        team = self.raw["config"]["teams"][0]
        content = {
            "version": CONFIG_FILE_VERSION,
            "tenantId": self.tenant_id,
            "bot": dict(self.raw["config"]["bot"]),
            "currentUser": me.to_json(),
            "users": [u.to_json() for u in self.all_users if u.id != me.id],
            "personalChat": {"id": personal_chat_id or f"a:personal-{me.id}"},
            "groupChat": {"id": self.group_chat_id, "name": self.group_chat_name},
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "aadGroupId": self.team_aad_group_id,
                # The Playground adds General itself, using the team id.
                "channels": [{"id": c["id"], "name": c["name"]} for c in team["channels"] if c["id"] != self.team_id],
            },
        }
        return "# Generated by tests/e2e/playground.py (JSON is valid YAML)\n" + json.dumps(content, indent=2) + "\n"


# --------------------------------------------------------------------------------------------------------------
# What the bot sends
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotMessage:
    """One message the bot posted or edited.

    `visible` says whether it reached the current user's client (conversation stream); `False` means it went to
    a chat without the current user and was seen only in the connector log. For a new channel post
    `conversation_id` is the channel and `post_conversation_id` the thread (`<channel>;messageid=<id>`).
    """

    kind: Literal["create", "update"]
    conversation_id: str
    message_id: str
    text: str | None
    attachments: tuple[Mapping[str, Any], ...]
    visible: bool
    raw: Mapping[str, Any]
    post_conversation_id: str | None = None

    @property
    def adaptive_cards(self) -> list[Mapping[str, Any]]:
        return [a["content"] for a in self.attachments if a.get("contentType") == _ADAPTIVE_CARD]

    def find_action(self, title: str) -> Mapping[str, Any]:
        """The card action with this title (in `actions`, in ActionSets, or in a ShowCard's card)."""
        for card in self.adaptive_cards:
            found = _find_action(card, title)
            if found is not None:
                return found
        raise KeyError(f"no action titled {title!r} in message {self.message_id}: {self.describe()}")

    def describe(self) -> str:
        titles = [a.get("title") for card in self.adaptive_cards for a in _iter_actions(card)]
        return f"{self.kind} {self.message_id} in {self.conversation_id}: text={self.text!r} actions={titles}"


def _iter_actions(node: Any) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    if isinstance(node, Mapping):
        if isinstance(node.get("type"), str) and node["type"].startswith("Action."):
            found.append(node)
        for value in node.values():
            found.extend(_iter_actions(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_iter_actions(item))
    return found


def _find_action(card: Mapping[str, Any], title: str) -> Mapping[str, Any] | None:
    return next((a for a in _iter_actions(card) if a.get("title") == title), None)


@dataclass(frozen=True)
class InvokeResult:
    """What `POST /_conversation/v1/invoke` returns for `adaptiveCard/action`: the bot's invoke answer minus its
    `statusCode`. `type` is `application/vnd.microsoft.card.adaptive` (value = replacement card, which the
    Playground also stores as the message's card), `application/vnd.microsoft.activity.message` (value = text)
    or `application/vnd.microsoft.error` (value = `{"code", "message"}`)."""

    type: str | None
    value: Any
    raw: Mapping[str, Any]

    @property
    def card(self) -> Mapping[str, Any] | None:
        return self.value if self.type == _ADAPTIVE_CARD and isinstance(self.value, Mapping) else None


# --------------------------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------------------------


class PlaygroundClient:
    """Talk to a running Playground as its users. Use as an async context manager; connect after the bot is up
    (connecting fetches the tenant, which the Playground delays until the bot's endpoint answers, up to 15 s).

    Bot output from both streams lands in one inbox in arrival order; `next_bot_message` takes from it.
    Every log-stream entry is also kept in `connector_log` (requests both ways, with status codes), which helps
    when a test fails: the bot's failed sends show up there with their HTTP status.
    """

    def __init__(self, base_url: str, *, request_timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._request_timeout = request_timeout
        self._session: aiohttp.ClientSession | None = None
        self._sockets: list[aiohttp.ClientWebSocketResponse] = []
        self._readers: list[asyncio.Task[None]] = []
        self._inbox: list[BotMessage] = []
        self._arrived = asyncio.Event()
        self._stream_error: BaseException | None = None
        self._config: PlaygroundConfig | None = None
        # 1:1 chats of users other than the current one (chat id -> user id): the conversation stream never
        # shows them.
        self._hidden_chats: dict[str, str] = {}
        self.connector_log: list[Mapping[str, Any]] = []

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._request_timeout))
        try:
            ws_base = "ws" + self.base_url.removeprefix("http")
            for path, reader in (
                ("/_ws_conversation/v1/conversations/stream", self._read_conversation_stream),
                ("/_ws/log/stream", self._read_log_stream),
            ):
                ws = await self._session.ws_connect(ws_base + path, heartbeat=20, max_msg_size=64 * 1024 * 1024)
                self._sockets.append(ws)
                self._readers.append(asyncio.create_task(self._guard(reader(ws)), name=f"playground{path}"))
            self._config = PlaygroundConfig.from_json(await self._request("GET", "/_internal/v1/config"))
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for task in self._readers:
            task.cancel()
        for task in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for ws in self._sockets:
            await ws.close()
        if self._session is not None:
            await self._session.close()
        self._readers.clear()
        self._sockets.clear()
        self._session = None

    @property
    def config(self) -> PlaygroundConfig:
        if self._config is None:
            raise PlaygroundError("PlaygroundClient is not connected; use `async with PlaygroundClient(...)`")
        return self._config

    # ---- sending ---------------------------------------------------------------------------------------------

    async def send_text(self, conversation_id: str, user_id: str, text: str, *, mention_bot: bool = False) -> str:
        """Send `text` from `user_id` into a conversation and return the new message's id.

        In group chats and channels the bot only hears messages that @mention it: `mention_bot=True` prefixes
        `<at>{bot name}</at> ` and adds the mention entity. For the current user this goes through the same API
        as the web UI. For anyone else it is a custom activity (the bot gets the right `from`; nothing is added
        to the Playground's message history and bot errors do not come back here). Another user's 1:1 chat id
        comes from `personal_chat_id`.
        """
        config = self.config
        owner = config.current_user.id if conversation_id == config.personal_chat_id else None
        owner = self._hidden_chats.get(conversation_id, owner)
        if owner is not None and owner != user_id:
            # A 1:1 chat has one user; writing in someone else's would give the bot a conversation reference
            # that no real Teams client could produce.
            raise PlaygroundError(
                f"{conversation_id} is {owner}'s chat with the bot; use personal_chat_id({user_id!r}) for theirs"
            )
        at = f"<at>{config.bot_name}</at>"
        if mention_bot and at not in text:
            text = f"{at} {text}"
        if user_id == config.current_user.id:
            body: JSONDict = {"from": {"id": user_id}, "text": text, "textFormat": "plain"}
            if mention_bot:
                body["mentions"] = [{"mentioned": {"id": config.bot_id}, "text": at}]
            answer = await self._request(
                "POST", f"/_conversation/v1/conversations/{_seg(conversation_id)}/messages", body
            )
            return str(answer["messageId"])

        activity = await self._activity_from(conversation_id, user_id)
        activity.update(type="message", text=text, textFormat="plain")
        if mention_bot:
            mention = {"type": "mention", "text": at, "mentioned": {"id": config.bot_id, "name": config.bot_name}}
            activity["entities"] = [mention, *activity["entities"]]
        await self._request("POST", "/_internal/v1/customActivities", activity)
        return str(activity["id"])

    async def send_activity(self, activity: Mapping[str, Any]) -> None:
        """Send any activity to the bot as is (fire and forget). Start from `activity_template`."""
        await self._request("POST", "/_internal/v1/customActivities", dict(activity))

    async def activity_template(self, conversation_id: str, kind: str | None = None) -> JSONDict:
        """The Playground's template for a custom activity, from the current user. `kind` is one of install,
        uninstall, botAdded, userAdded, botRemoved, userRemoved, channelCreated, channelRenamed, channelDeleted,
        teamRenamed, teamDeleted, sendEmail, mentionInWord; None gives a bare activity to fill in."""
        params = {"conversationId": conversation_id}
        if kind is not None:
            params["type"] = kind
        result: JSONDict = await self._request("GET", "/_internal/v1/customActivities/template", params=params)
        return result

    async def invoke_action(
        self,
        conversation_id: str,
        user_id: str,
        reply_to_id: str,
        verb: str,
        data: Mapping[str, Any] | None = None,
        *,
        title: str | None = None,
    ) -> InvokeResult:
        """Press an Action.Execute button on message `reply_to_id`, as `user_id` (any member of the chat).

        The bot gets `invoke`/`adaptiveCard/action` with `value = {"action": {"type": "Action.Execute", "title",
        "verb", "data"}}` (no `trigger`, unlike Teams) and `replyToId`. `data` should already include input
        values, as a client merges them in. Waits for the bot's invoke answer; a bot failure raises
        `PlaygroundApiError` with status 502.
        """
        action: JSONDict = {"type": "Action.Execute", "verb": verb, "data": dict(data or {})}
        if title is not None:
            action["title"] = title
        body = {
            "name": "adaptiveCard/action",
            "value": {"action": action},
            "from": {"id": user_id},
            "conversation": {"id": conversation_id},
            "replyToId": reply_to_id,
        }
        answer = await self._request("POST", "/_conversation/v1/invoke", body)
        return InvokeResult(type=answer.get("type"), value=answer.get("value"), raw=answer)

    async def submit_action(
        self, conversation_id: str, user_id: str, reply_to_id: str, value: Mapping[str, Any]
    ) -> None:
        """Press an Action.Submit button on message `reply_to_id`, as `user_id`. The bot gets a `message` with
        this `value`, no text and `replyToId`; the call returns before the bot has handled it."""
        body = {
            "conversation": {"id": conversation_id},
            "from": {"id": user_id},
            "replyToId": reply_to_id,
            "value": dict(value),
        }
        await self._request("POST", "/_conversation/v1/submit", body)

    async def click(
        self,
        message: BotMessage,
        title: str,
        *,
        user_id: str | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> InvokeResult | None:
        """Press the card button titled `title` the way the web UI does: `inputs` (input id -> value) are merged
        into the action's data. Returns the invoke answer for Action.Execute, None for Action.Submit."""
        action = message.find_action(title)
        who = user_id or self.config.current_user.id
        raw_data = action.get("data")
        data: JSONDict = dict(raw_data) if isinstance(raw_data, Mapping) else {}
        data.update(inputs or {})
        reply_to = message.post_conversation_id or message.conversation_id
        if action["type"] == "Action.Execute":
            return await self.invoke_action(
                reply_to, who, message.message_id, str(action.get("verb", "")), data, title=title
            )
        if action["type"] == "Action.Submit":
            await self.submit_action(reply_to, who, message.message_id, data)
            return None
        raise PlaygroundError(f"cannot click {action['type']} {title!r}")

    async def install(self, conversation_id: str, user_id: str | None = None) -> None:
        """Install the bot in a conversation. For the current user this is the Playground's own flow (what the
        web UI does the first time each page opens a chat): `installationUpdate` (action `add`), then
        `conversationUpdate` with `membersAdded`. For another user's 1:1 chat it sends that user's
        `installationUpdate` only."""
        if user_id is None or user_id == self.config.current_user.id:
            await self._request("POST", f"/_debug/conversation/{_seg(conversation_id)}/installation", {})
            return
        activity = await self.activity_template(conversation_id, "install")
        activity["from"] = self.config.user(user_id).channel_account()
        await self.send_activity(activity)

    async def personal_chat_id(self, user_id: str) -> str:
        """Id of `user_id`'s 1:1 chat with the bot, creating it the way a bot's proactive `create_conversation`
        does (same id for both). Only the current user's chat is shown in the UI and the conversation stream;
        the bot's messages to the others still come out of `next_bot_message` (with `visible=False`)."""
        config = self.config
        if user_id == config.current_user.id:
            return config.personal_chat_id
        body = {
            "isGroup": False,
            "bot": {"id": config.bot_id, "name": config.bot_name},
            "members": [{"id": user_id}],
            "tenantId": config.tenant_id,
            "channelData": {"tenant": {"id": config.tenant_id}},
        }
        answer = await self._request("POST", "/_connector/v3/conversations", body)
        conversation_id = str(answer["id"])
        self._hidden_chats[conversation_id] = user_id
        return conversation_id

    async def _activity_from(self, conversation_id: str, user_id: str) -> JSONDict:
        """A message-shaped activity from `user_id`, built like the Playground's own (minus the stored message)."""
        config = self.config
        activity = await self.activity_template(conversation_id)
        channel_data: JSONDict = {"tenant": {"id": config.tenant_id}}
        conversation = activity.get("conversation", {})
        if conversation.get("conversationType") == "channel":
            channel = str(conversation["id"]).split(";", 1)[0]
            channel_data.update(
                teamsTeamId=config.team_id, teamsChannelId=channel, team={"id": config.team_id}, channel={"id": channel}
            )
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        activity.update(
            id=str(uuid.uuid4()),
            timestamp=now,
            localTimestamp=now,
            locale="en-US",
            channelData=channel_data,
            entities=[{"type": "clientInfo", "locale": "en-US", "country": "GB", "platform": "Web"}],
        )
        activity["from"] = config.user(user_id).channel_account()
        return activity

    # ---- receiving -------------------------------------------------------------------------------------------

    async def next_bot_message(
        self,
        # An explicit limit rather than asyncio.timeout, so the error can list what did arrive.
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        conversation_id: str | None = None,
        predicate: Callable[[BotMessage], bool] | None = None,
    ) -> BotMessage:
        """The oldest bot message (create or update) not yet taken that matches the filters; waits up to
        `timeout` seconds for one. Messages that do not match stay in the inbox for later calls."""
        deadline = time.monotonic() + timeout
        while True:
            for index, message in enumerate(self._inbox):
                if conversation_id is not None and conversation_id not in (
                    message.conversation_id,
                    message.post_conversation_id,
                ):
                    continue
                if predicate is not None and not predicate(message):
                    continue
                return self._inbox.pop(index)
            if self._stream_error is not None:
                raise PlaygroundError("lost the connection to the Playground") from self._stream_error
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pending = "\n  ".join(m.describe() for m in self._inbox) or "(none)"
                raise TimeoutError(f"no matching bot message within {timeout} s; unmatched:\n  {pending}")
            self._arrived.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def bot_messages_until_quiet(
        self,
        *,
        quiet: float = 0.75,
        timeout: float = 10.0,  # noqa: ASYNC109 -- as in next_bot_message
        conversation_id: str | None = None,
    ) -> list[BotMessage]:
        """Everything the bot says in answer to one turn: waits for a first message, then takes messages until
        none has arrived for `quiet` seconds."""
        messages = [await self.next_bot_message(timeout, conversation_id=conversation_id)]
        while True:
            try:
                messages.append(await self.next_bot_message(quiet, conversation_id=conversation_id))
            except TimeoutError:
                return messages

    def pending(self) -> list[BotMessage]:
        """Messages received and not yet taken, oldest first."""
        return list(self._inbox)

    def clear(self) -> list[BotMessage]:
        """Drop (and return) everything not yet taken, e.g. welcome messages a test does not care about."""
        dropped, self._inbox = self._inbox, []
        return dropped

    def _deliver(self, message: BotMessage) -> None:
        self._inbox.append(message)
        self._arrived.set()

    async def _guard(self, reader: Coroutine[Any, Any, None]) -> None:
        try:
            await reader
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # surfaced by next_bot_message instead of dying unseen in a task
            self._stream_error = exc
            self._arrived.set()

    async def _read_conversation_stream(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            event = json.loads(frame.data)
            action = event.get("action")
            message = event.get("message")
            if action not in ("createMessage", "updateMessage") or not isinstance(message, Mapping):
                continue  # "typing" has no message
            if self._config is not None and message.get("from", {}).get("id") != self._config.bot_id:
                continue
            self._deliver(
                BotMessage(
                    kind="create" if action == "createMessage" else "update",
                    conversation_id=event["actionConversationId"],
                    message_id=str(message["messageId"]),
                    text=message.get("text"),
                    attachments=tuple(message.get("attachments") or ()),
                    visible=True,
                    raw=event,
                    post_conversation_id=message.get("postConversationId"),
                )
            )
        raise PlaygroundError(f"conversation stream closed ({ws.close_code})")

    async def _read_log_stream(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            item = json.loads(frame.data).get("log")
            if not isinstance(item, Mapping) or "request" not in item:
                continue  # plain text lines such as "Connected."
            self.connector_log.append(item)
            if item.get("from") != _FROM_BOT:
                continue
            self._note_hidden_chat(item)
            message = self._hidden_chat_message(item)
            if message is not None:
                self._deliver(message)
        raise PlaygroundError(f"log stream closed ({ws.close_code})")

    def _note_hidden_chat(self, item: Mapping[str, Any]) -> None:
        if item.get("activityName") != "createConversation" or self._config is None:
            return
        request = item["request"].get("body") or {}
        response = (item.get("response") or {}).get("body") or {}
        members = request.get("members") or []
        member = members[0].get("id") if members else None
        if not request.get("isGroup") and member and member != self._config.current_user.id and "id" in response:
            self._hidden_chats[str(response["id"])] = str(member)

    def _hidden_chat_message(self, item: Mapping[str, Any]) -> BotMessage | None:
        conversation_id = item.get("conversationId")
        if conversation_id not in self._hidden_chats:
            return None  # the conversation stream reports it
        body = item["request"].get("body") or {}
        response = item.get("response") or {}
        if body.get("type") != "message" or response.get("statusCode", 500) >= 300:
            return None
        message_id = (response.get("body") or {}).get("id") or item.get("messageId")
        return BotMessage(
            # The log does not name the HTTP method; an edit is the only bot send answered 200 with an id in it.
            kind="update" if response.get("statusCode") == 200 and body.get("id") else "create",
            conversation_id=str(conversation_id),
            message_id=str(message_id),
            text=body.get("text"),
            attachments=tuple(body.get("attachments") or ()),
            visible=False,
            raw=item,
        )

    # ---- plumbing --------------------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | Sequence[Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        if self._session is None:
            raise PlaygroundError("PlaygroundClient is not connected; use `async with PlaygroundClient(...)`")
        async with self._session.request(method, self.base_url + path, json=body, params=params) as resp:
            text = await resp.text()
            try:
                decoded: Any = json.loads(text) if text else None
            except ValueError:
                decoded = text
            if resp.status >= 300:
                raise PlaygroundApiError(method, path, resp.status, decoded)
            return decoded


def _seg(value: str) -> str:
    """A conversation id as one URL path segment (Teams-style ids contain ':', '@' and ';')."""
    return quote(value, safe="")
