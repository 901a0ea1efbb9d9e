#!/bin/bash
# kernel-build.sh: the generated modules (replace mode) build in the 6.12 tree,
# with upstream's Rust drivers (ax88796b_rust.rs, qt2025.rs, rnull.rs) on top
# of them, unmodified. The kernel's own checks hold for generated files: no
# warning from `make LLVM=1 CLIPPY=1`, `rustfmtcheck` and the `rustdoc` build
# are clean. Leaves the overlay installed and the tree built, for the QEMU tests.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

root=$("$KGEN_SCRIPTS/toolchain-root.sh")
src=$("$KGEN_SCRIPTS/kernel-source.sh")
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
log "tree: $tree"

kmake() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" "${KGEN_KMAKE[@]}" "$@"; }

# The tree is shared with kernel-tree.sh and qemu-tests/run.sh.
tree_lock "$tree"
build/kgen install --kernel "$tree" --overlay kernel-crate-overlay

# What is installed is what kgen generated.
mapfile -t generated < <(grep -h '^file ' kernel-crate-overlay/*.manifest | cut -d' ' -f2)
for path in "${generated[@]}"; do
    cmp -s "kernel-crate-overlay/$path" "$tree/$path" || die "$path in the tree is not the generated one"
done

# Upstream's drivers are the pristine Debian source, unmodified.
# Upstream's Rust drivers on the generated modules: source -> module object,
# and the generated module they use.
drivers=(drivers/net/phy/ax88796b_rust drivers/net/phy/qt2025 drivers/block/rnull)
declare -A driver_ko=([drivers/block/rnull]=drivers/block/rnull_mod)
declare -A driver_api=([drivers/block/rnull]=rust/kernel/block/mq.rs)
for d in "${drivers[@]}"; do
    cmp -s "$src/$d.rs" "$tree/$d.rs" || die "$d.rs differs from the pristine source"
done

# Warnings only show when the kernel crate is compiled. A stamp keyed by the
# generated files' content records a clean lint; without one, the generated
# files are touched so that this build compiles (and lints) them.
lint_key=$(cd "$tree" && cat "${generated[@]}" | sha256sum | cut -c1-16)
stamp=$tree/.kgen-overlay/lint-clean.$lint_key
if [[ ! -f $stamp ]]; then
    (cd "$tree" && touch "${generated[@]}")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! kmake -j"$(nproc)" >"$tmp/build.log" 2>&1; then
    grep -E 'error|warning' -A5 "$tmp/build.log" | head -n 80 >&2
    die "the kernel does not build with the generated modules (log above)"
fi
for d in "${drivers[@]}"; do
    ko=${driver_ko[$d]:-$d}.ko api=${driver_api[$d]:-rust/kernel/net/phy.rs}
    [[ -f $tree/$ko ]] || die "$ko was not built"
    [[ $tree/$ko -nt $tree/$api ]] || die "$ko is older than the generated $api"
done
pattern=$(printf '%s\n' "${generated[@]}" | paste -sd'|')
if grep -q 'rust/kernel.o' "$tmp/build.log"; then
    if grep -E -A4 '^(warning|error)' "$tmp/build.log" | grep -qE -- "--> ($pattern)"; then
        grep -E -A8 '^(warning|error)' "$tmp/build.log" | grep -E -B4 -A4 -- "--> ($pattern)" >&2
        die "clippy or rustc warnings from generated files (above)"
    fi
    touch "$stamp"
    log "clippy: no warning from ${generated[*]}"
elif [[ ! -f $stamp ]]; then
    die "the kernel crate was not compiled, so its warnings could not be checked"
fi

kmake rustfmtcheck >"$tmp/fmt.log" 2>&1 || {
    tail -n 40 "$tmp/fmt.log" >&2
    die "rustfmtcheck is not clean"
}
kmake rustdoc >"$tmp/doc.log" 2>&1 || {
    tail -n 40 "$tmp/doc.log" >&2
    die "the rustdoc build failed"
}
if grep -E -A4 '^(warning|error)' "$tmp/doc.log" | grep -qE -- "--> ($pattern)"; then
    grep -E -A8 '^(warning|error)' "$tmp/doc.log" >&2
    die "rustdoc warnings from generated files (above)"
fi
log "built: ${drivers[*]/%/.rs} against the generated kernel::net::phy and kernel::block::mq; clippy, rustfmtcheck, rustdoc clean"
