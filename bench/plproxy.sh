#!/usr/bin/env bash
# The population register sharded with PL/Proxy, checked against one node.
#
# Starts SHARDS + 1 throwaway PostgreSQL 15 clusters under one temp dir
# (each its own port and socket directory, no TCP), all with the SAME root
# key:
#   proxy    database proxy:  PL/Proxy, the registry extract, no register;
#            database single: the whole register (the reference node);
#   shard0.. database register: the register persons whose
#            abs(hashint8(person_id) % SHARDS) is the shard's number, with
#            their address periods and key sets.
# Loads a synthetic register of PERSONS through the proxy (rows split by the
# hash of the person id; register_load on every shard in parallel), links a
# PCI extract of RECORDS on the shards (RUN ON ALL, merged at the proxy: best
# candidate and runner-up per record over all shards) and on the single
# node, and checks that both give the same candidates, weights and best
# person per record.  Exits non-zero when they differ.  Every node is
# stopped and removed on exit, on failure and on Ctrl-C.
#
# Usage: bash bench/plproxy.sh [persons] [records] [shards]  (defaults 200000 10000 3)
#        BATCH=1000 records per fan-out call, CHUNK=20000 persons per load call,
#        ROUNDS=3 timed rounds of the linkage (medians reported).
# Writes bench/results/plproxy.md (or $PLPROXY_OUT).  doc/scale.md explains
# the set-up.
source "$(dirname "${BASH_SOURCE[0]}")/../test/lib/common.sh"

PERSONS=${1:-200000}
RECORDS=${2:-10000}
SHARDS=${3:-3}
BATCH=${BATCH:-1000}
CHUNK=${CHUNK:-20000}
ROUNDS=${ROUNDS:-3}
SEED=2024
OUT=${PLPROXY_OUT:-$PL_TOP/bench/results/plproxy.md}
SCALE=$PL_TOP/scale/plproxy
BASE_PORT=5440

