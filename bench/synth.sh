#!/usr/bin/env bash
# Synthetic data benchmark and calibration check.
#
# 1. Speed: generate a register of 1 M persons with their address periods
#    (count only, COPY to a client, INSERT into tables, two sessions in
#    parallel chunks) and registry extracts, next to the hand-written SQL a
#    user would otherwise write (generate_series + random(), no model).
# 2. Calibration: the generated 1 M register against the DOMAIN.md figures
#    (births per year, share of men by age, twins, movers per year, persons
#    per postcode) and the extracts' age/sex mix and error rates.
#
# Usage: bash bench/synth.sh [persons]   (default 1000000)
# Writes bench/results/synth.md.  At most two sessions run at once.
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

N=${1:-1000000}
SEED=2024
OUT=$PL_TOP/bench/results/synth.md

pl_install_packages
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'" "work_mem = '64MB'"
createdb bench
export PGDATABASE=bench
pl_psql -c 'CREATE EXTENSION pseudolink'

# seconds taken by one psql invocation (its output goes to /dev/null)
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
# calc EXPR [FORMAT]: floating-point arithmetic
calc() { awk "BEGIN { printf \"${2:-%.2f}\", $1 }"; }
rate() { calc "$1 / $2" '%.0f'; }
q() { pl_psql -At -c "$1"; }
# md HEADER QUERY: a query's rows as a markdown table; HEADER is "col|col|..."
md() {
    { echo "$1"; pl_psql -At -F '|' -c "$2"; } | awk -F'|' 'NR==1 { h=$0; gsub(/\|/, " | ", h); print "| " h " |";
        s="|"; for (i = 1; i <= NF; i++) s = s "---|"; print s; next }
        { r=$0; gsub(/\|/, " | ", r); print "| " r " |" }'
}

F="pseudolink.synth"
PERSONS="SELECT * FROM ${F}_persons($SEED, $N)"
ADDRESSES="SELECT * FROM ${F}_addresses($SEED, $N)"

pl_say "speed: generation only"
t_persons=$(secs q "SELECT count(*) FROM ${F}_persons($SEED, $N)")
t_addresses=$(secs q "SELECT count(*) FROM ${F}_addresses($SEED, $N)")
n_periods=$(q "SELECT count(*) FROM ${F}_addresses($SEED, $N)")

pl_say "speed: COPY to a client, streaming (SELECT list) and through FROM"
t_copy_stream=$(secs pl_psql -c "COPY (SELECT (r).* FROM (SELECT ${F}_addresses($SEED, $N) AS r) s) TO STDOUT")
t_copy_from=$(secs pl_psql -c "COPY ($ADDRESSES) TO STDOUT")

pl_say "speed: INSERT into tables"
pl_psql -c "CREATE UNLOGGED TABLE person (person_id bigint, birth_date date, sex smallint, twin_person_id bigint)" \
        -c "CREATE UNLOGGED TABLE address (person_id bigint, postcode text, house_number int, house_suffix text,
                                   valid_from date, valid_to date, kind text, reason text)"
t_insert_persons=$(secs pl_psql -c "INSERT INTO person $PERSONS")
t_insert_addresses=$(secs pl_psql -c "INSERT INTO address SELECT (r).* FROM (SELECT ${F}_addresses($SEED, $N) AS r) s")

pl_say "speed: two sessions, one half each"
pl_psql -c "CREATE UNLOGGED TABLE address2 (LIKE address)"
half=$((N / 2))
t0=$(date +%s.%N)
pl_psql -c "INSERT INTO address2 SELECT (r).* FROM (SELECT ${F}_addresses($SEED, $N, 1, $half) AS r) s" >/dev/null &
pl_psql -c "INSERT INTO address2 SELECT (r).* FROM (SELECT ${F}_addresses($SEED, $N, $((half + 1))) AS r) s" >/dev/null &
wait
t1=$(date +%s.%N)
t_parallel=$(calc "$t1 - $t0")
same=$(q "SELECT (SELECT count(*) FROM (TABLE address EXCEPT ALL TABLE address2) d) = 0
          AND (SELECT count(*) FROM address) = (SELECT count(*) FROM address2)")

pl_say "speed: extracts"
R=100000
t_pci=$(secs q "SELECT count(*) FROM ${F}_extract($SEED, $N, 'PCI', $R)")
t_tavi=$(secs q "SELECT count(*) FROM ${F}_extract($SEED, $N, 'TAVI', $R)")

pl_say "speed: the hand-written SQL alternative"
pl_psql -c "CREATE UNLOGGED TABLE alt_person (person_id bigint, birth_date date, sex smallint)" \
        -c "CREATE UNLOGGED TABLE alt_address (person_id bigint, postcode text, house_number int,
                                       valid_from date, valid_to date)"
