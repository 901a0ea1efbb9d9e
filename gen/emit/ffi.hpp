// Stage 4c: the FFI layer. kgen runs the bindgen program over the spec's
// headers (plus the helper prototypes) with the tree's own options and flags,
// allowlisting exactly the `bindings::` items the safe layer uses, and then
// checks that bindgen produced every one of them.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "model/cmodel.hpp"

namespace kgen::emit {

// `bindings::name` references in Rust source.
std::set<std::string> bindings_used(const std::string& rust);
// Names that a bindgen output file defines.
std::set<std::string> bindings_defined(const std::string& rust);
// The kernel's rename of helpers: `pub fn rust_helper_x` -> `#[link_name] pub fn x`.
std::string rename_helpers(const std::string& rust);

struct BindgenRun {
  std::string program = "bindgen";
  std::vector<std::string> tree_options;  // the tree's own bindgen options (bindgen_parameters)
  std::vector<std::string> clang_flags;
  std::string working_dir;
  std::string input_header_text;  // written to a temporary file
  std::string tmp_base;           // where the temporary files go (bindgen may run in a chroot)
  std::set<std::string> used;     // bindings:: names to allowlist
  std::set<std::string> helpers;  // names that are rust_helper_* functions
};

// Runs bindgen; returns the post-processed Rust. Throws Error with bindgen's
// stderr on failure, and an error listing every used name that is missing.
std::string run_bindgen(const BindgenRun& run, const model::CModel& m);

}  // namespace kgen::emit
