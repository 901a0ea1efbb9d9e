#!/bin/bash
# The bad-input corpus (issue 10): every tests/bad-input/<case>/ runs kgen on
# a fresh copy of the case and checks its exit status, its messages, and that
# nothing on disk changed. The format (args, expect, setup.sh) is described
# in tests/bad-input/README.md.
#
#   tests/bad-input/run.sh KGEN_BIN [CASE...]
#
# Prints `ok - case` or `not ok - case: why` per case, then `N passed, N failed`;
# exits non-zero on any failure. A case also fails when kgen dies of a signal
# (exit >= 128), runs longer than KGEN_CORPUS_TIMEOUT seconds (default 60), or
# prints "internal error" or a sanitizer report.
set -uo pipefail

if (($# < 1)); then
    echo "usage: $0 KGEN_BIN [CASE...]" >&2
    exit 2
fi
kgen=$(realpath -- "$1") || exit 2
shift
[[ -x $kgen ]] || {
    echo "$0: $kgen is not an executable" >&2
    exit 2
}
root=$(dirname -- "$(realpath -- "${BASH_SOURCE[0]}")")
timeout_s=${KGEN_CORPUS_TIMEOUT:-60}

cases=()
if (($#)); then
    cases=("$@")
else
    for d in "$root"/*/; do
        [[ -f $d/args ]] && cases+=("$(basename -- "$d")")
    done
fi

# snapshot DIR: every path under DIR with its type, mode and content hash
# (the nothing-changed-on-disk check).
snapshot() {
    local dir=$1
    (
        cd "$dir" || exit 1
        find . -mindepth 1 -printf '%p %y %m %l\n' 2>/dev/null | LC_ALL=C sort
        find . -type f -readable -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 -r sha256sum
    )
}

passed=0
failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/kgen-corpus.XXXXXX")
cleanup() {
    chmod -R u+rwX "$scratch" 2>/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT

for c in "${cases[@]}"; do
    src=$root/$c
    why=""
    if [[ ! -f $src/args || ! -f $src/expect ]]; then
        why="no args or expect file"
    fi
    work=$(mktemp -d "$scratch/case.XXXXXX")
    tmpd=$(mktemp -d "$scratch/tmp.XXXXXX")
    logs=$(mktemp -d "$scratch/logs.XXXXXX")
    if [[ -z $why ]]; then
        cp -a "$src/." "$work/"
        if [[ -f $work/setup.sh ]]; then
            (cd "$work" && CASE="$work" TMP="$tmpd" bash ./setup.sh) >"$logs/setup" 2>&1 ||
                why="setup.sh failed: $(tail -n 3 "$logs/setup" | tr '\n' ' ')"
        fi
    fi
    if [[ -z $why ]]; then
        before=$(snapshot "$work")
        line=$(head -n 1 "$work/args")
        line=${line//@CASE@/$work}
        line=${line//@TMP@/$tmpd}
        read -r -a argv <<<"$line"
        rc=0
        (cd "$work" && timeout --kill-after=5 "$timeout_s" "$kgen" "${argv[@]}") \
            </dev/null >"$logs/stdout" 2>"$logs/stderr" || rc=$?
        after=$(snapshot "$work")

        want_rc=""
        changes_allowed=0
        patterns=()
        while IFS= read -r e || [[ -n $e ]]; do
            e=${e//@CASE@/$work}
            e=${e//@TMP@/$tmpd}
            case $e in
                "exit "*) want_rc=${e#exit } ;;
                "stderr: "*) patterns+=("stderr" "${e#stderr: }") ;;
                "stdout: "*) patterns+=("stdout" "${e#stdout: }") ;;
                "changes: allowed") changes_allowed=1 ;;
                "" | "#"*) ;;
                *) why="bad line in expect: $e" ;;
            esac
        done <"$src/expect"

        if [[ -n $why ]]; then
            :
        elif ((rc == 124 || rc == 137)); then
            why="timed out after ${timeout_s}s"
        elif ((rc >= 128)); then
            why="killed by signal $((rc - 128))"
        elif grep -qE 'internal error|AddressSanitizer|LeakSanitizer|runtime error:' "$logs/stderr"; then
            why="internal error or sanitizer report: $(grep -m1 -E 'internal error|AddressSanitizer|LeakSanitizer|runtime error:' "$logs/stderr")"
        elif [[ -z $want_rc ]]; then
            why="expect has no 'exit N' line"
        elif [[ $rc != "$want_rc" ]]; then
            why="exit $rc, expected $want_rc; stderr: $(head -c 300 "$logs/stderr" | tr '\n' ' ')"
        else
            for ((i = 0; i < ${#patterns[@]}; i += 2)); do
                stream=${patterns[i]}
                text=${patterns[i + 1]}
                if ! grep -qF -- "$text" "$logs/$stream"; then
                    why="$stream lacks '$text'; it was: $(head -c 300 "$logs/$stream" | tr '\n' ' ')"
                    break
                fi
            done
            if [[ -z $why ]] && ((!changes_allowed)) && [[ $before != "$after" ]]; then
                why="files changed under the case: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 3 | tr '\n' ' ')"
            fi
        fi
    fi
    if [[ -z $why ]]; then
        passed=$((passed + 1))
        echo "ok - $c"
    else
        failed=$((failed + 1))
        echo "not ok - $c: $why"
    fi
    chmod -R u+rwX "$work" "$tmpd" 2>/dev/null
    rm -rf "$work" "$tmpd" "$logs"
done

echo "${passed} passed, ${failed} failed"
((failed == 0))
