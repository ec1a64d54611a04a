#!/usr/bin/env bash
# Register load and upload benchmark.
#
# 1. The register: a synthetic register of N persons with their address
#    periods, written to CSV files, then loaded the pseudolink way (COPY into
#    the text staging tables, register_load(): checks, persons with root
#    pseudonyms, periods, key sets, GIN index, statistics), next to the
#    shortest hand-written SQL a user would otherwise write (COPY straight
#    into typed tables, no checks, the same pseudonyms, key sets and
#    indexes).  Then a reload of the same register (replace mode: nothing
#    changes, everything is compared and rebuilt) and a merge of 1% of the
#    persons.
# 2. An upload: a synthetic PCI extract of R records COPYed into the staging
#    table by a registry role and closed (checks, person keys, blocking
#    keys, receipt).
#
# Usage: bash bench/register_load.sh [persons] [records]   (defaults 1000000, 100000)
# Writes bench/results/register_load.md.  At most two parallel workers.
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

N=${1:-1000000}
R=${2:-100000}
SEED=2024
OUT=$PL_TOP/bench/results/register_load.md

pl_install_packages
pl_build_install
# Default work_mem and maintenance_work_mem: register_load() raises them
# for itself (to 256MB and 512MB); the hand-written SQL gets the same.
pl_cluster_start "shared_preload_libraries = 'pseudolink'" "shared_buffers = '2GB'" \
    "max_parallel_workers_per_gather = 2" "max_parallel_workers = 2" "max_wal_size = '8GB'"
createdb bench
export PGDATABASE=bench
pl_psql -c 'CREATE EXTENSION pseudolink' -c "SELECT count(*) FROM pseudolink.add_dutch_blocking_rules('nl')" >/dev/null

calc() { awk "BEGIN { printf \"${2:-%.1f}\", $1 }"; }
q() { pl_psql -At -c "$1"; }
# Of a partitioned table or index: the sum over its partitions.
mb() { q "SELECT round(sum(pg_total_relation_size(relid)) / 1048576.0) FROM pg_partition_tree('$1')"; }

CSV=$PL_TMP/csv
mkdir -p "$CSV"

pl_say "CSV files of $N persons and their address periods"
pl_psql -c "\\copy (SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM pseudolink.synth_persons($SEED, $N)) TO '$CSV/persons.csv' WITH (FORMAT csv, HEADER)"
pl_psql -c "\\copy (SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY') FROM pseudolink.synth_addresses($SEED, $N)) TO '$CSV/addresses.csv' WITH (FORMAT csv, HEADER)"
n_periods=$(($(wc -l <"$CSV/addresses.csv") - 1))

COPY_PERSONS="\\copy pseudolink.register_person_staging (person_id, birth_date, sex) FROM '$CSV/persons.csv' WITH (FORMAT csv, HEADER)"
COPY_ADDRESSES="\\copy pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to) FROM '$CSV/addresses.csv' WITH (FORMAT csv, HEADER)"

