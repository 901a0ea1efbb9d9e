#!/bin/bash
# bench/size.sh: what the generated safe wrappers cost in the kernel, against
# upstream's hand-written modules. A benchmark, not a test: run it on demand
# (scripts/test.sh does not); it rebuilds the cached tree twice (a few
# minutes each) and leaves the generated overlay installed, as
# tests/kernel-build.sh leaves it.
#
# The same tree, config and compiler build twice:
#   upstream  the pristine Linux 6.12 source (`kgen uninstall`), with its
#             hand-written rust/kernel/net/phy.rs and rust/kernel/block/mq*;
#   kgen      the same tree with kernel-crate-overlay/ installed.
# Compared, each as kgen/upstream:
#   - `.text` of upstream's drivers built unmodified both ways
#     (ax88796b_rust.ko, qt2025.ko, rnull_mod.ko): the trampolines and
#     generic wrappers are monomorphised there;
#   - the phy and block parts of the kernel crate: the summed sizes of the
#     rust/kernel.o symbols whose (v0-mangled) path is under kernel::net::phy
#     or kernel::block::mq (`nm -S`), and how many there are.
# kgen's own samples use API that upstream does not have, so they build only
# one way and are not compared. Results: bench/results/size.txt.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

[[ -x build/kgen ]] || die "build kgen first (bash scripts/setup.sh)"
root=$("$KGEN_SCRIPTS/toolchain-root.sh")
tree=$("$KGEN_SCRIPTS/kernel-tree.sh")
results=$KGEN_REPO/bench/results
mkdir -p "$results"
modules=(drivers/net/phy/ax88796b_rust.ko drivers/net/phy/qt2025.ko drivers/block/rnull_mod.ko)
kmake() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" "${KGEN_KMAKE[@]}" "$@"; }
inroot() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" "$@"; }

tree_lock "$tree"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME: build the tree as it is, then record "NAME what bytes" lines.
measure() {
    local name=$1 m text
    step "build-$name" kmake -j"$(nproc)" >"$work/$name.build.log" 2>&1 ||
        { tail -n 40 "$work/$name.build.log" >&2; die "the $name build failed"; }
    for m in "${modules[@]}"; do
        [[ -f $tree/$m ]] || die "$m was not built ($name)"
        text=$(inroot llvm-size-19 -A "$m" | awk '$1 == ".text" { print $2 }')
        echo "$name ${m##*/} ${text:-0}" >>"$work/samples"
    done
    # v0 mangling spells each path segment as <length><name>.
    inroot llvm-nm-19 -S --radix=d --defined-only rust/kernel.o | awk -v n="$name" '
        NF == 4 && $4 ~ /6kernel3net3phy/ { phy += $2 + 0; np++ }
        NF == 4 && $4 ~ /6kernel5block2mq/ { blk += $2 + 0; nb++ }
        END { printf "%s kernel.o:net::phy %d %d\n%s kernel.o:block::mq %d %d\n", n, phy, np, n, blk, nb }' \
        >>"$work/samples"
}

: >"$work/samples"
build/kgen uninstall --kernel "$tree" >/dev/null
measure upstream
build/kgen install --kernel "$tree" --overlay kernel-crate-overlay >/dev/null
measure kgen

{
    printf 'bench/size.sh: %s; tree %s (config qemu-tests/kernel.config)\n' "$(date -Is)" "${tree##*/}"
    awk '
        { key = $2; v[$1, key] = $3; c[$1, key] = $4; keys[key] = 1 }
        END {
            printf "%-24s %12s %12s %8s\n", "what", "upstream", "kgen", "ratio"
            for (k in keys) {
                u = v["upstream", k]; g = v["kgen", k]
                extra = (c["upstream", k] != "") ? sprintf("  (%d vs %d symbols)", c["upstream", k], c["kgen", k]) : ""
                printf "%-24s %12d %12d %7.2fx%s\n", k, u, g, (u ? g / u : 0), extra
            }
        }' "$work/samples" | sort
} | tee "$results/size.txt"
