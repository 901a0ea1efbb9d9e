#include "infer/infer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>
#include <set>

#include "support/text.hpp"

namespace kgen::infer {

using model::CType;

const std::vector<std::string>& cleanup_macros() {
  static const std::vector<std::string> m = {"DEFINE_GUARD", "DEFINE_LOCK_GUARD_0", "DEFINE_LOCK_GUARD_1",
                                             "DEFINE_CLASS", "DEFINE_FREE",         "DEFINE_GUARD_COND"};
  return m;
}

namespace {

bool matches(const std::string& text, const char* re) {
  return std::regex_search(text, std::regex(re, std::regex::icase));
}

std::string self_tag(const std::vector<model::CParam>& params) {
  if (params.empty() || !params[0].type.is_pointer() || !params[0].type.pointee) return "";
  const CType& p = *params[0].type.pointee;
  return p.kind == CType::Kind::Record ? p.tag : "";
}

std::string rust_int(const CType& t) {
  std::string b = std::to_string(t.bits ? t.bits : 32);
  return (t.is_signed ? "i" : "u") + b;
}

// The kernel-doc text that speaks about the result and the context.
std::string doc_text(const model::KernelDoc& d) {
  std::string s = d.returns + "\n" + d.context + "\n" + d.summary;
  for (const auto& b : d.body) s += "\n" + b;
  return s;
}

// `params` decides whether results could come back through out-pointers
// (of a function; a `callback` of an ops table writes through them itself);
// `m` finds the enum a __bitwise integer typedef stands for.
Returns returns_of(const CType& ret, const model::KernelDoc* doc, const std::string& member_doc,
                   const std::vector<model::CParam>& params, const model::CModel& m, bool callback) {
  Returns r;
  std::string text = doc ? (doc->returns.empty() ? doc_text(*doc) : doc->returns) : member_doc;
  std::string summary = doc ? doc->summary : member_doc;
  // Quoted in a one-line YAML comment: no line breaks.
  std::string quoted = std::regex_replace(text::trim(text), std::regex("\\s+"), " ").substr(0, 80);
  std::string from = text::trim(text).empty() ? "" : " (kernel-doc: \"" + quoted + "\")";
  switch (ret.kind) {
    case CType::Kind::Void: r = {"void", "", "returns void"}; return r;
    case CType::Kind::Bool: r = {"bool", "", "returns bool"}; return r;
    case CType::Kind::Enum: {
      std::string name = !ret.typedef_name.empty() ? ret.typedef_name : ret.tag;
      r = {"enum", text::to_camel(name), "returns " + ret.spelling + ": a Rust enum with TryFrom"};
      return r;
    }
    case CType::Kind::Pointer:
      if (matches(text, "ERR_PTR|IS_ERR"))
        r = {"err_ptr", "", "returns a pointer; ERR_PTR on failure" + from};
      else if (matches(text, "\\bNULL\\b"))
        r = {"null_ptr", "", "returns a pointer; NULL on failure" + from};
      else
        r = {"", "", "returns a pointer, and no kernel-doc says how it fails: review"};
      return r;
    case CType::Kind::Int:
      break;
    default:
      r = {"plain", ret.spelling, "returns " + ret.spelling};
      return r;
  }
  // `typedef unsigned int __bitwise pci_ers_result_t` beside `enum
  // pci_ers_result { PCI_ERS_RESULT_NONE = (__force pci_ers_result_t) 1, ...}`:
  // the integer carries the enum's values.
  if (const std::string& td = ret.typedef_name; text::ends_with(td, "_t") && td.size() > 2) {
    std::string base = td.substr(0, td.size() - 2);
    if (const model::CEnum* e = m.enumeration(base); e && !e->constants.empty()) {
      r = {"enum", text::to_camel(base), "returns " + td + ", the integer form of enum " + base + ": a Rust enum with TryFrom"};
      return r;
    }
  }
  // int f(..., u8 *val): the value comes back through the last parameter,
  // the int is 0 or an error. Not for callbacks: there the driver writes
  // through the pointer, and the spec maps it with `args`.
  if (ret.is_signed && params.size() >= 2 && !callback) {
    const CType& last = params.back().type;
    if (last.is_pointer() && last.pointee && !last.pointee->is_const && last.pointee->kind == CType::Kind::Int &&
        last.pointee->builtin != "char") {
      r = {"out", rust_int(*last.pointee),
           "returns int and writes its result through its last parameter `" + params.back().name + "` (" +
               last.spelling + "): the value, or the error" + from};
      return r;
    }
  }
  if (!ret.is_signed) {
    r = {"plain", rust_int(ret), "returns " + ret.spelling + " (unsigned: no error convention)"};
    return r;
  }
  if (text::trim(text).empty()) {
    r = {"errno", "", "returns int and has no kernel-doc: 0 or a negative errno, the default"};
    return r;
  }
  if (std::regex_search(summary, std::regex("read(s|ing)? (a |an |the )?(given |paged )?(\\w+ )?register", std::regex::icase)) &&
      !matches(text, "\\b0 on success")) {
    r = {"value", "u16", "its kernel-doc says it reads a register: the register's value or a negative errno (kernel-doc: \"" +
                             summary.substr(0, 80) + "\")"};
    return r;
  }
  bool out_params = false;
  for (size_t i = 1; i < params.size(); ++i)
    out_params |= params[i].type.is_pointer() && params[i].type.pointee && !params[i].type.pointee->is_const;
  if (!out_params && !matches(summary, "\\b(true|false)\\b") && std::regex_search(summary, std::regex("^(gets?|returns?) (the |a |an )?|^number of", std::regex::icase))) {
    r = {"value", "u32", "its kernel-doc names what it returns, and it has no out-parameter: a value or a negative errno "
                         "(kernel-doc: \"" + summary.substr(0, 80) + "\")"};
    return r;
  }
  bool neg = matches(text, "negative|-E[A-Z]|errno|error code|< ?0\\b|on error|on failure");
  bool macro_value = std::regex_search(text, std::regex("[Rr]eturns? [A-Z][A-Z0-9_]{3,}"));
  bool value = macro_value || matches(text, "\\bvalue\\b|number of|\\bcount\\b|positive|non-negative|>= ?0|\\bthe (register|contents|page|bit|speed|index|id)\\b|\\b1 if\\b|\\bone if\\b|\\b1 when\\b");
  bool truth = matches(text, "\\btrue\\b|\\bfalse\\b|non-?zero if|\\b1 if\\b|\\b0 if\\b");
  if (macro_value)
    r = {"value", "u32", "returns a constant's value on success" + from};
  else if (neg && value)
    r = {"value", "u32", "returns a non-negative value or a negative errno" + from};
  else if (neg)
    r = {"errno", "", "returns 0 or a negative errno" + from};
  else if (truth)
    r = {"bool", "", "returns a truth value" + from};
  else
    r = {"errno", "", "returns int; its kernel-doc names no error convention, errno is the default" + from};
  return r;
}

bool sleeps(const std::string& text) {
  return matches(text, "(may|might|can|will) sleep|sleeping|\\bsleeps\\b|process context|"
                       "not (be )?(called|used) (from|in) (atomic|interrupt)");
}

bool is_rust_keyword(const std::string& s) {
  static const std::set<std::string> k = {"as",    "break", "const", "continue", "crate", "else",   "enum",  "extern",
                                          "false", "fn",    "for",   "if",       "impl",  "in",     "let",   "loop",
                                          "match", "mod",   "move",  "mut",      "pub",   "ref",    "return", "self",
                                          "Self",  "static", "struct", "super",  "trait", "true",   "type",  "unsafe",
                                          "use",   "where", "while", "async",    "await", "dyn",    "try"};
  return k.count(s) > 0;
}

// Identifiers followed by "(" in a macro argument ("if ( _T ) kfree ( _T )" -> kfree).
std::vector<std::string> called(const std::string& arg) {
  std::vector<std::string> out;
  auto toks = text::split(arg, ' ');
  for (size_t i = 0; i + 1 < toks.size(); ++i)
    if (toks[i + 1] == "(" && text::is_identifier(toks[i]) && toks[i] != "if" && toks[i] != "while" &&
        toks[i] != "sizeof" && toks[i] != "typeof" && toks[i] != "__typeof__")
      out.push_back(toks[i]);
  return out;
}

std::string tag_of_type_arg(const std::string& arg) {
  // "struct mutex *" -> mutex
  auto toks = text::split(arg, ' ');
  for (size_t i = 0; i + 1 < toks.size(); ++i)
    if (toks[i] == "struct" || toks[i] == "union") return toks[i + 1];
  return "";
}

class Inferrer {
 public:
  Inferrer(const model::CModel& m, const Options& o, const std::map<std::string, model::KernelDoc>& docs)
      : m_(m), o_(o), extra_docs_(docs) {
    headers_.push_back({o.header, ""});
    for (const auto& h : o.also) headers_.push_back({h, ""});
    for (auto& [h, file] : headers_)
      if (auto it = m.header_files.find(h); it != m.header_files.end()) file = it->second;
    stem_ = o.header.substr(o.header.rfind('/') + 1);
    stem_ = stem_.substr(0, stem_.find('.'));
    // A module name cannot start with a digit (linux/mfd/88pm860x.h): the
    // directory goes first (mfd_88pm860x).
    if (!stem_.empty() && std::isdigit(static_cast<unsigned char>(stem_[0]))) {
      std::string dir = o.header.substr(0, o.header.rfind('/') == std::string::npos ? 0 : o.header.rfind('/'));
      dir = dir.substr(dir.rfind('/') + 1);
      stem_ = (dir.empty() || std::isdigit(static_cast<unsigned char>(dir[0])) ? "h" : dir) + "_" + stem_;
    }
  }

