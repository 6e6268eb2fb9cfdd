#!/usr/bin/env bash
# Starts target/aurora-booking.jar as the README says (embedded PostgreSQL and Redis, a fresh data
# directory), waits for /ready, logs in as the generated admin, creates an event and fetches the admin
# console's page, then stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( cd "$work" && BOOKING_HTTP_PORT=$port exec java -jar "$OLDPWD/target/aurora-booking.jar" >"$work/server.log" 2>&1 ) &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$work/server.log"; echo "server exited"; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/ready"; echo
# The admin is created (and its password printed) once the server listens, so /ready can come first.
password=""
for _ in $(seq 1 60); do
  password=$(grep -o 'keep it): [^ ]*' "$work/server.log" | awk '{print $3}' || true)
  [ -n "$password" ] && break
  sleep 1
done
[ -n "$password" ] || { cat "$work/server.log"; echo "no generated admin password printed"; exit 1; }
token=$(curl -fsS "http://127.0.0.1:$port/api/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@aurora.local\",\"password\":\"$password\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
curl -fsS "http://127.0.0.1:$port/api/events/create" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"Smoke test","venue":"CI","startsAt":"2099-01-01T20:00:00Z","capacity":10}'; echo
# Bodies are read whole before grep: `curl | grep -q` would fail with curl's exit 23 under pipefail.
grep -q 'Smoke test' <<<"$(curl -fsS "http://127.0.0.1:$port/api/events/view")"
# The admin console's files come out of the jar.
grep -q '^302 .*/admin/$' <<<"$(curl -fsS -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$port/admin")"
grep -q 'data-testid="console-view"' <<<"$(curl -fsS "http://127.0.0.1:$port/admin/")"
grep -q '/api/admin/queue/stats' <<<"$(curl -fsS "http://127.0.0.1:$port/admin/app.js")"
echo "smoke run: OK"
