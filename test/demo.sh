#!/usr/bin/env bash
# The demo command: installs what is missing, builds and installs pseudolink,
# starts a throwaway cluster with a throwaway root key, runs the main job on
# embedded defaults and prints what it did, then cleans up.  Each step of the
# job is a file in test/demo/, run in name order, so the demo grows with the
# extension.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pl_install_packages
pl_build_install
pl_cluster_start "shared_preload_libraries = 'pseudolink'"

createdb pseudolink_demo
export PGDATABASE=pseudolink_demo
# Files the demo writes (the link report as SVG and HTML) outlive the cluster.
export PL_DEMO_OUT=${PL_DEMO_OUT:-/tmp/pseudolink-demo}
mkdir -p "$PL_DEMO_OUT"
for step in "$PL_TOP"/test/demo/*.sql; do
    pl_say "demo step $(basename "$step" .sql)"
    psql -X -v ON_ERROR_STOP=1 -f "$step"
done
pl_say "demo finished; the throwaway cluster is removed"
