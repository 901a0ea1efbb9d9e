#!/bin/bash
# check.sh: re-measure issue 9's figures on the committed generated Rust
# (kernel-crate-overlay/rust/**/*.rs; bindgen's out/<spec>/bindings/ is not
# measured) and the header
# specs, print them, and fail if any is above its limit in tests/metrics/limits.
#   (a) bindings::/ffi:: types in public signatures and trait methods
#   (b) comment paragraphs of >= 3 lines repeated more than 3 times in a file
#   (c) lines over 100 columns
#   (d) the word `unsafe` in header-specs/*.yaml
# plus, without a limit, each spec's share of generated lines (report.txt).
# The figures may only go down: when one drops, lower its line in
# tests/metrics/limits (`NAME MAX`, a one-line edit) in the same commit.
# The measuring is tests/metrics/measure.py (its docstring defines each
# figure), run with the toolchain root's python3 (the host may have none),
# after its self-test tests/metrics/test_measure.py.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

root=$("$KGEN_SCRIPTS/toolchain-root.sh")
py() { "$KGEN_SCRIPTS/in-root.sh" "$root" --cwd "$KGEN_REPO" python3 -B "$@"; }
# The scanners first, on inline Rust (test_measure.py), then the figures.
py "$KGEN_REPO/tests/metrics/test_measure.py"
py "$KGEN_REPO/tests/metrics/measure.py" "$KGEN_REPO" "$KGEN_REPO/tests/metrics/limits"
