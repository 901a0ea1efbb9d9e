#!/bin/sh
# A bindgen that fails.
echo "fatal: no such header" >&2
exit 2
