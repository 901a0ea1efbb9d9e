#include "emit/c_helpers.hpp"

#include "support/text.hpp"

namespace kgen::emit {

namespace {

std::string signature(const model::CFunction& f) {
  std::vector<std::string> ps;
  for (size_t i = 0; i < f.params.size(); ++i)
    ps.push_back(f.params[i].type.declare(f.params[i].name.empty() ? "arg" + std::to_string(i) : f.params[i].name));
  if (ps.empty()) ps.push_back("void");
  return f.ret.declare("rust_helper_" + f.name) + "(" + text::join(ps, ", ") + ")";
}

}  // namespace

std::string c_helper_prototypes(const passes::Plan& plan) {
  std::string s;
  for (const auto* f : plan.helpers) s += signature(*f) + ";\n";
  return s;
}

std::string render_c_helpers(const passes::Plan& plan, const std::string& banner) {
  std::string s = "// SPDX-License-Identifier: GPL-2.0\n\n" + banner + "\n";
  for (const auto& h : plan.spec->headers) s += "#include <" + h + ">\n";
  for (const auto* f : plan.helpers) {
    std::vector<std::string> args;
    for (size_t i = 0; i < f->params.size(); ++i)
      args.push_back(f->params[i].name.empty() ? "arg" + std::to_string(i) : f->params[i].name);
    std::string call = (f->helper_calls.empty() ? f->name : f->helper_calls) + "(" + text::join(args, ", ") + ")";
    s += "\n" + signature(*f) + "\n{\n\t" + (f->ret.kind == model::CType::Kind::Void ? "" : "return ") + call +
         ";\n}\n";
  }
  return s;
}

}  // namespace kgen::emit
