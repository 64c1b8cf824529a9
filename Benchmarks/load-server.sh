# Sourced by server-load.sh and interleave.sh (from Benchmarks/): starts and stops a `gatehouse serve`
# for the load driver.
#
# start_server COMMAND...  runs COMMAND (`gatehouse serve`, possibly under taskset, which execs it, so
# the pid is the server's own) on 127.0.0.1:$PORT with the load directory in $SETUP, a fresh database
# in $WORK and log level ${LOG_LEVEL:-info}; sets SERVER to its pid and returns once /readyz answers,
# or exits with the server's log when it dies first.
start_server() {
    GATEHOUSE_HOST=127.0.0.1 GATEHOUSE_PORT=$PORT GATEHOUSE_ISSUER=http://127.0.0.1:$PORT \
        GATEHOUSE_DATABASE="$WORK/gatehouse.sqlite" GATEHOUSE_DIRECTORY_CONFIG="$SETUP/directory.json" \
        GATEHOUSE_FLOWS_DIRECTORY="$(cd .. && pwd)/flows" GATEHOUSE_KEK=$(openssl rand -base64 32) \
        GATEHOUSE_LOG_LEVEL=${LOG_LEVEL:-info} GATEHOUSE_TRUSTED_PROXIES=127.0.0.1/32 \
        "$@" >"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return
        kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
        sleep 0.1
    done
    echo "the server did not answer /readyz in 30 s" >&2
    exit 1
}

# stop_server  stops the server start_server started (if it still runs) and removes $WORK.
stop_server() {
    if [ -n "${SERVER:-}" ] && kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER"
        wait "$SERVER" || true
    fi
    [ -n "${WORK:-}" ] && rm -rf "$WORK"
    SERVER=""
    WORK=""
}
