# Run by tests/bad-input/run.sh in the case's working copy.
# What a kgen killed while renaming leaves: its journal (absolute paths, so
# written here), a replaced file and the backup of what it replaced.
set -e
mkdir -p out/mini
printf 'new, from the killed run\n' > out/mini/report.txt
printf 'old\n' > out/mini/.kgen-ABC123-0.bak
printf 'new, not renamed yet\n' > out/mini/.kgen-ABC123-1.tmp
printf 'kgen-journal 1\nop 0 write %s\nop 1 write %s\nrenaming\n' "$PWD/out/mini/report.txt" "$PWD/out/mini/x.rs" > out/.kgen-journal-ABC123
