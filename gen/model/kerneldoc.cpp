#include "model/kerneldoc.hpp"

#include <cctype>
#include <algorithm>
#include <optional>
#include <regex>
#include <set>

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

// ---- The structured parse: the fields rustdoc_lines reads. ----

std::string rtrim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::string expand_tabs(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '\t') {
      out += c;
      continue;
    }
    do out += ' ';
    while (out.size() % 8);
  }
  return out;
}

size_t indent_of(const std::string& l) {
  size_t i = 0;
  while (i < l.size() && l[i] == ' ') ++i;
  return i;
}

// Comment lines without "/**", "*/" and the " * " margin; further
// indentation is kept (tabs expanded) so that list continuations survive.
std::vector<std::string> marked_lines(const std::string& raw) {
  std::vector<std::string> out;
  auto lines = text::split_lines(raw);
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string t = rtrim(lines[n]);
    bool last = n + 1 == lines.size();
    if (last && text::ends_with(t, "*/")) t = rtrim(t.substr(0, t.size() - 2));
    size_t i = 0;
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
    std::string rest = t.substr(i);
    if (n == 0 && text::starts_with(rest, "/**")) rest = rest.substr(3);
    else if (n == 0 && text::starts_with(rest, "/*")) rest = rest.substr(2);
    else if (n == 0 && text::starts_with(rest, "//")) rest = rest.substr(2);
    else if (text::starts_with(rest, "*")) rest = rest.substr(1);
    else if (text::starts_with(rest, "//")) rest = rest.substr(2);
    if (!rest.empty() && rest[0] == ' ') rest = rest.substr(1);
    out.push_back(rtrim(expand_tabs(rest)));
  }
  while (!out.empty() && out.front().empty()) out.erase(out.begin());
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// "Return:", "returns:", "Context:", "Description:", "Note:", "Example:".
// Returns the lower-case section name ("" when the line starts none) and the
// text after the colon.
std::string section_of(const std::string& t, std::string& rest) {
  static const std::regex re(R"(^(returns?|context|description|notes?|examples?)\s*:(?!:)\s*(.*)$)",
                             std::regex::icase);
  std::smatch m;
  if (!std::regex_match(t, m, re)) return "";
  rest = m[2];
  std::string s = text::to_lower(m[1].str());
  if (s == "returns") s = "return";
  if (s == "notes") s = "note";
  if (s == "examples") s = "example";
  return s;
}

