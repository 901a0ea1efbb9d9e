#include "spec/spec.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "spec/yaml.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::spec {

namespace {

using yaml::Node;
using Kind = yaml::Node::Kind;

// ---------------------------------------------------------------------------
// What names and paths may be.

const std::set<std::string>& rust_keywords() {
  // Strict and reserved keywords of Rust 2021 (the kernel's edition).
  static const std::set<std::string> k = {
      "as",       "break",  "const",  "continue", "crate",    "else",    "enum",   "extern", "false",  "fn",
      "for",      "if",     "impl",   "in",       "let",      "loop",    "match",  "mod",    "move",   "mut",
      "pub",      "ref",    "return", "self",     "Self",     "static",  "struct", "super",  "trait",  "true",
      "type",     "unsafe", "use",    "where",    "while",    "async",   "await",  "dyn",    "abstract", "become",
      "box",      "do",     "final",  "macro",    "override", "priv",    "typeof", "unsized", "virtual", "yield",
      "try"};
  return k;
}

const std::set<std::string>& c_keywords() {
  static const std::set<std::string> k = {
      "auto",     "break",    "case",     "char",     "const",   "continue", "default",  "do",
      "double",   "else",     "enum",     "extern",   "float",   "for",      "goto",     "if",
      "inline",   "int",      "long",     "register", "restrict", "return",  "short",    "signed",
      "sizeof",   "static",   "struct",   "switch",   "typedef", "union",    "unsigned", "void",
      "volatile", "while",    "_Alignas", "_Alignof", "_Atomic", "_Bool",    "_Complex", "_Generic",
      "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local", "typeof", "asm"};
  return k;
}

bool ascii_ident(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string shown(const std::string& s) {
  // Long or multi-line values are shortened in messages.
  std::string v = s.size() > 60 ? s.substr(0, 57) + "..." : s;
  std::string out = "'";
  for (char c : v) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out + "'";
}

// ---------------------------------------------------------------------------

class Loader {
 public:
  Loader(const yaml::Doc& doc, std::string path, Diagnostics& d) : doc_(doc), path_(std::move(path)), d_(d) {}

  Location at(const Node* n) const {
    if (!n) return {path_, 0, 0};
    return {path_, n->line, n->column};
  }
  const Node& node(uint32_t i) const { return doc_.at(i); }

  // A mapping whose keys are checked: any key not read is an error. The check
  // runs in the destructor, which never throws (an error it cannot record
  // makes the load fail anyway, through `lost_`).
  class Obj {
   public:
    Obj(Loader& l, const Node* n, std::string what) : l_(l), n_(n), what_(std::move(what)) {
      if (!n_ || n_->kind != Kind::Map) {
        l_.d_.error(l_.at(n_), what_ + " must be a mapping (key: value lines), not " +
                                   (n_ ? yaml::kind_name(n_->kind) : "nothing"));
        ok_ = false;
        return;
      }
      for (size_t k = 0; k + 1 < n_->items.size(); k += 2) {
        const Node& key = l_.node(n_->items[k]);
        if (key.kind != Kind::Scalar) continue;  // reported by the YAML reader
        entries_.emplace(key.value, std::make_pair(&key, &l_.node(n_->items[k + 1])));  // the first wins
      }
    }
    Obj(const Obj&) = delete;
    Obj& operator=(const Obj&) = delete;
    ~Obj() noexcept {
      try {
        finish();
      } catch (...) {
        l_.lost_ = true;
      }
    }
    void finish() {
      if (!ok_ || finished_) return;
      finished_ = true;
      for (size_t k = 0; k + 1 < n_->items.size(); k += 2) {
        const Node& key = l_.node(n_->items[k]);
        if (key.kind != Kind::Scalar || seen_.count(key.value)) continue;
        l_.d_.error(l_.at(&key), "unknown key " + shown(key.value) + " in " + what_,
                    "allowed keys here: " + text::join(allowed_, ", ") + " (see header-specs/TEMPLATE.yaml)");
      }
    }
    bool ok() const { return ok_; }
    const Node* get(const std::string& key, bool required = false) {
      if (seen_.insert(key).second) allowed_.push_back(key);
      if (!ok_) return nullptr;
      auto it = entries_.find(key);
      if (it == entries_.end()) {
        if (required) l_.d_.error(l_.at(n_), what_ + " needs the key '" + key + "'");
        return nullptr;
      }
      return it->second.second;
    }
    // The key is there and its value is a string (a wrong shape has its own error).
    bool is_str(const std::string& key) {
      const Node* v = get(key);
      return v && v->kind == Kind::Scalar;
    }
    const Node* key_node(const std::string& key) const {
      auto it = entries_.find(key);
      return it == entries_.end() ? nullptr : it->second.first;
    }
    // A string value; `loc` (if given) gets the value's location.
    std::string str(const std::string& key, bool required = false, const std::string& def = "",
                    Location* loc = nullptr) {
      const Node* v = get(key, required);
      if (!v) return def;
      if (loc) *loc = l_.at(v);
      if (v->kind != Kind::Scalar) {
        l_.d_.error(l_.at(v), "'" + key + "' in " + what_ + " must be a string, not " + yaml::kind_name(v->kind));
        return def;
      }
      return v->value;
    }
    // A list of strings, with the location of each.
    std::vector<std::string> list(const std::string& key, bool required = false, std::vector<Location>* locs = nullptr) {
      std::vector<std::string> out;
      const Node* v = get(key, required);
      if (!v) return out;
      if (v->kind != Kind::Seq) {
        l_.d_.error(l_.at(v), "'" + key + "' in " + what_ + " must be a list, not " + yaml::kind_name(v->kind),
                    v->kind == Kind::Scalar ? "write [" + v->value + "] for a list of one" : "");
        return out;
      }
      for (uint32_t i : v->items) {
        const Node& e = l_.node(i);
        if (e.kind != Kind::Scalar) {
          l_.d_.error(l_.at(&e), "items of '" + key + "' must be strings, not " + yaml::kind_name(e.kind));
          continue;
        }
        out.push_back(e.value);
        if (locs) locs->push_back(l_.at(&e));
      }
      return out;
    }
    // A list of mappings (or anything: the caller checks each item).
    std::vector<const Node*> items(const std::string& key, bool required = false) {
      std::vector<const Node*> out;
      const Node* v = get(key, required);
      if (!v) return out;
      if (v->kind != Kind::Seq) {
        l_.d_.error(l_.at(v), "'" + key + "' in " + what_ + " must be a list, not " + yaml::kind_name(v->kind),
                    v->kind == Kind::Map ? "start each item with '- '" : "see header-specs/TEMPLATE.yaml");
        return out;
      }
      for (uint32_t i : v->items) out.push_back(&l_.node(i));
      return out;
    }
    // A mapping (name -> node), in order; null when absent or not a mapping.
    const Node* map(const std::string& key, const std::string& expected) {
      const Node* v = get(key);
      if (!v) return nullptr;
      if (v->kind != Kind::Map) {
        l_.d_.error(l_.at(v), "'" + key + "' in " + what_ + " must be a mapping (" + expected + "), not " +
                                  yaml::kind_name(v->kind));
        return nullptr;
      }
      return v;
    }
    // An ordered string -> string map.
    std::vector<std::pair<std::string, std::string>> pairs(const std::string& key, std::vector<Location>* locs = nullptr,
                                                           bool* present = nullptr) {
      std::vector<std::pair<std::string, std::string>> out;
      const Node* v = map(key, "name: value lines");
      if (present) *present = v != nullptr;
      if (!v) return out;
      for (size_t k = 0; k + 1 < v->items.size(); k += 2) {
        const Node& kn = l_.node(v->items[k]);
        const Node& vn = l_.node(v->items[k + 1]);
        if (kn.kind != Kind::Scalar) continue;  // reported by the YAML reader
        if (vn.kind != Kind::Scalar) {
          l_.d_.error(l_.at(&vn), "values of '" + key + "' must be strings, not " + yaml::kind_name(vn.kind));
          continue;
        }
        out.emplace_back(kn.value, vn.value);
        if (locs) locs->push_back(l_.at(&kn));
      }
      return out;
    }
    Location loc() const { return l_.at(n_); }

   private:
    Loader& l_;
    const Node* n_;
    std::string what_;
    bool ok_ = true;
    bool finished_ = false;
    std::map<std::string, std::pair<const Node*, const Node*>> entries_;
    std::set<std::string> seen_;
    std::vector<std::string> allowed_;
  };

  // ---- checks of names, paths and types -----------------------------------

  // A Rust identifier that is not a keyword.
  void rust_ident(const std::string& s, const Location& loc, const std::string& what) {
    if (!ascii_ident(s) || s == "_")
      d_.error(loc, what + " " + shown(s) + " is not a Rust identifier",
               "use ASCII letters, digits and '_', not starting with a digit");
    else if (rust_keywords().count(s))
      d_.error(loc, what + " " + shown(s) + " is a Rust keyword", "choose another name (e.g. " + s + "_)");
  }
  // A C identifier that is not a keyword.
  void c_ident(const std::string& s, const Location& loc, const std::string& what) {
    if (!ascii_ident(s))
      d_.error(loc, what + " " + shown(s) + " is not a C identifier",
               "use ASCII letters, digits and '_', not starting with a digit");
    else if (c_keywords().count(s))
      d_.error(loc, what + " " + shown(s) + " is a C keyword", "name the C declaration as the header does");
  }
  // A name that is both (a C member that is also a Rust method).
  void both_ident(const std::string& s, const Location& loc, const std::string& what) {
    size_t before = d_.error_count();
    c_ident(s, loc, what);
    if (d_.error_count() == before && rust_keywords().count(s))
      d_.error(loc, what + " " + shown(s) + " is a Rust keyword, so it cannot name the Rust method",
               "exclude it (under 'excluded', with the reason)");
  }
  // "struct x", "union x", "enum x" or a typedef name.
  void c_type(const std::string& s, const Location& loc, const std::string& what, const char* tag = nullptr) {
    auto words = text::split(s, ' ');
    bool ok = false;
    if (words.size() == 2 && (words[0] == "struct" || words[0] == "union" || words[0] == "enum"))
      ok = ascii_ident(words[1]) && !c_keywords().count(words[1]) && (!tag || words[0] == tag);
    else if (words.size() == 1)  // a typedef name (`phy_interface_t` names an anonymous enum)
      ok = ascii_ident(words[0]) && !c_keywords().count(words[0]);
    if (!ok)
      d_.error(loc, what + " " + shown(s) + " is not a C " + (tag ? std::string(tag) + " type" : "type name"),
               tag ? std::string("write it as in C: '") + tag + " name' or its typedef name"
                   : "write it as in C: 'struct name' or a typedef name");
  }
  // A C field path: member(.member)*.
  void c_path(const std::string& s, const Location& loc, const std::string& what) {
    for (const auto& part : text::split(s, '.'))
      if (!ascii_ident(part) || c_keywords().count(part)) {
        d_.error(loc, what + " " + shown(s) + " is not a C field path", "write member names joined by '.', e.g. mdio.addr");
        return;
      }
  }
  // A Rust path: ident(::ident)*.
  bool rust_path_ok(const std::string& s) {
    if (s.empty()) return false;
    size_t i = 0;
    while (true) {
      size_t j = s.find("::", i);
      std::string part = s.substr(i, j == std::string::npos ? std::string::npos : j - i);
      if (!ascii_ident(part) || part == "_" ||
          (rust_keywords().count(part) && !(i == 0 && (part == "crate" || part == "self" || part == "super" || part == "Self"))))
        return false;
      if (j == std::string::npos) return true;
      i = j + 2;
    }
  }
  void rust_path(const std::string& s, const Location& loc, const std::string& what) {
    if (!rust_path_ok(s))
      d_.error(loc, what + " " + shown(s) + " is not a Rust path", "write identifiers joined by '::', e.g. kernel::device::Device");
  }
  // A Rust type as written in a signature: one line of the characters types use.
  void rust_type(const std::string& s, const Location& loc, const std::string& what) {
    int angle = 0, paren = 0, square = 0;
    bool ok = !text::trim(s).empty();
    for (char c : s) {
      if (!(ascii_ident(std::string(1, c)) || (c >= '0' && c <= '9') || std::string_view(":<>&'*,()[]; !-+").find(c) != std::string_view::npos)) {
        ok = false;
        break;
      }
      angle += c == '<' ? 1 : 0;
      paren += c == '(' ? 1 : c == ')' ? -1 : 0;
      square += c == '[' ? 1 : c == ']' ? -1 : 0;
      if (c == '>' && angle > 0) --angle;  // '>' alone also ends '->'
      if (paren < 0 || square < 0) ok = false;
    }
    if (!ok || angle != 0 || paren != 0 || square != 0)
      d_.error(loc, what + " " + shown(s) + " is not a Rust type", "write a type as in a Rust signature, e.g. u16 or &mut bool");
  }
  // One line of text (an expression, an import, a header name).
  void one_line(const std::string& s, const Location& loc, const std::string& what) {
    if (s.find('\n') != std::string::npos || s.find('\r') != std::string::npos)
      d_.error(loc, what + " must be one line", "remove the line break (in YAML, '|' keeps line breaks; use '>-' or quotes)");
  }
  // A relative path without '..' (and, for files kgen writes, under rust/).
  void rel_path(const std::string& s, const Location& loc, const std::string& what, const char* under = nullptr,
                const char* ext = nullptr) {
    auto bad = [&](const std::string& why, const std::string& hint) {
      d_.error(loc, what + " " + shown(s) + " " + why, hint);
    };
    if (s.empty()) return bad("is empty", "give a path relative to the kernel tree, e.g. rust/kernel/x.rs");
    if (s[0] == '/' || s[0] == '~') return bad("is absolute", "give a path relative to the kernel tree, e.g. rust/kernel/x.rs");
    for (const auto& seg : text::split(s, '/')) {
      if (seg == "..") return bad("leaves its directory ('..')", "kgen writes only inside out/, the overlay and the kernel tree");
      if (seg.empty() || seg == ".") return bad("has an empty or '.' segment", "write the path as 'dir/file'");
      if (seg.size() > 200) return bad("has a segment longer than 200 characters", "use shorter names");
      for (char c : seg)
        if (!(ascii_ident(std::string(1, c)) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '+'))
          return bad("has the character " + shown(std::string(1, c)),
                     "paths are made of ASCII letters, digits, '_', '-', '.', '+' and '/'");
    }
    if (s.size() > 1000) return bad("is longer than 1000 characters", "use a shorter path");
    if (under && !text::starts_with(s, under))
      return bad(std::string("is not under ") + under, std::string("kernel files kgen writes go under ") + under);
    if (ext && !text::ends_with(s, ext)) return bad(std::string("does not end in ") + ext, "");
  }
  // A plain file name stem (no directories).
  void stem(const std::string& s, const Location& loc, const std::string& what) {
    bool ok = !s.empty() && s.size() <= 64 && s[0] != '.' && s[0] != '-';
    for (char c : s)
      if (!(ascii_ident(std::string(1, c)) || (c >= '0' && c <= '9') || c == '-' || c == '.')) ok = false;
    if (!ok)
      d_.error(loc, what + " " + shown(s) + " is not a plain file name",
               "use 1 to 64 ASCII letters, digits, '_', '-' or '.', not starting with '.' or '-'");
  }

  // Rust names that share one namespace: a second one is an error.
  class Scope {
   public:
    Scope(Loader& l, std::string what) : l_(l), what_(std::move(what)) {}
    void add(const std::string& name, const Location& loc) {
      if (name.empty()) return;
      auto [it, fresh] = seen_.emplace(name, loc);
      if (!fresh)
        l_.d_.error(loc, "duplicate Rust name '" + name + "' in " + what_ + " (first at " + it->second.str() + ")",
                    "every item of one Rust scope needs its own name");
    }

   private:
    Loader& l_;
    std::string what_;
    std::map<std::string, Location> seen_;
  };

  // ---- the spec's parts ---------------------------------------------------

  Returns returns(const Node* n, Returns def) {
    if (!n) return def;
    Returns r;
    r.loc = at(n);
    r.explicit_ = true;
    static const char* kHint =
        "use one of: errno, value <type>, void, bool, plain <type>, enum <RustEnum>, err_ptr, null_ptr, status, data, "
        "out <type>";
    if (n->kind != Kind::Scalar) {
      d_.error(at(n), std::string("'returns' must be a string such as 'errno', 'value u16', 'void', 'bool', 'enum Name', not ") +
                          yaml::kind_name(n->kind));
      return def;
    }
    std::string v = text::trim(n->value);
    size_t sp = v.find(' ');
    std::string k = v.substr(0, sp);
    std::string ty = sp == std::string::npos ? "" : text::trim(v.substr(sp + 1));
    static const std::map<std::string, Returns::Kind> kinds = {
        {"errno", Returns::Kind::Errno}, {"value", Returns::Kind::Value},     {"void", Returns::Kind::Void},
        {"bool", Returns::Kind::Bool},   {"plain", Returns::Kind::Plain},     {"enum", Returns::Kind::Enum},
        {"err_ptr", Returns::Kind::ErrPtr}, {"null_ptr", Returns::Kind::NullPtr}, {"status", Returns::Kind::Status},
        {"data", Returns::Kind::Data},    {"out", Returns::Kind::Out}};
    auto it = kinds.find(k);
    if (it == kinds.end()) {
      d_.error(at(n), "unknown return convention " + shown(k), kHint);
      return def;
    }
    r.kind = it->second;
    r.type = ty;
    bool needs_type = r.kind == Returns::Kind::Value || r.kind == Returns::Kind::Plain ||
                      r.kind == Returns::Kind::Enum || r.kind == Returns::Kind::Out;
    if (needs_type && ty.empty()) {
      d_.error(at(n), "return convention '" + k + "' needs a type, e.g. '" + k + (k == "enum" ? " State'" : " u16'"));
    } else if (!needs_type && !ty.empty()) {
      d_.error(at(n), "return convention '" + k + "' takes no type");
    } else if (r.kind == Returns::Kind::Enum) {
      rust_ident(ty, at(n), "the enum");
    } else if (needs_type) {
      rust_type(ty, at(n), "the return type");
    }
    return r;
  }

  // C parameter name -> Rust type.
  std::vector<ArgMap> args(Obj& o, const std::string& key = "args", bool* present = nullptr, bool rust_names = false) {
    std::vector<ArgMap> out;
    std::vector<Location> locs;
    auto ps = o.pairs(key, &locs, present);
    for (size_t i = 0; i < ps.size(); ++i) {
      if (rust_names)
        rust_ident(ps[i].first, locs[i], "the parameter");
      else
        c_ident(ps[i].first, locs[i], "the C parameter");
      std::string below, rename;
      if (size_t colon = ps[i].second.find(": "); colon != std::string::npos && !rust_names) {
        rename = text::trim(ps[i].second.substr(0, colon));
        ps[i].second = text::trim(ps[i].second.substr(colon + 2));
        rust_ident(rename, locs[i], "the Rust name of '" + ps[i].first + "'");
      }
      if (size_t lt = ps[i].second.find(" < "); lt != std::string::npos && !rust_names) {
        below = text::trim(ps[i].second.substr(lt + 3));
        ps[i].second = text::trim(ps[i].second.substr(0, lt));
        c_ident(below, locs[i], "the bound of '" + ps[i].first + "' (a C constant)");
      }
      rust_type(ps[i].second, locs[i], "the type of '" + ps[i].first + "'");
      out.push_back({ps[i].first, ps[i].second, locs[i], "", "", "", below, rename});
    }
    return out;
  }

  // `params`: trait parameter -> Rust type, or -> {type, from, via, why}.
  std::vector<ArgMap> trait_params(Obj& o, bool* present) {
    std::vector<ArgMap> out;
    const Node* v = o.map("params", "trait parameter names to a Rust type or to {type, from, via, why}");
    *present = v != nullptr;
    if (!v) return out;
    for (size_t k = 0; k + 1 < v->items.size(); k += 2) {
      const Node& kn = node(v->items[k]);
      const Node& vn = node(v->items[k + 1]);
      if (kn.kind != Kind::Scalar) continue;  // reported by the YAML reader
      ArgMap a;
      a.name = kn.value;
      a.loc = at(&kn);
      rust_ident(a.name, a.loc, "the parameter");
      if (vn.kind == Kind::Scalar) {
        a.rust_type = vn.value;
        rust_type(a.rust_type, at(&vn), "the type of '" + a.name + "'");
      } else {
        Obj po(*this, &vn, "parameter '" + a.name + "'");
        if (!po.ok()) continue;
        Location tl = po.loc(), vl = po.loc(), wl = po.loc();
        a.rust_type = po.str("type", true, "", &tl);
        if (!a.rust_type.empty()) rust_type(a.rust_type, tl, "the type of '" + a.name + "'");
        a.from = po.str("from");
        a.via = po.str("via", false, "", &vl);
        if (!a.via.empty()) rust_type(a.via, vl, "'via' (the path of a hand-written unsafe fn)");
        a.why = po.str("why", false, "", &wl);
        if (!a.via.empty() && text::trim(a.why).empty())
          d_.error(vl, "parameter '" + a.name + "': 'via' needs 'why', the reason the call is sound");
        if (a.via.empty() && !a.why.empty()) d_.error(wl, "parameter '" + a.name + "': 'why' is only for 'via'");
      }
      out.push_back(std::move(a));
    }
    return out;
  }

  bool flag(Obj& o, const char* key) {
    const Node* v = o.get(key);
    if (!v) return false;
    if (v->kind != Kind::Scalar || (v->value != "true" && v->value != "false")) {
      d_.error(at(v), std::string("'") + key + "' must be true or false");
      return false;
    }
    return v->value == "true";
  }

  Method method(const Node* n, Scope& scope) {
    Obj o(*this, n, "a method");
    Method m;
    m.loc = o.loc();
    Location cl = m.loc, rl = m.loc;
    size_t before = d_.error_count();
    m.c = o.str("c", true, "", &cl);
    if (o.get("c") && o.get("c")->kind == Kind::Scalar) c_ident(m.c, cl, "the C function");
    bool c_ok = d_.error_count() == before;
    bool has_rust = o.get("rust") != nullptr;
    m.rust = o.str("rust", false, m.c, &rl);
    if ((has_rust && o.get("rust")->kind == Kind::Scalar) || (!has_rust && c_ok && o.get("c"))) {
      rust_ident(m.rust, has_rust ? rl : cl, "the method name");
      scope.add(m.rust, has_rust ? rl : cl);
    }
    Location recl = m.loc;
    m.receiver = o.str("receiver", false, "&mut self", &recl);
    if (m.receiver != "&mut self" && m.receiver != "&self")
      d_.error(recl, "receiver must be '&mut self' or '&self', not " + shown(m.receiver));
    m.args = args(o);
    m.returns = returns(o.get("returns"), Returns{});
    m.context = o.str("context");
    m.doc = o.str("doc");
    m.errno_loc = m.loc;
    m.errno_fn = o.str("errno", false, "", &m.errno_loc);
    if (!m.errno_fn.empty()) c_ident(m.errno_fn, m.errno_loc, "the errno function");
    return m;
  }

  Field field(const Node* n, Scope& scope) {
    Obj o(*this, n, "a field");
    Field f;
    f.loc = o.loc();
    if (!o.ok()) return f;
    Location cl = f.loc, gl = f.loc, sl = f.loc, tl = f.loc, el = f.loc, nl = f.loc;
    f.c = o.str("c", true, "", &cl);
    if (o.is_str("c")) c_path(f.c, cl, "the C field");
    f.get = o.str("get", false, "", &gl);
    if (o.is_str("get")) {
      rust_ident(f.get, gl, "the getter");
      scope.add(f.get, gl);
    }
    f.set = o.str("set", false, "", &sl);
    if (o.is_str("set")) {
      rust_ident(f.set, sl, "the setter");
      scope.add(f.set, sl);
    }
    f.type = o.str("type", false, "", &tl);
    if (o.is_str("type")) rust_type(f.type, tl, "the field type");
    f.as = o.str("as");
    f.equals = o.str("equals", false, "", &el);
    if (o.is_str("equals")) c_ident(f.equals, el, "'equals'");
    f.enum_ = o.str("enum", false, "", &nl);
    if (o.is_str("enum")) rust_ident(f.enum_, nl, "the enum");
    f.doc = o.str("doc");
    if (f.get.empty() && f.set.empty() && !o.get("get") && !o.get("set"))
      d_.error(f.loc, "a field needs 'get' or 'set' (or both)");
    if (!f.as.empty() && f.as != "bool") d_.error(f.loc, "'as' only knows 'bool'");
    return f;
  }

  std::string c_fn(Obj& o, const std::string& key, bool required, const std::string& what) {
    Location l = o.loc();
    std::string v = o.str(key, required, "", &l);
    if (o.is_str(key) && (required || !v.empty())) c_ident(v, l, what);
    return v;
  }

  Type type(const Node* n, Scope& module) {
    Obj o(*this, n, "a type");
    Type t;
    t.loc = o.loc();
    if (!o.ok()) return t;
    Location rl = t.loc, cl = t.loc;
    t.rust = o.str("rust", true, "", &rl);
    if (o.is_str("rust")) {
      rust_ident(t.rust, rl, "the type name");
      module.add(t.rust, rl);
    }
    t.c = o.str("c", true, "", &cl);
    if (o.is_str("c")) c_type(t.c, cl, "the C type");
    std::string own = o.str("ownership", false, "borrowed");
    static const std::map<std::string, Type::Ownership> owns = {{"borrowed", Type::Ownership::Borrowed},
                                                                {"refcounted", Type::Ownership::RefCounted},
                                                                {"owned", Type::Ownership::Owned},
                                                                {"pinned", Type::Ownership::Pinned}};
    if (auto it = owns.find(own); it != owns.end())
      t.ownership = it->second;
    else
      d_.error(o.loc(), "unknown ownership " + shown(own), "use borrowed, refcounted, owned or pinned");
    t.get = c_fn(o, "get", false, "the get function");
    t.put = c_fn(o, "put", false, "the put function");
    t.free = c_fn(o, "free", false, "the free function");
    if (t.ownership == Type::Ownership::RefCounted && (t.get.empty() || t.put.empty()))
      d_.error(t.loc, "a refcounted type needs 'get' and 'put' functions");
    t.doc = o.str("doc");
    t.invariants = o.list("invariants");
    Scope members(*this, "type '" + t.rust + "'");
    for (const Node* f : o.items("fields")) t.fields.push_back(field(f, members));
    for (const Node* m : o.items("methods")) t.methods.push_back(method(m, members));
    for (const Node* l : o.items("locks")) {
      Obj lo(*this, l, "a lock");
      Lock k;
      k.loc = lo.loc();
      if (!lo.ok()) continue;
      Location krl = k.loc, kml = k.loc;
      k.rust = lo.str("rust", true, "", &krl);
      if (lo.is_str("rust")) {
        rust_ident(k.rust, krl, "the guard type");
        module.add(k.rust, krl);
      }
      k.method = lo.str("method", true, "", &kml);
      if (lo.is_str("method")) {
        rust_ident(k.method, kml, "the lock method");
        members.add(k.method, kml);
      }
      k.lock = c_fn(lo, "lock", true, "the lock function");
      k.unlock = c_fn(lo, "unlock", true, "the unlock function");
      k.doc = lo.str("doc");
      Scope guard(*this, "guard '" + k.rust + "'");
      for (const Node* m : lo.items("methods")) k.methods.push_back(method(m, guard));
      t.locks.push_back(std::move(k));
    }
    if (const Node* a = o.get("as_ref")) {
      Obj ao(*this, a, "as_ref");
      if (ao.ok()) {
        Location tl = ao.loc(), fl = ao.loc(), vl = ao.loc();
        AsRef r{ao.str("target", true, "", &tl), ao.str("field", true, "", &fl), ao.str("via", true, "", &vl), ao.loc()};
        if (ao.is_str("target")) rust_path(r.target, tl, "'target'");
        if (ao.is_str("field")) c_path(r.field, fl, "the C field");
        if (ao.is_str("via")) rust_path(r.via, vl, "'via'");
        t.as_ref = r;
      }
    }
    t.extra_impl = o.str("extra_impl");
    Location gnl = t.loc;
    t.generic = o.str("generic", false, "", &gnl);
    if (!t.generic.empty()) {
      auto colon = t.generic.find(':');
      if (colon == std::string::npos)
        d_.error(gnl, "'generic' must be a parameter with its bound, e.g. \"T: Operations\"");
      else {
        rust_ident(text::trim(t.generic.substr(0, colon)), gnl, "the generic parameter");
        one_line(t.generic, gnl, "'generic'");
      }
    }
    if (!t.generic.empty() && (!t.locks.empty() || t.as_ref))
      d_.error(t.loc, "a generic type cannot have locks or as_ref yet",
               "write those in a hand-written module (see 'hand_written')");
    return t;
  }

  Enum enumeration(const Node* n, Scope& module) {
    Obj o(*this, n, "an enum");
    Enum e;
    e.loc = o.loc();
    if (!o.ok()) return e;
    Location rl = e.loc, cl = e.loc, ul = e.loc;
    e.rust = o.str("rust", true, "", &rl);
    if (o.is_str("rust")) {
      rust_ident(e.rust, rl, "the enum name");
      module.add(e.rust, rl);
    }
    e.c = o.str("c", false, "", &cl);
    if (o.is_str("c")) c_type(e.c, cl, "the C enum", "enum");
    e.doc = o.str("doc");
    e.unknown = o.str("unknown", false, "", &ul);
    if (o.is_str("unknown")) rust_ident(e.unknown, ul, "the 'unknown' variant");
    bool has_variants = false, has_macros = false;
    e.variants = o.pairs("variants", &e.variant_locs, &has_variants);
    std::vector<Location> macro_locs;
    auto macros = o.pairs("macros", &macro_locs, &has_macros);
    if (!macros.empty()) {
      if (!e.variants.empty() || !e.c.empty())
        d_.error(e.loc, "an enum is built either from a C enum ('c' + 'variants') or from 'macros', not both");
      e.variants = macros;
      e.variant_locs = macro_locs;
      e.from_macros = true;
    } else if (e.c.empty() && !o.get("c") && !o.get("macros")) {
      d_.error(e.loc, "an enum needs 'c' (a C enum) with 'variants', or 'macros'");
    }
    // (a 'variants' or 'macros' that is not a mapping has its own error)
    bool shapes_ok = (!o.get("variants") || has_variants) && (!o.get("macros") || has_macros);
    if (e.variants.empty() && shapes_ok) d_.error(e.loc, "an enum needs at least one variant");
    Scope variants(*this, "enum '" + e.rust + "'");
    for (size_t i = 0; i < e.variants.size(); ++i) {
      c_ident(e.variants[i].first, e.variant_locs[i], e.from_macros ? "the C macro" : "the C enum constant");
      rust_ident(e.variants[i].second, e.variant_locs[i], "the variant");
      variants.add(e.variants[i].second, e.variant_locs[i]);
    }
    e.docs = item_docs(o, e.variants, "variant");
    return e;
  }

  // `docs`: C name -> doc, for items whose header has no comment; each name
  // must be one of `items`.
  std::vector<std::pair<std::string, std::string>> item_docs(
      Obj& o, const std::vector<std::pair<std::string, std::string>>& items, const std::string& what) {
    std::vector<Location> locs;
    auto docs = o.pairs("docs", &locs);
    for (size_t i = 0; i < docs.size(); ++i) {
      bool known = false;
      for (const auto& [c, r] : items) known |= c == docs[i].first;
      if (!known)
        d_.error(locs[i], "'docs' names " + shown(docs[i].first) + ", which is not a " + what + " listed here",
                 "'docs' keys are the C names of the listed items");
    }
    return docs;
  }

  ConstGroup constants(const Node* n, Scope& module) {
    Obj o(*this, n, "a constant group");
    ConstGroup g;
    g.loc = o.loc();
    if (!o.ok()) return g;
    Location ml = g.loc, tl = g.loc, fl = g.loc;
    g.module = o.str("module", true, "", &ml);
    if (o.is_str("module")) {
      rust_ident(g.module, ml, "the module name");
      module.add(g.module, ml);
    }
    g.type = o.str("type", true, "", &tl);
    if (o.is_str("type")) rust_type(g.type, tl, "the constants' type");
    g.doc = o.str("doc");
    bool has_names = false;
    g.names = o.pairs("names", &g.name_locs, &has_names);
    Scope names(*this, "constant module '" + g.module + "'");
    for (size_t i = 0; i < g.names.size(); ++i) {
      c_ident(g.names[i].first, g.name_locs[i], "the C macro");
      rust_ident(g.names[i].second, g.name_locs[i], "the constant name");
      names.add(g.names[i].second, g.name_locs[i]);
    }
    g.docs = item_docs(o, g.names, "constant under 'names'");
    std::vector<Location> match_locs;
    g.match = o.list("match", false, &match_locs);
    for (size_t i = 0; i < g.match.size(); ++i) {
      bool ok = !g.match[i].empty();
      for (char c : g.match[i])
        if (!(ascii_ident(std::string(1, c)) || (c >= '0' && c <= '9') || c == '*' || c == '?')) ok = false;
      if (!ok)
        d_.error(match_locs[i], "the pattern " + shown(g.match[i]) + " is not a glob over C macro names",
                 "use letters, digits, '_', '*' and '?', e.g. MII_*");
    }
    g.from = o.str("from", false, "", &fl);
    if (o.is_str("from")) rel_path(g.from, fl, "'from'");
    if (g.names.empty() && g.match.empty() && !(o.get("names") && !has_names) && !(o.get("match") && o.get("match")->kind != Kind::Seq))
      d_.error(g.loc, "a constant group needs 'names' or 'match'");
    return g;
  }

  Ops ops(const Node* n, Scope& module) {
    Obj o(*this, n, "an ops table");
    Ops p;
    p.loc = o.loc();
    if (!o.ok()) return p;
    Location cl = p.loc, tl = p.loc, vl = p.loc, crl = p.loc, tbl = p.loc, sl = p.loc;
    p.c = o.str("c", true, "", &cl);
    if (o.is_str("c")) c_type(p.c, cl, "the C ops struct", "struct");
    Location exl = p.loc;
    p.extends = o.str("extends", false, "", &exl);
    if (!p.extends.empty()) {
      rust_ident(p.extends, exl, "'extends' (the trait of another ops table)");
      if (o.get("trait")) d_.error(exl, "an ops table that 'extends' a trait has no 'trait' of its own");
      p.trait = p.extends;
    } else {
      p.trait = o.str("trait", true, "", &tl);
      if (o.is_str("trait")) {
        rust_ident(p.trait, tl, "the trait name");
        module.add(p.trait, tl);
      }
    }
    p.vtable = o.str("vtable", true, "", &vl);
    if (o.is_str("vtable")) {
      rust_ident(p.vtable, vl, "the vtable name");
      module.add(p.vtable, vl);
    }
    p.create = o.str("create", true, "", &crl);
    if (o.is_str("create")) rust_ident(p.create, crl, "'create'");
    p.doc = o.str("doc");
    p.guarantee = o.str("guarantee", true);
    Scope items(*this, "trait '" + p.trait + "'");
    for (const Node* c : o.items("consts")) {
      Obj co(*this, c, "an associated const");
      if (!co.ok()) continue;
      Location rl = co.loc(), ctl = co.loc();
      AssocConst ac{co.str("rust", true, "", &rl), co.str("type", true, "", &ctl), co.str("default"), co.str("doc"), co.loc()};
      if (co.is_str("rust")) {
        rust_ident(ac.rust, rl, "the const name");
        items.add(ac.rust, rl);
      }
      if (co.is_str("type")) rust_type(ac.type, ctl, "the const type");
      p.consts.push_back(ac);
    }
    for (const Node* c : o.items("types")) {
      Obj to(*this, c, "an associated type");
      if (!to.ok()) continue;
      Location rl = to.loc(), bl = to.loc();
      AssocType at{to.str("rust", true, "", &rl), to.str("bounds", false, "", &bl), to.str("doc"), to.loc()};
      if (to.is_str("rust")) {
        rust_ident(at.rust, rl, "the associated type");
        items.add(at.rust, rl);
      }
      one_line(at.bounds, bl, "'bounds'");
      p.types.push_back(at);
    }
    if (const Node* dd = o.get("driver_data")) {
      Obj dobj(*this, dd, "driver_data");
      if (dobj.ok()) {
        DriverData x;
        x.loc = dobj.loc();
        x.get = c_fn(dobj, "get", true, "the C function that reads the driver data");
        x.set = c_fn(dobj, "set", true, "the C function that stores the driver data");
        Location bl = x.loc;
        x.box = dobj.str("box", false, "KBox", &bl);
        if (x.box != "KBox" && x.box != "Box")
          d_.error(bl, "'box' must be KBox or Box, not " + shown(x.box), "the kernel crate's owning pointer: KBox (Linux 6.12 and later)");
        p.driver_data = x;
      }
    }
    p.init = o.pairs("init", &p.init_locs);
    for (size_t i = 0; i < p.init.size(); ++i) {
      c_ident(p.init[i].first, p.init_locs[i], "the C member");
      one_line(p.init[i].second, p.init_locs[i], "the initializer of '" + p.init[i].first + "'");
    }
    p.supertraits = o.str("supertraits", false, "", &sl);
    one_line(p.supertraits, sl, "'supertraits'");
    p.table = o.str("table", false, "opaque", &tbl);
    Location fil = p.loc;
    p.file = o.str("file", false, "", &fil);
    if (!p.file.empty()) rust_ident(p.file, fil, "'file' (the submodule of the trait)");
    if (p.table != "opaque" && p.table != "static") d_.error(tbl, "'table' must be 'opaque' or 'static', not " + shown(p.table));
    if (const Node* st = o.get("status")) {
      Obj so(*this, st, "status");
      Location okl = so.loc(), errl = so.loc();
      p.status_ok = so.str("ok", true, "", &okl);
      p.status_err = so.str("err", true, "", &errl);
      one_line(p.status_ok, okl, "'ok'");
      one_line(p.status_err, errl, "'err'");
    }
    for (const Node* cn : o.items("conversions")) {
      Obj c(*this, cn, "a conversion");
      if (!c.ok()) continue;
      ParamConversion pc;
      pc.loc = c.loc();
      Location rl = pc.loc, vl = pc.loc;
      pc.rust = c.str("rust", true, "", &rl);
      if (!pc.rust.empty()) rust_type(pc.rust, rl, "'rust' of the conversion");
      pc.c = c.str("c", true);
      pc.via = c.str("via", true, "", &vl);
      if (!pc.via.empty()) rust_type(pc.via, vl, "'via' (the path of a hand-written unsafe fn)");
      pc.why = c.str("why", true);
      p.conversions.push_back(std::move(pc));
    }
    if (const Node* cbs = o.map("callbacks", "callback names to their settings, {} for the defaults")) {
      for (size_t k = 0; k + 1 < cbs->items.size(); k += 2) {
        const Node& kn = node(cbs->items[k]);
        const Node& vn = node(cbs->items[k + 1]);
        if (kn.kind != Kind::Scalar) continue;  // reported by the YAML reader
        Callback cb;
        cb.name = kn.value;
        cb.loc = at(&kn);
        both_ident(cb.name, cb.loc, "the callback");
        items.add(cb.name, cb.loc);
        if (vn.kind == Kind::Null || (vn.kind == Kind::Map && vn.items.empty())) {
          p.callbacks.push_back(cb);
          continue;
        }
        Obj co(*this, &vn, "callback '" + cb.name + "'");
        if (!co.ok()) continue;
        Location rl = co.loc();
        Location rnl = co.loc();
        cb.rust = co.str("rust", false, "", &rnl);
        if (!cb.rust.empty()) rust_ident(cb.rust, rnl, "'rust' (the trait method)");
        cb.receiver = co.str("receiver", false, "mut", &rl);
        cb.receiver_loc = co.loc();
        if (cb.receiver != "mut" && cb.receiver != "shared") rust_ident(cb.receiver, rl, "the receiver (mut, shared or a guard type)");
        cb.args = args(co);
        cb.returns = returns(co.get("returns"), Returns{});
        cb.params = trait_params(co, &cb.has_params);
        cb.prelude = co.str("prelude");
        cb.body = co.str("body");
        Location calll = co.loc(), whyl = co.loc();
        cb.call = co.str("call", false, "", &calll);
        if (!cb.call.empty()) rust_type(cb.call, calll, "'call' (the path of a hand-written unsafe fn)");
        cb.call_from = co.list("from");
        cb.why = co.str("why", false, "", &whyl);
        cb.required = flag(co, "required");
        cb.internal = flag(co, "internal");
        cb.drops_data = flag(co, "drops_data");
        if (cb.internal && text::trim(cb.body).empty() == cb.call.empty())
          d_.error(cb.loc, "internal callback '" + cb.name + "' needs either 'call' (with 'from' and 'why') or 'body'",
                   "'call' names the hand-written unsafe fn the trampoline calls; 'body' is hand-written Rust");
        if (!cb.call.empty() && text::trim(cb.why).empty())
          d_.error(calll, "internal callback '" + cb.name + "': 'call' needs 'why', the reason the call is sound");
        if (!cb.internal && (!cb.body.empty() || !cb.call.empty() || !cb.call_from.empty() || !cb.why.empty()))
          d_.error(cb.loc, "'body', 'call', 'from' and 'why' are only for internal callbacks",
                   "use 'params' to say where a trait parameter comes from");
        if (cb.internal && (cb.required || cb.has_params || !cb.prelude.empty() || !cb.args.empty()))
          d_.error(cb.loc, "internal callback '" + cb.name + "' takes only 'call', 'from', 'why', 'returns' or 'body'");
        if (cb.internal && cb.returns.explicit_ && cb.call.empty())
          d_.error(cb.returns.loc, "internal callback '" + cb.name + "': 'returns' goes with 'call'",
                   "a 'body' returns the C value itself");
        p.callbacks.push_back(cb);
      }
    }
    if (const Node* ex = o.map("excluded", "callback names to the reason they are left out")) {
      for (size_t k = 0; k + 1 < ex->items.size(); k += 2) {
        const Node& kn = node(ex->items[k]);
        const Node& vn = node(ex->items[k + 1]);
        if (kn.kind != Kind::Scalar) continue;
        c_ident(kn.value, at(&kn), "the excluded callback");
        std::string reason = vn.kind == Kind::Scalar ? vn.value : "";
        if (vn.kind == Kind::Seq || vn.kind == Kind::Map)
          d_.error(at(&vn), "the reason for excluding '" + kn.value + "' must be a string, not " + yaml::kind_name(vn.kind));
        else if (text::trim(reason).empty())
          d_.error(at(&kn), "excluded callback '" + kn.value + "' needs a reason");
        p.excluded.push_back({kn.value, reason, at(&kn)});
      }
    }
    return p;
  }

  DeviceId device_id(const Node* n, Scope& module) {
    Obj o(*this, n, "device_id");
    DeviceId d;
    d.loc = o.loc();
    if (!o.ok()) return d;
    Location rl = d.loc, cl = d.loc, dl = d.loc;
    d.rust = o.str("rust", true, "", &rl);
    if (o.is_str("rust")) {
      rust_ident(d.rust, rl, "the type name");
      module.add(d.rust, rl);
    }
    d.c = o.str("c", true, "", &cl);
    if (o.is_str("c")) c_type(d.c, cl, "the C type");
    d.doc = o.str("doc");
    std::vector<Location> gl;
    d.getters = o.pairs("getters", &gl);
    Scope members(*this, "type '" + d.rust + "'");
    for (size_t i = 0; i < d.getters.size(); ++i) {
      rust_ident(d.getters[i].first, gl[i], "the getter");
      c_path(d.getters[i].second, gl[i], "the C field");
      members.add(d.getters[i].first, gl[i]);
    }
    d.driver_const = o.str("driver_const", false, "", &dl);
    if (o.is_str("driver_const")) rust_ident(d.driver_const, dl, "'driver_const'");
    Location il = d.loc, tml = d.loc, mpl = d.loc, itl = d.loc;
    d.info = o.str("info", false, "", &il);
    if (o.is_str("info")) c_ident(d.info, il, "'info' (the C field holding the entry's index)");
    d.table_macro = o.str("table_macro", false, "", &tml);
    if (o.is_str("table_macro")) rust_ident(d.table_macro, tml, "'table_macro'");
    d.modpost = o.str("modpost", false, "", &mpl);
    if (o.is_str("modpost")) c_ident(d.modpost, mpl, "'modpost' (the bus name in the device table symbol)");
    d.info_type = o.str("info_type", false, "", &itl);
    if (o.is_str("info_type")) rust_ident(d.info_type, itl, "'info_type' (the trait's associated info type)");
    if (!d.info.empty() && (d.table_macro.empty() || d.modpost.empty() || d.driver_const.empty() || d.info_type.empty()))
      d_.error(il, "a device id with 'info' needs 'table_macro', 'modpost', 'driver_const' and 'info_type'",
               "they name the table macro, the bus in the modpost symbol, and the trait's IdTable const and info type");
    for (const Node* c : o.items("constructors")) {
      Obj co(*this, c, "a constructor");
      DeviceIdCtor k;
      k.loc = co.loc();
      if (!co.ok()) continue;
      Location nl = k.loc;
      k.name = co.str("name", true, "", &nl);
      if (co.is_str("name")) {
        rust_ident(k.name, nl, "the constructor");
        members.add(k.name, nl);
      }
      std::vector<Location> pl, fl;
      k.params = co.pairs("params", &pl);
      for (size_t i = 0; i < k.params.size(); ++i) {
        rust_ident(k.params[i].first, pl[i], "the parameter");
        rust_type(k.params[i].second, pl[i], "the type of '" + k.params[i].first + "'");
      }
      k.fields = co.pairs("fields", &fl);
      for (size_t i = 0; i < k.fields.size(); ++i) {
        c_ident(k.fields[i].first, fl[i], "the C field");
        one_line(k.fields[i].second, fl[i], "the value of '" + k.fields[i].first + "'");
      }
      k.doc = co.str("doc");
      d.ctors.push_back(k);
    }
    return d;
  }

  Registration registration(const Node* n, Scope& module) {
    Obj o(*this, n, "registration");
    Registration r;
    r.loc = o.loc();
    if (!o.ok()) return r;
    Location rl = r.loc;
    r.rust = o.str("rust", true, "", &rl);
    if (o.is_str("rust")) {
      rust_ident(r.rust, rl, "the type name");
      module.add(r.rust, rl);
    }
    r.doc = o.str("doc");
    Location shl = r.loc;
    r.shape = o.str("shape", false, "array", &shl);
    if (r.shape != "array" && r.shape != "single")
      d_.error(shl, "'shape' must be 'array' or 'single', not " + shown(r.shape),
               "array: a static array of drivers registered together; single: one driver per Registration<T>");
    r.set = o.pairs("set", &r.set_locs);
    for (size_t i = 0; i < r.set.size(); ++i) {
      c_ident(r.set[i].first, r.set_locs[i], "the C member");
      one_line(r.set[i].second, r.set_locs[i], "the value of '" + r.set[i].first + "'");
    }
    bool single = r.shape == "single";
    if (!single && !r.set.empty()) d_.error(r.set_locs[0], "'set' is only for a registration of shape 'single'");
    auto fn = [&](const char* key, std::string& name, std::vector<std::string>& argv, Location& loc) {
      const Node* v = o.get(key, true);
      if (!v) return;
      Obj fo(*this, v, key);
      loc = fo.loc();
      if (!fo.ok()) return;
      name = c_fn(fo, "c", true, "the C function");
      std::vector<Location> al;
      argv = fo.list("args", true, &al);
      for (size_t i = 0; i < argv.size(); ++i)
        if (single ? argv[i] != "vtable" && argv[i] != "module" && argv[i] != "name"
                   : argv[i] != "vtables" && argv[i] != "count" && argv[i] != "module")
          d_.error(al[i], "unknown registration argument " + shown(argv[i]),
                   single ? "a single registration takes vtable, module or name" : "use vtables, count or module");
    };
    fn("register", r.register_fn, r.register_args, r.register_loc);
    fn("unregister", r.unregister_fn, r.unregister_args, r.unregister_loc);
    return r;
  }

  Spec spec(const Node* root) {
    Spec s;
    s.path = path_;
    Obj o(*this, root, "the spec");
    s.loc = o.loc();
    if (!o.ok()) return s;
    Location vl = s.loc, nl = s.loc;
    std::string ver = o.str("kgen", true, "", &vl);
    if (o.get("kgen") && o.get("kgen")->kind == Kind::Scalar && ver != "1")
      d_.error(vl, "unsupported spec version " + shown(ver), "this kgen reads 'kgen: 1'");
    s.name = o.str("name", true, "", &nl);
    if (o.get("name") && o.get("name")->kind == Kind::Scalar) stem(s.name, nl, "the spec name");
    Scope module(*this, "the module");
    if (const Node* m = o.get("module", true)) {
      Obj mo(*this, m, "module");
      if (mo.ok()) {
        Location rl = mo.loc(), kl = mo.loc(), cl = mo.loc(), hl = mo.loc(), ml = mo.loc();
        s.rust_path = mo.str("rust_path", true, "", &rl);
        if (mo.get("rust_path") && mo.get("rust_path")->kind == Kind::Scalar &&
            (!text::starts_with(s.rust_path, "kernel::") || !rust_path_ok(s.rust_path)))
          d_.error(rl, "the module path " + shown(s.rust_path) + " is not kernel::<name>(::<name>)*",
                   "the generated module lives in the kernel crate, e.g. kernel::net::phy");
        s.kernel_file = mo.str("kernel_file", true, "", &kl);
        if (mo.get("kernel_file") && mo.get("kernel_file")->kind == Kind::Scalar)
          rel_path(s.kernel_file, kl, "the module's kernel_file", "rust/", ".rs");
        s.kconfig = mo.str("kconfig", false, "", &cl);
        if (mo.get("kconfig") && mo.get("kconfig")->kind == Kind::Scalar) {
          bool ok = text::starts_with(s.kconfig, "CONFIG_") && s.kconfig.size() > 7;
          for (char c : s.kconfig)
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) ok = false;
          if (!ok)
            d_.error(cl, "kconfig " + shown(s.kconfig) + " is not a Kconfig symbol (CONFIG_[A-Z0-9_]+)",
                     "write the symbol with its CONFIG_ prefix, e.g. CONFIG_RUST_PHYLIB_ABSTRACTIONS");
        }
        s.c_header = mo.str("c_header", true, "", &hl);
        if (mo.get("c_header") && mo.get("c_header")->kind == Kind::Scalar) rel_path(s.c_header, hl, "c_header");
        s.mode = mo.str("mode", false, "replace", &ml);
        if (s.mode != "replace" && s.mode != "add") d_.error(ml, "mode must be 'replace' or 'add', not " + shown(s.mode));
        s.module_doc = mo.str("doc");
        std::vector<Location> il;
        s.imports = mo.list("imports", false, &il);
        for (size_t i = 0; i < s.imports.size(); ++i) one_line(s.imports[i], il[i], "an import");
        std::vector<Location> cpl;
        s.copyright = mo.list("copyright", false, &cpl);
        for (size_t i = 0; i < s.copyright.size(); ++i) one_line(s.copyright[i], cpl[i], "a copyright line");
      }
    }
    std::vector<Location> hl, dl;
    s.headers = o.list("headers", true, &hl);
    for (size_t i = 0; i < s.headers.size(); ++i) {
      const auto& h = s.headers[i];
      if (text::trim(h).empty() || h.find_first_of("<>\"\n\r") != std::string::npos)
        d_.error(hl[i], "the header " + shown(h) + " cannot be #included",
                 "write it as inside #include <...>, e.g. linux/phy.h");
    }
    s.doc_sources = o.list("doc_sources", false, &dl);
    for (size_t i = 0; i < s.doc_sources.size(); ++i) rel_path(s.doc_sources[i], dl[i], "the doc source");
    Location hel = s.loc;
    s.helpers = o.str("helpers", true, "", &hel);
    if (o.get("helpers") && o.get("helpers")->kind == Kind::Scalar) stem(s.helpers, hel, "helpers");
    for (const Node* h : o.items("hand_written")) {
      Obj ho(*this, h, "a hand-written file");
      if (!ho.ok()) continue;
      Location fl = ho.loc(), ml = ho.loc(), kl = ho.loc(), rl = ho.loc();
      HandWritten w{ho.str("file", true, "", &fl), ho.str("module", true, "", &ml), ho.str("kernel_file", true, "", &kl),
                    ho.str("reexport", false, "", &rl), ho.loc()};
      if (ho.get("file") && ho.get("file")->kind == Kind::Scalar) rel_path(w.file, fl, "the hand-written file");
      if (ho.get("module") && ho.get("module")->kind == Kind::Scalar) {
        rust_ident(w.module, ml, "the module name");
        module.add(w.module, ml);
      }
      if (ho.get("kernel_file") && ho.get("kernel_file")->kind == Kind::Scalar)
        rel_path(w.kernel_file, kl, "the hand-written kernel_file", "rust/", ".rs");
      one_line(w.reexport, rl, "'reexport'");
      s.hand_written.push_back(w);
    }
    std::vector<Location> ul;
    s.uses = o.list("uses", false, &ul);
    for (size_t i = 0; i < s.uses.size(); ++i) {
      rel_path(s.uses[i], ul[i], "the used spec");
      if (!text::ends_with(s.uses[i], ".yaml") || s.uses[i].find('/') != std::string::npos)
        d_.error(ul[i], "'uses' names a spec file beside this one, like irq.yaml, not " + shown(s.uses[i]));
      s.uses_locs.push_back(ul[i]);
    }
    s.shared = flag(o, "shared");
    std::vector<Location> el;
    s.extra_helpers = o.list("extra_helpers", false, &el);
    for (size_t i = 0; i < s.extra_helpers.size(); ++i) c_ident(s.extra_helpers[i], el[i], "the C function");
    if (const Node* v = o.get("extra_helpers")) s.extra_helpers_loc = at(v);
    s.aliases = o.pairs("aliases", &s.alias_locs);
    for (size_t i = 0; i < s.aliases.size(); ++i) {
      c_ident(s.aliases[i].first, s.alias_locs[i], "the alias");
      c_ident(s.aliases[i].second, s.alias_locs[i], "the C function");
    }
    for (const Node* t : o.items("types")) s.types.push_back(type(t, module));
    for (const Node* e : o.items("enums")) s.enums.push_back(enumeration(e, module));
    for (const Node* c : o.items("constants")) s.constants.push_back(constants(c, module));
    for (const Node* p : o.items("ops")) s.ops.push_back(ops(p, module));
    if (const Node* d = o.get("device_id")) s.device_id = device_id(d, module);
    if (const Node* r = o.get("registration")) s.registration = registration(r, module);
    if (const Node* m = o.get("module_macro")) {
      Obj mo(*this, m, "module_macro");
      if (mo.ok()) {
        Location nml = mo.loc(), tl = mo.loc();
        s.module_macro = ModuleMacro{mo.str("name", true, "", &nml), mo.str("device_table", false, "", &tl), "", "", mo.str("doc"), mo.loc()};
        if (mo.get("name") && mo.get("name")->kind == Kind::Scalar) rust_ident(s.module_macro->name, nml, "the macro name");
        if (mo.get("device_table") && mo.get("device_table")->kind == Kind::Scalar)
          c_ident(s.module_macro->device_table, tl, "the device table symbol");
        if (const Node* dm = mo.get("device_table_macro")) {
          Obj dmo(*this, dm, "module_macro 'device_table_macro'");
          Location ml = dmo.loc(), yl = dmo.loc();
          s.module_macro->table_macro = dmo.str("macro", true, "", &ml);
          s.module_macro->table_type = dmo.str("type", true, "", &yl);
          if (dmo.is_str("macro")) rust_ident(s.module_macro->table_macro, ml, "the macro name");
          if (dmo.is_str("type")) c_ident(s.module_macro->table_type, yl, "the table type (the bus modpost knows)");
          if (!s.module_macro->device_table.empty())
            d_.error(at(mo.key_node("device_table_macro")),
                     "module_macro has both 'device_table' and 'device_table_macro'",
                     "name the symbol modpost reads (device_table) or the macro that declares it "
                     "(device_table_macro), not both; with `kernel:` ranges, one per kernel");
        }
      }
    }
    return s;
  }

  bool lost() const { return lost_; }

 private:
  const yaml::Doc& doc_;
  std::string path_;
  Diagnostics& d_;
  bool lost_ = false;
};

// ---------------------------------------------------------------------------
// Kernel-version conditions: the items of the tree's version, before the
// loader sees the tree.

class Selector {
 public:
  Selector(yaml::Doc& doc, const std::optional<KernelVersion>& v, const std::string& text, const std::string& path,
           Diagnostics& d)
      : doc_(doc), v_(v), text_(text), path_(path), d_(d) {}

