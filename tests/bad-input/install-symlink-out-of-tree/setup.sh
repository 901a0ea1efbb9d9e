# Run by tests/bad-input/run.sh in the case's working copy.
set -e
mkdir -p elsewhere
ln -s ../../elsewhere tree/rust/kernel
