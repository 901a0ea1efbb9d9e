// The kernel's rule, checked on kgen's own output: every `unsafe` block and
// `unsafe impl` has a `// SAFETY:` comment right above its statement.
#pragma once
#include <string>
#include <vector>

namespace kgen::emit {

struct UnsafeAudit {
  unsigned blocks = 0;                 // unsafe blocks and impls found
  std::vector<unsigned> undocumented;  // 1-based lines without a SAFETY comment
};

UnsafeAudit audit_unsafe(const std::string& rust);

}  // namespace kgen::emit