  void run() {
    if (doc_.nodes.empty()) return;
    walk(doc_.root, 0);
  }
  size_t conditions = 0;
  size_t lines() const { return counted_.size(); }

 private:
  // The last node of an item (nodes are in document order; its last child
  // has the highest index).
  uint32_t last_index(uint32_t i, size_t depth) const {
    const Node& n = doc_.nodes[i];
    if (n.items.empty() || depth > yaml::kMaxDepth) return i;
    return std::max(i, last_index(n.items.back(), depth + 1));
  }

  // The spec lines of a conditional item, from `first` (a mapping value's
  // key line) up to the line before the next node (a folded string's lines
  // too), without blank and comment lines; counted once however many
  // conditions they hold.
  void count_lines(uint32_t idx, uint32_t first, size_t depth) {
    if (lines_.empty()) lines_ = text::split_lines(text_);  // only a spec with conditions pays for it
    uint32_t last = last_index(idx, depth);
    size_t end = doc_.nodes[last].line;
    if (last + 1 < doc_.nodes.size()) {
      if (doc_.nodes[last + 1].line > end) end = doc_.nodes[last + 1].line - 1;
    } else {
      end = lines_.size();
    }
    for (size_t l = first; l >= 1 && l <= end && l <= lines_.size(); ++l) {
      std::string t = text::trim(lines_[l - 1]);
      if (!t.empty() && t[0] != '#') counted_.insert(l);
    }
  }

