#!/usr/bin/env bash
# Blocking benchmark: candidate pairs for a registry extract against a
# register with address history, found by the GIN operator class (one key
# set per record, one index scan per record for all rules) and by a UNION of
# btree-indexed equality joins, one per rule (the way Splink blocks), at
# equal recall: both find exactly the same pairs, which the script checks.
# Also: preparation time and size of each, blocking quality per rule set
# against the generator's ground truth, and the blocking analysis.
#
# Usage: bash bench/blocking.sh [persons] [records] [rounds]
#        (defaults 1000000, 100000, 3)
# Writes bench/results/blocking.md.  Never more than two parallel workers.
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

PERSONS=${1:-1000000}
RECORDS=${2:-100000}
ROUNDS=${3:-3}
SEED=2024
OUT=$PL_TOP/bench/results/blocking.md

pl_install_packages
pl_build_install
# Settings shared by both methods: the data fits in shared buffers; JIT off
# because its compile time is noise for both; at most two workers.
pl_cluster_start "shared_preload_libraries = 'pseudolink'" \
    "shared_buffers = '2GB'" "work_mem = '256MB'" "jit = off" \
    "max_parallel_workers_per_gather = 2" "max_parallel_workers = 2"
createdb bench
export PGDATABASE=bench
pl_psql -c 'CREATE EXTENSION pseudolink'

pl_say "benchmark: $PERSONS persons, $RECORDS records, $ROUNDS rounds"
t0=$(date +%s)
pl_psql -v seed=$SEED -v persons=$PERSONS -v records=$RECORDS -v rounds=$ROUNDS \
    -f "$PL_TOP/bench/blocking.sql" >/dev/null
t1=$(date +%s)

q() { pl_psql -At -c "$1"; }
# md HEADER QUERY: a query's rows as a markdown table; HEADER is "col|col|..."
md() {
    { echo "$1"; pl_psql -At -F '|' -c "$2"; } | awk -F'|' 'NR==1 { h=$0; gsub(/\|/, " | ", h); print "| " h " |";
        s="|"; for (i = 1; i <= NF; i++) s = s "---|"; print s; next }
        { r=$0; gsub(/\|/, " | ", r); print "| " r " |" }'
}
fact() { q "SELECT value FROM bench.fact WHERE name = '$1'"; }
med() { q "SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) / 1000)::numeric, 2)
           FROM bench.timing WHERE step = '$1'"; }
ms() { q "SELECT round((max(ms) / 1000)::numeric, 1) FROM bench.timing WHERE step = '$1'"; }
mb() { q "SELECT round(sum(value::numeric) / 1048576, 0) FROM bench.fact WHERE name IN ($1)"; }

gin_s=$(med 'GIN && (serial)')
gin_p=$(med 'GIN && (2 workers)')
# the UNION at its best: the faster of the planner's plan and hash joins
uni_s=$(awk -v a="$(med 'UNION of 6 joins (serial)')" -v b="$(med 'UNION of 6 joins, hash joins (serial)')" \
        'BEGIN { printf "%.2f", (a < b ? a : b) }')
uni_p=$(awk -v a="$(med 'UNION of 6 joins (2 workers)')" -v b="$(med 'UNION of 6 joins, hash joins (2 workers)')" \
        'BEGIN { printf "%.2f", (a < b ? a : b) }')
gin_cap=$(med 'GIN && after the cap (serial)')
ratio_s=$(awk -v a="$uni_s" -v b="$gin_s" 'BEGIN { printf "%.1f", a / b }')
ratio_p=$(awk -v a="$uni_p" -v b="$gin_p" 'BEGIN { printf "%.1f", a / b }')
same=$(q "SELECT count(DISTINCT (pairs, checksum)) = 1 FROM bench.timing
          WHERE step IN ('GIN && (serial)', 'GIN && (2 workers)') OR step LIKE 'UNION of 6 joins%'")
pairs=$(q "SELECT max(pairs) FROM bench.timing WHERE step = 'GIN && (serial)'")

runs=$(md "query|workers|median s|min s|max s|candidate pairs|checksum" "
SELECT regexp_replace(step, ' \((serial|2 workers)\)$', ''),
       CASE WHEN step LIKE '%(serial)' THEN '0' ELSE '2' END,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) / 1000)::numeric, 2)::text,
       round((min(ms) / 1000)::numeric, 2)::text, round((max(ms) / 1000)::numeric, 2)::text,
       max(pairs)::text, max(checksum)::text
