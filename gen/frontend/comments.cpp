#include "frontend/comments.hpp"

#include <map>

#include "model/kerneldoc.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::frontend {

namespace {

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

bool blank_before(const std::string& l, size_t pos) {
  for (size_t i = 0; i < pos; ++i)
    if (l[i] != ' ' && l[i] != '\t') return false;
  return true;
}

// The first "/*" or "//" at or after `from` outside string and character literals.
size_t comment_start(const std::string& l, size_t from) {
  char quote = 0;
  for (size_t i = from; i < l.size(); ++i) {
    char c = l[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == '/' && i + 1 < l.size() && (l[i + 1] == '*' || l[i + 1] == '/')) return i;
  }
  return std::string::npos;
}

// Where the macro's name ends on its #define line ("#  define NAME(...)").
size_t after_name(const std::string& l) {
  size_t i = l.find("define");
  if (i == std::string::npos) return 0;
  i += 6;
  while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
  while (i < l.size() && text::is_ident_char(l[i])) ++i;
  return i;
}

std::string cleaned(const std::string& raw) {
  std::string t = model::strip_comment_markers(raw);
  if (text::starts_with(text::trim(t), "SPDX-License-Identifier")) return "";
  return t;
}

// 1. The comment after the value on the define's last line.
std::string trailing(const std::vector<std::string>& lines, size_t first, size_t last) {
  const std::string l = rtrim(lines[last]);
  size_t pos = comment_start(l, first == last ? after_name(l) : 0);
  if (pos == std::string::npos) return "";
  if (l.compare(pos, 2, "//") == 0) return cleaned(l.substr(pos));
  std::string raw;
  for (size_t k = last; k < lines.size(); ++k) {
    std::string cur = k == last ? l.substr(pos) : rtrim(lines[k]);
    size_t end = cur.find("*/", k == last ? 2 : 0);
    if (end == std::string::npos) {
      raw += cur + "\n";
      continue;
    }
    if (!text::trim(cur.substr(end + 2)).empty()) return "";  // code after the comment: not a trailing one
    raw += cur.substr(0, end + 2);
    return cleaned(raw);
  }
  return "";  // unterminated
}

// 2. The comment block ending on the line above.
std::string above(const std::vector<std::string>& lines, size_t first) {
  if (first == 0) return "";
  std::string prev = text::trim(lines[first - 1]);
  if (text::starts_with(prev, "//")) {
    size_t k = first;
    while (k > 0 && text::starts_with(text::trim(lines[k - 1]), "//")) --k;
    std::vector<std::string> block(lines.begin() + static_cast<long>(k), lines.begin() + static_cast<long>(first));
    return cleaned(text::join(block, "\n"));
  }
  if (!text::ends_with(prev, "*/")) return "";
  constexpr size_t kMaxLines = 400;
  for (size_t k = first; k-- > 0 && first - k <= kMaxLines;) {
    const std::string& l = lines[k];
    size_t open = l.find("/*");
    if (open == std::string::npos) continue;
    // The opener must start its line: "#define A 1 /* a */" documents A only.
    if (!blank_before(l, open)) return "";
    if (k + 1 < first && l.find("*/", open + 2) != std::string::npos) return "";  // an earlier, closed comment
    std::vector<std::string> block(lines.begin() + static_cast<long>(k), lines.begin() + static_cast<long>(first));
    for (auto& b : block) b = rtrim(b);
    return cleaned(text::join(block, "\n"));
  }
  return "";
}

}  // namespace

std::string define_comment(const std::vector<std::string>& lines, size_t line) {
  if (line == 0 || line > lines.size()) return "";
  size_t first = line - 1, last = first;
  while (last + 1 < lines.size() && text::ends_with(rtrim(lines[last]), "\\")) ++last;
  std::string t = trailing(lines, first, last);
  if (t.empty()) t = above(lines, first);
  return t;
}

void attach_define_comments(model::CModel& m, const std::filesystem::path& base) {
  std::map<std::string, std::vector<std::string>> files;
  auto comment_at = [&](const Location& loc) -> std::string {
    if (loc.file.empty() || loc.line == 0) return "";
    auto it = files.find(loc.file);
    if (it == files.end()) {
      std::filesystem::path p(loc.file);
      auto t = fs::read_file(p.is_absolute() ? p : base / p);
      it = files.emplace(loc.file, t ? text::split(*t, '\n') : std::vector<std::string>{}).first;
    }
    return define_comment(it->second, loc.line);
  };
  for (auto&& [name, mac] : m.macros) mac.doc = comment_at(mac.loc);
  // An enumerator is documented the same way ("/* read sectors */" above
  // REQ_OP_READ), unless libclang found a doc comment for it.
  for (auto&& [key, e] : m.enums)
    for (auto& k : e.constants)
      if (k.doc.empty()) k.doc = comment_at(k.loc);
}

}  // namespace kgen::frontend
