#!/usr/bin/env bash
# Field history figures (issue 13): what history adds to a write, and what a history page reads.
#  1. Bytes per change_log row (heap + TOAST, indexes) and WAL per write, for ROWS update changes shaped like the
#     service's (profile_upsert_event of bench/lua/update.lua's patch), on the schema before V19 (af5aec7~2: no
#     cause/source columns) and on this checkout's (cause, key id, key name and X-ProfileHub-Source label filled).
#     Each write appends one row in its own transaction, as the service does (one append per write), through
#     pgbench, so WAL per write includes the commit.
#  2. The history query (HistoryRepository.CHANGES) on a profile with TARGET_CHANGES changes among TOTAL_ROWS rows
#     spread over DAYS daily partitions: EXPLAIN (ANALYZE, BUFFERS), best of 5 after one warm-up.
# Only PostgreSQL on 127.0.0.1:5432 (trust auth); the schema comes from the migrations with psql. About 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${ROWS:-100000}
TOTAL_ROWS=${TOTAL_ROWS:-1000000}
TARGET_CHANGES=${TARGET_CHANGES:-1000}
DAYS=${DAYS:-30}
BEFORE=${BEFORE:-af5aec7~2}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
OUT=$(mktemp -d /tmp/profilehub-history.XXXXXX)
DBS=()
cleanup() { for db in "${DBS[@]}"; do dropdb --if-exists --force "$db" 2>/dev/null || true; done; }
trap cleanup EXIT

schema() { # database, folder of migrations
  createdb "$1"
  DBS+=("$1")
  psql -qX -v ON_ERROR_STOP=1 -d "$1" -c "create schema profilehub" >/dev/null
  for f in $(ls "$2" | sort -V); do
    PGOPTIONS="-c search_path=profilehub" psql -qX -1 -v ON_ERROR_STOP=1 -d "$1" -f "$2/$f" >/dev/null
  done
}

mkdir -p "$OUT/before" "$OUT/after"
git archive "$BEFORE" db | tar -x -C "$OUT/before"
cp -r db "$OUT/after/"

# one write = one appended change, in its own transaction; columns as the service fills them
cat > "$OUT/before.sql" <<'SQL'
\set p random(1, 10000)
\set v random(2, 1000000)
insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change)
select change_lane('ws_bench', 'usr_' || lpad(:p::text, 16, '0')), nextval('bench_seq'), 'ws_bench',
       'usr_' || lpad(:p::text, 16, '0'), :v, 'upsert',
       profile_upsert_event('ws_bench', 'usr_' || lpad(:p::text, 16, '0'), :v, false, false, clock_timestamp(),
                            '{}'::jsonb, jsonb_build_object('score', :v * 997, 'plan', 'pro'));
SQL
sed -e 's/, change)$/, change, cause, source_key_id, source_key_name, source_label)/' \
    -e "s/'plan', 'pro'));/'plan', 'pro')), 'update', 'key_4fQ9cZp0LmV2xYtB', 'crm-writer', 'crm-import';/" \
    "$OUT/before.sql" > "$OUT/after.sql"

printf '| schema | rows | heap+TOAST bytes/row | index bytes/row | total bytes/row | WAL bytes/write |\n' > "$OUT/writes.md"
printf '|---|---|---|---|---|---|\n' >> "$OUT/writes.md"
for variant in before after; do
  db=profilehub_bench_hist_${variant}_$$
  schema "$db" "$OUT/$variant/db"
  psql -qX -d "$db" -c "create sequence profilehub.bench_seq" >/dev/null
  lsn0=$(psql -qXtA -d "$db" -c "select pg_current_wal_insert_lsn()")
  PGOPTIONS="-c search_path=profilehub" pgbench -n -M prepared -c 4 -j 2 -t $((ROWS / 4)) -f "$OUT/$variant.sql" "$db" \
    > "$OUT/$variant.pgbench" 2>&1
  psql -qX -d "$db" -c "checkpoint" >/dev/null
  psql -qXtA -F ' ' -d "$db" > "$OUT/$variant.sizes" <<SQL
with parts as (select inhrelid as oid from pg_inherits where inhparent = 'profilehub.change_log'::regclass)
select (select count(*) from profilehub.change_log),
       (select sum(pg_relation_size(c.oid) + coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))
          from pg_class c where c.oid in (select oid from parts)),
       (select sum(pg_relation_size(i.indexrelid)) from pg_index i where i.indrelid in (select oid from parts)),
       pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$lsn0')