  // A range, or nullopt after an error; `at` is where it was written.
  std::optional<VersionRange> range(const Node& val) {
    Location at{path_, val.line, val.column};
    if (val.kind != Kind::Scalar) {
      d_.error(at, "a kernel version range must be a string like \">= 7.3\", not " +
                       std::string(yaml::kind_name(val.kind)));
      return std::nullopt;
    }
    std::string err;
    auto r = parse_range(val.value, err);
    if (!r) {
      d_.error(at, err, "comparisons (<, <=, =, >=, >) with MAJOR.MINOR[.PATCH], joined by ','");
      return std::nullopt;
    }
    if (!v_ && !missing_reported_) {
      d_.error(at, "this spec has items for some kernel versions only ('kernel: " + r->text +
                       "'), and kgen was given no kernel version to choose them with",
               "give --kernel TREE (kgen reads the version from it)");
      missing_reported_ = true;
    }
    return r;
  }

  // Whether the item at `idx` is kept. A mapping with `kernel: RANGE` is
  // kept if RANGE admits the version, and loses that key; a mapping
  // `{kernel: {RANGE: X, RANGE: Y}}` is replaced by the value of the first
  // range that admits it (`idx` changes), or dropped if none does.
  bool keep(uint32_t& idx, uint32_t first_line, size_t depth) {
    Node& n = doc_.nodes[idx];
    if (n.kind != Kind::Map) return true;
    for (size_t k = 0; k + 1 < n.items.size(); k += 2) {
      const Node& key = doc_.nodes[n.items[k]];
      if (key.kind != Kind::Scalar || key.value != "kernel") continue;
      const Node& val = doc_.nodes[n.items[k + 1]];
      ++conditions;
      count_lines(idx, std::min({first_line, n.line, key.line}), depth);
      if (val.kind == Kind::Map) {  // alternatives
        if (n.items.size() != 2) {
          d_.error({path_, key.line, key.column},
                   "a 'kernel:' mapping of alternatives (RANGE: value lines) stands alone in its mapping",
                   "write the value as {kernel: {\"< 7.3\": a, \">= 7.3\": b}}, or put 'kernel: RANGE' on an item");
          return false;
        }
        std::optional<uint32_t> chosen;
        for (size_t a = 0; a + 1 < val.items.size(); a += 2) {
          auto r = range(doc_.nodes[val.items[a]]);
          if (r && v_ && !chosen && r->admits(*v_)) chosen = val.items[a + 1];
        }
        if (!chosen) return false;
        idx = *chosen;
        return true;
      }
      bool admitted = true;
      if (auto r = range(val)) admitted = !v_ || r->admits(*v_);
      n.items.erase(n.items.begin() + static_cast<long>(k), n.items.begin() + static_cast<long>(k) + 2);
      return admitted;
    }
    return true;
  }

