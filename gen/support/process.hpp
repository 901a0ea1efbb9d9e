// Running a program (bindgen, rustfmt) with captured output.
#pragma once
#include <string>
#include <vector>

namespace kgen::process {

struct Result {
  int status = -1;  // exit status; 127 when the program could not be started
  std::string out, err;
};

// Runs argv[0] (looked up in PATH) in `cwd` (may be empty), feeding `input` on stdin.
Result run(const std::vector<std::string>& argv, const std::string& cwd = "", const std::string& input = "");

}  // namespace kgen::process