  Draft run() {
    Draft d;
    d.header = o_.header;
    d.also = o_.also;
    d.name = text::replace_all(stem_, "_", "-");
    std::string only = o_.ops.empty() ? "" : strip(o_.ops);
    if (only.empty()) {
      types(d);
      guards(d);
    }
    ops(d, only);
    if (!only.empty()) ops_receiver_type(d);
    dedupe(d);
    for (auto& t : d.types)
      if (t.ownership == "borrowed")
        t.why.push_back(t.locks.empty() ? "borrowed: no get/put or alloc/free pair, no DEFINE_FREE or DEFINE_CLASS over it"
                                        : "borrowed: no get/put or alloc/free pair (its lock pair makes a guard, not an owner)");
    std::sort(d.types.begin(), d.types.end(), [](auto& a, auto& b) { return a.tag < b.tag; });
    return d;
  }

 private:
  static std::string strip(const std::string& c) {
    for (const char* kw : {"struct ", "union "})
      if (text::starts_with(c, kw)) return c.substr(std::char_traits<char>::length(kw));
    return c;
  }

  // In the header, or one of the module's other headers: the file the parse
  // found for it, or (not found) any file whose path ends with its name.
  bool in_header(const Location& l) const {
    for (const auto& [h, file] : headers_)
      if (file.empty() ? text::ends_with(l.file, "/" + h) : l.file == file) return true;
    return false;
  }

