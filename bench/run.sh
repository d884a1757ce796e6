#!/usr/bin/env bash
# ProfileHub benchmark suite: builds and starts the packaged service against a fresh database on the local
# PostgreSQL, loads PROFILES profiles, drives it with wrk, runs pgbench on the same SQL, prints a table, and drops
# the database. Loopback only. Usage: bench/run.sh   (knobs below as environment variables; see bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export BENCH_DIR=$ROOT/bench

PROFILES=${PROFILES:-1000000}
WARMUP=${WARMUP:-8}           # seconds of load before each measured run, discarded
DURATION=${DURATION:-15}      # seconds of each measured run
CONNECTIONS=${CONNECTIONS:-16} # concurrency of wrk and pgbench (2 threads each)
BATCH_CONNECTIONS=${BATCH_CONNECTIONS:-4}
DRAIN_SECONDS=${DRAIN_SECONDS:-15}
PORT=${PORT:-18080}
RECEIVER_PORT=${RECEIVER_PORT:-18081}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18082}  # operator endpoints: pause/resume of a destination serving every workspace
# A fixed, small heap keeps the resident set predictable; ParallelGC has the smallest footprint of the collectors
# that use both cores. The class-data archive (AppCDS) is written by the first start and used by the second.
SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS--Xms256m -Xmx256m -XX:+UseParallelGC}
DESTINATION_CONCURRENCY=${DESTINATION_CONCURRENCY:-16}
SKIP_BUILD=${SKIP_BUILD:-}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres

DB=profilehub_bench_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')  # 32 hex digits: a weak key stops start-up
OUT=$(mktemp -d /tmp/profilehub-bench.XXXXXX)
RESULTS=$OUT/results.tsv
export BENCH_KEY=$KEY BENCH_PROFILES=$PROFILES
BASE=http://127.0.0.1:$PORT
MANAGEMENT=http://127.0.0.1:$MANAGEMENT_PORT
SERVICE_PID= RECEIVER_PID= SAMPLER_PID=

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
  for pid in $SAMPLER_PID $SERVICE_PID $RECEIVER_PID; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  dropdb --if-exists --force "$DB" 2>/dev/null || true
  log "database $DB dropped; logs in $OUT"
}
trap cleanup EXIT

# --- prerequisites --------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; fi
fi
for tool in pgbench psql curl java mvn; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
if ! pg_isready -q; then
  pg_ctlcluster --skip-systemctl-redirect 15 main start
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -z "$SKIP_BUILD" ]; then
  log "building"
  mvn -q -B package -DskipTests
fi
createdb "$DB"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB")

# --- helpers --------------------------------------------------------------------------------------------------
SEP=$'\x1f'   # a non-blank field separator, so empty fields survive read
record() { local IFS=$SEP; echo "$*" >> "$RESULTS"; }   # name value unit p50 p99 note
phase() { echo "$1" > "$OUT/phase"; log "$1"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<< "$2"; }

