#include "support/diag.hpp"

namespace kgen {

std::string Location::str() const {
  if (file.empty()) return "<unknown>";
  std::string s = file;
  if (line) {
    s += ":" + std::to_string(line);
    if (column) s += ":" + std::to_string(column);
  }
  return s;
}

std::string Diagnostic::str() const {
  const char* lvl = level == Level::Error ? "error" : level == Level::Warning ? "warning" : "note";
  std::string s = loc.str() + ": " + lvl + ": " + message;
  if (!hint.empty()) s += "\n  hint: " + hint;
  return s;
}

void Diagnostics::error(Location loc, std::string message, std::string hint) {
  items_.push_back({Diagnostic::Level::Error, std::move(loc), std::move(message), std::move(hint)});
}

void Diagnostics::warning(Location loc, std::string message, std::string hint) {
  items_.push_back({Diagnostic::Level::Warning, std::move(loc), std::move(message), std::move(hint)});
}

bool Diagnostics::has_errors() const {
  for (const auto& d : items_)
    if (d.level == Diagnostic::Level::Error) return true;
  return false;
}

std::string Diagnostics::render() const {
  std::string s;
  for (const auto& d : items_) s += d.str() + "\n";
  return s;
}

void Diagnostics::throw_if_errors(const std::string& stage) const {
  if (!has_errors()) return;
  size_t n = 0;
  std::string s;
  for (const auto& d : items_) {
    if (d.level != Diagnostic::Level::Error) continue;
    ++n;
    s += d.str() + "\n";
  }
  s += std::to_string(n) + (n == 1 ? " error" : " errors") + " in stage '" + stage + "'";
  throw Error(s);
}

}  // namespace kgen
