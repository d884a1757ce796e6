#!/usr/bin/env bash
# Start-up of the production jar: time from process start to the first 200 of GET /health, and the process's CPU
# time (user + sys from /proc) at that moment, for several JVM/option variants, RUNS starts each, interleaved in
# rounds so that a change in the machine's load touches every variant alike. Prints medians.
#
#   bench/startup.sh                 # 5 rounds; SKIP_BUILD=1 reuses target/profilehub-0.1.0.jar
#   RUNS=7 VARIANTS="jdk17 jdk17-cds" bench/startup.sh
#
# Variants (archives are written by one start and stop before the rounds, tied to this jar):
#   jdk17        java -jar, nothing else
#   jdk17-cds    AppCDS: -XX:SharedArchiveFile (written with -XX:ArchiveClassesAtExit)
#   jdk25        the Temurin 25 JDK, nothing else
#   jdk25-aot    the Temurin 25 JDK's AOT cache: -XX:AOTCache (written with -XX:AOTCacheOutput)
# EXTRA_OPTS is added to every variant; OPTS_<variant> (dashes as underscores) to one, and a variant name may carry
# a suffix to try options against the same archive: VARIANTS="jdk17-cds jdk17-cds-x" OPTS_jdk17_cds_x="-Xint".
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
VARIANTS=${VARIANTS:-jdk17 jdk17-cds jdk25 jdk25-aot}
JAVA17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
EXTRA_OPTS=${EXTRA_OPTS:-}
PORT=${PORT:-18380}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18381}
JAR=target/profilehub-0.1.0.jar
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
CLK_TCK=$(getconf CLK_TCK)
DB=profilehub_startup_$(date +%s)_$$
OUT=$(mktemp -d /tmp/profilehub-startup.XXXXXX)
PID=

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  dropdb --if-exists --force "$DB" 2>/dev/null || true
  log "database $DB dropped; logs in $OUT"
}
trap cleanup EXIT

[ -n "${SKIP_BUILD:-}" ] || mvn -q -B package -DskipTests
createdb "$DB"

java_of() { case $1 in jdk25*) echo "$JAVA25" ;; *) echo "$JAVA17" ;; esac; }
opts_of() {
  local extra="OPTS_${1//-/_}"
  case $1 in
    jdk17-cds*) echo "-XX:SharedArchiveFile=$OUT/profilehub.jsa ${!extra:-}" ;;
    jdk25-aot*) echo "-XX:AOTCache=$OUT/profilehub.aot ${!extra:-}" ;;
    *) echo "${!extra:-}" ;;
  esac
}

# start JAVA OPTS… → PID, UP_MS (process start to first 200 of /health), CPU_MS (process CPU at that moment)
start() {
  local java=$1; shift
  local t0
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  PORT=$PORT PROFILEHUB_MANAGEMENT_PORT=$MANAGEMENT_PORT \
  DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATASOURCES_DEFAULT_USERNAME=postgres \
    "$java" $EXTRA_OPTS "$@" -jar "$JAR" >> "$OUT/service.log" 2>&1 &
  PID=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health" 2>/dev/null)" = 200 ]; do
    kill -0 "$PID" 2>/dev/null || { tail -30 "$OUT/service.log" >&2; exit 1; }
    sleep 0.01
  done
  UP_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  CPU_MS=$(awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); split($0, f, " "); printf "%d", (f[12] + f[13]) * 1000 / hz }' "/proc/$PID/stat")
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

log "load average $(cut -d' ' -f1-3 /proc/loadavg); migrating $DB"
start "$JAVA17"; stop
case " $VARIANTS " in *" jdk17-cds"*) start "$JAVA17" -XX:ArchiveClassesAtExit="$OUT/profilehub.jsa"; stop ;; esac
case " $VARIANTS " in *" jdk25-aot"*) start "$JAVA25" -XX:AOTCacheOutput="$OUT/profilehub.aot"; stop ;; esac

for round in $(seq 1 "$RUNS"); do
  for v in $VARIANTS; do
    # shellcheck disable=SC2046
    start "$(java_of "$v")" $(opts_of "$v"); stop
    log "round $round $v: ${UP_MS} ms, CPU ${CPU_MS} ms"
    echo "$v $UP_MS $CPU_MS" >> "$OUT/starts.txt"
  done
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| variant | start-up to /health 200, median of %d (min–max) | CPU at 200, median |\n|---|---|---|\n' "$RUNS"
for v in $VARIANTS; do
  ups=$(awk -v v="$v" '$1 == v { print $2 }' "$OUT/starts.txt")
  cpus=$(awk -v v="$v" '$1 == v { print $3 }' "$OUT/starts.txt")
  printf '| %s | %s ms (%s–%s) | %s ms |\n' "$v" "$(median <<< "$ups")" "$(sort -n <<< "$ups" | head -1)" \
    "$(sort -n <<< "$ups" | tail -1)" "$(median <<< "$cpus")"
done
