#!/usr/bin/env bash
# Two builds of `gatehouse` compared on one scenario, run alternately (docs/performance.md §5): on a
# machine whose speed drifts between runs, runs of A and B side by side say more than a run of each.
# Each run starts a fresh server (a new SQLite file) on SERVER_CPUS, drives it with `gatehouse-load`
# on DRIVER_CPUS, and prints the driver's RESULT line prefixed with the binary's name; when `perf` is
# installed, also the server's context switches per operation over 4 s in the middle of the run, and
# the bytes it handed to write(2)/pwrite(2) per operation meanwhile (responses, log lines, SQLite's WAL).
#
#   cp .build/release/gatehouse /tmp/gatehouse-before    # build and copy each version to compare
#   Benchmarks/interleave.sh /tmp/gatehouse-before /tmp/gatehouse-after
#   ROUNDS=5 SCENARIO=sso ALG=es256 SERVER_CPUS=0,1 DRIVER_CPUS=0,1 Benchmarks/interleave.sh A B
#
# Settings (environment): SCENARIO (brokered-saml), ALG (rs256), ROUNDS (3), DURATION (10s), CLIENTS (8),
# SERVER_CPUS (1), DRIVER_CPUS (0), USERS (600), LOG_N (15), SAML_SIGNED (assertion), SETUP (as
# server-load.sh), PORT (18081).
# The `perf stat` window starts 6 s after the driver's warm-up begins (2 s of warm-up, then 4 s of the
# measured part): keep DURATION at 10 s or more.
set -euo pipefail
cd "$(dirname "$0")"
source ./load-server.sh
[ $# -ge 2 ] || { echo "usage: $0 BINARY_A BINARY_B [more binaries]" >&2; exit 2; }

SCENARIO=${SCENARIO:-brokered-saml}
ALG=${ALG:-rs256}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-8}
SERVER_CPUS=${SERVER_CPUS:-1}
DRIVER_CPUS=${DRIVER_CPUS:-0}
USERS=${USERS:-600}
LOG_N=${LOG_N:-15}
SETUP=${SETUP:-/tmp/gatehouse-load-ln$LOG_N-$USERS}
PORT=${PORT:-18081}

swift build -c release --product gatehouse-load
LOAD=.build/release/gatehouse-load
[ -f "$SETUP/directory.json" ] || "$LOAD" setup --output "$SETUP" --users "$USERS" --log-n "$LOG_N"

trap stop_server EXIT

run() {
    local binary=$1
    WORK=$(mktemp -d /tmp/gatehouse-interleave.XXXXXX)
    start_server taskset -c "$SERVER_CPUS" "$binary" serve
    taskset -c "$DRIVER_CPUS" "$LOAD" run --scenario "$SCENARIO" --alg "$ALG" --server "http://127.0.0.1:$PORT" \
        --setup "$SETUP" --clients "$CLIENTS" --duration "$DURATION" --warmup 2s --server-pid "$SERVER" \
        --saml-signed "${SAML_SIGNED:-assertion}" >"$WORK/driver.log" 2>&1 &
    local driver=$! switches="" written=""
    if command -v perf >/dev/null; then
        # After the driver's preparation (the SSO and refresh scenarios first log their users in and
        # wait for a fresh TOTP step), 4 s into the measured part.
        for _ in $(seq 600); do grep -q "warm-up begins" "$WORK/driver.log" 2>/dev/null && break; sleep 0.1; done
        sleep 6
        local written_before
        written_before=$(awk '/^wchar/ { print $2 }' "/proc/$SERVER/io")
        switches=$(perf stat -x, -e context-switches -p "$SERVER" -- sleep 4 2>&1 | awk -F, '/context-switches/ { print $1 }')
        written=$(( $(awk '/^wchar/ { print $2 }' "/proc/$SERVER/io") - written_before ))
    fi
    wait "$driver" || { cat "$WORK/driver.log"; exit 1; }
    local result
    result=$(grep '^RESULT' "$WORK/driver.log")
    if [ -n "$switches" ]; then
        local rate
        rate=$(echo "$result" | sed -n 's/.*per_s=\([0-9.]*\).*/\1/p')
        result="$result context_switches_per_op=$(awk -v s="$switches" -v r="$rate" 'BEGIN { printf "%.1f", s / 4 / r }')"
        result="$result written_kb_per_op=$(awk -v w="$written" -v r="$rate" 'BEGIN { printf "%.1f", w / 1024 / 4 / r }')"
    fi
    echo "$(basename "$binary") $result"
    stop_server
}

echo "== $(nproc) cores; $(uptime); $SCENARIO $ALG, $ROUNDS rounds of $DURATION, server on CPU $SERVER_CPUS, driver on $DRIVER_CPUS"
for _ in $(seq "$ROUNDS"); do
    for binary in "$@"; do run "$binary"; done
done
