# Makes spec.yaml (too large to commit).
set -e
cp base.yaml spec.yaml
awk 'BEGIN { for (i = 0; i < 50000; i++) print "unknown_" i ": x" }' >>spec.yaml
