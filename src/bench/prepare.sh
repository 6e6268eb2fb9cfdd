# Sourced by frontdoor.sh and coldstart.sh: what a wrk run books with, made through the API.
# prepare_event_and_users URL ADMIN_PASSWORD USERS TOKENS_FILE: the admin logs in, makes one event of 500 seats
# (whose id it prints) and USERS users through POST /api/admin/bench/users (bench mode: it inserts the users and
# signs their tokens, nothing of the booking path runs), their tokens written one a line to TOKENS_FILE.
# Returns 1 when a step fails (the callers run with set -e and pipefail).
prepare_event_and_users() {
  local service=$1 password=$2 users=$3 tokens=$4 admin event made n
  admin=$(curl -sf "$service/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin@aurora.local\",\"password\":\"$password\"}" | jq -r .token) || return 1
  event=$(curl -sf "$service/api/events/create" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Bench\",\"venue\":\"Bench\",\"startsAt\":\"$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)\",\"capacity\":500}" | jq -r .id) || return 1
  : >"$tokens"
  for ((made = 0; made < users; made += 10000)); do
    n=$(( users - made < 10000 ? users - made : 10000 ))
    curl -sf "$service/api/admin/bench/users" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      -d "{\"count\":$n}" | jq -r '.users[].token' >>"$tokens" || return 1
  done
  echo "$event"
}
