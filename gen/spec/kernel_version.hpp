// Kernel versions, and the version ranges a spec item is conditioned on
// (`kernel: ">= 7.3"`): one spec serves several kernels, and kgen picks the
// items of the configured tree's version (spec::load_string).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kgen::spec {

struct KernelVersion {
  int major = 0, minor = 0;
  int patch = -1;  // -1: not given ("7.3")

  // "6.12.117", "7.3.4-amd64", "7.3", "6.12.0-rc1": the leading numbers;
  // nullopt for anything else.
  static std::optional<KernelVersion> parse(std::string_view s);
  std::string str() const;      // "6.12.117" or "7.3"
  std::string series() const;   // "6.12"
  bool same_series(const KernelVersion& o) const { return major == o.major && minor == o.minor; }
  // -1, 0 or 1 as this version compares with `o`, to `o`'s precision: the
  // patch level counts only when `o` has one (a missing one here is 0).
  int compare(const KernelVersion& o) const;
};

// A comparison of a version with a bound. A bound without a patch level
// compares the major and minor numbers only: "< 7.3" is false for 7.3.4,
// "= 7.3" is true for every 7.3.x.
struct VersionBound {
  enum class Op { Lt, Le, Gt, Ge, Eq };
  Op op = Op::Ge;
  KernelVersion v;
  bool admits(const KernelVersion& x) const;
};

// `">= 6.13, < 7.3"`: every bound must admit the version.
struct VersionRange {
  std::vector<VersionBound> bounds;
  std::string text;  // as written
  bool admits(const KernelVersion& x) const;
};

// Parses a range; on a mistake, nullopt and `error` says what was expected.
std::optional<VersionRange> parse_range(std::string_view s, std::string& error);

}  // namespace kgen::spec
