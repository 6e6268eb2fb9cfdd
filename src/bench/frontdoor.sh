#!/usr/bin/env bash
# The front-door comparison of issue 12 goal 3, side by side in one run: wrk against a bare Vert.x server
# (BareServer.java, every request answered 202 with a booking-shaped body) and against this service
# (embedded PostgreSQL and Redis, durable defaults), the same wrk settings, runs alternating bare/service.
#
#   ./mvnw -q -DskipTests package
#   src/bench/frontdoor.sh [runs=3] [seconds=12] [connections=256] [users=20000]
#
# Needs wrk (Debian package) and jq. Ports 8080 (service) and 8090 (bare) must be free. The service keeps
# its data under a fresh temporary directory, removed at the end. The per-address booking limit is lifted
# (every wrk connection is 127.0.0.1); the per-user limits stay on (each user sends one request per pass
# over the token list). Set LIMITS=false to measure with BOOKING_RATE_LIMITS_ENABLED=false.
set -euo pipefail
RUNS=${1:-3}
SECONDS_PER_RUN=${2:-12}
CONNECTIONS=${3:-256}
USERS=${4:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=prepare.sh
. "$HERE/prepare.sh"
JAR="$ROOT/target/aurora-booking.jar"
[ -f "$JAR" ] || { echo "build first: ./mvnw -q -DskipTests package" >&2; exit 1; }
WORK=$(mktemp -d -t aurora-frontdoor.XXXXXX)
SERVICE=http://127.0.0.1:8080
BARE=http://127.0.0.1:8090
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

java -cp "$JAR" "$HERE/java/BareServer.java" 8090 >"$WORK/bare.log" 2>&1 &
PIDS+=($!)
ADMIN_PASSWORD=bench-$RANDOM-$RANDOM-$RANDOM
BOOKING_DATA_DIR="$WORK/data" BOOKING_HTTP_PORT=8080 BOOKING_BENCH_MODE=true \
  BOOKING_ADMIN_PASSWORD="$ADMIN_PASSWORD" BOOKING_RATE_LIMITS_ENABLED="${LIMITS:-true}" \
  BOOKING_BOOKING_RATE_PER_IP=60000000 BOOKING_BOOKING_BURST_PER_IP=10000000 \
  java -jar "$JAR" >"$WORK/service.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 120); do
  if curl -sf "$SERVICE/ready" >/dev/null && curl -s -o /dev/null "$BARE/"; then break; fi
  sleep 1
done
curl -sf "$SERVICE/ready" >/dev/null || { echo "service not ready; see its log:" >&2; tail -20 "$WORK/service.log" >&2; exit 1; }

EVENT=$(prepare_event_and_users "$SERVICE" "$ADMIN_PASSWORD" "$USERS" "$WORK/tokens")
echo "event $EVENT, $(wc -l <"$WORK/tokens") users, wrk -t1 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, limits ${LIMITS:-true}, load $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # target label -> prints "label req/s p99"
  wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$HERE/wrk/book.lua" "$1" -- "$WORK/tokens" "$EVENT" >"$WORK/wrk.out"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  p99=$(awk '/^ +99%/ {print $2}' "$WORK/wrk.out")
  echo "$2 $rps $p99 $(grep -E 'non-2xx|status ' "$WORK/wrk.out" | tr -s ' \n' ' ')"
}
# Warm both (the JIT), not counted.
run "$BARE" warm-bare >/dev/null
run "$SERVICE" warm-service >/dev/null
for i in $(seq 1 "$RUNS"); do
  b=$(run "$BARE" bare); s=$(run "$SERVICE" service)
  echo "run $i: $b | $s | ratio $(awk -v s="$(echo "$s" | cut -d' ' -f2)" -v b="$(echo "$b" | cut -d' ' -f2)" 'BEGIN {printf "%.2f", s / b}') | load $(cut -d' ' -f1-3 /proc/loadavg)"
done
