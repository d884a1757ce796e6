# Shell helpers for the bench scripts (sourced, not run). They expect: DB (the bench database), OUT (the raw-data
# folder), PGHOST/PGPORT/PGUSER exported; start_service also PORT, MANAGEMENT_PORT, KEY, SERVICE_JAVA_OPTS.
# Nothing here names a table of the service: database work is read from pg_stat_database and pg_stat_user_tables
# over the whole schema, CPU from /proc.

CLK_TCK=$(getconf CLK_TCK)

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<< "$2"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

bench_prerequisites() {
  if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; fi
  fi
  local tool
  for tool in pgbench psql curl java mvn awk; do
    command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
  done
  if ! pg_isready -q; then
    pg_ctlcluster --skip-systemctl-redirect 15 main start
    for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
  fi
}

# start_receiver PORT THREADS → RECEIVER_PID; waits until it answers
start_receiver() {
  java -Xmx256m "$BENCH_DIR/Receiver.java" "$1" "$2" > "$OUT/receiver.log" 2>&1 &
  RECEIVER_PID=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/stats" >/dev/null && return; sleep 0.1; done
  echo "receiver did not start" >&2; exit 1
}

# start_service CONFIG_FILE → SERVICE_PID; waits for /health UP
start_service() {
  # shellcheck disable=SC2086
  MICRONAUT_CONFIG_FILES=$1 PORT=$PORT PROFILEHUB_MANAGEMENT_PORT=$MANAGEMENT_PORT \
  DATASOURCES_DEFAULT_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATASOURCES_DEFAULT_USERNAME=postgres \
  PROFILEHUB_BOOTSTRAP_API_KEY=$KEY \
    java $SERVICE_JAVA_OPTS -Xlog:gc:file="$OUT/gc-%p.log" -jar target/profilehub-0.1.0.jar >> "$OUT/service.log" 2>&1 &
  SERVICE_PID=$!
  until curl -sf "http://127.0.0.1:$PORT/health" 2>/dev/null | grep -q UP; do
    kill -0 "$SERVICE_PID" 2>/dev/null || { tail -50 "$OUT/service.log" >&2; exit 1; }
    sleep 0.1
  done
}

stop_service() {
  [ -n "${SERVICE_PID:-}" ] || return 0
  kill "$SERVICE_PID" 2>/dev/null || true
  wait "$SERVICE_PID" 2>/dev/null || true
  SERVICE_PID=
}

# operator NAME pause|resume → the management port's destination action; fails unless 2xx
operator() {
  curl -sSf -o /dev/null -XPOST "http://127.0.0.1:$MANAGEMENT_PORT/destinations/$1/$2"
}

# timed FILE CMD… → runs CMD with stdout to FILE; CHILD_CPU_MS = the user+system CPU of CMD and its children
timed() {
  local file=$1; shift
  local t
  t=$( { "$@" > "$file" 2>&1; times; } | tail -1 )
  # times' second line: children's user and system time, "0m1.234s 0m0.567s"
  CHILD_CPU_MS=$(awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } printf "%.0f", s * 1000 }' <<< "$t")
}

