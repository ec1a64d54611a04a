#!/usr/bin/env bash
# National scale on one node: the register loaded, indexed and searched at
# growing sizes, the way a steward runs it (CSV files COPYed into the staging
# tables, register_load(), an upload COPYed and closed by a registry role, the
# link run), with the time of every step, the cost per register person and
# per registry record, and the peak memory.
#
# Usage: bash bench/scale.sh [sizes] [records] [national records] [sessions]
#   sizes             register sizes, ascending (default "1000000 3000000 10000000 18000000")
#   records           the upload linked at every size, for the curve, by one
#                     session (default 100000)
#   national records  a second upload at the largest size (default 1000000; 0 for none)
#   sessions          sessions that CALL register_build_keys() at once after
#                     every load, and that CALL link() on the national upload
#                     at once (default: the number of cores)
# Environment: SHARED_BUFFERS, the cluster's shared_buffers (default 4GB);
# MALLOC_HUGETLB, 1 (the default) to start the server with
# GLIBC_TUNABLES=glibc.malloc.hugetlb=1, 0 for glibc's defaults (see
# doc/national-scale.md, "Settings": the backends' sorts, hashes and GIN
# build in transparent huge pages).
# Writes bench/results/scale.md, rewritten after every size, so that an
# interrupted run keeps the sizes it finished.
#
# One database per size, dropped before the next one (disk).  Memory: the
# peak of (MemTotal - MemAvailable) above the value before the size started,
# sampled every second, and the largest resident set of one server process
# (which counts the shared buffers it touched).
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

SIZES=${1:-"1000000 3000000 10000000 18000000"}
R=${2:-100000}
BIG=${3:-1000000}
SESSIONS=${4:-$(nproc)}
SHARED_BUFFERS=${SHARED_BUFFERS:-4GB}
MALLOC_HUGETLB=${MALLOC_HUGETLB:-1}
ENV_PREFIX=
[ "$SHARED_BUFFERS" = 4GB ] || ENV_PREFIX="SHARED_BUFFERS=$SHARED_BUFFERS "
[ "$MALLOC_HUGETLB" = 1 ] || ENV_PREFIX="${ENV_PREFIX}MALLOC_HUGETLB=$MALLOC_HUGETLB "
# glibc (2.35 and later) then asks for transparent huge pages for what
# malloc() maps; the kernel gives them in its "madvise" and "always" modes.
SERVER_TUNABLES=
[ "$MALLOC_HUGETLB" = 1 ] && SERVER_TUNABLES=glibc.malloc.hugetlb=1
THP=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)
SEED=2024
OUT=$PL_TOP/bench/results/scale.md

pl_install_packages
pl_build_install
# The server inherits the environment of pg_ctl (an empty value: glibc's
# defaults, whatever the caller's environment says); the clients need none.
GLIBC_TUNABLES=$SERVER_TUNABLES pl_cluster_start "shared_preload_libraries = 'pseudolink'" "shared_buffers = '$SHARED_BUFFERS'" \
    "max_parallel_workers_per_gather = 2" "max_parallel_workers = 2" \
    "max_parallel_maintenance_workers = 2" "max_wal_size = '20GB'" "jit = off"
# The library is preloaded by the postmaster, and the extension's SQL is read
# once, into template1, from which every database of the run is created;
# after that nothing is read from the install directories, so the lock that
# pl_build_install took is released for the hours this runs.
pl_psql -d template1 -c 'CREATE EXTENSION pseudolink' >/dev/null
flock -u 9 2>/dev/null || true

calc() { awk "BEGIN { printf \"${2:-%.1f}\", $1 }"; }
q() { pl_psql -At -c "$1"; }

# Memory sampler: writes "used_kB max_rss_kB" peaks to $1 until killed.
mem_used() { awk '/MemTotal/ {t=$2} /MemAvailable/ {a=$2} END {print t - a}' /proc/meminfo; }
sample_memory() {
    local out=$1 base peak=0 rss_peak=0 used rss
    base=$(mem_used)
    while :; do
        used=$(( $(mem_used) - base ))
        rss=$(ps -C postgres -o rss= | sort -n | tail -1)
        [ "$used" -gt "$peak" ] && peak=$used
        [ "${rss:-0}" -gt "$rss_peak" ] && rss_peak=$rss
        echo "$peak $rss_peak" >"$out"
        sleep 1
    done
}

