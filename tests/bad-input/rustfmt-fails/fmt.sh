#!/bin/sh
# A formatter that rejects its input.
echo "error: expected item" >&2
exit 1
