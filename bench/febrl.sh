#!/usr/bin/env bash
# FEBRL dataset 3 deduplication with the generic linkage API, next to the
# precision, recall and F1 Splink publishes for the same data and model
# (its FEBRL example: 0.9997 / 0.9862 / 0.9929 at match probability 0.5).
# Splink is not installed here (no Python registry access), so its side is
# its published numbers, not a run.  Reads ../shared/data/febrl/dataset3.csv
# (relative to the checkout; the data are not part of the repository),
# runs bench/febrl.sql on a throwaway cluster and writes
# bench/results/febrl.md.  Not a test: timings vary by machine.
#
#   bash bench/febrl.sh [datafile] [seed]
#        (defaults ../shared/data/febrl/dataset3.csv, 0.42)
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

DATA=${1:-$PL_TOP/../shared/data/febrl/dataset3.csv}
SEED=${2:-0.42}
OUT=$PL_TOP/bench/results/febrl.md
[ -r "$DATA" ] || pl_die "cannot read $DATA (the FEBRL files live in ../shared/data/febrl)"
DATA=$(cd "$(dirname "$DATA")" && pwd)/$(basename "$DATA")

pl_install_packages
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'" "jit = off" "work_mem = '64MB'"
createdb bench
export PGDATABASE=bench
pl_psql -c 'CREATE EXTENSION pseudolink'

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
pl_say "deduplicating $(basename "$DATA")"
t0=$(date +%s.%N)
pl_psql -v seed=$SEED -f "$PL_TOP/bench/febrl.sql" <"$DATA" >/dev/null
t1=$(date +%s.%N)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

q() { psql -X -At -F ' | ' -c "$1"; }
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
pgv=$(q "SELECT version()" | sed 's/ on .*//')
records=$(q "SELECT count(*) FROM febrl.records")
entities=$(q "SELECT count(DISTINCT split_part(rec_id, '-', 2)) FROM febrl.records")

