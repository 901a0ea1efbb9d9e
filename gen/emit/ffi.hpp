// Stage 4c: the FFI layer. kgen runs the bindgen program once per generate,
// over the headers of every spec (plus the helper prototypes) with the
// tree's own options and flags, allowlisting exactly the `bindings::` items
// the specs' safe layers use; each spec's file is its part of that output
// (bindings_for), which must define every name it uses.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/cmodel.hpp"

namespace kgen::emit {

// `bindings::name` references in Rust source.
std::set<std::string> bindings_used(const std::string& rust);
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

// Runs bindgen; returns its output with the helpers renamed. Throws Error
// with bindgen's stderr on failure. One run serves every spec of a generate
// (the union of their requests); bindings_for then gives each spec its part.
std::string run_bindgen(const BindgenRun& run, const model::CModel& m);

// One top-level item of bindgen's output, with its attributes.
struct BindingsItem {
  std::string text;                  // ends with its newline
  std::vector<std::string> defines;  // the names it defines (an extern block: each fn and static)
  std::string impl_of;               // an impl block: the type it is for
  std::string const_of;              // `pub const X: T = ..;`: T (bindgen's enum constants are kept with their type)
  std::set<std::string> refs;        // the identifiers it mentions, field and parameter names left out
};
// bindgen's output as items; the banner comment before the first one goes to
// `preamble`.
std::vector<BindingsItem> split_bindings(const std::string& rust, std::string* preamble = nullptr);

// The part of bindgen's output that the names in `used` need: the items that
// define them, every item those name (closed over), and the impls and
// constants of every type kept (as bindgen keeps an allowlisted enum's
// constants). Canonical, so that a spec's FFI file does not depend on which
// other specs shared the bindgen run: the items are sorted by name, and the
// numbers of anonymous enum types (`_bindgen_ty_103`, counted over the whole
// parse) are renumbered in order of first use. `missing` lists the used names
// that nothing defines.
struct BindingsSubset {
  std::string text;
  std::vector<std::string> missing;
};
BindingsSubset bindings_for(const std::string& rust, const std::set<std::string>& used);

// bindgen's output split and indexed once, to cut several specs' parts from
// one run: the items, the ones defining each name, and the impl blocks and
// constants kept with each type.
struct BindingsIndex {
  std::string preamble;
  std::vector<BindingsItem> items;
  std::map<std::string, std::vector<size_t>> defining, impls;
};
BindingsIndex index_bindings(const std::string& rust);
BindingsSubset bindings_for(const BindingsIndex& index, const std::set<std::string>& used);

}  // namespace kgen::emit
