#!/usr/bin/env bash
# Runs every benchmark of bench/ one after the other (each on its own
# throwaway cluster) and assembles bench/RESULTS.md from their result files.
#
# Usage: bash bench/run.sh [name ...]   (default: every side-by-side comparison)
#        bash bench/run.sh --assemble   (only rebuild RESULTS.md from bench/results/)
# The default leaves out the measurements that are not comparisons and take an
# hour or more: scale (national size on one node) and plproxy (several nodes);
# name them to run them.  Their results are assembled like the others.
# A benchmark that fails is reported and the others still run; the exit
# status is non-zero if any failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ "${1:-}" = --assemble ]; then names=()
elif [ $# -gt 0 ]; then names=("$@")
else
    names=()
    for f in "$here"/*.sh; do
        n=$(basename "$f" .sh)
        case "$n" in run|scale|plproxy) ;; *) names+=("$n") ;; esac
    done
fi

failed=()
for n in "${names[@]}"; do
    echo "== bench/$n.sh"
    bash "$here/$n.sh" || failed+=("$n")
done

{
    echo "# Benchmark results"
    echo
    echo "Assembled by \`bash bench/run.sh\` from \`bench/results/*.md\`; each section names the"
    echo "command that produced it, the machine, and the date of its run. Compare ratios within a"
    echo "section: they come from one run on one machine."
    for f in "$here"/results/*.md; do
        echo
        sed 's/^#/##/' "$f"
    done
} > "$here/RESULTS.md"
echo "wrote bench/RESULTS.md"

if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