pl_say "pseudolink: COPY into staging, register_load()"
t_copy_p=$(pl_secs pl_psql -c "$COPY_PERSONS")
t_copy_a=$(pl_secs pl_psql -c "$COPY_ADDRESSES")
t_load=$(pl_secs pl_psql -c "SELECT pseudolink.register_load('nl')")
load1=$(q "SELECT format('%s|%s|%s|%s|%s', check_seconds, persons_seconds, periods_seconds, keys_seconds, index_seconds)
          FROM pseudolink.register_load WHERE load_id = 1")
IFS='|' read -r l1_check l1_persons l1_periods l1_keys l1_index <<<"$load1"
t_first=$(calc "$t_copy_p + $t_copy_a + $t_load")
counts=$(q "SELECT format('%s|%s|%s', register_persons, register_periods, key_sets_built) FROM pseudolink.register_load WHERE load_id = 1")
IFS='|' read -r c_persons c_periods c_keys <<<"$counts"
sz_person=$(mb pseudolink.register_person)
sz_address=$(mb pseudolink.register_address)
sz_keys=$(mb pseudolink.register_keys)
sz_gin=$(mb pseudolink.register_keys_gin)

pl_say "pseudolink: the same register again (replace: everything compared and rebuilt)"
t_recopy=$(calc "$(pl_secs pl_psql -c "$COPY_PERSONS") + $(pl_secs pl_psql -c "$COPY_ADDRESSES")")
t_reload=$(pl_secs pl_psql -c "SELECT pseudolink.register_load('nl')")
load2=$(q "SELECT format('%s|%s|%s|%s|%s|%s|%s', check_seconds, persons_seconds, periods_seconds, keys_seconds,
                         index_seconds, persons_added, persons_changed) FROM pseudolink.register_load WHERE load_id = 2")
IFS='|' read -r l2_check l2_persons l2_periods l2_keys l2_index l2_added l2_changed <<<"$load2"

pl_say "pseudolink: a merge of 1% of the persons (birth date corrected, periods restaged)"
pl_psql -c "INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex)
            SELECT person_id, to_char(birth_date + 1, 'DD-MM-YYYY'), sex FROM pseudolink.register_person WHERE person_id % 100 = 0" \
        -c "INSERT INTO pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
            SELECT person_id, postcode, house_number, house_suffix, valid_from, valid_to FROM pseudolink.register_address WHERE person_id % 100 = 0" >/dev/null
t_merge=$(pl_secs pl_psql -c "SELECT pseudolink.register_load('nl', 'merge')")
load3=$(q "SELECT format('%s|%s|%s|%s', persons_staged, persons_changed, periods_loaded, key_sets_built)
          FROM pseudolink.register_load WHERE load_id = 3")
IFS='|' read -r l3_staged l3_changed l3_periods l3_keys <<<"$load3"

pl_say "the alternative: COPY into typed tables, no checks"
ALT_SET="SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'; SET jit = off; SET datestyle = 'ISO, DMY';"
pl_psql -c "CREATE TABLE alt_person (person_id bigint, birth_date date, sex smallint)" \
        -c "CREATE TABLE alt_address (person_id bigint, postcode text, house_number integer, house_suffix text,
                                      valid_from date, valid_to date)" >/dev/null
a_copy_p=$(pl_secs pl_psql -c "$ALT_SET" -c "\\copy alt_person FROM '$CSV/persons.csv' WITH (FORMAT csv, HEADER)")
a_copy_a=$(pl_secs pl_psql -c "$ALT_SET" -c "\\copy alt_address FROM '$CSV/addresses.csv' WITH (FORMAT csv, HEADER)")
a_persons=$(pl_secs pl_psql -c "$ALT_SET" -c "CREATE TABLE alt_register_person AS
    SELECT person_id, birth_date, sex, pseudolink.pseudonymise('steward', person_id) AS pseudonym
    FROM alt_person ORDER BY person_id" \
    -c "ALTER TABLE alt_register_person ADD PRIMARY KEY (person_id), ADD UNIQUE (pseudonym)")
a_periods=$(pl_secs pl_psql -c "$ALT_SET" -c "ALTER TABLE alt_address ADD PRIMARY KEY (person_id, valid_from),
    ADD FOREIGN KEY (person_id) REFERENCES alt_register_person")
a_keys=$(pl_secs pl_psql -c "$ALT_SET" -c "CREATE TABLE alt_keys AS
    SELECT p.person_id, pseudolink.blockkeys_agg(pseudolink.blocking_keys('nl', r)) AS keys
    FROM alt_register_person p LEFT JOIN alt_address a ON a.person_id = p.person_id,
         LATERAL (SELECT p.birth_date, p.sex, a.postcode, a.house_number, a.house_suffix) r
    GROUP BY p.person_id ORDER BY p.birth_date, p.sex, p.person_id" -c "ALTER TABLE alt_keys ADD PRIMARY KEY (person_id)")
a_index=$(pl_secs pl_psql -c "$ALT_SET" -c "CREATE INDEX alt_keys_gin ON alt_keys USING gin (keys)" \
    -c "ANALYZE alt_register_person, alt_address, alt_keys")
t_alt=$(calc "$a_copy_p + $a_copy_a + $a_persons + $a_periods + $a_keys + $a_index")
# (the register now holds the merged birth dates: compare with the 99% unchanged)
same_keys=$(q "SELECT count(*) FROM alt_keys a JOIN pseudolink.register_keys k USING (person_id)
               WHERE a.keys::text = k.keys::text")

pl_say "an upload of $R PCI records by a registry role"
pl_psql -c "CREATE ROLE bench_nhr_pci NOLOGIN IN ROLE pseudolink_registry" \
        -c "CREATE ROLE bench_pci LOGIN IN ROLE bench_nhr_pci" \
        -c "INSERT INTO pseudolink.upload_registry (code, uploader) VALUES ('PCI', 'bench_nhr_pci')" >/dev/null
upload=$(pl_psql -At -c "SET ROLE bench_pci" -c "SELECT pseudolink.open_upload('PCI', 'bench')")
pl_psql -c "\\copy (SELECT $upload, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, '{\"stent\": 1}' FROM pseudolink.synth_extract($SEED, $N, 'PCI', $R)) TO '$CSV/pci.csv' WITH (FORMAT csv)"
u_copy=$(pl_secs pl_psql -c "SET ROLE bench_pci" -c "\\copy pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables) FROM '$CSV/pci.csv' WITH (FORMAT csv)")
u_close=$(pl_secs pl_psql -c "SET ROLE bench_pci" -c "SELECT * FROM pseudolink.close_upload($upload)")
receipt=$(q "SELECT format('%s|%s|%s', submitted, accepted, rejected) FROM pseudolink.upload WHERE upload_id = $upload")
IFS='|' read -r u_sub u_acc u_rej <<<"$receipt"
reasons=$(q "SELECT string_agg(format('%s rows: %s', rows, reason), '; ' ORDER BY rows DESC)
             FROM pseudolink.upload_reject_summary WHERE upload_id = $upload")

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# Register load and upload

Command: \`bash bench/register_load.sh $N $R\` (seed $SEED), $(date -u +%Y-%m-%d).
Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GB; PostgreSQL $(q 'SHOW server_version').
One run; shared_buffers 2GB, at most 2 parallel workers, default work_mem and
maintenance_work_mem (register_load() raises them to 256MB and 512MB for itself; the
hand-written SQL sets the same). The machine is shared and noisy: compare within this run.

Data: \`synth_persons($SEED, $N)\` and \`synth_addresses($SEED, $N)\` written to CSV
($N persons, $n_periods address periods), read back with psql's \`\\copy\`.

## The register, first load

| step | pseudolink: staging + \`register_load()\`, s | hand-written: typed COPY, no checks, s |
|---|---|---|
| COPY persons | $t_copy_p | $a_copy_p |
| COPY address periods | $t_copy_a | $a_copy_a |
| check every staged row (reasons for bad ones) | $l1_check | none: a bad value stops the COPY with an error that quotes it |
| persons with root pseudonyms, primary key, unique pseudonyms | $l1_persons | $a_persons |
| address periods, primary and foreign key | $l1_periods | $a_periods |
| key sets (6 Dutch rules), birth date order | $l1_keys | $a_keys |
| GIN index and statistics | $l1_index | $a_index |
| **total** | **$t_first** (COPY $(calc "$t_copy_p + $t_copy_a") + \`register_load()\` $t_load) | **$t_alt** |

Ratio $(calc "$t_first / $t_alt" '%.2f'): the price of checking every row and of loading through
staging. Loaded: $c_persons persons, $c_periods periods, $c_keys key sets. The two build the same
key sets: $same_keys of $c_persons persons have identical sets (the others are the 1% whose birth
date the merge below changed).

Sizes after the load: register_person $sz_person MB, register_address $sz_address MB,
register_keys $sz_keys MB of which the GIN index $sz_gin MB.

## Reloading and merging

| load | s | checks | persons | periods | key sets | index and statistics | what changed |
|---|---|---|---|---|---|---|---|
| the same register again (replace), COPY $t_recopy s + | $t_reload | $l2_check | $l2_persons | $l2_periods | $l2_keys | $l2_index | $l2_added added, $l2_changed changed |
| merge of 1% of the persons ($l3_staged staged, birth date one day later) | $t_merge | | | | | | $l3_changed changed, $l3_periods periods rewritten, $l3_keys key sets rebuilt |

## An upload of $R PCI records

\`synth_extract($SEED, $N, 'PCI', $R)\` as CSV with a variables object per row, COPYed into
\`pseudolink.upload_staging\` by a member of the registry's uploader role, then
\`close_upload()\`: every row checked, person keys (kind S) and probe blocking keys made, the
receipt written.

| step | s |
|---|---|
| COPY into the staging table (statement trigger checks the upload) | $u_copy |
| \`close_upload()\` | $u_close |

Receipt: $u_sub submitted, $u_acc accepted, $u_rej rejected ($reasons).
EOF
pl_say "wrote $OUT"
cat "$OUT"
