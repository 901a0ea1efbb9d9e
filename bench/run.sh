#!/bin/bash
# bench/run.sh [RUNS]: kgen against plain bindgen, side by side in one run.
# A benchmark, not a test: run it on demand (scripts/test.sh does not).
#
# Contenders, each RUNS times (default 3), alternating, medians reported:
#   kgen      `kgen generate --no-cache` of every spec in header-specs/ in one
#             invocation (one shared parse; passes, Mustache, rustfmt, the
#             allowlisted bindgen), into bench/results/ (the repository's out/
#             is not touched);
#   bindgen   the toolchain root's bindgen (scripts/tools/bindgen) over the
#             same headers (one #include per spec header), with the tree's own
#             bindgen options and clang flags (rust/bindings/
#             .bindings_generated.rs.cmd) and no allowlist: what the kernel's
#             own rust/bindings step does for these headers;
#   no-op     `kgen generate` with nothing changed (the regeneration cache).
# Wall time, CPU time (user + system of the whole process tree: /usr/bin/time
# counts every child that was waited for, so kgen's bindgen and rustfmt
# children are in it) and peak RSS come from /usr/bin/time -v (peak RSS of the
# process tree's largest process: for kgen that may be its bindgen child;
# kgen's own peak is printed beside it). The machine's load during the run
# (the share of all cores busy, from /proc/stat, and the load average) is
# printed with the results: a wall-time ratio means little on a busy machine,
# the CPU-time ratio holds. Results: bench/results/latest.txt.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "usage: bench/run.sh [RUNS]"
[[ -x /usr/bin/time ]] || ensure_host_pkgs time
[[ -x build/kgen ]] || die "build kgen first (cmake --build build)"
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
results=$KGEN_REPO/bench/results
work=$results/work
rm -rf -- "$work"
mkdir -p "$work"

specs=() headers=()
while read -r spec; do
    specs+=(--spec "$spec")
    while read -r h; do
        [[ -n $h && " ${headers[*]} " != *" $h "* ]] && headers+=("$h")
    done < <(spec_list headers "$spec")
