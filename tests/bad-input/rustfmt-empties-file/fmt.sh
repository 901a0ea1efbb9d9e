#!/bin/sh
# A formatter that empties the files it is given (rustfmt formats in place).
for f; do case $f in *.rs) : >"$f" ;; esac; done
