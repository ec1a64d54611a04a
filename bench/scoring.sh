#!/usr/bin/env bash
# Scoring benchmark, side by side in one run on one throwaway cluster:
#   * 1 M name pairs: pseudolink.jaro_winkler against pg_similarity's
#     jarowinkler, pseudolink.levenshtein against fuzzystrmatch's
#     levenshtein (and the bounded forms, Jaro, Damerau-Levenshtein);
#   * 1 M candidate pairs scored with a three-comparison model (birth date,
#     postcode, house number): the level functions and match_weight in C
#     against the same model as the SQL CASE expressions Splink generates
#     on PostgreSQL, checked to give the same weights; and the weights alone
#     from precomputed levels.
# Each query is SELECT sum(...) or count(...) over the table, timed by
# EXPLAIN (ANALYZE, TIMING OFF) (no client transfer), median of RUNS
# interleaved runs, serially and with 2 parallel workers.
# Writes bench/results/scoring.md.  Not a test: timings vary by machine.
#
#   bash bench/scoring.sh [rows] [runs]        (defaults 1000000, 5)
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

ROWS=${1:-1000000}
RUNS=${2:-5}
SEED=0.2024
OUT=$PL_TOP/bench/results/scoring.md

pl_install_packages postgresql-15-similarity
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'" \
    "max_parallel_workers = 2" "max_parallel_workers_per_gather = 2" \
    "shared_buffers = '512MB'" "work_mem = '64MB'" "jit = off"
createdb bench
export PGDATABASE=bench
pl_psql -c 'CREATE EXTENSION pseudolink'

pl_say "loading $ROWS name pairs and $ROWS candidate pairs"
t0=$(date +%s)
pl_psql -v seed=$SEED -v rows=$ROWS -f "$PL_TOP/bench/scoring.sql" >/dev/null
t1=$(date +%s)

q() { psql -X -At -c "$1"; }
splink_query=$(q "SELECT sql FROM bench.splink_sql WHERE part = 'query'")
splink_weights=$(q "SELECT sql FROM bench.splink_sql WHERE part = 'weights_query'")
splink_query_ln=$(q "SELECT sql FROM bench.splink_sql WHERE part = 'query_ln'")
splink_weights_ln=$(q "SELECT sql FROM bench.splink_sql WHERE part = 'weights_query_ln'")
c_query="SELECT pseudolink.match_weight('bench3', ARRAY[pseudolink.compare_dates(dob_l, dob_r),
    pseudolink.compare_postcodes(pc_l, pc_r), pseudolink.compare_house_numbers(hn_l, hs_l, hn_r, hs_r)])
    AS match_weight FROM bench.cand"
c_weights="SELECT pseudolink.match_weight('bench3', levels) AS match_weight FROM bench.gammas"

# label|query; the labels name the pairs compared in the result file
queries=(
    "baseline: count(b), name pairs|SELECT count(b) FROM bench.names"
    "pseudolink.jaro_winkler(a, b)|SELECT sum(pseudolink.jaro_winkler(a, b)) FROM bench.names"
    "pg_similarity jarowinkler(a, b)|SELECT sum(sim.jarowinkler(a, b)) FROM bench.names"
    "pseudolink.jaro(a, b)|SELECT sum(pseudolink.jaro(a, b)) FROM bench.names"
    "pg_similarity jaro(a, b)|SELECT sum(sim.jaro(a, b)) FROM bench.names"
    "pseudolink.levenshtein(a, b)|SELECT sum(pseudolink.levenshtein(a, b)) FROM bench.names"
    "fuzzystrmatch levenshtein(a, b)|SELECT sum(fsm.levenshtein(a, b)) FROM bench.names"
    "pseudolink.levenshtein(a, b, 2)|SELECT sum(pseudolink.levenshtein(a, b, 2)) FROM bench.names"
    "fuzzystrmatch levenshtein_less_equal(a, b, 2)|SELECT sum(fsm.levenshtein_less_equal(a, b, 2)) FROM bench.names"
    "pseudolink.damerau_levenshtein(a, b)|SELECT sum(pseudolink.damerau_levenshtein(a, b)) FROM bench.names"
    "baseline: count(hs_r), candidate pairs|SELECT count(hs_r) FROM bench.cand"
    "C: level functions + match_weight|SELECT sum(match_weight) FROM ($c_query) s"
    "Splink SQL: CASE levels, CASE factors, log2|SELECT sum(match_weight) FROM ($splink_query) s"
    "the same SQL with ln(x) / ln(2)|SELECT sum(match_weight) FROM ($splink_query_ln) s"
    "baseline: count(levels), precomputed levels|SELECT count(levels) FROM bench.gammas"
    "C: match_weight of precomputed levels|SELECT sum(match_weight) FROM ($c_weights) s"
    "Splink SQL: CASE factors of precomputed levels, log2|SELECT sum(match_weight) FROM ($splink_weights) s"
    "the same SQL with ln(x) / ln(2), precomputed levels|SELECT sum(match_weight) FROM ($splink_weights_ln) s"
)

