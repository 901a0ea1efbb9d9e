// Diagnostics: every user-facing error carries a file:line:column, says what
// was expected and what to do. Errors are collected per stage and reported
// together (as cxx does), then the stage stops the pipeline.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace kgen {

struct Location {
  std::string file;
  unsigned line = 0;    // 1-based; 0 = unknown
  unsigned column = 0;  // 1-based; 0 = unknown
  std::string str() const;
  bool known() const { return !file.empty(); }
};

struct Diagnostic {
  enum class Level { Error, Warning, Note };
  Level level = Level::Error;
  Location loc;
  std::string message;  // what is wrong and what was expected
  std::string hint;     // what to do about it (may be empty)
  std::string str() const;
};

// Thrown when a stage has failed; what() holds every diagnostic of the stage.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Keeps at most error_limit() errors (as clang's -ferror-limit): any further
// error is only counted, and reported as "N more errors suppressed", so a
// file with a million mistakes costs neither a million lines nor their memory.
class Diagnostics {
 public:
  static constexpr size_t kDefaultErrorLimit = 20;
  // The limit new Diagnostics start with (0: no limit); for a CLI option.
  static void set_default_error_limit(size_t n);
  static size_t default_error_limit();

  void set_error_limit(size_t n) { error_limit_ = n; }  // 0: no limit
  size_t error_limit() const { return error_limit_; }
  // Errors counted but not kept, beyond the limit.
  size_t suppressed() const { return suppressed_; }
  // Every error, kept or suppressed.
  size_t error_count() const;

  void error(Location loc, std::string message, std::string hint = {});
  void warning(Location loc, std::string message, std::string hint = {});
  bool has_errors() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  // Throws Error with all collected errors if there are any (and the count
  // of suppressed ones); `stage` names the pipeline stage in the summary line.
  void throw_if_errors(const std::string& stage) const;
  std::string render() const;

 private:
  std::vector<Diagnostic> items_;
  size_t error_limit_ = default_error_limit();
  size_t kept_errors_ = 0;
  size_t suppressed_ = 0;
};

}  // namespace kgen