void parse_structured(const std::vector<std::string>& lines, KernelDoc& d) {
  size_t i = 0;
  while (i < lines.size() && text::trim(lines[i]).empty()) ++i;
  if (i == lines.size()) return;
  std::string first = text::trim(lines[i]);
  static const std::regex member_re(R"(^@([A-Za-z_][A-Za-z0-9_.]*)\s*:\s*(.*)$)");
  static const std::regex name_re(R"(^(?:(?:struct|union|enum|typedef)\s+)?([A-Za-z_][A-Za-z0-9_]*)(?:\(\))?\s+-+\s+(.*)$)");
  std::smatch m;
  bool has_header = false;
  if (std::regex_match(first, m, member_re)) {
    d.member = m[1];
    d.brief = text::trim(m[2].str());
    has_header = true;
  } else if (std::regex_match(first, m, name_re)) {
    d.brief = text::trim(m[2].str());
    has_header = true;
  }
  std::string rest;
  if (has_header) {
    for (++i; i < lines.size(); ++i) {
      std::string t = text::trim(lines[i]);
      if (t.empty() || t[0] == '@' || !section_of(t, rest).empty()) break;
      d.brief += (d.brief.empty() ? "" : " ") + t;
    }
  }
  enum class Cur { Desc, Arg, Return, Context } cur = Cur::Desc;
  static const std::regex arg_re(R"(^@([A-Za-z_][A-Za-z0-9_]*|\.\.\.)(\s*:\s*|\s+)(.*)$)");
  auto blank_desc = [&] {
    if (!d.description.empty() && !d.description.back().empty()) d.description.push_back("");
  };
  for (; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    std::string t = text::trim(l);
    if (t.empty()) {
      cur = Cur::Desc;
      blank_desc();
      continue;
    }
    // "@name: text"; "@name text" (a missing colon) only inside a run of arguments.
    if (t[0] == '@' && std::regex_match(t, m, arg_re) &&
        (m[2].str().find(':') != std::string::npos || cur == Cur::Arg)) {
      d.args.emplace_back(m[1].str(), text::trim(m[3].str()));
      cur = Cur::Arg;
      continue;
    }
    std::string sec = section_of(t, rest);
    if (sec == "return" || sec == "context") {
      cur = sec == "return" ? Cur::Return : Cur::Context;
      auto& v = sec == "return" ? d.return_lines : d.context_lines;
      if (!v.empty()) v.push_back("");
      if (!text::trim(rest).empty()) v.push_back(text::trim(rest));
      continue;
    }
    if (sec == "description") {
      cur = Cur::Desc;
      blank_desc();
      if (!text::trim(rest).empty()) d.description.push_back(text::trim(rest));
      continue;
    }
    if (!sec.empty()) {  // "Note: ..." stays a sentence of the description
      cur = Cur::Desc;
      blank_desc();
      d.description.push_back(t);
      continue;
    }
    switch (cur) {
      case Cur::Arg: d.args.back().second += (d.args.back().second.empty() ? "" : " ") + t; break;
      case Cur::Return: d.return_lines.push_back(l); break;
      case Cur::Context: d.context_lines.push_back(l); break;
      case Cur::Desc: d.description.push_back(l); break;
    }
  }
  while (!d.description.empty() && d.description.back().empty()) d.description.pop_back();
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
  parse_structured(marked_lines(raw), d);
  return d;
}

std::string strip_comment_markers(const std::string& raw) { return text::join(marked_lines(raw), "\n"); }

