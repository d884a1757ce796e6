#!/usr/bin/env bash
# Merge-patch cost by number of keys (issue 19, item 3), before and after db/V27, side by side in one run: the same
# packaged service and database, first with V27's linear functions, then with the earlier bodies of V1/V23 put back
# (CREATE OR REPLACE from the migrations' own text), then V27's again. Each row: a fresh profile, one
# POST /identify/{id} setting N keys, then one replacing half and removing a quarter of them, timed by curl; and the
# refusal of a request over the default leaf limit. Usage: bench/merge-keys.sh (SKIP_BUILD=1 reuses the jar).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18095}
SKIP_BUILD=${SKIP_BUILD:-}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
DB=profilehub_keys_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')
OUT=$(mktemp -d /tmp/profilehub-keys.XXXXXX)
BASE=http://127.0.0.1:$PORT
SERVICE_PID=
cleanup() {
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
  dropdb --if-exists --force "$DB" 2>/dev/null || true
}
trap cleanup EXIT
[ -z "$SKIP_BUILD" ] && mvn -q -B package -DskipTests
createdb "$DB"
start() { # $1: max-profile-leaves
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" && wait "$SERVICE_PID" 2>/dev/null || true
  PROFILEHUB_LIMITS_MAX_PROFILE_LEAVES=$1 PROFILEHUB_LIMITS_MAX_PROFILE_BYTES=4194304 PROFILEHUB_OUTBOX_ENABLED=false \
  PORT=$PORT PROFILEHUB_MANAGEMENT_PORT=$((PORT + 1)) PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
  DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATASOURCES_DEFAULT_USERNAME=postgres \
    java -Xms256m -Xmx256m -XX:+UseParallelGC -jar target/profilehub-0.1.0.jar >> "$OUT/service.log" 2>&1 &
  SERVICE_PID=$!
  until curl -sf "$BASE/health" 2>/dev/null | grep -q UP; do
    kill -0 "$SERVICE_PID" 2>/dev/null || { tail -30 "$OUT/service.log" >&2; exit 1; }
    sleep 0.2
  done
}
api() { curl -sS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }
bodies() { # $1: N → $OUT/set-N.json and $OUT/mix-N.json
  python3 - "$1" "$OUT" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
json.dump({"traits": {"k%d" % i: i for i in range(n)}}, open("%s/set-%d.json" % (out, n), "w"))
json.dump({"traits": {"k%d" % i: (None if i % 4 == 0 else "s") for i in range(0, n, 2)}}, open("%s/mix-%d.json" % (out, n), "w"))
PY
}
timed() { # $1: id, $2: body file → "status seconds"
  api -o /dev/null -w '%{http_code} %{time_total}' -XPOST "$BASE/identify/$1" --data-binary @"$2" --max-time 40 || echo "000 40+"
}
functions() { # $1: v27 | earlier
  if [ "$1" = earlier ]; then
    { echo "set search_path = profilehub;"
      sed -n '/^create function jsonb_merge_patch(/,/^\$\$;/p; /^create function jsonb_merge_diff(/,/^\$\$;/p' db/V1__profiles.sql
      sed -n '/^create function jsonb_fill_missing(/,/^\$\$;/p' db/V23__traits_once.sql
    } | sed 's/^create function/create or replace function/' | psql -q -d "$DB"
  else
    { echo "set search_path = profilehub;"; sed -n '/^create or replace function/,/^\$\$;/p' db/V27__linear_merge_functions.sql
    } | psql -q -d "$DB"
  fi
}
SIZES=${SIZES:-"3000 6000 12000 24000"}
for n in $SIZES; do bodies "$n"; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/results.md"
echo "| functions | keys | set N keys | replace N/4, remove N/4 |" | tee -a "$OUT/results.md"
echo "|---|---|---|---|" | tee -a "$OUT/results.md"
start 100000
for variant in v27 earlier v27; do
  functions "$variant"
  for n in $SIZES; do
    id=$(api -XPOST "$BASE/identify" -d "{\"identifiers\":{\"email\":\"$variant-$n-$RANDOM@example.com\"}}" | sed 's/.*"id":"\([^"]*\)".*/\1/')
    a=$(timed "$id" "$OUT/set-$n.json"); b=$(timed "$id" "$OUT/mix-$n.json")
    echo "| $variant | $n | $a | $b |" | tee -a "$OUT/results.md"
  done
done
start 10000   # the default limit: a request over it is refused before it reaches the database
id=$(api -XPOST "$BASE/identify" -d '{"identifiers":{"email":"refused@example.com"}}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
for i in 1 2 3 4 5; do
  echo "| v27, default limit (10,000 leaves) | 24000 | $(timed "$id" "$OUT/set-24000.json") | refused |" | tee -a "$OUT/results.md"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/results.md"
echo "results: $OUT/results.md"
