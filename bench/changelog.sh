#!/usr/bin/env bash
# Change-log figures (issue 11): what one change costs with FIVE webhook destinations, in CPU per request (service,
# PostgreSQL) and database work per change (transactions, tuples, index entries), against pgbench on the service's
# own SQL; the drain rate of 5 destinations at once; transactions per second of an idle service. Runs against any
# checkout: nothing below names a table of the outbox (database work comes from pg_stat_database and
# pg_stat_user_tables over schema profilehub). Prints a markdown table and writes it to bench/changelog-results.md;
# raw data stays in the /tmp/profilehub-changelog.* folder named at the end. Usage: bench/changelog.sh
# (knobs below as environment variables; see bench/README.md, "Change log figures"). About 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export BENCH_DIR=$ROOT/bench

PROFILES=${PROFILES:-100000}          # profiles loaded straight into the tables (bench/load.sql) for the updates
WARMUP=${WARMUP:-5}                   # seconds of load before each measured write run, discarded
DURATION=${DURATION:-15}              # seconds of each measured write run (wrk and pgbench)
CONNECTIONS=${CONNECTIONS:-16}        # concurrency of wrk and pgbench
SETTLE=${SETTLE:-11}                  # seconds before reading the statistics views after a load: an idle backend
                                      # reports its counts up to 10 s late (PostgreSQL 15's PGSTAT_IDLE_INTERVAL)
IDLE_SECONDS=${IDLE_SECONDS:-20}      # each idle phase (paused, resumed)
DELIVERED_SECONDS=${DELIVERED_SECONDS:-10}  # creates at DELIVERED_RATE/s, then wait until all 5 receivers have them
DELIVERED_RATE=${DELIVERED_RATE:-200}
BACKLOG=${BACKLOG:-50000}             # changes written with the 5 destinations paused, then drained at once
BATCH_SIZE=${BATCH_SIZE:-1000}        # items per POST /identify/batch for the backlog
BATCH_CONNECTIONS=${BATCH_CONNECTIONS:-2}
DRAIN_MAX=${DRAIN_MAX:-120}           # give up the drain after this many seconds (the table says what was left)
DRAIN_WINDOW=${DRAIN_WINDOW:-15}      # drain rate over the first and the last this many seconds
# This cluster runs with autovacuum off, so nothing analyzes the tables the backlog just grew; 1 runs a database-wide
# ANALYZE (no table named) before the drain, standing in for the auto-analyze a production server would have run.
ANALYZE_BEFORE_DRAIN=${ANALYZE_BEFORE_DRAIN:-1}
DESTINATION_CONCURRENCY=${DESTINATION_CONCURRENCY:-8}
RECEIVER_THREADS=${RECEIVER_THREADS:-32}
PORT=${PORT:-18200}
RECEIVER_PORT=${RECEIVER_PORT:-18201}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18202}
SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS--Xms256m -Xmx256m -XX:+UseParallelGC}
SKIP_BUILD=${SKIP_BUILD:-}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres

DESTS=(d1 d2 d3 d4 d5)
DB=profilehub_bench_cl_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')  # 32 hex digits: a weak key stops start-up
OUT=$(mktemp -d /tmp/profilehub-changelog.XXXXXX)
PHASES=$OUT/phases.tsv
export BENCH_KEY=$KEY BENCH_PROFILES=$PROFILES
BASE=http://127.0.0.1:$PORT
SERVICE_PID= RECEIVER_PID= CPU_SAMPLER_PID=
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

cleanup() {
  for pid in $CPU_SAMPLER_PID $SERVICE_PID $RECEIVER_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  dropdb --if-exists --force "$DB" 2>/dev/null || true
  log "database $DB dropped; raw data in $OUT"
}
trap cleanup EXIT