  void walk(uint32_t idx, size_t depth) {
    if (depth > yaml::kMaxDepth) return;
    Node& n = doc_.nodes[idx];
    std::vector<uint32_t> items;
    if (n.kind == Kind::Seq) {
      for (uint32_t i : std::vector<uint32_t>(n.items))
        if (keep(i, doc_.nodes[i].line, depth + 1)) {
          walk(i, depth + 1);
          items.push_back(i);
        }
    } else if (n.kind == Kind::Map) {
      std::vector<uint32_t> old = n.items;
      for (size_t k = 0; k + 1 < old.size(); k += 2) {
        uint32_t v = old[k + 1];
        if (!keep(v, doc_.nodes[old[k]].line, depth + 1)) continue;
        walk(v, depth + 1);
        items.push_back(old[k]);
        items.push_back(v);
      }
    } else {
      return;
    }
    n.items = std::move(items);  // keep() edits other nodes only, and never resizes the vector
  }

  yaml::Doc& doc_;
  const std::optional<KernelVersion>& v_;
  const std::string& text_;
  std::vector<std::string> lines_;
  std::set<size_t> counted_;
  const std::string& path_;
  Diagnostics& d_;
  bool missing_reported_ = false;
};

}  // namespace

Spec load_string(const std::string& text, const std::string& path, const std::optional<KernelVersion>& kernel) {
  Diagnostics d;
  yaml::Doc doc = yaml::parse(text, path, d);
  if (!doc.complete) d.throw_if_errors("spec");
  if (doc.empty) {
    d.error({path, 1, 1}, "the spec is empty", "start from header-specs/TEMPLATE.yaml");
    d.throw_if_errors("spec");
  }
  Selector sel(doc, kernel, text, path, d);
  sel.run();
  Spec s;
  bool lost = false;
  {
    Loader l(doc, path, d);
    s = l.spec(&doc.at(doc.root));
    lost = l.lost();
  }
  s.kernel = kernel;
  s.kernel_conditions = sel.conditions;
  s.kernel_condition_lines = sel.lines();
  if (lost) d.error({path, 0, 0}, "kgen ran out of memory while checking the spec");
  d.throw_if_errors("spec");
  return s;
}

Spec load(const std::string& path, const std::optional<KernelVersion>& kernel) {
  return load_string(fs::read_file_or_throw(path), path, kernel);
}

bool is_rust_keyword(const std::string& s) { return rust_keywords().count(s) > 0; }

}  // namespace kgen::spec