mkdir -p "$(dirname "$OUT")"
{
    echo "# FEBRL dataset 3 deduplication against Splink's published accuracy"
    echo
    echo "Command: \`bash bench/febrl.sh\` (data \`../shared/data/febrl/$(basename "$DATA")\`, seed $SEED), $(date -u +%Y-%m-%d)."
    echo "Machine: $(nproc) cores ($cpu), $mem; $pgv. Load average $load_before before, $load_after after."
    echo "The whole of \`bench/febrl.sql\` (load, model, u, EM, prior, scoring, clusters, accuracy, sweep) took" \
         "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s."
    echo
    echo "Data: $records records of $entities persons (FEBRL generator, redistributed by the Python Record"
    echo "Linkage Toolkit under BSD-3-Clause); truth: the N of \`rec-N-org\` / \`rec-N-dup-k\`."
    echo "Model (doc/generic-linkage.md): Splink's FEBRL comparisons, given name and surname by Jaro-Winkler"
    echo "(0.92, 0.88, 0.7) with term frequencies, date of birth and social security number by"
    echo "Damerau-Levenshtein (1, 2 edits), street number and postcode exact with term frequencies; Splink's"
    echo "seven blocking rules (the swapped-names rule included). Training as Splink's example: u from about"
    echo "a million random pairs; m by EM (u fixed) in two sessions, over the pairs agreeing on date of birth"
    echo "(that comparison left out) and over those agreeing on postcode (postcode left out); the prior of two"
    echo "random records from deterministic rules (same social security number, or same names and date of"
    echo "birth, or swapped names and the same date of birth) at an assumed recall of 0.9. Then"
    echo "\`dedupe_table(..., training => 'none', keep_all => true)\`."
    echo
    echo "## The run"
    echo
    echo "| record_count | candidate_pairs | matches at 0.5 | clusters | largest_cluster | prior (random pairs) |"
    echo "|---:|---:|---:|---:|---:|---:|"
    q "SELECT record_count, candidate_pairs, matches, clusters, largest_cluster, round(prior::numeric, 7)
       FROM febrl.run" | sed 's/^/| /; s/$/ |/'
    echo
    echo "| step | seconds |"
    echo "|---|---:|"
    q "SELECT step, round(seconds::numeric, 2) FROM febrl.timing ORDER BY ord" | sed 's/^/| /; s/$/ |/'
    echo
    echo "## Accuracy, pairwise, side by side"
    echo
    echo "Recall counts every true pair of the file, also those no blocking rule made a candidate."
    echo
    echo "| | threshold | true pairs | predicted | true positives | precision | recall | F1 |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    q "SELECT 'pseudolink, pairs', probability_threshold, true_pairs, predicted_pairs, true_positives,
              round(\"precision\"::numeric, 4), round(recall::numeric, 4), round(f1::numeric, 4) FROM febrl.accuracy" \
        | sed 's/^/| /; s/$/ |/'
    q "SELECT 'pseudolink, clusters at 0.5', 0.5, true_pairs, predicted_pairs, true_positives,
              round(\"precision\"::numeric, 4), round(recall::numeric, 4), round(f1::numeric, 4) FROM febrl.cluster_accuracy" \
        | sed 's/^/| /; s/$/ |/'
    echo "| Splink, published (pairs) | 0.5 | | | | 0.9997 | 0.9862 | 0.9929 |"
    q "SELECT 'pseudolink, best F1 of the sweep', round(probability_threshold::numeric, 6), true_pairs, predicted_pairs,
              true_positives, round(\"precision\"::numeric, 4), round(recall::numeric, 4), round(f1::numeric, 4)
       FROM febrl.sweep ORDER BY f1 DESC NULLS LAST, probability_threshold LIMIT 1" | sed 's/^/| /; s/$/ |/'
    echo "| Splink, published best F1 | | | | | | | 0.9954 |"
    echo
    echo "Candidate pairs that are true: $(q "SELECT count(*) FROM febrl.pairs p
        WHERE split_part(p.left_id, '-', 2) = split_part(p.right_id, '-', 2)") of" \
         "$(q "SELECT true_pairs FROM febrl.accuracy") (the ceiling on recall the blocking sets)."
    echo
    echo "## The sweep"
    echo
    echo "| match probability | match weight | predicted | precision | recall | F1 |"
    echo "|---:|---:|---:|---:|---:|---:|"
    q "SELECT round(probability_threshold::numeric, 6), round(log(2, (probability_threshold / (1 - probability_threshold))::numeric), 2),
              predicted_pairs, round(\"precision\"::numeric, 4), round(recall::numeric, 4), round(f1::numeric, 4)
       FROM febrl.sweep WHERE probability_threshold IN (SELECT pseudolink.match_probability(w) FROM generate_series(-6, 12, 2) w)
          OR round(probability_threshold::numeric, 2) IN (0.05, 0.25, 0.5, 0.75, 0.95)
       ORDER BY probability_threshold" | sed 's/^/| /; s/$/ |/'
    echo
    echo "## The estimated model"
    echo
    echo "| comparison | level | label | m | u | weight |"
    echo "|---|---:|---|---:|---:|---:|"
    q "SELECT l.comparison, l.level, l.label, round(l.m::numeric, 4), round(l.u::numeric, 6),
              round(log(2, (l.m / l.u)::numeric), 2)
       FROM pseudolink.fs_level l JOIN pseudolink.fs_comparison c USING (model, comparison)
       WHERE l.model = 'febrl' ORDER BY c.position, l.level DESC" | sed 's/^/| /; s/$/ |/'
    echo
    echo "Estimation (the last EM session, then the prior): $(q "SELECT estimation FROM pseudolink.fs_model WHERE model = 'febrl'")."
} > "$OUT"
pl_say "results in ${OUT#$PL_TOP/}"
cat "$OUT"