# --- CPU from /proc -------------------------------------------------------------------------------------------
# Every process is classed: svc (the service JVM), service (backends of the bench database that are not pgbench's
# nor psql's: the service's pool), pgbench (backends with application_name pgbench), psql (this script's own
# queries, left out), bg (the cluster's checkpointer, walwriter and background writer: shared by every database on
# the cluster). A phase's CPU of a class is the sum over its pids of (last ticks seen) − (ticks at the phase start,
# or 0 for a process that started during the phase). A sampler re-reads the ticks every 0.25 s so that backends
# that end during the phase (pgbench's) are counted up to their last quarter second.
cpu_classes() {
  {
    psql -X -At -F' ' -d postgres -c "
      select pid, case when datname is null then 'bg'
                       when backend_type <> 'client backend' then 'service'
                       when application_name = 'pgbench' then 'pgbench'
                       when application_name = 'psql' then 'psql'
                       else 'service' end
        from pg_stat_activity
       where datname = '$DB' or backend_type in ('checkpointer', 'walwriter', 'background writer')"
    if [ -n "${SERVICE_PID:-}" ]; then echo "$SERVICE_PID svc"; fi
  } > "$OUT/cpu/classes.tmp" 2>/dev/null && mv "$OUT/cpu/classes.tmp" "$OUT/cpu/classes" || true
}
cpu_read() {
  awk '{ f = "/proc/" $1 "/stat"
         if ((getline line < f) > 0) { sub(/^.*\) /, "", line); split(line, a, " "); print $2, $1, a[12] + a[13] }
         close(f) }' "$OUT/cpu/classes"
}
# cpu_begin TAG
cpu_begin() {
  mkdir -p "$OUT/cpu"
  CPU_TAG=$1
  cpu_classes
  cpu_read > "$OUT/cpu/$CPU_TAG.base"
  : > "$OUT/cpu/$CPU_TAG.samples"
  ( i=0
    while :; do
      [ $((i % 4)) = 0 ] && cpu_classes
      cpu_read >> "$OUT/cpu/$CPU_TAG.samples"
      sleep 0.25; i=$((i + 1))
    done ) &
  CPU_SAMPLER_PID=$!
}
# cpu_end → CPU_SVC CPU_SERVICE_PG CPU_PGBENCH_PG CPU_BG (ms) for the phase begun last
cpu_end() {
  kill "$CPU_SAMPLER_PID" 2>/dev/null || true; wait "$CPU_SAMPLER_PID" 2>/dev/null || true
  CPU_SAMPLER_PID=
  cpu_classes
  cpu_read >> "$OUT/cpu/$CPU_TAG.samples"
  local sums
  sums=$(awk -v tck="$CLK_TCK" '
      FNR == NR { base[$2] = $3; next }
      { last[$2] = $3; cls[$2] = $1 }
      END { for (p in last) { d = last[p] - ((p in base) ? base[p] : 0); if (d > 0) sum[cls[p]] += d }
            printf "%.0f %.0f %.0f %.0f\n", sum["svc"] * 1000 / tck, sum["service"] * 1000 / tck,
                   sum["pgbench"] * 1000 / tck, sum["bg"] * 1000 / tck }' \
      "$OUT/cpu/$CPU_TAG.base" "$OUT/cpu/$CPU_TAG.samples")
  read -r CPU_SVC CPU_SERVICE_PG CPU_PGBENCH_PG CPU_BG <<< "$sums"
}

# --- database work from the statistics views ---------------------------------------------------------------------
# db_snapshot FILE → one line per table of schema profilehub (a partition is reported under its parent's name):
# name n_tup_ins n_tup_upd n_tup_del n_tup_hot_upd index_entries, where index_entries = (ins + upd − hot) × the
# number of indexes on that table (a non-HOT update writes an entry in every index; a HOT one in none); and a first
# line "_transactions N" with xact_commit + xact_rollback of the database.
db_snapshot() {
  psql -X -At -F' ' -d "$DB" -c "
    select '_transactions', xact_commit + xact_rollback, 0, 0, 0, 0
      from pg_stat_database where datname = current_database()
    union all
    select coalesce((select p.relname from pg_inherits i join pg_class p on p.oid = i.inhparent
                      where i.inhrelid = t.relid limit 1), t.relname),
           t.n_tup_ins, t.n_tup_upd, t.n_tup_del, t.n_tup_hot_upd,
           (t.n_tup_ins + t.n_tup_upd - t.n_tup_hot_upd) * (select count(*) from pg_index x where x.indrelid = t.relid)
      from pg_stat_user_tables t where t.schemaname = 'profilehub'" > "$1"
}
# db_delta BEFORE AFTER OUTFILE [RATES SECONDS] → per-name deltas (grouped), minus RATES (a per-second delta file,
# see db_rates) × SECONDS when given; prints the totals "transactions ins upd del hot index_entries"
db_delta() {
  awk -v secs="${5:-0}" -v out="$3" '
      FILENAME == ARGV[1] { for (i = 2; i <= 6; i++) b[$1, i] += $i; names[$1] = 1; next }
      FILENAME == ARGV[2] { for (i = 2; i <= 6; i++) a[$1, i] += $i; names[$1] = 1; next }
      { for (i = 2; i <= 6; i++) r[$1, i] = $i }
      END {
        for (n in names) {
          line = n
          for (i = 2; i <= 6; i++) { d = a[n, i] - b[n, i] - r[n, i] * secs; line = line " " d; if (n != "_transactions") t[i] += d }
          print line > out
          if (n == "_transactions") tx = a[n, 2] - b[n, 2] - r[n, 2] * secs
        }
        printf "%.0f %.0f %.0f %.0f %.0f %.0f\n", tx, t[2], t[3], t[4], t[5], t[6]
      }' "$1" "$2" "${4:-/dev/null}"
}
# db_rates DELTAFILE SECONDS OUTFILE → the per-second rate of every line of a db_delta file
db_rates() {
  awk -v s="$2" '{ printf "%s", $1; for (i = 2; i <= 6; i++) printf " %.3f", $i / s; print "" }' "$1" > "$3"
}
