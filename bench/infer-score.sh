#!/bin/bash
# bench/infer-score.sh: how close `kgen infer` comes to the hand-written specs.
# For every spec in header-specs/, drafts a spec for its first header twice
# (from the headers alone, then with the spec's doc_sources too) and prints
# kgen's precision/recall table against the spec. On demand, not a test.
# Drafts: bench/results/infer/<spec>{,-docs}.yaml.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"
[[ -x build/kgen ]] || die "build kgen first (cmake --build build)"
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
out=$KGEN_REPO/bench/results/infer
mkdir -p "$out"

for spec in header-specs/*.yaml; do
    [[ $(basename "$spec") == TEMPLATE.yaml ]] && continue
    name=$(basename "$spec" .yaml)
    header=$(sed -nE 's/^headers: *\[([^],]*).*$/\1/p' "$spec" | tr -d ' "')
    [[ -n $header ]] || { warn "$spec: no 'headers: [...]' line; skipped"; continue; }
    # doc_sources: the "  - path" lines under it.
    docs=()
    while read -r d; do docs+=(--doc-source "$d"); done < <(
        awk '/^doc_sources:/ { on = 1; next } on && /^  - / { print $2; next } on { exit }' "$spec")
    build/kgen infer --kernel "$tree" --header "$header" --score "$spec" -o "$out/$name.yaml" 2>&1 | sed -n '1,/^all /p'
    if ((${#docs[@]} > 0)); then
        build/kgen infer --kernel "$tree" --header "$header" "${docs[@]}" --score "$spec" \
            -o "$out/$name-docs.yaml" 2>&1 | sed -n '1,/^all /p'
    fi
done
