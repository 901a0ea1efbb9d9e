// Stage 4a: the view-model. It turns the plan into plain data for the
// logic-free Mustache templates: every decision (names, conversions, SAFETY
// sentences, docs) is made here.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "passes/plan.hpp"

namespace kgen::emit {

struct ViewContext {
  std::string version;         // kgen version
  std::string spec_path;       // as shown in the header line
  std::string kernel_version;  // "6.12.117"
};

// Renders the safe Rust module of the plan (before rustfmt).
std::string render_rust_module(const passes::Plan& plan, const ViewContext& ctx);

// Renders every Rust file of the plan (before rustfmt), by kernel-relative
// path: the module file, and a submodule file for each ops table whose spec
// names a `file` (`rust/kernel/block/mq/operations.rs`), as upstream splits.
std::map<std::string, std::string> render_rust_files(const passes::Plan& plan, const ViewContext& ctx);

// Word-wraps `paragraphs` into doc-comment bodies (" text" or "" for a blank
// line) that fit in `width` columns after the `///` prefix.
std::vector<std::string> doc_lines(const std::vector<std::string>& paragraphs, size_t width);

}  // namespace kgen::emit
