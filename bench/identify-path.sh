#!/usr/bin/env bash
# Single-call identify (create, update by id, identify of a known person) of two builds side by side: both services
# run at once, each on a database of its own loaded with the same PROFILES, and the runs alternate between them
# (ABAB, BABA, ...) so that the machine's other load falls on both alike. Per run: wrk's rate, p50 and p99, and CPU
# per request of the service JVM and of its PostgreSQL backends (utime+stime from /proc/<pid>/stat over the
# measured run, divided by the requests). See bench/README.md, "One identify path".
# Usage: bench/identify-path.sh BEFORE_JAR AFTER_JAR   (ROUNDS=2 DURATION=15 WARMUP=5 CONNECTIONS=8 PROFILES=50000)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=$PWD/bench
JARS=("${1:?before jar}" "${2:?after jar}")
NAMES=(before after)
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-8}
PROFILES=${PROFILES:-50000}
PORTS=(${PORT_BEFORE:-18110} ${PORT_AFTER:-18120})
SCENARIOS=(${SCENARIOS:-create update identify_known})
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')
export BENCH_DIR BENCH_KEY=$KEY BENCH_PROFILES=$PROFILES
OUT=$(mktemp -d /tmp/profilehub-identify.XXXXXX)
CLK_TCK=$(getconf CLK_TCK)
DBS=(profilehub_idp_before_$$ profilehub_idp_after_$$)
PIDS=("" "")
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<< "$2"; }
cleanup() {
  set +e  # a killed service's exit status must not stop the cleanup
  for i in 0 1; do
    if [ -n "${PIDS[$i]}" ]; then kill "${PIDS[$i]}" 2>/dev/null; wait "${PIDS[$i]}" 2>/dev/null; fi
    dropdb --if-exists --force "${DBS[$i]}" 2>/dev/null
  done
}
trap cleanup EXIT
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null

# The outbox is off: deliveries would compete with the writes measured here (the change log is still written).
cat > "$OUT/bench.yml" <<YML
profilehub:
  outbox:
    enabled: false
  destinations:
    bench: { type: webhook, url: "http://127.0.0.1:9/hook", token: bench-secret }
YML

for i in 0 1; do
  createdb "${DBS[$i]}"
  MICRONAUT_CONFIG_FILES=$OUT/bench.yml PORT=${PORTS[$i]} PROFILEHUB_MANAGEMENT_PORT=$((PORTS[i] + 1)) \
  PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
  DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/${DBS[$i]}" DATASOURCES_DEFAULT_USERNAME=postgres \
    java -Xms256m -Xmx256m -XX:+UseParallelGC -jar "${JARS[$i]}" > "$OUT/service-${NAMES[$i]}.log" 2>&1 &
  PIDS[$i]=$!
  until curl -sf "http://127.0.0.1:${PORTS[$i]}/health" 2>/dev/null | grep -q UP; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || { tail -30 "$OUT/service-${NAMES[$i]}.log" >&2; exit 1; }
    sleep 0.2
  done
  log "${NAMES[$i]}: pid ${PIDS[$i]} on port ${PORTS[$i]}; loading $PROFILES profiles"
  psql -X -q -At -d "${DBS[$i]}" -v profiles="$PROFILES" -f "$BENCH_DIR/load.sql" > /dev/null
done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# the backends of database $1 (the service's pool), one "pid ticks" per line
backend_ticks() {
  local pid
  for pid in $(psql -X -At -d postgres -c "select pid from pg_stat_activity where datname = '$1' and pid <> pg_backend_pid()"); do
    echo "$pid $(ticks "$pid")"
  done
}
# db CPU ticks between two backend_ticks snapshots (backends that appeared in between count from 0)
db_delta() { awk 'NR == FNR { a[$1] = $2; next } { s += $2 - ($1 in a ? a[$1] : 0) } END { print s + 0 }' "$1" "$2"; }

RESULTS=$OUT/results.tsv
printf 'scenario\tbuild\tround\treq_s\tp50_ms\tp99_ms\tsvc_cpu_ms_req\tdb_cpu_ms_req\terrors\n' > "$RESULTS"
run() { # run SCENARIO SIDE ROUND
  local s=$1 i=$2 r=$3 base="http://127.0.0.1:${PORTS[$2]}" result c0 c1 n
  BENCH_RUN=w$RANDOM$i wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s "$BENCH_DIR/lua/$s.lua" "$base" > /dev/null 2>&1
  backend_ticks "${DBS[$i]}" > "$OUT/db0"
  c0=$(ticks "${PIDS[$i]}")
  result=$(BENCH_RUN=m$RANDOM$i wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$BENCH_DIR/lua/$s.lua" "$base" 2>&1 | grep '^RESULT')
  c1=$(ticks "${PIDS[$i]}")
  backend_ticks "${DBS[$i]}" > "$OUT/db1"
  n=$(field requests "$result")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "${NAMES[$i]}" "$r" "$(field rps "$result")" \
    "$(field p50_ms "$result")" "$(field p99_ms "$result")" \
    "$(awk -v t=$((c1 - c0)) -v n="$n" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t * 1000 / hz / n }')" \
    "$(awk -v t="$(db_delta "$OUT/db0" "$OUT/db1")" -v n="$n" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t * 1000 / hz / n }')" \
    "$(field errors "$result")" | tee -a "$RESULTS" >&2
}

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for s in "${SCENARIOS[@]}"; do
    if [ $((r % 2)) = 1 ]; then order="0 1 1 0"; else order="1 0 0 1"; fi  # ABBA / BAAB within a round
    for i in $order; do run "$s" "$i" "$r"; done
  done
done

# Summary: per scenario and build the median over runs, and after/before ratios.
echo
echo "| scenario | build | req/s | p50 ms | p99 ms | service CPU ms/req | PostgreSQL CPU ms/req |"
echo "|---|---|---:|---:|---:|---:|---:|"
awk -F'\t' 'NR > 1 { k = $1 "\t" $2; n[k]++; for (f = 4; f <= 8; f++) v[k, f, n[k]] = $f; keys[k] = 1 }
  function median(k, f,   m, i, j, t, a) { m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, f, i];
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
  END { split("create update identify_known", order, " ");
    for (o = 1; o <= 3; o++) { s = order[o]; b = s "\tbefore"; a = s "\tafter"; if (!(b in keys)) continue;
      printf "| %s | before | %.0f | %.2f | %.2f | %.3f | %.3f |\n", s, median(b,4), median(b,5), median(b,6), median(b,7), median(b,8);
      printf "| %s | after | %.0f | %.2f | %.2f | %.3f | %.3f |\n", s, median(a,4), median(a,5), median(a,6), median(a,7), median(a,8);
      printf "| %s | after/before | %.2f | %.2f | %.2f | %.2f | %.2f |\n", s, median(a,4)/median(b,4), median(a,5)/median(b,5),
        median(a,6)/median(b,6), median(a,7)/median(b,7), median(a,8)/median(b,8) } }' "$RESULTS"
echo
echo "runs: $RESULTS (raw: $OUT); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
