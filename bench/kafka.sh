#!/usr/bin/env bash
# Kafka destination drain (issue 24): how fast one instance drains a backlog of changes to a real Kafka broker, and
# how many PostgreSQL transactions each delivered change costs (pg_stat_database xact_commit + xact_rollback of the
# bench database over the drain). One service, one destination per batch size in BATCH_SIZES, each on its own topic;
# all paused while the backlog is written, then resumed one after the other, so the sizes are compared side by side
# in one run (the first drain also warms the JIT: repeat a size to see it warm, BATCH_SIZES="1000 5000 1000"). The broker is Apache Kafka (KRaft) from the Maven jars of the test classpath, on loopback; the count
# of records comes from the topic's end offsets (bench/KafkaOffsets.java). Prints a markdown table and writes it to
# bench/kafka-results.md; raw data stays in the /tmp/profilehub-kafka.* folder named at the end. About 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export BENCH_DIR=$ROOT/bench

BACKLOG=${BACKLOG:-100000}            # changes written through POST /identify/batch (new people: one change each)
BATCH_SIZES=${BATCH_SIZES:-100 1000 5000}  # the destinations' batch-size: deliveries per round
PARTITIONS=${PARTITIONS:-8}
CONCURRENCY=${CONCURRENCY:-4}
DRAIN_MAX=${DRAIN_MAX:-180}
SETTLE=${SETTLE:-11}                  # an idle backend reports its counts up to 10 s late (PGSTAT_IDLE_INTERVAL)
PORT=${PORT:-18460}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18462}
KAFKA_PORT=${KAFKA_PORT:-18491}
CONTROLLER_PORT=${CONTROLLER_PORT:-18493}
SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS--Xms256m -Xmx256m -XX:+UseParallelGC}
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS--Xms512m -Xmx512m -XX:+UseParallelGC}
SKIP_BUILD=${SKIP_BUILD:-}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres

DB=profilehub_bench_kafka_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')
OUT=$(mktemp -d /tmp/profilehub-kafka.XXXXXX)
BASE=http://127.0.0.1:$PORT
SERVICE_PID= BROKER_PID= CPU_SAMPLER_PID=
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

cleanup() {
  for pid in $CPU_SAMPLER_PID $SERVICE_PID $BROKER_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  dropdb --if-exists --force "$DB" 2>/dev/null || true
  rm -rf "$OUT/kafka-data"
  log "database $DB dropped; raw data in $OUT"
}
trap cleanup EXIT

for tool in psql curl java mvn awk; do command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }; done
if ! pg_isready -q; then
  pg_ctlcluster --skip-systemctl-redirect 15 main start
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
fi
for port in "$PORT" "$MANAGEMENT_PORT" "$KAFKA_PORT" "$CONTROLLER_PORT"; do
  # Another bench (or service) on one of these ports would answer in our stead.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is taken: set PORT, MANAGEMENT_PORT, KAFKA_PORT, CONTROLLER_PORT" >&2; exit 1; fi
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT="$(git rev-parse --short HEAD) (service code as of $(git log -1 --format=%h -- src pom.xml)$(git diff --quiet HEAD -- src pom.xml 2>/dev/null || echo " + uncommitted changes"))"
if [ -z "$SKIP_BUILD" ]; then
  log "building"
  mvn -q -B package -DskipTests
fi
mvn -q -B -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
CP=$(cat "$OUT/classpath.txt")

# --- the broker -------------------------------------------------------------------------------------------------
mkdir -p "$OUT/kafka-data"
printf '<configuration><root level="WARN"/></configuration>\n' > "$OUT/quiet-logback.xml"
cat > "$OUT/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$OUT/kafka-data
num.partitions=$PARTITIONS
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
log "formatting and starting the Kafka broker on 127.0.0.1:$KAFKA_PORT ($PARTITIONS partitions per topic)"
# shellcheck disable=SC2086
java -cp "$CP" kafka.tools.StorageTool format -t "$(java -cp "$CP" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
  -c "$OUT/server.properties" > "$OUT/kafka-format.log" 2>&1
# shellcheck disable=SC2086
java $BROKER_JAVA_OPTS -cp "$CP" kafka.Kafka "$OUT/server.properties" > "$OUT/kafka.log" 2>&1 &
BROKER_PID=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; do
  kill -0 "$BROKER_PID" 2>/dev/null || { tail -30 "$OUT/kafka.log" >&2; exit 1; }
  sleep 0.2
done

