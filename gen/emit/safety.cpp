#include "emit/safety.hpp"

#include <regex>

#include "support/text.hpp"

namespace kgen::emit {

UnsafeAudit audit_unsafe(const std::string& rust) {
  UnsafeAudit a;
  auto lines = text::split_lines(rust);
  static const std::regex block(R"((^|[^A-Za-z0-9_])unsafe (\{|impl\b))");
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string code = lines[i].substr(0, lines[i].find("//"));
    if (!std::regex_search(code, block)) continue;
    ++a.blocks;
    bool ok = false;
    for (size_t j = i; j-- > 0;) {
      std::string l = text::trim(lines[j]);
      if (text::starts_with(l, "//")) {
        if (l.find("SAFETY:") != std::string::npos) {
          ok = true;
          break;
        }
        continue;
      }
      if (text::starts_with(l, "#[")) continue;  // attributes between comment and item
      // A line of the same statement, split by rustfmt.
      if (l.empty() || text::ends_with(l, ";") || text::ends_with(l, "{") || text::ends_with(l, "}") ||
          text::ends_with(l, ","))
        break;
    }
    if (!ok) a.undocumented.push_back(static_cast<unsigned>(i + 1));
  }
  return a;
}

}  // namespace kgen::emit
