#!/usr/bin/env bash
# One request of the brokered login by itself (docs/performance.md §5): `GET /authorize` with a
# `login_hint` of the SAML organization, which the server answers with the HTTP-Redirect to the IdP
# (a login transaction, the AuthnRequest DEFLATEd, base64 and URL-encoded, two cookies). `wrk` sends
# the same URL from 8 connections for 10 s, the server on one core and wrk on the other; each binary
# given runs in turn, ROUNDS times, on a fresh database. Nothing else of the login runs, so a change to
# this request shows here without the noise of the whole login.
#
#   Benchmarks/authorize-redirect.sh /tmp/gatehouse-before /tmp/gatehouse-after
#
# Settings (environment): ROUNDS (3), DURATION (10s), SERVER_CPUS (1), DRIVER_CPUS (0), USERS (600),
# LOG_N (15), SETUP (as server-load.sh), PORT (18082). Installs `wrk` with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
source ./load-server.sh
[ $# -ge 1 ] || { echo "usage: $0 BINARY [more binaries]" >&2; exit 2; }

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
USERS=${USERS:-600}
LOG_N=${LOG_N:-15}
SETUP=${SETUP:-/tmp/gatehouse-load-ln$LOG_N-$USERS}
PORT=${PORT:-18082}
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null

swift build -c release --product gatehouse-load
[ -f "$SETUP/directory.json" ] || .build/release/gatehouse-load setup --output "$SETUP" --users "$USERS" --log-n "$LOG_N"
# A user of the SAML organization; state, nonce and the PKCE challenge are fixed (each request still
# gets a login transaction, a RelayState and an AuthnRequest ID of its own).
QUERY="response_type=code&client_id=console&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fdemo%2Fcallback"
QUERY+="&scope=openid%20email%20profile&state=abcdefghijklmnopqrstuv&nonce=abcdefghijklmnopqrstuv"
QUERY+="&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&login_hint=load-1%40acme.test"

trap stop_server EXIT
for round in $(seq "$ROUNDS"); do
    for binary in "$@"; do
        WORK=$(mktemp -d /tmp/gatehouse-authorize.XXXXXX)
        start_server taskset -c "${SERVER_CPUS:-1}" "$binary" serve
        status=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$PORT/authorize?$QUERY")
        [[ $status == "303 https://idp.acme.test/sso?SAMLRequest="* ]] || { echo "unexpected answer: $status" >&2; exit 1; }
        report=$(taskset -c "${DRIVER_CPUS:-0}" wrk -t1 -c8 -d"$DURATION" "http://127.0.0.1:$PORT/authorize?$QUERY")
        # wrk counts 303 as success; anything else (an error page, a refused request) spoils the rate.
        ! grep -q 'Non-2xx or 3xx' <<<"$report" || { echo "$report" >&2; echo "some answers were not the redirect" >&2; exit 1; }
        rate=$(awk '/Requests\/sec/ { print $2 }' <<<"$report")
        echo "$(basename "$binary") round $round: $rate requests/s"
        stop_server
    done
done
