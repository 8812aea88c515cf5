#!/usr/bin/env bash
# `make run`: the bot on its embedded defaults (SQLite, no Microsoft 365 tenant, authentication off) plus the
# Microsoft 365 Agents Playground as the chat client, with the mock NHS trust in playground/.
set -euo pipefail
cd "$(dirname "$0")/.."

export REMEDI_ENV=local
export MicrosoftAppId="" MicrosoftAppPassword=""
export REMEDI_DATABASE_URL="${REMEDI_DATABASE_URL:-sqlite:///data/remedi.db}"
# Morgan Ashby, the mock tenant's EDI lead, is the coordinator when you chat in the Playground.
export REMEDI_COORDINATORS="${REMEDI_COORDINATORS:-ed1ed1ed-0000-4000-8000-000000000010}"
export REMEDI_ORGANISATION_NAME="${REMEDI_ORGANISATION_NAME:-Northmoor Community Health NHS Trust}"
export PORT="${PORT:-3978}"
playground_port="${PLAYGROUND_PORT:-56150}"
mkdir -p .run

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

.venv/bin/remedi serve --host 127.0.0.1 --port "$PORT" &
pids+=($!)

ready=""
for _ in $(seq 1 150); do
  if ! kill -0 "${pids[0]}" 2>/dev/null; then break; fi
  # Ask for our own health document, so another program on the same port is not mistaken for the bot.
  if curl -fsS "http://127.0.0.1:$PORT/healthz" 2>/dev/null | grep -q '"scheduler"'; then ready=yes; break; fi
  sleep 0.2
done
if [ -z "$ready" ] || ! kill -0 "${pids[0]}" 2>/dev/null; then
  echo "The bot did not start; see the messages above (is port $PORT in use? set PORT=...)." >&2
  exit 1
fi

if [ -x node_modules/.bin/agentsplayground ]; then
  TEAMSAPPTESTER_BROWSER=none \
  M365_AGENTS_PLAYGROUND_CONFIG_PATH="$PWD/playground/.m365agentsplayground.yml" \
  M365_AGENTS_PLAYGROUND_LOGFILE="$PWD/.run/playground.log" \
    node_modules/.bin/agentsplayground start --app-endpoint "http://127.0.0.1:$PORT/api/messages" \
      --channel-id msteams --port "$playground_port" --disable-telemetry >/dev/null &
  pids+=($!)
  for _ in $(seq 1 150); do
    if curl -fsS "http://127.0.0.1:$playground_port/_debug/ping" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  cat <<MSG

  ReMEDI bot is running on http://127.0.0.1:$PORT (health: /healthz).
  Open the chat in your browser:  http://localhost:$playground_port
  You are Morgan Ashby, the EDI lead and programme coordinator. Type "help" to start.
  Playground log: .run/playground.log    Press Ctrl+C to stop both.

MSG
else
  cat <<MSG

  ReMEDI bot is running on http://127.0.0.1:$PORT (health: /healthz).
  The Agents Playground is not installed, so there is no chat window. Install Node.js 20 or newer and npm,
  then run 'make run' again (it runs 'npm ci' for you). Or point any Bot Framework client at
  http://127.0.0.1:$PORT/api/messages.
  Press Ctrl+C to stop.

MSG
fi
wait "${pids[0]}"
