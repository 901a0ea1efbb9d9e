#!/bin/bash
# check.sh: the public API of the generated kernel::net::phy and
# kernel::block::mq is upstream 6.12's, except for the differences listed in
# docs/api-differences.md (one line each, with its reason).
#
# Both APIs come from rustdoc JSON of the `kernel` crate, made with the
# command line of the kernel's own `make rustdoc` in the cached 6.12 tree
# (tests/api-compat/rustdoc_json.py), under the tree's lock:
#   generated  the tree's rust/kernel with kernel-crate-overlay/ installed and
#              built, as tests/kernel-build.sh leaves it (run that first;
#              if the tree holds another overlay, this installs ours and
#              rebuilds, and leaves it so);
#   upstream   the pristine rust/kernel of the Debian source
#              (kernel-source.sh), copied to scratch and documented against
#              the tree's built crates. The tree itself is not touched, so
#              nothing needs a rebuild. Its `bindings` crate is the overlay's,
#              a superset of upstream's (the overlay only adds includes and
#              helpers), which upstream's signatures name by the same paths.
#              Cached in $KGEN_CACHE/api-compat/upstream-<key>.json, key = the
#              source's stamp, rustdoc_json.py and the tree's name (config,
#              version, toolchain root).
# tests/api-compat/api_compat.py compares them and prints `missing ITEM` and
# `changed ITEM: upstream SIG / generated SIG` lines; the check fails on a
# difference that docs/api-differences.md does not list, and on a listed one
# that no longer occurs. Before that, a self-test runs the comparison on two
# stand-in crates (tests/api-compat/selftest/) and expects its exact output.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$KGEN_REPO"

here=$KGEN_REPO/tests/api-compat
root=$("$KGEN_SCRIPTS/toolchain-root.sh")
[[ -x build/kgen ]] || die "build/kgen is missing: run scripts/setup.sh first"

kmake() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" "${KGEN_KMAKE[@]}" "$@"; }
py() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$KGEN_REPO" python3 -B "$@"; }

cache=$KGEN_CACHE/api-compat
mkdir -p "$cache"
# Scratch space visible inside the root (the cache is mounted at the same path).
work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The comparison itself first, on two stand-in `kernel` crates with known
# differences (tests/api-compat/selftest/: an allowed missing item, trait
# method, changed signature and auto-trait impl; an unlisted change; a stale
# line; a shorter path, and defaults upstream lacks, which are no change): its
# output must be expected.txt.
selftest() {
    local side dir=$here/selftest rc=0
    for side in upstream generated; do
        "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$KGEN_REPO" env RUSTC_BOOTSTRAP=1 \
            rustdoc --edition 2021 --crate-name kernel --crate-type rlib -Zunstable-options \
            --output-format json --document-hidden-items -o "$work/selftest-$side" \
            "$dir/$side/rust/kernel/lib.rs" >&2
    done
    py "$here/api_compat.py" compare "$work/selftest-upstream/kernel.json" \
        "$work/selftest-generated/kernel.json" "$dir/differences.md" >"$work/selftest.out" || rc=$?
    if ((rc != 1)) || ! diff -u "$dir/expected.txt" "$work/selftest.out" >&2; then
        die "the self-test's comparison (exit $rc, expected 1) differs from $dir/expected.txt (diff above)"
    fi
    log "self-test: the comparison of the stand-in crates is as expected"
}
selftest

src=$("$KGEN_SCRIPTS/kernel-source.sh")
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
key=$(key_of "$src/../source.stamp" "$here/rustdoc_json.py" -- "${tree##*/}")
upstream=$cache/upstream-$key.json
tree_lock "$tree"
[[ -f $tree/rust/libkernel.rmeta ]] ||
    die "$tree is not built: run tests/kernel-build.sh (or scripts/test.sh) first"

# Our overlay, built. After tests/kernel-build.sh nothing changes here.
installed=$(build/kgen install --kernel "$tree" --overlay kernel-crate-overlay)
log "$installed"
if [[ $installed != "installed: 0 changed,"* ]]; then
    log "the tree held another overlay: rebuilding it with ours"
    kmake -j"$(nproc)" >"$work/build.log" 2>&1 || {
        grep -E 'error|warning' -A5 "$work/build.log" | head -n 60 >&2
        die "the tree does not build with the overlay"
    }
fi
if [[ ! -f $tree/.rustdoc-kernel.cmd && ! -f $tree/rust/.rustdoc-kernel.cmd ]]; then
    kmake rustdoc >"$work/rustdoc.log" 2>&1 || {
        tail -n 40 "$work/rustdoc.log" >&2
        die "make rustdoc failed"
    }
fi

if [[ ! -f $upstream ]]; then
    log "upstream API: documenting the pristine rust/kernel (once per tree; cached in $upstream)"
    mkdir -p "$work/upstream/rust"
    cp -a "$src/rust/kernel" "$work/upstream/rust/kernel"
    py "$here/rustdoc_json.py" "$tree" "$work/upstream.json" "$work/upstream/rust/kernel/lib.rs"
    find "$cache" -maxdepth 1 -name 'upstream-*.json' -delete
    mv -f "$work/upstream.json" "$upstream"
fi
py "$here/rustdoc_json.py" "$tree" "$work/generated.json"
py "$here/api_compat.py" compare "$upstream" "$work/generated.json" "$KGEN_REPO/docs/api-differences.md"
