// The `lower` pass: every decision the Rust rendering needs, made on the
// plan (receiver kinds, conversions, locks held, conventions, SAFETY
// reasons), so that emit only renders.
#pragma once
#include "passes/plan.hpp"
#include "support/diag.hpp"

namespace kgen::passes {

void lower(Plan& p, Diagnostics& d);

// Where a field path (the names of `parts`, under struct `r`) leads: through
// nested struct members and, as C does, through anonymous ones. Shared by
// the spec's `fields` (resolve-types) and callback `from` paths (lower).
struct FieldPath {
  const model::CField* field = nullptr;  // the last field; null on a miss
  std::string rust;                      // bindgen's access path (`__bindgen_anon_1.x`, `type_`)
  // On a miss: the part not found, and the struct it was looked up in (null
  // when the path went on past a field that is not a struct).
  std::string missing;
  const model::CRecord* missing_in = nullptr;
};
FieldPath resolve_field_path(const model::CModel& m, const model::CRecord& r, const std::vector<std::string>& parts);

// "its fields are: a, b", for a miss in `r`.
std::string fields_hint(const model::CRecord& r);

}  // namespace kgen::passes
