#!/usr/bin/env bash
# The runtime scenario done by hand, as an instructor would script it: the baseline that
# benchmarks/runtime_vs_script.py times `grader run` against. Same steps, same machine:
# build, up --scale 3, wait for the API, shared posts, 90 requests, logs, scale to 5 until the
# new replicas answer, scale to 2 and restart one under a request loop, down.
# It prints "phase NAME SECONDS_SINCE_EPOCH" before each step; it uses the workshop app's
# X-Served-By header to tell replicas apart (the grader measures from outside the app instead).
set -euo pipefail
WS=$(cd "${1:-workshop}" && pwd)
P=byhand-$$
OV=$(mktemp)
printf 'services:\n  frontend:\n    ports: !override\n      - "127.0.0.1::80"\n' >"$OV"
dc() { docker compose -p "$P" --project-directory "$WS" -f "$WS/docker-compose.yml" -f "$OV" "$@"; }
phase() { echo "phase $1 $(date +%s.%N)"; }
cleanup() { dc down -v --rmi local -t 3 >/dev/null 2>&1 || true; rm -f "$OV"; }
trap cleanup EXIT

served_by() { curl -s -o /dev/null -D - "$URL/api/posts" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-served-by"{print $2}'; }
# A request loop in the background; its failures are counted in a file.
loop() { while :; do curl -s -o /dev/null -w '%{http_code}\n' "$URL/api/posts" >>"$1"; done; }

phase build;       dc build -q
phase up-scaled;   dc up -d --scale backend=3 2>/dev/null
phase replicas
until [ "$(docker ps -q --filter label=com.docker.compose.project=$P --filter label=com.docker.compose.service=backend --filter status=running | wc -l)" = 3 ]; do sleep 0.2; done
PORT=$(dc port frontend 80 | awk -F: '{print $NF}')
URL=http://127.0.0.1:$PORT
phase api
until curl -fs "$URL/api/posts" >/dev/null; do sleep 0.2; done
curl -fs -X POST -H 'Content-Type: application/json' -d '{"username":"a","content":"api"}' "$URL/api/posts" >/dev/null
phase shared-state
for i in 1 2 3 4 5 6; do
    curl -fs -X POST -H 'Content-Type: application/json' -d "{\"username\":\"a\",\"content\":\"m$$-$i\"}" "$URL/api/posts" >/dev/null
done
for i in $(seq 9); do [ "$(curl -fs "$URL/api/posts" | grep -o "m$$-[0-9]" | sort -u | wc -l)" = 6 ] || echo "missing posts"; done
phase load-spread
for i in $(seq 90); do served_by; done | sort | uniq -c
phase logs;        dc logs backend >/dev/null
phase scale-up
dc up -d --no-recreate --no-deps --scale backend=5 backend 2>/dev/null
until [ "$(for i in $(seq 20); do served_by; done | sort -u | wc -l)" = 5 ]; do :; done
phase scale-down
F=$(mktemp); loop "$F" & L=$!
dc up -d --no-recreate --no-deps --scale backend=2 backend 2>/dev/null
sleep 2; kill $L; wait $L 2>/dev/null || true
echo "scale-down: $(grep -vc '^200$' "$F" || true) failed of $(wc -l <"$F")"
phase restart-one
ONE=$(docker ps -q --filter label=com.docker.compose.project=$P --filter label=com.docker.compose.service=backend | head -n1)
HOST=$(docker inspect -f '{{.Config.Hostname}}' "$ONE")
: >"$F"; loop "$F" & L=$!
docker restart -t 10 "$ONE" >/dev/null
sleep 2; kill $L; wait $L 2>/dev/null || true
echo "restart-one: $(grep -vc '^200$' "$F" || true) failed of $(wc -l <"$F")"
until [ "$(for i in $(seq 10); do served_by; done | grep -c "$HOST")" -gt 0 ]; do :; done
rm -f "$F"
phase down;        cleanup; trap - EXIT
phase end