# --- the service, one paused Kafka destination per batch size ------------------------------------------------------
createdb "$DB"
{
  echo "profilehub:"
  echo "  destinations:"
  i=0
  for b in $BATCH_SIZES; do
    i=$((i + 1))
    echo "    k$i-$b: { type: kafka, bootstrap-servers: \"127.0.0.1:$KAFKA_PORT\", topic: bench-$i-$b, batch-size: $b, concurrency: $CONCURRENCY }"
  done
} > "$OUT/kafka.yml"
NAMES=$(i=0; for b in $BATCH_SIZES; do i=$((i + 1)); printf 'k%s-%s ' "$i" "$b"; done)
log "starting the service: Kafka destinations $NAMES(k<n>-<batch size>), concurrency $CONCURRENCY"
start_service "$OUT/kafka.yml"
for name in $NAMES; do operator "$name" pause; done

# --- the backlog ----------------------------------------------------------------------------------------------
requests=$(( (BACKLOG + 999) / 1000 ))
log "backlog: $requests × POST /identify/batch of 1,000 new people (destinations paused)"
mkdir -p "$OUT/backlog"
awk -v r="$requests" -v dir="$OUT/backlog" -v run="k$RANDOM" 'BEGIN {
  for (q = 1; q <= r; q++) {
    f = dir "/" q ".json"; printf "[" > f
    for (i = 1; i <= 1000; i++)
      printf "%s{\"identifiers\":{\"email\":\"%s-%d-%d@bench.example\",\"name\":{\"first\":\"First%d\",\"last\":\"Last%d\"}},\"traits\":{\"plan\":\"free\",\"seats\":%d}}",
        (i > 1 ? "," : ""), run, q, i, i % 997, i % 20000, i % 50 > f
    printf "]" > f; close(f)
  } }'
export KEY BASE OUT
seq 1 "$requests" | xargs -P 2 -I{} curl -sS -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $KEY" \
  -H "Content-Type: application/json" --data-binary @"$OUT/backlog/{}.json" "$BASE/identify/batch" > "$OUT/backlog-status.txt"
ok=$(grep -c '^200$' "$OUT/backlog-status.txt" || true)
changes=$(( ok * 1000 ))
log "  $ok of $requests requests answered 200: $changes changes"
psql -X -q -d "$DB" -c analyze

# --- the drains, one destination after the other ---------------------------------------------------------------------
ROWS=$OUT/rows.tsv
: > "$ROWS"
for name in $NAMES; do
  b=${name#*-}
  sleep "$SETTLE"
  db_snapshot "$OUT/db-$name.0"; cpu_begin "$name"
  : > "$OUT/offsets-$name.txt"
  java -Dlogback.configurationFile="$OUT/quiet-logback.xml" -cp "$CP" "$BENCH_DIR/KafkaOffsets.java" \
    "127.0.0.1:$KAFKA_PORT" "bench-${name#k}" "$PARTITIONS" "$changes" "$DRAIN_MAX" > "$OUT/offsets-$name.txt" 2>&1 &
  counter=$!
  until grep -q '^OFFSETS ready' "$OUT/offsets-$name.txt"; do kill -0 "$counter" || exit 1; sleep 0.1; done
  t0=$(now_ms)
  operator "$name" resume
  wait "$counter" || log "  $name did not drain within ${DRAIN_MAX}s"
  t_end=$(now_ms)
  cpu_end
  held=$(grep '^OFFSETS [0-9]' "$OUT/offsets-$name.txt" | tail -1 | cut -d' ' -f3)
  operator "$name" pause   # from here on it sends nothing: the next drain is measured alone
  sleep "$SETTLE"
  db_snapshot "$OUT/db-$name.1"
  d=$(db_delta "$OUT/db-$name.0" "$OUT/db-$name.1" "$OUT/tables-$name.txt")
  tx=${d%% *}
  secs=$(awk -v a="$t0" -v b="$t_end" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
  rate=$(awk -v n="$held" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  per=$(awk -v t="$tx" -v n="$held" 'BEGIN { printf "%.4f", t / n }')
  log "  $name: $held records in ${secs}s = $rate changes/s; $tx transactions = $per per change; service ${CPU_SVC} ms, PostgreSQL ${CPU_SERVICE_PG} ms CPU"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$held" "$secs" "$rate" "$tx" "$per" "$CPU_SVC" "$CPU_SERVICE_PG" >> "$ROWS"
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "Kafka drain, $(date -u +%FT%TZ), commit $COMMIT; load average before $LOAD_BEFORE, after $LOAD_AFTER;"
  echo "backlog $changes changes (new profiles), $PARTITIONS partitions, concurrency $CONCURRENCY, service $SERVICE_JAVA_OPTS."
  echo
  echo "| destination (k<n>-<batch size>) | records on the topic | drain s | changes/s | PostgreSQL transactions | per change | service CPU ms | PostgreSQL CPU ms |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$ROWS"
} | tee "$BENCH_DIR/kafka-results.md"
