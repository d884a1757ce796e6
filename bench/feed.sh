#!/usr/bin/env bash
# Pull feed figures (issue 24): how fast one reader pages through GET /changes from the start of a workspace's log,
# side by side with PostgreSQL reading the same rows in one plain statement. The log is written straight into
# change_log (as ChangeLogWriter numbers it: per-lane seq, ids in commit order), CHANGES rows of which a fifth belong
# to another workspace, so the feed's workspace filter has work to do. Prints a markdown table and writes it to
# bench/feed-results.md; raw output stays in the /tmp/profilehub-feed.* folder named at the end.
# Usage: bench/feed.sh (knobs below as environment variables). About 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export BENCH_DIR=$ROOT/bench

CHANGES=${CHANGES:-250000}            # rows written into change_log; 80% in the read workspace
PROFILES=${PROFILES:-50000}           # profiles they are spread over (so every lane has changes)
LIMITS=${LIMITS:-1000 100}            # page sizes the reader is run with, each after one warm-up pass
PORT=${PORT:-18300}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18302}
SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS--Xms256m -Xmx256m -XX:+UseParallelGC}
SKIP_BUILD=${SKIP_BUILD:-}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres

DB=profilehub_bench_feed_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')
OUT=$(mktemp -d /tmp/profilehub-feed.XXXXXX)
BASE=http://127.0.0.1:$PORT
SERVICE_PID=
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

cleanup() {
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  dropdb --if-exists --force "$DB" 2>/dev/null || true
  log "database $DB dropped; raw data in $OUT"
}
trap cleanup EXIT

bench_prerequisites
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml db 2>/dev/null || echo " + uncommitted changes")"
if [ -z "$SKIP_BUILD" ]; then
  log "building"
  mvn -q -B package -DskipTests
fi
createdb "$DB"
: > "$OUT/empty.yml"
log "starting the service (it migrates the empty database)"
start_service "$OUT/empty.yml"

log "writing $CHANGES changes into the log"
psql -q -v ON_ERROR_STOP=1 -d "$DB" -v n="$CHANGES" -v profiles="$PROFILES" <<'SQL'
set search_path = profilehub;
with input as (
    select g, case when g % 5 = 0 then 'noise' else 'default' end as w,
           'usr_' || lpad(to_hex(g % :profiles), 16, '0') as p
      from generate_series(1, :n) g
), laned as (
    select i.*, change_lane(i.w, i.p) as lane from input i
), numbered as (
    select l.*, row_number() over (partition by l.lane order by l.g) as seq from laned l
)
insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change, cause)
select lane, seq, w, p, g, 'upsert',
       profile_upsert_event(w, p, g, false, false, clock_timestamp(),
                            jsonb_build_object('email', p || '@example.com', 'userId', g::text),
                            jsonb_build_object('plan', 'pro', 'seats', g % 50, 'country', 'NZ')),
       'update'
  from numbered
 order by g;
update change_lanes l set last_seq = c.n from (select lane, max(seq) as n from change_log group by lane) c
 where l.lane = c.lane;
vacuum analyze;
SQL
ROWS=$(psql -Atq -d "$DB" -c "select count(*) from profilehub.change_log where workspace_id = 'default' and destination is null")

# Plain SQL: the same rows and documents in one statement, streamed to nowhere (the bound PostgreSQL sets).
plain() {
  local t0 t1
  t0=$(now_ms)
  psql -q -d "$DB" -c "\\copy (select id, lane, change::text from profilehub.change_log where workspace_id = 'default' and destination is null order by id) to '/dev/null'"
  t1=$(now_ms)
  echo $(( t1 - t0 ))
}
plain >/dev/null   # warm-up
PLAIN_MS=$(plain)
PLAIN_RATE=$(( ROWS * 1000 / PLAIN_MS ))
log "plain SQL: $ROWS rows in $PLAIN_MS ms"

declare -A FEED
for limit in $LIMITS; do
  java "$BENCH_DIR/FeedReader.java" "$BASE" "$KEY" "$limit" > "$OUT/warmup-$limit.txt"
  java "$BENCH_DIR/FeedReader.java" "$BASE" "$KEY" "$limit" | tee "$OUT/feed-$limit.txt" >&2
  FEED[$limit]=$(cat "$OUT/feed-$limit.txt")
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "Pull feed, $(date -u +%F) — commit $COMMIT; $(nproc) cores; load average $LOAD_BEFORE before, $LOAD_AFTER after"
  echo
  echo "| reader | changes | seconds | changes/s | requests |"
  echo "|---|---|---|---|---|"
  echo "| plain SQL (\`\\copy\` of the same rows, one statement) | $ROWS | $(awk -v m="$PLAIN_MS" 'BEGIN { printf "%.2f", m / 1000 }') | $PLAIN_RATE | 1 |"
  for limit in $LIMITS; do
    line=${FEED[$limit]}
    echo "| GET /changes?limit=$limit, one reader | $(field changes "$line") | $(field seconds "$line") | $(field rate "$line") | $(field pages "$line") |"
  done
} | tee "$BENCH_DIR/feed-results.md"