bench_prerequisites
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# The checkout, and the last commit that changed the service itself (bench/ changes do not change what is measured).
COMMIT="$(git rev-parse --short HEAD) (service code as of $(git log -1 --format=%h -- src pom.xml)$(git diff --quiet HEAD -- src pom.xml 2>/dev/null || echo " + uncommitted changes"))"
if [ -z "$SKIP_BUILD" ]; then
  log "building"
  mvn -q -B package -DskipTests
fi
createdb "$DB"

# --- helpers --------------------------------------------------------------------------------------------------
# record PHASE UNITS SECONDS SVC_MS PG_MS PGBENCH_PG_MS BG_MS CLIENT_MS "TX INS UPD DEL HOT IDX" NOTE
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" >> "$PHASES"; }

# counts → "d1 N d2 N …": events each destination's receiver path got so far
counts() { curl -sS "http://127.0.0.1:$RECEIVER_PORT/counts" | awk '{ sub("/hook/", "", $1); sub("events=", "", $3); printf "%s %s ", $1, $3 } END { print "" }'; }
# count_of NAME "COUNTS" → that destination's number
count_of() { awk -v d="$1" '{ for (i = 1; i < NF; i += 2) if ($i == d) v = $(i + 1) } END { print v + 0 }' <<< "$2"; }
# least_since "COUNTS0" → the smallest number of events any destination got since COUNTS0
least_since() {
  local now d min= n
  now=$(counts)
  for d in "${DESTS[@]}"; do
    n=$(( $(count_of "$d" "$now") - $(count_of "$d" "$1") ))
    { [ -z "$min" ] || [ "$n" -lt "$min" ]; } && min=$n
  done
  echo "$min"
}
all_destinations() { local d; for d in "${DESTS[@]}"; do operator "$d" "$1"; done; }

# wrk_timed OUTNAME SCRIPT CONNS SECONDS → WRK_RESULT (its RESULT line), CHILD_CPU_MS = wrk's CPU
wrk_timed() {
  local threads=2
  [ "$3" -lt 2 ] && threads=1
  timed "$OUT/wrk-$1.txt" wrk -t"$threads" -c"$3" -d"$4s" --timeout 10s -s "$BENCH_DIR/lua/$2" "$BASE"
  WRK_RESULT=$(grep '^RESULT' "$OUT/wrk-$1.txt")
}
# profiles → how many profiles the database holds (the profiles table, not the outbox's)
profiles() { psql -X -At -d "$DB" -c "select count(*) from profilehub.profiles"; }

# idle NAME RATEFILE → IDLE_SECONDS with no writes; the per-second rates go to RATEFILE
idle() {
  local name=$1 d tx
  log "$name: ${IDLE_SECONDS}s without writes"
  db_snapshot "$OUT/db-$name.0"; cpu_begin "$name"
  sleep "$IDLE_SECONDS"
  db_snapshot "$OUT/db-$name.1"; cpu_end
  d=$(db_delta "$OUT/db-$name.0" "$OUT/db-$name.1" "$OUT/tables-$name.txt")
  db_rates "$OUT/tables-$name.txt" "$IDLE_SECONDS" "$2"
  tx=${d%% *}
  log "  $tx transactions ($(awk -v t="$tx" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.1f", t / s }')/s)," \
      "service ${CPU_SVC} ms, its backends ${CPU_SERVICE_PG} ms CPU"
  record "$name" "$IDLE_SECONDS" "$IDLE_SECONDS" "$CPU_SVC" "$CPU_SERVICE_PG" "$CPU_PGBENCH_PG" "$CPU_BG" 0 "$d" "units are seconds"
}

