#include "driver/infer.hpp"

#include <filesystem>

#include "driver/kernel_tree.hpp"
#include "frontend/frontend.hpp"
#include "infer/infer.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"

namespace kgen::driver {

// tree -> parse (recording cleanup.h macro uses) -> draft -> (score).
InferResult infer(const InferOptions& o) {
  if (o.header.empty()) throw Error("kgen infer: error: no header given\n  hint: kgen infer --kernel TREE --header linux/phy.h");
  frontend::ParseOptions popts;
  popts.headers = {o.header};
  popts.record_uses_of = infer::cleanup_macros();
  popts.record_inline_calls = true;
  if (!o.kernel_dir.empty()) {
    KernelTree t = open_kernel_tree(o.kernel_dir, /*require_rust=*/false);
    popts.flags = t.clang_flags;
    popts.working_dir = t.dir;
  }
  for (const auto& f : o.extra_flags) popts.flags.push_back(f);
  model::CModel m = frontend::parse(popts);

  std::map<std::string, model::KernelDoc> docs;
  for (const auto& d : o.doc_sources) {
    std::filesystem::path p = o.kernel_dir.empty() ? std::filesystem::path(d) : std::filesystem::path(o.kernel_dir) / d;
    for (auto& [name, doc] : model::scan_kerneldoc(fs::read_file_or_throw(p))) docs.emplace(name, std::move(doc));
  }
  infer::Options io{o.header, o.ops};
  infer::Draft d = infer::infer(m, io, docs);
  if (!o.ops.empty() && d.ops.empty())
    throw Error("kgen infer: error: --ops '" + o.ops + "': no complete struct of that name in " + o.header +
                " or what it includes\n  hint: give the struct as it is declared ('struct phy_driver'), and a header "
                "that defines it");
  InferResult r;
  r.yaml = infer::render_yaml(d);
  // The draft must read as a spec: syntax errors here are kgen bugs.
  spec::load_string(r.yaml, "<draft of " + o.header + ">");
  if (!o.score_spec.empty()) {
    spec::Spec hand = spec::load(o.score_spec);
    r.score = "kgen infer: draft of " + o.header + (o.ops.empty() ? "" : " (" + o.ops + ")") + " against " +
              o.score_spec + (o.doc_sources.empty() ? ", headers only" : ", headers and doc sources") + "\n" +
              infer::render_score(infer::score(d, hand, m));
  }
  return r;
}

}  // namespace kgen::driver
