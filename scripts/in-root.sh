#!/bin/bash
# in-root.sh ROOT [--cwd DIR] CMD...: run CMD as root inside the toolchain
# root ROOT (made by toolchain-root.sh).
#
# CMD runs in a private mount namespace (unshare --mount --propagation
# private) in which proc, sysfs, /dev (with /dev/pts), a tmpfs /tmp,
# $KGEN_CACHE and the repository checkout are mounted into ROOT. The last two
# appear at the SAME absolute paths as outside, so kernel-tree paths and
# compile flags are identical inside and outside. The mounts vanish with the
# namespace when CMD ends, even if it is killed. The environment is reset to
# a sane PATH, HOME=/root and LANG=C.UTF-8 (plus TERM and KGEN_CACHE); pass
# other variables with `env VAR=value CMD...`. DIR defaults to /.
# Exit status: CMD's. Caches nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() { die "usage: in-root.sh ROOT [--cwd DIR] CMD..."; }

(($# >= 1)) || usage
root=$(realpath -e -- "$1") || die "no such root: $1"
shift
cwd=/
if [[ ${1:-} == --cwd ]]; then
    (($# >= 2)) || usage
    cwd=$2
    shift 2
fi
(($# >= 1)) || usage
[[ -x $root/bin/sh ]] || die "$root does not look like a root file system"
((EUID == 0)) || die "in-root.sh must run as root"
case $cwd in
/ | "$KGEN_REPO" | "$KGEN_REPO"/* | "$KGEN_CACHE" | "$KGEN_CACHE"/*) ;;
*) die "in-root.sh: the directory $cwd is not visible in the toolchain root (only the checkout, $KGEN_REPO, and $KGEN_CACHE are mounted there): run from under one of them (kgen's tools run in its --out directory)" ;;
esac

# Outside the namespace: re-run this script inside a new one.
if [[ ${KGEN_IN_ROOT_NS:-} != "$$" ]]; then
    KGEN_IN_ROOT_NS=$$ exec unshare --mount --propagation private -- \
        "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$cwd" "$@"
fi
unset KGEN_IN_ROOT_NS

# Inside the private namespace: nothing below is visible outside.
bind_same_path() {
    mkdir -p -- "$root$1"
    mount --bind -- "$1" "$root$1"
}
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
mkdir -p -- "$KGEN_CACHE"
bind_same_path "$KGEN_CACHE"
bind_same_path "$KGEN_REPO"

exec chroot -- "$root" /usr/bin/env -i -C "$cwd" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" KGEN_CACHE="$KGEN_CACHE" \
    "$@"
