// The only header that includes libclang. Every CX handle that needs freeing
// is owned by an RAII type here; cursors are small copyable values.
#pragma once
#include <clang-c/Index.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/diag.hpp"

namespace kgen::clang {

// Takes ownership of a CXString.
std::string take(CXString s);

struct Cursor {
  CXCursor c;
  CXCursorKind kind() const { return clang_getCursorKind(c); }
  std::string spelling() const { return take(clang_getCursorSpelling(c)); }
  CXType type() const { return clang_getCursorType(c); }
  Location location() const;
  // Where the macro invocation that produced the cursor sits (for names made
  // by token pasting, whose spelling location has no file).
  Location expansion_location() const;
  // The file an InclusionDirective cursor names (empty if it was not found).
  std::string included_file() const;
  // The brace-balanced "{...}" right after the cursor's extent, from the
  // file's text: a definition's body when the parse skips function bodies.
  std::string body_text() const;
  std::string raw_comment() const { return take(clang_Cursor_getRawCommentText(c)); }
  bool is_definition() const { return clang_isCursorDefinition(c); }
  // Calls f for each direct child.
  void each_child(const std::function<void(Cursor)>& f) const;
  std::vector<std::string> tokens() const;  // token spellings of the cursor's extent
};

std::string type_spelling(CXType t);

class Index {
 public:
  Index();
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;
  CXIndex get() const { return idx_; }

 private:
  CXIndex idx_;
};

struct UnsavedFile {
  std::string name;
  std::string contents;
};

class TranslationUnit {
 public:
  // Parses `main_file` (which may be one of `unsaved`) with `args`.
  // Parse diagnostics are collected; a failure to create the TU throws.
  TranslationUnit(const Index& index, const std::string& main_file, const std::vector<std::string>& args,
                  const std::vector<UnsavedFile>& unsaved, unsigned options);
  ~TranslationUnit();
  TranslationUnit(const TranslationUnit&) = delete;
  TranslationUnit& operator=(const TranslationUnit&) = delete;

  Cursor root() const { return {clang_getTranslationUnitCursor(tu_)}; }
  CXTranslationUnit get() const { return tu_; }
  // Diagnostics of severity error or fatal, with locations.
  std::vector<Diagnostic> errors() const;
  // Every file the preprocessor entered (clang_getInclusions), as clang names them.
  std::vector<std::string> inclusions() const;

 private:
  CXTranslationUnit tu_ = nullptr;
};

}  // namespace kgen::clang
