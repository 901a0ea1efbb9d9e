// The `lower` pass: every decision the Rust rendering needs, made on the
// plan (receiver kinds, conversions, locks held, conventions, SAFETY
// reasons), so that emit only renders.
#pragma once
#include "passes/plan.hpp"
#include "support/diag.hpp"

namespace kgen::passes {

void lower(Plan& p, Diagnostics& d);

}  // namespace kgen::passes
