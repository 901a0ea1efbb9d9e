#!/bin/bash
# check-kernel-tree.sh [--kernel 6.1|7.3] [--stage source|configure]: ensure
# ANOTHER Linux tree than the pinned 6.12 for `kgen check` (drift between the
# 6.12 the specs were locked against and a real kernel), and print its path
# (only that) on stdout:
#   6.1  (default) Debian 12's linux-source-6.1, the older kernel;
#   7.3  linux-source-7.3 from trixie-backports, the newest upstream.
#
#   source:    the pristine source, by kernel-source.sh PACKAGE VERSION
#              [SUITE]: pinned to the version below (newest available with
#              a warning if that is gone), unpacked atomically into
#              $KGEN_CACHE/linux-<version>/src with source.stamp.
#   configure: (default) a copy of it, $KGEN_CACHE/tree61-<key> or
#              tree73-<key>, configured from qemu-tests/kernel.config
#              WITHOUT the Rust options, then `make LLVM=1 prepare` in the
#              toolchain root (in-root.sh).
#              key = key_of(kernel.config, Debian version, root name).
#
# Why no Rust: 6.1's Rust support needs rustc 1.62 and bindgen 0.56 exactly,
# and the toolchain root has 1.85 and 0.71, so 6.1 cannot give bindgen's
# command line (rust/bindings/.bindings_generated.rs.cmd); for 7.3 a check
# needs no more than the C side either. kgen then reads the C flags Kbuild
# saved for kernel/bounds.s (made by `make prepare`), which is what Kbuild
# derives bindgen's flags from (see open_kernel_tree in
# gen/driver/kernel_tree.cpp). Make output: <tree>/.kgen/make.log.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() { die "usage: check-kernel-tree.sh [--kernel 6.1|7.3] [--stage source|configure]"; }
stage=configure kernel=6.1
while (($# > 0)); do
    case $1 in
    --stage) stage=${2:-} && shift ;;
    --stage=*) stage=${1#--stage=} ;;
    --kernel) kernel=${2:-} && shift ;;
    --kernel=*) kernel=${1#--kernel=} ;;
    *) usage ;;
    esac
    shift
done
[[ $stage == source || $stage == configure ]] || usage
case $kernel in
6.1) prefix=tree61 ;;
7.3) prefix=tree73 ;;
*) usage ;;
esac

# shellcheck disable=SC2046 # PACKAGE VERSION [SUITE], one word each
src=$("$KGEN_SCRIPTS/kernel-source.sh" $(kernel_pin "$kernel"))
if [[ $stage == source ]]; then
    printf '%s\n' "$src"
    exit 0
fi

# 2. A configured, prepared copy.
fragment=$KGEN_REPO/qemu-tests/kernel.config
root=$("$KGEN_SCRIPTS/toolchain-root.sh")
version=$(sed -n 's/^version=//p' "$src/../source.stamp")
key=$(key_of "$fragment" -- "$version" "${root##*/}" old-kernel-no-rust)
tree=$KGEN_CACHE/$prefix-$key
state=$tree/.kgen
logfile=$state/make.log
cache_lock "$prefix-$key"

if [[ ! -f $state/copied ]]; then
    for old in "$tree".tmp.* "$tree"; do
        [[ -e $old ]] && safe_rm "$old"
    done
    tmp=$tree.tmp.$$
    trap 'safe_rm "$tmp"' EXIT
    copy_source() {
        cp -a -- "$src" "$tmp"
        mkdir -p "$tmp/.kgen"
        printf 'key=%s\nsource=%s\nversion=%s\nroot=%s\n' "$key" "$src" "$version" "$root" >"$tmp/.kgen/copied"
    }
    step "copy-$kernel-source" copy_source >&2
    mv -T -- "$tmp" "$tree"
    trap - EXIT
fi

kmake() { run_logged "$logfile" "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" make LLVM=1 "$@"; }

# The 6.12 fragment minus everything Rust, so both trees see the headers
# under the same configuration.
fragment_args() {
    sed -nE -e 's/^CONFIG_([A-Za-z0-9_]+)=y$/--enable \1/p' -e 's/^CONFIG_([A-Za-z0-9_]+)=m$/--module \1/p' \
        -e 's/^# CONFIG_([A-Za-z0-9_]+) is not set$/--disable \1/p' "$fragment" | grep -v RUST
}

configure() {
    kmake tinyconfig
    # shellcheck disable=SC2046 # one word per option by design
    run_logged "$logfile" "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" \
        scripts/config --file .config $(fragment_args)
    kmake olddefconfig
    # shellcheck disable=SC2046
    run_logged "$logfile" "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" \
        scripts/config --file .config $(fragment_args)
    kmake olddefconfig
    local opt bad=()
    for opt in NET NETDEVICES PHYLIB MDIO_DEVICE BLOCK BLK_DEV PCI; do
        # An option this kernel does not define cannot be asked of it
        # (MDIO_DEVICE is part of PHYLIB since 6.16).
        grep -rqx --include='Kconfig*' "config $opt" . || continue
        grep -qx "CONFIG_$opt=y" .config || bad+=("$opt")
    done
    ((${#bad[@]} == 0)) || die "options did not stick in $tree/.config: ${bad[*]}"
    kmake -j"${KGEN_JOBS:-$(nproc)}" prepare
    [[ -f kernel/.bounds.s.cmd && -f include/config/kernel.release ]] ||
        die "make prepare made no kernel/.bounds.s.cmd in $tree"
}

if [[ $(cat "$state/configured" 2>/dev/null) != "$key" ]]; then
    rm -f "$state/configured"
    cd "$tree"
    step "configure-$kernel-tree" configure >&2
    printf '%s\n' "$key" >"$state/configured"
fi
log "$kernel kernel tree ready: $tree"
printf '%s\n' "$tree"
