#!/bin/bash
# test.sh: README command 2, which .ci/run calls. Runs every test after
# scripts/setup.sh and ends with the line 'N passed, N failed'; exits non-zero
# on any failure.
#   unit+golden   Catch2 tests of each gen/ module and the golden cases
#   regenerate    a second `kgen generate` rewrites nothing, and the committed
#                 out/, kernel-crate-overlay/ and header-specs/*.lock are what
#                 kgen generates
#   asan-build    kgen, its unit tests and the spec fuzzer built with ASan and
#                 UBSan (-DKGEN_SANITIZE=ON, in build-asan/), every report fatal
#   asan-unit     the unit and golden tests under the sanitizers
#   asan-corpus   tests/bad-input/run.sh: every bad input gets its error and
#                 exit status and changes nothing on disk, under the sanitizers
#   asan-fuzz     tests/fuzz: 2000 mutated specs (fixed seed) through the loader,
#                 the passes and the renderers: no crash, hang, sanitizer report
#                 or exception other than kgen::Error
#   regenerate-7.3  every spec generates for the Rust-configured Linux 7.3
#                 tree too (its version picks the specs' `kernel:` items; the
#                 output goes to $KGEN_CACHE/gen-7.3, not committed), the
#                 locks' 7.3 sections are what kgen writes, and `kgen check`
#                 against 7.3 reports no drift
#   noop-regenerate  with nothing changed, `kgen generate` parses nothing
#                 (the regeneration cache) and prints its time (target 100 ms)
#   golden-rustc  the golden Rust compiles (rustc, against a stand-in crate;
#                 tests/golden/compile.sh)
#   kernel-build  the generated modules, with upstream's drivers on top,
#                 build in the 6.12 tree (tests/kernel-build.sh)
#   kernel-build-7.3  the specs whose 7.3 output builds (net-phy) in the 7.3
#                 tree in replace mode, with upstream 7.3's drivers on top
#                 (tests/kernel-build-7.3.sh)
#   api-compat    the generated modules' public API is upstream 6.12's, but for
#                 the differences listed in docs/api-differences.md
#                 (tests/api-compat/check.sh; needs the tree kernel-build built)
#   metrics       issue 9's figures on the overlay and the specs are at or below
#                 tests/metrics/limits (tests/metrics/check.sh)
#   qemu          qemu-tests/run.sh: boot the debug kernel with the generated
#                 modules and the sample drivers, count its results
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KGEN_REPO"

passed=0
failed=0
failures=()

# check NAME CMD...: one counted test.
check() {
    local name=$1
    shift
    if step "$name" "$@"; then
        passed=$((passed + 1))
        log "ok - $name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        log "not ok - $name"
    fi
}

unit_tests() {
    cmake --build build -j"$(nproc)" >/dev/null || return 1
    local out rc=0
    out=$(build/kgen_unit_tests 2>&1) || rc=$?
    printf '%s\n' "$out" | tail -n 40 >&2
    # Count Catch2's own test cases into the total.
    local line
    line=$(printf '%s\n' "$out" | grep -E '^test cases:|^All tests passed' | tail -n1)
    printf '%s\n' "$line" >"$tmp/unit-summary"
    return "$rc"
}

regenerate() {
    local tree spec specs=() out n
    tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure) || return 1
    while read -r spec; do specs+=(--spec "$spec"); done < <(spec_files)
    # A real regeneration (--no-cache), all specs in one invocation (one shared parse).
    out=$(build/kgen generate "${specs[@]}" --no-cache --kernel "$tree" \
        --bindgen "$KGEN_SCRIPTS/tools/bindgen" --rustfmt "$KGEN_SCRIPTS/tools/rustfmt") || return 1
    n=$(grep -c '^files: ' <<<"$out")
    if [[ $(grep -c '^files: 0 written' <<<"$out") != "$n" ]]; then
        log "a second run rewrote files: $(grep '^files:' <<<"$out" | tr '\n' ' ')"
        return 1
    fi
    if git rev-parse --git-dir >/dev/null 2>&1 && [[ -n $(git ls-files out) ]]; then
        git diff --stat --exit-code -- out kernel-crate-overlay 'header-specs/*.lock' >&2 || {
            log "the committed out/ (or a spec's lock) differs from what kgen generates: regenerate and commit"
            return 1
        }
    fi
}

# The specs on the newest upstream: generated for 7.3 (outside the checkout),
# their 7.3 lock sections as committed, and no drift against the 7.3 tree.
regenerate_73() {
    local tree spec specs=() out dir
    tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --kernel 7.3 --stage configure) || return 1
    while read -r spec; do specs+=(--spec "$spec"); done < <(spec_files)
    dir=$KGEN_CACHE/gen-7.3
    mkdir -p "$dir"
    out=$(build/kgen generate "${specs[@]}" --no-cache --kernel "$tree" --out "$dir/out" \
        --overlay "$dir/overlay" --bindgen "$KGEN_SCRIPTS/tools/bindgen" \
        --rustfmt "$KGEN_SCRIPTS/tools/rustfmt") || return 1
    grep -E '^(spec|callbacks wired|version-conditional)' <<<"$out" >&2
    if git rev-parse --git-dir >/dev/null 2>&1; then
        git diff --stat --exit-code -- 'header-specs/*.lock' >&2 || {
            log "the 7.3 sections of the locks differ from what kgen generates for 7.3: regenerate and commit"
            return 1
        }
    fi
    while read -r spec; do
        out=$(build/kgen check --kernel "$tree" --spec "$spec" 2>&1 </dev/null) || {
            printf '%s\n' "$out" >&2
            log "kgen check $spec against 7.3 failed"
            return 1
        }
        [[ -z $out ]] || {
            printf '%s\n' "$out" >&2
            log "kgen check $spec against 7.3 reports drift"
            return 1
        }
    done < <(spec_files)
}