  const model::KernelDoc* doc_of(const model::CFunction& f) {
    auto d = model::parse_kerneldoc(f.doc);
    if (!d.empty()) return &(header_docs_[f.name] = d);
    auto it = extra_docs_.find(f.name);
    return it == extra_docs_.end() ? nullptr : &it->second;
  }

  std::string rust_name(const std::string& c) const {
    std::string n = c;
    while (text::starts_with(n, "_")) n = n.substr(1);
    if (text::starts_with(n, stem_ + "_")) n = n.substr(stem_.size() + 1);
    if (n.empty() || !text::is_identifier(n) || is_rust_keyword(n)) return c;
    return n;
  }

  // Why `name` may sleep ("" if nothing says so): its kernel-doc, a
  // might_sleep() in its static inline body, or a function that body calls.
  std::string sleep_reason(const std::string& name, int depth) {
    if (auto it = sleep_memo_.find(name); it != sleep_memo_.end()) return it->second;
    sleep_memo_[name] = "";  // cycles
    const model::CFunction* f = m_.function(name);
    std::string why;
    if (f) {
      const model::KernelDoc* doc = doc_of(*f);
      if (doc && sleeps(doc_text(*doc))) why = "kernel-doc of " + name + " says it may sleep";
      for (size_t i = 0; why.empty() && i < f->calls.size(); ++i) {
        if (f->calls[i] == "might_sleep") why = "the static inline body of " + name + " calls might_sleep()";
        else if (depth < 3) {
          std::string w = sleep_reason(f->calls[i], depth + 1);
          if (!w.empty()) why = name + " calls " + f->calls[i] + "; " + w;
        }
      }
    }
    return sleep_memo_[name] = why;
  }

  DraftMethod method(const model::CFunction& f) {
    DraftMethod me;
    me.c = f.name;
    me.rust = rust_name(f.name);
    const model::KernelDoc* doc = doc_of(f);
    me.returns = returns_of(f.ret, doc, "", f.params, m_, false);
    me.why.push_back(me.returns.why);
    if (doc && !doc->context.empty()) {
      me.context = doc->context;
      me.why.push_back("kernel-doc Context: " + doc->context);
    }
    if (std::string w = sleep_reason(f.name, 0); !w.empty()) {
      me.may_sleep = true;
      me.why.push_back("may sleep: " + w);
    }
    if (f.warn_unused_result) me.why.push_back("__must_check (warn_unused_result): its result may not be discarded");
    if (f.is_static_inline) me.why.push_back("static inline: kgen generates a C helper for it");
    return me;
  }

  DraftType& type(Draft& d, const std::string& tag) {
    for (auto& t : d.types)
      if (t.tag == tag) return t;
    DraftType t;
    t.tag = tag;
    t.rust = text::to_camel(tag);
    d.types.push_back(t);
    return d.types.back();
  }

