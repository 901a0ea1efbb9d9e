#!/bin/bash
# bench/infer-score.sh [SPEC...]: how close `kgen infer` comes to the
# hand-written specs. On demand, not a test.
#
# SPEC is a spec file or name (block-mq: header-specs/block-mq.yaml); the
# default is every spec in header-specs/ but TEMPLATE.yaml. For each spec,
# drafts a spec for the header its module wraps (module: c_header, else the
# first of its headers:) twice, from the headers alone and then with the
# spec's doc_sources too, and prints kgen's precision/recall table against
# the spec. The draft covers that header and the spec's other headers
# (--also-header: a module spread over several, as drm is); the spec's ops
# structs (printed in the banner) must be declared in them, which the 'ops'
# row shows.
# Then the figures pooled over the specs scored: the 'invariants' (the
# conventions) and 'all' rows, summed (micro-average). A spec without
# doc_sources counts in the "with doc sources" pool with its headers-only
# draft.
#
# Drafts: bench/results/infer/<spec>{,-docs}.yaml; kgen's whole score output
# (with the missed and disagreeing items): the same names with .score.txt.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$KGEN_REPO"

usage() { die "usage: bench/infer-score.sh [SPEC...] (a header-specs/*.yaml file or its name)"; }

specs=()
for arg in "$@"; do
    case $arg in
    -h | --help | -*) usage ;;
    */* | *.yaml) specs+=("$arg") ;;
    *) specs+=("header-specs/$arg.yaml") ;;
    esac
done
if ((${#specs[@]} == 0)); then
    while read -r spec; do specs+=("$spec"); done < <(spec_files)
fi
for spec in "${specs[@]}"; do
    [[ -f $spec ]] || die "no such spec: $spec"
done

[[ -x build/kgen ]] || die "build kgen first (cmake --build build)"
tree=$("$KGEN_SCRIPTS/kernel-tree.sh" --stage configure)
out=$KGEN_REPO/bench/results/infer
mkdir -p "$out"

# spec_header SPEC: the header to draft, as included (linux/phy.h).
spec_header() {
    local c_header
    c_header=$(awk '/^module:/ { on = 1; next } on && /^[^ \t#]/ { exit }
        on && $1 == "c_header:" { s = $2; gsub(/["\047]/, "", s); print s; exit }' "$1")
    c_header=${c_header#include/}
    if [[ -n $c_header ]] && spec_list headers "$1" | grep -qxF -- "$c_header"; then
        printf '%s\n' "$c_header"
    else
        spec_list headers "$1" | head -n 1
    fi
}

# spec_ops SPEC: the C structs of its ops entries, comma-separated.
spec_ops() {
    awk '/^ops:/ { on = 1; next } on && /^[^ \t#]/ { exit }
        on && /^  - c:/ { s = $0; sub(/^  - c:[ \t]*/, "", s); sub(/[ \t]+#.*/, "", s); gsub(/"/, "", s)
                          printf "%s%s", (n++ ? ", " : ""), s }
        END { if (n) print "" }' "$1"
}

# score_rows SCORE_FILE: from kgen's score output, one line
#   hand drafted agree on_hand  hand drafted agree on_hand_lo on_hand_hi
# for the 'invariants' row, then the 'all' row. on_hand is the denominator of
# precision(spec'd items), which kgen does not print: for 'invariants' it is
# agree plus the "disagrees:" lines (kgen lists every such drafted statement
# that is not a method); for 'all' it adds the method and guarded rows' own,
# found back from their printed percentages (a range if these are ambiguous).
score_rows() {
    awk '
        function pct(a, d) { return d ? sprintf("%.1f%%", 100 * a / d) : "n/a" }
        # range K: the denominators d that print row K percentage (lo[K], hi[K]).
        function range(k, d) {
            lo[k] = -1
            if (p[k] == "n/a") { lo[k] = hi[k] = 0; return }
            for (d = (agree[k] > 0 ? agree[k] : 1); d <= drafted[k]; d++)
                if (pct(agree[k], d) == p[k]) { if (lo[k] < 0) lo[k] = d; hi[k] = d }
            if (lo[k] < 0) { printf "infer-score: cannot read row %s\n", k > "/dev/stderr"; exit 1 }
        }
        /^(invariants|guarded|method|all) / {
            hand[$1] = $2; drafted[$1] = $3; agree[$1] = $4; p[$1] = $5; seen[$1] = 1
        }
        /^disagrees: / { wrong++ }
        END {
            if (!seen["invariants"] || !seen["all"]) { print "infer-score: no score table" > "/dev/stderr"; exit 1 }
            inv = agree["invariants"] + wrong
            if (pct(agree["invariants"], inv) != p["invariants"])
                printf "infer-score: warning: invariants: %d agree + %d disagree does not give %s\n",
                    agree["invariants"], wrong, p["invariants"] > "/dev/stderr"
            range("method"); range("guarded"); range("all")
            alo = inv + lo["method"] + lo["guarded"]; ahi = inv + hi["method"] + hi["guarded"]
            if (alo < lo["all"]) alo = lo["all"]
            if (ahi > hi["all"]) ahi = hi["all"]
            if (alo > ahi) { alo = lo["all"]; ahi = hi["all"] }
            print hand["invariants"], drafted["invariants"], agree["invariants"], inv,
                hand["all"], drafted["all"], agree["all"], alo, ahi
        }' "$1"
}

