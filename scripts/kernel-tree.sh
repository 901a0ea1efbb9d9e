#!/bin/bash
# kernel-tree.sh [--kernel 6.12|7.3] [--stage configure|build]: ensure the
# configured (and, by default, built) Linux tree with Rust and print its path
# (only that) on stdout. 6.12 (the default) is the LTS kgen expands the
# kernel crate on; 7.3 the newest upstream, which kgen regenerates for
# (kernel_pin in lib.sh has the Debian versions).
#
# Cache: $KGEN_CACHE/tree-<key> (7.3: tree-7.3-<key>), key =
# key_of(qemu-tests/kernel.config, Debian source version, toolchain root
# name). The tree is a copy of the
# pristine source from kernel-source.sh (made atomically: copy to .tmp, then
# rename); every make runs inside the toolchain root via in-root.sh, at the
# same path as outside, so the flags in the tree's .cmd files and
# compile_commands.json name real host files.
#
#   configure: make tinyconfig, apply the fragment with scripts/config and
#              olddefconfig (twice), verify the fragment, then make prepare
#              and the Rust bindings (rust/bindings/.bindings_generated.rs.cmd)
#              unless that file already exists.
#              The config work is skipped when .kgen/configured holds the key.
#   build:     configure, then make (bzImage and modules) and
#              compile_commands.json. This is the default.
# Every run re-verifies .config. make is incremental, so a rerun with nothing
# changed does little. Make output: <tree>/.kgen/make.log.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

usage() { die "usage: kernel-tree.sh [--kernel 6.12|7.3] [--stage configure|build]"; }