  void types(Draft& d) {
    std::map<std::string, std::vector<const model::CFunction*>> by_tag;
    std::set<std::string> names;
    for (const auto& [n, f] : m_.functions) {
      if (!in_header(f.loc) || f.variadic) continue;
      if (text::starts_with(n, "class_") || text::starts_with(n, "__free_")) continue;  // guards()
      names.insert(n);
      std::string tag = self_tag(f.params);
      if (!tag.empty()) by_tag[tag].push_back(&f);
    }
    for (auto& [tag, fns] : by_tag) {
      const model::CRecord* rec = m_.record(tag);
      // A struct defined in the header, or named after it (struct mutex of linux/mutex.h).
      bool ours = (rec && in_header(rec->loc)) || text::starts_with(tag, stem_) || text::starts_with(stem_, tag);
      if (!ours) {
        std::vector<std::string> names_of;
        for (auto* f : fns) names_of.push_back(f->name);
        if (names_of.size() > 4) names_of.resize(4), names_of.push_back("...");
        d.notes.push_back(std::to_string(fns.size()) + (fns.size() == 1 ? " function takes" : " functions take") +
                          " struct " + tag + ", defined outside " + o_.header + ", first (" +
                          text::join(names_of, ", ") + "): methods of another module's type, not drafted");
        continue;
      }
      std::set<std::string> mine;
      for (auto* f : fns) mine.insert(f->name);
      DraftType& t = type(d, tag);
      t.why.push_back("struct " + tag + " is the first parameter of " + std::to_string(fns.size()) +
                      (fns.size() == 1 ? " function of " : " functions of ") + o_.header);
      std::set<std::string> used;
      auto counterpart = [&](const std::string& n, const std::string& a, const std::string& b) -> std::string {
        for (auto pos = n.find(a); pos != std::string::npos; pos = n.find(a, pos + 1)) {
          std::string c = n.substr(0, pos) + b + n.substr(pos + a.size());
          bool boundary_l = pos == 0 || n[pos - 1] == '_';
          bool boundary_r = pos + a.size() == n.size() || n[pos + a.size()] == '_';
          if (boundary_l && boundary_r && mine.count(c)) return c;
        }
        return "";
      };
      for (const auto& n : mine) {
        if (used.count(n)) continue;
        if (auto p = counterpart(n, "get", "put"); !p.empty() && t.get.empty()) {
          t.ownership = "refcounted";
          t.get = n;
          t.put = p;
          t.why.push_back("refcounted: name pair " + n + "/" + p + " over struct " + tag);
          used.insert({n, p});
        } else if (auto p2 = counterpart(n, "lock", "unlock"); !p2.empty()) {
          DraftLock lk;
          lk.lock = n;
          lk.unlock = p2;
          std::string what = rust_name(n);
          what = text::replace_all(what, "lock", "");
          while (text::starts_with(what, "_")) what = what.substr(1);
          while (text::ends_with(what, "_")) what.pop_back();
          lk.rust = text::to_camel(what.empty() ? tag : what) + "Guard";
          lk.method = rust_name(n);
          lk.why.push_back("name pair " + n + "/" + p2 + " over struct " + tag + ": a guard whose Drop unlocks");
          t.locks.push_back(lk);
          used.insert({n, p2});
        }
      }
      for (const auto& n : mine) {
        for (const auto& [a, b] : {std::pair{"free", "alloc"}, std::pair{"destroy", "create"}}) {
          if (!t.free.empty() || used.count(n)) continue;
          std::string alloc = text::replace_all(n, a, b);
          if (alloc != n && (names.count(alloc) || m_.function(alloc)) && m_.function(n)->params.size() == 1) {
            t.ownership = t.ownership == "refcounted" ? t.ownership : "owned";
            t.free = n;
            t.why.push_back("owned: name pair " + alloc + "/" + n);
            used.insert(n);
          }
        }
      }
      // __name next to name: the variant for callers that hold the lock.
      for (auto* f : fns) {
        if (used.count(f->name)) continue;
        if (text::starts_with(f->name, "__") && names.count(f->name.substr(2)) && t.locks.size() == 1) {
          DraftMethod me = method(*f);
          me.why.insert(me.why.begin(), "the lock-held variant of " + f->name.substr(2) + " (the __ prefix)");
          t.locks[0].methods.push_back(me);
          continue;
        }
        t.methods.push_back(method(*f));
      }
    }
  }

  // DEFINE_GUARD / DEFINE_LOCK_GUARD_1 / DEFINE_CLASS / DEFINE_FREE in the header.
  void guards(Draft& d) {
    std::set<std::string> seen;
    for (const auto& u : m_.macro_uses) {
      if (!in_header(u.loc) || u.args.size() < 3) continue;
      std::string where = u.name + "(" + u.args[0] + ", ...) at " + o_.header + ":" + std::to_string(u.loc.line);
      std::string tag = tag_of_type_arg(u.args[1]);
      seen.insert(u.args[0]);
      if (u.name == "DEFINE_GUARD_COND") {  // (name, suffix, lock): a conditional variant of a guard
        seen.insert(u.args[0] + u.args[1]);
        auto l = called(u.args[2]);
        for (auto& t : d.types)
          for (auto& lk : t.locks)
            if (lk.rust == text::to_camel(u.args[0]) + "Guard" && !l.empty())
              lk.why.push_back(where + ": conditional variant through " + l[0]);
        continue;
      }
      if ((u.name == "DEFINE_GUARD" || u.name == "DEFINE_LOCK_GUARD_1") && u.args.size() >= 4 && !tag.empty()) {
        auto l = called(u.args[2]), ul = called(u.args[3]);
        if (l.empty() || ul.empty()) continue;
        DraftType& t = type(d, tag);
        bool have = false;
        for (auto& lk : t.locks)
          if (lk.lock == l[0]) {
            lk.why.push_back(where + " pairs them too");
            have = true;
          }
        if (have) continue;
        DraftLock lk;
        lk.lock = l[0];
        lk.unlock = ul[0];
        lk.rust = text::to_camel(u.args[0]) + "Guard";
        lk.method = rust_name(l[0]);
        lk.why.push_back(where + ": lock " + l[0] + ", unlock " + ul[0]);
        t.locks.push_back(lk);
        if (t.why.empty()) t.why.push_back("struct " + tag + " is guarded by " + u.name + " in " + o_.header);
      } else if (u.name == "DEFINE_FREE" && !tag.empty()) {
        auto f = called(u.args[2]);
        if (f.empty()) continue;
        DraftType& t = type(d, tag);
        if (t.why.empty()) t.why.push_back("struct " + tag + " has a DEFINE_FREE in " + o_.header);
        if (matches(f[0], "(^|_)put(_|$)")) {
          t.why.push_back(where + ": " + f[0] + " releases a reference");
          if (t.put.empty()) {
            t.ownership = "refcounted";
            t.put = f[0];
            for (std::string g : {text::replace_all(f[0], "put", "get")})
              if (m_.function(g)) t.get = g;
          }
        } else if (t.free.empty() && t.ownership != "refcounted") {
          t.ownership = "owned";
          t.free = f[0];
          t.why.push_back(where + ": " + f[0] + " frees it");
        } else {
          t.why.push_back(where + ": " + f[0] + (f[0] == t.free || f[0] == t.put ? " releases it too" : " undoes it"));
        }
      } else if (u.name == "DEFINE_CLASS" && u.args.size() >= 4 && !tag.empty()) {
        auto ex = called(u.args[2]), in = called(u.args[3]);
        DraftType& t = type(d, tag);
        if (t.why.empty()) t.why.push_back("struct " + tag + " has a DEFINE_CLASS in " + o_.header);
        t.why.push_back(where + ": constructor " + (in.empty() ? "?" : in[0]) + ", destructor " +
                        (ex.empty() ? "?" : ex[0]));
        if (!ex.empty() && t.free.empty() && t.ownership == "borrowed") {
          t.ownership = "owned";
          t.free = ex[0];
        }
      }
    }
    // Expansions that were not recorded as uses (nested macros): the names tell.
    for (const auto& [n, f] : m_.functions) {
      if (!in_header(f.loc)) continue;
      static const std::regex cls("^class_(.+)_destructor$"), fr("^__free_(.+)$");
      std::smatch mm;
      if ((std::regex_match(n, mm, cls) || std::regex_match(n, mm, fr)) && !seen.count(mm[1].str()))
        d.notes.push_back(n + " (" + f.loc.str() + "): made by a cleanup.h macro whose arguments were not visible; "
                          "review its type's ownership");
    }
  }

