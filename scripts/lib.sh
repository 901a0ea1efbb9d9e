# shellcheck shell=bash
# lib.sh: helpers sourced by the kgen shell scripts (not run directly).
#
# Provides logging (log, warn, die), timed steps with a heartbeat (step),
# cache keys (key_of), cache locking (cache_lock), safe removal of cache
# directories (safe_rm), the host's Debian mirror (host_mirror) and host
# package installation (ensure_host_pkgs).
#
# Caches live under $KGEN_CACHE (default /var/cache/kgen), outside the
# checkout. Everything the scripts print for humans goes to stderr; stdout is
# kept for the one path each script returns.

# Canonical (symlink-free), so the same path works inside the root.
KGEN_CACHE=$(realpath -m -- "${KGEN_CACHE:-/var/cache/kgen}")
export KGEN_CACHE

# The repository checkout: the directory that contains scripts/.
KGEN_REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
KGEN_SCRIPTS=$KGEN_REPO/scripts
export KGEN_REPO KGEN_SCRIPTS

log() { printf '%s\n' "$*" >&2; }
warn() { printf 'kgen-scripts: warning: %s\n' "$*" >&2; }
die() {
    printf 'kgen-scripts: error: %s\n' "$*" >&2
    exit 1
}

# step NAME CMD...: run CMD, announcing start, end and duration on stderr,
# with a heartbeat line every 60 s. CMD runs in a subshell with errexit on,
# so it may be a shell function; variables it sets do not reach the caller.
# Returns CMD's exit status.
step() {
    local name=$1 start=$SECONDS rc=0 heartbeat
    shift
    log "==> [$name] start"
    (
        # Kill the sleep too, so that no process keeps the caller's pipes open.
        trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
        n=0
        while :; do
            sleep 60 &
            sleeper=$!
            wait "$sleeper"
            kill -0 $$ 2>/dev/null || exit 0
            n=$((n + 60))
            log "... [$name] still running, ${n}s"
        done
    ) </dev/null >/dev/null &
    heartbeat=$!
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    kill "$heartbeat" 2>/dev/null || true
    wait "$heartbeat" 2>/dev/null || true
    if ((rc == 0)); then
        log "==> [$name] done in $((SECONDS - start))s"
    else
        log "==> [$name] FAILED after $((SECONDS - start))s (exit $rc)"
    fi
    return "$rc"
}

# host_mirror: the Debian mirror URI of this host, read at run time from the
# first non-security "URIs:" line of the deb822 sources file.
host_mirror() {
    local sources=/etc/apt/sources.list.d/debian.sources uri
    [[ -r $sources ]] || die "cannot read $sources"
    uri=$(awk '$1 == "URIs:" && $2 !~ /-security/ { print $2; exit }' "$sources")
    [[ -n $uri ]] || die "no URIs: line in $sources"
    printf '%s\n' "$uri"
}

# mask_mirror: copy stdin to stdout with the mirror's host name replaced by
# <mirror>, so that no file we write names it.
mask_mirror() {
    local host
    host=$(host_mirror | sed -E 's#^[a-z]+://##; s#[/:].*##')
    awk -v h="$host" '{
        out = ""
        while ((i = index($0, h)) > 0) {
            out = out substr($0, 1, i - 1) "<mirror>"
            $0 = substr($0, i + length(h))
        }
        print out $0
        fflush()
    }'
}

