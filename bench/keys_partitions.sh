#!/usr/bin/env bash
# What the partitions of register_keys cost the link's index probes: the
# first-pass probe of the link run (at least two shared keys) and the
# second-pass probe (any shared key), for the records of an upload, against
# register_keys (register_keys_partitions() partitions, one GIN index each),
# against the same rows in another number of hash partitions (two, or four
# when register_keys has two), and against one table with one GIN index (the
# same rows in the same order in all three).  Also the key sets built by one and
# by two register_build_keys() sessions.
#
# Usage: bash bench/keys_partitions.sh [persons] [records]   (defaults 3000000, 20000)
# Writes bench/results/keys_partitions.md.  One session per probe, no
# parallel workers; every probe run three times, alternating.
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

N=${1:-3000000}
R=${2:-20000}
SEED=2024
OUT=$PL_TOP/bench/results/keys_partitions.md

pl_install_packages
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'" "shared_buffers = '4GB'" \
    "max_parallel_workers_per_gather = 0" "max_wal_size = '20GB'" "jit = off"

q() { pl_psql -At -c "$1"; }
stage() {
    pl_psql -c "INSERT INTO pseudolink.register_person_staging (person_id, birth_date, sex)
                SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM pseudolink.synth_persons($SEED, $N)" \
            -c "INSERT INTO pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to)
                SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY')
                FROM pseudolink.synth_addresses($SEED, $N)"
}

export PGDATABASE=keys_partitions
createdb "$PGDATABASE"
pl_psql -c "CREATE EXTENSION pseudolink" -c "SELECT count(*) FROM pseudolink.add_dutch_blocking_rules('nl')" \
        -c "CREATE ROLE bench_nhr_pci NOLOGIN IN ROLE pseudolink_registry" \
        -c "INSERT INTO pseudolink.upload_registry (code, uploader) VALUES ('PCI', 'bench_nhr_pci')" >/dev/null

pl_say "register of $N persons, key sets by one session"
stage
pl_psql -c "SELECT load_id FROM pseudolink.register_load('nl', build_keys => false)" >/dev/null
t_one=$(pl_secs pl_register_build_keys 1)
pl_say "the same register again, key sets by two sessions"
stage
pl_psql -c "SELECT load_id FROM pseudolink.register_load('nl', build_keys => false)" >/dev/null
t_two=$(pl_secs pl_register_build_keys 2)

pl_say "an upload of $R records"
upload=$(pl_psql -At -c "SET ROLE bench_nhr_pci" -c "SELECT pseudolink.open_upload('PCI', 'probes')")
pl_psql -c "CREATE TABLE public.extract AS SELECT * FROM pseudolink.synth_extract($SEED, $N, 'PCI', $R)" \
        -c "GRANT SELECT ON public.extract TO bench_nhr_pci" >/dev/null
pl_psql -c "SET ROLE bench_nhr_pci" \
        -c "INSERT INTO pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix)
            SELECT $upload, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix FROM public.extract" \
        -c "SELECT state FROM pseudolink.close_upload($upload)" >/dev/null
pl_psql -c "CREATE TABLE public.probe AS SELECT record_id, birth_date, sex, keys FROM pseudolink.upload_record
            WHERE upload_id = $upload AND keys IS NOT NULL ORDER BY birth_date, sex" >/dev/null

