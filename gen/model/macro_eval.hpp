// Integer constant macros evaluated from their tokens, as C does on x86-64,
// without a parse: literals with their C types, other object-like macros,
// casts to integer typedefs and builtin types, and the unary, binary and
// conditional operators. Anything else (a function-like macro such as
// BIT(3), sizeof, an enumerator, a shift past the width, signed overflow,
// division by zero) is not evaluated here: the caller asks libclang
// (frontend::evaluate_macros), which knows the whole language.
#pragma once
#include <optional>
#include <string>

#include "model/cmodel.hpp"

namespace kgen::model {

// The value and type of macro `name`, or nullopt when it is not an
// integer constant expression this evaluator knows.
std::optional<MacroValue> evaluate_macro(const CModel& m, const std::string& name);

}  // namespace kgen::model