CSV=$PL_TMP/csv
mkdir -p "$CSV"
chmod 755 "$CSV"
ROWS=()
QROWS=()
PROWS=()
MEASURED=$(git -C "$PL_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)

write_results() {
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
    mkdir -p "$(dirname "$OUT")"
    {
        echo "# National scale on one node"
        echo
        echo "Command: \`${ENV_PREFIX}bash bench/scale.sh \"$SIZES\" $R $BIG $SESSIONS\` (seed $SEED), $(date -u +%Y-%m-%d), code at commit $MEASURED."
        echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GB; PostgreSQL $(q 'SHOW server_version')."
        echo "One run per size; shared_buffers $SHARED_BUFFERS, at most 2 parallel workers, fsync off (a throwaway"
        echo "cluster); register_load() raises work_mem to 256MB and maintenance_work_mem to 512MB (64MB for the GIN build) for"
        echo "itself. Server environment: GLIBC_TUNABLES=${SERVER_TUNABLES:-(empty: the glibc defaults)} (transparent huge pages: $THP)."
        echo "The machine is shared: other work ran at the same time."
        echo
        echo "Each size: \`synth_persons\` and \`synth_addresses\` written to CSV (not timed as load), COPYed"
        echo "into the two staging tables by two sessions at once, \`register_load('nl', build_keys => false)\` (checks, persons with root"
        echo "pseudonyms, address periods), then \`CALL register_build_keys()\` in $SESSIONS sessions at once (the key"
        echo "sets of the six Dutch rules and the GIN index, one partition of register_keys at a time, and the"
        echo "statistics; its key-set and GIN seconds are summed over the partitions, so over the sessions); an"
        echo "upload of \`synth_extract\` records COPYed and closed by a registry role; the link run (the curve's"
        echo "upload by one session, the national upload by $SESSIONS sessions, each CALLing link() at once). The"
        echo "end-to-end column adds COPY, register_load, register_build_keys, close_upload and link (not the"
        echo "COPY of the upload)."
        echo
        echo "| register persons | address periods | COPY s | register_load s | register_build_keys s | key sets s (summed) | GIN s (summed) | load s per M persons | upload records | link sessions | close_upload s | link s | link µs per record | end to end s | peak memory GB | largest process GB |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        printf '%s\n' "${ROWS[@]}"
        echo
        echo "Link quality against the ground truth of the extracts (link_quality, link_report):"
        echo
        echo "| register persons | upload records | linkable linked right % | linkable linked wrong % | records per status | linkable | right | wrong | model checksum | outcome checksum |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        printf '%s\n' "${QROWS[@]}"
        echo
        echo "The link run by pass (link_job; seconds summed over the sessions, so over the cores):"
        echo
        echo "| register persons | upload records | link sessions | first pass s | second pass s | records in the second pass | assignment s | candidate pairs | pairs per record |"
        echo "|---|---|---|---|---|---|---|---|---|"
        printf '%s\n' "${PROWS[@]}"
    } >"$OUT"
}

pl_psql -d postgres -c "CREATE ROLE bench_nhr_pci NOLOGIN IN ROLE pseudolink_registry" \
        -c "CREATE ROLE bench_pci LOGIN IN ROLE bench_nhr_pci" >/dev/null 2>&1 || true

upload_and_link() {   # registry records persons sessions -> "accepted close_s link_s passes quality"
    local registry=$1 records=$2 n=$3 sessions=$4 upload t_close t_link accepted passes
    upload=$(pl_psql -At -c "SET ROLE bench_pci" -c "SELECT pseudolink.open_upload('$registry', 'scale')")
    pl_psql -c "\\copy (SELECT $upload, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, '{}' FROM pseudolink.synth_extract($SEED, $n, '$registry', $records)) TO '$CSV/pci.csv' WITH (FORMAT csv)"
    pl_psql -c "SET ROLE bench_pci" -c "\\copy pseudolink.upload_staging (upload_id, record_no, event_date, birth_date, sex, postcode, house_number, house_suffix, variables) FROM '$CSV/pci.csv' WITH (FORMAT csv)"
    t_close=$(pl_secs pl_psql -c "SET ROLE bench_pci" -c "SELECT * FROM pseudolink.close_upload($upload)")
    accepted=$(q "SELECT accepted FROM pseudolink.upload WHERE upload_id = $upload")
    t_link=$(pl_secs link_upload "$upload" "$sessions")
    quality=$(q "SELECT format('%s|%s|%s|%s|%s|%s', round(100.0 * linked_right / linkable, 2), round(100.0 * linked_wrong / linkable, 3),
                               (SELECT string_agg(format('%s %s', status, records), ', ' ORDER BY status) FROM pseudolink.link_report($upload)),
                               linkable, linked_right, linked_wrong)
                 FROM pseudolink.link_quality($upload, \$\$SELECT record_no::text, true_person_id
                      FROM pseudolink.synth_extract($SEED, $n, '$registry', $records)\$\$)")
    passes=$(q "SELECT format('%s|%s|%s|%s|%s|%s', first_pass_seconds, second_pass_seconds, second_pass_records,
                               assign_seconds, candidate_pairs, round(candidate_pairs::numeric / $accepted, 1))
                FROM pseudolink.link_job WHERE upload_id = $upload")
    # Every record's outcome, as a checksum: two runs of the same code and
    # data should print the same one.
    outcome=$(q "SELECT left(md5(string_agg(format('%s %s %s %s', r.record_no, l.status, l.person_id, l.match_weight),
                                            ',' ORDER BY r.record_no)), 12)
                 FROM pseudolink.link_result l JOIN pseudolink.upload_record r ON r.record_id = l.record_id
                 WHERE l.upload_id = $upload")
    echo "$accepted $t_close $t_link $passes $quality|$MODEL_SUM|$outcome"
}