pl_say "one table with the same key sets in the same order, one GIN index"
t_flat=$(pl_secs pl_psql -c "CREATE TABLE public.keys_flat AS
            SELECT k.* FROM pseudolink.register_keys k JOIN pseudolink.register_person p USING (person_id)
            ORDER BY p.birth_date, p.sex, p.person_id" \
        -c "ALTER TABLE public.keys_flat ADD PRIMARY KEY (person_id)" \
        -c "SET maintenance_work_mem = '64MB'" \
        -c "CREATE INDEX keys_flat_gin ON public.keys_flat USING gin (keys)" \
        -c "ANALYZE public.keys_flat")
PARTS=$(q "SELECT pseudolink.register_keys_partitions()")
ALT=$(( PARTS == 2 ? 4 : 2 ))
pl_psql -c "CREATE TABLE public.keys_alt (LIKE pseudolink.register_keys, PRIMARY KEY (person_id)) PARTITION BY HASH (person_id)" \
        -c "DO \$\$ BEGIN FOR g IN 0..$ALT - 1 LOOP
              EXECUTE format('CREATE TABLE public.keys_alt_%s PARTITION OF public.keys_alt FOR VALUES WITH (MODULUS $ALT, REMAINDER %s)', g, g);
            END LOOP; END \$\$" \
        -c "INSERT INTO public.keys_alt SELECT * FROM public.keys_flat" \
        -c "SET maintenance_work_mem = '64MB'" \
        -c "CREATE INDEX keys_alt_gin ON public.keys_alt USING gin (keys)" \
        -c "ANALYZE public.keys_alt" >/dev/null

# Seconds of one probe run: every record of public.probe probes $1 with
# the first-pass ($2 = first) or second-pass operator, as the link run does.
probe() {
    local cond
    if [ "$2" = first ]; then cond="k.keys OPERATOR(pseudolink.@@) pseudolink.shares(d.keys, 2)"
    else cond="k.keys OPERATOR(pseudolink.&&) d.keys"; fi
    q "DO \$\$ DECLARE t timestamptz := clock_timestamp(); n bigint; BEGIN
         SELECT count(*) INTO n FROM public.probe d
         CROSS JOIN LATERAL (SELECT k.person_id FROM $1 k WHERE $cond OFFSET 0) k;
         RAISE NOTICE '% %', round(extract(epoch FROM clock_timestamp() - t)::numeric, 2), n;
       END \$\$" 2>&1 | sed -n 's/.*NOTICE: *//p'
}
declare -A T C
for pass in first second; do
    for run in 1 2 3; do
        for target in pseudolink.register_keys public.keys_alt public.keys_flat; do
            read -r s n <<<"$(probe "$target" "$pass")"
            T[$pass,$target]="${T[$pass,$target]:-}${T[$pass,$target]:+ / }$s"
            C[$pass,$target]=$n
        done
    done
done

sizes=$(q "SELECT format('%s|%s|%s', pg_size_pretty((SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('pseudolink.register_keys_gin'))),
                         pg_size_pretty((SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('public.keys_alt_gin'))),
                         pg_size_pretty(pg_relation_size('public.keys_flat_gin')))")
IFS='|' read -r sz_parts sz_alt sz_flat <<<"$sizes"
records=$(q "SELECT count(*) FROM public.probe")

mkdir -p "$(dirname "$OUT")"
{
    echo "# register_keys: $PARTS partitions against $ALT and one table"
    echo
    echo "Command: \`bash bench/keys_partitions.sh $N $R\` (seed $SEED), $(date -u +%Y-%m-%d), code at commit $(git -C "$PL_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)."
    echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; PostgreSQL $(q 'SHOW server_version'); shared_buffers 4GB, no parallel workers,"
    echo "fsync off. The machine is shared: other work ran at the same time."
    echo
    echo "Key sets and GIN indexes of $N synthetic persons (\`register_load('nl', build_keys => false)\`,"
    echo "then \`CALL register_build_keys()\`): $t_one s by one session, $t_two s by two at once. The same"
    echo "rows copied into one table in the same order, with its primary key and one GIN index (64MB): $t_flat s."
    echo "The same rows in $ALT hash partitions, with one GIN index each. GIN indexes: $sz_parts over"
    echo "register_keys' $PARTS partitions, $sz_alt over $ALT, $sz_flat as one."
    echo
    echo "Index probes of $records upload records (\`synth_extract\`, in birth date order), one LATERAL"
    echo "subquery per record behind OFFSET 0 as in the link run; seconds of three runs, alternating:"
    echo
    echo "| probe | candidates | register_keys ($PARTS partitions), s | $ALT partitions, s | one table, s |"
    echo "|---|---|---|---|---|"
    echo "| first pass: \`keys @@ shares(record, 2)\` | ${C[first,pseudolink.register_keys]} | ${T[first,pseudolink.register_keys]} | ${T[first,public.keys_alt]} | ${T[first,public.keys_flat]} |"
    echo "| second pass: \`keys && record\` | ${C[second,pseudolink.register_keys]} | ${T[second,pseudolink.register_keys]} | ${T[second,public.keys_alt]} | ${T[second,public.keys_flat]} |"
    for pass in first second; do
        if [ "${C[$pass,pseudolink.register_keys]}" != "${C[$pass,public.keys_flat]}" ] \
           || [ "${C[$pass,public.keys_alt]}" != "${C[$pass,public.keys_flat]}" ]; then
            echo
            echo "**The candidates of the $pass pass differ**: ${C[$pass,pseudolink.register_keys]} in register_keys, ${C[$pass,public.keys_alt]} with $ALT partitions, ${C[$pass,public.keys_flat]} in one table."
        fi
    done
} >"$OUT"
pl_say "wrote $OUT"
cat "$OUT"
