#!/bin/bash
# qemu-tests/run.sh: the QEMU runtime proof of kgen's generated modules
# (kernel::net::phy and kernel::block::mq, with upstream's ax88796b_rust,
# qt2025 and rnull on top; kernel::pci with QEMU's edu, pci-testdev, igb and
# virtio-rng-pci; kernel::drm with a virtual device driven from userspace).
# One command, as root, from a fresh Debian 12 machine:
#
#     bash qemu-tests/run.sh
#
# Steps (each long one is announced with its duration, see `step` in
# scripts/lib.sh):
#   setup          only when build/kgen or kernel-crate-overlay/ is missing:
#                  scripts/setup.sh (host packages, kgen, root, generate)
#   root, tree     scripts/toolchain-root.sh, scripts/kernel-tree.sh --stage build
#                  (cached in $KGEN_CACHE, keyed; see those scripts)
#   install-overlay  build/kgen install (idempotent; touches nothing if the
#                  overlay is already in the tree)
#   kernel         make LLVM=1 CLIPPY=1 in the tree (kernel-tree.sh's flags):
#                  bzImage + in-tree modules
#                  (incremental: a changed overlay rebuilds only the Rust
#                  kernel crate, what depends on it, and the link)
#   samples        qemu-tests/samples/ (rust_phy_sample.ko, kgen_mdio_emul.ko,
#                  rust_blk_sample.ko, rust_pci_sample.ko, rust_drm_sample.ko)
#                  built out of tree in $WORK/samples (sources copied with
#                  their timestamps, so unchanged sources rebuild nothing)
#   drm-test       `make headers` in the tree, then qemu-tests/drm-test/drm_test.c
#                  built static in the root against the tree's uapi headers
#                  ($WORK/drm-test/drm_test, /bin/drm_test in the initramfs)
#   initramfs      busybox (static, from the root) + qemu-tests/initramfs/init +
#                  the modules + drm_test + a 16-byte firmware file, packed by the tree's
#                  usr/gen_init_cpio; cached under a key of all its inputs
#   boot           qemu-system-x86_64 -accel tcg (no KVM) with a timeout
#                  ($KGEN_QEMU_TIMEOUT, default 1200 s); serial log saved to
#                  $WORK/serial.log
#   boot-pcie      a second, shorter boot on q35 (igb and virtio-rng-pci with
#                  AER behind PCIe root ports) for SR-IOV, function reset and
#                  AER; /init asks for AER errors on the console and
#                  inject_aer sends them to QEMU's monitor; serial log
#                  $WORK/serial-pcie.log
#   verdict        read both serial logs (below, as one: $WORK/serial-all.log),
#                  print the coverage figure and 'N passed, N failed'
# where WORK=$KGEN_CACHE/qemu-<tree dir name>.
#
# Environment: KGEN_QEMU_TIMEOUT (s), KGEN_JOBS, KGEN_QEMU_APPEND (extra
# kernel command line; /init reads kgen_cycles=N (default 50) and
# kgen_leak=N, a negative control that must make the kmemleak check fail),
# KGEN_QEMU_VERDICT_ONLY=LOG (only re-read a saved serial log).
#
# Counting. N passed/failed counts every KTAP result line of the boot
# ("ok N - x", "not ok N - x", KUnit's "ok N x"; KUnit suite summary lines,
# whose name is a "# Subtest:", are not counted again; "# SKIP" results are
# reported apart and not counted), plus one per load/unload cycle
# ("kgen-cycles: MODULE OK/TOTAL" lines of /init). The exit status is non-zero
# if any of them failed, and also on: a static check failing (the word
# `unsafe` in the sample), QEMU timing out or failing, /init not reaching its
# end, and any oops, panic, BUG, KASAN, lockdep (recursive/circular locking,
# sleeping function called from invalid context, ...), WARNING, RCU stall,
# hung task or kmemleak report in the serial log.
#
# Coverage figure ("phy: A/B callbacks, C/D functions executed"). Method:
# markers. rust_phy_sample.rs prints "kgen-cov: callback NAME" the first time
# each of its callbacks runs (the line is the first statement of the callback
# body, so it proves that the generated extern "C" trampoline reached the
# Rust code), and "kgen-cov: method NAME" right after each call site of a
# generated `Device` method returned (so the generated method ran, whatever
# its result). B is the number of distinct `Adapter::<T>::*_callback`
# trampolines that create_phy_driver wires in the installed phy.rs; D is the
# number of `pub fn`s in its `impl Device` and `impl MdioBusGuard` blocks
# (named Type::fn; the sample's markers use the same names, from call! and
# gcall!); A and C are how many of
# those names have a marker in the serial log. Callbacks that the harness
# could only call directly through phydev->drv (ethtool-netlink-only and LED
# callbacks; see kgen_mdio_emul.c) are listed separately. Markers do not see
# callbacks or methods run by upstream's ax88796b_rust/qt2025.
set -euo pipefail
export LC_ALL=C
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

