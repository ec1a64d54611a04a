#!/usr/bin/env bash
# The test command: installs what is missing, builds and installs pseudolink,
# starts a throwaway cluster with a throwaway root key, runs every pg_regress
# test (sql/, expected/) and every pgTAP file (test/*.sql), cleans up, and
# ends with the line "N passed, N failed" (pg_regress tests and pgTAP
# assertions together).  Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pl_install_packages
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink,pg_stat_statements'"

pl_write_test_keys

passed=0
failed=0

# --- pg_regress -------------------------------------------------------------
pl_say "pg_regress"
rm -f "$PL_TOP/regression.diffs"
regress_out=$PL_TMP/regress.out
set +e
make -C "$PL_TOP" -s installcheck PG_CONFIG="$PG_CONFIG" >"$regress_out" 2>&1
regress_rc=$?
set -e
grep -E '^(test | )?[ ]*[A-Za-z0-9_]+ +\.\.\. ' "$regress_out" || true
r_ok=$(grep -cE '\.\.\. ok' "$regress_out" || true)
r_bad=$(grep -cE '\.\.\. (FAILED|failed)' "$regress_out" || true)
if [ "$regress_rc" -ne 0 ] && [ "$r_bad" -eq 0 ]; then
    # pg_regress itself failed (could not create the database, say).
    cat "$regress_out"
    r_bad=1
fi
if [ -s "$PL_TOP/regression.diffs" ]; then
    pl_say "pg_regress differences"
    cat "$PL_TOP/regression.diffs"
fi
passed=$((passed + r_ok))
failed=$((failed + r_bad))

# --- pgTAP ------------------------------------------------------------------
pl_say "pgTAP"
createdb pseudolink_tap
pl_psql -d pseudolink_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION pseudolink' \
    -f "$PL_TOP/test/lib/helpers.sql"
tap_out=$PL_TMP/tap.out
set +e
(cd "$PL_TOP" && pg_prove --verbose -d pseudolink_tap test/*.sql) >"$tap_out" 2>&1
tap_rc=$?
set -e
t_ok=$(grep -cE '^ *ok [0-9]+' "$tap_out" || true)
t_bad=$(grep -cE '^ *not ok [0-9]+' "$tap_out" || true)
grep -vE '^ *ok [0-9]+' "$tap_out" || true
if [ "$tap_rc" -ne 0 ] && [ "$t_bad" -eq 0 ]; then
    # A file died or its plan did not match: count it as one failure.
    t_bad=1
fi
passed=$((passed + t_ok))
failed=$((failed + t_bad))

# --- without shared_preload_libraries ----------------------------------------
# pseudolink also works when each backend loads it on first use (and reads
# the root key then): restart without preloading it and run test/nopreload/.
pl_say "pgTAP without shared_preload_libraries"
pl_psql -d pseudolink_tap -c "CREATE TABLE nopreload_reference AS
    SELECT g AS id, pseudolink.pseudonymise('steward', g) AS p FROM generate_series(1, 100) g"
pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/data" -l "$PL_TMP/server.log" -w -m fast \
    -o "-c shared_preload_libraries=pg_stat_statements" restart >/dev/null \
    || { cat "$PL_TMP/server.log" >&2; pl_die "the server did not restart"; }
nopreload_out=$PL_TMP/nopreload.out
set +e
(cd "$PL_TOP" && pg_prove --verbose -d pseudolink_tap test/nopreload/*.sql) >"$nopreload_out" 2>&1
nopreload_rc=$?
set -e
n_ok=$(grep -cE '^ *ok [0-9]+' "$nopreload_out" || true)
n_bad=$(grep -cE '^ *not ok [0-9]+' "$nopreload_out" || true)
grep -vE '^ *ok [0-9]+' "$nopreload_out" || true
if [ "$nopreload_rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
    n_bad=1
fi
passed=$((passed + n_ok))
failed=$((failed + n_bad))

# --- the root keys never leave the key source ---------------------------------
# The key tests log every statement; no key, in any case, may appear in the
# server log or in pg_stat_statements.
pl_say "root keys in the server log and pg_stat_statements"
statements=$PL_TMP/statements.out
pl_psql -d pseudolink_tap -At -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' \
    -c 'SELECT query FROM pg_stat_statements' >"$statements"
root_key=$(pl_as_server_user cat "$PL_TMP/root.key")
for place in "$PL_TMP/server.log" "$statements"; do
    name=$(basename "$place")
    if [ "$(wc -l <"$place")" -lt 10 ]; then
        echo "not ok - $name holds too little to check"
        failed=$((failed + 1))
    elif grep -qiF -e "$root_key" -e "$PL_TEST_KEY_V1" -e "$PL_TEST_KEY_V2" "$place"; then
        echo "not ok - a root key appears in $name"
        failed=$((failed + 1))
    else
        echo "ok - no root key in $name ($(wc -l <"$place") lines)"
        passed=$((passed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
