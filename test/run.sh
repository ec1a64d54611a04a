#!/usr/bin/env bash
# The test command: installs what is missing, builds and installs pseudolink,
# starts a throwaway cluster with a throwaway root key, runs every pg_regress
# test (sql/, expected/) and every pgTAP file (test/*.sql), cleans up, and
# ends with the line "N passed, N failed" (pg_regress tests and pgTAP
# assertions together).  Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pl_install_packages
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'"

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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
