# Run by tests/bad-input/run.sh in the case's working copy: rust/kernel is a symlink loop.
set -e
mkdir -p overlay/rust
ln -s loop overlay/rust/kernel
ln -s kernel overlay/rust/loop
