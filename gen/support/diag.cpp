#include "support/diag.hpp"

#include <atomic>

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

namespace {
std::atomic<size_t> g_default_error_limit{Diagnostics::kDefaultErrorLimit};

std::string suppressed_line(size_t n, size_t limit) {
  return "error: " + std::to_string(n) + (n == 1 ? " more error" : " more errors") +
         " suppressed (kgen shows the first " + std::to_string(limit) + "; fix those and run again)";
}
}  // namespace

void Diagnostics::set_default_error_limit(size_t n) { g_default_error_limit = n; }
size_t Diagnostics::default_error_limit() { return g_default_error_limit; }

size_t Diagnostics::error_count() const { return kept_errors_ + suppressed_; }

void Diagnostics::error(Location loc, std::string message, std::string hint) {
  if (error_limit_ && kept_errors_ >= error_limit_) {
    ++suppressed_;
    return;
  }
  items_.push_back({Diagnostic::Level::Error, std::move(loc), std::move(message), std::move(hint)});
  ++kept_errors_;
}

void Diagnostics::warning(Location loc, std::string message, std::string hint) {
  items_.push_back({Diagnostic::Level::Warning, std::move(loc), std::move(message), std::move(hint)});
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::string Diagnostics::render() const {
  std::string s;
  for (const auto& d : items_) s += d.str() + "\n";
  if (suppressed_) s += suppressed_line(suppressed_, error_limit_) + "\n";
  return s;
}

void Diagnostics::throw_if_errors(const std::string& stage) const {
  if (!has_errors()) return;
  std::string s;
  for (const auto& d : items_)
    if (d.level == Diagnostic::Level::Error) s += d.str() + "\n";
  if (suppressed_) s += suppressed_line(suppressed_, error_limit_) + "\n";
  size_t n = error_count();
  s += std::to_string(n) + (n == 1 ? " error" : " errors") + " in stage '" + stage + "'";
  throw Error(s);
}

}  // namespace kgen
