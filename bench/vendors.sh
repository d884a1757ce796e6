#!/usr/bin/env bash
# Delivery throughput per vendor type against a local fake (bench/Receiver.java answers every vendor path 2xx):
# PROFILES create events are queued for each of the four vendor destinations, then each destination alone is
# resumed and timed for up to WINDOW seconds. Usage: bench/vendors.sh   (SKIP_BUILD=1 to reuse the jar)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILES=${PROFILES:-50000}
WINDOW=${WINDOW:-30}
PORT=${PORT:-18090}
RECEIVER_PORT=${RECEIVER_PORT:-18091}
CONCURRENCY=${CONCURRENCY:-16}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-18092}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
DB=profilehub_vendors_$(date +%s)_$$
KEY=bench-$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')  # 32 hex digits: a weak key stops start-up
OUT=$(mktemp -d /tmp/profilehub-vendors.XXXXXX)
PSQL=(psql -qAt -v ON_ERROR_STOP=1 -d "$DB")
SERVICE_PID= RECEIVER_PID=
cleanup() {
  kill $SERVICE_PID $RECEIVER_PID 2>/dev/null || true
  wait 2>/dev/null || true
  dropdb --if-exists --force "$DB" 2>/dev/null || true
}
trap cleanup EXIT
pg_isready -q || pg_ctlcluster --skip-systemctl-redirect 15 main start
[ -n "${SKIP_BUILD:-}" ] || mvn -q -B package -DskipTests
createdb "$DB"
java -Xmx256m bench/Receiver.java "$RECEIVER_PORT" > "$OUT/receiver.log" 2>&1 &
RECEIVER_PID=$!
cat > "$OUT/vendors.yml" <<YML
profilehub:
  destinations:
    ours:        { type: ours,        url: "http://127.0.0.1:$RECEIVER_PORT/hook/ours",   token: t, concurrency: $CONCURRENCY }
    vero:        { type: vero,        url: "http://127.0.0.1:$RECEIVER_PORT/hook/vero",   token: t, concurrency: $CONCURRENCY }
    thrivestack: { type: thrivestack, url: "http://127.0.0.1:$RECEIVER_PORT/hook/thrive", token: t, concurrency: 2 }
    marketap:    { type: marketap,    url: "http://127.0.0.1:$RECEIVER_PORT/hook/mkt",    token: t, concurrency: 2, project-id: p }
YML
MICRONAUT_CONFIG_FILES=$OUT/vendors.yml PORT=$PORT PROFILEHUB_MANAGEMENT_PORT=$MANAGEMENT_PORT DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" \
  DATASOURCES_DEFAULT_USERNAME=postgres PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
  java -Xms256m -Xmx256m -XX:+UseParallelGC -jar target/profilehub-0.1.0.jar > "$OUT/service.log" 2>&1 &
SERVICE_PID=$!
until curl -sf "http://127.0.0.1:$PORT/health" 2>/dev/null | grep -q UP; do
  kill -0 "$SERVICE_PID" || { tail -30 "$OUT/service.log"; exit 1; }; sleep 0.1
done
# The four destinations serve every workspace: pausing them is the operator's, on the management port.
operator() { curl -sS -o /dev/null -X POST "http://127.0.0.1:$MANAGEMENT_PORT/destinations/$1/$2"; }
for d in ours vero thrivestack marketap; do operator "$d" pause; done

"${PSQL[@]}" <<SQL
insert into profilehub.profiles (workspace_id, id, identifiers, traits)
select 'default', 'usr_v' || lpad(g::text, 15, '0'),
       jsonb_build_object('email', 'v' || g || '@example.com', 'name', jsonb_build_object('first', 'Ann', 'last', 'Lee' || (g % 1000))),
       jsonb_build_object('firstName', 'Ann', 'plan', 'pro', 'seats', g % 50)
  from generate_series(1, $PROFILES) g;
-- One change per profile in the change log, for every destination, numbered per lane as ChangeLogWriter does.
insert into profilehub.change_log (lane, seq, workspace_id, profile_id, version, kind, change)
select n.lane, l.last_seq + n.rank, n.workspace_id, n.id, 1, 'upsert', n.event
  from (select p.workspace_id, p.id, profilehub.change_lane(p.workspace_id, p.id) as lane,
               row_number() over (partition by profilehub.change_lane(p.workspace_id, p.id) order by p.id) as rank,
               profilehub.profile_upsert_event(p.workspace_id, p.id, 1, true, false, now(), p.identifiers,
                                               p.traits) as event
          from profilehub.profiles p) n
  join profilehub.change_lanes l on l.lane = n.lane;
update profilehub.change_lanes l set last_seq = l.last_seq + c.n
  from (select profilehub.change_lane(workspace_id, id) as lane, count(*) as n from profilehub.profiles group by 1) c
 where l.lane = c.lane;
vacuum analyze profilehub.change_log;
SQL

printf '\n| destination type | profiles delivered | seconds | profiles/s |\n|---|---:|---:|---:|\n'
for d in thrivestack marketap ours vero; do
  start=$(date +%s%N)
  operator "$d" resume
  while :; do
    # Every change is this destination's and nothing else is written: what its cursors passed is what it delivered.
    done_count=$("${PSQL[@]}" -c "select sum(position - since_seq) from profilehub.delivery_cursors where destination = '$d'")
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$done_count" -ge "$PROFILES" ] || [ "$elapsed" -ge $((WINDOW * 1000)) ] && break
    sleep 0.2
  done
  operator "$d" pause
  printf '| %s | %d | %.1f | %.0f |\n' "$d" "$done_count" "$(echo "$elapsed/1000" | bc -l)" "$(echo "$done_count*1000/$elapsed" | bc -l)"
done
echo "dead letters: $("${PSQL[@]}" -c "select count(*) from profilehub.dead_letters")"
