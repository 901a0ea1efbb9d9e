#include "emit/rust_view.hpp"

#include <kainjow/mustache.hpp>

#include <map>
#include <regex>
#include <set>

#include "emit/rust_types.hpp"
#include "emit/templates.hpp"
#include "support/text.hpp"

namespace kgen::emit {

namespace mu = kainjow::mustache;
using model::CType;
using spec::Returns;

std::vector<std::string> doc_lines(const std::vector<std::string>& paragraphs, size_t width) {
  std::vector<std::string> out;
  for (size_t p = 0; p < paragraphs.size(); ++p) {
    if (p) out.push_back("");
    std::string line;
    for (const auto& word : text::split(paragraphs[p], ' ')) {
      if (word.empty()) continue;
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out.push_back(" " + line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out.push_back(" " + line);
  }
  return out;
}

namespace {

constexpr size_t kDocWidth = 92;

// Whether bindgen gives a macro with this body a constant: it evaluates
// literals and arithmetic on other macros, not casts or calls.
bool bindgen_evaluates(const std::string& body) {
  static const std::regex cast(R"(\(\s*[A-Za-z_][A-Za-z0-9_ ]*\s*\*?\s*\)\s*[A-Za-z0-9_(])");
  static const std::regex call(R"([A-Za-z_][A-Za-z0-9_]*\s*\()");
  return body.find("__force") == std::string::npos && !std::regex_search(body, cast) &&
         !std::regex_search(body, call);
}

// A string for a `{{#key}}` section: an empty one must be false, not "".
mu::data opt_str(const std::string& v) { return v.empty() ? mu::data(false) : mu::data(v); }

mu::data str_list(const std::vector<std::string>& v) {
  mu::data l{mu::data::type::list};
  for (const auto& s : v) l << mu::data(s);
  return l;
}

// A `// SAFETY: ...` comment wrapped to the line width, each line indented by `indent`.
std::string safety_comment(const std::string& why, size_t indent) {
  std::string pad(indent, ' ');
  std::string out;
  auto lines = doc_lines({"SAFETY: " + why}, 100 - indent - 3);
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" + pad : "") + "//" + lines[i];
  return out;
}

// `#[doc(alias)]` only where the C name differs from the Rust one (rustdoc
// rejects an alias equal to the item's name).
void set_alias(mu::data& d, const std::string& c, const std::string& rust) {
  // Always set: Mustache would otherwise find an enclosing item's alias.
  if (c != rust)
    d.set("alias", c);
  else
    d.set("alias", false);
}

mu::data docs(const std::vector<std::string>& paragraphs, size_t indent = 0) {
  return str_list(doc_lines(paragraphs, kDocWidth - indent));
}

std::string rust_ident(const std::string& n) {
  static const std::set<std::string> kw = {"as", "break", "const", "continue", "crate", "else", "enum", "extern",
                                           "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod",
                                           "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct",
                                           "super", "trait", "true", "type", "unsafe", "use", "where", "while",
                                           "async", "await", "dyn", "abstract", "become", "box", "do", "final",
                                           "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try"};
  return kw.count(n) ? n + "_" : n;
}

// The Rust type that bindgen gives an integer macro constant (its default
// rules: u32 when the value fits, then u64; i32/i64 for negative values).
std::string macro_const_type(const model::MacroValue& v) {
  if (!v.is_unsigned && v.value < 0) return v.value >= -2147483648ll ? "i32" : "i64";
  unsigned long long u = static_cast<unsigned long long>(v.value);
  return u <= 0xffffffffull ? "u32" : "u64";
}

class View {
 public:
  View(const passes::Plan& p, const ViewContext& ctx) : p_(p), s_(*p.spec), ctx_(ctx) {}

  mu::data build() {
    mu::data d;
    d.set("version", ctx_.version);
    d.set("spec_path", ctx_.spec_path);
    d.set("kernel_version", ctx_.kernel_version);
    std::vector<std::string> mdoc;
    for (const auto& l : text::split_lines(s_.module_doc)) mdoc.push_back(l);
    mdoc.push_back("");
    mdoc.push_back("C header: [" + s_.c_header + "](srctree/" + s_.c_header + ").");
    std::vector<std::string> mdl;
    for (const auto& l : mdoc) mdl.push_back(l.empty() ? "" : " " + l);
    d.set("module_doc", str_list(mdl));
    d.set("imports", str_list(s_.imports));
    mu::data hw{mu::data::type::list};
    for (const auto& h : s_.hand_written) {
      mu::data x;
      x.set("module", h.module);
      if (!h.reexport.empty()) x.set("reexport", h.reexport);
      hw << x;
    }
    d.set("hand_written", hw);
    mu::data enums{mu::data::type::list};
    for (const auto& e : p_.enums) enums << enumeration(e);
    d.set("enums", enums);
    mu::data types{mu::data::type::list};
    for (const auto& t : p_.types) types << type(t);
    d.set("types", types);
    mu::data groups{mu::data::type::list};
    for (const auto& g : p_.consts) groups << const_group(g);
    d.set("const_groups", groups);
    mu::data ops{mu::data::type::list};
    for (const auto& o : p_.ops) ops << ops_table(o);
    d.set("ops", ops);
    if (s_.registration) d.set("registration", registration());
    if (s_.device_id) d.set("device_id", device_id());
    if (s_.module_macro) d.set("module_macro", module_macro());
    return d;
  }

  Diagnostics diags;

 private:
  const spec::Enum* find_enum(const std::string& rust) const {
    for (const auto& e : s_.enums)
      if (e.rust == rust) return &e;
    return nullptr;
  }
  const passes::PlannedEnum* planned_enum(const std::string& rust) const {
    for (const auto& e : p_.enums)
      if (e.spec->rust == rust) return &e;
    return nullptr;
  }
  const spec::Type* find_type_by_tag(const std::string& tag) const {
    for (const auto& t : s_.types)
      if (t.c == "struct " + tag) return &t;
    return nullptr;
  }

  // C-side type of a generated enum: the bindgen enum type, or the type
  // bindgen gives the macros it is built from.
  std::string enum_c_type(const passes::PlannedEnum& e) const {
    if (e.c) {
      std::string n = e.c->tag.empty() ? e.c->typedef_name : e.c->tag;
      return "bindings::" + n;
    }
    model::MacroValue widest{0, false, 32, true};
    bool neg = false;
    unsigned long long maxv = 0;
    for (long long v : e.values) {
      if (v < 0) neg = true;
      else maxv = std::max(maxv, static_cast<unsigned long long>(v));
    }
    if (neg) return "i32";
    widest.value = static_cast<long long>(maxv);
    widest.is_unsigned = true;
    return macro_const_type(widest);
  }

  std::string enum_c_value(const passes::PlannedEnum& e, const std::string& cname) const {
    if (e.c) {
      std::string n = e.c->tag.empty() ? e.c->typedef_name : e.c->tag;
      return "bindings::" + (n.empty() ? cname : n + "_" + cname);
    }
    return "bindings::" + cname;
  }

  mu::data enumeration(const passes::PlannedEnum& e) {
    mu::data d;
    d.set("rust", e.spec->rust);
    std::string doc = e.spec->doc;  // spec text is Markdown already
    model::KernelDoc kd = e.c ? model::parse_kerneldoc(e.c->doc) : model::KernelDoc{};
    if (doc.empty() && !kd.summary.empty()) doc = model::rustdoc_paragraphs(kd)[0];
    if (doc.empty())
      doc = e.spec->c.empty() ? "Values of the C macros `" + e.spec->variants[0].first + "` and the like."
                              : "Values of the C `" + e.spec->c + "`.";
    d.set("doc", docs({doc}));
    d.set("c_type", enum_c_type(e));
    std::string ct = enum_c_type(e);
    d.set("doc_c_type", text::starts_with(ct, "bindings::") ? "kernel::" + ct : ct);
    d.set("mod_path", s_.rust_path);
    mu::data vs{mu::data::type::list};
    for (size_t i = 0; i < e.spec->variants.size(); ++i) {
      const auto& [c, r] = e.spec->variants[i];
      mu::data v;
      v.set("rust", r);
      v.set("c", c);
      set_alias(v, c, r);
      v.set("enum_rust", e.spec->rust);
      v.set("c_value", enum_c_value(e, c));
      std::string vdoc;
      if (e.c)
        for (const auto& k : e.c->constants)
          if (k.name == c) {
            model::KernelDoc kc = model::parse_kerneldoc(k.doc);
            if (!kc.summary.empty()) vdoc = model::rustdoc_paragraphs(kc)[0];
          }
      for (const auto& [pname, ptext] : kd.params)  // "@CONST: text" in the enum's kernel-doc
        if (vdoc.empty() && pname == c && !ptext.empty()) vdoc = model::rustdoc_paragraphs({"", ptext, {}, {}, "", ""})[0];
      if (vdoc.empty()) vdoc = "`" + c + "`.";
      v.set("doc", docs({vdoc}, 4));
      vs << v;
    }
    d.set("variants", vs);
    return d;
  }

  // `(*ptr).a.b` for a plain field; for a bitfield, the path to bindgen's
  // accessor of `accessor_prefix` + the last name (`(*ptr).a.set_b`).
  static std::string field_expr(const passes::PlannedField& f, const std::string& accessor_prefix = "") {
    const std::string& path = f.spec->c;
    if (!f.bitfield) return "(*ptr)." + path;
    auto dot = path.rfind('.');
    std::string parent = dot == std::string::npos ? "" : path.substr(0, dot + 1);
    return "(*ptr)." + parent + accessor_prefix + path.substr(dot == std::string::npos ? 0 : dot + 1);
  }

  // Converts the C value `v` of field type `ft` to what the getter returns.
  std::string getter_convert(const passes::PlannedField& f, std::string& rust_type) {
    std::string ffi = ffi_type(f.type);
    const auto& sf = *f.spec;
    if (sf.as == "bool") {
      rust_type = "bool";
      return f.type.kind == CType::Kind::Bool ? "value" : "value != 0";
    }
    if (!sf.equals.empty()) {
      rust_type = "bool";
      std::string rhs = constant_ref(sf.equals, ffi, sf.loc);
      return "value == " + rhs;
    }
    if (!sf.enum_.empty()) {
      const auto* pe = planned_enum(sf.enum_);
      if (!pe) {
        diags.error(sf.loc, "'enum: " + sf.enum_ + "' is not an enum of this spec");
        return "value";
      }
      std::string v = convert_int("value", ffi, enum_c_type(*pe));
      if (!pe->spec->unknown.empty()) {
        rust_type = sf.enum_;
        return sf.enum_ + "::try_from(" + v + ").unwrap_or(" + sf.enum_ + "::" + pe->spec->unknown + ")";
      }
      rust_type = "Result<" + sf.enum_ + ">";
      return sf.enum_ + "::try_from(" + v + ")";
    }
    rust_type = sf.type.empty() ? ffi : sf.type;
    if (!sf.type.empty() && !int_shape(sf.type) && sf.type != ffi)
      diags.error(sf.loc, "field type '" + sf.type + "' is not an integer type; use 'enum' or 'as'");
    return convert_int("value", ffi, rust_type);
  }

  // A C macro or enum constant, as a Rust expression of type `want`.
  std::string constant_ref(const std::string& name, const std::string& want, const Location& loc) {
    if (auto* mac = p_.c->macro(name); mac && mac->value)
      return convert_int("bindings::" + name, macro_const_type(*mac->value), want);
    if (auto it = p_.c->enum_of_constant.find(name); it != p_.c->enum_of_constant.end()) {
      const auto& e = p_.c->enums.at(it->second);
      std::string n = e.tag.empty() ? e.typedef_name : e.tag;
      return "bindings::" + (n.empty() ? name : n + "_" + name);
    }
    diags.error(loc, "'" + name + "' is neither an integer macro nor an enum constant");
    return name;
  }

  mu::data getter(const passes::PlannedField& f) {
    mu::data g;
    g.set("name", f.spec->get);
    g.set("c_field", f.spec->c);
    set_alias(g, f.spec->c, f.spec->get);
    std::string rt;
    std::string conv = getter_convert(f, rt);
    std::string read = "unsafe { " + field_expr(f) + (f.bitfield ? "()" : "") + " }";
    // No `let` when there is nothing to convert (clippy::let_and_return).
    g.set("body", conv == "value" ? read : "let value = " + read + ";\n        " + conv);
    g.set("rust_type", rt);
    std::string doc = f.spec->doc;
    if (doc.empty()) doc = field_doc(f);
    g.set("doc", docs({doc}, 4));
    return g;
  }

  std::string field_doc(const passes::PlannedField& f) {
    const auto& sf = *f.spec;
    std::string base = "`" + sf.c + "`";
    if (!sf.get.empty() && sf.set.empty()) {
      if (sf.as == "bool") return "Returns true if " + base + " is set.";
      if (!sf.equals.empty()) return "Returns true if " + base + " equals `" + sf.equals + "`.";
      return "Returns " + base + ".";
    }
    return "Sets " + base + ".";
  }

  mu::data setter(const passes::PlannedField& f) {
    mu::data s;
    const auto& sf = *f.spec;
    s.set("name", sf.set);
    s.set("c_field", sf.c);
    set_alias(s, sf.c, sf.set);
    std::string ffi = ffi_type(f.type);
    std::string rt = sf.type.empty() ? ffi : sf.type;
    std::string conv;
    if (!sf.enum_.empty()) {
      rt = sf.enum_;
      const auto* pe = planned_enum(sf.enum_);
      if (!pe) {
        diags.error(sf.loc, "'enum: " + sf.enum_ + "' is not an enum of this spec");
        return s;
      }
      std::string ct = enum_c_type(*pe);
      conv = convert_int(ct + "::from(value)", ct, ffi);
      if (ct.rfind("bindings::", 0) == 0) conv = ct + "::from(value)";
    } else if (sf.as == "bool") {
      rt = "bool";
      conv = f.type.kind == CType::Kind::Bool ? "value" : ffi + "::from(value)";
    } else {
      conv = convert_int("value", rt, ffi);
    }
    s.set("rust_type", rt);
    s.set("convert_expr", conv);
    s.set("write_stmt", f.bitfield ? field_expr(f, "set_") + "(value)" : field_expr(f) + " = value");
    s.set("doc", docs({sf.doc.empty() ? "Sets `" + sf.c + "`." : sf.doc}, 4));
    return s;
  }

  std::string method_doc_fallback(const passes::PlannedMethod& m) {
    return "Calls the C function `" + m.fn->name + "`.";
  }

  mu::data method(const passes::PlannedMethod& m, const std::string& held = "") {
    mu::data d;
    const auto& sm = *m.spec;
    d.set("name", sm.rust);
    d.set("c_fn", m.fn->name);
    set_alias(d, m.fn->name, sm.rust);
    std::vector<std::string> params = {sm.receiver};
    std::vector<std::string> call = {"ptr"};
    for (size_t i = 1; i < m.fn->params.size(); ++i) {
      const auto& cp = m.fn->params[i];
      std::string name = rust_ident(cp.name.empty() ? "arg" + std::to_string(i) : cp.name);
      std::string ffi = ffi_type(cp.type);
      std::string rt;
      for (const auto& a : sm.args)
        if (a.name == cp.name) rt = a.rust_type;
      if (cp.type.kind == CType::Kind::Pointer) {
        const spec::Type* st = find_type_by_tag(cp.type.pointee->tag);
        if (!st) {
          diags.error(sm.loc, "parameter '" + cp.name + "' of " + m.fn->name + " (" + cp.type.spelling +
                                  ") has no safe mapping",
                      "wrap its struct as a spec type, or leave the function to hand-written code");
          continue;
        }
        params.push_back(name + ": &" + st->rust);
        call.push_back(name + ".0.get()");
        continue;
      }
      if (rt.empty()) rt = ffi;
      params.push_back(name + ": " + rt);
      call.push_back(convert_int(name, rt, ffi));
    }
    d.set("params", text::join(params, ", "));
    std::string callee = "bindings::" + m.fn->name;
    std::string invoke = "unsafe { " + callee + "(" + text::join(call, ", ") + ") }";
    std::string safety = "// SAFETY: The type invariant guarantees that `ptr` is valid";
    safety += sm.receiver == "&mut self" ? ", and `&mut self`\n        // gives exclusive access to it" : "";
    safety += held.empty() ? "." : ";\n        // " + held + ".";
    std::string ffi_ret = ffi_type(m.fn->ret);
    std::string ret, body;
    switch (m.returns.kind) {
      case Returns::Kind::Errno:
        ret = " -> Result";
        body = safety + "\n        to_result(" + invoke + ")";
        break;
      case Returns::Kind::Value:
        ret = " -> Result<" + m.returns.type + ">";
        body = safety + "\n        let ret = " + invoke + ";\n        to_result(ret)?;\n        Ok(" +
               convert_int("ret", ffi_ret, m.returns.type) + ")";
        break;
      case Returns::Kind::Void:
        ret = "";
        body = safety + "\n        " + invoke + ";";
        break;
      case Returns::Kind::Bool:
        ret = " -> bool";
        body = safety + "\n        " + invoke + (m.fn->ret.kind == CType::Kind::Bool ? "" : " != 0");
        break;
      case Returns::Kind::Plain: {
        std::string rt = m.returns.type.empty() ? ffi_ret : m.returns.type;
        ret = " -> " + rt;
        std::string conv = convert_int("ret", ffi_ret, rt);
        body = conv == "ret" ? safety + "\n        " + invoke
                             : safety + "\n        let ret = " + invoke + ";\n        " + conv;
        break;
      }
      case Returns::Kind::Enum:
        ret = " -> Result<" + m.returns.type + ">";
        body = safety + "\n        let ret = " + invoke + ";\n        " + m.returns.type + "::try_from(ret)";
        break;
      case Returns::Kind::ErrPtr:
      case Returns::Kind::NullPtr: {
        const CType& rt = m.fn->ret;
        const spec::Type* target = rt.pointee ? find_type_by_tag(rt.pointee->tag) : nullptr;
        if (!target) {
          diags.error(sm.loc, m.fn->name + " returns '" + rt.spelling + "', which is not a type of this spec",
                      "err_ptr and null_ptr returns become references to spec types; add the struct under 'types'");
          break;
        }
        bool err = m.returns.kind == Returns::Kind::ErrPtr;
        bool counted = target->ownership == spec::Type::Ownership::RefCounted;
        std::string inner = counted ? "crate::types::ARef<" + target->rust + ">" : "&" + target->rust;
        ret = std::string(err ? " -> Result<" : " -> Option<") + inner + ">";
        std::string wrap = counted ? "crate::types::ARef::from_raw(ret.cast())" : target->rust + "::from_raw(ret.as_ptr())";
        std::string own = counted ? "returns a valid `" + rt.pointee->tag +
                                        "` with a reference taken for the caller, which the `ARef` now owns"
                                  : "returns a valid `" + rt.pointee->tag + "` that lives as long as `self`";
        if (err) {
          body = safety + "\n        let ret = crate::error::from_err_ptr(" + invoke + ")?;\n        " +
                 "// SAFETY: `from_err_ptr` let through only a valid pointer: by its convention,\n        // `" +
                 m.fn->name + "` never returns NULL.\n        let ret = unsafe { core::ptr::NonNull::new_unchecked(ret) };\n        " +
                 safety_comment("`" + m.fn->name + "` " + own + ".", 8) + "\n        Ok(unsafe { " + wrap + " })";
        } else {
          body = safety + "\n        let ret = core::ptr::NonNull::new(" + invoke + ")?;\n        " +
                 safety_comment("`" + m.fn->name + "` " + own + ".", 8) + "\n        Some(unsafe { " + wrap + " })";
        }
        break;
      }
      case Returns::Kind::Status:
        diags.error(sm.loc, "'status' is a convention of callbacks, not of methods", "use errno or plain");
        break;
    }
    d.set("ret", ret);
    d.set("body", body);
    std::vector<std::string> paras;
    if (!sm.doc.empty()) paras.push_back(sm.doc);
    else if (auto it = p_.docs.find(m.fn->name); it != p_.docs.end()) paras = model::rustdoc_paragraphs(it->second);
    else paras.push_back(method_doc_fallback(m));
    if (!sm.context.empty()) paras.push_back("Context: " + sm.context + ".");
    if (m.fn->warn_unused_result && m.returns.kind != Returns::Kind::Void)
      paras.push_back("The C function is `__must_check`; the returned value must be used.");
    d.set("doc", docs(paras, 4));
    return d;
  }

  mu::data type(const passes::PlannedType& t) {
    mu::data d;
    const auto& st = *t.spec;
    std::string tag = t.record->tag;
    d.set("rust", st.rust);
    d.set("c_tag", tag);
    set_alias(d, tag, st.rust);
    if (!st.generic.empty()) {
      std::string param = text::trim(st.generic.substr(0, st.generic.find(':')));
      d.set("generics", "<" + st.generic + ">");
      d.set("type_args", "<" + param + ">");
      d.set("phantom", ", PhantomData<" + param + ">");
    } else {
      d.set("generics", "");
      d.set("type_args", "");
      d.set("phantom", "");
    }
    d.set("from_raw", uses_from_raw(st));
    std::vector<std::string> paras;
    if (!st.doc.empty()) paras.push_back(st.doc);
    else paras.push_back("A C `struct " + tag + "`.");
    d.set("doc", docs(paras));
    std::vector<std::string> inv = st.invariants;
    if (inv.empty()) inv.push_back("`self.0` is a valid `struct " + tag + "`.");
    d.set("invariants", docs(inv));
    mu::data getters{mu::data::type::list}, setters{mu::data::type::list}, methods{mu::data::type::list};
    for (const auto& f : t.fields) {
      if (!f.spec->get.empty()) getters << getter(f);
      if (!f.spec->set.empty()) setters << setter(f);
    }
    for (const auto& m : t.methods) methods << method(m);
    mu::data locks{mu::data::type::list};
    for (const auto& l : t.locks) {
      mu::data x;
      const auto& sl = *l.spec;
      x.set("guard", sl.rust);
      x.set("type", st.rust);
      x.set("method", sl.method);
      x.set("lock", sl.lock);
      x.set("unlock", sl.unlock);
      x.set("doc", docs({sl.doc.empty() ? "Holds the lock that `" + sl.lock + "` takes; dropping it unlocks." : sl.doc}));
      x.set("method_doc", docs({"Takes the lock with `" + sl.lock + "` and returns a guard that releases it."}, 4));
      mu::data gm{mu::data::type::list};
      for (const auto& m : l.methods) gm << method(m, "the guard holds the lock that `" + sl.lock + "` takes");
      x.set("methods", gm);
      locks << x;
    }
    d.set("locks", locks);
    if (t.get && t.put) {
      mu::data rc;
      rc.set("get", t.get->name);
      rc.set("put", t.put->name);
      d.set("refcounted", rc);
    }
    d.set("getters", getters);
    d.set("setters", setters);
    d.set("methods", methods);
    std::string extra;
    if (!st.extra_impl.empty()) {
      extra = "\n";
      for (const auto& l : text::split_lines(st.extra_impl)) extra += (l.empty() ? "" : "    " + l) + "\n";
    }
    d.set("extra_impl", extra);
    if (st.as_ref) {
      mu::data a;
      a.set("target", st.as_ref->target);
      a.set("field", st.as_ref->field);
      a.set("via", st.as_ref->via);
      d.set("as_ref", a);
    }
    return d;
  }

  mu::data const_group(const passes::PlannedConstGroup& g) {
    mu::data d;
    d.set("module", g.spec->module);
    d.set("doc", docs({g.spec->doc.empty() ? "Constants from the C headers." : g.spec->doc}));
    mu::data cs{mu::data::type::list};
    for (const auto& c : g.consts) {
      mu::data x;
      x.set("c", c.c);
      x.set("rust", c.rust);
      set_alias(x, c.c, c.rust);
      x.set("type", g.spec->type);
      char buf[40];
      if (c.hex && c.value.value >= 0)
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(c.value.value));
      else
        std::snprintf(buf, sizeof buf, "%lld", c.value.value);
      x.set("value", std::string(buf));
      cs << x;
    }
    d.set("consts", cs);
    // A few of them checked against bindgen's values, as a doctest.
    mu::data ex{mu::data::type::list};
    size_t n_ex = 0;
    for (size_t i = 0; i < g.consts.size() && n_ex < 3; ++i) {
      const model::CMacro* mac = p_.c->macro(g.consts[i].c);
      if (mac && !bindgen_evaluates(mac->body)) continue;
      ++n_ex;
      mu::data x;
      x.set("rust", g.consts[i].rust);
      x.set("c", g.consts[i].c);
      ex << x;
    }
    d.set("examples", ex);
    d.set("has_examples", n_ex > 0);
    d.set("mod_path", s_.rust_path);
    return d;
  }

  struct CbArg {
    std::string c_decl, trait_decl, prelude, call;
  };

  // The Rust name of a spec type seen from the trait (`Self`) or from the
  // trampolines (`T`): generic types take the driver type.
  static std::string type_in(const spec::Type& st, const char* who) {
    return st.generic.empty() ? st.rust : st.rust + "<" + who + ">";
  }

  // The spec's trait parameter for the C parameter `c_name` (with 'params'), or null.
  static const spec::ArgMap* trait_param(const spec::Callback& cb, const std::string& c_name) {
    for (const auto& tp : cb.params)
      if (tp.name == c_name) return &tp;
    return nullptr;
  }

  // Whether a C pointer to a spec type reaches the driver as `&mut` (made
  // with Type::from_raw): the trait parameter's type from 'params' decides;
  // without one, the callback's receiver (shared, or exclusive/a lock guard).
  static bool exclusive(const spec::Callback& cb, const std::string& trait_type) {
    return trait_type.empty() ? cb.receiver != "shared" : text::starts_with(trait_type, "&mut ");
  }

  // Whether a callback makes `&mut Type` from a raw pointer (Type::from_raw).
  bool uses_from_raw(const spec::Type& st) const {
    for (const auto& o : p_.ops)
      for (const auto& cb : o.callbacks) {
        if (!cb.spec || cb.spec->internal) continue;
        for (const auto& p : cb.field->type.pointee->params) {
          if (!p.type.is_pointer() || p.type.pointee->kind != CType::Kind::Record) continue;
          if ("struct " + p.type.pointee->tag != st.c) continue;
          const spec::ArgMap* tp = cb.spec->has_params ? trait_param(*cb.spec, p.name) : nullptr;
          if (cb.spec->has_params && !tp) continue;  // not passed on
          if (exclusive(*cb.spec, tp ? tp->rust_type : "")) return true;
        }
      }
    return false;
  }

  CbArg callback_arg(const passes::PlannedOps& o, const passes::PlannedCallback& cb, const model::CParam& p,
                     size_t idx, const std::string& override_type = "") {
    CbArg a;
    std::string name = rust_ident(p.name.empty() ? "arg" + std::to_string(idx) : p.name);
    std::string ffi = ffi_type(p.type);
    a.c_decl = name + ": " + ffi;
    std::string mapped = override_type;
    for (const auto& m : cb.spec->args)
      if (m.name == p.name) mapped = m.rust_type;
    const Location& loc = cb.spec->loc;
    if (p.type.kind == CType::Kind::Pointer) {
      const CType& pt = *p.type.pointee;
      if (const spec::Type* st = find_type_by_tag(pt.tag); st && pt.kind == CType::Kind::Record) {
        const spec::Lock* held = nullptr;
        for (const auto& l : st->locks)
          if (l.rust == cb.spec->receiver) held = &l;
        if (held) {
          // The C side holds the lock: the callback gets the guard, which must
          // not unlock, so it is never dropped.
          a.trait_decl = "_" + name + ": &mut " + held->rust + "<'_>";
          a.prelude = safety_comment("The C side guarantees that " + o.spec->guarantee, 12) + "\n            let " +
                      name + " = unsafe { " + st->rust + "::from_raw(" + name + ") };\n            " +
                      "// INVARIANT: The C side calls `" + cb.field->name + "` with the lock that `" + held->lock +
                      "` takes\n            // held; `ManuallyDrop` keeps the guard from releasing it.\n            " +
                      "let mut " + name + " = core::mem::ManuallyDrop::new(" + held->rust + "(" + name + "));";
          a.call = "&mut " + name;
          return a;
        }
        bool shared = !exclusive(*cb.spec, override_type);
        a.trait_decl = "_" + name + ": &" + std::string(shared ? "" : "mut ") + type_in(*st, "Self");
        // A shared receiver never makes a `&mut`: other code may hold the object.
        std::string make = shared ? "&*" + name + ".cast::<" + type_in(*st, "T") + ">()"
                                  : type_in(*st, "T") + "::from_raw(" + name + ")";
        if (!st->generic.empty() && !shared)
          make = "<" + type_in(*st, "T") + ">::from_raw(" + name + ")";
        a.prelude = safety_comment("The C side guarantees that " + o.spec->guarantee +
                                       (shared ? " `" + st->rust + "` is a transparent wrapper of the C struct." : ""),
                                   12) +
                    "\n            let " + name + " = unsafe { " + make + " };";
        a.call = name;
        return a;
      }
      std::string want = pt.is_const ? "&" : "&mut ";
      if (pt.kind == CType::Kind::Record) {
        a.trait_decl = "_" + name + ": " + want + ffi_type(pt);
      } else if (!mapped.empty() && text::starts_with(mapped, "&")) {
        a.trait_decl = "_" + name + ": " + mapped;
      } else {
        diags.error(loc, "callback " + cb.field->name + ": parameter '" + p.name + "' (" + p.type.spelling +
                             ") has no safe mapping",
                    "if it points at one value, map it in 'args' (e.g. " + p.name + ": \"&mut " +
                        (pt.kind == CType::Kind::Bool ? "bool" : ffi_type(pt)) +
                        "\"); if it is a buffer, exclude the callback with a reason");
        a.trait_decl = "_" + name + ": ()";
      }
      a.prelude = safety_comment("The C side guarantees that " + o.spec->guarantee, 12) + "\n            let " +
                  name + " = unsafe { " + (pt.is_const ? "&*" : "&mut *") + name + " };";
      a.call = name;
      return a;
    }
    std::string rt = mapped.empty() ? ffi : mapped;
    a.trait_decl = "_" + name + ": " + rt;
    a.call = convert_int(name, ffi, rt);
    return a;
  }

  // Hand-written lines after the first, indented to `n` spaces (the first
  // line is placed by the template).
  static std::string indent_lines(const std::string& code, size_t n) {
    auto lines = text::split_lines(code);
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i)
      out += (i ? "\n" + (lines[i].empty() ? "" : std::string(n, ' ')) : "") + lines[i];
    return out;
  }

  // Whether `code`, without its `//` comments, mentions the identifier `name`.
  static bool mentions(const std::string& with_comments, const std::string& name) {
    std::string code;
    for (const auto& l : text::split_lines(with_comments)) code += l.substr(0, l.find("//")) + "\n";
    return text::has_word(code, name);
  }

  // A C parameter the trampoline does not pass on: `_name` unless `code` uses it.
  std::string unused_c_param(const model::CParam& p, size_t idx, const std::string& code) {
    std::string name = rust_ident(p.name.empty() ? "arg" + std::to_string(idx) : p.name);
    return (mentions(code, name) ? name : "_" + name) + ": " + ffi_type(p.type);
  }

  mu::data callback(const passes::PlannedOps& o, const passes::PlannedCallback& cb, bool last) {
    mu::data d;
    const auto& fp = *cb.field->type.pointee;
    const auto& sc = *cb.spec;
    d.set("name", cb.field->name);
    d.set("NAME", text::to_upper(cb.field->name));
    d.set("last", last);
    d.set("guarantee", o.spec->guarantee);
    d.set("cfg", opt_str(cb.field->cfg));
    d.set("always", sc.required || sc.internal);
    d.set("required", sc.required);
    std::vector<std::string> c_params, trait_params, preludes, call;
    const CType& cret = *fp.ret;
    std::string ffi_ret = ffi_type(cret);
    d.set("c_ret", cret.kind == CType::Kind::Void ? "" : " -> " + ffi_ret);
    if (sc.internal) {
      for (size_t i = 0; i < fp.params.size(); ++i) c_params.push_back(unused_c_param(fp.params[i], i, sc.body));
      d.set("c_params", text::join(c_params, ", "));
      d.set("body", indent_lines(text::trim(sc.body), 8));
      return d;
    }
    if (!sc.has_params) {
      for (size_t i = 0; i < fp.params.size(); ++i) {
        auto a = callback_arg(o, cb, fp.params[i], i);
        c_params.push_back(a.c_decl);
        trait_params.push_back(a.trait_decl);
        if (!a.prelude.empty()) preludes.push_back(a.prelude);
        call.push_back(a.call);
      }
    } else {
      // The trait's parameters are the spec's: C parameters by name, or
      // variables of the prelude; the other C parameters are not passed on.
      std::map<std::string, CbArg> converted;
      for (size_t i = 0; i < fp.params.size(); ++i) {
        const auto& p = fp.params[i];
        const spec::ArgMap* tp = trait_param(sc, p.name);
        if (!tp) {
          c_params.push_back(unused_c_param(p, i, sc.prelude));
          continue;
        }
        auto a = callback_arg(o, cb, p, i, tp->rust_type);
        c_params.push_back(a.c_decl);
        if (!a.prelude.empty()) preludes.push_back(a.prelude);
        converted[p.name] = a;
      }
      if (!text::trim(sc.prelude).empty()) preludes.push_back(indent_lines(text::trim(sc.prelude), 12));
      for (const auto& tp : sc.params) {
        if (auto it = converted.find(tp.name); it != converted.end()) {
          trait_params.push_back(it->second.trait_decl);
          call.push_back(it->second.call);
        } else {
          trait_params.push_back("_" + tp.name + ": " + tp.rust_type);
          call.push_back(tp.name);
        }
      }
    }
    d.set("c_params", text::join(c_params, ", "));
    d.set("trait_params", text::join(trait_params, ", "));
    std::string invoke = "T::" + cb.field->name + "(" + text::join(call, ", ") + ")";
    std::string pre;
    for (const auto& p : preludes) pre += p + "\n            ";
    std::string trait_ret, body;
    const auto& r = cb.returns;
    auto in_result = [&](const std::string& tail) {
      return "from_result(|| {\n            " + pre + tail + "\n        })";
    };
    auto plain = [&](const std::string& tail) {
      std::string s = pre;
      s = text::replace_all(s, "\n            ", "\n        ");
      return s + tail;
    };
    switch (r.kind) {
      case Returns::Kind::Errno:
        trait_ret = " -> Result";
        body = in_result(invoke + "?;\n            Ok(0)");
        break;
      case Returns::Kind::Value:
        trait_ret = " -> Result<" + r.type + ">";
        body = in_result("let ret = " + invoke + "?;\n            Ok(" + value_into(r.type, ffi_ret) + ")");
        break;
      case Returns::Kind::Void:
        body = plain(invoke + ";");
        break;
      case Returns::Kind::Bool:
        trait_ret = " -> bool";
        body = plain(cret.kind == CType::Kind::Bool ? invoke : ffi_ret + "::from(" + invoke + ")");
        break;
      case Returns::Kind::Plain: {
        std::string rt = r.type.empty() ? ffi_ret : r.type;
        trait_ret = " -> " + rt;
        body = plain(convert_int(invoke, rt, ffi_ret));
        break;
      }
      case Returns::Kind::Enum: {
        trait_ret = " -> " + r.type;
        const auto* pe = planned_enum(r.type);
        std::string ct = pe ? enum_c_type(*pe) : ffi_ret;
        body = plain(convert_int(ct + "::from(" + invoke + ")", ct, ffi_ret));
        break;
      }
      case Returns::Kind::Status:
        trait_ret = " -> Result";
        body = plain("match " + invoke + " {\n            Ok(()) => " + o.spec->status_ok + ",\n            Err(e) => " +
                     o.spec->status_err + ",\n        }");
        break;
      default:
        diags.error(cb.spec->loc, "return convention of callback " + cb.field->name + " is not supported",
                    "use errno, value, void, bool, plain, enum or status");
    }
    d.set("trait_ret", trait_ret);
    d.set("body", body);
    auto kd = model::parse_kerneldoc(cb.field->doc);
    std::vector<std::string> paras;
    if (!kd.empty()) paras = model::rustdoc_paragraphs(kd);
    else paras.push_back("Implements the `" + cb.field->name + "` callback.");
    d.set("doc", docs(paras, 4));
    return d;
  }

  // `ret` (Rust type `from`) as the callback's C return type, through `?`
  // when the conversion can fail.
  std::string value_into(const std::string& from, const std::string& to) {
    std::string c = convert_int("ret", from, to);
    if (c.find(" as ") != std::string::npos) return "ret.try_into()?";
    return c;
  }

  mu::data ops_table(const passes::PlannedOps& o) {
    mu::data d;
    const auto& so = *o.spec;
    d.set("trait", so.trait);
    d.set("vtable", so.vtable);
    d.set("create", so.create);
    d.set("c_tag", o.record->tag);
    d.set("guarantee_doc", docs({so.guarantee}));
    std::vector<const passes::PlannedCallback*> wired;
    for (const auto& cb : o.callbacks)
      if (cb.spec) wired.push_back(&cb);
    mu::data w{mu::data::type::list}, ex{mu::data::type::list}, init{mu::data::type::list};
    mu::data methods{mu::data::type::list};
    std::vector<const passes::PlannedCallback*> in_trait;
    for (const auto* cb : wired)
      if (!cb->spec->internal) in_trait.push_back(cb);
    for (size_t i = 0; i < wired.size(); ++i) w << callback(o, *wired[i], i + 1 == wired.size());
    for (size_t i = 0; i < in_trait.size(); ++i) methods << callback(o, *in_trait[i], i + 1 == in_trait.size());
    d.set("trait_methods", methods);
    d.set("static_table", so.table == "static");
    d.set("supertraits", opt_str(so.supertraits));
    d.set("guarantee_link", so.table == "static" ? so.vtable + "::build" : so.create);
    for (const auto& cb : o.callbacks) {
      if (!cb.excluded) continue;
      mu::data x;
      x.set("name", cb.field->name);
      x.set("cfg", opt_str(cb.field->cfg));
      std::string reason = text::trim(cb.excluded->reason);
      x.set("reason_comment", str_list(doc_lines({"Excluded by the spec: " + reason}, kDocWidth - 8)));
      auto bullet = doc_lines({"- `" + cb.field->name + "`: " + reason}, kDocWidth - 2);
      for (size_t i = 1; i < bullet.size(); ++i) bullet[i] = "  " + bullet[i];
      x.set("reason_doc", str_list(bullet));
      ex << x;
    }
    for (const auto* f : o.data_fields) {
      mu::data x;
      x.set("name", f->name);
      x.set("cfg", opt_str(f->cfg));
      std::string expr;
      for (const auto& [k, v] : so.init)
        if (k == f->name) expr = v;
      if (expr == "zeroed") {
        expr = "unsafe { core::mem::zeroed() }";
        x.set("safety", "All-zero bytes are a valid `" + f->type.spelling + "`: it is plain C data that the C side fills in at registration.");
      }
      else if (expr == "null")
        expr = f->type.pointee && f->type.pointee->is_const ? "core::ptr::null()" : "core::ptr::null_mut()";
      x.set("expr", expr);
      init << x;
    }
    d.set("wired", w);
    d.set("excluded", ex);
    d.set("init", init);
    mu::data consts{mu::data::type::list};
    for (const auto& c : so.consts) {
      mu::data x;
      x.set("rust", c.rust);
      x.set("type", c.type);
      if (!c.default_.empty()) x.set("default", c.default_);
      x.set("doc", docs({c.doc.empty() ? "The `" + c.rust + "` of the driver." : c.doc}, 4));
      consts << x;
    }
    d.set("consts", consts);
    std::vector<std::string> paras;
    if (!so.doc.empty()) paras.push_back(so.doc);
    auto kd = model::parse_kerneldoc(o.record->doc);
    if (!kd.empty() && so.doc.empty()) paras = model::rustdoc_paragraphs(kd);
    if (paras.empty()) paras.push_back("Callbacks of a C `struct " + o.record->tag + "`.");
    paras.push_back("Wires " + std::to_string(o.wired()) + " of the " + std::to_string(o.callbacks.size()) +
                    " callbacks of `struct " + o.record->tag + "`.");
    d.set("doc", docs(paras));
    return d;
  }

  mu::data registration() {
    const auto& r = *s_.registration;
    mu::data d;
    d.set("rust", r.rust);
    d.set("vtable", s_.ops.at(0).vtable);
    d.set("c_tag", text::split(s_.ops.at(0).c, ' ').back());
    d.set("register_fn", r.register_fn);
    d.set("unregister_fn", r.unregister_fn);
    d.set("doc", docs({r.doc.empty() ? "Registers drivers with the C side for as long as it lives." : r.doc}));
    auto args = [&](const std::vector<std::string>& v, bool in_drop) {
      std::vector<std::string> out;
      std::string base = in_drop ? "self.drivers" : "drivers";
      for (const auto& a : v) {
        if (a == "vtables") out.push_back(base + "[0].0.get()");
        else if (a == "count") out.push_back(in_drop ? base + ".len() as i32" : base + ".len().try_into()?");
        else out.push_back("module.0");
      }
      return text::join(out, ", ");
    };
    d.set("register_args", args(r.register_args, false));
    d.set("unregister_args", args(r.unregister_args, true));
    return d;
  }

  mu::data device_id() {
    const auto& di = *s_.device_id;
    mu::data d;
    std::string tag = text::split(di.c, ' ').back();
    d.set("rust", di.rust);
    d.set("c_tag", tag);
    set_alias(d, tag, di.rust);
    d.set("doc", docs({di.doc.empty() ? "An entry of a C `struct " + tag + "` device table." : di.doc}));
    mu::data ctors{mu::data::type::list};
    for (const auto& c : di.ctors) {
      mu::data x;
      x.set("name", c.name);
      x.set("rust", di.rust);
      x.set("c_tag", tag);
      std::vector<std::string> ps;
      for (const auto& [n, t] : c.params) ps.push_back(n + ": " + t);
      x.set("params", text::join(ps, ", "));
      mu::data fs{mu::data::type::list};
      for (const auto& [n, e] : c.fields) {
        mu::data f;
        f.set("name", n);
        f.set("expr", e);
        fs << f;
      }
      x.set("fields", fs);
      x.set("doc", docs({c.doc.empty() ? "Creates a device id." : c.doc}, 4));
      ctors << x;
    }
    d.set("ctors", ctors);
    mu::data getters{mu::data::type::list};
    const model::CRecord* rec = p_.c->record(tag);
    for (const auto& [g, f] : di.getters) {
      mu::data x;
      x.set("name", g);
      x.set("c_field", f);
      const model::CField* cf = rec ? rec->field(f) : nullptr;
      x.set("type", cf ? ffi_type(cf->type) : "u32");
      getters << x;
    }
    d.set("getters", getters);
    if (!di.driver_const.empty() && !s_.ops.empty()) {
      mu::data x;
      x.set("trait", s_.ops[0].trait);
      x.set("const", di.driver_const);
      d.set("driver_const", x);
    }
    return d;
  }

  mu::data module_macro() {
    const auto& m = *s_.module_macro;
    mu::data d;
    d.set("name", m.name);
    d.set("device_table", m.device_table);
    d.set("trait", s_.ops.at(0).trait);
    d.set("vtable", s_.ops.at(0).vtable);
    d.set("create", s_.ops.at(0).create);
    d.set("registration", s_.registration->rust);
    std::string mod_path = s_.rust_path;
    if (text::starts_with(mod_path, "kernel::")) mod_path = mod_path.substr(8);
    d.set("mod_path", mod_path);
    std::string id_tag = s_.device_id ? text::split(s_.device_id->c, ' ').back() : "";
    d.set("id_c_tag", id_tag);
    std::vector<std::string> zero;
    if (const model::CRecord* rec = p_.c->record(id_tag))
      for (const auto& f : rec->fields) zero.push_back(f.name);
    d.set("id_zero_fields", str_list(zero));
    return d;
  }

  const passes::Plan& p_;
  const spec::Spec& s_;
  const ViewContext& ctx_;
};

}  // namespace

std::string render_rust_module(const passes::Plan& plan, const ViewContext& ctx) {
  View v(plan, ctx);
  mu::data d = v.build();
  v.diags.throw_if_errors("emit-rust");
  mu::mustache tpl(embedded_templates().at("module"));
  if (!tpl.is_valid()) throw Error("internal error: template 'module': " + tpl.error_message());
  tpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tpl.render(d);
  if (!tpl.is_valid()) throw Error("internal error: rendering 'module': " + tpl.error_message());
  // Drop the blank lines that empty sections leave: runs of them, those
  // right after an opening or right before a closing brace, and those after
  // a doc comment.
  auto lines = text::split_lines(out);
  std::vector<std::string> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string t = text::trim(lines[i]);
    if (!t.empty()) {
      if ((t == "}" || t == "})" || t == "}))" || t == "};") && !kept.empty() && kept.back().empty()) kept.pop_back();
      kept.push_back(lines[i]);
      continue;
    }
    if (kept.empty() || kept.back().empty()) continue;
    if (text::ends_with(kept.back(), "{") || text::ends_with(kept.back(), "(")) continue;
    if (text::starts_with(text::trim(kept.back()), "///")) continue;  // a doc comment documents what follows
    kept.push_back("");
  }
  while (!kept.empty() && kept.back().empty()) kept.pop_back();
  return text::join(kept, "\n") + "\n";
}

}  // namespace kgen::emit