[[ $PERSONS =~ ^[0-9]+$ && $PERSONS -ge 1000 ]] || pl_die "persons must be a whole number of at least 1000"
[[ $RECORDS =~ ^[0-9]+$ && $RECORDS -ge 1 ]] || pl_die "records must be a whole number of at least 1"
[[ $SHARDS =~ ^[0-9]+$ && $SHARDS -ge 1 && $SHARDS -le 16 ]] || pl_die "shards must be between 1 and 16"
[[ $BATCH =~ ^[0-9]+$ && $BATCH -ge 1 && $CHUNK =~ ^[0-9]+$ && $CHUNK -ge 1 && $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] \
    || pl_die "BATCH, CHUNK and ROUNDS must be positive whole numbers"

pl_install_packages postgresql-15-plproxy
pl_build_install
# (timed from here: the wait for the install lock is not part of the run)
t_start=$(date +%s)

# --- nodes ------------------------------------------------------------------
# The nodes live in $PL_TMP/<name>/ (data directory, socket, log); the
# cleanup stops every node that has a postmaster.pid, then removes them all.
NODES=()
scale_cleanup() {
    local rc=$? n
    trap - EXIT INT TERM
    if [ -n "$PL_TMP" ] && [ -d "$PL_TMP" ]; then
        for n in "${NODES[@]}"; do
            if [ -f "$PL_TMP/$n/data/postmaster.pid" ]; then
                pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/$n/data" -m immediate -w stop >/dev/null 2>&1 || true
            fi
        done
        rm -rf "$PL_TMP"
    fi
    exit "$rc"
}
trap scale_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PL_TMP=$(mktemp -d /tmp/pseudolink-scale.XXXXXX)
chmod 755 "$PL_TMP"
[ "$(id -u)" -eq 0 ] && chown postgres: "$PL_TMP"
# One throwaway root key for every node: 32 random bytes as 64 hex
# characters, copied into each node's directory, readable by the server only.
pl_as_server_user sh -c "umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > '$PL_TMP/root.key'"

node_start() {
    local name=$1 port=$2 dir=$PL_TMP/$1
    NODES+=("$name")
    pl_as_server_user mkdir -m 755 "$dir"
    pl_as_server_user sh -c "umask 077; cp '$PL_TMP/root.key' '$dir/root.key'"
    pl_as_server_user "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust \
        --no-instructions -E UTF8 --locale=C.UTF-8 >"$PL_TMP/initdb-$name.log" 2>&1 \
        || { cat "$PL_TMP/initdb-$name.log" >&2; pl_die "initdb of $name failed"; }
    {
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$dir'"
        echo "port = $port"
        echo "cluster_name = '$name'"
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        echo "shared_buffers = '256MB'"
        echo "max_wal_size = '4GB'"
        echo "jit = off"
        # One core per node process, so that the comparison is of nodes,
        # not of parallel query (see bench/results/plproxy.md).
        echo "max_parallel_workers_per_gather = 0"
        echo "shared_preload_libraries = 'pseudolink'"
        echo "pseudolink.key_file = '$dir/root.key'"
    } | pl_as_server_user sh -c "cat >> '$dir/data/postgresql.conf'"
    pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null \
        || { cat "$dir/server.log" >&2; pl_die "node $name did not start"; }
}
# psql on a node: node_psql NAME DATABASE [psql arguments]
node_psql() {
    local name=$1 db=$2; shift 2
    psql -X -q -v ON_ERROR_STOP=1 -h "$PL_TMP/$name" -p "$(node_port "$name")" -U postgres -d "$db" "$@"
}
node_port() {
    case $1 in proxy) echo "$BASE_PORT" ;; shard*) echo $((BASE_PORT + 1 + ${1#shard})) ;; esac
}
# A node's database with pseudolink, the steward's login role, and the
# shard functions (shard.sql) unless it is the proxy's.
node_db() {
    local name=$1 db=$2 role=$3
    node_psql "$name" postgres -c "CREATE DATABASE $db" >/dev/null
    node_psql "$name" "$db" -c 'CREATE EXTENSION pseudolink' >/dev/null
    node_psql "$name" "$db" -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scale_steward') THEN
            CREATE ROLE scale_steward LOGIN IN ROLE pseudolink_steward;
        END IF; END \$\$" >/dev/null
    [ "$role" = shard ] && node_psql "$name" "$db" -f "$SCALE/shard.sql" >/dev/null
    return 0
}

pl_say "starting $((SHARDS + 1)) nodes in $PL_TMP (proxy and single on port $BASE_PORT, shards from $((BASE_PORT + 1)))"
node_start proxy "$BASE_PORT"
for i in $(seq 0 $((SHARDS - 1))); do node_start "shard$i" "$(node_port "shard$i")"; done
node_db proxy proxy proxy
node_db proxy single shard
for i in $(seq 0 $((SHARDS - 1))); do node_db "shard$i" register shard; done

register_nodes=
for i in $(seq 0 $((SHARDS - 1))); do
    register_nodes+="${register_nodes:+, }p$i 'host=$PL_TMP/shard$i port=$(node_port "shard$i") dbname=register'"
done
single_node="p0 'host=$PL_TMP/proxy port=$BASE_PORT dbname=single'"
SESSIONS=$(nproc)
single_sessions=
for i in $(seq 0 $((SESSIONS - 1))); do
    single_sessions+="${single_sessions:+, }p$i 'host=$PL_TMP/proxy port=$BASE_PORT dbname=single application_name=session$i'"
done
node_psql proxy proxy -v register_nodes="$register_nodes" -v single_node="$single_node" \
    -v single_sessions="$single_sessions" -f "$SCALE/proxy.sql" >/dev/null
# The steward's work tables at the proxy: the extract and both results.
node_psql proxy proxy -c "CREATE SCHEMA run AUTHORIZATION scale_steward" >/dev/null
# A researcher's login at the proxy, to check that only the steward fans out.
node_psql proxy proxy -c "CREATE ROLE scale_researcher LOGIN IN ROLE pseudolink_researcher" >/dev/null

# Everything from here runs as the steward's login role at the proxy.
sp() { psql -X -q -v ON_ERROR_STOP=1 -h "$PL_TMP/proxy" -p "$BASE_PORT" -U scale_steward -d proxy "$@"; }
q() { sp -At -c "$1"; }
calc() { awk "BEGIN { printf \"${2:-%.1f}\", $1 }"; }

pl_say "the same root key on every node"
fingerprints=$(q "SELECT string_agg(DISTINCT fingerprint, ', ') FROM (
    SELECT pseudolink.root_key_fingerprint(1)::text AS fingerprint
    UNION ALL SELECT fingerprint FROM scale.node_info('register')
    UNION ALL SELECT fingerprint FROM scale.node_info('single')) f")
n_fingerprints=$(q "SELECT count(DISTINCT fingerprint) FROM (
    SELECT pseudolink.root_key_fingerprint(1)::text AS fingerprint
    UNION ALL SELECT fingerprint FROM scale.node_info('register')
    UNION ALL SELECT fingerprint FROM scale.node_info('single')) f")
[ "$n_fingerprints" = 1 ] || pl_die "the nodes do not share one root key"

pl_say "only the steward may call the proxy functions"
if denied=$(psql -X -q -At -h "$PL_TMP/proxy" -p "$BASE_PORT" -U scale_researcher -d proxy \
                 -c "SELECT * FROM scale.node_info('register')" 2>&1); then
    pl_die "a researcher could call scale.node_info: $denied"
fi
grep -qE 'permission denied for (schema scale|function node_info)' <<<"$denied" || pl_die "unexpected error for a researcher: $denied"
denied_error=$(head -1 <<<"$denied")

# --- the register -----------------------------------------------------------
# Persons and periods are generated at the proxy in chunks of CHUNK persons
# (synth_* are deterministic, so both clusters get the same rows) and sent
# through scale.stage_*: SPLIT routes each row to its person's shard.
stage_sql() {
    local cluster=$1
    cat <<SQL
SELECT sum(n) FROM generate_series(0, ($PERSONS - 1) / $CHUNK) c,
  LATERAL (SELECT array_agg(person_id) AS p, array_agg(birth_date) AS b, array_agg(sex) AS s
           FROM pseudolink.synth_persons($SEED, $PERSONS, first => c * $CHUNK + 1,
                                         count => least($CHUNK, $PERSONS - c * $CHUNK))) a,
  LATERAL scale.stage_persons('$cluster', a.p, a.b, a.s) AS n;
SELECT sum(n) FROM generate_series(0, ($PERSONS - 1) / $CHUNK) c,
  LATERAL (SELECT array_agg(person_id) AS p, array_agg(postcode) AS pc, array_agg(house_number) AS hn,
                  array_agg(house_suffix) AS hs, array_agg(valid_from) AS vf, array_agg(valid_to) AS vt
           FROM pseudolink.synth_addresses($SEED, $PERSONS, first => c * $CHUNK + 1,
                                           count => least($CHUNK, $PERSONS - c * $CHUNK))) a,
  LATERAL scale.stage_addresses('$cluster', a.p, a.pc, a.hn, a.hs, a.vf, a.vt) AS n;
SQL
}
pl_say "loading $PERSONS persons onto the single node"
t_stage_single=$(pl_secs sp -c "$(stage_sql single)")
t_load_single=$(pl_secs sp -c "SELECT * FROM scale.load_register('single', 'nl')")
pl_say "loading $PERSONS persons onto $SHARDS shards (split by hashint8(person_id))"
t_stage_shards=$(pl_secs sp -c "$(stage_sql register)")
t_load_shards=$(pl_secs sp -c "SELECT * FROM scale.load_register('register', 'nl')")

node_table=$(q "SELECT string_agg(format('| %s | %s | %s | %s |', node, persons, periods, model), E'\n' ORDER BY node)
                FROM (SELECT * FROM scale.node_info('single') UNION ALL SELECT * FROM scale.node_info('register')) n")
totals=$(q "SELECT format('%s|%s', sum(persons), sum(periods)) FROM scale.node_info('register')")
IFS='|' read -r shard_persons shard_periods <<<"$totals"
single_totals=$(q "SELECT format('%s|%s', persons, periods) FROM scale.node_info('single')")
IFS='|' read -r single_persons single_periods <<<"$single_totals"
[ "$shard_persons" = "$single_persons" ] && [ "$shard_periods" = "$single_periods" ] \
    || pl_die "the shards hold $shard_persons persons and $shard_periods periods, the single node $single_persons and $single_periods"
# Every person is on the shard its hash names.
misplaced=0
for i in $(seq 0 $((SHARDS - 1))); do
    m=$(node_psql "shard$i" register -At -c "SELECT count(*) FROM pseudolink.register_person
                                             WHERE abs(hashint8(person_id) % $SHARDS) <> $i")
    misplaced=$((misplaced + m))
done
[ "$misplaced" = 0 ] || pl_die "$misplaced persons are not on the shard of their hash"

# --- the extract and the linkage ------------------------------------------------
pl_say "a PCI extract of $RECORDS records, normalised at the proxy"
sp -c "CREATE TABLE run.extract AS
    SELECT record_no, true_person_id, (record_no - 1) / $BATCH AS batch,
           pseudolink.parse_date(event_date) AS event_date,
           CASE WHEN pseudolink.birth_date_problem(birth_date) IS NULL THEN pseudolink.normalise_birth_date(birth_date) END AS birth_date,
           CASE WHEN pseudolink.sex_problem(sex) IS NULL THEN pseudolink.normalise_sex(sex) END AS sex,
           CASE WHEN pseudolink.postcode_problem(postcode) IS NULL THEN pseudolink.normalise_postcode(postcode) END AS postcode,
           house_number,
           CASE WHEN pseudolink.house_suffix_problem(house_suffix) IS NULL THEN pseudolink.parse_house_suffix(house_suffix) END AS house_suffix
    FROM pseudolink.synth_extract($SEED, $PERSONS, 'PCI', $RECORDS)" -c "ANALYZE run.extract"

# link_sql TABLE FUNCTION CLUSTER
link_sql() {
    cat <<SQL
CREATE TABLE run.result_$1 AS
SELECT b.* FROM (SELECT batch, array_agg(record_no) AS r, array_agg(event_date) AS e, array_agg(birth_date) AS bd,
                        array_agg(sex) AS s, array_agg(postcode) AS pc, array_agg(house_number) AS hn,
                        array_agg(house_suffix) AS hs
                 FROM run.extract GROUP BY batch) x,
     LATERAL scale.$2('$3', x.r, x.e, x.bd, x.s, x.pc, x.hn, x.hs, 'nl', 'scale', 2) AS b;
SQL
}
# ROUNDS rounds, each running the three one after the other; the medians
# are reported, and the last round's results are compared.
median() { sort -g | sed -n "$(( (ROUNDS + 1) / 2 ))p"; }
runs_single= runs_sessions= runs_shards=
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
    pl_say "round $round of $ROUNDS: linking on the single node, on it in $SESSIONS sessions, on $SHARDS shards"
    sp -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS run.result_single, run.result_sessions, run.result_register"
    runs_single+="$(pl_secs sp -c "$(link_sql single best single)") "
    runs_sessions+="$(pl_secs sp -c "$(link_sql sessions candidates_split single_sessions)") "
    runs_shards+="$(pl_secs sp -c "$(link_sql register best register)") "
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
t_link_single=$(tr ' ' '\n' <<<"$runs_single" | grep . | median)
t_link_sessions=$(tr ' ' '\n' <<<"$runs_sessions" | grep . | median)
t_link_shards=$(tr ' ' '\n' <<<"$runs_shards" | grep . | median)

# --- the check ----------------------------------------------------------------
pl_say "comparing"
compare=$(q "SELECT format('%s|%s|%s|%s|%s',
        count(*),
        count(*) FILTER (WHERE s.record_no IS NULL OR r.record_no IS NULL),
        count(*) FILTER (WHERE s.person_id IS DISTINCT FROM r.person_id OR s.pseudonym IS DISTINCT FROM r.pseudonym),
        count(*) FILTER (WHERE s.weight IS DISTINCT FROM r.weight),
        count(*) FILTER (WHERE s.candidates IS DISTINCT FROM r.candidates))
    FROM run.result_single s FULL JOIN run.result_register r USING (record_no, rank)")
IFS='|' read -r c_rows c_missing c_person c_weight c_cands <<<"$compare"
summary=$(q "SELECT format('%s|%s|%s|%s|%s|%s',
        count(*) FILTER (WHERE rank = 1), sum(candidates) FILTER (WHERE rank = 1),
        count(*) FILTER (WHERE rank = 2),
        (SELECT count(*) FROM run.extract e WHERE NOT EXISTS (SELECT FROM run.result_single s WHERE s.record_no = e.record_no)),
        count(*) FILTER (WHERE rank = 1 AND person_id = e.true_person_id),
        (SELECT count(*) FROM run.extract WHERE true_person_id IS NOT NULL))
    FROM run.result_single s JOIN run.extract e USING (record_no)")
IFS='|' read -r s_records s_pairs s_runners s_none s_true s_in_register <<<"$summary"
sample=$(q "SELECT string_agg(format('| %s | %s | %s | %s | %s |', record_no, rank, pseudonym, round(weight::numeric, 4), candidates), E'\n' ORDER BY record_no, rank)
            FROM (SELECT * FROM run.result_register ORDER BY record_no, rank LIMIT 4) t")
sessions_differ=$(q "SELECT count(*) FROM run.result_single s FULL JOIN run.result_sessions r USING (record_no, rank)
                     WHERE (s.person_id, s.pseudonym, s.weight, s.candidates) IS DISTINCT FROM (r.person_id, r.pseudonym, r.weight, r.candidates)")
[ "$sessions_differ" = 0 ] || pl_die "the single node's run in $SESSIONS sessions differs from its run in one session in $sessions_differ rows"
if [ "$c_missing" = 0 ] && [ "$c_person" = 0 ] && [ "$c_weight" = 0 ] && [ "$c_cands" = 0 ] && [ "$c_rows" -gt 0 ]; then
    verdict="equal: the same $c_rows rows (best candidate and runner-up of $s_records records) on both"
    same=1
else
    verdict="DIFFERENT: of $c_rows rows, $c_missing on one side only, $c_person with another person, $c_weight with another weight, $c_cands with another candidate count"
    same=0
fi
pl_say "$verdict"

# --- a shard fails ----------------------------------------------------------------
# RUN ON ALL needs every shard: with one stopped, the call must fail as a
# whole (no partial answer), and work again once the shard is back.
pl_say "stopping shard$((SHARDS - 1)) and linking the first batch"
down=shard$((SHARDS - 1))
pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/$down/data" -m fast -w stop >/dev/null
first_batch="SELECT count(*) FROM (SELECT array_agg(record_no) AS r, array_agg(event_date) AS e, array_agg(birth_date) AS bd,
                        array_agg(sex) AS s, array_agg(postcode) AS pc, array_agg(house_number) AS hn,
                        array_agg(house_suffix) AS hs
                 FROM run.extract WHERE batch = 0) x,
     LATERAL scale.best('register', x.r, x.e, x.bd, x.s, x.pc, x.hn, x.hs, 'nl', 'scale', 2) AS b"
if down_out=$(sp -At -c "$first_batch" 2>&1); then
    pl_die "the fan-out answered with a shard down: $down_out"
fi
down_error=$(head -1 <<<"$down_out" | sed "s|$PL_TMP|<tmp>|g")
pl_say "refused: $down_error"
pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/$down/data" -l "$PL_TMP/$down/server.log" -w start >/dev/null
up_rows=$(q "$first_batch")
first_rows=$(q "SELECT count(*) FROM run.result_register r JOIN run.extract e USING (record_no) WHERE e.batch = 0")
[ "$up_rows" = "$first_rows" ] || pl_die "after the restart the first batch gave $up_rows rows, not $first_rows"
pl_say "after the restart: $up_rows rows, as before"

# --- the report -----------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
t_total=$(( $(date +%s) - t_start ))
mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# The register sharded with PL/Proxy: $SHARDS shards against one node

Command: \`bash bench/plproxy.sh $PERSONS $RECORDS $SHARDS\` (seed $SEED, BATCH=$BATCH, CHUNK=$CHUNK, ROUNDS=$ROUNDS), $(date -u +%Y-%m-%d).
Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GB; PostgreSQL $(q 'SHOW server_version'),
PL/Proxy $(q "SELECT extversion FROM pg_extension WHERE extname = 'plproxy'"). One run; the script took $t_total s after the build.

Nodes: $((SHARDS + 1)) throwaway clusters on this machine, one root key (fingerprint
\`$fingerprints\` on every node). The proxy cluster holds the proxy database and the single
node's database; each shard is a cluster of its own. Every node runs with
\`max_parallel_workers_per_gather = 0\`, shared_buffers 256MB, jit off.

**All $((SHARDS + 1)) nodes share $(nproc) cores.** The shards do not get a machine each: with $SHARDS
shards on $(nproc) cores they compete for CPU, so the speed-up below is bounded by the cores, not
by the number of shards, and says nothing yet about shards on separate machines.

## What each node holds

| node (cluster/database) | persons | address periods | blocking model |
|---|---|---|---|
$node_table

Every shard person satisfies \`abs(hashint8(person_id) % $SHARDS)\` = the shard's number
($misplaced misplaced); the shards together hold the single node's $single_persons persons and
$single_periods periods.

## Timing, s

| step | single node | $SHARDS shards |
|---|---|---|
| stage the register through the proxy (\`scale.stage_*\`, $CHUNK persons per call; shards: SPLIT by hash) | $t_stage_single | $t_stage_shards |
| \`register_load('nl')\` (shards: all at once, RUN ON ALL) | $t_load_single | $t_load_shards |
| link $RECORDS PCI records (\`scale.best\`, $BATCH records per call; shards: RUN ON ALL, merged at the proxy), median of $ROUNDS | $t_link_single | $t_link_shards |
| the same on the single node in $SESSIONS sessions (\`scale.candidates_split\`: each batch SPLIT by record over $SESSIONS connections), median of $ROUNDS | $t_link_sessions | |

Every round of the linkage, s: single node ${runs_single% }; single node in $SESSIONS sessions ${runs_sessions% }; $SHARDS shards ${runs_shards% }.
Staging and loading ran once each. Load average (1, 5, 15 min) before the linkage rounds
$load_before, after them $load_after: the machine is shared, and the nodes' processes compete
with other work too (which also favours 3 busy shard processes over 2 sessions).

Linkage: the shards take $(calc "$t_link_shards / $t_link_single" '%.2f') times as long as the single node in one
session, $(calc "$t_link_shards / $t_link_sessions" '%.2f') times as long as the single node using $SESSIONS sessions
(both cores, the fair comparison on this machine). Load: $(calc "$t_load_shards / $t_load_single" '%.2f') times
as long as the single node (\`register_load\` runs in one session per node).

## The check

$verdict.

Compared row by row (\`result_single FULL JOIN result_register USING (record_no, rank)\`):
rows on one side only $c_missing, another person or pseudonym $c_person, another weight
$c_weight (compared with \`=\`, not within a tolerance), another number of candidates $c_cands.

The linkage found $s_pairs candidate pairs for $s_records records ($s_runners with a
runner-up); $s_none records had no candidate. The best candidate is the true person for
$s_true of the $s_in_register records whose person is in the register (fixed m and u, no
threshold: a measure of the data, not of a tuned model). Equal weights (same-sex twins at one
address) are ranked by pseudonym, which depends on the run's random root key, so this count
can differ by a few from run to run; the equality of the two results cannot.

The single node's run in $SESSIONS sessions gives the same rows too ($sessions_differ differ).

## Privileges

Every \`scale.*\` function is revoked from PUBLIC and granted to \`pseudolink_steward\` on every
node, and only the steward may use the schema \`scale\`; the run used a login member of it on
all nodes. A member of \`pseudolink_researcher\` at the proxy calling
\`scale.node_info('register')\` got (SQLSTATE 42501):

    $denied_error

## A shard fails

With \`$down\` stopped, the fan-out of the first batch failed as a whole (no partial answer):

    $down_error

After \`$down\` was started again, the same call returned its $up_rows rows, as before: PL/Proxy
connects again on the next call.

## The first rows of the sharded result

| record | rank | pseudonym | weight | candidates |
|---|---|---|---|---|
$sample
EOF
pl_say "wrote $OUT"
cat "$OUT"
[ "$same" = 1 ]