# execution time (ms) and workers launched of one run
time_once() {
    local workers=$1 query=$2
    psql -X -At <<SQL | awk '/^Execution Time:/ { t = $3 } /Workers Launched:/ { w = $NF } END { printf "%s %s\n", t, (w == "" ? 0 : w) }'
SET max_parallel_workers_per_gather = $workers;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (ANALYZE, TIMING OFF) $query;
SQL
}
median() { sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"; }

pl_say "timing ($RUNS interleaved runs per query, serial, then with 2 workers)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A serial_runs parallel_runs serial parallel launched
for run in $(seq "$RUNS"); do
    for entry in "${queries[@]}"; do
        r=$(time_once 0 "${entry#*|}")
        serial_runs[${entry%%|*}]+="${r% *} "
    done
done
for run in $(seq "$RUNS"); do
    for entry in "${queries[@]}"; do
        r=$(time_once 2 "${entry#*|}")
        parallel_runs[${entry%%|*}]+="${r% *} "
        launched[${entry%%|*}]=${r#* }
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for entry in "${queries[@]}"; do
    name=${entry%%|*}
    serial[$name]=$(tr ' ' '\n' <<<"${serial_runs[$name]}" | grep . | median)
    parallel[$name]=$(tr ' ' '\n' <<<"${parallel_runs[$name]}" | grep . | median)
    printf '%-55s serial %9s ms   2 workers %9s ms (launched %s)\n' "$name" "${serial[$name]}" \
        "${parallel[$name]}" "${launched[$name]}"
done

pl_say "checking that both scorings agree"
same_as() {
    q "SELECT count(*) || ' pairs, ' || count(*) FILTER (WHERE abs(c.w - s.w) > 1e-9 OR (c.w IS NULL) <> (s.w IS NULL))
                     || ' differ by more than 1e-9, the largest difference is ' || coalesce(max(abs(c.w - s.w)), 0)::text
    FROM (SELECT row_number() OVER () AS i, match_weight AS w FROM ($c_query) x) c
    JOIN (SELECT row_number() OVER () AS i, match_weight AS w FROM ($1) y) s USING (i)"
}
same_weights=$(same_as "$splink_query")
same_weights_ln=$(same_as "$splink_query_ln")
same_levels=$(q "SELECT count(*) FILTER (WHERE g.gamma_birth_date <> s.gamma_birth_date OR g.gamma_postcode <> s.gamma_postcode
                                         OR g.gamma_house_number <> s.gamma_house_number)
    FROM bench.gammas g JOIN (SELECT id, $(q "SELECT sql FROM bench.splink_sql WHERE part = 'gamma_birth_date'") AS gamma_birth_date,
                                     $(q "SELECT sql FROM bench.splink_sql WHERE part = 'gamma_postcode'") AS gamma_postcode,
                                     $(q "SELECT sql FROM bench.splink_sql WHERE part = 'gamma_house_number'") AS gamma_house_number
                              FROM bench.cand) s USING (id)")
level_mix=$(q "SELECT string_agg(format('%s %s', c, n), ', ' ORDER BY c) FROM (
    SELECT 'birth date ' || coalesce(g_dob::text, 'missing') AS c, count(*) AS n FROM bench.gammas GROUP BY 1
    UNION ALL SELECT 'postcode ' || coalesce(g_pc::text, 'missing'), count(*) FROM bench.gammas GROUP BY 1
    UNION ALL SELECT 'house number ' || coalesce(g_hn::text, 'missing'), count(*) FROM bench.gammas GROUP BY 1) t")
jw_differ=$(q "SELECT count(*) FILTER (WHERE abs(pseudolink.jaro_winkler(a, b) - sim.jarowinkler(a, b)) > 1e-9)
               || ' of ' || count(*) FROM bench.names")
jw_differ_ascii=$(q "SELECT count(*) FILTER (WHERE abs(pseudolink.jaro_winkler(a, b) - sim.jarowinkler(a, b)) > 1e-9)
               || ' of ' || count(*) FROM bench.names WHERE a !~ '[^ -~]' AND b !~ '[^ -~]'")
lev_differ=$(q "SELECT count(*) FILTER (WHERE pseudolink.levenshtein(a, b) <> fsm.levenshtein(a, b)) || ' of ' || count(*)
               FROM bench.names")
name_mix=$(q "SELECT round(avg(length(a)), 1) || ' characters on average; ' || count(*) FILTER (WHERE a ~ '[^ -~]' OR b ~ '[^ -~]')
               || ' pairs with a character outside ASCII; ' || count(*) FILTER (WHERE a = b) || ' equal pairs' FROM bench.names")

plan() {
    psql -X -At -q <<SQL
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) $1;
SQL
}
plan_c=$(plan "SELECT sum(match_weight) FROM ($c_query) s")
plan_jw=$(plan "SELECT sum(pseudolink.jaro_winkler(a, b)) FROM bench.names")
plan_sim=$(plan "SELECT sum(sim.jarowinkler(a, b)) FROM bench.names")
unsafe=$(q "SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1), 'none')
            FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
            JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pseudolink'
            WHERE p.proparallel <> 's' AND p.prokind = 'f'
              AND p.proname ~ '^(jaro|levenshtein|damerau|compare_|match_|explain_match|em_estimate)'")

ns() { awk -v ms="$1" -v n="$ROWS" 'BEGIN { printf "%.0f", ms * 1e6 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# ratio of the times above the baseline
net_ratio() { awk -v a="$1" -v b="$2" -v base="$3" 'BEGIN { if (b - base > 0) printf "%.2f", (a - base) / (b - base); else print "-" }'; }
row() {   # label, ours, theirs, baseline
    local s_ours=${serial[$2]} s_theirs=${serial[$3]} s_base=${serial[$4]}
    local p_ours=${parallel[$2]} p_theirs=${parallel[$3]}
    echo "| $1 | $s_ours | $s_theirs | **$(ratio "$s_theirs" "$s_ours") x** | $(net_ratio "$s_theirs" "$s_ours" "$s_base") x | $p_ours (${launched[$2]}) | $p_theirs (${launched[$3]}) | $(ratio "$p_theirs" "$p_ours") x |"
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mem=$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
pgv=$(q "SELECT version()" | sed 's/ on .*//')

mkdir -p "$(dirname "$OUT")"
{
    echo "# Comparators and scoring against pg_similarity, fuzzystrmatch and Splink's SQL"
    echo
    echo "Command: \`bash bench/scoring.sh $ROWS $RUNS\` (seed $SEED), $(date -u +%Y-%m-%d)."
    echo "Machine: $(nproc) cores ($cpu), $mem; $pgv; pg_similarity" \
         "$(q "SELECT extversion FROM pg_extension WHERE extname = 'pg_similarity'"), fuzzystrmatch" \
         "$(q "SELECT extversion FROM pg_extension WHERE extname = 'fuzzystrmatch'"). Loading took $((t1 - t0)) s."
    echo "Shared and noisy: load average $load_before before the timed queries, $load_after after;"
    echo "compare the ratios within this run. Settings: shared_buffers 512MB, jit off, at most 2 workers."
    echo
    echo "Each query is \`SELECT sum(f(...)) FROM t\` over $ROWS rows, timed by \`EXPLAIN (ANALYZE, TIMING OFF)\`,"
    echo "median of $RUNS interleaved runs (every query once, then again). \"x\" is the other's time"
    echo "divided by ours (higher is better for pseudolink); \"net\" divides the times above the baseline query"
    echo "(\`count\` of a column of the same table), i.e. the functions' own cost. \"2 workers\" forces a"
    echo "parallel plan where the function allows one; the number of workers launched is in brackets."
    echo
    echo "## String comparators, $ROWS name pairs"
    echo
    echo "Dutch surnames ($name_mix); half the pairs are one name with up to one typing error, half two names."
    echo
    echo "| comparison | pseudolink ms | other ms | other / pseudolink | net | pseudolink, 2 workers ms | other, 2 workers ms | ratio, 2 workers |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    row "jaro_winkler vs pg_similarity jarowinkler" "pseudolink.jaro_winkler(a, b)" "pg_similarity jarowinkler(a, b)" "baseline: count(b), name pairs"
    row "jaro vs pg_similarity jaro" "pseudolink.jaro(a, b)" "pg_similarity jaro(a, b)" "baseline: count(b), name pairs"
    row "levenshtein vs fuzzystrmatch levenshtein" "pseudolink.levenshtein(a, b)" "fuzzystrmatch levenshtein(a, b)" "baseline: count(b), name pairs"
    row "levenshtein(a, b, 2) vs levenshtein_less_equal(a, b, 2)" "pseudolink.levenshtein(a, b, 2)" "fuzzystrmatch levenshtein_less_equal(a, b, 2)" "baseline: count(b), name pairs"
    echo
    echo "pg_similarity's functions are not PARALLEL SAFE, so they get no workers. pseudolink's values are"
    echo "checked against fuzzystrmatch's: levenshtein differs on $lev_differ pairs. pg_similarity's jarowinkler"
    echo "differs from pseudolink's (Winkler's standard definition, on characters) on $jw_differ pairs, $jw_differ_ascii"
    echo "of the ASCII-only pairs: it counts bytes, and its Jaro-Winkler is not Winkler's standard form."
    echo
    echo "## Scoring $ROWS candidate pairs with a three-comparison model"
    echo
    echo "Model \`bench3\`: birth date (\`compare_dates\`, 6 levels), postcode (\`compare_postcodes\`, 5 levels),"
    echo "house number (\`compare_house_numbers\`, 3 levels), fixed m and u. Splink's side is the SQL Splink"
    echo "generates for the same comparison levels on PostgreSQL (one CASE per comparison for the level, with"
    echo "fuzzystrmatch's levenshtein for \"one digit/character wrong\", one CASE per comparison for the Bayes"
    echo "factor, \`log2(prior odds * factors)\` with the \`log2(float8)\` that Splink's PostgreSQL backend"
    echo "creates, \`log(2.0, n::numeric)::float8\`, not marked PARALLEL SAFE), built from the same model tables"
    echo "(\`bench/scoring.sql\`). Because that log2 is slow and keeps the query serial, the same SQL also runs"
    echo "with \`ln(x) / ln(2)\`: CASE expressions at their best. The weights agree with pseudolink's: Splink's"
    echo "SQL on $same_weights; with ln, on $same_weights_ln. The levels differ on $same_levels pairs."
    echo "Levels in the data: $level_mix."
    echo
    echo "| scoring | pseudolink ms | Splink SQL ms | Splink / pseudolink | net | pseudolink, 2 workers ms | Splink, 2 workers ms | ratio, 2 workers |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    row "levels and weights from the raw fields, Splink's SQL" "C: level functions + match_weight" "Splink SQL: CASE levels, CASE factors, log2" "baseline: count(hs_r), candidate pairs"
    row "the same, SQL with ln(x) / ln(2)" "C: level functions + match_weight" "the same SQL with ln(x) / ln(2)" "baseline: count(hs_r), candidate pairs"
    row "weights alone from precomputed levels, Splink's SQL" "C: match_weight of precomputed levels" "Splink SQL: CASE factors of precomputed levels, log2" "baseline: count(levels), precomputed levels"
    row "the same, SQL with ln(x) / ln(2)" "C: match_weight of precomputed levels" "the same SQL with ln(x) / ln(2), precomputed levels" "baseline: count(levels), precomputed levels"
    echo
    echo "## All queries"
    echo
    echo "| query | serial ms | serial ns/row | 2 workers ms | workers launched |"
    echo "|---|---:|---:|---:|---:|"
    for entry in "${queries[@]}"; do
        name=${entry%%|*}
        echo "| \`$name\` | ${serial[$name]} | $(ns "${serial[$name]}") | ${parallel[$name]} | ${launched[$name]} |"
    done
    echo
    echo "## Parallel plans"
    echo
    echo "Every comparator and scoring function of pseudolink is PARALLEL SAFE (functions that are not: $unsafe)."
    echo "Scoring with two workers:"
    echo
    echo '```'
    echo "$plan_c"
    echo '```'
    echo
    echo "pseudolink.jaro_winkler with two workers, and pg_similarity's jarowinkler, which gets none:"
    echo
    echo '```'
    echo "$plan_jw"
    echo '```'
    echo
    echo '```'
    echo "$plan_sim"
    echo '```'
} >"$OUT"
pl_say "results in ${OUT#$PL_TOP/}"
cat "$OUT"
