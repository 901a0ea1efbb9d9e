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
# Build logs and symbol lists stay in $work (bench/results/ is not committed).
work=$results/size-work
rm -rf -- "$work"
mkdir -p "$work"

# syms FILE OUT [PATTERN]: "size<TAB>demangled name" of FILE's defined code
# symbols (matching PATTERN, a substring), in OUT.
syms() {
    inroot llvm-nm-19 -S --radix=d --defined-only -C "$1" | awk -v pat="${3:-}" '
        NF >= 4 && $3 ~ /^[tTwW]$/ {
            name = $4; for (i = 5; i <= NF; i++) name = name " " $i
            if (pat == "" || index(name, pat)) printf "%d\t%s\n", $2 + 0, name
        }' | sort -t "$(printf '\t')" -k2 >"$2"
}

# measure NAME: build the tree as it is, then record "NAME what bytes" lines
# and each part's symbols (for the comparison by symbol below).
measure() {
    local name=$1 m text
    step "build-$name" kmake -j"$(nproc)" >"$work/$name.build.log" 2>&1 ||
        { tail -n 40 "$work/$name.build.log" >&2; die "the $name build failed"; }
    for m in "${modules[@]}"; do
        [[ -f $tree/$m ]] || die "$m was not built ($name)"
        text=$(inroot llvm-size-19 -A "$m" | awk '$1 == ".text" { print $2 }')
        echo "$name ${m##*/} ${text:-0}" >>"$work/samples"
        syms "$m" "$work/$name.${m##*/}.syms"
    done
    # v0 mangling spells each path segment as <length><name>.
    inroot llvm-nm-19 -S --radix=d --defined-only rust/kernel.o | awk -v n="$name" '
        NF == 4 && $4 ~ /6kernel3net3phy/ { phy += $2 + 0; np++ }
        NF == 4 && $4 ~ /6kernel5block2mq/ { blk += $2 + 0; nb++ }
        END { printf "%s kernel.o:net::phy %d %d\n%s kernel.o:block::mq %d %d\n", n, phy, np, n, blk, nb }' \
        >>"$work/samples"
    syms rust/kernel.o "$work/$name.kernel.o:net::phy.syms" "kernel::net::phy::"
    syms rust/kernel.o "$work/$name.kernel.o:block::mq.syms" "kernel::block::mq"
}

# by_symbol WHAT: the two builds of WHAT compared symbol by symbol: the code
# both have (same demangled name), what only one has, and the largest
# differences: growths of shared symbols, then the largest symbols only one
# build has.
by_symbol() {
    awk -F '\t' -v what="$1" '
        FNR == 1 { side++ }
        side == 1 { up[$2] = $1; next }
        { kg[$2] = $1 }
        END {
            for (s in up) if (s in kg) { cu += up[s]; ck += kg[s]; nc++ } else { ou += up[s]; nu++ }
            for (s in kg) if (!(s in up)) { ok += kg[s]; nk++ }
            printf "0 %s: %d symbols in both, %d vs %d bytes (%.2fx); only upstream: %d (%d bytes); only kgen: %d (%d bytes)\n",
                what, nc, cu, ck, cu ? ck / cu : 0, nu, ou, nk, ok
            for (s in up) if (s in kg && kg[s] > up[s]) printf "1 %d     grew %+d: %s (%d -> %d)\n", kg[s] - up[s], kg[s] - up[s], substr(s, 1, 100), up[s], kg[s]
            for (s in up) if (!(s in kg)) printf "2 %d     only upstream %d: %s\n", up[s], up[s], substr(s, 1, 100)
            for (s in kg) if (!(s in up)) printf "3 %d     only kgen %d: %s\n", kg[s], kg[s], substr(s, 1, 100)
        }' "$work/upstream.$1.syms" "$work/kgen.$1.syms" |
        sort -k1,1n -k2,2nr | awk '{ g = $1; if (++n[g] > (g ? 4 : 1)) next; sub(/^[0-9]+ [0-9]+ /, ""); sub(/^0 /, ""); print }'
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
    echo
    echo "by symbol (demangled names; under each line the largest growths, then the largest symbols of one build only):"
    for m in "${modules[@]}"; do by_symbol "${m##*/}"; done
    by_symbol kernel.o:net::phy
    by_symbol kernel.o:block::mq
} | tee "$results/size.txt"
