#include "drift/lockfile.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::drift {

using model::CType;

namespace {

std::string strip_tag(const std::string& c) {
  for (const char* kw : {"struct ", "union ", "enum "})
    if (text::starts_with(c, kw)) return c.substr(std::char_traits<char>::length(kw));
  return c;
}

// The identifier that ends `s` (after trailing spaces), or "".
std::string trailing_ident(std::string_view s) {
  size_t e = s.size();
  while (e > 0 && s[e - 1] == ' ') --e;
  size_t b = e;
  while (b > 0 && text::is_ident_char(s[b - 1])) --b;
  std::string id(s.substr(b, e - b));
  return text::is_identifier(id) ? id : "";
}

// Splits "a, b (c, d), e" at top-level commas.
std::vector<std::string> split_top(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(' || s[i] == '[') ++depth;
    if (s[i] == ')' || s[i] == ']') --depth;
    if (s[i] == ',' && depth == 0) {
      out.push_back(text::trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(text::trim(s.substr(start)));
  return out;
}

std::string param_str(const Signature::Param& p) {
  if (p.name.empty()) return p.type;
  if (auto pos = p.type.find("(*)"); pos != std::string::npos)
    return p.type.substr(0, pos) + "(*" + p.name + ")" + p.type.substr(pos + 3);
  if (!p.type.empty() && p.type.back() == '*') return p.type + p.name;
  return p.type + " " + p.name;
}

Signature::Param parse_param(const std::string& p) {
  if (auto pos = p.find("(*"); pos != std::string::npos) {
    size_t e = pos + 2;
    while (e < p.size() && text::is_ident_char(p[e])) ++e;
    std::string name = p.substr(pos + 2, e - pos - 2);
    return {p.substr(0, pos + 2) + p.substr(e), name};
  }
  static const std::set<std::string> type_words = {"int",  "char",   "short",    "long",     "void",   "_Bool",
                                                   "bool", "float",  "double",   "signed",   "unsigned"};
  static const std::set<std::string> before_type = {"struct", "union",    "enum",    "const",
                                                    "volatile", "restrict", "signed", "unsigned"};
  std::string id = trailing_ident(p);
  if (id.empty() || type_words.count(id)) return {p, ""};
  std::string rest = text::trim(std::string_view(p).substr(0, p.rfind(id)));
  if (rest.empty()) return {p, ""};
  std::string last = trailing_ident(rest);
  if (!last.empty() && before_type.count(last) && rest.back() != '*') return {p, ""};
  return {rest, id};
}

// A parameter's type as the lock spells it: a typedef keeps its name; a bare
// function pointer is written out.
std::string type_str(const CType& t) {
  if (t.typedef_name.empty() && t.is_function_pointer()) return stable_spelling(text::trim(t.declare("")));
  return stable_spelling(t.spelling);
}

Signature signature_of(const std::string& name, const CType& ret, const std::vector<model::CParam>& params,
                       bool variadic) {
  Signature s;
  s.name = name;
  s.ret = type_str(ret);
  for (const auto& p : params) s.params.push_back({type_str(p.type), p.name});
  s.variadic = variadic;
  return s;
}

class Recorder {
 public:
  Recorder(const model::CModel& m) : m_(m) {}

  void record_type(const std::string& c) {
    std::string tag = strip_tag(c);
    const model::CRecord* r = m_.record(tag);
    if (!r || !r->complete) return;
    add(Entry::Kind::Record, tag, (r->is_union ? "union " : "struct ") + tag, r->loc);
  }

  // A function, or a function-like macro a method wraps.
  void function(const std::string& name) {
    const model::CFunction* f = m_.function(name);
    if (!f) {
      if (const model::CMacro* mac = m_.macro(name); mac && mac->function_like)
        add(Entry::Kind::Macro, name, "#define " + name + "(" + text::join(mac->params, ", ") + ") " + mac->body,
            mac->loc);
      return;
    }
    Signature s = signature_of(f->name, f->ret, f->params, f->variadic);
    s.static_inline = f->is_static_inline;
    s.must_check = f->warn_unused_result;
    walk(f->ret);
    for (const auto& p : f->params) walk(p.type);
    add(Entry::Kind::Function, name, s.str(), f->loc, s);
  }

  // Every component of a path "mdio.addr" inside struct `tag`.
  void field_path(const std::string& c, const std::string& path) {
    std::string tag = strip_tag(c);
    const model::CRecord* cur = m_.record(tag);
    std::string key = tag;
    for (const auto& part : text::split(path, '.')) {
      if (!cur) return;
      const model::CField* f = cur->field(part);
      if (!f) return;
      key += "." + part;
      add(Entry::Kind::Field, key, field_decl(*f), f->loc);
      walk(f->type);
      cur = f->type.kind == CType::Kind::Record ? m_.record(f->type.tag) : nullptr;
    }
  }

  // Every named member of an ops struct: callbacks with their signatures,
  // data members with their types.
  void ops(const std::string& c) {
    std::string tag = strip_tag(c);
    const model::CRecord* r = m_.record(tag);
    if (!r || !r->complete) return;
    record_type(c);
    for (const auto& f : r->fields) {
      if (f.name.empty()) continue;
      if (f.type.is_function_pointer()) {
        Signature s = signature_of(f.name, *f.type.pointee->ret, f.type.pointee->params, f.type.pointee->variadic);
        s.pointer = true;
        walk(f.type);
        add(Entry::Kind::Callback, tag + "." + f.name, s.str(), f.loc, s);
      } else {
        walk(f.type);
        add(Entry::Kind::Member, tag + "." + f.name, field_decl(f), f.loc);
      }
    }
  }

  void enumeration(const std::string& c) {
    const model::CEnum* e = m_.enumeration(strip_tag(c));
    if (!e) return;
    for (const auto& k : e->constants) add(Entry::Kind::EnumConstant, enum_name(*e) + "." + k.name, std::to_string(k.value), k.loc);
  }

  // A macro constant, or (for `equals`) an enum constant.
  void constant(const std::string& name) {
    if (const model::CMacro* mac = m_.macro(name)) {
      add(Entry::Kind::Constant, name, value_str(*mac), mac->loc);
      return;
    }
    if (auto it = m_.enum_of_constant.find(name); it != m_.enum_of_constant.end()) {
      const model::CEnum& e = m_.enums.at(it->second);
      for (const auto& k : e.constants)
        if (k.name == name) add(Entry::Kind::EnumConstant, enum_name(e) + "." + name, std::to_string(k.value), k.loc);
    }
  }

  void matched_constants(const spec::ConstGroup& g) {
    if (g.match.empty()) return;
    for (const auto& [name, mac] : m_.macros) {
      if (mac.function_like || !mac.value) continue;
      if (!g.from.empty() && !text::ends_with(mac.loc.file, g.from)) continue;
      for (const auto& pat : g.match)
        if (text::glob_match(pat, name)) {
          add(Entry::Kind::Constant, name, value_str(mac), mac.loc);
          break;
        }
    }
  }

  // The typedefs the recorded declarations are spelled with, down to the
  // types they name.
  void typedefs() {
    std::set<std::string> done;
    while (!typedef_todo_.empty()) {
      std::string n = *typedef_todo_.begin();
      typedef_todo_.erase(typedef_todo_.begin());
      if (!done.insert(n).second) continue;
      auto it = m_.typedefs.find(n);
      if (it == m_.typedefs.end()) continue;
      add(Entry::Kind::Typedef, n, type_str(it->second), {});
      walk(it->second);
    }
  }

  std::vector<Entry> take() {
    std::vector<Entry> out;
    for (auto& [k, e] : entries_) out.push_back(std::move(e));
    return out;
  }

 private:
  static std::string enum_name(const model::CEnum& e) {
    return !e.tag.empty() ? e.tag : !e.typedef_name.empty() ? e.typedef_name : "(anonymous)";
  }

  static std::string value_str(const model::CMacro& mac) {
    if (!mac.value) return "not an integer constant: #define " + mac.name + " " + mac.body;
    if (mac.value->is_unsigned) return std::to_string(static_cast<unsigned long long>(mac.value->value));
    return std::to_string(mac.value->value);
  }

  std::string field_decl(const model::CField& f) {
    if (f.type.is_function_pointer() && f.type.typedef_name.empty()) {
      Signature s = signature_of(f.name, *f.type.pointee->ret, f.type.pointee->params, f.type.pointee->variadic);
      s.pointer = true;
      return s.str();
    }
    std::string d = stable_spelling(text::trim(f.type.declare(f.name)));
    if (f.bit_width >= 0) d += " : " + std::to_string(f.bit_width);
    return d;
  }

  void walk(const CType& t) {
    if (!t.typedef_name.empty()) {
      typedef_todo_.insert(t.typedef_name);  // typedefs() walks what it names
      return;
    }
    if (t.pointee) walk(*t.pointee);
    if (t.ret) walk(*t.ret);
    for (const auto& p : t.params) walk(p.type);
  }

  void add(Entry::Kind k, const std::string& key, std::string decl, const Location& loc,
           std::optional<Signature> sig = std::nullopt) {
    Entry e{k, key, std::move(decl), std::move(sig), loc};
    entries_.emplace(std::pair{k, key}, std::move(e));
  }

  const model::CModel& m_;
  std::map<std::pair<Entry::Kind, std::string>, Entry> entries_;
  std::set<std::string> typedef_todo_;
};

}  // namespace

std::string stable_spelling(std::string s) {
  if (s.find(" at ") == std::string::npos) return s;
  static const std::regex re(R"(\((?:unnamed|anonymous) (struct|union|enum) at [^)]*\))");
  return std::regex_replace(s, re, "(anonymous $1)");
}

const char* kind_name(Entry::Kind k) {
  switch (k) {
    case Entry::Kind::Record: return "record";
    case Entry::Kind::Function: return "function";
    case Entry::Kind::Macro: return "macro";
    case Entry::Kind::Callback: return "callback";
    case Entry::Kind::Member: return "member";
    case Entry::Kind::Field: return "field";
    case Entry::Kind::EnumConstant: return "enum";
    case Entry::Kind::Constant: return "const";
    case Entry::Kind::Typedef: return "typedef";
  }
  return "?";
}

std::string Signature::str() const {
  std::string s;
  if (static_inline) s += "static inline ";
  if (must_check) s += "__must_check ";
  if (pointer)
    s += ret + " (*" + name + ")";
  else
    s += ret + (!ret.empty() && ret.back() == '*' ? "" : " ") + name;
  std::vector<std::string> ps;
  for (const auto& p : params) ps.push_back(param_str(p));
  if (variadic) ps.push_back("...");
  if (ps.empty()) ps.push_back("void");
  return s + "(" + text::join(ps, ", ") + ")";
}

std::optional<Signature> parse_signature(std::string_view decl_in) {
  std::string decl = text::trim(decl_in);
  Signature s;
  for (;;) {
    if (text::starts_with(decl, "static inline ")) {
      s.static_inline = true;
      decl = decl.substr(14);
    } else if (text::starts_with(decl, "__must_check ")) {
      s.must_check = true;
      decl = decl.substr(13);
    } else {
      break;
    }
  }
  if (decl.empty() || decl.back() != ')') return std::nullopt;
  int depth = 0;
  size_t open = std::string::npos;
  for (size_t i = decl.size(); i-- > 0;) {
    if (decl[i] == ')') ++depth;
    if (decl[i] == '(' && --depth == 0) {
      open = i;
      break;
    }
  }
  if (open == std::string::npos) return std::nullopt;
  std::string head = text::trim(std::string_view(decl).substr(0, open));
  std::string params = decl.substr(open + 1, decl.size() - open - 2);
  if (!head.empty() && head.back() == ')') {
    auto pos = head.rfind("(*");
    if (pos == std::string::npos) return std::nullopt;
    s.pointer = true;
    s.name = head.substr(pos + 2, head.size() - pos - 3);
    s.ret = text::trim(std::string_view(head).substr(0, pos));
  } else {
    s.name = trailing_ident(head);
    if (s.name.empty()) return std::nullopt;
    s.ret = text::trim(std::string_view(head).substr(0, head.size() - s.name.size()));
  }
  if (!text::is_identifier(s.name) || s.ret.empty()) return std::nullopt;
  auto ps = split_top(params);
  if (ps.size() == 1 && (ps[0] == "void" || ps[0].empty())) ps.clear();
  for (const auto& p : ps) {
    if (p == "...") {
      s.variadic = true;
      continue;
    }
    s.params.push_back(parse_param(p));
  }
  return s;
}

const Entry* Lock::find(Entry::Kind k, const std::string& key) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), std::pair{k, key}, [](const Entry& e, const auto& p) {
    return std::pair{e.kind, e.key} < p;
  });
  return it != entries.end() && it->kind == k && it->key == key ? &*it : nullptr;
}

std::vector<std::pair<std::string, const spec::HandWritten*>> hand_written_calls(const spec::Spec& s) {
  static const std::regex call(R"(\bbindings::([A-Za-z_][A-Za-z0-9_]*)\s*\()");
  std::map<std::string, const spec::HandWritten*> found;
  std::filesystem::path dir = std::filesystem::path(s.path).parent_path();
  for (const auto& h : s.hand_written) {
    auto text = fs::read_file(dir / h.file);
    if (!text) continue;
    for (auto it = std::sregex_iterator(text->begin(), text->end(), call); it != std::sregex_iterator(); ++it)
      found.emplace((*it)[1].str(), &h);
  }
  return {found.begin(), found.end()};
}

Lock record(const spec::Spec& s, const std::string& spec_text, const model::CModel& m,
            const std::string& linux_version) {
  Recorder r(m);
  for (const auto& t : s.types) {
    r.record_type(t.c);
    for (const auto& f : t.fields) {
      r.field_path(t.c, f.c);
      if (!f.equals.empty()) r.constant(f.equals);
    }
    if (t.as_ref) r.field_path(t.c, t.as_ref->field);
    auto method = [&](const spec::Method& me) {
      r.function(me.c);
      if (!me.errno_fn.empty()) r.function(me.errno_fn);
    };
    for (const auto& me : t.methods) method(me);
    for (const auto& lk : t.locks) {
      r.function(lk.lock);
      r.function(lk.unlock);
      for (const auto& me : lk.methods) method(me);
    }
    for (const auto* fn : {&t.get, &t.put, &t.free})
      if (!fn->empty()) r.function(*fn);
  }
  for (const auto& e : s.enums) {
    if (e.from_macros)
      for (const auto& v : e.variants) r.constant(v.first);
    else
      r.enumeration(e.c);
  }
  for (const auto& g : s.constants) {
    for (const auto& n : g.names) r.constant(n.first);
    r.matched_constants(g);
  }
  for (const auto& o : s.ops) r.ops(o.c);
  if (s.device_id) {
    r.record_type(s.device_id->c);
    for (const auto& [g, f] : s.device_id->getters) r.field_path(s.device_id->c, f);
    for (const auto& c : s.device_id->ctors)
      for (const auto& [f, e] : c.fields) r.field_path(s.device_id->c, f);
  }
  if (s.registration) {
    r.function(s.registration->register_fn);
    r.function(s.registration->unregister_fn);
  }
  for (const auto& n : s.extra_helpers) r.function(n);
  for (const auto& a : s.aliases) r.function(a.second);
  // What hand-written code calls breaks the build as surely as what is generated.
  for (const auto& [n, h] : hand_written_calls(s))
    if (m.function(n)) r.function(n);
  r.typedefs();
  Lock l;
  l.spec_name = s.name;
  l.spec_hash = text::content_hash(spec_text);
  l.linux_version = linux_version;
  l.entries = r.take();
  return l;
}

namespace {

// The series a version string belongs to ("6.12" for "6.12.117"), or the
// string itself when it is not a version.
std::string series_of(const std::string& v) {
  auto k = spec::KernelVersion::parse(v);
  return k ? k->series() : v;
}

// Sections in version order; unreadable versions last, by name.
bool version_less(const std::string& a, const std::string& b) {
  auto ka = spec::KernelVersion::parse(a), kb = spec::KernelVersion::parse(b);
  if (ka && kb) return std::tie(ka->major, ka->minor, ka->patch) < std::tie(kb->major, kb->minor, kb->patch);  // a total order
  if (ka || kb) return ka.has_value();
  return a < b;
}

}  // namespace

void LockFile::put(Lock l) {
  std::string series = series_of(l.linux_version);
  auto it = std::find_if(versions.begin(), versions.end(),
                         [&](const Lock& x) { return series_of(x.linux_version) == series; });
  if (it != versions.end())
    *it = std::move(l);
  else
    versions.push_back(std::move(l));
  std::stable_sort(versions.begin(), versions.end(),
                   [](const Lock& a, const Lock& b) { return version_less(a.linux_version, b.linux_version); });
}

const Lock* LockFile::for_version(const std::string& v) const {
  if (versions.empty()) return nullptr;
  auto k = spec::KernelVersion::parse(v);
  if (!k) return &versions.back();
  const Lock* best = nullptr;
  for (const auto& l : versions) {
    auto lk = spec::KernelVersion::parse(l.linux_version);
    if (!lk) continue;
    if (lk->same_series(*k)) return &l;
    if (lk->compare(spec::KernelVersion{k->major, k->minor}) < 0) best = &l;  // ascending: the newest older
  }
  return best ? best : &versions.front();
}

const Lock* LockFile::for_series(const std::string& series) const {
  for (const auto& l : versions)
    if (series_of(l.linux_version) == series) return &l;
  return nullptr;
}

std::string render(const LockFile& f, const std::string& spec_display) {
  std::string s;
  s += "# kgen lock for " + spec_display + ": the C declarations it wraps, as the headers\n";
  s += "# it was generated from declare them, a section per kernel series. Written by\n";
  s += "# `kgen generate`; `kgen check --spec " + spec_display + " --kernel TREE`\n";
  s += "# reports how a tree differs. Do not edit: regenerate.\n";
  s += "lock 2\n";
  for (const Lock& l : f.versions) {
    s += "\nlinux " + l.linux_version + "\n";
    s += "spec " + l.spec_name + " " + l.spec_hash + "\n";
    std::optional<Entry::Kind> prev;
    for (const auto& e : l.entries) {
      if (prev != e.kind) s += "\n";
      prev = e.kind;
      s += std::string(kind_name(e.kind)) + " " + e.key + " = " + e.decl + "\n";
    }
  }
  return s;
}

LockFile parse(const std::string& text_in, const std::string& path) {
  static const std::map<std::string, Entry::Kind> kinds = {
      {"record", Entry::Kind::Record},   {"function", Entry::Kind::Function}, {"macro", Entry::Kind::Macro},
      {"callback", Entry::Kind::Callback},
      {"member", Entry::Kind::Member},   {"field", Entry::Kind::Field},       {"enum", Entry::Kind::EnumConstant},
      {"const", Entry::Kind::Constant},  {"typedef", Entry::Kind::Typedef}};
  LockFile f;
  Diagnostics d;
  int format = 0;
  unsigned n = 0;
  std::set<std::string> series;
  // Lock 1 has one section, its `spec` line before `linux`.
  auto section = [&]() -> Lock& {
    if (f.versions.empty()) f.versions.emplace_back();
    return f.versions.back();
  };
  for (const auto& raw : text::split_lines(text_in)) {
    ++n;
    std::string line = text::trim(raw);
    if (line.empty() || line[0] == '#') continue;
    Location loc{path, n, 1};
    auto sp = line.find(' ');
    std::string word = line.substr(0, sp);
    std::string rest = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (word == "lock") {
      if (rest != "1" && rest != "2")
        d.error(loc, "unsupported lock format '" + rest + "'", "this kgen reads 'lock 1' and 'lock 2'; regenerate");
      else
        format = rest[0] - '0';
      continue;
    }
    if (word == "spec") {
      auto parts = text::split(rest, ' ');
      section().spec_name = parts[0];
      if (parts.size() > 1) section().spec_hash = parts[1];
      continue;
    }
    if (word == "linux") {
      if (format == 2) f.versions.emplace_back();
      if (!series.insert(series_of(rest)).second)
        d.error(loc, "a second section for Linux " + series_of(rest), "regenerate the lock with kgen generate");
      section().linux_version = rest;
      continue;
    }
    auto k = kinds.find(word);
    auto eq = rest.find(" = ");
    if (k == kinds.end() || eq == std::string::npos) {
      d.error(loc, "expected '<kind> <key> = <declaration>', got '" + line + "'",
              "kinds: record, function, macro, callback, member, field, enum, const, typedef; regenerate the lock with kgen generate");
      continue;
    }
    if (format == 2 && f.versions.empty()) {
      d.error(loc, "a declaration before the first 'linux' line", "regenerate the lock with kgen generate");
      continue;
    }
    Entry e;
    e.kind = k->second;
    e.key = rest.substr(0, eq);
    e.decl = rest.substr(eq + 3);
    if (e.kind == Entry::Kind::Function || e.kind == Entry::Kind::Callback) {
      e.sig = parse_signature(e.decl);
      if (!e.sig) d.error(loc, "cannot read the C declaration '" + e.decl + "'");
    }
    section().entries.push_back(std::move(e));
  }
  if (!format) d.error({path, 1, 1}, "not a kgen lock file (no 'lock 1' or 'lock 2' line)");
  d.throw_if_errors("lock");
  for (auto& l : f.versions)
    std::sort(l.entries.begin(), l.entries.end(),
              [](const Entry& a, const Entry& b) { return std::pair{a.kind, a.key} < std::pair{b.kind, b.key}; });
  std::stable_sort(f.versions.begin(), f.versions.end(),
                   [](const Lock& a, const Lock& b) { return version_less(a.linux_version, b.linux_version); });
  return f;
}

std::string lock_path_for(const std::string& spec_path) {
  std::filesystem::path p(spec_path);
  p.replace_extension(".lock");
  return p.string();
}

}  // namespace kgen::drift