  void ops(Draft& d, const std::string& only) {
    for (const auto& [tag, r] : m_.records) {
      if (!r.complete) continue;
      if (only.empty() ? !(in_header(r.loc) && r.is_ops_table()) : tag != only) continue;
      DraftOps op;
      op.tag = tag;
      op.trait = text::to_camel(tag);
      size_t fp = 0, named = 0;
      for (const auto& f : r.fields) {
        if (f.name.empty()) continue;
        ++named;
        if (!f.type.is_function_pointer()) {
          op.data_members.push_back(f.name);
          continue;
        }
        ++fp;
        DraftCallback cb;
        cb.name = f.name;
        // bindgen spells such a member `match_`; kgen's initializers and
        // trait methods use the C name, so it cannot wire one yet.
        if (spec::is_rust_keyword(f.name))
          cb.excluded = "the member is named by a Rust keyword ('" + f.name + "'), which kgen cannot wire yet";
        auto md = model::parse_kerneldoc(f.doc);
        std::string mdoc = md.summary;
        for (const auto& b : md.body) mdoc += "\n" + b;
        if (!md.returns.empty()) mdoc = md.returns;
        cb.returns = returns_of(*f.type.pointee->ret, nullptr, mdoc, f.type.pointee->params, m_, true);
        for (const auto& p : f.type.pointee->params) {
          const CType& t = p.type;
          bool buffer = t.is_pointer() && t.pointee &&
                        (t.pointee->kind == CType::Kind::Void ||
                         (t.pointee->kind == CType::Kind::Int && (p.name == "data" || p.name == "buf" || p.name == "buffer")));
          if (buffer && cb.excluded.empty()) {
            cb.excluded = "`" + p.name + "` (" + t.spelling + ") is a buffer whose length or type the signature does not give";
            break;
          }
        }
        op.callbacks.push_back(cb);
      }
      op.why.push_back("struct " + tag + ": " + std::to_string(fp) + " of its " + std::to_string(named) +
                       " members are function pointers" + (only.empty() ? "" : " (asked for with --ops)"));
      d.ops.push_back(op);
    }
    if (!only.empty() && d.ops.empty()) d.notes.push_back("no complete struct " + only + " in the headers");
  }

  // The spec loader rejects a Rust name used twice in one scope: a C
  // function or lock pair drafted twice is drafted once, and a name that two
  // different C items would share falls back to the C name.
  static void dedupe_methods(std::vector<DraftMethod>& ms, std::set<std::string>& names) {
    std::vector<DraftMethod> kept;
    std::set<std::string> c_seen;
    for (auto& me : ms) {
      if (!c_seen.insert(me.c).second) continue;
      if (names.count(me.rust)) me.rust = me.c;
      if (!names.insert(me.rust).second) continue;
      kept.push_back(std::move(me));
    }
    ms = std::move(kept);
  }

  static void dedupe(Draft& d) {
    std::set<std::string> module;  // types, guards and traits share the module's namespace
    for (const auto& t : d.types) module.insert(t.rust);
    for (auto& t : d.types) {
      std::set<std::string> impl, pairs;
      std::vector<DraftLock> locks;
      for (auto& lk : t.locks) {
        if (!pairs.insert(lk.lock + "/" + lk.unlock).second) continue;
        if (module.count(lk.rust)) lk.rust = text::to_camel(lk.lock) + "Guard";
        if (!module.insert(lk.rust).second) continue;
        std::set<std::string> guard_impl;
        dedupe_methods(lk.methods, guard_impl);
        locks.push_back(std::move(lk));
      }
      t.locks = std::move(locks);
      dedupe_methods(t.methods, impl);
      for (auto& lk : t.locks) {
        if (impl.count(lk.method)) lk.method = lk.lock;
        impl.insert(lk.method);
      }
    }
    for (auto& o : d.ops) {
      if (module.count(o.trait)) o.trait = text::to_camel(o.tag) + "Callbacks";
      module.insert(o.trait);
    }
  }