# The default Dutch model, its u probabilities from the loaded register;
# MODEL_SUM a checksum of its parameters (every digit of m and u).
prepare_link() {
    pl_psql -c "SELECT count(*) FROM pseudolink.link_default_model('nl')"
    MODEL_SUM=$(q "SELECT left(md5(string_agg(format('%s %s %s %s', comparison, level, m, u), ',' ORDER BY comparison, level)), 12)
                   FROM pseudolink.fs_level WHERE model = 'nl'")
}

# The link run of one upload, by $2 sessions at once (each CALLs link(); the
# first starts the run, the others join it).
link_upload() {
    local i pids=()
    for ((i = 0; i < $2; i++)); do
        pl_psql -c "SET client_min_messages = warning" -c "CALL pseudolink.link($1)" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    [ "$(q "SELECT state FROM pseudolink.link_job WHERE upload_id = $1")" = finished ] \
        || pl_die "the link run of upload $1 did not finish"
}

# The two staging tables COPYed at once, by one session each (a COPY takes
# one core; the two tables do not lock each other).
copy_staging() {
    pl_psql -c "\\copy pseudolink.register_person_staging (person_id, birth_date, sex) FROM '$CSV/persons.csv' WITH (FORMAT csv, HEADER)" &
    local persons=$!
    pl_psql -c "\\copy pseudolink.register_address_staging (person_id, postcode, house_number, house_suffix, valid_from, valid_to) FROM '$CSV/addresses.csv' WITH (FORMAT csv, HEADER)"
    wait "$persons"
}

for N in $SIZES; do
    pl_say "register of $N persons"
    export PGDATABASE=scale_$N
    createdb "$PGDATABASE"
    pl_psql -c "SELECT count(*) FROM pseudolink.add_dutch_blocking_rules('nl')" \
            -c "INSERT INTO pseudolink.upload_registry (code, uploader) VALUES ('PCI', 'bench_nhr_pci'), ('TAVI', 'bench_nhr_pci')" >/dev/null
    pl_psql -c "\\copy (SELECT person_id, to_char(birth_date, 'DD-MM-YYYY'), sex FROM pseudolink.synth_persons($SEED, $N)) TO '$CSV/persons.csv' WITH (FORMAT csv, HEADER)"
    pl_psql -c "\\copy (SELECT person_id, postcode, house_number, house_suffix, to_char(valid_from, 'DD-MM-YYYY'), to_char(valid_to, 'DD-MM-YYYY') FROM pseudolink.synth_addresses($SEED, $N)) TO '$CSV/addresses.csv' WITH (FORMAT csv, HEADER)"

    sample_memory "$PL_TMP/mem" &
    sampler=$!
    t_copy=$(pl_secs copy_staging)
    rm -f "$CSV/persons.csv" "$CSV/addresses.csv"
    t_load=$(pl_secs pl_psql -c "SELECT pseudolink.register_load('nl', build_keys => false)")
    t_build=$(pl_secs pl_register_build_keys "$SESSIONS")
    IFS='|' read -r periods t_keys t_index <<<"$(q "SELECT format('%s|%s|%s', register_periods, keys_seconds, index_seconds) FROM pseudolink.register_load WHERE load_id = 1")"
    prepare_link
    read -r acc t_close t_link passes quality <<<"$(upload_and_link PCI "$R" "$N" 1)"
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    read -r mem_peak rss_peak <"$PL_TMP/mem"
    QROWS+=("| $N | $acc | $quality |")
    PROWS+=("| $N | $acc | 1 | $passes |")
    ROWS+=("| $N | $periods | $t_copy | $t_load | $t_build | $t_keys | $t_index | $(calc "($t_copy + $t_load + $t_build) * 1000000 / $N") | $acc | 1 | $t_close | $t_link | $(calc "$t_link * 1000000 / $acc" '%.0f') | $(calc "$t_copy + $t_load + $t_build + $t_close + $t_link") | $(calc "$mem_peak / 1048576" '%.1f') | $(calc "$rss_peak / 1048576" '%.1f') |")
    write_results

    last=${SIZES##* }
    if [ "$N" = "$last" ] && [ "$BIG" -gt 0 ]; then
        pl_say "the national upload: $BIG records against $N persons"
        sample_memory "$PL_TMP/mem" &
        sampler=$!
        read -r acc t_close t_link passes quality <<<"$(upload_and_link TAVI "$BIG" "$N" "$SESSIONS")"
        kill "$sampler"; wait "$sampler" 2>/dev/null || true
        read -r mem_peak rss_peak <"$PL_TMP/mem"
        QROWS+=("| $N (national upload) | $acc | $quality |")
        PROWS+=("| $N (national upload) | $acc | $SESSIONS | $passes |")
        ROWS+=("| $N (same register) | | | | | | | | $acc | $SESSIONS | $t_close | $t_link | $(calc "$t_link * 1000000 / $acc" '%.0f') | $(calc "$t_copy + $t_load + $t_build + $t_close + $t_link") | $(calc "$mem_peak / 1048576" '%.1f') | $(calc "$rss_peak / 1048576" '%.1f') |")
        write_results
    fi
    dropdb "$PGDATABASE"
done
pl_say "wrote $OUT"
cat "$OUT"
