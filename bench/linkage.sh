#!/usr/bin/env bash
# Linkage benchmark: a synthetic register with address history and a PCI
# extract with ground truth, linked end to end by CALL pseudolink.link()
# (blocking index, address history, Fellegi-Sunter weights, assignment,
# committed batches) and, side by side, by a Splink-style linkage in plain
# SQL (equality joins on blocking columns, CASE levels with the same m and u,
# the current address only).  Throughput in records per second and quality
# against the truth: right, wrong, multiple, review, none; every same-sex
# twin at one address should be multiple.  Goal (issue 6): at least 99.0% of
# linkable records linked to the right person, at most 0.1% to a wrong one.
#
# Usage: bash bench/linkage.sh [persons] [records] [batch]
#        (defaults 100000, 10000, 5000)
# Writes bench/results/linkage.md.  Never more than two parallel workers.
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

PERSONS=${1:-100000}
RECORDS=${2:-10000}
BATCH=${3:-5000}
SEED=2024
OUT=$PL_TOP/bench/results/linkage.md

pl_install_packages
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'" \
    "shared_buffers = '1GB'" "work_mem = '128MB'" "jit = off" \
    "max_parallel_workers_per_gather = 2" "max_parallel_workers = 2"
createdb bench
export PGDATABASE=bench
pl_psql -c 'CREATE EXTENSION pseudolink'

pl_say "benchmark: $PERSONS persons, $RECORDS records, batches of $BATCH"
t0=$(date +%s)
pl_psql -v seed=$SEED -v persons=$PERSONS -v records=$RECORDS -v batch=$BATCH \
    -f "$PL_TOP/bench/linkage.sql" >/dev/null
t1=$(date +%s)

q() { pl_psql -At -c "$1"; }
md() {
    { echo "$1"; pl_psql -At -F '|' -c "$2"; } | awk -F'|' 'NR==1 { h=$0; gsub(/\|/, " | ", h); print "| " h " |";
        s="|"; for (i = 1; i <= NF; i++) s = s "---|"; print s; next }
        { r=$0; gsub(/\|/, " | ", r); print "| " r " |" }'
}
sec() { q "SELECT round((ms / 1000)::numeric, 2) FROM bench.timing WHERE step = '$1'"; }

accepted=$(q "SELECT value FROM bench.fact WHERE name = 'accepted'")
link_s=$(sec 'link run')
model_s=$(sec 'default model')
sql_prep_s=$(sec 'SQL: current addresses and indexes')
sql_s=$(sec 'SQL: pairs, weights, assignment')
pl_rate=$(awk -v n="$accepted" -v s="$link_s" 'BEGIN { printf "%.0f", n / s }')
sql_rate=$(awk -v n="$accepted" -v s="$sql_s" 'BEGIN { printf "%.0f", n / s }')

quality=$(md "method|records|linkable|linked right|% of linkable|linked wrong|% of linked|multiple|review|none|same birth date, sex and address as another person: multiple" "
SELECT method, records, linkable, \"right\", round(100.0 * \"right\" / linkable, 2), wrong,
       round(100.0 * wrong / nullif(\"unique\", 0), 3), multiple, review, \"none\", twins_multiple || ' of ' || twins
FROM bench.quality ORDER BY method DESC")
progress=$(md "batches|records/s (link_progress)|candidate pairs|second-pass records|first pass s|second pass s|assignment s" "
SELECT batches, records_per_second, candidate_pairs, second_pass_records, first_pass_seconds, second_pass_seconds, assign_seconds
FROM pseudolink.link_progress")
report=$(md "status|records|%|De Bruin et al. 2004 %" "
SELECT status, records, percent, coalesce(de_bruin_2004_percent::text, '') FROM pseudolink.link_report(
    (SELECT upload_id FROM pseudolink.link_job))")
sweep=$(md "upper|lower|margin|linked right|% of linkable|linked wrong|% of linked|multiple|review" "
SELECT u, lo, mg, \"right\", round(100.0 * \"right\" / linkable, 2), wrong,
       round(100.0 * wrong / nullif(\"right\" + wrong, 0), 3), multiple, review
FROM bench.sweep ORDER BY u DESC, lo DESC")
errors=$(md "errors of the record (generator)|status|records" "
SELECT coalesce(nullif(array_to_string(errors, ', '), ''), '(none)'), status, count(*) FROM bench.pl
WHERE linkable AND NOT (status = 'unique' AND person_id = true_person_id)
GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 12")
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')

mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<MD
# Linkage benchmark

Command: \`bash bench/linkage.sh $PERSONS $RECORDS $BATCH\` (\`bash bench/run.sh linkage\` runs the
defaults). Machine: $cpu, $(nproc) cores; PostgreSQL $(q 'SHOW server_version'); $(date -u +%Y-%m-%d).
Data: \`synth_persons($SEED, $PERSONS)\` with \`synth_addresses\` as the register (loaded with
\`register_load\`), \`synth_extract($SEED, $PERSONS, 'PCI', $RECORDS)\` as the upload ($accepted records
accepted), the default Dutch model \`link_default_model('nl')\` ($model_s s), default thresholds.
Whole script: $((t1 - t0)) s.

## Throughput

| method | seconds | records/s |
|---|---|---|
| \`CALL pseudolink.link(upload, batch_size => $BATCH)\`: GIN blocking index, address history, weights, assignment, results committed per batch | $link_s | $pl_rate |
| Splink-style plain SQL: UNION of 3 equality joins on btree-indexed columns, CASE levels, same weights, current address only, assignment (no results written per batch) | $sql_s | $sql_rate |

The SQL linkage also needed $sql_prep_s s to build the table of current addresses and its indexes
(the register's GIN index is built by \`register_load\`, not counted above).

$progress

## Quality against the ground truth

Linkable: the true person is in the register. "% of linked" is the share of links (unique) that
name a wrong person.

$quality

Records per status (\`link_report\`), beside De Bruin et al. 2004:

$report

## Thresholds

The same run's best and runner-up weights assigned under other thresholds (\`link_assign_status\`;
approximate for thresholds stricter than the run's, whose second pass would have searched more
records):

$sweep

Linkable records not linked to their person, by the errors the generator put in:

$errors
MD
pl_say "wrote $OUT"
cat "$OUT"
