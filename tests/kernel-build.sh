#!/bin/bash
# kernel-build.sh: the generated modules (replace mode) build in the 6.12 tree,
# with upstream's Rust PHY drivers (ax88796b_rust.rs, qt2025.rs) on top of
# them, unmodified; no warning comes from a generated file; rustfmtcheck is
# clean. Leaves the overlay installed, so the QEMU tests boot this build.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

root=$("$KGEN_SCRIPTS/toolchain-root.sh")
src=$("$KGEN_SCRIPTS/kernel-source.sh")
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
log "tree: $tree"

kmake() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" make LLVM=1 "$@"; }

build/kgen install --kernel "$tree" --overlay kernel-crate-overlay
# The whole tree (bzImage and modules), so the QEMU tests find it built.
"$KGEN_SCRIPTS/kernel-tree.sh" --stage build >/dev/null

# What is installed is what kgen generated.
while read -r kind path; do
    [[ $kind == file ]] || continue
    cmp -s "kernel-crate-overlay/$path" "$tree/$path" || die "$path in the tree is not the generated one"
done < <(grep -h '^file ' kernel-crate-overlay/*.manifest)

# Upstream's drivers are the pristine Debian source, unmodified.
drivers=(drivers/net/phy/ax88796b_rust drivers/net/phy/qt2025)
for d in "${drivers[@]}"; do
    cmp -s "$src/$d.rs" "$tree/$d.rs" || die "$d.rs differs from the pristine source"
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! kmake -j"$(nproc)" >"$log" 2>&1; then
    grep -E 'error|warning' "$log" | head -n 60 >&2
    die "the kernel does not build with the generated modules (log above)"
fi
for d in "${drivers[@]}"; do
    [[ -f $tree/$d.ko ]] || die "$d.ko was not built"
    [[ $tree/$d.ko -nt $tree/rust/kernel/net/phy.rs ]] || die "$d.ko is older than the generated phy.rs"
done
generated=$(grep -h '^file rust/kernel/' kernel-crate-overlay/*.manifest | cut -d' ' -f2 | paste -sd'|')
if grep -E "warning" -A3 "$log" | grep -qE "$generated"; then
    grep -E "warning" -A3 "$log" | grep -E -B3 "$generated" >&2
    die "warnings from generated files"
fi
kmake rustfmtcheck >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    die "rustfmtcheck is not clean"
}
log "built: ${drivers[*]/%/.ko} against the generated kernel::net::phy"
