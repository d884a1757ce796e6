#!/usr/bin/env bash
# Batches of 1,000 items in several shapes, each timed end to end (curl), against the packaged service on a fresh
# database of the local PostgreSQL. The case that used to be superlinear: many updates of one profile (one wave,
# i.e. one statement re-reading and rewriting a growing document, per item). Usage: bench/batch-shapes.sh
# (SKIP_BUILD=1 reuses target/profilehub-0.1.0.jar; ROUNDS=3 repeats each shape). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18090}
ROUNDS=${ROUNDS:-3}
SKIP_BUILD=${SKIP_BUILD:-}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
DB=profilehub_batch_$(date +%s)_$$
KEY=bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
OUT=$(mktemp -d /tmp/profilehub-batch.XXXXXX)
BASE=http://127.0.0.1:$PORT
SERVICE_PID=
cleanup() {
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
  dropdb --if-exists --force "$DB" 2>/dev/null || true
}
trap cleanup EXIT
[ -z "$SKIP_BUILD" ] && mvn -q -B package -DskipTests
createdb "$DB"
# One webhook destination (paused below), so every change also writes its outbox event as in production.
cat > "$OUT/bench.yml" <<EOF
profilehub:
  outbox:
    enabled: false
  destinations:
    bench: { type: webhook, url: "http://127.0.0.1:9/hook", token: bench-secret }
EOF
MICRONAUT_CONFIG_FILES=$OUT/bench.yml PORT=$PORT PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATASOURCES_DEFAULT_USERNAME=postgres \
  java -Xms256m -Xmx256m -XX:+UseParallelGC -jar target/profilehub-0.1.0.jar > "$OUT/service.log" 2>&1 &
SERVICE_PID=$!
until curl -sf "$BASE/health" 2>/dev/null | grep -q UP; do
  kill -0 "$SERVICE_PID" 2>/dev/null || { tail -30 "$OUT/service.log" >&2; exit 1; }
  sleep 0.1
done
api() { curl -sS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }
new_profile() { api -XPOST "$BASE/identify" -d "{\"identifiers\":{\"email\":\"$1\"}}" | sed 's/.*"id":"\([^"]*\)".*/\1/'; }
PAD=$(head -c 1500 /dev/zero | tr '\0' 'x')   # ~1.6 KB per item, as in the report: a 1.6 MB request

# shape NAME → writes the request body for round $round to $OUT/body.json
shape() {
  local name=$1 i id ids=() sep=
  {
    printf '['
    case $name in
      one-profile-by-id)      # the reported case: 1,000 updates of one profile, 100 keys of 1.5 KB rewritten
        id=$(new_profile "one-$round@example.com")
        for i in $(seq 0 999); do printf '%s{"id":"%s","traits":{"k%d":"%s-%d","n":%d}}' "$sep" "$id" $((i % 100)) "$PAD" "$i" "$i"; sep=,; done ;;
      one-profile-by-email)   # the same through identify (resolved by email)
        new_profile "email-$round@example.com" > /dev/null
        for i in $(seq 0 999); do printf '%s{"identifiers":{"email":"email-%d@example.com"},"traits":{"k%d":"%s-%d"}}' "$sep" "$round" $((i % 100)) "$PAD" "$i"; sep=,; done ;;
      one-profile-alternating) # worst case for composition: an object over a scalar, 1,000 times
        id=$(new_profile "alt-$round@example.com")
        for i in $(seq 0 999); do
          if ((i % 2)); then printf '%s{"id":"%s","traits":{"o":{"a":%d,"p":"%s"}}}' "$sep" "$id" "$i" "$PAD"
          else printf '%s{"id":"%s","traits":{"o":%d,"k%d":"%s"}}' "$sep" "$id" "$i" $((i % 100)) "$PAD"; fi; sep=,
        done ;;
      ten-profiles-interleaved)
        for i in $(seq 0 9); do ids+=("$(new_profile "ten-$round-$i@example.com")"); done
        for i in $(seq 0 999); do printf '%s{"id":"%s","traits":{"k%d":"%s-%d"}}' "$sep" "${ids[$((i % 10))]}" $((i % 100)) "$PAD" "$i"; sep=,; done ;;
      new-profiles)
        for i in $(seq 0 999); do printf '%s{"identifiers":{"email":"new-%d-%d@example.com"},"traits":{"p":"%s"}}' "$sep" "$round" "$i" "$PAD"; sep=,; done ;;
    esac
    printf ']'
  } > "$OUT/body.json"
}

printf '| shape (1,000 items) | request | seconds per batch (%s rounds) | item statuses |\n|---|---|---|---|\n' "$ROUNDS"
for name in one-profile-by-id one-profile-by-email one-profile-alternating ten-profiles-interleaved new-profiles; do
  times=() statuses=
  for round in $(seq 1 "$ROUNDS"); do
    shape "$name"
    t=$(api -o "$OUT/answer.json" -w '%{time_total}' -XPOST "$BASE/identify/batch" --data-binary @"$OUT/body.json")
    times+=("$t")
    statuses=$(grep -o '"status":[0-9]*' "$OUT/answer.json" | sort | uniq -c | awk '{printf "%s%s×%s", s, $1, substr($2, 10); s=", "}')
  done
  printf '| %s | %s KB | %s | %s |\n' "$name" "$(( $(stat -c %s "$OUT/body.json") / 1024 ))" "${times[*]}" "$statuses"
done
