// Stage 4b: C helpers. A static inline function cannot be called from Rust,
// so each one the safe layer calls gets an exported `rust_helper_<name>`
// wrapper, in 6.12's layout: rust/helpers/<file>.c, included from helpers.c.
#pragma once
#include <string>

#include "passes/plan.hpp"

namespace kgen::emit {

std::string render_c_helpers(const passes::Plan& plan, const std::string& banner);

// Declarations of the helpers, for bindgen's input header.
std::string c_helper_prototypes(const passes::Plan& plan);

}  // namespace kgen::emit
