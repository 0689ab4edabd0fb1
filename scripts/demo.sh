#!/usr/bin/env bash
# npm run demo: from a fresh clone to a synced, reported demo agency in one command (docs/demo.md).
# Installs what is missing, makes sure PostgreSQL and RabbitMQ answer, builds, migrates, starts the PartnerStack
# sandbox and every service in the background (logs in .demo/logs/), connects a sandbox token for a demo org,
# follows the first sync, and prints a summary with the URLs to explore. Ctrl-C stops everything it started.
# DEMO_EXIT_AFTER_SUMMARY=1 stops everything right after the summary (non-interactive check).
set -euo pipefail

cd "$(dirname "$0")/.."
log() { echo "[demo] $*"; }

LOG_DIR=.demo/logs
export NODE_ENV="${NODE_ENV:-development}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/partner_partner}"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}"
CREDENTIALS_PORT="${DEMO_CREDENTIALS_PORT:-3001}"
REPORTING_PORT="${DEMO_REPORTING_PORT:-3002}"
SYNC_SCHEDULER_PORT="${DEMO_SYNC_SCHEDULER_PORT:-3003}"
NORMALIZER_PORT="${DEMO_NORMALIZER_PORT:-3004}"
SYNC_WORKER_PORT="${DEMO_SYNC_WORKER_PORT:-3005}"
SANDBOX_PORT="${DEMO_SANDBOX_PORT:-4010}"
SANDBOX_URL="http://localhost:$SANDBOX_PORT"

pids=()
names=()
stop_all() {
  local status=$?
  trap - EXIT INT TERM
  if [ "${#pids[@]}" -gt 0 ]; then
    log "stopping ${names[*]}"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() { # name port app [VAR=value ...]
  local name=$1 port=$2 app=$3
  shift 3
  if port_in_use "$port"; then
    echo "Port $port (for $name) is already in use; stop what listens there or set DEMO_*_PORT (docs/demo.md)." >&2
    exit 1
  fi
  env "$@" PORT="$port" node "dist/apps/$app/main.js" >"$LOG_DIR/$name.log" 2>&1 &
  pids+=("$!")
  names+=("$name")
}

wait_ready() { # name port
  local name=$1 port=$2
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "$name did not become ready on port $port; last lines of $LOG_DIR/$name.log:" >&2
  tail -n 20 "$LOG_DIR/$name.log" >&2
  exit 1
}

if [ ! -d node_modules ]; then
  log "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

log "making sure PostgreSQL and RabbitMQ answer"
if ! bash scripts/ensure-services.sh; then
  cat >&2 <<'EOF'

PostgreSQL and RabbitMQ are needed and could not be started or installed here.
Either install them (Debian/Ubuntu: sudo apt-get install postgresql rabbitmq-server), or run them in Docker:

    docker compose up -d postgres rabbitmq

then run `npm run demo` again.
EOF
  exit 1
fi

log "building"
npm run --silent build
log "migrating $DATABASE_URL"
npm run --silent migrate

mkdir -p "$LOG_DIR"
log "starting the sandbox and every service (logs in $LOG_DIR/)"
# The sandbox's clock starts today, so "older than 30 days" in the missed-rewards report reads naturally.
start sandbox "$SANDBOX_PORT" partnerstack-sandbox \
  SANDBOX_DEFAULT_RECORDS="${DEMO_RECORDS:-20000}" SANDBOX_CLOCK_START="$(date -u +%Y-%m-%dT00:00:00Z)"
start normalizer "$NORMALIZER_PORT" normalizer NODE_OPTIONS=--max-semi-space-size=32
start reporting "$REPORTING_PORT" reporting
start credentials "$CREDENTIALS_PORT" credentials PARTNERSTACK_API_URL="$SANDBOX_URL/api/v2"
start sync-scheduler "$SYNC_SCHEDULER_PORT" sync SYNC_ROLE=scheduler PARTNERSTACK_API_URL="$SANDBOX_URL/api/v2"
start sync-worker "$SYNC_WORKER_PORT" sync SYNC_ROLE=worker PARTNERSTACK_API_URL="$SANDBOX_URL/api/v2" \
  NODE_OPTIONS=--max-old-space-size=128
wait_ready sandbox "$SANDBOX_PORT"
wait_ready normalizer "$NORMALIZER_PORT"
wait_ready reporting "$REPORTING_PORT"
wait_ready credentials "$CREDENTIALS_PORT"
wait_ready sync-scheduler "$SYNC_SCHEDULER_PORT"
wait_ready sync-worker "$SYNC_WORKER_PORT"
log "all services ready"

DEMO_CREDENTIALS_URL="http://localhost:$CREDENTIALS_PORT" DEMO_REPORTING_URL="http://localhost:$REPORTING_PORT" \
  DEMO_SANDBOX_URL="$SANDBOX_URL" node dist/scripts/demo/connect-and-report.js

if [ "${DEMO_EXIT_AFTER_SUMMARY:-0}" = "1" ]; then
  log "DEMO_EXIT_AFTER_SUMMARY=1: done"
  exit 0
fi
log "services keep running (logs in $LOG_DIR/); press Ctrl-C to stop them"
wait
