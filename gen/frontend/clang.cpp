#include "frontend/clang.hpp"

namespace kgen::clang {

std::string take(CXString s) {
  const char* p = clang_getCString(s);
  std::string out = p ? p : "";
  clang_disposeString(s);
  return out;
}

Location Cursor::location() const {
  CXSourceLocation loc = clang_getCursorLocation(c);
  CXFile file;
  unsigned line = 0, col = 0;
  clang_getSpellingLocation(loc, &file, &line, &col, nullptr);
  Location l;
  if (file) l.file = take(clang_getFileName(file));
  l.line = line;
  l.column = col;
  return l;
}

Location Cursor::expansion_location() const {
  CXFile file;
  unsigned line = 0, col = 0;
  clang_getExpansionLocation(clang_getCursorLocation(c), &file, &line, &col, nullptr);
  Location l;
  if (file) l.file = take(clang_getFileName(file));
  l.line = line;
  l.column = col;
  return l;
}

std::string Cursor::included_file() const {
  CXFile f = clang_getIncludedFile(c);
  return f ? take(clang_getFileName(f)) : std::string();
}

std::string Cursor::body_text() const {
  CXSourceRange r = clang_getCursorExtent(c);
  CXFile file;
  unsigned offset = 0;
  clang_getSpellingLocation(clang_getRangeEnd(r), &file, nullptr, nullptr, &offset);
  if (!file) return "";
  size_t size = 0;
  const char* buf = clang_getFileContents(clang_Cursor_getTranslationUnit(c), file, &size);
  if (!buf) return "";
  std::string_view t(buf, size);
  size_t i = offset;
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  if (i >= t.size() || t[i] != '{') return "";
  size_t start = i;
  int depth = 0;
  for (; i < t.size(); ++i) {
    char ch = t[i];
    if (ch == '/' && i + 1 < t.size() && t[i + 1] == '*') {  // comments and literals hold no braces
      auto e = t.find("*/", i + 2);
      i = e == std::string_view::npos ? t.size() : e + 1;
    } else if (ch == '/' && i + 1 < t.size() && t[i + 1] == '/') {
      i = t.find('\n', i);
      if (i == std::string_view::npos) break;
    } else if (ch == '"' || ch == '\'') {
      for (++i; i < t.size() && t[i] != ch; ++i)
        if (t[i] == '\\') ++i;
    } else if (ch == '{') {
      ++depth;
    } else if (ch == '}' && --depth == 0) {
      return std::string(t.substr(start, i + 1 - start));
    }
  }
  return "";
}

void Cursor::each_child(const std::function<void(Cursor)>& f) const {
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData data) {
        (*static_cast<const std::function<void(Cursor)>*>(data))(Cursor{child});
        return CXChildVisit_Continue;
      },
      const_cast<std::function<void(Cursor)>*>(&f));
}

namespace {
// Owns a token array.
class Tokens {
 public:
  Tokens(CXTranslationUnit tu, CXSourceRange range) : tu_(tu) { clang_tokenize(tu, range, &toks_, &n_); }
  ~Tokens() {
    if (toks_) clang_disposeTokens(tu_, toks_, n_);
  }
  Tokens(const Tokens&) = delete;
  Tokens& operator=(const Tokens&) = delete;
  unsigned size() const { return n_; }
  std::string spelling(unsigned i) const { return take(clang_getTokenSpelling(tu_, toks_[i])); }

 private:
  CXTranslationUnit tu_;
  CXToken* toks_ = nullptr;
  unsigned n_ = 0;
};
}  // namespace

std::vector<std::string> Cursor::tokens() const {
  Tokens t(clang_Cursor_getTranslationUnit(c), clang_getCursorExtent(c));
  std::vector<std::string> out;
  out.reserve(t.size());
  for (unsigned i = 0; i < t.size(); ++i) out.push_back(t.spelling(i));
  return out;
}

std::string type_spelling(CXType t) { return take(clang_getTypeSpelling(t)); }

Index::Index() : idx_(clang_createIndex(/*excludeDeclarationsFromPCH=*/0, /*displayDiagnostics=*/0)) {}
Index::~Index() { clang_disposeIndex(idx_); }

TranslationUnit::TranslationUnit(const Index& index, const std::string& main_file,
                                 const std::vector<std::string>& args, const std::vector<UnsavedFile>& unsaved,
                                 unsigned options) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  std::vector<CXUnsavedFile> files;
  for (const auto& u : unsaved)
    files.push_back({u.name.c_str(), u.contents.c_str(), static_cast<unsigned long>(u.contents.size())});
  CXErrorCode rc = clang_parseTranslationUnit2(index.get(), main_file.c_str(), argv.data(),
                                               static_cast<int>(argv.size()), files.data(),
                                               static_cast<unsigned>(files.size()), options, &tu_);
  if (rc != CXError_Success || !tu_)
    throw Error(main_file + ": error: libclang could not create a translation unit (code " +
                std::to_string(static_cast<int>(rc)) +
                ")\n  hint: check the compile flags; run with --verbose to see them");
}

TranslationUnit::~TranslationUnit() {
  if (tu_) clang_disposeTranslationUnit(tu_);
}

std::vector<Diagnostic> TranslationUnit::errors() const {
  std::vector<Diagnostic> out;
  unsigned n = clang_getNumDiagnostics(tu_);
  for (unsigned i = 0; i < n; ++i) {
    CXDiagnostic d = clang_getDiagnostic(tu_, i);
    CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);
    if (sev >= CXDiagnostic_Error) {
      CXFile file;
      unsigned line = 0, col = 0;
      clang_getSpellingLocation(clang_getDiagnosticLocation(d), &file, &line, &col, nullptr);
      Diagnostic diag;
      diag.loc.file = file ? take(clang_getFileName(file)) : "";
      diag.loc.line = line;
      diag.loc.column = col;
      diag.message = take(clang_getDiagnosticSpelling(d));
      out.push_back(std::move(diag));
    }
    clang_disposeDiagnostic(d);
  }
  return out;
}

std::vector<std::string> TranslationUnit::inclusions() const {
  std::vector<std::string> out;
  clang_getInclusions(
      tu_,
      [](CXFile f, CXSourceLocation*, unsigned, CXClientData data) {
        static_cast<std::vector<std::string>*>(data)->push_back(take(clang_getFileName(f)));
      },
      &out);
  return out;
}

}  // namespace kgen::clang