FROM bench.timing WHERE pairs IS NOT NULL GROUP BY step ORDER BY 2, 1")

quality=$(md "rule set|min shared|candidate pairs|true pairs found|pairs completeness|reduction ratio|pairs quality|s" "
SELECT name, min_shared::text, candidate_pairs::text, true_pairs_found || ' of ' || true_pairs,
       round(pairs_completeness::numeric * 100, 2)::text || '%', round(reduction_ratio::numeric, 7)::text,
       round(pairs_quality::numeric * 100, 1)::text || '%', round((ms / 1000)::numeric, 1)::text
FROM bench.quality ORDER BY ord")

recall=$(md "rule|pairs completeness alone" "
SELECT rule_id || ' ' || name, round(recall::numeric * 100, 2)::text || '%' FROM bench.rule_recall ORDER BY rule_id")

analysis=$(md "rule|probe records|without key|target records|blocks|pair-key matches|largest block|max_block|oversized" "
SELECT coalesce(rule_id || ' ', '') || rule_name, probe_records::text, probe_without_key::text, target_records::text,
       blocks::text, pairs::text, largest_block::text, coalesce(max_block::text, ''), oversized_blocks::text
FROM bench.analysis")

largest=$(md "rule|block (normalised values)|registry records|register persons|pairs|oversized" "
SELECT rule_id || ' ' || rule_name, regexp_replace(replace(coalesce(block, ''), ' | ', ' / '), ' / $', ''),
       probe_records::text, target_records::text,
       pairs::text, oversized::text
FROM bench.largest_explained ORDER BY pairs DESC, target_records DESC")

plan_serial=$(q "SELECT string_agg(plan, E'\n' ORDER BY line) FROM bench.plan WHERE name = 'GIN &&' AND workers = 0")
plan_parallel=$(q "SELECT string_agg(plan, E'\n' ORDER BY line) FROM bench.plan WHERE name = 'GIN &&' AND workers = 2")
plan_union=$(q "SELECT string_agg(plan, E'\n' ORDER BY line) FROM bench.plan WHERE name = 'UNION of 6 joins'")
plan_hash=$(q "SELECT string_agg(plan, E'\n' ORDER BY line) FROM bench.plan WHERE name = 'UNION of 6 joins, hash joins'")

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mem=$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
pgv=$(q "SELECT version()" | sed 's/ on .*//')

mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# Blocking: the GIN operator class against a UNION of btree-indexed joins

Command: \`bash bench/blocking.sh $PERSONS $RECORDS $ROUNDS\` (seed $SEED), $(date -u +%Y-%m-%d).
Machine: $(nproc) cores ($cpu), $mem; $pgv. The whole run took $((t1 - t0)) s.
Settings for both methods: shared_buffers 2GB, work_mem 256MB, maintenance_work_mem 64MB (the
default), jit off, at most 2 parallel workers. The machine is shared and noisy: every round runs
the GIN query and the UNION query one after the other, and the tables show medians of $ROUNDS
rounds; compare the ratios.

Data (pseudolink.synth_*): a register of $(fact persons) persons with $(fact periods) address
periods (ten years of history), stored in birth date order, and a PCI extract of $(fact records)
records, $(fact 'records in register') of them of register persons, with about 2% errors per field.
Rules: the six Dutch rules of \`add_dutch_blocking_rules()\` (birth date + sex; birth year +
postcode; birth date + four-digit postcode; swapped birth date + sex; day and month + postcode +
sex; postcode + house number + suffix).

## Candidate pairs at equal recall

Both methods find the same $pairs candidate pairs (same count and checksum in every run: $same),
so their pairs completeness is the same by construction.

| | GIN \`keys && keys\` | UNION of 6 joins (the faster of its two plans) | UNION / GIN |
|---|---|---|---|
| serial, median s | $gin_s | $uni_s | **$ratio_s x** |
| 2 workers, median s | $gin_p | $uni_p | **$ratio_p x** |

The UNION runs twice per round: with the planner's plan (index nested loops with Memoize over
the btrees) and with hash joins (\`enable_nestloop\` and \`enable_mergejoin\` off).

All runs:

$runs

\`GIN @@ shares(keys, 2)\` is the same index asked for pairs that share at least two keys:
fewer pairs and a lower recall (see the quality table); the UNION has no equivalent.
\`GIN && on a register not in birth date order\` is the same query on the same key sets stored in
person id order (a random order): what storing the register in birth date order is worth.

## Preparation: time and size

| | GIN | UNION |
|---|---|---|
| register: key sets / normalised columns, s | $(ms 'GIN: key sets of the register') | $(ms 'UNION: normalised register') |
| registry: key sets / normalised columns, s | $(ms 'GIN: key sets of the registry') | $(ms 'UNION: normalised registry') |
| index build, s | $(ms 'GIN: index build') (one GIN) | $(ms 'UNION: index build (5 btrees)') (five btrees) |
| register table, MB | $(mb "'size: reg_keys'") | $(mb "'size: person_f', 'size: addr_f'") |
| registry table, MB | $(mb "'size: q_keys'") | $(mb "'size: q_f'") |
| index size, MB | $(mb "'size: reg_keys_gin'") | $(mb "'size: UNION btrees'") |

The GIN side builds keys in C (\`blocking_keys\`, \`blockkeys_agg\` over address periods); the
UNION side normalises with SQL expressions (regular expressions for the postcode).

## Blocking quality per rule set

Pairs completeness: the share of the true pairs (registry record, its person in the register)
that become candidates; reduction ratio: 1 - candidates / (records x persons); pairs quality:
the share of candidates that are true pairs. Computed by \`blocking_quality()\` through the GIN
index, with \`keys_of_rules()\` for the subsets; s is the time of that call.

$quality

Each rule alone:

$recall

## The cap on oversized blocks

\`blocking_stop_oversized('nl', 'bench.reg_keys', 'keys')\` stopped $(fact 'stopped keys') keys
($(fact 'stopped keys, rules'): a postcode, house number and suffix shared by more than 50 register
persons over the history; by the generator's ground truth, their postcodes are: $(fact 'stopped keys, kinds')), in
$(ms 'blocking_stop_oversized()') s. With the registry's keys rebuilt, the GIN query takes
$gin_cap s (median, serial) for $(q "SELECT max(pairs) FROM bench.timing WHERE step = 'GIN && after the cap (serial)'")
candidate pairs; its quality is in the last two rows of the table above.

## Blocking analysis before the run

\`blocking_analysis('nl', 'bench.q_keys', 'keys', 'bench.reg_keys', 'keys')\` took
$(ms 'blocking_analysis()') s. Pair-key matches count a pair once for every key of the rule it shares.

$analysis

The largest blocks (\`blocking_largest_blocks\`, values looked up with \`blocking_explain\`):

$largest

## Plans

GIN, serial:

\`\`\`
$plan_serial
\`\`\`

GIN, two workers:

\`\`\`
$plan_parallel
\`\`\`

UNION, serial, the planner's plan:

\`\`\`
$plan_union
\`\`\`

UNION, serial, hash joins:

\`\`\`
$plan_hash
\`\`\`
EOF
pl_say "wrote $OUT"
echo "GIN ${gin_s}s vs UNION ${uni_s}s serial (${ratio_s}x); ${gin_p}s vs ${uni_p}s with 2 workers (${ratio_p}x); same pairs: $same"
