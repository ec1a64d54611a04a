# common.sh: shared steps of the README commands (test/run.sh, test/demo.sh)
# and the benchmarks: install packages, build and install the extension, and
# run a throwaway PostgreSQL 15 cluster with a throwaway root key.
#
# Source it from bash; it sets a cleanup trap, so the cluster and its
# directory go away on success, on failure and on Ctrl-C alike.

set -Eeuo pipefail

PL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BINDIR=/usr/lib/postgresql/15/bin
export PG_CONFIG

# Packages every command needs; callers may add more (benchmarks need the
# extensions they compare against).
PL_PACKAGES=(postgresql-15 postgresql-server-dev-15 libsodium-dev
             postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
             make gcc pkg-config)

pl_say() { printf '== %s\n' "$*"; }
pl_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
pl_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else pl_die "this step needs root: run as root or install sudo"; fi
}

# Install the packages that are missing (only those, so that a warm machine
# does not touch the network).
pl_install_packages() {
    local missing=() p
    for p in "${PL_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    pl_say "installing packages: ${missing[*]}"
    pl_root apt-get update -qq
    pl_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Build (as the calling user) and install (as root) the extension.  The
# installed files are shared by every cluster on the machine, so a run holds
# a lock from its install to its exit: two checkouts tested at once would
# otherwise test each other's build.
pl_build_install() {
    local lock=/tmp/pseudolink-install.lock
    if command -v flock >/dev/null; then
        exec 9>>"$lock"
        flock 9
    fi
    pl_say "building pseudolink"
    make -C "$PL_TOP" -s -j2 PG_CONFIG="$PG_CONFIG"
    pl_say "installing pseudolink into $("$PG_CONFIG" --sharedir)"
    pl_root make -C "$PL_TOP" -s install PG_CONFIG="$PG_CONFIG" >/dev/null
}

# The server refuses to run as root; root runs it as the postgres user.
pl_server_user() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}
# (From / so that the server user need not be able to enter the checkout.)
pl_as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

PL_TMP=
pl_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$PL_TMP" ] && [ -d "$PL_TMP" ]; then
        if [ -f "$PL_TMP/data/postmaster.pid" ]; then
            pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$PL_TMP"
    fi
    exit "$rc"
}
trap pl_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Start a throwaway cluster with a fresh random root key.  Extra arguments are
# lines for postgresql.conf.  Exports PGHOST, PGPORT and PGUSER for clients.
# The socket lives in a private directory, so no TCP port is opened and no
# other cluster on the machine can collide with this one.
pl_cluster_start() {
    PL_TMP=$(mktemp -d /tmp/pseudolink.XXXXXX)
    chmod 755 "$PL_TMP"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PL_TMP"
    pl_say "starting a throwaway PostgreSQL 15 cluster in $PL_TMP"
    pl_as_server_user "$PG_BINDIR/initdb" -D "$PL_TMP/data" -U postgres -A trust \
        --no-instructions -E UTF8 --locale=C.UTF-8 >"$PL_TMP/initdb.log" 2>&1 \
        || { cat "$PL_TMP/initdb.log" >&2; pl_die "initdb failed"; }
    # A throwaway root key: 32 random bytes as 64 hex characters, readable by
    # the server user only.
    pl_as_server_user sh -c "umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > '$PL_TMP/root.key'"
    {
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$PL_TMP'"
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        echo "max_worker_processes = 8"
        echo "pseudolink.key_file = '$PL_TMP/root.key'"
        local line
        for line in "$@"; do echo "$line"; done
    } | pl_as_server_user sh -c "cat >> '$PL_TMP/data/postgresql.conf'"
    pl_as_server_user "$PG_BINDIR/pg_ctl" -D "$PL_TMP/data" -l "$PL_TMP/server.log" -w start >/dev/null \
        || { cat "$PL_TMP/server.log" >&2; pl_die "the server did not start"; }
    export PGHOST=$PL_TMP PGPORT=5432 PGUSER=postgres
    unset PGDATABASE
}

# The public known-answer test keys of test/kat/pseudonym_reference.py, in
# the data directory, where a relative pseudolink.key_file resolves: the
# server cannot read the checkout (CI clones it into a mode-700 directory).
# One file per form (a key per version; one key for every version), and a
# copy that other users may read, which the server must refuse.
PL_TEST_KEY_V1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PL_TEST_KEY_V2=fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0
pl_write_test_keys() {
    pl_as_server_user sh -c "umask 077; cd '$PL_TMP/data' &&
        printf '%s\n' '# pseudolink known-answer test keys: public, never use them for real data' \
            '1 $PL_TEST_KEY_V1' '2 $PL_TEST_KEY_V2' > pseudolink_test.key &&
        printf '%s\n' '$PL_TEST_KEY_V1' > pseudolink_test_single.key &&
        cp pseudolink_test_single.key pseudolink_test_open.key &&
        chmod 644 pseudolink_test_open.key"
}

# psql against the throwaway cluster, quiet and stopping at the first error.
pl_psql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# pl_secs COMMAND...: runs the command (its output discarded) and prints the
# seconds it took, to a tenth.
pl_secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

# pl_register_build_keys N: CALLs pseudolink.register_build_keys() in N
# sessions at once (one per core builds the key sets of a load with
# build_keys => false in parallel) and fails unless the last load's key sets
# are then built.
pl_register_build_keys() {
    local i pids=()
    for ((i = 0; i < $1; i++)); do
        pl_psql -c "SET client_min_messages = warning" -c "CALL pseudolink.register_build_keys()" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    [ -n "$(pl_psql -At -c "SELECT keys_built_at FROM pseudolink.register_load ORDER BY load_id DESC LIMIT 1")" ] \
        || pl_die "the key sets were not built"
}
