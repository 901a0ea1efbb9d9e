#!/bin/bash
# setup.sh: README command 1. On a fresh Debian 12 machine (as root):
#   1. installs the host packages kgen builds with;
#   2. builds kgen (build/kgen);
#   3. makes the Debian 13 toolchain root (bindgen 0.71, rustc 1.85 + rust-src,
#      rustfmt, clang/lld 19), cached in $KGEN_CACHE;
#   4. obtains the pinned linux-source-6.12 and prepares a configured tree with
#      CONFIG_RUST and the subsystems' options (qemu-tests/kernel.config), cached;
#   5. runs `kgen generate` for every spec in header-specs/, into out/ and
#      kernel-crate-overlay/;
#   6. obtains the pinned linux-source-7.3 (trixie-backports) and configures
#      it the same way (kernel-tree.sh --kernel 7.3), for the specs' second
#      kernel (scripts/test.sh's regenerate-7.3).
# Every step is incremental: a rerun with nothing changed does almost nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KGEN_REPO"

HOST_PACKAGES=(
    cmake g++ make pkg-config git
    libclang-19-dev clang-19 libkainjow-mustache-dev libcxxopts-dev libspdlog-dev catch2 libyaml-cpp-dev
    debootstrap xz-utils rsync
)

# A failed build fails the step, even when an older build/kgen is still there.
build_kgen() {
    local rc=0
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake could not configure build/"
    cmake --build build -j"$(nproc)" >build/build.log 2>&1 || rc=$?
    grep -Ev '^\[ *[0-9]+%\]|^-- ' build/build.log >&2 || true
    ((rc == 0)) || die "kgen did not build (cmake --build exited $rc)"
    [[ -x build/kgen ]] || die "kgen did not build: no build/kgen"
}

# One invocation for every spec: specs that share headers share the parse.
generate_all() {
    local tree=$1 spec specs=()
    while read -r spec; do specs+=(--spec "$spec"); done < <(spec_files)
    build/kgen generate "${specs[@]}" --kernel "$tree" \
        --bindgen "$KGEN_SCRIPTS/tools/bindgen" --rustfmt "$KGEN_SCRIPTS/tools/rustfmt"
}

((EUID == 0)) || die "setup.sh installs packages and makes a chroot: run it as root"
step host-packages ensure_host_pkgs "${HOST_PACKAGES[@]}"
step build-kgen build_kgen
step toolchain-root "$KGEN_SCRIPTS/toolchain-root.sh" >/dev/null
step kernel-source "$KGEN_SCRIPTS/kernel-source.sh" >/dev/null
step kernel-tree "$KGEN_SCRIPTS/kernel-tree.sh" --stage configure >/dev/null
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
step generate generate_all "$tree"
step kernel-tree-7.3 "$KGEN_SCRIPTS/kernel-tree.sh" --kernel 7.3 --stage configure >/dev/null
log "generated: $(find out -name '*.rs' | sort | tr '\n' ' ')"
