#include "model/kerneldoc.hpp"

#include <cctype>

#include "support/text.hpp"

namespace kgen::model {

namespace {

// Strips comment syntax: "/**", "*/", and the leading " * " of each line.
std::vector<std::string> comment_lines(const std::string& raw) {
  std::vector<std::string> out;
  for (auto line : text::split_lines(raw)) {
    std::string l = text::trim(text::replace_all(line, "\t", " "));  // no tabs in rustdoc
    if (text::starts_with(l, "/**")) l = l.substr(3);
    else if (text::starts_with(l, "/*")) l = l.substr(2);
    if (text::ends_with(l, "*/")) l = l.substr(0, l.size() - 2);
    l = text::trim(l);
    if (text::starts_with(l, "*")) l = l.substr(1);
    out.push_back(text::trim(l));  // leading spaces would make Markdown code blocks
  }
  while (!out.empty() && out.front().empty()) out.erase(out.begin());
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

bool section_start(const std::string& l, const char* name, std::string& rest) {
  std::string lower = text::to_lower(l);
  std::string n = text::to_lower(name);
  for (const std::string& variant : {n + ":", n + "s:"}) {
    if (text::starts_with(lower, variant)) {
      rest = text::trim(l.substr(variant.size()));
      return true;
    }
  }
  return false;
}

}  // namespace

KernelDoc parse_kerneldoc(const std::string& raw) {
  KernelDoc d;
  if (text::trim(raw).rfind("/**", 0) != 0) return d;
  auto lines = comment_lines(raw);
  if (lines.empty()) return d;
  size_t i = 0;
  const std::string& first = lines[0];
  // "name() - summary", "name - summary", "struct name - summary", or "@member: text".
  if (!first.empty() && first[0] == '@') {
    auto colon = first.find(':');
    d.summary = text::trim(first.substr(colon == std::string::npos ? 1 : colon + 1));
    i = 1;
    // Continuation lines of a member description.
    for (; i < lines.size() && !lines[i].empty(); ++i) d.summary += " " + lines[i];
  } else if (auto dash = first.find(" - "); dash != std::string::npos) {
    std::string name = text::trim(first.substr(0, dash));
    for (const char* kw : {"struct ", "union ", "enum ", "typedef "})
      if (text::starts_with(name, kw)) name = name.substr(std::string(kw).size());
    if (text::ends_with(name, "()")) name = name.substr(0, name.size() - 2);
    d.name = name;
    d.summary = text::trim(first.substr(dash + 3));
    i = 1;
    for (; i < lines.size() && !lines[i].empty() && lines[i][0] != '@'; ++i) d.summary += " " + lines[i];
  }
  std::string* cur = nullptr;
  std::string para;
  auto flush = [&] {
    if (!para.empty()) d.body.push_back(para);
    para.clear();
  };
  for (; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    std::string rest;
    if (!l.empty() && l[0] == '@') {
      flush();
      auto colon = l.find(':');
      std::string pname = text::trim(l.substr(1, colon == std::string::npos ? std::string::npos : colon - 1));
      d.params.emplace_back(pname, colon == std::string::npos ? "" : text::trim(l.substr(colon + 1)));
      cur = &d.params.back().second;
      continue;
    }
    if (section_start(l, "Return", rest)) {
      flush();
      d.returns = rest;
      cur = &d.returns;
      continue;
    }
    if (section_start(l, "Context", rest)) {
      flush();
      d.context = rest;
      cur = &d.context;
      continue;
    }
    if (section_start(l, "Description", rest)) {
      flush();
      cur = nullptr;
      para = rest;
      continue;
    }
    if (l.empty()) {
      cur = nullptr;
      flush();
      continue;
    }
    if (cur) {
      *cur += (cur->empty() ? "" : " ") + l;
    } else {
      para += (para.empty() ? "" : " ") + l;
    }
  }
  flush();
  return d;
}

std::map<std::string, KernelDoc> scan_kerneldoc(const std::string& src) {
  std::map<std::string, KernelDoc> out;
  size_t pos = 0;
  while ((pos = src.find("/**", pos)) != std::string::npos) {
    size_t end = src.find("*/", pos + 3);
    if (end == std::string::npos) break;
    auto d = parse_kerneldoc(src.substr(pos, end + 2 - pos));
    if (!d.name.empty() && !out.count(d.name)) out.emplace(d.name, std::move(d));
    pos = end + 2;
  }
  return out;
}

std::string to_markdown(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool word_start = i == 0 || std::isspace(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '(';
    if ((c == '%' || c == '@') && word_start && i + 1 < s.size() &&
        (std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '_')) {
      size_t j = i + 1;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '-' ||
                              s[j] == '>' || s[j] == '.')) {
        if (s[j] == '-' && (j + 1 >= s.size() || s[j + 1] != '>')) break;
        if (s[j] == '.' && (j + 1 >= s.size() || !std::isalnum(static_cast<unsigned char>(s[j + 1])))) break;
        ++j;
      }
      out += "`" + s.substr(i + 1, j - i - 1) + "`";
      i = j - 1;
      continue;
    }
    if (c == '&' && word_start && s.compare(i + 1, 7, "struct ") == 0) continue;
    // What rustdoc would read as a link, an HTML tag, emphasis or a heading.
    bool tag_start = c == '<' && i + 1 < s.size() &&
                     (std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '/' || s[i + 1] == '!');
    if (c == '[' || c == ']' || tag_start || c == '*' || c == '#') out += '\\';
    out += c;
  }
  return out;
}

std::vector<std::string> rustdoc_paragraphs(const KernelDoc& d) {
  std::vector<std::string> out;
  if (!d.summary.empty()) {
    std::string s = to_markdown(d.summary);
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    if (!s.empty() && s.back() != '.' && s.back() != '?' && s.back() != '!') s += '.';
    out.push_back(s);
  }
  for (const auto& b : d.body) out.push_back(to_markdown(b));
  if (!d.returns.empty()) out.push_back("Returns " + to_markdown(d.returns));
  if (!d.context.empty()) out.push_back("Context: " + to_markdown(d.context));
  return out;
}

}  // namespace kgen::model
