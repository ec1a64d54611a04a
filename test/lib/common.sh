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

# psql against the throwaway cluster, quiet and stopping at the first error.
pl_psql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
