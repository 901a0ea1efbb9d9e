// `kgen infer`: parse one header of a tree and draft a spec for it (or for
// one ops struct), optionally scored against a hand-written spec.
#pragma once
#include <string>
#include <vector>

namespace kgen::driver {

struct InferOptions {
  std::string kernel_dir;                // a prepared tree (Rust-configured or not)
  std::vector<std::string> extra_flags;  // used instead of the tree's flags when kernel_dir is empty
  std::string header;                    // linux/phy.h
  std::vector<std::string> also_headers;  // more headers of the same module (drm's drm_file.h, drm_gem.h...)
  std::string ops;                       // "struct phy_driver": draft only that ops table
  std::vector<std::string> doc_sources;  // .c files (tree-relative) with kernel-doc for the functions
  std::string score_spec;                // a hand-written spec to measure the draft against
};

struct InferResult {
  std::string yaml;   // the draft
  std::string score;  // empty without score_spec
};

InferResult infer(const InferOptions& opts);

// `kgen infer --all`: every header below the tree's include/ (or below the
// -I directories of a tree-less run) in one tolerant parse, a draft per ops
// struct and summary.txt, written to out_dir as a whole (a fresh directory
// renamed into place; an earlier --all output there is replaced, any other
// non-empty directory is refused).
struct InferAllOptions {
  std::string kernel_dir;
  std::vector<std::string> include_dirs;  // tree-less runs (tests): absolute or relative -I directories
  std::string out_dir;
};

struct InferAllReport {
  size_t headers = 0, parse_errors = 0, drafts = 0, skipped = 0;
  std::string summary;  // also in out_dir/summary.txt
};

InferAllReport infer_all(const InferAllOptions& opts);

}  // namespace kgen::driver