  // With --ops, the type lent to the callbacks (their usual first parameter).
  void ops_receiver_type(Draft& d) {
    if (d.ops.empty()) return;
    std::map<std::string, size_t> count;
    const model::CRecord* r = m_.record(d.ops[0].tag);
    for (const auto& f : r->fields)
      if (f.type.is_function_pointer()) count[self_tag(f.type.pointee->params)]++;
    count.erase("");
    if (count.empty()) return;
    auto best = std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; });
    DraftType& t = type(d, best->first);
    t.why.push_back("struct " + best->first + " is the first parameter of " + std::to_string(best->second) +
                    " callbacks of struct " + d.ops[0].tag + ": lent to them");
  }

  const model::CModel& m_;
  const Options& o_;
  const std::map<std::string, model::KernelDoc>& extra_docs_;
  std::map<std::string, model::KernelDoc> header_docs_;
  std::map<std::string, std::string> sleep_memo_;
  // The header, then the module's other headers, each with the file the
  // parse found for it ("" if none).
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string stem_;
};

std::string q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string comment(const std::vector<std::string>& why, const std::string& indent) {
  std::string s;
  for (const auto& w : why)
    if (!w.empty()) s += indent + "# " + text::replace_all(w, "\n", " ") + "\n";
  return s;
}

std::string returns_yaml(const Returns& r) {
  if (r.kind.empty()) return "";
  return r.type.empty() ? r.kind : r.kind + " " + r.type;
}

void method_yaml(std::string& s, const DraftMethod& me, const std::string& indent) {
  s += comment(me.why, indent);
  s += indent + "- {c: " + q(me.c) + ", rust: " + q(me.rust);
  if (!me.returns.kind.empty()) s += ", returns: " + q(returns_yaml(me.returns));
  if (!me.context.empty()) s += ", context: " + q(me.context);
  else if (me.may_sleep) s += ", context: \"may sleep\"";
  s += "}\n";
}

// The convention kgen assumes when a spec says nothing (passes: derive).
std::string default_kind(const CType& t) {
  switch (t.kind) {
    case CType::Kind::Void: return "void";
    case CType::Kind::Bool: return "bool";
    case CType::Kind::Int: return t.is_signed ? "errno" : "plain";
    default: return "plain";
  }
}

std::string kind_name(spec::Returns::Kind k) {
  switch (k) {
    case spec::Returns::Kind::Errno: return "errno";
    case spec::Returns::Kind::Value: return "value";
    case spec::Returns::Kind::Void: return "void";
    case spec::Returns::Kind::Bool: return "bool";
    case spec::Returns::Kind::Plain: return "plain";
    case spec::Returns::Kind::Enum: return "enum";
    case spec::Returns::Kind::ErrPtr: return "err_ptr";
    case spec::Returns::Kind::NullPtr: return "null_ptr";
    case spec::Returns::Kind::Status: return "status";
    case spec::Returns::Kind::Data: return "data";
    case spec::Returns::Kind::Out: return "out";
  }
  return "?";
}

std::string ownership_name(spec::Type::Ownership o) {
  switch (o) {
    case spec::Type::Ownership::Borrowed: return "borrowed";
    case spec::Type::Ownership::RefCounted: return "refcounted";
    case spec::Type::Ownership::Owned: return "owned";
    case spec::Type::Ownership::Pinned: return "pinned";
  }
  return "?";
}

std::string strip_kw(const std::string& c) {
  for (const char* kw : {"struct ", "union ", "enum "})
    if (text::starts_with(c, kw)) return c.substr(std::char_traits<char>::length(kw));
  return c;
}

}  // namespace

Draft infer(const model::CModel& m, const Options& o, const std::map<std::string, model::KernelDoc>& docs) {
  return Inferrer(m, o, docs).run();
}

static std::vector<std::string> all_headers(const Draft& d) {
  std::vector<std::string> out = {d.header};
  for (const auto& h : d.also)
    if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  return out;
}

