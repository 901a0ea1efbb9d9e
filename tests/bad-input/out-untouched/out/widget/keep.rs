// a file from an earlier run
