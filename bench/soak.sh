#!/usr/bin/env bash
# Soak: SECONDS_TOTAL (default 300) of creates and updates at about RATE req/s in all (default: SHARE, 70%, of the
# create peak measured first), in windows of WINDOW seconds. After each window: requests, errors, p99, heap used after a
# full GC, RSS, and outbox lag (events waiting, age of the oldest). Usage: bench/soak.sh   (SKIP_BUILD=1 reuses the jar)
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_DIR=$PWD/bench
SECONDS_TOTAL=${SECONDS_TOTAL:-300}
WINDOW=${WINDOW:-30}
PROFILES=${PROFILES:-100000}
PORT=${PORT:-18100}
RECEIVER_PORT=${RECEIVER_PORT:-18101}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
DB=profilehub_soak_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')  # 32 hex digits: a weak key stops start-up
export BENCH_KEY=$KEY BENCH_PROFILES=$PROFILES
OUT=$(mktemp -d /tmp/profilehub-soak.XXXXXX)
PSQL=(psql -X -qAt -v ON_ERROR_STOP=1 -d "$DB")
SERVICE_PID= RECEIVER_PID=
cleanup() {
  kill $SERVICE_PID $RECEIVER_PID 2>/dev/null || true
  wait 2>/dev/null || true
  dropdb --if-exists --force "$DB" 2>/dev/null || true
}
trap cleanup EXIT
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
pg_isready -q || pg_ctlcluster --skip-systemctl-redirect 15 main start
[ -n "${SKIP_BUILD:-}" ] || mvn -q -B package -DskipTests
createdb "$DB"
java -Xmx256m bench/Receiver.java "$RECEIVER_PORT" > "$OUT/receiver.log" 2>&1 &
RECEIVER_PID=$!
cat > "$OUT/soak.yml" <<YML
profilehub:
  destinations:
    soak: { type: webhook, url: "http://127.0.0.1:$RECEIVER_PORT/hook", token: soak-secret, concurrency: 16 }
YML
MICRONAUT_CONFIG_FILES=$OUT/soak.yml PORT=$PORT DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" \
  DATASOURCES_DEFAULT_USERNAME=postgres PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
  java -Xms256m -Xmx256m -XX:+UseParallelGC -jar target/profilehub-0.1.0.jar > "$OUT/service.log" 2>&1 &
SERVICE_PID=$!
until curl -sf "http://127.0.0.1:$PORT/health" 2>/dev/null | grep -q UP; do
  kill -0 "$SERVICE_PID" || { tail -30 "$OUT/service.log"; exit 1; }; sleep 0.1
done
"${PSQL[@]}" -v profiles="$PROFILES" -f bench/load.sql > /dev/null

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<< "$2"; }
# Peak first (16 connections, unpaced), then RATE defaults to SHARE (70%) of it, split between creates and updates:
# 8 connections each, pausing so that 8 x 1000 / (latency + pause) is about half the rate.
peak=$(BENCH_RUN=peak wrk -t2 -c16 -d15s --timeout 10s -s bench/lua/create.lua "http://127.0.0.1:$PORT" | grep '^RESULT')
PEAK=$(field rps "$peak")
RATE=${RATE:-$(awk -v p="$PEAK" -v s="${SHARE:-0.7}" 'BEGIN { printf "%d", p * s }')}
p50=$(field p50_ms "$peak")
pause=$(awk -v r="$RATE" -v l="$p50" 'BEGIN { p = 8 * 1000 / (r / 2) - l / 2; printf "%d", (p < 1 ? 1 : p) }')
conns=8
echo "peak create rate ${PEAK}/s; soaking at ~${RATE}/s (creates + updates), 2 x $conns connections pausing ${pause} ms"
printf '| window | creates/s | updates/s | errors | create p99 ms | update p99 ms | heap after GC MB | RSS MB | outbox waiting | oldest waiting s |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for w in $(seq 1 $((SECONDS_TOTAL / WINDOW))); do
  BENCH_DELAY_MS=$pause BENCH_RUN=s$w wrk -t1 -c"$conns" -d"${WINDOW}s" --timeout 10s -s bench/lua/create.lua \
    "http://127.0.0.1:$PORT" > "$OUT/create-$w.txt" 2>&1 &
  creates=$!
  BENCH_DELAY_MS=$pause BENCH_RUN=u$w wrk -t1 -c"$conns" -d"${WINDOW}s" --timeout 10s -s bench/lua/update.lua \
    "http://127.0.0.1:$PORT" > "$OUT/update-$w.txt" 2>&1
  wait "$creates"
  c=$(grep '^RESULT' "$OUT/create-$w.txt"); u=$(grep '^RESULT' "$OUT/update-$w.txt")
  jcmd "$SERVICE_PID" GC.run > /dev/null
  heap=$(jcmd "$SERVICE_PID" GC.heap_info | awk '/total/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub("K,?", "", v); s += v } } END { printf "%.0f", s / 1024 }')
  rss=$(( $(ps -o rss= -p "$SERVICE_PID") / 1024 ))
  lag=$("${PSQL[@]}" -F' ' -c "select count(*), coalesce(round(extract(epoch from now() - min(created_at))::numeric, 1), 0) from profilehub.delivery_status where status in ('pending', 'in_flight')")
  printf '| %d | %s | %s | %d | %s | %s | %s | %s | %s | %s |\n' "$w" "$(field rps "$c")" "$(field rps "$u")" \
    $(( $(field errors "$c") + $(field errors "$u") )) "$(field p99_ms "$c")" "$(field p99_ms "$u")" "$heap" "$rss" ${lag% *} ${lag#* }
done
echo "dead letters: $("${PSQL[@]}" -c "select count(*) from profilehub.dead_letters"); logs in $OUT"
