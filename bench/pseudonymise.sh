#!/usr/bin/env bash
# Benchmark: pseudonymise() against pgcrypto's hmac() and digest(), and
# against the floor (the same libsodium calls in a bare C loop, built here
# from bench/pseudonymise_floor.c).  1 M values in one query, serial and
# with 2 parallel workers; the median of 5 runs of each query, timed by
# EXPLAIN (ANALYZE, TIMING OFF) so that no client transfer is included.
# Writes bench/results/pseudonymise.md.  Not a test: timings vary by machine.
#
#   bash bench/pseudonymise.sh [rows]        (default 1000000)
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

ROWS=${1:-1000000}
RUNS=5
OUT=$PL_TOP/bench/results/pseudonymise.md

pl_install_packages postgresql-contrib
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'" \
    "max_parallel_workers = 2" "max_parallel_workers_per_gather = 2" \
    "shared_buffers = '256MB'" "jit = off"
createdb bench
export PGDATABASE=bench

pl_say "building the libsodium floor"
cc -O2 -o "$PL_TMP/floor" "$PL_TOP/bench/pseudonymise_floor.c" \
    $(pkg-config --cflags --libs libsodium)

pl_say "loading $ROWS rows"
pl_psql <<SQL
CREATE EXTENSION pgcrypto;
CREATE EXTENSION pseudolink;
SELECT pseudolink.create_domain('project-1');
CREATE TABLE ids AS
SELECT g::bigint AS id, g::text AS v,
       'NHR-registry-record-' || lpad(g::text, 20, '0') AS v40,
       pseudolink.pseudonymise('steward', g::bigint) AS p,
       date '1930-01-01' + (g % 25000) AS birth_date,
       (1 + g % 2)::text AS sex,
       (1000 + g % 9000)::text || 'AB' AS postcode
FROM generate_series(1, $ROWS) g;
VACUUM (ANALYZE, FREEZE) ids;
SQL

# execution time (ms) of one run of a query over the table, serial or parallel
time_once() {
    local workers=$1 expr=$2
    psql -X -At <<SQL | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p'
SET max_parallel_workers_per_gather = $workers;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (ANALYZE, TIMING OFF) SELECT count($expr) FROM ids;
SQL
}
median() { sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }

# Check that the parallel plan really uses 2 workers.
workers_launched=$(psql -X -At <<'SQL' | sed -n 's/^ *Workers Launched: //p'
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (ANALYZE, TIMING OFF) SELECT count(pseudolink.pseudonymise('steward', id)) FROM ids;
SQL
)

queries=(
    "baseline: count(id)|id"
    "baseline: count(v)|v"
    "baseline: count(v40)|v40"
    "baseline: count(p)|p"
    "pseudonymise('steward', id)|pseudolink.pseudonymise('steward', id)"
    "pseudonymise('steward', v)|pseudolink.pseudonymise('steward', v)"
    "pseudonymise('steward', v40)|pseudolink.pseudonymise('steward', v40)"
    "derive(p, 'project-1')|pseudolink.derive(p, 'project-1')"
    "person_key(birth_date, sex, postcode)|pseudolink.person_key(birth_date, sex, postcode)"
    "pgcrypto hmac(v, key, 'sha256')|hmac(v, 'a 32-byte secret key for the hmac', 'sha256')"
    "pgcrypto digest(v, 'sha256')|digest(v, 'sha256')"
    "pgcrypto hmac(v40, key, 'sha256')|hmac(v40, 'a 32-byte secret key for the hmac', 'sha256')"
)

