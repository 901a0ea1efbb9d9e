#!/bin/bash
# kernel-build-7.3.sh: the specs generated for Linux 7.3 build in the 7.3
# tree in replace mode, with upstream 7.3's own Rust drivers on top,
# unmodified: `make LLVM=1 CLIPPY=1` of the kernel crate and of the drivers'
# objects, no warning from a generated file, and `make rustfmtcheck` clean.
#
# Only the specs whose 7.3 output builds are installed (BUILT below); the
# others are generated (scripts/test.sh's regenerate-7.3) but still need
# what docs/notes.md lists ("Linux 7.3 (issue 13)"). The generated files go
# to $KGEN_CACHE/gen-7.3/built (an overlay of those specs only).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

# Spec -> upstream 7.3 drivers that use its module.
BUILT=(net-phy)
declare -A DRIVERS=([net-phy]="drivers/net/phy/ax88796b_rust drivers/net/phy/qt2025")
# Spec -> the table type modpost reads from its drivers' device tables
# (`__mod_device_table__<n>__kmod_<module>__<type>__<name>` on 7.3).
declare -A TABLE_TYPE=([net-phy]=mdio)

root=$("$KGEN_SCRIPTS/toolchain-root.sh")
# shellcheck disable=SC2046 # PACKAGE VERSION [SUITE], one word each
src=$("$KGEN_SCRIPTS/kernel-source.sh" $(kernel_pin 7.3))
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --kernel 7.3 --stage configure)
log "tree: $tree"
kmake() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" "${KGEN_KMAKE[@]}" "$@"; }

# 1. Generate every spec for 7.3 (one run: specs share headers), outside the checkout.
work=$KGEN_CACHE/gen-7.3
specs=()
while read -r spec; do specs+=(--spec "$spec"); done < <(spec_files)
build/kgen generate "${specs[@]}" --no-lock --kernel "$tree" --out "$work/out" --overlay "$work/overlay" \
    --bindgen "$KGEN_SCRIPTS/tools/bindgen" --rustfmt "$KGEN_SCRIPTS/tools/rustfmt" >/dev/null

# 2. An overlay of the built specs only.
built=$work/built
safe_rm "$built"
mkdir -p "$built"
generated=()
objects=()
tables=()
for s in "${BUILT[@]}"; do
    cp "$work/overlay/$s.manifest" "$built/"
    while read -r path; do
        mkdir -p "$built/$(dirname "$path")"
        cp "$work/overlay/$path" "$built/$path"
        generated+=("$path")
    done < <(sed -n 's/^file //p' "$work/overlay/$s.manifest")
    for d in ${DRIVERS[$s]}; do
        cmp -s "$src/$d.rs" "$tree/$d.rs" || die "$d.rs differs from the pristine 7.3 source"
        objects+=("$d.o")
        [[ -z ${TABLE_TYPE[$s]:-} ]] || tables+=("$d.o:${TABLE_TYPE[$s]}")
    done
done

tree_lock "$tree"
build/kgen install --kernel "$tree" --overlay "$built"
for path in "${generated[@]}"; do
    cmp -s "$built/$path" "$tree/$path" || die "$path in the 7.3 tree is not the generated one"
    touch "$tree/$path" # compiled (and linted) by this build
done

# 3. Build and lint: the kernel crate, then upstream's drivers on it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! kmake -j"$(nproc)" rust/ "${objects[@]}" >"$tmp/build.log" 2>&1; then
    grep -E 'error|warning' -A7 "$tmp/build.log" | head -n 80 >&2
    die "the 7.3 kernel crate or upstream's drivers do not build with the generated modules (log above)"
fi
for o in "${objects[@]}"; do
    [[ -f $tree/$o ]] || die "$o was not built"
done
# A device table modpost reads: without it the module builds but gets no
# aliases, and nothing loads it for its devices.
for t in "${tables[@]}"; do
    o=${t%:*} type=${t##*:}
    nm "$tree/$o" | grep -qE " __mod_device_table__[0-9]+__kmod_[a-z0-9_]+__${type}__" ||
        die "$o has no $type device table in 7.3's modpost format (__mod_device_table__*__${type}__*)"
done
pattern=$(printf '%s\n' "${generated[@]}" | paste -sd'|')
if grep -E -A4 '^(warning|error)' "$tmp/build.log" | grep -qE -- "--> ($pattern)"; then
    grep -E -A8 '^(warning|error)' "$tmp/build.log" | grep -E -B4 -A4 -- "--> ($pattern)" >&2
    die "clippy or rustc warnings from generated files (above)"
fi
kmake rustfmtcheck >"$tmp/fmt.log" 2>&1 || {
    tail -n 40 "$tmp/fmt.log" >&2
    die "rustfmtcheck is not clean"
}
log "7.3: ${BUILT[*]} generated, installed in replace mode: kernel crate and ${objects[*]} build," \
    "clippy clean for ${generated[*]}, rustfmtcheck clean"
