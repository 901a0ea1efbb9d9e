// `kgen generate`: the whole pipeline for one spec, in one readable function.
#pragma once
#include <string>
#include <vector>

namespace kgen::driver {

struct GenerateOptions {
  std::string spec_path;
  std::string kernel_dir;               // a configured tree; or empty with include_dirs for tests
  std::vector<std::string> extra_flags;  // used instead of the tree's flags when kernel_dir is empty
  std::string kernel_version = "unknown";
  std::string out_dir = "out";
  std::string overlay_dir = "kernel-crate-overlay";
  std::string bindgen;   // program; empty: no FFI layer (tests without a toolchain)
  std::string rustfmt;   // program; empty: output is not formatted
  std::string dump_after;  // pass name, or "all"
};

struct GenerateReport {
  std::string spec_name;
  size_t callbacks_total = 0, callbacks_wired = 0, helpers = 0;
  size_t generated_lines = 0, hand_written_lines = 0;
  size_t unsafe_blocks = 0, unsafe_documented = 0;
  size_t files_written = 0, files_unchanged = 0;
  std::string text() const;
};

GenerateReport generate(const GenerateOptions& opts);

}  // namespace kgen::driver