# The runs are interleaved (every query once, then again), so that load from
# elsewhere on the machine spreads over all queries instead of hitting one.
pl_say "timing ($RUNS interleaved runs per query, serial then with 2 workers)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A serial_runs parallel_runs serial parallel
for run in $(seq $RUNS); do
    for q in "${queries[@]}"; do
        serial_runs[${q%%|*}]+="$(time_once 0 "${q#*|}") "
    done
done
for run in $(seq $RUNS); do
    for q in "${queries[@]}"; do
        parallel_runs[${q%%|*}]+="$(time_once 2 "${q#*|}") "
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for q in "${queries[@]}"; do
    name=${q%%|*}
    serial[$name]=$(tr ' ' '\n' <<<"${serial_runs[$name]}" | grep . | median)
    parallel[$name]=$(tr ' ' '\n' <<<"${parallel_runs[$name]}" | grep . | median)
    printf '%-45s serial %8s ms   2 workers %8s ms\n' "$name" "${serial[$name]}" "${parallel[$name]}"
done

pl_say "the floor"
floor_out=$("$PL_TMP/floor" "$ROWS")
echo "$floor_out"
floor_of() { awk -v f="$1" '$1 == f { print $2 }' <<<"$floor_out"; }
ns() { awk -v ms="$1" -v n="$ROWS" 'BEGIN { printf "%.0f", ms * 1e6 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

hmac_name="pgcrypto hmac(v, key, 'sha256')"
{
    echo "# pseudonymise() against pgcrypto and the libsodium floor"
    echo
    echo "Command: \`bash bench/pseudonymise.sh $ROWS\` (run $(date -u +%Y-%m-%d))."
    echo
    echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
         "$(free -g | awk '/^Mem:/ { print $2 }') GB RAM, shared with other work: load average" \
         "$load_before before the timed queries, $load_after after. Compare ratios within one run, not" \
         "across runs."
    echo "Software: $(psql -X -At -c 'SELECT version()' | cut -d, -f1), libsodium" \
         "$(pkg-config --modversion libsodium), pgcrypto $(psql -X -At -c "SELECT extversion FROM pg_extension WHERE extname = 'pgcrypto'")."
    echo
    echo "Each query is \`SELECT count(<expression>) FROM ids\` over $ROWS rows (id 1..n, v its"
    echo "decimal text of 1-7 bytes, v40 a 40-byte text, p the steward pseudonym of id), timed by"
    echo "\`EXPLAIN (ANALYZE, TIMING OFF)\`,"
    echo "median of $RUNS interleaved runs; \"2 workers\" forces a parallel plan (workers launched:"
    echo "${workers_launched:-?}), which on 2 busy cores cannot do better than the cores left free."
    echo "ns/row is execution time / rows; \"vs hmac\" is the throughput ratio (hmac time / this time)."
    echo
    echo "| query | serial ms | serial ns/row | vs hmac | 2 workers ms | 2 workers ns/row | vs hmac |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for q in "${queries[@]}"; do
        name=${q%%|*}
        echo "| \`$name\` | ${serial[$name]} | $(ns "${serial[$name]}") | $(ratio "${serial[$hmac_name]}" "${serial[$name]}") | ${parallel[$name]} | $(ns "${parallel[$name]}") | $(ratio "${parallel[$hmac_name]}" "${parallel[$name]}") |"
    done
    echo
    echo "## Against the floor"
    echo
    echo "The floor is the libsodium call pseudonymise() makes per row, in a bare C loop"
    echo "(\`bench/pseudonymise_floor.c\`, median of 5 runs of $ROWS calls), plus PostgreSQL's own"
    echo "per-row cost, taken as the baseline query over the same column (serial)."
    echo
    echo "| function | libsodium ns/call | baseline ns/row | floor + baseline | pseudonymise ns/row | ratio to floor + baseline |"
    echo "|---|---:|---:|---:|---:|---:|"
    floor_row() {   # label, floor name, baseline query, query
        local label=$1 f b p sum
        f=$(floor_of "$2")
        b=$(ns "${serial[$3]}")
        p=$(ns "${serial[$4]}")
        sum=$(awk -v a="$f" -v b="$b" 'BEGIN { printf "%.0f", a + b }')
        echo "| \`$label\` | $f | $b | $sum | $p | $(ratio "$p" "$sum") |"
    }
    floor_row "pseudonymise(domain, bigint)" pseudonymise_bigint "baseline: count(id)" \
        "pseudonymise('steward', id)"
    floor_row "pseudonymise(domain, text), 1-7 bytes" pseudonymise_short_text "baseline: count(v)" \
        "pseudonymise('steward', v)"
    floor_row "pseudonymise(domain, text), 40 bytes" pseudonymise_long_text "baseline: count(v40)" \
        "pseudonymise('steward', v40)"
    floor_row "derive(p, domain)" derive "baseline: count(p)" "derive(p, 'project-1')"
} >"$OUT"
pl_say "results in ${OUT#$PL_TOP/}"
cat "$OUT"
