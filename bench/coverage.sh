#!/bin/bash
# bench/coverage.sh: callbacks wired per ops table, kgen's generated modules
# against upstream's hand-written ones, on Linux 6.12 and 7.3 (the README's
# table). On demand, not a test.
#
#   kgen      "callbacks wired: A/B" of out/<spec>/report.txt (6.12) and of
#             $KGEN_CACHE/gen-7.3/out/<spec>/report.txt (7.3, which
#             scripts/test.sh's regenerate-7.3 writes);
#   upstream  the pristine source's rust/kernel files of that module: a
#             member of the ops struct counts as wired where a vtable
#             initializer sets it to `Some(...)` or `if T::HAS_...`, or an
#             assignment `.member = Some(...)` does. The members are the
#             `callback` entries of the spec's lock section for that kernel.
#             For drm, the GEM shmem object's ALLOC_OPS, which upstream's
#             driver vtable copies, count too (C helpers, said apart).
# Needs both sources (bash scripts/setup.sh fetches them).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

# shellcheck disable=SC2046 # PACKAGE VERSION [SUITE], one word each
src612=$("$KGEN_SCRIPTS/kernel-source.sh" $(kernel_pin 6.12))
# shellcheck disable=SC2046
src73=$("$KGEN_SCRIPTS/kernel-source.sh" $(kernel_pin 7.3))
gen73=$KGEN_CACHE/gen-7.3/out

# SPEC: its ops structs' upstream files (relative to the source), one a word.
upstream_files() {
    case $1 in
    net-phy) echo rust/kernel/net/phy.rs ;;
    block-mq) echo rust/kernel/block/mq/operations.rs ;;
    pci) echo rust/kernel/pci.rs ;;
    drm) echo rust/kernel/drm/device.rs rust/kernel/drm/gem/shmem.rs ;;
    esac
}

# lock_callbacks SPEC SERIES: the ops structs' members (struct.member) of the
# lock section.
lock_callbacks() {
    awk -v series="$2" '
        /^linux / { v = $2; split(v, p, "."); on = (p[1] "." p[2] == series); next }
        on && $1 == "callback" { print $2 }' "header-specs/$1.lock" | sort -u
}

# upstream SPEC SERIES SRC: "wired/total [note]" of upstream's module, or
# "no module".
upstream() {
    local spec=$1 series=$2 src=$3 f files=() total wired=0 helpers=0 m
    for f in $(upstream_files "$spec"); do
        [[ -f $src/$f ]] && files+=("$src/$f")
    done
    ((${#files[@]} > 0)) || {
        echo "no module"
        return
    }
    total=$(lock_callbacks "$spec" "$series" | wc -l)
    while read -r m; do
        m=${m#*.}
        if grep -qE "(\\b$m: (Some\\((Self|Adapter|drm::|Device|OperationsVTable)|if T::HAS_)|\\.$m = Some\\()" "${files[@]}"; then
            wired=$((wired + 1))
        elif grep -qE "\\b$m: Some\\(bindings::" "${files[@]}"; then
            helpers=$((helpers + 1))
        fi
    done < <(lock_callbacks "$spec" "$series")
    if ((helpers > 0)); then
        echo "$wired/$total (+$helpers C helpers)"
    else
        echo "$wired/$total"
    fi
}

kgen_wired() {
    local report=$1/$2/report.txt
    [[ -f $report ]] || {
        echo "not generated"
        return
    }
    sed -n 's/^callbacks wired: //p' "$report"
}

printf '%-10s %-14s %-22s %-14s %-22s\n' spec "kgen 6.12" "upstream 6.12" "kgen 7.3" "upstream 7.3"
for spec in net-phy block-mq pci drm; do
    printf '%-10s %-14s %-22s %-14s %-22s\n' "$spec" "$(kgen_wired out "$spec")" \
        "$(upstream "$spec" 6.12 "$src612")" "$(kgen_wired "$gen73" "$spec")" "$(upstream "$spec" 7.3 "$src73")"
done
