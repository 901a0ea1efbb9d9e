#!/bin/bash
# bench/infer-all.sh: the cost of `kgen infer --all` over the pinned tree's
# include/ (a draft per ops struct), on demand, not a test.
#
# Runs it once under /usr/bin/time -v into bench/results/infer-all/ and
# prints its wall time, CPU time (user + system), peak RSS and the machine's
# load during the run, then the figures of its summary.txt (headers parsed,
# parse errors tolerated, ops structs, callbacks, what it skipped). Results:
# bench/results/infer-all.txt.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

[[ -x /usr/bin/time ]] || ensure_host_pkgs time
[[ -x build/kgen ]] || die "build kgen first (cmake --build build)"
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
results=$KGEN_REPO/bench/results
out=$results/infer-all
rm -rf -- "$out"
mkdir -p "$out"

# cpu_busy: "busy total" jiffies of all cores, from /proc/stat.
cpu_busy() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
read -r busy0 total0 < <(cpu_busy)
/usr/bin/time -v -o "$results/infer-all.time" build/kgen infer --all --kernel "$tree" -o "$out" \
    >"$results/infer-all.log" 2>&1 || { tail -n 20 "$results/infer-all.log" >&2; die "kgen infer --all failed"; }
read -r busy1 total1 < <(cpu_busy)
[[ -f $out/summary.txt ]] || die "kgen infer --all wrote no summary.txt"

{
    printf 'bench/infer-all.sh: %s; tree %s\n' "$(date -Is)" "${tree##*/}"
    awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) -v n="$(nproc)" \
        'BEGIN { printf "machine: %.0f%% of %d cores busy during the run (this one included)\n", 100 * b / t, n }'
    awk '
        /Elapsed \(wall clock\)/ { w = $NF; k = split(w, p, ":"); s = 0; for (i = 1; i <= k; i++) s = s * 60 + p[i] }
        /User time \(seconds\)|System time \(seconds\)/ { c += $NF }
        /Maximum resident set size/ { m = $NF }
        END { printf "kgen infer --all: %.1f s wall, %.1f s CPU, peak RSS %d MB\n", s, c, m / 1024 }' \
        "$results/infer-all.time"
    printf '%s drafts in %s\n' "$(find "$out" -name '*.yaml' | wc -l)" "${out#"$KGEN_REPO"/}"
    echo "its summary.txt, the lines before the per-struct table:"
    awk 'NF == 0 { exit } { print "  " $0 }' "$out/summary.txt"
} | tee "$results/infer-all.txt"
