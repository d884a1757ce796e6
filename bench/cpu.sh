#!/usr/bin/env bash
# Service CPU per request, as bench/run.sh counts it: the service process's CPU time (utime + stime from
# /proc/<pid>/stat) over a wrk run, divided by the requests it served. Compares jars side by side: each round starts
# every jar in turn on the same database and runs get by id, create and update against it, so that the machine's
# changing load touches every jar alike.
#
#   bench/cpu.sh                              # the jar just built, 3 rounds
#   JARS="/tmp/before.jar target/profilehub-0.1.0.jar" ROUNDS=4 bench/cpu.sh
#   JFR=1 bench/cpu.sh                        # also records a JFR file per jar and run (execution samples)
# Each measured run follows warm-up runs of WARMUP seconds until the JIT compiler threads are quiet (WARMUP_MAX).
#
# The destination is configured with delivery off (profilehub.outbox.enabled=false), so writes still write their
# outbox events but nothing competes with them for the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export BENCH_DIR=$ROOT/bench

JARS=${JARS:-target/profilehub-0.1.0.jar}
ROUNDS=${ROUNDS:-3}
PROFILES=${PROFILES:-20000}
WARMUP=${WARMUP:-5}           # seconds of each warm-up run; warm-up repeats until the JIT is quiet
WARMUP_MAX=${WARMUP_MAX:-120}  # seconds of warm-up at most per test
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
TESTS=${TESTS:-get create update}
SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS--Xms256m -Xmx256m -XX:+UseParallelGC}
PORT=${PORT:-18480}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18481}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
CLK_TCK=$(getconf CLK_TCK)
DB=profilehub_cpu_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')
OUT=$(mktemp -d /tmp/profilehub-cpu.XXXXXX)
export BENCH_KEY=$KEY BENCH_PROFILES=$PROFILES
PID=

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  dropdb --if-exists --force "$DB" 2>/dev/null || true
  log "database $DB dropped; logs in $OUT"
}
trap cleanup EXIT
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null

cat > "$OUT/bench.yml" <<EOF
profilehub:
  outbox:
    enabled: false
  destinations:
    bench:
      type: webhook
      url: http://127.0.0.1:9/hook
      token: bench-secret
      concurrency: 16
EOF