t_alt_persons=$(secs pl_psql -c "INSERT INTO alt_person
    SELECT i, date '1918-01-01' + floor(random() * 38000)::int, 1 + (random() < 0.5)::int
    FROM generate_series(1, $N) i")
# two periods per person, a random postcode each: the shape, none of the model
t_alt_addresses=$(secs pl_psql -c "INSERT INTO alt_address
    SELECT i, (1011 + floor(random() * 8989))::int::text
              || chr(65 + floor(random() * 26)::int) || chr(65 + floor(random() * 26)::int),
           1 + floor(random() * 150)::int, v.f, v.t
    FROM generate_series(1, $N) i,
         LATERAL (VALUES (date '2010-01-01' + floor(random() * 2000)::int, date '2019-06-01'),
                         (date '2019-06-01', NULL::date)) v(f, t)")

pl_say "calibration"
pl_psql -c "CREATE INDEX ON person (person_id)" -c "CREATE INDEX ON address (person_id)" -c "ANALYZE person, address"
pl_psql -c "CREATE UNLOGGED TABLE pc AS SELECT * FROM ${F}_postcodes($SEED, $N)"
pl_psql -c "CREATE UNLOGGED TABLE ext AS
    SELECT * FROM ${F}_extract($SEED, $N, 'PCI', $R)
    UNION ALL SELECT * FROM ${F}_extract($SEED, $N, 'CABG', $R)
    UNION ALL SELECT * FROM ${F}_extract($SEED, $N, 'TAVI', $R)"

births=$(md "birth year|CBS live births|generated persons born that year|per 18 M|ratio to births (survival, migration)" "
WITH b(y, births) AS (VALUES (1950, 229718), (1960, 239128), (1970, 238912), (1980, 181294),
                             (1990, 197965), (2000, 206619), (2010, 184397), (2020, 168681), (2022, 167504)),
     g AS (SELECT extract(year FROM birth_date)::int AS y, count(*) AS n FROM person GROUP BY 1)
SELECT y::text, births::text, n::text, round(n * 18e6 / $N)::text, round(n * 18e6 / $N / births, 3)::text
FROM b JOIN g USING (y) ORDER BY y")

men=$(md "age|DOMAIN.md % men|generated % men|persons of that age" "
WITH t(age, target) AS (VALUES (65, 49.8), (80, 43.5), (90, 29.8)),
     g AS (SELECT date_part('year', age('2024-01-01', birth_date))::int AS age,
                  100.0 * avg((sex = 1)::int) AS men, count(*) AS n FROM person GROUP BY 1)
SELECT age::text, coalesce(target::text, '(estimate)'), round(men, 1)::text, n::text
FROM g LEFT JOIN t USING (age) WHERE age IN (0, 20, 40, 65, 80, 90, 95) ORDER BY 1")

twins=$(md "measure|DOMAIN.md|generated" "
WITH tp AS (SELECT p1.birth_date, p1.sex = p2.sex AS same_sex
            FROM person p1 JOIN person p2 ON p2.person_id = p1.twin_person_id
            WHERE p1.person_id < p2.person_id),
     d AS (SELECT CASE WHEN extract(year FROM birth_date) < 1975 THEN 'born before 1975'
                       WHEN extract(year FROM birth_date) < 2000 THEN 'born 1975-1999'
                       ELSE 'born 2000 or later' END AS cohort,
                  count(*) FILTER (WHERE twin_person_id IS NOT NULL) / 2.0 AS pairs,
                  count(*) FILTER (WHERE twin_person_id IS NULL) AS singles
           FROM person GROUP BY 1)
SELECT 'twin deliveries, ' || cohort, CASE cohort WHEN 'born 2000 or later' THEN '1.5-1.8%' ELSE '1.0-1.8%' END,
       round(100 * pairs / (pairs + singles), 2)::text || '%' FROM d
UNION ALL
SELECT 'same-sex twin pairs', '67.6%', round(100.0 * avg(same_sex::int), 1)::text || '%' FROM tp
UNION ALL
SELECT 'same-sex pairs at one address at the register date', '-',
       (SELECT count(*) FROM person p1 JOIN person p2 ON p2.person_id = p1.twin_person_id AND p1.person_id < p2.person_id
        AND p1.sex = p2.sex
        JOIN address a1 ON a1.person_id = p1.person_id AND a1.valid_to IS NULL
        JOIN address a2 ON a2.person_id = p2.person_id AND a2.valid_to IS NULL
        WHERE (a1.postcode, a1.house_number, a1.house_suffix) IS NOT DISTINCT FROM (a2.postcode, a2.house_number, a2.house_suffix))::text
       || ' of ' || (SELECT count(*) FROM tp WHERE same_sex)::text")

moves=$(md "year|DOMAIN.md: movers|generated: movers, all ages|DOMAIN.md: ages 65-74|generated: ages 65-74" "
SELECT y::text, '~11%',
       round(100.0 * (SELECT count(DISTINCT a.person_id) FROM address a
                      WHERE a.reason = 'move' AND a.valid_from >= make_date(y, 1, 1) AND a.valid_from < make_date(y + 1, 1, 1))
             / (SELECT count(*) FROM person WHERE birth_date < make_date(y, 1, 1)), 1)::text || '%',
       '3.5%',
       round(100.0 * (SELECT count(DISTINCT a.person_id) FROM address a JOIN person p USING (person_id)
                      WHERE a.reason = 'move' AND a.valid_from >= make_date(y, 1, 1) AND a.valid_from < make_date(y + 1, 1, 1)
                        AND date_part('year', age(make_date(y, 1, 1), p.birth_date)) BETWEEN 65 AND 74)
             / (SELECT count(*) FROM person WHERE date_part('year', age(make_date(y, 1, 1), birth_date)) BETWEEN 65 AND 74), 2)::text || '%'
FROM generate_series(2015, 2023, 2) y")

postcodes=$(md "postcodes with residents|mean|p10|p25|median|p75|p90|p99|p99.9|max" "
WITH n AS (SELECT postcode, count(*) AS n FROM address WHERE valid_to IS NULL GROUP BY 1)
SELECT count(*)::text, round(avg(n), 1)::text,
       percentile_disc(0.1) WITHIN GROUP (ORDER BY n)::text, percentile_disc(0.25) WITHIN GROUP (ORDER BY n)::text,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY n)::text, percentile_disc(0.75) WITHIN GROUP (ORDER BY n)::text,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY n)::text, percentile_disc(0.99) WITHIN GROUP (ORDER BY n)::text,
       percentile_disc(0.999) WITHIN GROUP (ORDER BY n)::text, max(n)::text FROM n")

kinds=$(md "kind of postcode|postcodes|residents|share of residents|residents per postcode|mean age" "
WITH cur AS (SELECT a.kind, a.postcode, date_part('year', age('2024-01-01', p.birth_date)) AS age
             FROM address a JOIN person p USING (person_id) WHERE a.valid_to IS NULL)
SELECT kind, count(DISTINCT postcode)::text, count(*)::text, round(100.0 * count(*) / $N, 2)::text || '%',
       round(count(*)::numeric / count(DISTINCT postcode), 1)::text, round(avg(age)::numeric, 1)::text
FROM cur GROUP BY kind")

history=$(md "address periods|per person|starting with a move|starting at birth|postcode changes|postcodes|of which changed" "
SELECT count(*)::text, round(count(*)::numeric / $N, 2)::text,
       count(*) FILTER (WHERE reason = 'move')::text, count(*) FILTER (WHERE reason = 'birth')::text,
       count(*) FILTER (WHERE reason = 'postcode_change')::text,
       (SELECT count(*) FROM pc WHERE valid_from IS NULL)::text, (SELECT count(*) FROM pc WHERE successor IS NOT NULL)::text
FROM address")

registries=$(md "registry|DOMAIN.md|generated % women|mean age|median age|not in register" "
WITH c AS (SELECT *, date_part('year', age(to_date(event_date, 'DD-MM-YYYY'), to_date(birth_date, 'DD-MM-YYYY'))) AS age
           FROM ext WHERE errors = '{}')
SELECT registry, CASE registry WHEN 'TAVI' THEN 'median age 81, 50% women'
                               WHEN 'PCI' THEN 'ACS: 29.8% women, mean age 63-68' ELSE '(estimate)' END,
       round(100.0 * avg((sex = '2')::int), 1)::text, round(avg(age)::numeric, 1)::text,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY age)::text,
       round(100.0 * avg((true_person_id IS NULL)::int), 2)::text || '%'
FROM c GROUP BY registry")

errors=$(md "error|records|share of records" "
SELECT e, count(*)::text, round(100.0 * count(*) / (3 * $R), 3)::text || '%'
FROM ext, unnest(errors) e GROUP BY e
UNION ALL
SELECT 'any birth date error', count(*)::text, round(100.0 * count(*) / (3 * $R), 2)::text || '%'
FROM ext WHERE EXISTS (SELECT FROM unnest(errors) e WHERE e LIKE 'birth\\_date%')
UNION ALL
SELECT 'any postcode error (of Dutch postcodes)', count(*) FILTER (WHERE EXISTS (SELECT FROM unnest(errors) e WHERE e LIKE 'postcode\\_%'))::text,
       round(100.0 * count(*) FILTER (WHERE EXISTS (SELECT FROM unnest(errors) e WHERE e LIKE 'postcode\\_%')) / count(*), 2)::text || '%'
FROM ext WHERE postcode <> '0000'")

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# Synthetic data: speed and calibration

Command: \`bash bench/synth.sh $N\` (seed $SEED). Machine: $(nproc) cores, $cpu,
$(free -g | awk '/Mem:/ {print $2}') GB; PostgreSQL $(q 'SHOW server_version'), one run, $(date -u +%Y-%m-%d).
A noisy shared machine: compare the ratios within this run.

## Speed: $N persons with their address periods

| what | seconds | rows | rows/s |
|---|---|---|---|
| \`synth_persons\`, count only | $t_persons | $N | $(rate $N "$t_persons") |
| \`synth_addresses\`, count only | $t_addresses | $n_periods | $(rate "$n_periods" "$t_addresses") |
| \`COPY (SELECT (r).* FROM (SELECT synth_addresses(...) r) s) TO STDOUT\` (streams) | $t_copy_stream | $n_periods | $(rate "$n_periods" "$t_copy_stream") |
| \`COPY (SELECT * FROM synth_addresses(...)) TO STDOUT\` (materialises first) | $t_copy_from | $n_periods | $(rate "$n_periods" "$t_copy_from") |
| \`INSERT INTO person SELECT * FROM synth_persons(...)\` | $t_insert_persons | $N | $(rate $N "$t_insert_persons") |
| \`INSERT INTO address SELECT (r).* ...\` (streams) | $t_insert_addresses | $n_periods | $(rate "$n_periods" "$t_insert_addresses") |
| the same INSERT in two sessions, half of the persons each | $t_parallel | $n_periods | $(rate "$n_periods" "$t_parallel") |
| \`synth_extract\` PCI, count only | $t_pci | $R | $(rate $R "$t_pci") |
| \`synth_extract\` TAVI, count only | $t_tavi | $R | $(rate $R "$t_tavi") |
| alternative: hand-written \`INSERT ... generate_series, random()\` persons | $t_alt_persons | $N | $(rate $N "$t_alt_persons") |
| alternative: hand-written random addresses, two periods per person | $t_alt_addresses | $((2 * N)) | $(rate $((2 * N)) "$t_alt_addresses") |

Persons and addresses loaded (\`INSERT\`, one session): $(calc "$t_insert_persons + $t_insert_addresses") s for pseudolink against $(calc "$t_alt_persons + $t_alt_addresses") s
for the hand-written SQL (ratio $(calc "($t_insert_persons + $t_insert_addresses) / ($t_alt_persons + $t_alt_addresses)")), which has none of the model: no age structure, twins,
moves, care homes, valid postcodes or ground truth, and cannot be regenerated chunk by chunk.
Two sessions produced the same rows as one: $same.

## Calibration against DOMAIN.md ($N persons, register date 2024-01-01, history from 2014-01-01)

Births per year (the register holds survivors and immigrants, so the ratio falls with age):

$births

Share of men by age:

$men

Twins:

$twins

Moves (persons with at least one move in the year, over residents at the start of the year):

$moves

Residents per postcode at the register date:

$postcodes

$kinds

Address history:

$history

## Registry extracts ($R records per registry)

Age and sex mix (records without errors):

$registries

Errors (error_rate 0.02, over all $((3 * R)) records):

$errors
EOF
pl_say "wrote $OUT"
cat "$OUT"