# A no-op generate (nothing changed since `regenerate`) parses nothing.
noop_regenerate() {
    local tree spec specs=() out start ms
    tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure) || return 1
    while read -r spec; do specs+=(--spec "$spec"); done < <(spec_files)
    build/kgen generate "${specs[@]}" --kernel "$tree" --bindgen "$KGEN_SCRIPTS/tools/bindgen" \
        --rustfmt "$KGEN_SCRIPTS/tools/rustfmt" >/dev/null || return 1 # fills the cache
    start=$(date +%s%N)
    out=$(build/kgen generate "${specs[@]}" --kernel "$tree" \
        --bindgen "$KGEN_SCRIPTS/tools/bindgen" --rustfmt "$KGEN_SCRIPTS/tools/rustfmt") || return 1
    ms=$((($(date +%s%N) - start) / 1000000))
    log "no-op generate of $((${#specs[@]} / 2)) spec(s): ${ms} ms"
    if [[ $(grep -c 'not parsed' <<<"$out") != $(grep -c '^files: ' <<<"$out") ]]; then
        log "a no-op generate parsed again: $out"
        return 1
    fi
    ((ms <= 100)) || warn "no-op generate took ${ms} ms (target: 100 ms)"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Catch2's test cases count one by one; a build failure counts as one failure.
if step unit+golden unit_tests; then :; fi
read -r up uf < <(awk '
    /^All tests passed/ { match($0, /in [0-9]+ test case/); print substr($0, RSTART + 3, RLENGTH - 13), 0; exit }
    /^test cases:/ { p = 0; f = 0
        for (i = 1; i < NF; i++) { if ($(i + 1) ~ /^passed/) p = $i; if ($(i + 1) ~ /^failed/) f = $i }
        print p, f; exit }' "$tmp/unit-summary" 2>/dev/null)
if [[ -z ${up:-} ]]; then
    failed=$((failed + 1))
    failures+=(unit+golden)
else
    log "unit+golden: $up Catch2 test cases passed, $uf failed"
    passed=$((passed + up))
    failed=$((failed + uf))
    ((uf == 0)) || failures+=(unit+golden)
fi
# The sanitizer build (issue 10): ASan + UBSan; any report ends the process
# with a non-zero status, which fails the check.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
asan_build() {
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKGEN_SANITIZE=ON >/dev/null || return 1
    cmake --build build-asan -j"$(nproc)" --target kgen kgen_unit_tests kgen_spec_fuzz >/dev/null
}
asan_unit() {
    local out rc=0
    out=$(build-asan/kgen_unit_tests 2>&1) || rc=$?
    printf '%s\n' "$out" | tail -n 20 >&2
    return "$rc"
}
asan_corpus() {
    local out rc=0
    out=$(bash tests/bad-input/run.sh build-asan/kgen) || rc=$?
    printf '%s\n' "$out" | grep -v '^ok - ' >&2
    return "$rc"
}
asan_fuzz() { build-asan/kgen_spec_fuzz --count "${KGEN_FUZZ_COUNT:-2000}" --seed "${KGEN_FUZZ_SEED:-1}" >&2; }
if check asan-build asan_build; then
    check asan-unit asan_unit
    check asan-corpus asan_corpus
    check asan-fuzz asan_fuzz
else
    for n in asan-unit asan-corpus asan-fuzz; do
        failed=$((failed + 1))
        failures+=("$n")
    done
fi

check regenerate regenerate
check regenerate-7.3 regenerate_73
check noop-regenerate noop_regenerate
check golden-rustc "$KGEN_REPO/tests/golden/compile.sh"
check kernel-build "$KGEN_REPO/tests/kernel-build.sh"
check kernel-build-7.3 "$KGEN_REPO/tests/kernel-build-7.3.sh"
check api-compat "$KGEN_REPO/tests/api-compat/check.sh"
check metrics "$KGEN_REPO/tests/metrics/check.sh"

# The QEMU proof: its own 'N passed, N failed' (KTAP results, KUnit doctests,
# load/unload cycles) counts into the total; a run that ends without that
# line (a build failure, say) counts as one failure.
qemu_tests() {
    bash "$KGEN_REPO/qemu-tests/run.sh" 2>&1 | tee "$tmp/qemu.log" >&2
    return "${PIPESTATUS[0]}"
}
qemu_rc=0
step qemu qemu_tests || qemu_rc=$?
read -r qp qf < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/qemu.log" | tail -n1 | awk '{print $1, $3}')
if [[ -z ${qp:-} ]]; then
    failed=$((failed + 1))
    failures+=(qemu)
else
    passed=$((passed + qp))
    failed=$((failed + qf))
    ((qf == 0 && qemu_rc == 0)) || failures+=(qemu)
    # A failing check that is not a counted test (an oops, a timeout) still fails.
    if ((qemu_rc != 0 && qf == 0)); then failed=$((failed + 1)); fi
fi

((failed == 0)) || log "failed: ${failures[*]}"
echo "${passed} passed, ${failed} failed"
((failed == 0))
