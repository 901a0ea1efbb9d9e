#!/bin/bash
# toolchain-root.sh: ensure the Debian 13 (trixie) toolchain root exists and
# print its path (only that) on stdout.
#
# Cache: $KGEN_CACHE/root-<key>, key = key_of(root-packages.txt, "trixie").
# Built atomically: debootstrap --variant=minbase into root-<key>.tmp.<pid>,
# install root-packages.txt inside it (via in-root.sh), write the marker
# .kgen-root, then rename into place. A complete root is reused as is; a
# leftover .tmp dir of a killed run is removed; complete roots with other keys
# are deleted. Log: $KGEN_CACHE/root-<key>.log.
#
# The mirror is read from the host's apt sources at run time. Afterwards the
# root's apt sources and lists are emptied: the root is never upgraded in
# place; edit root-packages.txt to get a new one.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

SUITE=trixie
MARKER=.kgen-root

packages_file=$KGEN_SCRIPTS/root-packages.txt
key=$(key_of "$packages_file" -- "$SUITE")
root=$KGEN_CACHE/root-$key
logfile=$KGEN_CACHE/root-$key.log

if [[ -f $root/$MARKER ]]; then
    printf '%s\n' "$root"
    exit 0
fi

cache_lock root
if [[ -f $root/$MARKER ]]; then # built by a concurrent run
    printf '%s\n' "$root"
    exit 0
fi

for old in "$KGEN_CACHE"/root-*.tmp.* "$root"; do
    if [[ -e $old ]]; then
        log "removing incomplete root $old"
        safe_rm "$old"
    fi
done

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$packages_file")
((${#packages[@]} > 0)) || die "no packages in $packages_file"
mirror=$(host_mirror)
tmp=$KGEN_CACHE/root-$key.tmp.$$
trap 'safe_rm "$tmp"' EXIT
: >"$logfile"
log "building toolchain root $root (log: $logfile)"

step host-packages ensure_host_pkgs debootstrap

step debootstrap run_logged "$logfile" \
    debootstrap --variant=minbase "$SUITE" "$tmp" "$mirror"

in_tmp() { "$KGEN_SCRIPTS/in-root.sh" "$tmp" env DEBIAN_FRONTEND=noninteractive "$@"; }
install_packages() {
    # No services may start inside the root.
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    run_logged "$logfile" in_tmp apt-get -q update
    run_logged "$logfile" in_tmp apt-get -q install -y --no-install-recommends "${packages[@]}"
    run_logged "$logfile" in_tmp apt-get clean
    # Forget the mirror: the root is immutable, its key names its packages.
    rm -rf "$tmp"/var/lib/apt/lists/* "$tmp/var/log/bootstrap.log"
    rm -f "$tmp"/etc/apt/sources.list.d/*
    echo '# emptied by kgen toolchain-root.sh; edit scripts/root-packages.txt instead' \
        >"$tmp/etc/apt/sources.list"
}
step root-packages install_packages

write_marker() {
    {
        echo "# kgen toolchain root, complete"
        echo "key=$key suite=$SUITE built=$(date -Is)"
        in_tmp sh -c 'rustc --version; bindgen --version; clang --version | head -n 1'
        in_tmp dpkg-query -W "${packages[@]}"
    } >"$tmp/$MARKER.new"
    mv -- "$tmp/$MARKER.new" "$tmp/$MARKER"
}
step marker write_marker
mv -T -- "$tmp" "$root"
trap - EXIT

for old in "$KGEN_CACHE"/root-*; do
    if [[ $old != "$root" && -f $old/$MARKER ]]; then
        log "removing old root $old"
        safe_rm "$old"
        rm -f -- "$old.log"
    fi
done

log "toolchain root ready: $root"
printf '%s\n' "$root"