((EUID == 0)) || die "qemu-tests/run.sh needs root (it uses the toolchain chroot)"

QEMU_TIMEOUT=${KGEN_QEMU_TIMEOUT:-1200}
JOBS=${KGEN_JOBS:-$(nproc)}
SAMPLES_SRC=$KGEN_REPO/qemu-tests/samples
INIT_SRC=$KGEN_REPO/qemu-tests/initramfs/init
DRM_TEST_SRC=$KGEN_REPO/qemu-tests/drm-test
OVERLAY=$KGEN_REPO/kernel-crate-overlay
KGEN=$KGEN_REPO/build/kgen
# The make flags of scripts/kernel-tree.sh: other flags would rebuild all Rust
# code of the tree on every switch.
# Callbacks that kgen_mdio_emul.c calls directly through phydev->drv (no
# phylib path reaches them without ethtool netlink or DT-described LEDs).
DIRECT_CALLBACKS="get_sqi get_sqi_max get_sset_count get_phy_stats get_link_stats
module_info get_plca_cfg set_plca_cfg get_plca_status led_brightness_set
led_blink_set led_hw_is_supported led_hw_control_set led_hw_control_get
led_polarity_set"

# verdict SERIAL_LOG PHY_RS QEMU_RC BLOCK_DIR: read the serial log, print the checks,
# the coverage figure and 'N passed, N failed'; return non-zero on failure.
# pub_fns 'TypeA|TypeB' FILE...: the `pub fn`s of the inherent impl blocks of
# those types (generic or not) in the files, as Type::name, sorted.
pub_fns() {
    local types=$1
    shift
    awk -v types="$types" '
        BEGIN { head = "^impl(<[^>]*>)? (" types ")(<[^>]*>)? \\{" }
        $0 ~ head { type = $0; sub(/^impl(<[^>]*>)? /, "", type); sub(/[< ].*/, "", type); next }
        type != "" && /^\}/ { type = "" }
        type != "" && match($0, /^    pub (const )?fn [a-z0-9_]+/) {
            s = substr($0, RSTART, RLENGTH); sub(/.* /, "", s); print type "::" s }' "$@" | sort -u
}