std::string render_yaml(const Draft& d) {
  std::string s;
  s += "# Drafted by `kgen infer` from " + text::join(all_headers(d), ", ") +
       " alone: a starting point for review, not a spec to\n";
  s += "# commit as is. Every item says why it was inferred; names and modules are guesses.\n";
  s += "kgen: 1\n";
  s += "name: " + d.name + "\n";
  s += "module:\n";
  s += "  rust_path: " + q("kernel::" + text::replace_all(d.name, "-", "_")) + "  # TODO: where it belongs\n";
  s += "  kernel_file: " + q("rust/kernel/" + text::replace_all(d.name, "-", "_") + ".rs") + "\n";
  s += "  c_header: " + q("include/" + d.header) + "\n";
  s += "  mode: add\n";
  std::vector<std::string> quoted;
  for (const auto& h : all_headers(d)) quoted.push_back(q(h));
  s += "headers: [" + text::join(quoted, ", ") + "]\n";
  s += "helpers: " + q("kgen_" + text::replace_all(d.name, "-", "_")) + "\n";
  for (const auto& n : d.notes) s += "# note: " + n + "\n";
  if (!d.types.empty()) s += "types:\n";
  for (const auto& t : d.types) {
    s += comment(t.why, "  ");
    s += "  - rust: " + q(t.rust) + "\n";
    s += "    c: " + q("struct " + t.tag) + "\n";
    s += "    ownership: " + t.ownership + "\n";
    if (!t.get.empty()) s += "    get: " + q(t.get) + "\n";
    if (!t.put.empty()) s += "    put: " + q(t.put) + "\n";
    if (!t.free.empty()) s += "    free: " + q(t.free) + "\n";
    if (!t.locks.empty()) s += "    locks:\n";
    for (const auto& lk : t.locks) {
      s += comment(lk.why, "      ");
      s += "      - rust: " + q(lk.rust) + "\n";
      s += "        method: " + q(lk.method) + "\n";
      s += "        lock: " + q(lk.lock) + "\n";
      s += "        unlock: " + q(lk.unlock) + "\n";
      if (!lk.methods.empty()) s += "        methods:\n";
      for (const auto& me : lk.methods) method_yaml(s, me, "          ");
    }
    if (!t.methods.empty()) s += "    methods:\n";
    for (const auto& me : t.methods) method_yaml(s, me, "      ");
  }
  if (!d.ops.empty()) s += "ops:\n";
  for (const auto& o : d.ops) {
    s += comment(o.why, "  ");
    s += "  - c: " + q("struct " + o.tag) + "\n";
    s += "    trait: " + q(o.trait) + "\n";
    s += "    vtable: " + q(o.trait + "VTable") + "\n";
    s += "    create: " + q("create_" + o.tag) + "\n";
    s += "    guarantee: \"TODO: what the C side guarantees every callback (quoted in each SAFETY comment)\"\n";
    if (!o.data_members.empty()) {
      s += "    # every data member needs an initializer: review each value\n";
      s += "    init:\n";
      for (const auto& m : o.data_members) s += "      " + m + ": zeroed\n";
    }
    bool any_excluded = false, any_wired = false;
    for (const auto& cb : o.callbacks) any_wired |= cb.excluded.empty();
    // Every callback excluded: an empty map, which the loader reads as such.
    s += any_wired ? "    callbacks:\n" : "    callbacks: {}\n";
    for (const auto& cb : o.callbacks) {
      if (!cb.excluded.empty()) {
        any_excluded = true;
        continue;
      }
      std::string ret = returns_yaml(cb.returns);
      bool dflt = cb.returns.kind == "errno" || cb.returns.kind == "void";
      s += "      " + cb.name + ": " + (dflt || ret.empty() ? "{}" : "{returns: " + q(ret) + "}") + "  # " +
           text::replace_all(cb.returns.why, "\n", " ") + "\n";
    }
    if (any_excluded) {
      s += "    excluded:\n";
      for (const auto& cb : o.callbacks)
        if (!cb.excluded.empty()) s += "      " + cb.name + ": " + q(cb.excluded) + "\n";
    }
  }
  return s;
}