# key_of FILE... [-- STRING...]: a 16-hex-digit cache key over the contents
# of the files (not their names) and the strings.
key_of() {
    local f
    {
        while (($# > 0)) && [[ $1 != -- ]]; do
            [[ -f $1 ]] || die "key_of: no such file: $1"
            printf 'file %s\n' "$(sha256sum <"$1" | cut -d' ' -f1)"
            shift
        done
        (($# > 0)) && shift
        for f in "$@"; do
            printf 'string %s\n' "$f"
        done
    } | sha256sum | cut -c1-16
}

# cache_lock NAME: take an exclusive lock on $KGEN_CACHE/.NAME.lock for the
# rest of the calling script (released when the script exits).
cache_lock() {
    local lock=$KGEN_CACHE/.$1.lock fd
    mkdir -p "$KGEN_CACHE"
    exec {fd}>"$lock"
    if ! flock -n "$fd"; then
        log "waiting for lock $lock (another kgen script is running)"
        flock "$fd"
    fi
}

# safe_rm DIR: rm -rf DIR, refusing if anything is mounted below it.
safe_rm() {
    local dir
    dir=$(realpath -m -- "$1")
    [[ -e $dir ]] || return 0
    if awk -v d="$dir/" 'index($5 "/", d) == 1 { found = 1 } END { exit !found }' \
        /proc/self/mountinfo; then
        die "refusing to remove $dir: something is mounted below it"
    fi
    rm -rf --one-file-system -- "$dir"
}

# apt-get on the host, waiting for the dpkg lock instead of failing.
host_apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=1800 "$@"
}

# ensure_host_pkgs PKG...: install the missing host packages; quiet when all
# are present.
ensure_host_pkgs() {
    local pkg missing=()
    for pkg in "$@"; do
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) != installed ]]; then
            missing+=("$pkg")
        fi
    done
    ((${#missing[@]} > 0)) || return 0
    log "installing host packages: ${missing[*]}"
    for pkg in "${missing[@]}"; do
        if [[ -z $(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)"') ]]; then
            host_apt_get update >&2
            break
        fi
    done
    host_apt_get install -y --no-install-recommends "${missing[@]}" >&2
}

# run_logged LOG CMD...: run CMD with its output appended to LOG; on failure
# show the tail of LOG on stderr. Returns CMD's exit status.
run_logged() {
    local logfile=$1 rc=0
    shift
    printf '\n### %s: %s\n' "$(date -Is)" "$*" | mask_mirror >>"$logfile"
    "$@" </dev/null 2>&1 | mask_mirror >>"$logfile" || rc=$?
    if ((rc != 0)); then
        log "---- last lines of $logfile ----"
        tail -n 60 "$logfile" >&2
        log "---- command failed (exit $rc): $*"
    fi
    return "$rc"
}

# The make command line of the kernel tree. Every script that builds in the
# tree uses it: different flags (CLIPPY=1 or not) would rebuild all Rust code.
KGEN_KMAKE=(make LLVM=1 CLIPPY=1)

# tree_lock TREE: take the lock that kernel-tree.sh holds while it builds
# TREE, for the rest of the calling script (or until `exec {KGEN_TREE_LOCK}>&-`).
# Never call kernel-tree.sh while holding it.
tree_lock() {
    exec {KGEN_TREE_LOCK}>"$KGEN_CACHE/.${1##*/}.lock"
    if ! flock -n "$KGEN_TREE_LOCK"; then
        log "waiting for the lock of $1 (another kgen script is using it)"
        flock "$KGEN_TREE_LOCK"
    fi
}

# spec_files: the committed specs, one a line (every header-specs/*.yaml
# but TEMPLATE.yaml, the commented starting point for a new one).
spec_files() {
    local spec
    for spec in header-specs/*.yaml; do
        [[ $(basename "$spec") == TEMPLATE.yaml ]] || printf '%s\n' "$spec"
    done
}

# spec_list KEY SPEC: the entries of the top-level list KEY of SPEC, one a
# line, written inline (KEY: [a, b]) or as a block ("  - a" lines).
spec_list() {
    awk -v key="$1:" '
        function clean(s) { sub(/[ \t]+#.*/, "", s); gsub(/["\047 \t]/, "", s); return s }
        !on && index($0, key) == 1 && /\[/ {
            s = $0; sub(/^[^[]*\[/, "", s); sub(/\].*/, "", s)
            n = split(s, a, ",")
            for (i = 1; i <= n; i++) if (clean(a[i]) != "") print clean(a[i])
            exit
        }
        !on && index($0, key) == 1 { on = 1; next }
        on && /^[ \t]*-/ { s = $0; sub(/^[ \t]*-/, "", s); print clean(s); next }
        on && /^[ \t]*(#.*)?$/ { next }
        on { exit }' "$2"
}

# kernel_pin KERNEL: "PACKAGE VERSION [SUITE]" of the Debian source package
# pinned for KERNEL (6.12, the LTS the kernel crate is expanded on; 7.3, the
# newest upstream, from trixie-backports; 6.1, Debian 12's older kernel),
# the arguments of kernel-source.sh.
kernel_pin() {
    case $1 in
    6.12) echo "linux-source-6.12 6.12.117-1~deb12u1" ;;
    7.3) echo "linux-source-7.3 7.3.4-1~bpo13+1 trixie-backports" ;;
    6.1) echo "linux-source-6.1 6.1.192-2" ;;
    *) die "no pinned kernel $1 (known: 6.12, 7.3, 6.1)" ;;
    esac
}