# wrk SCRIPT CONNS SECONDS [PATH] → prints its RESULT line
wrk_run() {
  local script=$1 conns=$2 seconds=$3 threads=2
  [ "$conns" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s -s "$BENCH_DIR/lua/$script" "$BASE" \
    > "$OUT/wrk-${script%.lua}-$conns-$seconds.txt" 2>&1
  grep '^RESULT' "$OUT/wrk-${script%.lua}-$conns-$seconds.txt"
}

# measure NAME SCRIPT CONNS → warm-up, then a measured run recorded as NAME
measure() {
  local name=$1 script=$2 conns=$3 result
  phase "$name (warm-up ${WARMUP}s, then ${DURATION}s at $conns connections)"
  BENCH_RUN=w$RANDOM wrk_run "$script" "$conns" "$WARMUP" > /dev/null
  result=$(BENCH_RUN=m$RANDOM wrk_run "$script" "$conns" "$DURATION")
  log "  $result"
  record "$name" "$(field rps "$result")" "req/s" "$(field p50_ms "$result")" "$(field p99_ms "$result")" \
    "c=$conns errors=$(field errors "$result")"
  echo "$result"
}

# paced NAME SCRIPT RATE → about RATE req/s (wrk's per-connection pause; the achieved rate is what is recorded)
paced() {
  local name=$1 script=$2 rate=$3 pause=4 conns result
  conns=$(awk -v r="$rate" -v p="$pause" 'BEGIN { c = int(r * p / 1000 + 0.5); print (c < 1 ? 1 : c) }')
  phase "$name (~$rate req/s: $conns connections pausing ${pause} ms)"
  BENCH_DELAY_MS=$pause BENCH_RUN=w$RANDOM wrk_run "$script" "$conns" "$WARMUP" > /dev/null
  result=$(BENCH_DELAY_MS=$pause BENCH_RUN=m$RANDOM wrk_run "$script" "$conns" "$DURATION")
  log "  $result"
  record "$name" "$(field rps "$result")" "req/s" "$(field p50_ms "$result")" "$(field p99_ms "$result")" \
    "target ~$rate/s, c=$conns errors=$(field errors "$result")"
}

# pgbench NAME FILE → the same transactions straight on the database, same concurrency
pgbench_run() {
  local name=$1 file=$2 tps lat
  phase "$name (pgbench ${DURATION}s at $CONNECTIONS clients)"
  PGOPTIONS='-c search_path=profilehub' pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$WARMUP" -D profiles="$PROFILES" -D dests='{bench}' \
    -f "$BENCH_DIR/pgbench/$file" "$DB" > /dev/null 2>&1
  PGOPTIONS='-c search_path=profilehub' pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -D profiles="$PROFILES" -D dests='{bench}' \
    -f "$BENCH_DIR/pgbench/$file" "$DB" > "$OUT/pgbench-${file%.sql}.txt" 2>&1
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p' "$OUT/pgbench-${file%.sql}.txt")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$OUT/pgbench-${file%.sql}.txt")
  log "  tps=$tps latency_avg=${lat}ms"
  tps=$(printf '%.1f' "$tps")
  record "$name" "$tps" "tx/s" "$lat (avg)" "" "c=$CONNECTIONS"
  echo "$tps"
}

api() { curl -sS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }
pending() { "${PSQL[@]}" -c "select count(*) from profilehub.delivery_status where status in ('pending','in_flight')"; }
delivered() { "${PSQL[@]}" -c "select count(*) from profilehub.delivery_status where status = 'delivered'"; }
received() { curl -sS "http://127.0.0.1:$RECEIVER_PORT/stats" | sed 's/count=//'; }

# --- receiver and service -------------------------------------------------------------------------------------
java -Xmx256m "$BENCH_DIR/Receiver.java" "$RECEIVER_PORT" > "$OUT/receiver.log" 2>&1 &
RECEIVER_PID=$!

cat > "$OUT/bench.yml" <<EOF
profilehub:
  destinations:
    bench:
      type: webhook
      url: http://127.0.0.1:$RECEIVER_PORT/hook
      token: bench-secret
      concurrency: $DESTINATION_CONCURRENCY
EOF

# start_service JAVA_OPTS… → starts the service (SERVICE_PID), waits for /health UP (STARTUP_MS)
start_service() {
  local start_ns
  start_ns=$(date +%s%N)
  # shellcheck disable=SC2086
  MICRONAUT_CONFIG_FILES=$OUT/bench.yml PORT=$PORT PROFILEHUB_MANAGEMENT_PORT=$MANAGEMENT_PORT \
  DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATASOURCES_DEFAULT_USERNAME=postgres \
  PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
    java $SERVICE_JAVA_OPTS -Xlog:gc:file="$OUT/gc-%p.log" "$@" -jar target/profilehub-0.1.0.jar >> "$OUT/service.log" 2>&1 &
  SERVICE_PID=$!
  until curl -sf "$BASE/health" 2>/dev/null | grep -q UP; do
    kill -0 "$SERVICE_PID" 2>/dev/null || { tail -50 "$OUT/service.log" >&2; exit 1; }
    sleep 0.02
  done
  STARTUP_MS=$(( ($(date +%s%N) - start_ns) / 1000000 ))
}

phase "start-up"
start_service -XX:ArchiveClassesAtExit="$OUT/profilehub.jsa"
first_ms=$STARTUP_MS
log "  first start up in ${first_ms} ms (fresh database: creates the schema; writes the class-data archive)"
record "start-up, first (process start to /health UP)" "$first_ms" "ms" "" "" "fresh database: Flyway creates the schema"
kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true
start_service -XX:SharedArchiveFile="$OUT/profilehub.jsa"
restart_ms=$STARTUP_MS
log "  restart up in ${restart_ms} ms (with the class-data archive)"
record "start-up, restart (process start to /health UP)" "$restart_ms" "ms" "" "" "-XX:SharedArchiveFile (AppCDS)"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$RECEIVER_PORT/stats" >/dev/null && break; sleep 0.1; done

# Resident memory of the service, sampled every second with the phase it belongs to.
( while kill -0 "$SERVICE_PID" 2>/dev/null; do
    echo "$(cat "$OUT/phase") $(ps -o rss= -p "$SERVICE_PID" | tr -d ' ')" >> "$OUT/rss.txt"; sleep 1
  done ) &
SAMPLER_PID=$!

# --- data -----------------------------------------------------------------------------------------------------
phase "loading $PROFILES profiles"
load_start=$(date +%s)
"${PSQL[@]}" -v profiles="$PROFILES" -f "$BENCH_DIR/load.sql"
log "  loaded in $(( $(date +%s) - load_start )) s"

# Nothing is delivered during the reads (they write no events) and the writes (below).
curl -sS -XPOST "$MANAGEMENT/destinations/bench/pause" > /dev/null

# --- reads ----------------------------------------------------------------------------------------------------
get=$(measure "get by id" get.lua "$CONNECTIONS")
half=$(awk -v r="$(field rps "$get")" 'BEGIN { print int(r / 2) }')
paced "get by id at half of peak" get.lua "$half"
measure "search by email" search_email.lua "$CONNECTIONS" > /dev/null
paced "search by email, light load" search_email.lua 200
measure "search nested (name.last, ~50 rows)" search_nested.lua "$CONNECTIONS" > /dev/null
paced "search nested, light load" search_nested.lua 100

# --- commit-to-delivery latency ---------------------------------------------------------------------------------
# On an empty queue, with a steady trickle of updates (the drain of a large backlog is measured at the end).
curl -sS -XPOST "$MANAGEMENT/destinations/bench/resume" > /dev/null
sleep 1
curl -sS "http://127.0.0.1:$RECEIVER_PORT/reset" > /dev/null
phase "commit-to-delivery latency (updates at ~200/s, ${DURATION}s)"
BENCH_DELAY_MS=10 BENCH_RUN=l$RANDOM wrk_run update.lua 2 "$DURATION" > /dev/null
sleep 2
lat=$(curl -sS "http://127.0.0.1:$RECEIVER_PORT/latency")
log "  $lat"
record "commit-to-delivery latency" "$(field count "$lat")" "deliveries" "$(field p50_ms "$lat")" \
  "$(field p99_ms "$lat")" "receiver clock vs occurredAt, ~200 updates/s, empty queue"
# Deliveries wait until the drain phase from here on, so writes and drain are measured apart.
curl -sS -XPOST "$MANAGEMENT/destinations/bench/pause" > /dev/null

# --- writes ---------------------------------------------------------------------------------------------------
create=$(measure "create (POST /identify)" create.lua "$CONNECTIONS")
update=$(measure "update (POST /identify/{id})" update.lua "$CONNECTIONS")
batch=$(measure "batch ingest (1,000 items/request)" batch.lua "$BATCH_CONNECTIONS")
record "batch ingest profiles" "$(awk -v r="$(field rps "$batch")" 'BEGIN { printf "%.0f", r * 1000 }')" \
  "profiles/s" "" "" "90% new, 10% merges"
pg_create=$(pgbench_run "pgbench: create transaction" create.sql)
pg_update=$(pgbench_run "pgbench: update transaction" update.sql)

# --- outbox ---------------------------------------------------------------------------------------------------
phase "outbox drain (${DRAIN_SECONDS}s of the backlog)"
backlog=$(pending)
r0=$(received); d0=$(delivered)
curl -sS -XPOST "$MANAGEMENT/destinations/bench/resume" > /dev/null
sleep "$DRAIN_SECONDS"
r1=$(received); d1=$(delivered)
log "  backlog $backlog; $((r1 - r0)) requests, $((d1 - d0)) events delivered"
record "outbox drain (webhook requests)" "$(( (r1 - r0) / DRAIN_SECONDS ))" "deliveries/s" "" "" "backlog $backlog events"
record "outbox drain (events settled)" "$(( (d1 - d0) / DRAIN_SECONDS ))" "events/s" "" "" "composed per profile"

# --- summary --------------------------------------------------------------------------------------------------
rss_max=$(awk '{ v = $NF } v > m { m = v } END { printf "%.0f", m / 1024 }' "$OUT/rss.txt")
rss_phase=$(awk '{ v = $NF } v > m { m = v; p = $0 } END { sub(/ [0-9]+$/, "", p); print p }' "$OUT/rss.txt")
record "resident memory (max RSS)" "$rss_max" "MB" "" "" "during: $rss_phase"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }'; }
{
  echo
  echo "ProfileHub benchmark — $(date -u +%FT%TZ), $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB," \
       "$(psql -X -At -d "$DB" -c 'show server_version' | cut -d' ' -f1) PostgreSQL, $PROFILES profiles," \
       "wrk/pgbench ${DURATION}s after ${WARMUP}s warm-up"
  echo "service: java $SERVICE_JAVA_OPTS -XX:SharedArchiveFile=… -jar target/profilehub-0.1.0.jar;" \
       "webhook destination concurrency $DESTINATION_CONCURRENCY;" \
       "machine load average (1/5/15 min) before the run: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  printf '| %-42s | %12s | %-12s | %9s | %9s | %s\n' "measure" "value" "unit" "p50 ms" "p99 ms" "conditions |"
  printf '|%s|%s|%s|%s|%s|%s\n' "--------------------------------------------" "-------------:" "--------------" \
    "----------:" "----------:" "---|"
  while IFS=$SEP read -r name value unit p50 p99 note; do
    printf '| %-42s | %12s | %-12s | %9s | %9s | %s |\n' "$name" "$value" "$unit" "$p50" "$p99" "$note"
  done < "$RESULTS"
  echo
  echo "create: service $(field rps "$create") req/s vs pgbench $pg_create tx/s = $(ratio "$(field rps "$create")" "$pg_create")"
  echo "update: service $(field rps "$update") req/s vs pgbench $pg_update tx/s = $(ratio "$(field rps "$update")" "$pg_update")"
} | tee "$OUT/table.md"
cp "$OUT/table.md" "$BENCH_DIR/last-results.md"