Score score(const Draft& d, const spec::Spec& hand, const model::CModel& m) {
  using Triple = std::tuple<std::string, std::string, std::string>;  // kind, item, value
  std::set<Triple> H, D;
  std::set<std::pair<std::string, std::string>> hand_items;  // (kind, item)
  auto fn_kind = [&](const spec::Method& me) {
    if (me.returns.explicit_) return kind_name(me.returns.kind);
    const model::CFunction* f = m.function(me.c);
    return f ? default_kind(f->ret) : std::string("?");
  };
  auto hand_method = [&](const spec::Method& me, const std::string& owner) {
    H.insert({"method", owner, me.c});
    H.insert({"returns", me.c, fn_kind(me)});
    if (matches(me.context, "sleep")) H.insert({"context", me.c, "may sleep"});
  };
  for (const auto& t : hand.types) {
    std::string tag = strip_kw(t.c);
    H.insert({"type", tag, ownership_name(t.ownership)});
    if (t.ownership == spec::Type::Ownership::RefCounted) H.insert({"refcount", tag, t.get + "/" + t.put});
    for (const auto& me : t.methods) hand_method(me, tag);
    for (const auto& lk : t.locks) {
      H.insert({"lock", tag, lk.lock + "/" + lk.unlock});
      for (const auto& me : lk.methods) {
        H.insert({"guarded", lk.lock, me.c});
        H.insert({"returns", me.c, fn_kind(me)});
        if (matches(me.context, "sleep")) H.insert({"context", me.c, "may sleep"});
      }
    }
  }
  for (const auto& o : hand.ops) {
    std::string tag = strip_kw(o.c);
    H.insert({"ops", tag, "ops table"});
    const model::CRecord* r = m.record(tag);
    for (const auto& cb : o.callbacks) {
      std::string k = cb.returns.explicit_ ? kind_name(cb.returns.kind) : "?";
      if (!cb.returns.explicit_ && r)
        if (const model::CField* f = r->field(cb.name); f && f->type.is_function_pointer())
          k = default_kind(*f->type.pointee->ret);
      H.insert({"returns", tag + "." + cb.name, k});
    }
    for (const auto& ex : o.excluded) H.insert({"excluded", tag + "." + ex.name, "excluded"});
  }
  // Items the hand spec speaks about, per kind (conventions: any function or callback it covers).
  std::set<std::string> covered;
  for (const auto& [k, item, v] : H)
    if (k == "returns" || k == "excluded" || k == "context") covered.insert(item);
  for (const auto& [k, item, v] : H) hand_items.insert({k, item});

  auto draft_method = [&](const DraftMethod& me, const std::string& owner) {
    D.insert({"method", owner, me.c});
    if (!me.returns.kind.empty()) D.insert({"returns", me.c, me.returns.kind});
    if (me.may_sleep) D.insert({"context", me.c, "may sleep"});
  };
  for (const auto& t : d.types) {
    D.insert({"type", t.tag, t.ownership});
    if (t.ownership == "refcounted") D.insert({"refcount", t.tag, t.get + "/" + t.put});
    for (const auto& me : t.methods) draft_method(me, t.tag);
    for (const auto& lk : t.locks) {
      D.insert({"lock", t.tag, lk.lock + "/" + lk.unlock});
      for (const auto& me : lk.methods) {
        D.insert({"guarded", lk.lock, me.c});
        if (!me.returns.kind.empty()) D.insert({"returns", me.c, me.returns.kind});
        if (me.may_sleep) D.insert({"context", me.c, "may sleep"});
      }
    }
  }
  for (const auto& o : d.ops) {
    D.insert({"ops", o.tag, "ops table"});
    for (const auto& cb : o.callbacks) {
      if (!cb.excluded.empty())
        D.insert({"excluded", o.tag + "." + cb.name, "excluded"});
      else if (!cb.returns.kind.empty())
        D.insert({"returns", o.tag + "." + cb.name, cb.returns.kind});
    }
  }

  Score s;
  std::map<std::string, Score::Row> rows;
  for (const char* k : {"ops", "type", "refcount", "lock", "guarded", "method", "returns", "excluded", "context"})
    rows[k].kind = k;
  for (const auto& h : H) {
    rows[std::get<0>(h)].hand++;
    if (!D.count(h)) {
      std::string drafted;
      for (const auto& x : D)
        if (std::get<0>(x) == std::get<0>(h) && std::get<1>(x) == std::get<1>(h)) drafted = std::get<2>(x);
      s.missed.push_back(std::get<0>(h) + " " + std::get<1>(h) + ": " + std::get<2>(h) +
                         (drafted.empty() ? " (not drafted)" : " (drafted: " + drafted + ")"));
    }
  }
  for (const auto& x : D) {
    auto& r = rows[std::get<0>(x)];
    r.drafted++;
    bool on_hand = hand_items.count({std::get<0>(x), std::get<1>(x)}) ||
                   ((std::get<0>(x) == "returns" || std::get<0>(x) == "excluded" || std::get<0>(x) == "context") &&
                    covered.count(std::get<1>(x)));
    if (on_hand) r.drafted_on_hand_items++;
    if (H.count(x)) r.agree++;
    else if (std::get<0>(x) == "method" || std::get<0>(x) == "guarded") ++s.extra;
    else if (on_hand) s.wrong.push_back(std::get<0>(x) + " " + std::get<1>(x) + ": drafted " + std::get<2>(x));
  }
  // "invariants": everything but the choice of what to wrap (method, guarded), which a draft
  // over-proposes on purpose; "all": everything.
  Score::Row inv, all;
  inv.kind = "invariants";
  all.kind = "all";
  for (const char* k : {"ops", "type", "refcount", "lock", "guarded", "method", "returns", "excluded", "context"}) {
    const auto& r = rows[k];
    for (auto* t : {&inv, &all}) {
      if (t == &inv && (r.kind == "method" || r.kind == "guarded")) continue;
      t->hand += r.hand;
      t->drafted += r.drafted;
      t->agree += r.agree;
      t->drafted_on_hand_items += r.drafted_on_hand_items;
    }
    s.rows.push_back(r);
  }
  s.rows.push_back(inv);
  s.rows.push_back(all);
  return s;
}

std::string render_score(const Score& s) {
  auto pct = [](size_t a, size_t b) {
    if (!b) return std::string("   n/a");
    char buf[16];
    std::snprintf(buf, sizeof buf, "%5.1f%%", 100.0 * static_cast<double>(a) / static_cast<double>(b));
    return std::string(buf);
  };
  std::string out = "kind        hand  drafted  agree  precision(spec'd items)  precision(all)  recall\n";
  for (const auto& r : s.rows) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%-10s %5zu  %7zu  %5zu  %23s  %14s  %6s\n", r.kind.c_str(), r.hand, r.drafted,
                  r.agree, pct(r.agree, r.drafted_on_hand_items).c_str(), pct(r.agree, r.drafted).c_str(),
                  pct(r.agree, r.hand).c_str());
    out += buf;
  }
  out += "precision(spec'd items): of the drafted statements about functions, callbacks and types the hand spec\n"
         "covers, the share it agrees with; precision(all) counts every drafted statement. 'invariants' leaves\n"
         "out the choice of what to wrap (method, guarded), which a draft over-proposes for review.\n";
  if (s.extra)
    out += std::to_string(s.extra) + " drafted methods (and guarded methods) are not in the hand spec: proposals "
           "for review, counted against precision\n";
  for (const auto& m : s.missed) out += "missed: " + m + "\n";
  for (const auto& w : s.wrong) out += "disagrees: " + w + "\n";
  return out;
}

}  // namespace kgen::infer
