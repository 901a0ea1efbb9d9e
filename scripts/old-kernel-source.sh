#!/bin/bash
# old-kernel-source.sh [--stage source|configure]: Debian 12's 6.1 tree for
# `kgen check`; the same as check-kernel-tree.sh --kernel 6.1 (kept for the
# commands in README and older notes).
exec "$(dirname -- "${BASH_SOURCE[0]}")/check-kernel-tree.sh" --kernel 6.1 "$@"