# api_writes NAME SCRIPT → warm-up, then DURATION s measured; destinations paused
api_writes() {
  local name=$1 script=$2 result n t_end d
  log "$name: warm-up ${WARMUP}s, then ${DURATION}s at $CONNECTIONS connections"
  BENCH_RUN=w$RANDOM wrk_timed "$name-warmup" "$script" "$CONNECTIONS" "$WARMUP"
  sleep "$SETTLE"
  db_snapshot "$OUT/db-$name.0"; cpu_begin "$name"
  BENCH_RUN=m$RANDOM wrk_timed "$name" "$script" "$CONNECTIONS" "$DURATION"
  result=$WRK_RESULT
  cpu_end; t_end=$(now_ms)
  sleep "$SETTLE"
  db_snapshot "$OUT/db-$name.1"
  # The statistics are read SETTLE s after the load; what an idle paused service does in those seconds is taken off.
  d=$(db_delta "$OUT/db-$name.0" "$OUT/db-$name.1" "$OUT/tables-$name.txt" "$OUT/rates-idle-paused" \
        "$(awk -v a="$t_end" -v b="$(now_ms)" 'BEGIN { print (b - a) / 1000 }')")
  n=$(( $(field requests "$result") - $(field errors "$result") ))
  log "  $result; service ${CPU_SVC} ms, backends ${CPU_SERVICE_PG} ms CPU; db: $d"
  record "$name" "$n" "$DURATION" "$CPU_SVC" "$CPU_SERVICE_PG" "$CPU_PGBENCH_PG" "$CPU_BG" "$CHILD_CPU_MS" "$d" \
    "wrk: $result"
}

# pgbench_writes NAME FILE → the service's SQL straight on the database (the service is stopped by then)
pgbench_writes() {
  local name=$1 file=$2 n d dests
  dests="{$(IFS=,; echo "${DESTS[*]}")}"
  log "$name: pgbench ${DURATION}s at $CONNECTIONS clients (after ${WARMUP}s warm-up), destinations $dests"
  local args=(-n -M prepared -c "$CONNECTIONS" -j 2 -D profiles="$PROFILES" -D dests="$dests" -f "$BENCH_DIR/pgbench/$file" "$DB")
  PGOPTIONS='-c search_path=profilehub' pgbench -T "$WARMUP" "${args[@]}" > "$OUT/pgbench-$name-warmup.txt" 2>&1
  sleep 2   # pgbench's backends report their counts as they exit
  db_snapshot "$OUT/db-$name.0"; cpu_begin "$name"
  PGOPTIONS='-c search_path=profilehub' timed "$OUT/pgbench-$name.txt" pgbench -T "$DURATION" "${args[@]}"
  cpu_end
  sleep 2
  db_snapshot "$OUT/db-$name.1"
  d=$(db_delta "$OUT/db-$name.0" "$OUT/db-$name.1" "$OUT/tables-$name.txt")
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$OUT/pgbench-$name.txt")
  [ -n "$n" ] || { cat "$OUT/pgbench-$name.txt" >&2; exit 1; }
  log "  $n transactions; pgbench ${CHILD_CPU_MS} ms, its backends ${CPU_PGBENCH_PG} ms CPU; db: $d"
  record "$name" "$n" "$DURATION" 0 "$CPU_SERVICE_PG" "$CPU_PGBENCH_PG" "$CPU_BG" "$CHILD_CPU_MS" "$d" \
    "$(grep -E '^(tps|latency average)' "$OUT/pgbench-$name.txt" | tr '\n' ' ')"
}

# --- receiver and service -------------------------------------------------------------------------------------
start_receiver "$RECEIVER_PORT" "$RECEIVER_THREADS"
{
  echo "profilehub:"
  echo "  destinations:"
  for d in "${DESTS[@]}"; do
    echo "    $d: { type: webhook, url: \"http://127.0.0.1:$RECEIVER_PORT/hook/$d\", token: bench-secret, concurrency: $DESTINATION_CONCURRENCY }"
  done
} > "$OUT/changelog.yml"
log "starting the service: ${#DESTS[@]} webhook destinations (${DESTS[*]}), concurrency $DESTINATION_CONCURRENCY each"
start_service "$OUT/changelog.yml"
log "loading $PROFILES profiles"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -v profiles="$PROFILES" -f "$BENCH_DIR/load.sql" > /dev/null
# Warm-up (JIT, pools): creates and updates at a moderate rate, delivered as they come.
log "warm-up: ${WARMUP}s of creates and ${WARMUP}s of updates at ~200/s each, delivered to all 5"
BENCH_DELAY_MS=10 BENCH_RUN=w$RANDOM wrk_timed warmup-create create.lua 2 "$WARMUP"
BENCH_DELAY_MS=10 BENCH_RUN=w$RANDOM wrk_timed warmup-update update.lua 2 "$WARMUP"
sleep "$SETTLE"

