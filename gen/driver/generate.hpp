// `kgen generate`: the whole pipeline, readable in order in generate.cpp:
// generate_many() (specs, tree, regeneration cache, one shared parse) and
// generate_spec() (passes, emit, checks, FFI, write, lock) for each spec.
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
  bool write_lock = false;  // write <spec>.lock beside the spec (drift/lockfile.hpp)
  bool use_cache = false;   // skip a no-op run by content hash (driver/regen_cache.hpp)
};

struct GenerateReport {
  std::string spec_name;
  size_t callbacks_total = 0, callbacks_wired = 0, helpers = 0;
  size_t generated_lines = 0, hand_written_lines = 0;
  size_t unsafe_blocks = 0, unsafe_documented = 0;
  // Spec items with a `kernel:` range, and their lines (spec::Spec), and the
  // version that chose among them.
  size_t kernel_conditions = 0, kernel_condition_lines = 0;
  std::string kernel_version;
  size_t files_written = 0, files_unchanged = 0;
  bool skipped = false;               // a no-op: nothing changed, nothing parsed
  std::vector<std::string> warnings;  // the plan's
  std::string text() const;
};

GenerateReport generate(const GenerateOptions& opts);

// Several specs with the same tree and options (opts.spec_path is ignored).
// Specs that need work share one parse of the union of their headers.
std::vector<GenerateReport> generate_many(const GenerateOptions& opts, const std::vector<std::string>& spec_paths);

}  // namespace kgen::driver
