#!/bin/bash
# compile.sh: the golden Rust compiles. For each tests/golden/<case>/, kgen
# generates the case with the FFI layer (the toolchain root's bindgen), and
# the root's rustc (1.85) builds the generated module with -D warnings as part
# of a stand-in kernel crate (stub/kernel.rs; stub/ffi.rs; stub/macros.rs for
# #[vtable]).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$KGEN_REPO"

root=$("$KGEN_SCRIPTS/toolchain-root.sh")
work=$KGEN_REPO/build/golden-rustc   # visible inside the root (the checkout is mounted)
rm -rf "$work"
mkdir -p "$work"
rustc_root() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$work" env "$@"; }

stub=$KGEN_REPO/tests/golden/stub
rustc_root rustc --edition 2021 --crate-type proc-macro --crate-name stub_macros \
    "$stub/macros.rs" -o "$work/libstub_macros.so"
rustc_root rustc --edition 2021 --crate-type rlib --crate-name ffi "$stub/ffi.rs" -o "$work/libffi.rlib"

n=0
for spec in tests/golden/*/spec.yaml; do
    case_dir=$(dirname "$spec")
    name=$(basename "$case_dir")
    out=$work/$name
    build/kgen generate --spec "$spec" -I "$KGEN_REPO/$case_dir" --kernel-version golden --no-lock --no-cache \
        --out "$out/out" --overlay "$out/overlay" --bindgen "$KGEN_SCRIPTS/tools/bindgen" >/dev/null
    spec_name=$(sed -n 's/^name: *//p' "$spec")
    bindings=$out/out/$spec_name/bindings/bindings_generated.rs
    modfile=$(find "$out/overlay/rust/kernel" -maxdepth 1 -name '*.rs' | head -n1)
    modname=$(basename "$modfile" .rs)
    # As in the kernel, `bindings` and `ffi` are crates of their own.
    cat >"$out/bindings.rs" <<RS
#![no_std]
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case, dead_code, improper_ctypes)]
include!("$bindings");
RS
    # The stand-in kernel crate names bindings::module (ThisModule).
    grep -q 'pub struct module\b' "$bindings" || echo 'pub struct module { _opaque: [u8; 0] }' >>"$out/bindings.rs"
    # The crate root sits where the kernel's does (rust/kernel/lib.rs), so that the module's
    # hand-written submodules resolve to rust/kernel/<module>/<name>.rs as in the kernel.
    # build_error! is defined here, not in the included stub: a macro_export
    # macro that include! expands cannot be named by path (kernel::build_error!).
    cat >"$out/overlay/rust/kernel/lib.rs" <<RS
#![no_std]
extern crate self as kernel;
#[macro_export]
macro_rules! build_error {
    (\$msg:expr) => {{
        \$crate::build_error(\$msg)
    }};
}
include!("$stub/kernel.rs");
pub mod $modname;
RS
    rustc_root rustc --edition 2021 --crate-type rlib --crate-name bindings \
        --extern ffi="$work/libffi.rlib" -o "$out/libbindings.rlib" "$out/bindings.rs"
    # The kernel passes --cfg CONFIG_X for every enabled option; the case's
    # headers stand in for autoconf.h with `#define CONFIG_X 1`.
    mapfile -t cfgs < <(sed -n 's/^#define \(CONFIG_[A-Z0-9_]*\) 1$/--cfg\n\1/p' "$case_dir"/*.h)
    rustc_root rustc --edition 2021 --crate-type rlib --crate-name kernel -D warnings "${cfgs[@]}" \
        --extern ffi="$work/libffi.rlib" --extern bindings="$out/libbindings.rlib" \
        --extern stub_macros="$work/libstub_macros.so" -o "$out/libkernel.rlib" "$out/overlay/rust/kernel/lib.rs"
    log "golden case $name: generated Rust compiles"
    n=$((n + 1))
done
((n > 0)) || die "no golden cases found"
