#!/usr/bin/env bash
# Starts the local PostgreSQL 15 and Redis the integration tests use, and creates the test role/database.
set -euo pipefail
log() { printf '\033[1m[services]\033[0m %s\n' "$*"; }

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "starting PostgreSQL"
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  [ -n "$cluster" ] || { pg_createcluster 15 main >/dev/null; cluster="15 main"; }
  pg_ctlcluster $cluster start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi; }
as_pg "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='parley'\" | grep -q 1 || psql -qc \"CREATE ROLE parley LOGIN SUPERUSER PASSWORD 'parley'\""
for db in parley parley_test; do
  as_pg "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='$db'\" | grep -q 1 || createdb -O parley $db"
done

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
log "PostgreSQL and Redis up"