verdict() {
    local serial=$1 phy_rs=$2 qemu_rc=$3 clean
    clean=${serial%.log}.clean.log
    tr -d '\r' <"$serial" >"$clean"

    # KTAP results: "P|F|S<TAB>name" per counted result.
    results=$(awk '
        /# Subtest: / { s = $0; sub(/.*# Subtest: /, "", s); suite[s] = 1; next }
        {
            line = $0
            if (!match(line, /^[ \t]*(not )?ok [0-9]+ /)) next
            notok = (line ~ /^[ \t]*not ok/)
            name = substr(line, RSTART + RLENGTH)
            sub(/^- /, "", name)
            skip = (name ~ /# *SKIP/)
            base = name; sub(/ *#.*$/, "", base)
            if (base in suite) next
            print (notok ? "F" : (skip ? "S" : "P")) "\t" name
        }' "$clean")
    ktap_pass=$(grep -c '^P' <<<"$results" || true)
    ktap_fail=$(grep -c '^F' <<<"$results" || true)
    ktap_skip=$(grep -c '^S' <<<"$results" || true)

    cyc_pass=0
    cyc_fail=0
    while read -r _ name counts; do
        ok=${counts%/*}
        total=${counts#*/}
        log "cycles: $name $ok/$total"
        cyc_pass=$((cyc_pass + ok))
        cyc_fail=$((cyc_fail + total - ok))
    done < <(grep -E '^kgen-cycles: ' "$clean" || true)

    kunit_line=$(awk '
        /# Subtest: rust_doctests/ { in_suite = 1; next }
        in_suite && /^[ \t]+(not )?ok [0-9]+ / {
            if ($0 ~ /^[ \t]+not ok/) f++; else if ($0 ~ /# *SKIP/) s++; else p++
        }
        in_suite && /^(not )?ok [0-9]+ / { in_suite = 0 }
        END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$clean")

    problems=()
    # Every KTAP block (at each indentation) must end up with as many
    # results as its plan says: a block cut short (a crash, a test that
    # never returned) is a failure even if every printed result is "ok".
    local plan_errors
    plan_errors=$(awk '
        function ind(l) { match(l, /^[ \t]*/); return RLENGTH }
        function close_from(i,   j) {
            for (j in open) if (open[j] && j + 0 >= i) {
                if (plan[j] < 0) print "KTAP block at line " start[j] " has no plan"
                else if (plan[j] != cnt[j])
                    print "KTAP block at line " start[j] ": plan 1.." plan[j] ", " cnt[j] " results"
                open[j] = 0
            }
        }
        /^[ \t]*KTAP version/ { i = ind($0); close_from(i); open[i] = 1; cnt[i] = 0; plan[i] = -1; start[i] = NR; next }
        /^[ \t]*1\.\.[0-9]+[ \t]*$/ { i = ind($0); if (open[i]) { p = $0; sub(/^[ \t]*1\.\./, "", p); plan[i] = p + 0 }; next }
        /^[ \t]*(not )?ok [0-9]+ / { i = ind($0); if (open[i]) cnt[i]++ }
        END { close_from(0) }' "$clean")
    if [[ -n $plan_errors ]]; then
        problems+=("KTAP plan mismatch")
        log "FAIL - KTAP plans:"
        sed 's/^/    /' <<<"$plan_errors" >&2
    else
        log "ok - every KTAP block has as many results as its plan"
    fi
    # report NAME REGEX: a failure if REGEX matches any serial log line.
    report() {
        local hits
        hits=$(grep -E -- "$2" "$clean" || true)
        if [[ -n $hits ]]; then
            problems+=("$1")
            log "FAIL - $1 ($(wc -l <<<"$hits") lines), first:"
            head -n 5 <<<"$hits" | sed 's/^/    /' >&2
        else
            log "ok - no $1"
        fi
    }
    report oops 'Oops|general protection fault|BUG: unable to handle'
    report panic 'Kernel panic'
    report BUG 'BUG:|kernel BUG at'
    report KASAN 'KASAN|kasan: bad access'
    report lockdep 'possible recursive locking|possible circular locking|inconsistent lock state|bad unlock balance|lock held when returning|suspicious RCU usage|INFO: trying to register non-static key'
    report 'sleeping-in-atomic' 'sleeping function called from invalid context|scheduling while atomic'
    report WARNING 'WARNING:|cut here'
    report 'RCU stall or hung task' 'rcu: INFO|detected stall|blocked for more than'
    report kmemleak 'unreferenced object|suspected memory leak|kgen-kmemleak: [1-9]'
    report 'call trace' 'Call Trace:'

    local sample
    for sample in "$SAMPLES_SRC"/*.rs; do
        if grep -qw unsafe "$sample"; then
            problems+=("the word 'unsafe' in ${sample##*/}")
            log "FAIL - ${sample##*/} contains 'unsafe'"
        else
            log "ok - ${sample##*/} is safe Rust (no 'unsafe')"
        fi
    done
    if ((qemu_rc == 124 || qemu_rc == 137)); then
        problems+=("QEMU timeout after ${QEMU_TIMEOUT}s")
    elif ((qemu_rc != 0)); then
        problems+=("QEMU exit status $qemu_rc")
    fi
    grep -q '^kgen-init: done' "$clean" || problems+=("/init did not reach its end")
    grep -q '^kgen-init: pcie done' "$clean" || problems+=("/init of the q35 boot did not reach its end")

    # Coverage.
    all_callbacks=$(grep -oE 'Adapter::<T>::[a-z0-9_]+_callback' "$phy_rs" |
        sed -E 's/.*::([a-z0-9_]+)_callback/\1/' | sort -u)
    # Generated functions: the `pub fn`s of every `impl Device` and
    # `impl MdioBusGuard` block, as Type::name.
    all_methods=$(awk '
        /^impl (Device|MdioBusGuard(<[^>]*>)?) \{/ { type = $2; sub(/<.*/, "", type); next }
        type != "" && /^\}/ { type = "" }
        type != "" && match($0, /pub (const )?fn [a-z0-9_]+/) {
            s = substr($0, RSTART, RLENGTH); sub(/.* /, "", s); print type "::" s }' "$phy_rs" | sort -u)
    ran_callbacks=$(sed -nE 's/.*kgen-cov: callback ([a-z0-9_]+).*/\1/p' "$clean" | sort -u)
    ran_methods=$(sed -nE 's/.*kgen-cov: method ([A-Za-z]+::[a-z0-9_]+).*/\1/p' "$clean" | sort -u)
    count() { grep -c . <<<"$1" || true; }
    cb_ran=$(comm -12 <(echo "$all_callbacks") <(echo "$ran_callbacks"))
    fn_ran=$(comm -12 <(echo "$all_methods") <(echo "$ran_methods"))
    cb_direct=$(comm -12 <(echo "$cb_ran") <(tr -s ' \n' '\n' <<<"$DIRECT_CALLBACKS" | sort -u))
    cb_missing=$(comm -23 <(echo "$all_callbacks") <(echo "$ran_callbacks") | tr '\n' ' ')
    fn_missing=$(comm -23 <(echo "$all_methods") <(echo "$ran_methods") | tr '\n' ' ')
    coverage="phy: $(count "$cb_ran")/$(count "$all_callbacks") callbacks, $(count "$fn_ran")/$(count "$all_methods") functions executed"
    log "coverage: $(count "$cb_ran") callbacks ran, $(count "$cb_direct") of them only through a direct phydev->drv call by the harness"
    log "coverage: callbacks not executed: ${cb_missing:-none}"
    log "coverage: Device methods not executed: ${fn_missing:-none}"
    # Block: the trampolines of block/mq/operations.rs that call a driver
    # method (init_request/exit_request are internal: they call none, so no
    # marker can see them), and the pub fns of the Request, SeqFile (of the
    # shared kernel::seq_file, which blk-mq's show_rq uses), TagSet,
    # GenDiskBuilder and GenDisk impls of the generated and hand-written files.
    local bdir=$4
    local ops_rs=$bdir/mq/operations.rs
    blk_all=$(grep -oE 'Adapter::<T>::[a-z0-9_]+_callback' "$ops_rs" |
        sed -E 's/.*::([a-z0-9_]+)_callback/\1/' | sort -u)
    [[ -n $blk_all ]] || die "no blk-mq trampolines found in $ops_rs"
    blk_callbacks=$(for c in $blk_all; do grep -q "T::$c(" "$ops_rs" && echo "$c"; done)
    blk_internal=$(comm -23 <(echo "$blk_all") <(echo "$blk_callbacks") | tr '\n' ' ')
    blk_methods=$(pub_fns 'Request|SeqFile|TagSet|GenDiskBuilder|GenDisk' \
        "$bdir/mq.rs" "$bdir/mq/request.rs" "$bdir/mq/tag_set.rs" "$bdir/mq/gen_disk.rs" \
        "$bdir/../seq_file.rs")
    bcb_ran=$(comm -12 <(echo "$blk_callbacks") <(echo "$ran_callbacks"))
    bfn_ran=$(comm -12 <(echo "$blk_methods") <(echo "$ran_methods"))
    bcb_missing=$(comm -23 <(echo "$blk_callbacks") <(echo "$ran_callbacks") | tr '\n' ' ')
    bfn_missing=$(comm -23 <(echo "$blk_methods") <(echo "$ran_methods") | tr '\n' ' ')
    coverage_blk="block: $(count "$bcb_ran")/$(count "$blk_callbacks") callbacks, $(count "$bfn_ran")/$(count "$blk_methods") functions executed"
    log "coverage: block callbacks not executed: ${bcb_missing:-none}; internal (no marker): ${blk_internal:-none}"
    log "coverage: block functions not executed: ${bfn_missing:-none}"
    # PCI: the trampolines of pci.rs that call a driver method, and the pub
    # fns of the `impl Device` blocks (pci.rs, pci/io.rs) and of `Bar` (the
    # accessors that io.rs's `accessors!(TYPE, C_READ, C_WRITE, NAMES...)`
    # lines make, and the fns of its `impl<...> Bar<SIZE>` block).
    local pci_rs=$bdir/../pci.rs pci_io=$bdir/../pci/io.rs
    pci_callbacks=$(grep -oE 'Adapter::<T>::[a-z0-9_]+_callback' "$pci_rs" |
        sed -E 's/.*::([a-z0-9_]+)_callback/\1/' | sort -u)
    [[ -n $pci_callbacks ]] || die "no pci trampolines found in $pci_rs"
    pci_methods=$( {
        pub_fns 'Device|Bar' "$pci_rs" "$pci_io"
        tr -d ' \n' <"$pci_io" | grep -oE 'accessors!\(u[0-9]+,[a-z0-9_]+,[a-z0-9_]+(,[a-z0-9_]+){4}\)' |
            sed -E 's/.*\(u[0-9]+,[a-z0-9_]+,[a-z0-9_]+,//; s/\)//' | tr ',' '\n' | sed 's/^/Bar::/'
    } | sort -u)
    pcb_ran=$(comm -12 <(echo "$pci_callbacks") <(echo "$ran_callbacks"))
    pfn_ran=$(comm -12 <(echo "$pci_methods") <(echo "$ran_methods"))
    pcb_missing=$(comm -23 <(echo "$pci_callbacks") <(echo "$ran_callbacks") | tr '\n' ' ')
    pfn_missing=$(comm -23 <(echo "$pci_methods") <(echo "$ran_methods") | tr '\n' ' ')
    coverage_pci="pci: $(count "$pcb_ran")/$(count "$pci_callbacks") callbacks, $(count "$pfn_ran")/$(count "$pci_methods") functions executed"
    log "coverage: pci callbacks not executed: ${pcb_missing:-none}"
    log "coverage: pci functions not executed: ${pfn_missing:-none}"
    # DRM: the trampolines of drm.rs (open, postclose and release are
    # internal: the sample's DriverFile::open and Drop impls mark them), and
    # the pub fns of the Device, File, GemObject, DumbCreate, VMap and
    # Registration impls of drm.rs and drm/*.rs, and of SimpleDevice (the
    # platform parent).
    local drm_rs=$bdir/../drm.rs
    drm_callbacks=$(grep -oE 'Adapter::<T>::[a-z0-9_]+_callback' "$drm_rs" |
        sed -E 's/.*::([a-z0-9_]+)_callback/\1/' | sort -u)
    [[ -n $drm_callbacks ]] || die "no drm trampolines found in $drm_rs"
    drm_methods=$(pub_fns 'Device|File|GemObject|DumbCreate|VMap|Registration|SimpleDevice' \
        "$drm_rs" "$bdir"/../drm/*.rs "$bdir/../platform/simple.rs")
    dcb_ran=$(comm -12 <(echo "$drm_callbacks") <(echo "$ran_callbacks"))
    dfn_ran=$(comm -12 <(echo "$drm_methods") <(echo "$ran_methods"))
    dcb_missing=$(comm -23 <(echo "$drm_callbacks") <(echo "$ran_callbacks") | tr '\n' ' ')
    dfn_missing=$(comm -23 <(echo "$drm_methods") <(echo "$ran_methods") | tr '\n' ' ')
    coverage_drm="drm: $(count "$dcb_ran")/$(count "$drm_callbacks") callbacks, $(count "$dfn_ran")/$(count "$drm_methods") functions executed"
    log "coverage: drm callbacks not executed: ${dcb_missing:-none}"
    log "coverage: drm functions not executed: ${dfn_missing:-none}"
    log "KUnit doctests (counted below): $kunit_line;" \
        "$(grep -cE '^[ \t]+ok [0-9]+ rust_doctest_kernel_net_phy' "$clean" || true) of them from net/phy," \
        "$(grep -cE '^[ \t]+ok [0-9]+ rust_doctest_kernel_block_mq' "$clean" || true) from block/mq," \
        "$(grep -cE '^[ \t]+ok [0-9]+ rust_doctest_kernel_pci' "$clean" || true) from pci," \
        "$(grep -cE '^[ \t]+ok [0-9]+ rust_doctest_kernel_drm' "$clean" || true) from drm"
    ((ktap_skip == 0)) || log "skipped KTAP results (not counted): $ktap_skip"
    grep -E '^F' <<<"$results" | sed 's/^F\t/not ok: /' >&2 || true

    passed=$((ktap_pass + cyc_pass))
    failed=$((ktap_fail + cyc_fail))
    if ((${#problems[@]} > 0)); then
        log "problems: $(printf '%s; ' "${problems[@]}")"
    fi
    echo "$coverage"
    echo "$coverage_blk"
    echo "$coverage_pci"
    echo "$coverage_drm"
    echo "$passed passed, $failed failed"
    ((failed == 0 && ${#problems[@]} == 0))
}

# The whole run is one function, parsed before it starts: editing this file
# while it runs does not change what runs.
main() {
    # Verdict only, on a saved serial log (for checking the checks):
    #   KGEN_QEMU_VERDICT_ONLY=path/to/serial.log bash qemu-tests/run.sh
    if [[ -n ${KGEN_QEMU_VERDICT_ONLY:-} ]]; then
        verdict "$KGEN_QEMU_VERDICT_ONLY" "$OVERLAY/rust/kernel/net/phy.rs" 0 "$OVERLAY/rust/kernel/block"
        exit
    fi

    # --- 0. kgen and the generated overlay.
    if [[ ! -x $KGEN || ! -f $OVERLAY/net-phy.manifest ]]; then
        step setup bash "$KGEN_SCRIPTS/setup.sh" >&2
    fi

    # --- 1. Root and tree (each script announces and times its own steps).
    root=$("$KGEN_SCRIPTS/toolchain-root.sh")
    tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage build)
    WORK=$KGEN_CACHE/qemu-${tree##*/}
    mkdir -p "$WORK/samples"
    log "qemu-tests: work dir $WORK"

    in_root() { "$KGEN_SCRIPTS/in-root.sh" "$root" "$@"; }

    # The tree is shared with the other kgen scripts: hold its lock (the one
    # kernel-tree.sh takes) while installing and building, not while booting.
    tree_lock "$tree"

    step install-overlay "$KGEN" install --kernel "$tree" --overlay "$OVERLAY" >&2

    build_kernel() {
        run_logged "$WORK/kernel-make.log" in_root --cwd "$tree" "${KGEN_KMAKE[@]}" -j"$JOBS"
        tail -n 1 "$WORK/kernel-make.log" >&2
    }
    step kernel build_kernel

    build_samples() {
        local f
        for f in "$SAMPLES_SRC"/*; do
            cp -p -- "$f" "$WORK/samples/"
        done
        run_logged "$WORK/samples-make.log" in_root --cwd "$WORK/samples" \
            "${KGEN_KMAKE[@]}" -C "$tree" M="$WORK/samples" modules
        # Warnings (rustc, clippy, C) of the last build, if it compiled
        # anything, fail it; its objects are removed so that the next run
        # compiles (and checks) them again.
        if sed -n '/^### /h; /^### /!H; ${x;p}' "$WORK/samples-make.log" |
            grep -E -A4 '^(warning|error)|: (warning|error):' >&2; then
            rm -f "$WORK"/samples/*.o "$WORK"/samples/*.ko
            die "the samples build with warnings (above)"
        fi
    }
    step samples build_samples

    # The userspace half of the drm proof: a static C program that uses only
    # the tree's uapi headers (`make headers`) and the sample's own.
    build_drm_test() {
        local d=$WORK/drm-test
        run_logged "$WORK/drm-test-make.log" in_root --cwd "$tree" "${KGEN_KMAKE[@]}" headers
        mkdir -p "$d"
        cp -p -- "$DRM_TEST_SRC"/* "$d/"
        run_logged "$WORK/drm-test-make.log" in_root --cwd "$d" \
            cc -static -O2 -Wall -Werror -I"$tree/usr/include" drm_test.c -o drm_test.new
        mv -f "$d/drm_test.new" "$d/drm_test"
    }
    step drm-test build_drm_test
    exec {KGEN_TREE_LOCK}>&-

    # --- 2. The initramfs, rebuilt only when one of its inputs changed.
    modules=(
        "$WORK/samples/rust_phy_sample.ko"
        "$WORK/samples/kgen_mdio_emul.ko"
        "$tree/drivers/net/phy/ax88796b_rust.ko"
        "$tree/drivers/net/phy/qt2025.ko"
        "$WORK/samples/rust_blk_sample.ko"
        "$tree/drivers/block/rnull_mod.ko"
        "$WORK/samples/rust_pci_sample.ko"
        "$WORK/samples/rust_drm_sample.ko"
    )
    drm_test=$WORK/drm-test/drm_test
    firmware=$WORK/sample-phy.bin
    printf 'KGEN-SAMPLE-FW!\n' >"$firmware.new" # 16 bytes: FW_SIZE in kgen_mdio_emul.c
    cmp -s "$firmware.new" "$firmware" && rm -f "$firmware.new" || mv -f "$firmware.new" "$firmware"
    busybox=$root/usr/bin/busybox
    initrd_key=$(key_of "$INIT_SRC" "$busybox" "$firmware" "$drm_test" "${modules[@]}")
    initrd=$WORK/initramfs-$initrd_key.cpio.gz

    build_initramfs() {
        local list=$WORK/initramfs.list m
        {
            printf 'dir %s 0755 0 0\n' /dev /proc /sys /bin /tmp /mnt /modules /lib /lib/firmware /lib/firmware/kgen
            echo "nod /dev/console 0600 0 0 c 5 1"
            echo "file /bin/busybox /usr/bin/busybox 0755 0 0"
            echo "file /bin/drm_test $drm_test 0755 0 0"
            echo "file /init $INIT_SRC 0755 0 0"
            echo "file /lib/firmware/kgen/sample-phy.bin $firmware 0644 0 0"
            for m in "${modules[@]}"; do
                echo "file /modules/${m##*/} $m 0644 0 0"
            done
        } >"$list"
        in_root "$tree/usr/gen_init_cpio" -t 0 "$list" | gzip -n -9 >"$initrd.tmp"
        mv -f "$initrd.tmp" "$initrd"
        find "$WORK" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -path "$initrd" -delete
    }
    if [[ -f $initrd ]]; then
        log "==> [initramfs] up to date: $initrd"
    else
        for m in "${modules[@]}"; do [[ -f $m ]] || die "missing module $m"; done
        step initramfs build_initramfs
    fi

    # --- 3. Boot.
    serial=$WORK/serial.log
    qemu_rc=0
    boot() {
        in_root timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
            -accel tcg -smp 2 -m 1G -nographic -no-reboot \
            -device edu,dma_mask=0xffffffff -device pci-testdev \
            -kernel "$tree/arch/x86/boot/bzImage" -initrd "$initrd" \
            -append "console=ttyS0 panic=-1 loglevel=7 ${KGEN_QEMU_APPEND:-}" \
            </dev/null >"$serial" 2>&1
    }
    step boot boot || qemu_rc=$?
    log "serial log: $serial"

    # --- 3b. The q35 boot: igb (an SR-IOV PF) and virtio-rng-pci with AER,
    # each behind a PCIe root port, for the pci callbacks the pc machine's
    # devices cannot reach. /init sees kgen.pcie and runs only its pcie tests;
    # the KUnit doctests do not run again (kunit.enable=0); pcie_ports=native
    # gives the kernel's AER driver the root port. The injector below answers /init's "kgen-aer: inject"
    # lines through QEMU's monitor (a TCP port on the loopback).
    pcie_serial=$WORK/serial-pcie.log
    pcie_rc=0
    inject_aer() { # inject_aer PORT QEMU_PID
        local port=$1 qpid=$2 sent_unc=0 sent_cor=0
        send() { # send COMMAND: to QEMU's monitor, logging its answer
            local fd reply
            exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
            printf '%s\n' "$1" >&"$fd"
            sleep 1
            reply=$(timeout 1 cat <&"$fd" | tr -d '\r' | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' |
                grep -E '^(OK|Error)' || true)
            exec {fd}>&-
            log "aer: QEMU's monitor answered '$1' with: ${reply:-nothing}"
        }
        while kill -0 "$qpid" 2>/dev/null; do
            if ((!sent_unc)) && grep -q 'kgen-aer: inject uncorrectable' "$pcie_serial"; then
                send "pcie_aer_inject_error aer0 POISON_TLP" && sent_unc=1
            fi
            # BAD_TLP names a correctable error (QEMU takes -c only with a number).
            if ((!sent_cor)) && grep -q 'kgen-aer: inject correctable' "$pcie_serial"; then
                send "pcie_aer_inject_error aer0 BAD_TLP" && sent_cor=1
            fi
            sleep 1
        done
    }
    boot_pcie() {
        local port=$((30000 + RANDOM % 20000)) qpid rc=0
        in_root timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
            -M q35 -accel tcg -smp 2 -m 1G -nographic -no-reboot -nic none \
            -monitor "tcp:127.0.0.1:$port,server=on,wait=off" \
            -device pcie-root-port,id=rp0,chassis=1,slot=1 -device igb,bus=rp0,id=pf0 \
            -device pcie-root-port,id=rp1,chassis=2,slot=2 \
            -device virtio-rng-pci,bus=rp1,id=aer0,aer=on,disable-legacy=on \
            -kernel "$tree/arch/x86/boot/bzImage" -initrd "$initrd" \
            -append "console=ttyS0 panic=-1 loglevel=7 kgen.pcie kunit.enable=0 pcie_ports=native" \
            </dev/null >"$pcie_serial" 2>&1 &
        qpid=$!
        inject_aer "$port" "$qpid" &
        wait "$qpid" || rc=$?
        wait
        return "$rc"
    }
    step boot-pcie boot_pcie || pcie_rc=$?
    log "serial log of the q35 boot: $pcie_serial"

    # --- 4. Verdict, over both boots' logs.
    local all=$WORK/serial-all.log
    cat "$serial" "$pcie_serial" >"$all"
    if ((qemu_rc == 0 && pcie_rc != 0)); then qemu_rc=$pcie_rc; fi
    verdict "$all" "$tree/rust/kernel/net/phy.rs" "$qemu_rc" "$tree/rust/kernel/block"
}

main "$@"
exit
