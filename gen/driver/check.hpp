// `kgen check`: parse a tree's headers (another kernel version, typically)
// and report how what a spec wraps differs from its lock file.
#pragma once
#include <string>
#include <vector>

#include "drift/check.hpp"

namespace kgen::driver {

struct CheckOptions {
  std::string spec_path;
  std::string kernel_dir;                // a prepared tree (Rust-configured or not)
  std::vector<std::string> extra_flags;  // used instead of the tree's flags when kernel_dir is empty
  std::string kernel_version = "unknown";
  std::string lock_path;  // empty: beside the spec
  // The lock section to compare with ("6.12"): what drifted since the spec
  // was generated for that series. Empty: the tree's own series, else the
  // newest older one.
  std::string against;
};

struct CheckResult {
  std::vector<drift::Drift> drifts;
  drift::Report report;
  int status = 0;  // 2 when a drift breaks the generated API, else 0 (errors throw: exit 1)
};

CheckResult check(const CheckOptions& opts);

}  // namespace kgen::driver