SQL
  read -r rows heap idx wal < "$OUT/$variant.sizes"
  label=$([ "$variant" = before ] && echo "before V19 ($BEFORE)" || echo "V19+ (cause and source filled)")
  awk -v l="$label" -v r="$rows" -v h="$heap" -v i="$idx" -v w="$wal" \
    'BEGIN { printf "| %s | %d | %.1f | %.1f | %.1f | %.0f |\n", l, r, h / r, i / r, (h + i) / r, w / r }' >> "$OUT/writes.md"
  [ "$variant" = before ] && dropdb --force "$db"
done

# 2. The read: TOTAL_ROWS changes over DAYS days, TARGET_CHANGES of them one profile's (a create, then updates)
db=profilehub_bench_hist_after_$$
psql -qX -v ON_ERROR_STOP=1 -d "$db" > /dev/null <<SQL
set search_path = profilehub;
truncate change_log;
do \$\$
declare d date;
begin
  for d in select generate_series(current_date - $DAYS, current_date - 2, interval '1 day')::date loop
    execute format('create table if not exists %I partition of change_log for values from (%L) to (%L)',
                   'change_log_' || to_char(d, 'YYYYMMDD'), d::timestamp at time zone 'UTC',
                   (d + 1)::timestamp at time zone 'UTC');
  end loop;
end \$\$;
with g as (
  select i, case when i % ($TOTAL_ROWS / $TARGET_CHANGES) = 0 then 'usr_TARGET0000000000'
                 else 'usr_' || lpad((i % 100000)::text, 16, '0') end as profile_id,
         now() - ($DAYS - 1) * interval '1 day' + (i::float / $TOTAL_ROWS) * ($DAYS - 1.5) * interval '1 day' as at
    from generate_series(1, $TOTAL_ROWS) i
), v as (
  select g.*, row_number() over (partition by profile_id order by i) as version,
         change_lane('ws_bench', profile_id) as lane from g
)
insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change, cause, source_key_id,
                        source_key_name, source_label, created_at)
select lane, row_number() over (partition by lane order by i), 'ws_bench', profile_id, version, 'upsert',
       profile_upsert_event('ws_bench', profile_id, version, version = 1, false, at, '{"email":"x@example.com"}'::jsonb,
                            jsonb_build_object('score', i, 'plan', 'pro')),
       case when version = 1 then 'create' else 'update' end, 'key_4fQ9cZp0LmV2xYtB', 'crm-writer', 'crm-import', at
  from v order by i;
analyze change_log;
SQL
query="select seq, version, kind, change::text, destination, created_at, cause, source_key_id, source_key_name, source_label
  from change_log where workspace_id = 'ws_bench' and profile_id = 'usr_TARGET0000000000'
   and (null::bigint is null or seq <= null::bigint) and (null::timestamptz is null or created_at < null::timestamptz)
 order by seq"
PGOPTIONS="-c search_path=profilehub" psql -qX -d "$db" -c "$query" > /dev/null
best=
for i in 1 2 3 4 5; do
  PGOPTIONS="-c search_path=profilehub" psql -qXtA -d "$db" -c "explain (analyze, buffers) $query" > "$OUT/explain.$i"
  t=$(grep -o 'Execution Time: [0-9.]*' "$OUT/explain.$i" | awk '{print $3}')
  if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a < b)}'; then best=$t; cp "$OUT/explain.$i" "$OUT/explain.best"; fi
done
counts=$(psql -qXtA -F ' ' -d "$db" -c "select count(*), count(*) filter (where profile_id = 'usr_TARGET0000000000'),
  (select count(*) from pg_inherits where inhparent = 'profilehub.change_log'::regclass) from profilehub.change_log")
{
  echo "### Field history ($(date -u +%Y-%m-%d), $(nproc) cores shared)"
  echo
  cat "$OUT/writes.md"
  echo
  read -r total target parts <<< "$counts"
  echo "History read: $target changes of one profile among $total rows in $parts partitions; best of 5 execution: $best ms."
  echo
  echo '```'
  cat "$OUT/explain.best"
  echo '```'
} | tee "$OUT/result.md"
echo "raw data in $OUT"
