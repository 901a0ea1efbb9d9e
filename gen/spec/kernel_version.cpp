#include "spec/kernel_version.hpp"

#include <cctype>
#include <tuple>

#include "support/text.hpp"

namespace kgen::spec {

namespace {

// Reads a decimal number at `s[i]` (at most 5 digits); -1 if there is none.
int number(std::string_view s, size_t& i) {
  size_t start = i;
  int v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 5) v = v * 10 + (s[i++] - '0');
  if (i == start || (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))) return -1;
  return v;
}

}  // namespace

std::optional<KernelVersion> KernelVersion::parse(std::string_view s) {
  KernelVersion v;
  size_t i = 0;
  v.major = number(s, i);
  if (v.major < 0 || i >= s.size() || s[i] != '.') return std::nullopt;
  ++i;
  v.minor = number(s, i);
  if (v.minor < 0) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    ++i;
    v.patch = number(s, i);
    if (v.patch < 0) return std::nullopt;
  }
  // What follows a release's numbers: a local version or a suffix (-rc1, -amd64, +).
  if (i < s.size() && s[i] != '-' && s[i] != '+' && s[i] != '~') return std::nullopt;
  return v;
}

std::string KernelVersion::str() const {
  return series() + (patch >= 0 ? "." + std::to_string(patch) : "");
}

std::string KernelVersion::series() const { return std::to_string(major) + "." + std::to_string(minor); }

int KernelVersion::compare(const KernelVersion& o) const {
  if (std::tie(major, minor) != std::tie(o.major, o.minor)) return std::tie(major, minor) < std::tie(o.major, o.minor) ? -1 : 1;
  if (o.patch < 0) return 0;
  int p = patch < 0 ? 0 : patch;
  return p < o.patch ? -1 : p > o.patch ? 1 : 0;
}

bool VersionBound::admits(const KernelVersion& x) const {
  int c = x.compare(v);
  switch (op) {
    case Op::Lt: return c < 0;
    case Op::Le: return c <= 0;
    case Op::Gt: return c > 0;
    case Op::Ge: return c >= 0;
    case Op::Eq: return c == 0;
  }
  return false;
}

bool VersionRange::admits(const KernelVersion& x) const {
  for (const auto& b : bounds)
    if (!b.admits(x)) return false;
  return true;
}

std::optional<VersionRange> parse_range(std::string_view s, std::string& error) {
  VersionRange r;
  r.text = text::trim(s);
  for (const std::string& part : text::split(s, ',')) {
    std::string p = text::trim(part);
    VersionBound b;
    size_t n = 0;
    if (text::starts_with(p, ">=")) b.op = VersionBound::Op::Ge, n = 2;
    else if (text::starts_with(p, "<=")) b.op = VersionBound::Op::Le, n = 2;
    else if (text::starts_with(p, "==")) b.op = VersionBound::Op::Eq, n = 2;
    else if (text::starts_with(p, ">")) b.op = VersionBound::Op::Gt, n = 1;
    else if (text::starts_with(p, "<")) b.op = VersionBound::Op::Lt, n = 1;
    else if (text::starts_with(p, "=")) b.op = VersionBound::Op::Eq, n = 1;
    else {
      error = "a version range is comparisons like \">= 7.3\" or \">= 6.13, < 7.3\", not '" + r.text + "'";
      return std::nullopt;
    }
    std::string ver = text::trim(std::string_view(p).substr(n));
    auto v = KernelVersion::parse(ver);
    if (!v || ver.find_first_not_of("0123456789.") != std::string::npos) {
      error = "'" + ver + "' in '" + r.text + "' is not a kernel version (MAJOR.MINOR or MAJOR.MINOR.PATCH)";
      return std::nullopt;
    }
    b.v = *v;
    r.bounds.push_back(b);
  }
  if (r.bounds.empty()) {
    error = "the version range is empty";
    return std::nullopt;
  }
  return r;
}

}  // namespace kgen::spec