# --- idle, all 5 resumed (nothing waiting) ----------------------------------------------------------------------
idle idle-resumed "$OUT/rates-idle-resumed"

# --- delivered: paced creates, until every receiver has them ---------------------------------------------------
name=delivered
pause_ms=20
conns=$(( DELIVERED_RATE * pause_ms / 1000 )); [ "$conns" -lt 1 ] && conns=1
log "$name: creates at ~${DELIVERED_RATE}/s for ${DELIVERED_SECONDS}s ($conns connections pausing ${pause_ms} ms), until all ${#DESTS[@]} receivers have them"
c0=$(counts); p0=$(profiles)
db_snapshot "$OUT/db-$name.0"; cpu_begin "$name"; t0=$(now_ms)
BENCH_DELAY_MS=$pause_ms BENCH_RUN=d$RANDOM wrk_timed "$name" create.lua "$conns" "$DELIVERED_SECONDS"
result=$WRK_RESULT
t_writes=$(now_ms)
sleep 1  # wrk does not count the requests still in flight when it stops; the database does
n=$(( $(profiles) - p0 ))
while [ "$(least_since "$c0")" -lt "$n" ] && [ $(( $(now_ms) - t_writes )) -lt 120000 ]; do sleep 0.1; done
t_end=$(now_ms)
cpu_end
least=$(least_since "$c0")
sleep "$SETTLE"
db_snapshot "$OUT/db-$name.1"
d=$(db_delta "$OUT/db-$name.0" "$OUT/db-$name.1" "$OUT/tables-$name.txt" "$OUT/rates-idle-resumed" \
      "$(awk -v a="$t_end" -v b="$(now_ms)" 'BEGIN { print (b - a) / 1000 }')")
log "  $result; every receiver had ≥ $least of $n creates $(( t_end - t_writes )) ms after the writers stopped; db: $d"
record "$name" "$n" "$(awk -v a="$t0" -v b="$t_end" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" "$CPU_SVC" \
  "$CPU_SERVICE_PG" "$CPU_PGBENCH_PG" "$CPU_BG" "$CHILD_CPU_MS" "$d" \
  "least delivered $least of $n; last delivery $(( t_end - t_writes )) ms after the writers stopped; wrk: $result"

# --- idle, all 5 paused -----------------------------------------------------------------------------------------
all_destinations pause
sleep "$SETTLE"
idle idle-paused "$OUT/rates-idle-paused"

# --- backlog (written through the API, 5 destinations paused), then the drain of all 5 at once --------------------
name=backlog
requests=$(( (BACKLOG + BATCH_SIZE - 1) / BATCH_SIZE ))
log "$name: $requests × POST /identify/batch of $BATCH_SIZE new people, $BATCH_CONNECTIONS at a time (curl)"
# The request bodies are written first, so that the client's work during the phase is curl's alone.
mkdir -p "$OUT/backlog"
awk -v r="$requests" -v size="$BATCH_SIZE" -v dir="$OUT/backlog" -v run="k$RANDOM" 'BEGIN {
  for (q = 1; q <= r; q++) {
    f = dir "/" q ".json"; printf "[" > f
    for (i = 1; i <= size; i++)
      printf "%s{\"identifiers\":{\"email\":\"%s-%d-%d@bench.example\",\"name\":{\"first\":\"First%d\",\"last\":\"Last%d\"}},\"traits\":{\"plan\":\"free\",\"seats\":%d}}",
        (i > 1 ? "," : ""), run, q, i, i % 997, i % 20000, i % 50 > f
    printf "]" > f; close(f)
  } }'
