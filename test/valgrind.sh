#!/usr/bin/env bash
# Runs the pg_regress suite (sql/, expected/) and the pgTAP files (test/)
# against a server that runs under valgrind's memcheck, and fails when valgrind reports an error whose
# stack or origin lies in pseudolink's shared library.  Errors valgrind
# reports inside PostgreSQL alone are listed but do not fail the run: the
# Debian server is not built with USE_VALGRIND, so memcheck cannot follow
# its memory contexts and flags some of its own (harmless) habits.
#
# Slow (about 5 minutes on 2 cores): not part of test/run.sh.  Run it after every change
# to memory handling in src/:   bash test/valgrind.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pl_install_packages valgrind
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'"
pl_write_test_keys

# Restart the same cluster under valgrind.  Backends are forked, not
# executed, so memcheck follows them without --trace-children; key commands
# (/bin/sh) run natively.
pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/data" -w -m fast stop >/dev/null
pl_say "starting the server under valgrind (slow)"
pl_as_server_user sh -c "exec valgrind --quiet --error-limit=no --num-callers=40 \
    --track-origins=yes --read-var-info=no --leak-check=no \
    --log-file='$PL_TMP/valgrind.%p.log' \
    '$PG_BINDIR/postgres' -D '$PL_TMP/data' >'$PL_TMP/server.log' 2>&1" &
for _ in $(seq 240); do
    pg_isready -q -h "$PL_TMP" && break
    sleep 1
done
pg_isready -q -h "$PL_TMP" || { cat "$PL_TMP/server.log" >&2; pl_die "the server did not start under valgrind"; }

pl_say "pg_regress under valgrind"
rm -f "$PL_TOP/regression.diffs"
set +e
make -C "$PL_TOP" -s installcheck PG_CONFIG="$PG_CONFIG" >"$PL_TMP/regress.out" 2>&1
regress_rc=$?
set -e
grep -E '^(test | )?[ ]*[A-Za-z0-9_]+ +\.\.\. ' "$PL_TMP/regress.out" || true

pl_say "pgTAP under valgrind"
createdb pseudolink_tap
pl_psql -d pseudolink_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION pseudolink' \
    -f "$PL_TOP/test/lib/helpers.sql"
set +e
(cd "$PL_TOP" && pg_prove -d pseudolink_tap test/*.sql) >"$PL_TMP/tap.out" 2>&1
tap_rc=$?
set -e
tail -3 "$PL_TMP/tap.out"
pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/data" -w -t 600 -m fast stop >/dev/null

# Each error is a block of lines between blank "==pid==" lines.
pl_say "valgrind reports"
ours=0
theirs=0
for log in "$PL_TMP"/valgrind.*.log; do
    while IFS= read -r -d '' block; do
        if printf '%s' "$block" | grep -q 'pseudolink\.so'; then
            ours=$((ours + 1))
            printf '%s\n\n' "$block"
        else
            theirs=$((theirs + 1))
            printf '%s\n' "$block" | sed -n '1,3p'
        fi
    done < <(awk '/^==[0-9]+== $/ { if (b != "") printf "%s%c", b, 0; b = ""; next }
                  /^==[0-9]+== / { b = b $0 "\n" }
                  END { if (b != "") printf "%s%c", b, 0 }' "$log")
done
echo "processes traced: $(ls "$PL_TMP"/valgrind.*.log | wc -l)"
echo "valgrind errors in pseudolink: $ours; in PostgreSQL alone: $theirs"
[ "$regress_rc" -eq 0 ] || { cat "$PL_TOP/regression.diffs" 2>/dev/null; pl_die "pg_regress failed under valgrind"; }
[ "$tap_rc" -eq 0 ] || { cat "$PL_TMP/tap.out"; pl_die "pgTAP failed under valgrind"; }
[ "$ours" -eq 0 ] || pl_die "valgrind reports errors in pseudolink"
echo "pseudolink runs clean under valgrind"
