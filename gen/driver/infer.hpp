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
  std::string ops;                       // "struct phy_driver": draft only that ops table
  std::vector<std::string> doc_sources;  // .c files (tree-relative) with kernel-doc for the functions
  std::string score_spec;                // a hand-written spec to measure the draft against
};

struct InferResult {
  std::string yaml;   // the draft
  std::string score;  // empty without score_spec
};

InferResult infer(const InferOptions& opts);

}  // namespace kgen::driver
