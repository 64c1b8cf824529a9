#!/usr/bin/env bash
# Server load benchmarks (docs/performance.md §5): builds `gatehouse` and `gatehouse-load` in release
# mode, prints the references (machine load, `openssl speed`, the raw scrypt rate), starts a real
# `gatehouse serve` on a fresh SQLite database with the load directory, and runs each scenario with
# 8 concurrent clients against it over loopback HTTP.
#
#   Benchmarks/server-load.sh                      # every scenario, RS256 and ES256
#   SCENARIOS="sso:rs256" DURATION=10s Benchmarks/server-load.sh
#   SERVER_CPUS=1 DRIVER_CPUS=0 SCENARIOS=brokered-saml:rs256 Benchmarks/server-load.sh
#                                                  # brokered SAML logins, the server on core 1, the driver (the IdP) on core 0
#
# Settings (environment): SCENARIOS (scenario:alg …), CLIENTS (8), DURATION (20s), WARMUP (3s),
# USERS (1000), LOG_N (15, the scrypt cost of the users' hashes), DRIVER_THREADS (1, the driver's
# event-loop threads), SAML_SIGNED (assertion, response or both: what the IdP of a brokered login
# signs), SETUP (folder for the generated
# directory; reused when it exists), SERVER_CPUS and DRIVER_CPUS (taskset lists), LOG_LEVEL (info),
# DATABASE_DIR (where the server's fresh SQLite file goes: /tmp, on the machine's disk; /dev/shm puts it
# in memory, where fsync costs nothing — a diagnosis, not a durable setup).
set -euo pipefail
cd "$(dirname "$0")"
source ./load-server.sh

SCENARIOS=${SCENARIOS:-"sso:rs256 sso:es256 token:rs256 token:es256 password-totp:rs256"}
CLIENTS=${CLIENTS:-8}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-3s}
USERS=${USERS:-1000}
LOG_N=${LOG_N:-15}
SETUP=${SETUP:-/tmp/gatehouse-load-ln$LOG_N-$USERS}
LOG_LEVEL=${LOG_LEVEL:-info}
PORT=${PORT:-18080}

swift build -c release --product gatehouse
swift build -c release --product gatehouse-load
BIN=.build/release

DRIVER=("$BIN/gatehouse-load")
[ -n "${DRIVER_CPUS:-}" ] && DRIVER=(taskset -c "$DRIVER_CPUS" "${DRIVER[@]}")
# taskset execs the server, so $! below is the server's own pid (the driver reads its CPU time).
SERVE=("$BIN/gatehouse" serve)
[ -n "${SERVER_CPUS:-}" ] && SERVE=(taskset -c "$SERVER_CPUS" "${SERVE[@]}")

echo "== machine: $(nproc) cores; $(uptime)"
echo "== commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- ../Sources || echo ' (Sources modified)')"
openssl version
SPEED=$(openssl speed -seconds 3 rsa2048 ecdsap256 2>/dev/null | tail -5)
echo "$SPEED"
# The issue's RS256 target: 50% of the machine's RSA-2048 signing limit (sign/s × 2 cores) ÷ 1 signature per login.
echo "$SPEED" | awk '/^rsa 2048 bits/ { printf "== RS256 target: 50%% x %.1f sign/s x 2 cores / 1 signature = %.0f logins/s\n", $6, $6 }'
[ -f "$SETUP/directory.json" ] || "$BIN/gatehouse-load" setup --output "$SETUP" --users "$USERS" --log-n "$LOG_N"
"$BIN/gatehouse-load" hash-rate --log-n "$LOG_N"

WORK=$(mktemp -d "${DATABASE_DIR:-/tmp}/gatehouse-load-run.XXXXXX")
trap stop_server EXIT

start_server "${SERVE[@]}"
echo "== server pid $SERVER${SERVER_CPUS:+ on CPU $SERVER_CPUS}, log level $LOG_LEVEL, database $WORK/gatehouse.sqlite"

for item in $SCENARIOS; do
    echo "== $(uptime)"
    "${DRIVER[@]}" run --scenario "${item%%:*}" --alg "${item##*:}" --server "http://127.0.0.1:$PORT" \
        --setup "$SETUP" --clients "$CLIENTS" --threads "${DRIVER_THREADS:-1}" --duration "$DURATION" --warmup "$WARMUP" --server-pid "$SERVER" \
        --saml-signed "${SAML_SIGNED:-assertion}"
    if ! kill -0 "$SERVER" 2>/dev/null; then
        echo "== the server exited during the run; the end of its log:"
        tail -60 "$WORK/server.log"
        exit 1
    fi
done
echo "== $(uptime)"
