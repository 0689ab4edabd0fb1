#!/usr/bin/env bash
# Makes sure PostgreSQL and RabbitMQ answer on this machine: starts them if installed but stopped,
# installs them from Debian's packages if missing. Used by CI and by `npm run demo`.
set -euo pipefail

log() { echo "[services] $*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  if command -v pg_isready >/dev/null && pg_answers; then log "PostgreSQL answers"; return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL from Debian packages"
    apt_install postgresql postgresql-client
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Local development and CI connect as postgres without a password over loopback.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do pg_answers && { log "PostgreSQL answers"; return; }; sleep 0.5; done
  echo "PostgreSQL did not start; see /var/log/postgresql" >&2; exit 1
}

rabbit_answers() { timeout 10 rabbitmq-diagnostics -q check_running >/dev/null 2>&1; }

ensure_rabbitmq() {
  if command -v rabbitmq-diagnostics >/dev/null && rabbit_answers; then log "RabbitMQ answers"; return; fi
  if ! command -v rabbitmq-server >/dev/null; then
    log "installing RabbitMQ from Debian packages"
    apt_install rabbitmq-server
  fi
  log "starting RabbitMQ"
  as_root rabbitmq-server -detached || true
  for _ in $(seq 1 120); do
    if as_root rabbitmqctl -q await_startup >/dev/null 2>&1; then log "RabbitMQ answers"; return; fi
    sleep 0.5
  done
  echo "RabbitMQ did not start; see /var/log/rabbitmq" >&2; exit 1
}

ensure_postgres
ensure_rabbitmq
