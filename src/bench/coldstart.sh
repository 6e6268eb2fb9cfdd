#!/usr/bin/env bash
# Cold start of issue 12 goal 4: how fast a FRESH service process books right after it reports ready,
# compared with the same process once warm. Per run:
#   1. a new JVM (java $JAVA_OPTS -jar target/aurora-booking.jar): embedded PostgreSQL and Redis with the
#      durable defaults, bench mode, a fresh temporary data directory;
#   2. "ready": seconds from launching java until GET /ready answers 200 (polled every 50 ms);
#   3. "prep": the admin logs in, makes one event (capacity 500) and USERS users through
#      POST /api/admin/bench/users (which only inserts users and signs their tokens: nothing on the booking
#      path runs before the cold window); prep is the seconds from ready to the end of that;
#   4. "cold": wrk books for COLD_SECONDS (5) seconds starting right after prep, so the cold window is
#      [ready + prep, ready + prep + 5 s];
#   5. "warm": WARM_RUNS (3) more wrk runs of COLD_SECONDS each on the same process; the last one counts;
#   6. the service is stopped (SIGTERM, graceful) and its data removed.
# The wrk settings are the front-door comparison's (frontdoor.sh): 1 thread, CONNECTIONS connections,
# src/bench/wrk/book.lua rotating the users' tokens; the per-address limit lifted, the per-user limits on.
#
#   ./mvnw -q -DskipTests package                  (or ./mvnw -q -DskipTests -Pappcds package)
#   src/bench/coldstart.sh [runs=5] [users=20000] [connections=256]
#   JAVA_OPTS="-XX:SharedArchiveFile=target/aurora-booking.jsa" src/bench/coldstart.sh ...
#   JAVA_OPTS="-XX:TieredStopAtLevel=1" src/bench/coldstart.sh ...      (any JVM flags to compare)
#
# Environment: JAVA_OPTS (extra JVM options, default none), PORT (default 8080, must be free),
# COLD_SECONDS (5), WARM_RUNS (3), LIMITS (true; false sets BOOKING_RATE_LIMITS_ENABLED=false).
# Prints one line per run and the medians; needs wrk (Debian package), curl and jq.
set -euo pipefail
RUNS=${1:-5}
USERS=${2:-20000}
CONNECTIONS=${3:-256}
PORT=${PORT:-8080}
COLD_SECONDS=${COLD_SECONDS:-5}
WARM_RUNS=${WARM_RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=prepare.sh
. "$HERE/prepare.sh"
JAR="$ROOT/target/aurora-booking.jar"
[ -f "$JAR" ] || { echo "build first: ./mvnw -q -DskipTests package" >&2; exit 1; }
for tool in wrk curl jq; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is in use: stop what listens there or set PORT" >&2; exit 1
fi
SERVICE=http://127.0.0.1:$PORT
WORK=$(mktemp -d -t aurora-coldstart.XXXXXX)
PID=""
stop_service() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
  fi
}
cleanup() {
  stop_service
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

book() { # label -> prints "req/s non-2xx"
  wrk -t1 -c"$CONNECTIONS" -d"${COLD_SECONDS}s" --latency -s "$HERE/wrk/book.lua" "$SERVICE" -- "$WORK/tokens" "$EVENT" >"$WORK/wrk-$1.out"
  echo "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$1.out") $(awk '/non-2xx/ {print $NF}' "$WORK/wrk-$1.out")"
}

echo "java ${JAVA_OPTS:-(no extra options)}, $USERS users, wrk -t1 -c$CONNECTIONS, windows of ${COLD_SECONDS}s, warm = run $WARM_RUNS after cold, limits ${LIMITS:-true}, load $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/results"
for run in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/data"
  ADMIN_PASSWORD=bench-$RANDOM-$RANDOM-$RANDOM
  started=$(now)
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
  BOOKING_DATA_DIR="$WORK/data" BOOKING_HTTP_PORT="$PORT" BOOKING_BENCH_MODE=true \
    BOOKING_ADMIN_PASSWORD="$ADMIN_PASSWORD" BOOKING_RATE_LIMITS_ENABLED="${LIMITS:-true}" \
    BOOKING_BOOKING_RATE_PER_IP=60000000 BOOKING_BOOKING_BURST_PER_IP=10000000 \
    java ${JAVA_OPTS:-} -jar "$JAR" >"$WORK/service-$run.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 3600); do
    curl -sf -o /dev/null "$SERVICE/ready" && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  curl -sf -o /dev/null "$SERVICE/ready" || { echo "run $run: service not ready; its log:" >&2; tail -20 "$WORK/service-$run.log" >&2; exit 1; }
  ready=$(now)

  EVENT=$(prepare_event_and_users "$SERVICE" "$ADMIN_PASSWORD" "$USERS" "$WORK/tokens")
  prepared=$(now)

  read -r cold cold_errors <<<"$(book cold)"
  for i in $(seq 1 "$WARM_RUNS"); do read -r warm warm_errors <<<"$(book "warm$i")"; done
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  stop_service
  ratio=$(awk -v c="$cold" -v w="$warm" 'BEGIN {printf "%.2f", c / w}')
  echo "$(seconds "$started" "$ready") $(seconds "$ready" "$prepared") $cold $warm $ratio" >>"$WORK/results"
  echo "run $run: ready $(seconds "$started" "$ready") s, prep $(seconds "$ready" "$prepared") s, cold $cold req/s (non-2xx $cold_errors), warm $warm req/s (non-2xx $warm_errors), cold/warm $ratio, load $load"
done

median() { # column -> "median (min-max)"
  sort -g -k"$1","$1" "$WORK/results" | awk -v c="$1" '{v[NR] = $c} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s (%s-%s)", m, v[1], v[NR]}'
}
echo "median (min-max) of $RUNS: ready $(median 1) s, prep $(median 2) s, cold $(median 3) req/s, warm $(median 4) req/s, cold/warm $(median 5)"
