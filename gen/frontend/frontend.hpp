// Stage 1: parse headers with libclang into the C model.
#pragma once
#include <string>
#include <vector>

#include "model/cmodel.hpp"
#include "support/diag.hpp"

namespace kgen::frontend {

struct ParseOptions {
  std::vector<std::string> headers;  // as written in #include <...>, or absolute paths
  std::vector<std::string> flags;    // compile flags (the tree's own, for a kernel)
  std::string working_dir;           // relative paths in flags are relative to this
  std::vector<std::string> record_uses_of;  // macros whose invocations go to CModel::macro_uses
  bool record_inline_calls = false;  // fill CFunction::calls for static inline definitions
};

// Parses the headers. A header that does not parse is an error with its
// location: every parse error is reported and Error is thrown. With
// `tolerated`, parse errors are appended there instead and the model holds
// whatever did parse (`kgen infer --all`, over headers that were never meant
// to be included together).
model::CModel parse(const ParseOptions& opts, std::vector<Diagnostic>* tolerated = nullptr);

// Evaluates the object-like macros `names` as integer constant expressions:
// from their tokens where model/macro_eval.hpp can (literals, casts,
// operators), the rest in a second parse (BIT(3), sizeof, enumerators, ...),
// which is only made when some are left; `libclang_only` sends all of them
// to the parse (tests compare the two). Macros that are not integer
// constants keep value == nullopt.
void evaluate_macros(model::CModel& m, const ParseOptions& opts, const std::vector<std::string>& names,
                     bool libclang_only = false);

// Exposed for tests: the text of the synthetic main file.
std::string input_file_text(const ParseOptions& opts);

}  // namespace kgen::frontend