stage=build kernel=6.12
while (($# > 0)); do
    case $1 in
    --kernel)
        (($# >= 2)) || usage
        kernel=$2
        shift 2
        ;;
    --kernel=*)
        kernel=${1#--kernel=}
        shift
        ;;
    --stage)
        (($# >= 2)) || usage
        stage=$2
        shift 2
        ;;
    --stage=*)
        stage=${1#--stage=}
        shift
        ;;
    *) usage ;;
    esac
done
[[ $stage == configure || $stage == build ]] || usage
[[ $kernel == 6.12 || $kernel == 7.3 ]] || usage

# The config fragment, and what a kernel needs beside it (kernel-7.3.config).
fragment=$KGEN_REPO/qemu-tests/kernel.config
fragments=("$fragment")
[[ -f $KGEN_REPO/qemu-tests/kernel-$kernel.config ]] && fragments+=("$KGEN_REPO/qemu-tests/kernel-$kernel.config")
jobs=${KGEN_JOBS:-$(nproc)}
[[ -f $fragment ]] || die "missing $fragment"

root=$("$KGEN_SCRIPTS/toolchain-root.sh")
# shellcheck disable=SC2046 # PACKAGE VERSION [SUITE], one word each
src=$("$KGEN_SCRIPTS/kernel-source.sh" $(kernel_pin "$kernel"))
version=$(sed -n 's/^version=//p' "$src/../source.stamp")
[[ -n $version ]] || die "no version in $src/../source.stamp"
key=$(key_of "${fragments[@]}" -- "$version" "${root##*/}")
if [[ $kernel == 6.12 ]]; then
    tree=$KGEN_CACHE/tree-$key
else
    tree=$KGEN_CACHE/tree-$kernel-$key
fi
state=$tree/.kgen
logfile=$state/make.log

cache_lock "${tree##*/}"

# 1. The tree: a copy of the pristine source.
if [[ ! -f $state/copied ]]; then
    for old in "$tree".tmp.* "$tree"; do
        if [[ -e $old ]]; then
            log "removing incomplete tree $old"
            safe_rm "$old"
        fi
    done
    tmp=$tree.tmp.$$
    trap 'safe_rm "$tmp"' EXIT
    copy_source() {
        cp -a -- "$src" "$tmp"
        mkdir -p "$tmp/.kgen"
        printf 'key=%s\nsource=%s\nversion=%s\nroot=%s\n' \
            "$key" "$src" "$version" "$root" >"$tmp/.kgen/copied"
    }
    step copy-source copy_source
    mv -T -- "$tmp" "$tree"
    trap - EXIT
fi
log "kernel tree: $tree (make log: $logfile)"

# KGEN_KMAKE (lib.sh) has CLIPPY=1: the Rust code of the tree (and kgen's
# generated modules in it) is linted by every build.
kmake() {
    run_logged "$logfile" "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" \
        "${KGEN_KMAKE[@]}" "$@"
}

# The fragment as "NAME VALUE" lines; VALUE is y, m, n, a number or a
# "quoted string".
# Options a kernel's own fragment drops ("#drop CONFIG_X ...") are left out.
fragment_options() {
    local drop
    drop=$(sed -nE 's/^#drop CONFIG_([A-Za-z0-9_]+).*/\1/p' "${fragments[@]}")
    sed -nE -e 's/^CONFIG_([A-Za-z0-9_]+)=(.*)$/\1 \2/p' \
        -e 's/^# CONFIG_([A-Za-z0-9_]+) is not set$/\1 n/p' "${fragments[@]}" |
        awk -v drop="$drop" 'BEGIN { n = split(drop, d, "\n"); for (i = 1; i <= n; i++) skip[d[i]] = 1 }
            !($1 in skip)'
}

apply_fragment() {
    local name value args=()
    while read -r name value; do
        case $value in
        y) args+=(--enable "$name") ;;
        m) args+=(--module "$name") ;;
        n) args+=(--disable "$name") ;;
        \"*\") args+=(--set-str "$name" "${value:1:${#value}-2}") ;;
        *) args+=(--set-val "$name" "$value") ;;
        esac
    done < <(fragment_options)
    run_logged "$logfile" "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$tree" \
        scripts/config --file .config "${args[@]}"
}

verify_config() {
    local name want got bad=()
    while read -r name want; do
        got=$(sed -n "s/^CONFIG_$name=//p" "$tree/.config")
        [[ $got == "$want" || ($want == n && -z $got) ]] ||
            bad+=("CONFIG_$name: wanted $want, got ${got:-n}")
    done < <(fragment_options)
    ((${#bad[@]} == 0)) && return 0
    printf '  %s\n' "${bad[@]}" >&2
    die "${#bad[@]} option(s) of ${fragments[*]} did not stick in $tree/.config." \
        "Usually a dependency is missing or conflicts: look the option up in its" \
        "Kconfig (or 'make LLVM=1 menuconfig', '/' to search) and add what it" \
        "depends on to the fragment, or drop it with a comment saying why." \
        "If RUST is off, see 'make LLVM=1 rustavailable' in $logfile."
}

configure() {
    kmake rustavailable
    kmake tinyconfig
    apply_fragment
    kmake olddefconfig
    # Again: some options only appear once their menus are enabled.
    apply_fragment
    kmake olddefconfig
}

# 2. The configuration.
if [[ $(cat "$state/configured" 2>/dev/null) != "$key" ]]; then
    rm -f "$state/configured"
    step configure configure
fi
step verify-config verify_config
printf '%s\n' "$key" >"$state/configured"

# 3. Build. The configure stage builds only until the tree's bindgen command
# exists: kgen reads its flags from there. Once it does, `configure` makes
# nothing, so a kernel-crate overlay installed in the tree (which every make
# compiles) cannot stop kgen from regenerating that overlay.
if [[ $stage == configure ]]; then
    if [[ ! -f $tree/rust/bindings/.bindings_generated.rs.cmd ]]; then
        step prepare kmake -j"$jobs" prepare
        step rust-bindings kmake -j"$jobs" rust/
    fi
    [[ -f $tree/rust/bindings/.bindings_generated.rs.cmd ]] ||
        die "make rust/ did not produce rust/bindings/.bindings_generated.rs.cmd"
else
    step prepare kmake -j"$jobs" prepare
    step build kmake -j"$jobs"
    step compile-commands kmake compile_commands.json
fi

log "kernel tree ready ($stage): $tree"
printf '%s\n' "$tree"
