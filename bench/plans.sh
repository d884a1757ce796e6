#!/usr/bin/env bash
# Identity-key lookup (ProfileBatchRepository.RESOLVE) with a generic plan made while its tables were empty, as a
# pooled connection makes it on a new workspace's first import: execution time as the workspace grows to
# 1,000,000 profiles, statistics never collected ("off", as with autovacuum off) and collected after each step
# ("on": what autovacuum's ANALYZE does, which replaces the plan). The statement is read from the Java source of
# each commit compared (BEFORE, default the commit before the LATERAL rewrite; AFTER, the working tree), so the
# bench runs the service's SQL, not a copy. Prints a Markdown table. Needs psql, python3, git; ~2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${BEFORE:-7b9268a}
SIZES=${SIZES:-"0 10000 100000 1000000"}
RUNS=${RUNS:-20}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
DB=profilehub_plans_$$
SRC=src/main/java/io/profilehub/profile/ProfileBatchRepository.java

# statement NAME SOURCE_TEXT → the statement's text with $1.. for JDBC's ?s
statement() {
  python3 -c '
import re, sys
src = sys.stdin.read()
m = re.search(r"static final String " + sys.argv[1] + r" = \"\"\"\n(.*?)\"\"\";", src, re.S)
n = 0
def number(_):
    global n; n += 1; return "$" + str(n)
print(re.sub(r"\?(?!\?)", number, m.group(1)).replace("??", "?"))' "$1"
}

psql -X -q -d postgres -c "create database $DB"
trap 'psql -X -q -d postgres -c "drop database if exists $DB" >/dev/null 2>&1' EXIT
for f in $(ls db/V*.sql | sort -t V -k2 -n); do
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -c "create schema if not exists profilehub; set search_path = profilehub" -f "$f" >/dev/null
done

declare -A SQL
SQL[before]=$(git show "$BEFORE:$SRC" | statement RESOLVE)
SQL[after]=$(statement RESOLVE < "$SRC")

echo "| statistics | profiles | before: RESOLVE (ms) | after (ms) | ratio |"
echo "|---|---|---|---|---|"
for stats in off on; do
  psql -X -q -d "$DB" -c "set search_path = profilehub; truncate identity_keys, profiles;
                          alter table identity_keys set (autovacuum_enabled = false);
                          alter table profiles set (autovacuum_enabled = false)" >/dev/null
  # One session: both statements prepared (generic) on the empty tables, then the tables grow under them.
  {
    echo "set search_path = profilehub; set plan_cache_mode = force_generic_plan;"
    echo "prepare before(text[], text[], text, text, text[]) as ${SQL[before]};"
    echo "prepare after(text[], text[], text, text, text[]) as ${SQL[after]};"
    echo "execute before('{email}', '{nobody@example.com}', 'ws', 'ws', '{}'); execute after('{email}', '{nobody@example.com}', 'ws', 'ws', '{}');"
    filled=0
    for size in $SIZES; do
      if [ "$size" -gt "$filled" ]; then
        echo "insert into profiles (workspace_id, id) select 'ws', 'usr_' || g from generate_series($((filled + 1)), $size) g;"
        echo "insert into identity_keys select 'ws', 'email', 'p' || g || '@example.com', 'usr_' || g from generate_series($((filled + 1)), $size) g;"
        filled=$size
      fi
      if [ "$stats" = on ]; then echo "analyze profiles; analyze identity_keys;"; fi
      for variant in before after; do
        for _ in $(seq 1 "$RUNS"); do
          echo "explain (analyze, format json) execute $variant('{email}', '{p$((size / 2 + 1))@example.com}', 'ws', 'ws', '{}');"
        done
      done
    done
  } | psql -X -q -At -d "$DB" | python3 -c '
import json, sys
text, dec, i, times = sys.stdin.read(), json.JSONDecoder(), 0, []
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    doc, i = dec.raw_decode(text, i)
    times.append(doc[0]["Execution Time"])
print(json.dumps(times))' > /tmp/plans_$$.json
  python3 - "$stats" "$RUNS" "$SIZES" /tmp/plans_$$.json <<'PY'
import json, sys, statistics
times = json.load(open(sys.argv[4]))
stats, runs, sizes = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
i = 0
for size in sizes:
    b = statistics.median(times[i:i + runs]); i += runs
    a = statistics.median(times[i:i + runs]); i += runs
    print(f"| {stats} | {int(size):,} | {b:.3f} | {a:.3f} | {b / a:.0f}× |")
PY
done
rm -f /tmp/plans_$$.json
