// Running a program (bindgen, rustfmt) with captured output.
#pragma once
#include <string>
#include <vector>

namespace kgen::process {

struct Result {
  int status = -1;       // exit status; 127 when the program could not be started; 128+N when killed by signal N
  int input_errno = 0;   // when feeding stdin failed: the errno (EPIPE: it stopped reading early)
  size_t input_written = 0;  // bytes of `input` the program read
  std::string out, err;
};

// Runs argv[0] (looked up in PATH) in `cwd` (may be empty), feeding `input` on stdin.
// kgen ignores SIGPIPE (main), so a program that stops reading its input
// early is seen as input_errno == EPIPE, never as kgen dying silently; the
// program itself starts with SIGPIPE at its default.
Result run(const std::vector<std::string>& argv, const std::string& cwd = "", const std::string& input = "");

// One line for an error message: "exited with status 2", "was killed by signal 9 (Killed)",
// "stopped reading its input after 65536 of 1048576 bytes (Broken pipe)".
std::string describe_failure(const Result& r, size_t input_size);

// Ignores SIGPIPE for the whole process (called first thing in main).
void ignore_sigpipe();

}  // namespace kgen::process