KernelDoc parse_comment_text(const std::string& text) {
  KernelDoc d;
  std::vector<std::string> lines;
  for (const auto& l : text::split_lines(text)) lines.push_back(rtrim(expand_tabs(l)));
  parse_structured(lines, d);
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


// ---- rustdoc_lines ----

namespace {

bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Whitespace runs become one space.
std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool sp = std::isspace(static_cast<unsigned char>(c));
    if (sp && (out.empty() || out.back() == ' ')) continue;
    out += sp ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string capitalize(std::string s) {
  if (!s.empty() && std::islower(static_cast<unsigned char>(s[0]))) s[0] = static_cast<char>(std::toupper(s[0]));
  return s;
}

bool ends_sentence(const std::string& s) {
  if (s.empty()) return true;
  char c = s.back();
  return c == '.' || c == '?' || c == '!' || c == ':';
}

std::string with_period(std::string s) {
  if (!ends_sentence(s)) s += '.';
  return s;
}

// Splits prose into sentences at ". ", "? " and "! " followed by something
// that starts a sentence, outside parentheses and after no abbreviation.
std::vector<std::string> sentences(const std::string& s) {
  static const std::set<std::string> abbrev = {"e.g", "i.e", "vs", "cf", "approx", "no", "mr", "dr", "fig"};
  std::vector<std::string> out;
  size_t start = 0;
  int depth = 0;
  bool code = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '`') code = !code;
    if (code) continue;
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (depth || (c != '.' && c != '?' && c != '!') || i + 2 >= s.size() || s[i + 1] != ' ') continue;
    char n = s[i + 2];
    if (!(is_upper(n) || is_digit(n) || n == '@' || n == '%' || n == '`' || n == '&' || n == '"')) continue;
    if (c == '.') {
      size_t w = i;
      while (w > start && s[w - 1] != ' ' && s[w - 1] != '(') --w;
      std::string word = text::to_lower(s.substr(w, i - w));
      if (abbrev.count(word) || (word.size() == 1 && std::isalpha(static_cast<unsigned char>(word[0])))) continue;
    }
    out.push_back(s.substr(start, i + 1 - start));
    start = i + 2;
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

// A paragraph or a list item of the rendered doc.
struct Block {
  bool item = false;
  std::string marker;  // "-" or "1." for items
  std::string text;    // one line; kernel-doc markup still in it until rendered
};

// "- x", "* x", "+ x", "1. x", "1) x", "(1) x", "#. x".
bool list_marker(const std::string& t, std::string& marker, std::string& rest) {
  static const std::regex re(R"(^([-*+]|\d{1,2}[.)]|\(\d{1,2}\)|#\.)\s+(\S.*)$)");
  std::smatch m;
  if (!std::regex_match(t, m, re)) return false;
  std::string k = m[1];
  if (k == "-" || k == "*" || k == "+") marker = "-";
  else if (k == "#.") marker = "1.";
  else {
    std::string digits;
    for (char c : k)
      if (is_digit(c)) digits += c;
    marker = digits + ".";
  }
  rest = m[2];
  return true;
}

// `value_items`: in a return section, "%false - no more data" lines (a value,
// a dash, its meaning) are list items too.
std::vector<Block> blocks_of(const std::vector<std::string>& lines, bool value_items = false) {
  static const std::regex value_item(R"(^%?-?[A-Za-z0-9_]+\s+-\s+\S.*$)");
  std::vector<Block> out;
  long cur = -1, last_item = -1;
  size_t item_indent = 0;
  bool blank = false;
  for (const auto& l : lines) {
    std::string t = text::trim(l);
    if (t.empty()) {
      last_item = cur >= 0 && out[static_cast<size_t>(cur)].item ? cur : -1;
      cur = -1;
      blank = true;
      continue;
    }
    std::string marker, rest;
    bool is_value = value_items && std::regex_match(t, value_item);
    if (is_value) {
      marker = "-";
      rest = t;
    }
    if (is_value || list_marker(t, marker, rest)) {
      out.push_back({true, marker, rest});
      cur = static_cast<long>(out.size()) - 1;
      item_indent = indent_of(l);
    } else if (cur >= 0) {  // continuation: indented or not (kernel-doc writes both)
      out[static_cast<size_t>(cur)].text += " " + t;
    } else if (blank && last_item >= 0 && indent_of(l) > item_indent) {  // an item's next paragraph
      out[static_cast<size_t>(last_item)].text += " " + t;
      cur = last_item;
    } else {
      out.push_back({false, "", t});
      cur = static_cast<long>(out.size()) - 1;
    }
    blank = false;
  }
  for (auto& b : out) b.text = squeeze(b.text);
  return out;
}

// Words of `s`; words that would start a Markdown list, heading, quote or
// setext underline at the start of a line stay with the word before them.
std::vector<std::string> wrap_units(const std::string& s) {
  static const std::regex risky(R"(^([-+*>|]|#.*|=+|-+|\d+[.)])$)");
  std::vector<std::string> units;
  for (const auto& w : text::split(s, ' ')) {
    if (w.empty()) continue;
    if (!units.empty() && std::regex_match(w, risky)) units.back() += " " + w;
    else units.push_back(w);
  }
  return units;
}

void wrap(const std::string& s, size_t width, const std::string& first, const std::string& cont,
          std::vector<std::string>& out) {
  std::string line = first;
  bool empty = true;
  for (const auto& u : wrap_units(s)) {
    if (!empty && line.size() + 1 + u.size() > width) {
      out.push_back(line);
      line = cont;
      empty = true;
    }
    line += (empty ? "" : " ") + u;
    empty = false;
  }
  if (!empty) out.push_back(line);
}

class Renderer {
 public:
  Renderer(const KernelDoc& d, const DocContext& ctx) : d_(d), ctx_(ctx) {}

  std::vector<Block> run() {
    std::vector<Block> out;
    // The summary: the brief's first sentence; its other sentences open the description.
    std::string brief = squeeze(d_.brief);
    std::vector<Block> desc = blocks_of(d_.description);
    if (!brief.empty() && resolve_ditto(brief)) {
      DocContext c = ctx_;
      c.previous = nullptr;
      out = Renderer(*ctx_.previous, c).run();
    } else if (brief.empty() && !desc.empty() && !desc[0].item) {  // a plain comment, or a dropped Ditto
      brief = desc[0].text;
      desc.erase(desc.begin());
    }
    if (!brief.empty()) {
      auto ss = sentences(brief);
      std::string summary = prose(ss[0], true);
      std::vector<std::string> more(ss.begin() + 1, ss.end());
      if (!summary.empty()) out.push_back({false, "", with_period(capitalize(summary))});
      if (!more.empty()) desc.insert(desc.begin(), Block{false, "", text::join(more, " ")});
    }
    for (const auto& b : desc) add(out, b, false);
    if (ctx_.list_arguments) arguments(out);
    std::vector<Block> ret;
    for (const auto& b : blocks_of(d_.return_lines, true)) add(ret, b, true);
    // A list of return values with no sentence before it gets a heading.
    if (!ret.empty() && ret[0].item) ret.insert(ret.begin(), {false, "", ctx_.returns_result ? "Errors:" : "Returns:"});
    out.insert(out.end(), ret.begin(), ret.end());
    std::string context = context_sentence();
    if (!context.empty()) out.push_back({false, "", context});
    return out;
  }

 private:
  // "Ditto." repeats the previous doc (true is returned, brief emptied);
  // "Ditto for exit/teardown." refers to it by name; without a previous doc
  // such a sentence says nothing and goes.
  bool resolve_ditto(std::string& brief) {
    static const std::regex re(R"(^(?:ditto|same as above|as above)\b[.,;:]?\s*(.*)$)", std::regex::icase);
    std::smatch m;
    if (!std::regex_match(brief, m, re)) return false;
    std::string rest = text::trim(m[1].str());
    brief.clear();
    if (!ctx_.previous) return false;
    if (rest.empty()) return true;
    std::string name = ctx_.previous_name;
    if (name.empty()) name = ctx_.previous->member.empty() ? ctx_.previous->name : ctx_.previous->member;
    if (name.empty()) return false;
    if (text::starts_with(text::to_lower(rest), "but ")) rest = rest.substr(4);
    brief = "Like `" + name + "`, but " + rest;
    return false;
  }

  void add(std::vector<Block>& out, const Block& b, bool in_return) {
    std::string t = b.text;
    if (in_return && !b.item) {
      t = return_paragraph(t);
    } else if (in_return && b.item) {
      t = return_item(t);
    } else {
      std::vector<std::string> kept;
      for (const auto& s : sentences(t)) {
        std::string p = starts_with_return(s) ? return_sentence(s) : prose(s, false);
        if (!p.empty()) kept.push_back(p);
      }
      t = text::join(kept, " ");
    }
    if (t.empty()) return;
    out.push_back({b.item, b.marker, b.item ? t : with_period(capitalize(t))});
  }

  void arguments(std::vector<Block>& out) {
    for (const auto& [c, text_] : d_.args) {
      if (c == ctx_.self_param || text_.empty()) continue;
      std::string rust = c;
      if (!ctx_.params.empty()) {
        auto it = ctx_.params.find(c);
        if (it == ctx_.params.end() || it->second.empty()) continue;
        rust = it->second;
      }
      std::string p = prose(text_, true);
      if (!p.empty()) out.push_back({true, "-", "`" + rust + "`: " + with_period(capitalize(p))});
    }
  }

  static bool starts_with_return(const std::string& s) {
    static const std::regex re(R"(^Returns?\b:?\s*(.*)$)");
    return std::regex_match(s, re);
  }

  // A sentence of the description that begins with "Return(s)".
  std::string return_sentence(const std::string& s) {
    static const std::regex re(R"(^Returns?\b:?\s*(.*)$)");
    std::smatch m;
    std::regex_match(s, m, re);
    return returns_clauses(m[1].str());
  }

  // The first paragraph of a "Return:" section.
  std::string return_paragraph(const std::string& p) {
    auto ss = sentences(p);
    std::vector<std::string> kept;
    for (size_t i = 0; i < ss.size(); ++i) {
      std::string r;
      if (i == 0 && !starts_with_return(ss[i])) {
        r = returns_clauses(ss[i]);
      } else {
        r = starts_with_return(ss[i]) ? return_sentence(ss[i]) : prose(ss[i], false);
      }
      if (!r.empty()) kept.push_back(r);
    }
    return text::join(kept, " ");
  }

  // "0 - OK", "%-EINVAL - bad argument": success items go away for a Result.
  std::string return_item(const std::string& t) {
    if (ctx_.drop_returns) return "";
    if (ctx_.returns_result && !ctx_.returns_value) {
      static const std::regex ok(R"(^%?(0|zero)\b\s*([-:]|$).*)", std::regex::icase);
      if (std::regex_match(t, ok)) return "";
    }
    return prose(t, false, ctx_.returns_option);
  }

  // The return prose `r` ("0 on success, < 0 on failure") as a sentence
  // beginning with "Returns", rewritten for a Result or an Option; "" when
  // the Rust return type says all of it.
  std::string returns_clauses(std::string r) {
    if (ctx_.drop_returns) return "";
    r = text::trim(text::replace_all(r, "a an ", "an "));  // "a an error code" is common
    while (!r.empty() && (r.back() == '.' || r.back() == ';')) r.pop_back();
    if (r.empty()) return "";
    if (!ctx_.returns_result && !ctx_.returns_option) return finish_returns(prose(r, false));
    struct Clause {
      std::string sep, body;
    };
    std::vector<Clause> cl;
    // Split at ", or ", ", and ", ", ", "; ", " or ", " and " outside parentheses;
    // a piece that does not start with a value belongs to the clause before it.
    static const std::vector<std::string> seps = {", or ", ", and ", "; ", ", ", " or ", " and "};
    int depth = 0;
    size_t start = 0;
    std::string sep;
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i] == '(') ++depth;
      if (r[i] == ')' && depth) --depth;
      if (depth) continue;
      for (const auto& s : seps) {
        if (r.compare(i, s.size(), s) != 0) continue;
        std::string body = r.substr(start, i - start);
        if (cl.empty() || starts_value(body)) cl.push_back({sep, body});
        else cl.back().body += sep + body;
        sep = s;
        start = i + s.size();
        i += s.size() - 1;
        break;
      }
    }
    std::string tail = r.substr(start);
    if (cl.empty() || starts_value(tail)) cl.push_back({sep, tail});
    else cl.back().body += sep + tail;

    std::vector<Clause> kept;
    bool dropped_generic = false, kept_error = false;
    for (const auto& c : cl) {
      std::string v, cond;
      split_condition(c.body, v, cond);
      std::string lv = text::to_lower(text::replace_all(v, "%", ""));
      std::string lc = text::to_lower(cond);
      bool zero = lv == "0" || lv == "zero";
      if (ctx_.returns_result && zero && (cond.empty() || success_condition(lc))) continue;
      if (ctx_.returns_result && zero && !ctx_.returns_value) {
        kept.push_back({c.sep, "`Ok(())` " + prose(cond, false)});
        continue;
      }
      if (ctx_.returns_result && generic_error(lv)) {
        if (cond.empty() || failure_condition(lc)) {
          dropped_generic = true;
        } else {
          kept.push_back({c.sep, "an error " + prose(cond, false)});
          kept_error = true;
        }
        continue;
      }
      static const std::regex errnos(R"(^-e[a-z0-9]+(\s+or\s+-e[a-z0-9]+)*$)");
      if (ctx_.returns_result && std::regex_match(lv, errnos)) {
        kept.push_back({c.sep, prose(c.body, false)});
        kept_error = true;
        continue;
      }
      if (ctx_.returns_option && (lv == "null" || lv == "a null pointer")) {
        kept.push_back({c.sep, "`None`" + (cond.empty() ? "" : " " + prose(cond, false, true))});
        continue;
      }
      kept.push_back({c.sep, prose(c.body, false, ctx_.returns_option)});
    }
    if (dropped_generic && kept_error) kept.push_back({kept.size() > 1 ? ", or " : " or ", "another error"});
    if (kept.empty()) return "";
    std::string out;
    for (size_t i = 0; i < kept.size(); ++i) out += (i ? kept[i].sep : "") + kept[i].body;
    return finish_returns(out);
  }

  static std::string finish_returns(std::string r) {
    if (r.empty()) return r;
    // "Pointer to ..." reads "Returns a pointer to ..."; keep names and code as written.
    if (text::starts_with(r, "pointer ")) r = "a " + r;
    if (r.size() > 1 && is_upper(r[0]) && !is_upper(r[1]) && r[1] != '_') r[0] = static_cast<char>(std::tolower(r[0]));
    return with_period("Returns " + r);
  }

  static bool starts_value(const std::string& body) {
    static const std::regex re(
        R"(^\s*([%<>\d-].*|((an?|the)\s+)?(negative|positive|error|errno|err_ptr|null|pointer|non-?zero|valid|value|zero|true|false)(\W.*)?)$)",
        std::regex::icase);
    return std::regex_match(body, re);
  }

  // "0 if yes" -> "0", "if yes".
  static void split_condition(const std::string& body, std::string& value, std::string& cond) {
    static const std::regex re(
        R"(^(.*?)\s+((on|if|when|upon|in case|for|otherwise|unless|after|once|where)\b.*)$)", std::regex::icase);
    std::smatch m;
    std::string b = text::trim(body);
    if (std::regex_match(b, m, re) && !m[1].str().empty()) {
      value = text::trim(m[1].str());
      cond = text::trim(m[2].str());
    } else {
      value = b;
      cond = "";
    }
  }

  static bool success_condition(const std::string& lc) {
    return lc.find("success") != std::string::npos || lc == "if ok" || lc == "on ok" || lc == "if no error" ||
           lc == "if all went well" || lc.find("succeed") != std::string::npos;
  }

  static bool failure_condition(const std::string& lc) {
    static const std::set<std::string> f = {"on failure",       "on error",        "on errors",     "on failures",
                                            "upon failure",     "upon error",      "otherwise",     "if it fails",
                                            "if failed",        "in case of error", "in case of failure",
                                            "in case of an error", "if an error occurred", "if an error occurs",
                                            "on any error",     "on other errors", "for failure",   "if not",
                                            "on fail",          "if unsuccessful", "on other failure"};
    return f.count(lc) > 0;
  }

  static bool generic_error(const std::string& lv) {
    static const std::regex re(
        R"(^(an?\s+)?(negative\s+)?(error|errno|error code|error value|error number|-?errno|negative|negative value|negative number|negative integer|value\s*<\s*0|<\s*0|err_ptr\(\)|err_ptr\(.*\)|err_ptr|an err_ptr|err_ptr-encoded error|error pointer|non-?zero|non-?zero value|non-?zero error code|negative errno code|negative error code|a an error code|an? an error code)$)",
        std::regex::icase);
    std::string v = text::trim(text::replace_all(lv, "a an ", "an "));
    return std::regex_match(v, re);
  }

  // "Context: Process context. May sleep." -> "Must be called from process
  // context. May sleep."
  std::string context_sentence() {
    std::string c = squeeze(text::join(d_.context_lines, " "));
    if (c.empty()) return "";
    std::vector<std::string> out;
    static const std::regex any(R"(^any\s+context\b[,.]?\s*(.*)$)", std::regex::icase);
    static const std::regex kind(R"(^([A-Za-z-]+(?:\s+[A-Za-z-]+)?)\s+context\b[,.]?\s*(.*)$)", std::regex::icase);
    std::smatch m;
    for (std::string s : sentences(c)) {
      std::string rest;
      if (std::regex_match(s, m, any)) {
        out.push_back("Can be called from any context.");
        rest = m[1];
      } else if (std::regex_match(s, m, kind) && text::to_lower(m[1].str()).find(' ') == std::string::npos) {
        out.push_back("Must be called from " + text::to_lower(m[1].str()) + " context.");
        rest = m[2];
      } else {
        rest = s;
      }
      rest = text::trim(rest);
      if (!rest.empty()) {
        std::string p = prose(rest, false);
        if (!p.empty()) out.push_back(with_period(capitalize(p)));
      }
    }
    return text::join(out, " ");
  }

  // Whether the raw sentence mentions a parameter the Rust signature drops.
  bool mentions_dropped(const std::string& s) const {
    for (const auto& [c, rust] : ctx_.params) {
      if (!rust.empty() || c == ctx_.self_param) continue;
      for (size_t p = s.find("@" + c); p != std::string::npos; p = s.find("@" + c, p + 1)) {
        size_t e = p + 1 + c.size();
        if (e >= s.size() || !text::is_ident_char(s[e])) return true;
      }
    }
    return false;
  }

  bool mentions_optional(const std::string& s) const {
    for (const auto& o : ctx_.optional_params)
      if (text::has_word(s, o)) return true;
    return false;
  }

  // One sentence or clause of kernel-doc prose as Markdown, or "" when it
  // mentions a dropped parameter (unless `keep`, for the summary).
  std::string prose(const std::string& raw, bool keep, bool none = false) const {
    if (!keep && mentions_dropped(raw)) return "";
    return inline_markdown(raw, none || mentions_optional(raw));
  }

  std::string param(const std::string& name) const {
    std::string root = name.substr(0, std::min(name.find("->"), name.find('.')));
    if (!ctx_.self_param.empty() && name == ctx_.self_param) return ctx_.self_text;
    if (auto it = ctx_.params.find(name); it != ctx_.params.end() && !it->second.empty())
      return "`" + it->second + "`";
    if (root != name)
      if (auto it = ctx_.params.find(root); it != ctx_.params.end() && !it->second.empty() && root != ctx_.self_param)
        return "`" + it->second + name.substr(root.size()) + "`";
    return "`" + name + "`";
  }

  std::string errno_code(const std::string& e) const {  // "-EINVAL"
    return ctx_.returns_result ? "`" + e.substr(1) + "`" : "`" + e + "`";
  }

  // kernel-doc and RST markup to rustdoc Markdown, outside code spans.
  std::string inline_markdown(const std::string& raw, bool none) const {
    std::string s = text::replace_all(squeeze(raw), "``", "`");
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      size_t b = s.find('`', i);
      size_t e = b == std::string::npos ? std::string::npos : s.find('`', b + 1);
      if (b == std::string::npos || e == std::string::npos) {
        out += words(s.substr(i), none);
        break;
      }
      out += words(s.substr(i, b - i), none) + s.substr(b, e + 1 - b);
      i = e + 1;
    }
    return out;
  }

  std::string words(const std::string& s, bool none) const {
    auto toks = text::split(s, ' ');
    std::string out;
    for (size_t k = 0; k < toks.size(); ++k) {
      if (k) out += ' ';
      const std::string& t = toks[k];
      if ((t == "&struct" || t == "&union" || t == "&enum" || t == "&typedef") && k + 1 < toks.size()) {
        std::string lead, core, trail;
        split_token(toks[k + 1], lead, core, trail);
        if (text::is_identifier(core)) {
          out += (t == "&typedef" ? "`" : "`" + t.substr(1) + " ") + core + "`" + trail;
          ++k;
          continue;
        }
      }
      out += token(t, none);
    }
    return out;
  }

  static void split_token(const std::string& t, std::string& lead, std::string& core, std::string& trail) {
    size_t b = 0, e = t.size();
    while (b < e && (t[b] == '(' || t[b] == '"' || t[b] == '\'')) ++b;
    auto opens = [&](size_t from, size_t to) { return std::count(t.begin() + from, t.begin() + to, '('); };
    auto closes = [&](size_t from, size_t to) { return std::count(t.begin() + from, t.begin() + to, ')'); };
    while (e > b) {
      char c = t[e - 1];
      if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '"' || c == '\'') --e;
      else if (c == ')' && closes(b, e) > opens(b, e)) --e;
      else break;
    }
    lead = t.substr(0, b);
    core = t.substr(b, e - b);
    trail = t.substr(e);
  }

  std::string token(const std::string& t, bool none) const {
    // "a->b", "a.b" (not "e.g" or "i.e": a dotted path has no one-letter end).
    static const std::regex path(
        R"(^([A-Za-z_][A-Za-z0-9_]*(->[A-Za-z_][A-Za-z0-9_]*)+|[A-Za-z_][A-Za-z0-9_]+(\.[A-Za-z_][A-Za-z0-9_]*)*\.[A-Za-z_][A-Za-z0-9_]+)$)");
    static const std::regex call(R"(^(->)?[A-Za-z_][A-Za-z0-9_]*((->|\.)[A-Za-z_][A-Za-z0-9_]*)*\(\)$)");
    // "->op", "phy_device::dev_flags"
    static const std::regex member_op(R"(^(->[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)+)$)");
    static const std::regex errno_re(R"(^-E[A-Z0-9]+$)");
    static const std::regex param_re(R"(^\*?@([A-Za-z_][A-Za-z0-9_]*((->|\.)[A-Za-z_][A-Za-z0-9_]*)*)$)");
    static const std::regex const_re(R"(^%(-?[A-Za-z0-9_]+)$)");
    std::string lead, core, trail;
    split_token(t, lead, core, trail);
    std::string nullw = none ? "`None`" : "`NULL`";
    std::smatch m;
    std::string r;
    if (core.find("://") != std::string::npos) {
      r = "<" + core + ">";
    } else if (std::regex_match(core, m, param_re)) {
      r = param(m[1]);
      if (core[0] == '*') r = r.front() == '`' ? "`*" + r.substr(1) : "*" + r;
    } else if (std::regex_match(core, m, const_re)) {
      std::string c = m[1];
      if (c == "NULL") r = nullw;
      else if (c[0] == '-' && c.size() > 1 && c[1] == 'E') r = errno_code(c);
      else r = "`" + c + "`";
    } else if (core.size() > 1 && core[0] == '&' &&
               (std::regex_match(core.substr(1), path) || text::is_identifier(core.substr(1)))) {
      r = "`" + core.substr(1) + "`";
    } else if (core == "NULL") {
      r = nullw;
    } else if (std::regex_match(core, errno_re)) {
      r = errno_code(core);
    } else if (std::regex_match(core, call) || std::regex_match(core, member_op) ||
               std::regex_match(core, path) ||
               (text::is_identifier(core) && core.find('_') != std::string::npos &&
                std::any_of(core.begin(), core.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))) {
      auto it = ctx_.params.find(core);
      r = it != ctx_.params.end() && !it->second.empty() ? "`" + it->second + "`" : "`" + core + "`";
    } else {
      return escape(t);
    }
    return escape(lead) + r + escape(trail);
  }

  // What rustdoc would read as a link, an HTML tag, emphasis or a heading.
  static std::string escape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      bool tag = c == '<' && i + 1 < s.size() &&
                 (std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '/' || s[i + 1] == '!');
      if (c == '[' || c == ']' || tag || c == '*' || c == '#' || c == '`') out += '\\';
      out += c;
    }
    return out;
  }

  const KernelDoc& d_;
  const DocContext& ctx_;
};

}  // namespace

std::vector<std::string> rustdoc_lines(const KernelDoc& d, const DocContext& ctx, size_t width) {
  std::vector<Block> blocks = Renderer(d, ctx).run();
  std::vector<std::string> out;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    // A blank line between paragraphs, and around a list; none between items.
    if (i && !(b.item && blocks[i - 1].item)) out.push_back("");
    if (b.item) wrap(b.text, width, b.marker + " ", std::string(b.marker.size() + 1, ' '), out);
    else wrap(b.text, width, "", "", out);
  }
  return out;
}

}  // namespace kgen::model