db_snapshot "$OUT/db-$name.0"; cpu_begin "$name"; t0=$(now_ms)
export KEY BASE OUT
timed "$OUT/backlog-status.txt" sh -c 'seq 1 "$1" | xargs -P "$2" -I{} curl -sS -o /dev/null -w "%{http_code}\n" \
  -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" --data-binary @"$OUT/backlog/{}.json" \
  "$BASE/identify/batch"' backlog "$requests" "$BATCH_CONNECTIONS"
t_end=$(now_ms)
cpu_end
sleep "$SETTLE"
db_snapshot "$OUT/db-$name.1"
d=$(db_delta "$OUT/db-$name.0" "$OUT/db-$name.1" "$OUT/tables-$name.txt" "$OUT/rates-idle-paused" \
      "$(awk -v a="$t_end" -v b="$(now_ms)" 'BEGIN { print (b - a) / 1000 }')")
ok=$(grep -c '^200$' "$OUT/backlog-status.txt" || true)
changes=$(( ok * BATCH_SIZE ))
secs=$(awk -v a="$t0" -v b="$t_end" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
log "  $ok of $requests requests answered 200: $changes changes in ${secs}s; db: $d"
record "$name" "$changes" "$secs" "$CPU_SVC" "$CPU_SERVICE_PG" "$CPU_PGBENCH_PG" "$CPU_BG" "$CHILD_CPU_MS" "$d" \
  "units are profiles; $ok of $requests requests 200 ($(sort "$OUT/backlog-status.txt" | uniq -c | tr -s ' \n' ' '))"

if [ "$ANALYZE_BEFORE_DRAIN" = 1 ]; then
  log "analyze (the whole database)"
  psql -X -q -d "$DB" -c analyze
fi
name=drain
log "$name: resuming all ${#DESTS[@]} at once on $changes changes each (at most ${DRAIN_MAX}s)"
c0=$(counts)
db_snapshot "$OUT/db-$name.0"; cpu_begin "$name"; t0=$(now_ms)
all_destinations resume
: > "$OUT/drain-samples.txt"
while :; do
  now=$(counts); t=$(now_ms)
  line="$(( t - t0 ))"
  done_all=1
  for dn in "${DESTS[@]}"; do
    v=$(( $(count_of "$dn" "$now") - $(count_of "$dn" "$c0") ))
    line="$line $v"
    [ "$v" -lt "$changes" ] && done_all=
  done
  echo "$line" >> "$OUT/drain-samples.txt"
  [ -n "$done_all" ] && break
  [ $(( t - t0 )) -ge $(( DRAIN_MAX * 1000 )) ] && break
  sleep 0.5
done
t_end=$(now_ms)
cpu_end
all_destinations pause
sleep "$SETTLE"
db_snapshot "$OUT/db-$name.1"
d=$(db_delta "$OUT/db-$name.0" "$OUT/db-$name.1" "$OUT/tables-$name.txt" "$OUT/rates-idle-paused" \
      "$(awk -v a="$t_end" -v b="$(now_ms)" 'BEGIN { print (b - a) / 1000 }')")
delivered_all=$(tail -1 "$OUT/drain-samples.txt" | awk '{ s = 0; for (i = 2; i <= NF; i++) s += $i; print s }')
secs=$(awk -v a="$t0" -v b="$t_end" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
log "  $delivered_all deliveries in ${secs}s; db: $d"
record "$name" "$delivered_all" "$secs" "$CPU_SVC" "$CPU_SERVICE_PG" "$CPU_PGBENCH_PG" "$CPU_BG" 0 "$d" \
  "units are deliveries (one change to one destination); backlog $changes changes per destination"
# Per destination: first and last DRAIN_WINDOW s (the last ending when that destination had the whole backlog, or
# when the drain was given up), from the samples by linear interpolation.
awk -v w="$DRAIN_WINDOW" -v total="$changes" -v names="${DESTS[*]}" '
  { n++; t[n] = $1 / 1000; for (i = 2; i <= NF; i++) v[n, i - 1] = $i; k = NF - 1 }
  function at(d, x,   j) {
    if (x <= t[1]) return v[1, d] * (t[1] > 0 ? x / t[1] : 1)
    for (j = 2; j <= n; j++) if (t[j] >= x) return v[j - 1, d] + (v[j, d] - v[j - 1, d]) * (x - t[j - 1]) / (t[j] - t[j - 1])
    return v[n, d]
  }
  END {
    split(names, nm, " ")
    for (d = 1; d <= k; d++) {
      end = t[n]; for (j = 1; j <= n; j++) if (v[j, d] >= total) { end = t[j]; break }
      first = at(d, w) / w
      from = end - w; if (from < 0) from = 0
      last = (at(d, end) - at(d, from)) / (end - from)
      printf "%s\t%d\t%.1f\t%.0f\t%.0f\t%.0f\n", nm[d], v[n, d], end, first, last, v[n, d] / end
    }
  }' "$OUT/drain-samples.txt" > "$OUT/drain.tsv"

# --- writes through the API, 5 destinations paused ---------------------------------------------------------------
api_writes create create.lua
api_writes update update.lua

# --- the same SQL with pgbench (the service stopped: its background would count as pgbench's) ----------------------
stop_service
sleep 2
pgbench_writes pgbench-create create.sql
pgbench_writes pgbench-update update.sql

# --- the table --------------------------------------------------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "ProfileHub change-log figures — $(date -u +%FT%TZ), commit $COMMIT, $(nproc) cores," \
       "PostgreSQL $(psql -X -At -d "$DB" -c 'show server_version' | cut -d' ' -f1), ${#DESTS[@]} webhook destinations" \
       "(concurrency $DESTINATION_CONCURRENCY each) on one local receiver"
  echo "load average (1/5/15 min) at the start: $LOAD_BEFORE, at the end: $LOAD_AFTER; $PROFILES profiles loaded;" \
       "writes: $CONNECTIONS connections, ${DURATION}s after ${WARMUP}s warm-up; raw data: $OUT"
  echo
  awk -F'\t' '
    function per(x, n) { return n > 0 ? x / n : 0 }
    { name[$1] = 1; units[$1] = $2; secs[$1] = $3; svc[$1] = $4; pg[$1] = $5; pgb[$1] = $6; bg[$1] = $7; cl[$1] = $8
      split($9, db, " "); tx[$1] = db[1]; ins[$1] = db[2]; upd[$1] = db[3]; del[$1] = db[4]; hot[$1] = db[5]; idx[$1] = db[6] }
    function row(key, label, unit,   n, pgms, whole) {
      if (!(key in name)) return
      n = units[key]; pgms = pg[key] + pgb[key]
      whole = svc[key] + pgms + (key ~ /^pgbench/ ? cl[key] : 0)
      printf "| %s | %s | %d | %.0f | %s | %.2f | %.2f | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f |\n", label, unit, n,
        per(n, secs[key]), (key ~ /^pgbench/ ? "—" : sprintf("%.2f", per(svc[key], n))), per(pgms, n), per(whole, n),
        (cl[key] > 0 ? sprintf("%.2f", per(cl[key], n)) : "—"), per(bg[key], n),
        per(tx[key], n), per(ins[key], n), per(upd[key], n), per(del[key], n), per(idx[key], n)
    }
    END {
      print "| phase | per | n | per s | service CPU ms | PostgreSQL CPU ms | whole CPU ms | load generator CPU ms | PG background CPU ms | transactions | tuples inserted | tuples updated | tuples deleted | index entries |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      row("create", "create `POST /identify`, 5 paused", "request")
      row("update", "update `POST /identify/{id}`, 5 paused", "request")
      row("pgbench-create", "pgbench: create transaction (5 destinations)", "transaction")
      row("pgbench-update", "pgbench: update transaction (5 destinations)", "transaction")
      row("delivered", "create at a paced rate, until delivered to all 5", "create")
      row("backlog", "batch ingest (`POST /identify/batch`), 5 paused", "profile")
      row("drain", "drain, 5 resumed at once", "delivery")
      if (("delivered" in name) && ("idle-resumed" in name)) {
        bgr = per(tx["idle-resumed"], secs["idle-resumed"])
        bgc = per(svc["idle-resumed"] + pg["idle-resumed"], secs["idle-resumed"])
        printf "\nDelivered creates, net of what the idle service does with 5 resumed (%.1f transactions/s and %.0f ms CPU/s, × the %.1f s window): %.2f transactions and %.1f ms whole CPU per create (%.2f and %.1f gross).\n",
          bgr, bgc, secs["delivered"], per(tx["delivered"] - bgr * secs["delivered"], units["delivered"]),
          per(svc["delivered"] + pg["delivered"] - bgc * secs["delivered"], units["delivered"]),
          per(tx["delivered"], units["delivered"]), per(svc["delivered"] + pg["delivered"], units["delivered"])
      }
      print ""
      print "| ratio | CPU (whole) | rate |"
      print "|---|---:|---:|"
      for (k = 1; k <= 2; k++) {
        a = (k == 1 ? "create" : "update"); b = "pgbench-" a
        if (!(a in name) || !(b in name)) continue
        wa = per(svc[a] + pg[a] + pgb[a], units[a]); wb = per(pg[b] + pgb[b] + cl[b], units[b])
        printf "| %s: service ÷ pgbench | %.1f× (%.2f ÷ %.2f ms) | %.0f%% (%.0f ÷ %.0f /s) |\n", a, per(wa, wb), wa, wb,
          100 * per(per(units[a], secs[a]), per(units[b], secs[b])), per(units[a], secs[a]), per(units[b], secs[b])
      }
      print ""
      print "| idle, no writes | transactions/s | service CPU ms/s | its PostgreSQL backends CPU ms/s |"
      print "|---|---:|---:|---:|"
      for (k = 1; k <= 2; k++) {
        a = (k == 1 ? "idle-paused" : "idle-resumed")
        if (a in name) printf "| %s | %.1f | %.1f | %.1f |\n", (k == 1 ? "5 destinations paused" : "5 destinations resumed, nothing waiting"),
          per(tx[a], secs[a]), per(svc[a], secs[a]), per(pg[a], secs[a])
      }
    }' "$PHASES"
  echo
  echo "| drain, per destination | delivered | seconds | first ${DRAIN_WINDOW}s, changes/s | last ${DRAIN_WINDOW}s, changes/s | overall, changes/s |"
  echo "|---|---:|---:|---:|---:|---:|"
  awk -F'\t' -v total="$changes" '{ printf "| %s | %d of %d | %.1f | %d | %d | %d |\n", $1, $2, total, $3, $4, $5, $6 }' "$OUT/drain.tsv"
  echo
  echo "Rows per unit by table (tuples inserted / updated / deleted / HOT-updated; index entries):"
  echo
  echo "| phase | table | inserted | updated | deleted | HOT | index entries |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for p in create update pgbench-create pgbench-update delivered backlog drain; do
    [ -f "$OUT/tables-$p.txt" ] || continue
    n=$(awk -F'\t' -v p="$p" '$1 == p { print $2 }' "$PHASES")
    sort "$OUT/tables-$p.txt" | awk -v p="$p" -v n="$n" '$1 != "_transactions" && ($2 != 0 || $3 != 0 || $4 != 0) {
      printf "| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", p, $1, $2 / n, $3 / n, $4 / n, $5 / n, $6 / n }'
  done
} | tee "$OUT/table.md"
cp "$OUT/table.md" "$BENCH_DIR/changelog-results.md"