done < <(spec_files)
((${#specs[@]} > 0)) || die "no specs in header-specs/"
printf '#include <%s>\n' "${headers[@]}" >"$work/bench_input.h"

# The tree's saved bindgen command: options before "--", clang flags after.
cmdline=$(sed -n 's/^savedcmd_[^ ]* := //p' "$tree/rust/bindings/.bindings_generated.rs.cmd")
cmdline=${cmdline%% ; *}
words=()
eval "words=($cmdline)"
opts=() flags=() seen_dashes=0 skip=0
for ((i = 2; i < ${#words[@]}; i++)); do # words[0]=bindgen, words[1]=bindings_helper.h
    w=${words[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -- ]]; then seen_dashes=1; continue; fi
    if ((seen_dashes)); then
        [[ $w == -Wp,-MMD* || $w == -Wp,-MD* ]] || flags+=("$w")
    else
        [[ $w == -o ]] && { skip=1; continue; }
        opts+=("$w")
    fi
done

# timed NAME CMD...: runs CMD under /usr/bin/time -v in the tree; appends
# "NAME wall_seconds maxrss_kb cpu_seconds" to $work/samples.
timed() {
    local name=$1
    shift
    (cd "$tree" && /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/$name.out" 2>"$work/$name.err") ||
        { tail -n 20 "$work/$name.err" >&2; die "$name failed"; }
    awk -v n="$name" '
        /Elapsed \(wall clock\)/ { t = $NF; k = split(t, p, ":"); s = 0
            for (i = 1; i <= k; i++) s = s * 60 + p[i] }
        /Maximum resident set size/ { m = $NF }
        /User time \(seconds\)|System time \(seconds\)/ { c += $NF }
        END { printf "%s %.3f %d %.3f\n", n, s, m, c }' "$work/time.txt" >>"$work/samples"
}

kgen_full() {
    timed kgen "$KGEN_REPO/build/kgen" generate "${specs[@]/#header-specs/$KGEN_REPO/header-specs}" --no-cache \
        --no-lock -v --kernel "$tree" --out "$work/out" --overlay "$work/overlay" \
        --bindgen "$KGEN_SCRIPTS/tools/bindgen" --rustfmt "$KGEN_SCRIPTS/tools/rustfmt"
    sed -n 's/.*peak RSS of kgen itself: \([0-9]*\) KB/kgen-self 0 \1/p' "$work/kgen.err" >>"$work/samples"
}
plain_bindgen() {
    timed bindgen "$KGEN_SCRIPTS/tools/bindgen" "$work/bench_input.h" "${opts[@]}" -o "$work/plain_bindings.rs" \
        -- "${flags[@]}"
}

: >"$work/samples"
# cpu_busy: "busy total" jiffies of all cores, from /proc/stat.
cpu_busy() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
read -r busy0 total0 < <(cpu_busy)
log "bench: ${#headers[@]} header(s) (${headers[*]}), $((${#specs[@]} / 2)) spec(s), $runs run(s) each"
for ((r = 1; r <= runs; r++)); do
    kgen_full
    plain_bindgen
done
# No-op: fill the cache once, then time each run (nanosecond clock; /usr/bin/time has 10 ms steps).
noop_args=("${specs[@]}" --kernel "$tree" --out "$work/out" --overlay "$work/overlay" --no-lock
    --bindgen "$KGEN_SCRIPTS/tools/bindgen" --rustfmt "$KGEN_SCRIPTS/tools/rustfmt")
build/kgen generate "${noop_args[@]}" >/dev/null
# Files written in the last second are hashed, not trusted by their stamps
# (racily clean); the first no-op a second later stamps them, as a user's
# next regeneration would.
sleep 1.1
build/kgen generate "${noop_args[@]}" >/dev/null
# cpu_ms FILE: user+sys CPU of this shell's finished children, in ms, from
# the output of bash's `times` saved in FILE (`times` must run in this shell,
# not in a $(...) subshell, whose children are not these).
cpu_ms() { awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60000 + a[2] * 1000 } printf "%d", t }' "$1"; }
for ((r = 1; r <= runs * 3; r++)); do
    start=$(date +%s%N)
    build/kgen generate "${noop_args[@]}" >"$work/noop.out"
    end=$(date +%s%N)
    grep -q 'not parsed' "$work/noop.out" || die "the no-op run parsed again: $(cat "$work/noop.out")"
    echo "noop $(((end - start) / 1000)) 0" >>"$work/samples"
done
# CPU of the no-op alone: a loop of nothing but kgen, between two `times`.
times >"$work/times0"
for ((r = 1; r <= runs * 10; r++)); do build/kgen generate "${noop_args[@]}" >/dev/null; done
times >"$work/times1"
noop_cpu=$((($(cpu_ms "$work/times1") - $(cpu_ms "$work/times0")) / (runs * 10)))
# Where a no-op's time goes: starting the process (`kgen passes` starts, prints
# a list and exits), against the whole no-op (start + stat/hash of inputs and
# outputs + replaying the report).
for ((r = 1; r <= runs * 3; r++)); do
    start=$(date +%s%N)
    build/kgen passes >/dev/null
    end=$(date +%s%N)
    echo "start $(((end - start) / 1000)) 0" >>"$work/samples"
done

read -r busy1 total1 < <(cpu_busy)
load=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) -v n="$(nproc)" \
    'BEGIN { printf "%.0f%% of %d cores busy during the run (this benchmark included)", 100 * b / t, n }')
median() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$work/samples" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
kt=$(median kgen 2) km=$(median kgen 3) ks=$(median kgen-self 3) kc=$(median kgen 4)
bt=$(median bindgen 2) bm=$(median bindgen 3) bc=$(median bindgen 4)
nu=$(median noop 2) su=$(median start 2)
timers=$(grep -E 'took [0-9]+ ms' "$work/kgen.err" | sed 's/^kgen: debug: //' | tr '\n' ';' | sed 's/;$//; s/;/; /g')
{
    printf 'bench: %s, %s run(s), medians; headers: %s\n' "$(date -Is)" "$runs" "${headers[*]}"
    printf 'machine: %s; load average at the end: %s\n' "$load" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'kgen full regeneration of %d spec(s): %.2f s wall, %.2f s CPU, peak RSS %d MB (kgen itself %d MB)\n' \
        $((${#specs[@]} / 2)) "$kt" "$kc" $((km / 1024)) $((ks / 1024))
    printf '  last run: %s\n' "$timers"
    printf 'plain bindgen, same headers, options and flags: %.2f s wall, %.2f s CPU, peak RSS %d MB (%d lines of Rust vs %d)\n' \
        "$bt" "$bc" $((bm / 1024)) "$(wc -l <"$work/plain_bindings.rs")" \
        "$(cat "$work"/out/*/bindings/bindings_generated.rs | wc -l)"
    awk -v a="$kt" -v b="$bt" 'BEGIN { printf "ratio wall time kgen/bindgen: %.2fx (target <= 1.0x)\n", a / b }'
    awk -v a="$kc" -v b="$bc" 'BEGIN { printf "ratio CPU time kgen/bindgen: %.2fx (target <= 1.0x)\n", a / b }'
    awk -v a="$km" -v b="$bm" -v s="$ks" 'BEGIN {
        printf "ratio peak RSS kgen/bindgen: %.2fx (kgen itself: %.2fx)\n", a / b, s / b }'
    awk -v u="$nu" -v c="$noop_cpu" -v st="$su" 'BEGIN {
        printf "no-op regeneration: %.1f ms wall (target <= 50 ms), %d ms CPU; of the wall time, process start %.1f ms,\n", u / 1000, c, st / 1000
        printf "  the rest (loading the specs, one stat per input and output, the report) %.1f ms; libclang is not loaded\n", (u - st) / 1000 }'
} | tee "$results/latest.txt"
