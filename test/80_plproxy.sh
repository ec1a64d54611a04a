#!/usr/bin/env bash
# Optional test (not part of test/run.sh, since it starts four clusters): the
# PL/Proxy set-up of doc/scale.md on a small register.  Runs bench/plproxy.sh
# with 10,000 persons, a PCI extract of 1,000 records (4 batches) and 3 shards, one
# round, its report in a temp file (bench/results/ is left alone), and passes
# when the sharded linkage equals the single node's, the nodes share one
# root key, every person is on the shard of its hash, and a stopped shard
# makes the fan-out fail and its restart makes it work again (the script
# exits non-zero otherwise).  Under a minute on 2 cores.
#
# Usage: bash test/80_plproxy.sh
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
report=$(mktemp)
trap 'rm -f "$report"' EXIT
ROUNDS=1 BATCH=250 PLPROXY_OUT=$report bash "$top/bench/plproxy.sh" 10000 1000 3
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^equal: ' "$report"; then
    echo "ok - the sharded linkage equals the single node's; a failed shard fails the fan-out"
    echo "1 passed, 0 failed"
else
    echo "not ok - bench/plproxy.sh 10000 1000 3 failed (exit $rc)"
    echo "0 passed, 1 failed"
    exit 1
fi