# pool TITLE ROWS: print the pooled table of ROWS (lines of score_rows).
pool() {
    printf '%s\n' "$2" | awk -v title="$1" '
        function pct(a, d) { return d ? sprintf("%.1f%%", 100 * a / d) : "n/a" }
        { for (i = 1; i <= 9; i++) t[i] += $i }
        END {
            print title
            print "kind        hand  drafted  agree  precision(spec'"'"'d items)  precision(all)  recall"
            printf "%-10s %5d  %7d  %5d  %23s  %14s  %6s\n", "invariants", t[1], t[2], t[3],
                pct(t[3], t[4]), pct(t[3], t[2]), pct(t[3], t[1])
            spec = t[8] == t[9] ? pct(t[7], t[8]) : "~" pct(t[7], t[9]) "-" pct(t[7], t[8])
            printf "%-10s %5d  %7d  %5d  %23s  %14s  %6s\n", "all", t[5], t[6], t[7],
                spec, pct(t[7], t[6]), pct(t[7], t[5])
        }'
}

names=() rows_headers='' rows_docs=''
for spec in "${specs[@]}"; do
    name=$(basename "$spec" .yaml)
    header=$(spec_header "$spec")
    [[ -n $header ]] || { warn "$spec: no header in 'headers:'; skipped"; continue; }
    ops=$(spec_ops "$spec")
    # The spec's other headers: the module's types and functions may be there (drm).
    also=() also_names=()
    while read -r h; do
        [[ -n $h && $h != "$header" ]] && also+=(--also-header "$h") && also_names+=("$h")
    done < <(spec_list headers "$spec")
    docs=() doc_names=()
    while read -r d; do
        [[ -n $d ]] && docs+=(--doc-source "$d") && doc_names+=("$d")
    done < <(spec_list doc_sources "$spec")
    printf '==== %s: %s%s%s; doc sources: %s\n' "$name" "$header" "${also_names[*]:+ (and ${also_names[*]})}" \
        "${ops:+ (ops: $ops)}" "${doc_names[*]:-none}"
    names+=("$name")

    for mode in headers docs; do
        suffix='' args=()
        if [[ $mode == docs ]]; then
            ((${#docs[@]} > 0)) || break
            suffix=-docs args=("${docs[@]}")
        fi
        score=$out/$name$suffix.score.txt
        if ! build/kgen infer --kernel "$tree" --header "$header" "${also[@]}" "${args[@]}" --score "$spec" \
            -o "$out/$name$suffix.yaml" >"$score" 2>&1; then
            cat "$score" >&2
            die "kgen infer failed for $spec"
        fi
        sed -n '1,/^all /p' "$score"
        row=$(score_rows "$score")
        if [[ $mode == headers ]]; then
            rows_headers+=$row$'\n'
        else
            rows_docs+=$row$'\n'
        fi
    done
    # Without doc sources the headers-only draft stands for the spec in both pools.
    ((${#docs[@]} > 0)) || rows_docs+=$row$'\n'
    echo
done

((${#names[@]} > 0)) || die "no spec scored"
pool "==== pooled over ${#names[@]} spec(s) (${names[*]}), headers only" "${rows_headers%$'\n'}"
pool "==== pooled over ${#names[@]} spec(s) (${names[*]}), with doc sources" "${rows_docs%$'\n'}"
