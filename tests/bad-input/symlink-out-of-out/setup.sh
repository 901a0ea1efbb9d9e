# Run by tests/bad-input/run.sh in the case's working copy.
set -e
mkdir -p elsewhere out
ln -s ../elsewhere out/mini