cpu_ticks() { awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
jit_ticks() { thread_ticks "$1" | awk '$1 ~ /Compiler/ { s += $2 + $3 } END { print s + 0 }'; }
# thread_ticks PID → "name utime stime" per thread, names with digits folded (io-executor-thread-N)
thread_ticks() {
  { cat /proc/"$1"/task/*/stat 2>/dev/null || true; } | awk '{ match($0, /\(.*\)/); n = substr($0, RSTART + 1, RLENGTH - 2)
      gsub(/[0-9]+/, "N", n); gsub(/ /, "_", n); sub(/^.*\) /, ""); split($0, f, " "); u[n] += f[12]; s[n] += f[13] }
    END { for (n in u) print n, u[n], s[n] }'
}

start() {
  local jar=$1 tag=$2 jfr=()
  [ -z "${JFR:-}" ] || jfr=(-XX:StartFlightRecording=filename="$OUT/$tag.jfr",settings=profile)
  # shellcheck disable=SC2086
  MICRONAUT_CONFIG_FILES=$OUT/bench.yml PORT=$PORT PROFILEHUB_MANAGEMENT_PORT=$MANAGEMENT_PORT \
  DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATASOURCES_DEFAULT_USERNAME=postgres \
  PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
    java $SERVICE_JAVA_OPTS "${jfr[@]}" -jar "$jar" >> "$OUT/service-$tag.log" 2>&1 &
  PID=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health" 2>/dev/null)" = 200 ]; do
    kill -0 "$PID" 2>/dev/null || { tail -30 "$OUT/service-$tag.log" >&2; exit 1; }
    sleep 0.1
  done
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

createdb "$DB"
set -- $JARS
start "$1" migrate
psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -v profiles="$PROFILES" -f "$BENCH_DIR/load.sql" >/dev/null
stop
log "load average $(cut -d' ' -f1-3 /proc/loadavg); $PROFILES profiles loaded into $DB"

for round in $(seq 1 "$ROUNDS"); do
  j=0
  for jar in $JARS; do
    j=$((j + 1))
    start "$jar" "r$round-j$j"
    for t in $TESTS; do
      # On a loaded machine the JIT compiles for minutes; its CPU would be counted per request. Warm up until the
      # compiler threads took less than 3% of the process's CPU in one warm-up run.
      warm=0
      while [ "$warm" -lt "$WARMUP_MAX" ]; do
        c0=$(jit_ticks "$PID"); p0=$(cpu_ticks "$PID")
        BENCH_RUN="w$round$j$t$warm" wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_DIR/lua/$t.lua" "http://127.0.0.1:$PORT" >/dev/null
        warm=$((warm + WARMUP))
        [ $(( ($(jit_ticks "$PID") - c0) * 100 )) -lt $(( ($(cpu_ticks "$PID") - p0) * 3 )) ] && break
      done
      before=$(cpu_ticks "$PID"); thread_ticks "$PID" > "$OUT/threads-before"
      BENCH_RUN="m$round$j$t" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$BENCH_DIR/lua/$t.lua" "http://127.0.0.1:$PORT" > "$OUT/wrk-r$round-j$j-$t.txt"
      after=$(cpu_ticks "$PID"); thread_ticks "$PID" > "$OUT/threads-after"
      res=$(grep RESULT "$OUT/wrk-r$round-j$j-$t.txt")
      n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<< "$res")
      non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: \([0-9]*\).*/\1/p' "$OUT/wrk-r$round-j$j-$t.txt")
      ms=$(awk -v d=$((after - before)) -v n="$n" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", d * 1000 / hz / n }')
      jit=$(awk 'NR == FNR { b[$1] = $2 + $3; next } $1 ~ /Compiler/ { s += $2 + $3 - b[$1] } END { print s + 0 }' \
        "$OUT/threads-before" "$OUT/threads-after")
      nojit=$(awk -v d=$((after - before - jit)) -v n="$n" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", d * 1000 / hz / n }')
      rps=$(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<< "$res")
      echo "$jar $t $ms $rps ${non2xx:-0} $nojit" >> "$OUT/cpu.txt"
      log "round $round jar $j ($jar) $t: ${ms} ms CPU per request (${nojit} without the JIT's threads), ${rps}/s, non-2xx ${non2xx:-0}, warm-up ${warm} s, load $(cut -d' ' -f1 /proc/loadavg)"
      # Per thread group: user and system CPU per request (threads that ended during the run are not counted).
      awk -v n="$n" -v hz="$CLK_TCK" -v tag="r$round j$j $t" 'NR == FNR { u[$1] = $2; s[$1] = $3; next }
          { du = ($2 - u[$1]) * 1000 / hz / n; ds = ($3 - s[$1]) * 1000 / hz / n
            if (du + ds > 0.001) printf "%s %s user %.3f sys %.3f ms/req\n", tag, $1, du, ds }' \
        "$OUT/threads-before" "$OUT/threads-after" | sort -k7 -rn >> "$OUT/threads.txt"
    done
    stop
  done
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf '| jar | test | service CPU per request, median of %d (each run) | without JIT threads, median | requests/s, median |\n|---|---|---|---|---|\n' "$ROUNDS"
for jar in $JARS; do
  for t in $TESTS; do
    all=$(awk -v j="$jar" -v t="$t" '$1 == j && $2 == t { print $3 }' "$OUT/cpu.txt")
    printf '| %s | %s | %s ms (%s) | %s ms | %s |\n' "$jar" "$t" "$(median <<< "$all")" "$(tr '\n' ' ' <<< "$all" | sed 's/ $//')" \
      "$(awk -v j="$jar" -v t="$t" '$1 == j && $2 == t { print $6 }' "$OUT/cpu.txt" | median)" \
      "$(awk -v j="$jar" -v t="$t" '$1 == j && $2 == t { print $4 }' "$OUT/cpu.txt" | median)"
  done
done
