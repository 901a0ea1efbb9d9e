# Run by tests/bad-input/run.sh in the case's working copy.
set -e
mkdir -p elsewhere overlay/rust
ln -s ../../elsewhere overlay/rust/kernel
