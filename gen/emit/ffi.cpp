#include "emit/ffi.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "support/diag.hpp"
#include "support/fs.hpp"
#include "support/process.hpp"
#include "support/text.hpp"

namespace kgen::emit {

std::set<std::string> bindings_used(const std::string& rust) {
  std::set<std::string> out;
  static const std::regex re(R"(\bbindings::([A-Za-z_][A-Za-z0-9_]*))");
  for (auto it = std::sregex_iterator(rust.begin(), rust.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

std::string rename_helpers(const std::string& rust) {
  static const std::regex re(R"(pub fn rust_helper_([A-Za-z0-9_]*))");
  return std::regex_replace(rust, re, "#[link_name = \"rust_helper_$1\"]\n    pub fn $1");
}

std::string run_bindgen(const BindgenRun& r, const model::CModel& m) {
  namespace stdfs = std::filesystem;
  // A locked scratch directory, removed when done; one a killed run left is
  // removed by the next run (fs::recover).
  fs::ScratchDir scratch(r.tmp_base.empty() ? stdfs::temp_directory_path() : stdfs::path(r.tmp_base));
  const stdfs::path& dir = scratch.path();
  stdfs::path input = dir / "kgen_bindings_input.h";
  stdfs::path output = dir / "bindings.rs";
  fs::write_if_changed(input, r.input_header_text);  // a transaction of its own, inside the scratch directory

  std::vector<std::string> argv = text::split(r.program, ' ');
  argv.push_back(input.string());
  for (const auto& o : r.tree_options) argv.push_back(o);
  for (const auto& n : r.used) {
    if (r.helpers.count(n)) {
      argv.insert(argv.end(), {"--allowlist-function", "rust_helper_" + n});
    } else if (m.functions.count(n)) {
      argv.insert(argv.end(), {"--allowlist-function", n});
    } else if (m.macros.count(n)) {
      argv.insert(argv.end(), {"--allowlist-var", n});
    } else {
      argv.insert(argv.end(), {"--allowlist-item", n});
    }
  }
  // Enum constants are spelled <enum>_<CONST>; allowlisting the enum brings them.
  for (const auto& [c, e] : m.enum_of_constant) {
    const auto& en = m.enums.at(e);
    std::string n = en.tag.empty() ? en.typedef_name : en.tag;
    if (!n.empty() && r.used.count(n + "_" + c)) argv.insert(argv.end(), {"--allowlist-type", n});
  }
  // The tree's own options already say how the kernel runs bindgen; without a
  // tree (tests), use the same core ones.
  if (r.tree_options.empty())
    argv.insert(argv.end(), {"--use-core", "--with-derive-default", "--ctypes-prefix", "ffi", "--no-layout-tests",
                             "--no-debug", ".*", "--enable-function-attribute-detection"});
  argv.insert(argv.end(), {"-o", output.string(), "--"});
  for (const auto& f : r.clang_flags) argv.push_back(f);
  if (!r.working_dir.empty()) argv.push_back("-working-directory=" + r.working_dir);

  auto res = process::run(argv, r.working_dir);
  if (res.status == 127)
    throw Error("bindgen: error: cannot run '" + argv[0] + "': " + res.err +
                "  hint: pass --bindgen with a bindgen >= 0.65.1 (setup.sh uses the toolchain root's, "
                "scripts/tools/bindgen)");
  if (res.status != 0)
    throw Error("bindgen: error: '" + argv[0] + "' " + process::describe_failure(res, 0) + ":\n" +
                res.err + "\n  hint: bindgen parses the spec's headers plus kgen's helper prototypes with the tree's "
                "flags; the first error above names the line");
  auto text = fs::read_file(output);
  if (!text || text::trim(*text).empty())
    throw Error("bindgen: error: '" + argv[0] + "' exited with status 0 but wrote " +
                (text ? "an empty file" : "no file") + " (-o " + output.filename().string() + ")" +
                (res.err.empty() ? "" : ":\n" + res.err) +
                "\n  hint: pass --bindgen with a bindgen >= 0.65.1 (scripts/tools/bindgen)");
  return rename_helpers(*text);
}

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The tokens of an item outside comments and string literals: identifiers,
// and every other character on its own.
struct Token {
  std::string text;
  bool ident;
};
std::vector<Token> tokens_of(const std::string& s) {
  std::vector<Token> out;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      i = s.find('\n', i);
      if (i == std::string::npos) break;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t e = s.find("*/", i + 2);
      i = e == std::string::npos ? s.size() : e + 2;
    } else if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
      ++i;
    } else if (ident_start(c)) {
      size_t b = i;
      while (i < s.size() && ident_char(s[i])) ++i;
      out.push_back({s.substr(b, i - b), true});
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      out.push_back({std::string(1, c), false});
      ++i;
    }
  }
  return out;
}

// What an item defines, or the type an impl is for, from its tokens.
void read_head(BindingsItem& item, const std::vector<Token>& t) {
  size_t i = 0;
  auto is = [&](size_t k, const char* s) { return k < t.size() && t[k].text == s; };
  while (is(i, "#")) {  // attributes: # [ ... ]
    int depth = 0;
    for (++i; i < t.size(); ++i) {
      if (t[i].text == "[") ++depth;
      if (t[i].text == "]" && --depth == 0) break;
    }
    ++i;
  }
  for (const char* q : {"pub", "unsafe"})
    if (is(i, q)) ++i;
  if (is(i, "impl")) {
    size_t k = i + 1;
    if (is(k, "<"))
      for (int depth = 0; k < t.size(); ++k) {
        if (t[k].text == "<") ++depth;
        if (t[k].text == ">" && --depth == 0) {
          ++k;
          break;
        }
      }
    // impl [<..>] Path[<..>] [for Path[<..>]] {: the last path's last segment before any '<'.
    std::string last;
    for (int angle = 0; k < t.size() && !is(k, "{") && !is(k, "where"); ++k) {
      if (t[k].text == "<") ++angle;
      if (t[k].text == ">") --angle;
      if (angle == 0 && t[k].ident && t[k].text != "for") last = t[k].text;
      if (angle == 0 && t[k].text == "for") last.clear();
    }
    item.impl_of = last;
    return;
  }
  if (is(i, "extern")) {  // extern "C" { pub fn a(..); pub static mut b: T; }
    for (size_t k = i; k + 1 < t.size(); ++k) {
      if (t[k].text == "fn" && t[k + 1].ident) item.defines.push_back(t[k + 1].text);
      if (t[k].text == "static") {
        size_t n = is(k + 1, "mut") ? k + 2 : k + 1;
        if (n < t.size() && t[n].ident) item.defines.push_back(t[n].text);
      }
    }
    return;
  }
  if (is(i, "use")) {  // pub use self::a as b;
    for (size_t k = i; k + 1 < t.size(); ++k)
      if (t[k].text == "as" && t[k + 1].ident) item.defines.push_back(t[k + 1].text);
    return;
  }
  if (is(i, "static") && is(i + 1, "mut")) ++i;
  if (is(i, "const") && is(i + 1, "fn")) ++i;
  if (is(i, "const") && i + 4 < t.size() && t[i + 1].ident && is(i + 2, ":") && t[i + 3].ident && is(i + 4, "="))
    item.const_of = t[i + 3].text;
  for (const char* kw : {"struct", "union", "enum", "type", "const", "static", "fn", "mod"})
    if (is(i, kw) && i + 1 < t.size() && t[i + 1].ident && t[i + 1].text != "_") item.defines.push_back(t[i + 1].text);
}

// `_bindgen_ty_<N>` as a whole identifier at s[pos]: the length of the match, or 0.
size_t anon_at(const std::string& s, size_t pos) {
  static const std::string p = "_bindgen_ty_";
  if (s.compare(pos, p.size(), p) != 0 || (pos > 0 && ident_char(s[pos - 1]))) return 0;
  size_t e = pos + p.size();
  while (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) ++e;
  if (e == pos + p.size() || (e < s.size() && ident_char(s[e]))) return 0;
  return e - pos;
}

// Rewrites every whole `_bindgen_ty_<N>` with f("_bindgen_ty_<N>").
template <typename F>
std::string map_anon(const std::string& s, F f) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (size_t n = anon_at(s, i)) {
      out += f(s.substr(i, n));
      i += n;
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace

std::vector<BindingsItem> split_bindings(const std::string& rust, std::string* preamble) {
  std::vector<BindingsItem> items;
  std::string cur;
  int depth = 0;
  char last = 0;  // the last character outside comments and strings
  bool in_string = false, line_comment = false, block_comment = false;
  bool started = false;  // an item has begun (the banner comment is not one)
  for (size_t i = 0; i < rust.size(); ++i) {
    char c = rust[i];
    cur += c;
    if (line_comment) {
      line_comment = c != '\n';
    } else if (block_comment) {
      if (c == '/' && i > 0 && rust[i - 1] == '*') block_comment = false;
    } else if (in_string) {
      if (c == '\\' && i + 1 < rust.size()) cur += rust[++i];
      else if (c == '"') in_string = false;
    } else if (c == '/' && i + 1 < rust.size() && (rust[i + 1] == '/' || rust[i + 1] == '*')) {
      (rust[i + 1] == '/' ? line_comment : block_comment) = true;
      cur += rust[++i];
    } else if (c == '"') {
      in_string = true;
      last = c;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      if (c == '{' || c == '(' || c == '[') ++depth;
      if (c == '}' || c == ')' || c == ']') --depth;
      last = c;
      started = true;
    }
    if (c != '\n' || line_comment || block_comment || in_string) continue;
    if (!started) {  // a comment or blank line: the banner before the first item, else the next item's
      std::string t = text::trim(cur);
      if (items.empty() && (t.empty() || text::starts_with(t, "/*"))) {
        if (preamble) *preamble += cur;
        cur.clear();
      }
      continue;
    }
    if (depth != 0 || (last != ';' && last != '}')) continue;
    // Drop the blank lines an item starts with.
    size_t b = 0;
    while (b < cur.size() && cur[b] == '\n') ++b;
    BindingsItem item;
    item.text = cur.substr(b);
    auto toks = tokens_of(item.text);
    read_head(item, toks);
    for (size_t k = 0; k < toks.size(); ++k) {
      if (!toks[k].ident) continue;
      bool named = k + 1 < toks.size() && toks[k + 1].text == ":" && !(k + 2 < toks.size() && toks[k + 2].text == ":");
      if (!named) item.refs.insert(toks[k].text);
    }
    items.push_back(std::move(item));
    cur.clear();
    started = false;
    last = 0;
  }
  if (!text::trim(cur).empty()) {  // an unfinished item: kept whole, it names nothing
    BindingsItem item;
    item.text = cur;
    items.push_back(std::move(item));
  }
  return items;
}

BindingsIndex index_bindings(const std::string& rust) {
  BindingsIndex x;
  x.items = split_bindings(rust, &x.preamble);
  const auto& items = x.items;
  for (size_t i = 0; i < items.size(); ++i) {
    for (const auto& d : items[i].defines) x.defining[d].push_back(i);
    if (!items[i].impl_of.empty()) x.impls[items[i].impl_of].push_back(i);
  }
  for (size_t i = 0; i < items.size(); ++i)  // constants of a type bindgen defines (not of u32)
    if (!items[i].const_of.empty() && x.defining.count(items[i].const_of)) x.impls[items[i].const_of].push_back(i);
  return x;
}

BindingsSubset bindings_for(const std::string& rust, const std::set<std::string>& used) {
  return bindings_for(index_bindings(rust), used);
}

BindingsSubset bindings_for(const BindingsIndex& index, const std::set<std::string>& used) {
  const auto& items = index.items;
  const auto& defining = index.defining;
  const auto& impls = index.impls;
  // The closure over names, from the used ones. An item kgen cannot read
  // (neither a definition nor an impl) is kept: leaving it out could break
  // the file, keeping it cannot.
  std::vector<bool> keep(items.size(), false);
  std::set<std::string> seen;
  std::vector<std::string> work(used.begin(), used.end());
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].defines.empty() && items[i].impl_of.empty()) keep[i] = true;
  BindingsSubset out;
  for (const auto& n : used)
    if (!defining.count(n)) out.missing.push_back(n);
  while (!work.empty()) {
    std::string n = std::move(work.back());
    work.pop_back();
    if (!seen.insert(n).second) continue;
    for (const auto* group : {&defining, &impls}) {
      auto it = group->find(n);
      if (it == group->end()) continue;
      for (size_t i : it->second) {
        if (keep[i]) continue;
        keep[i] = true;
        for (const auto& r : items[i].refs)
          if (!seen.count(r) && (defining.count(r) || impls.count(r))) work.push_back(r);
      }
    }
  }
  // Canonical order and numbering: sort with the anonymous numbers masked,
  // number them by first use in that order, then sort again by the new names.
  auto mask = [](const std::string&) { return std::string("_bindgen_ty_#"); };
  auto key_of = [](const std::string& name, bool impl, const std::string& text) {
    return name + (impl ? "\x02" : "\x01") + text;
  };
  struct Kept {
    std::string name, key, text;
    bool impl;
  };
  std::vector<Kept> kept;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!keep[i]) continue;
    const auto& it = items[i];
    Kept k{it.defines.empty() ? it.impl_of : it.defines.front(), "", it.text, it.defines.empty()};
    k.key = map_anon(key_of(k.name, k.impl, k.text), mask);
    kept.push_back(std::move(k));
  }
  auto by_key = [](const Kept& a, const Kept& b) { return a.key < b.key; };
  std::stable_sort(kept.begin(), kept.end(), by_key);
  std::map<std::string, std::string> renumber;
  auto renumbered = [&](const std::string& old) {
    auto it = renumber.find(old);
    if (it == renumber.end()) it = renumber.emplace(old, "_bindgen_ty_" + std::to_string(renumber.size() + 1)).first;
    return it->second;
  };
  for (auto& k : kept) k.text = map_anon(k.text, renumbered);
  for (auto& k : kept) k.key = key_of(map_anon(k.name, renumbered), k.impl, k.text);
  std::stable_sort(kept.begin(), kept.end(), by_key);
  out.text = index.preamble;
  for (const auto& k : kept) out.text += k.text;
  return out;
}

}  // namespace kgen::emit
