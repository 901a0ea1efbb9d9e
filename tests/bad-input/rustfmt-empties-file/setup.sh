# Run by tests/bad-input/run.sh in the case's working copy.
set -e
chmod +x fmt.sh
