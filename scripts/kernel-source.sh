#!/bin/bash
# kernel-source.sh [PACKAGE VERSION [SUITE]]: ensure the pristine Linux 6.12
# source of Debian 12's linux-source-6.12 package is unpacked, and print its
# path (only that) on stdout. With arguments, the same for another
# linux-source package (check-kernel-tree.sh uses it for 6.1 and 7.3).
#
# The package comes from the HOST's apt, pinned to LINUX_SOURCE_VERSION; if
# that exact version is unavailable, the newest available version is used
# with a warning. With SUITE (trixie-backports for 7.3), from that suite of
# the host's mirror instead, through an apt state of its own in
# $KGEN_CACHE/apt-SUITE: the host's apt sources are not changed.
# Cache: $KGEN_CACHE/linux-<version>/src (version with
# characters other than [A-Za-z0-9.+-] replaced by _), unpacked atomically
# (to a tmp dir, then renamed), with the marker linux-<version>/source.stamp
# holding the Debian version and the .deb's sha256. Reused when present.
# Nothing may write into src/: kernel-tree.sh copies it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

read -r PACKAGE LINUX_SOURCE_VERSION SUITE <<<"$(kernel_pin 6.12)"
if (($# == 2 || $# == 3)); then
    PACKAGE=$1
    LINUX_SOURCE_VERSION=$2
    SUITE=${3:-}
elif (($# != 0)); then
    die "usage: kernel-source.sh [PACKAGE VERSION [SUITE]]"
fi
[[ -z $SUITE || $SUITE =~ ^[a-z0-9-]+$ ]] || die "kernel-source.sh: bad suite name '$SUITE'"
TARBALL=usr/src/$PACKAGE.tar.xz

dir_of() { printf '%s/linux-%s\n' "$KGEN_CACHE" "${1//[^A-Za-z0-9.+-]/_}"; }

# Fast path: the pinned version is already unpacked.
dir=$(dir_of "$LINUX_SOURCE_VERSION")
if [[ -f $dir/source.stamp ]]; then
    printf '%s\n' "$dir/src"
    exit 0
fi

# apt_opts: none for the host's apt; with SUITE, an apt state of its own
# (made here, past the fast path above).
apt_opts=()
if [[ -n $SUITE ]]; then
    aptdir=$KGEN_CACHE/apt-$SUITE
    mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
    # The host's mirror, read now, written only into the cache.
    printf 'deb %s %s main\n' "$(host_mirror)" "$SUITE" >"$aptdir/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
        -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache" -o Dir::State::status=/dev/null)
fi
available() { apt-cache "${apt_opts[@]}" madison "$PACKAGE" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'; }
versions=$(available)
if ! grep -qxF -- "$LINUX_SOURCE_VERSION" <<<"$versions"; then
    step apt-update host_apt_get "${apt_opts[@]}" update >&2
    versions=$(available)
fi
version=$LINUX_SOURCE_VERSION
if ! grep -qxF -- "$version" <<<"$versions"; then
    version=$(head -n 1 <<<"$versions") # madison lists the newest first
    [[ -n $version ]] || die "host apt knows no $PACKAGE package at all${SUITE:+ in $SUITE}"
    warn "$PACKAGE=$LINUX_SOURCE_VERSION is not available from the host's apt;" \
        "falling back to the newest available version, $version"
    dir=$(dir_of "$version")
fi

cache_lock source
if [[ ! -f $dir/source.stamp ]]; then
    mkdir -p "$dir"
    for old in "$dir"/src.tmp.*; do
        if [[ -e $old ]]; then
            log "removing leftover $old"
            safe_rm "$old"
        fi
    done
    [[ ! -e $dir/src ]] || safe_rm "$dir/src" # no stamp: incomplete
    tmp=$dir/src.tmp.$$
    trap 'safe_rm "$tmp"' EXIT
    mkdir -p "$tmp/deb" "$tmp/src"

    download() {
        cd "$tmp/deb"
        apt-get -q "${apt_opts[@]}" -o APT::Sandbox::User=root download "$PACKAGE=$version" >&2
    }
    step download-source download
    deb=$(echo "$tmp"/deb/*.deb)
    [[ -f $deb ]] || die "apt-get download produced no .deb in $tmp/deb"

    unpack() {
        dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./$TARBALL" |
            xz -d -T0 | tar -x -C "$tmp/src" --strip-components=1 --no-same-owner
        [[ -f $tmp/src/Makefile && -d $tmp/src/include/linux ]] ||
            die "unpacked source in $tmp/src lacks Makefile or include/linux"
    }
    step unpack-source unpack

    sha=$(sha256sum <"$deb" | cut -d' ' -f1)
    mv -T -- "$tmp/src" "$dir/src"
    printf 'package=%s\nversion=%s\ndeb_sha256=%s\n' "$PACKAGE" "$version" "$sha" \
        >"$dir/source.stamp"
    safe_rm "$tmp"
    trap - EXIT
    log "kernel source ready: $dir/src ($PACKAGE $version)"
fi
printf '%s\n' "$dir/src"
