#include "emit/rust_view.hpp"

#include <kainjow/mustache.hpp>

#include <map>
#include <regex>
#include <set>

#include "emit/code_writer.hpp"
#include "emit/rust_types.hpp"
#include "emit/templates.hpp"
#include "support/text.hpp"

namespace kgen::emit {

namespace mu = kainjow::mustache;
using model::CType;
using spec::Returns;
using emit::CodeWriter;

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

// A string for a `{{#key}}` section: an empty one must be false, not "".
mu::data opt_str(const std::string& v) { return v.empty() ? mu::data(false) : mu::data(v); }

mu::data str_list(const std::vector<std::string>& v) {
  mu::data l{mu::data::type::list};
  for (const auto& s : v) l << mu::data(s);
  return l;
}

// The one way kernel-doc becomes rustdoc paragraphs where no Rust signature
// speaks (enums, their variants, the ops trait itself).
std::vector<std::string> doc_paragraphs(const model::KernelDoc& kd) { return model::rustdoc_paragraphs(kd); }

// Kernel-doc rewritten for a Rust item whose signature the plan decided
// (`ctx`), as doc-comment lines indented by `indent` (empty: nothing to say).
std::vector<std::string> doc_for(const model::KernelDoc& kd, const model::DocContext& ctx, size_t indent) {
  std::vector<std::string> out;
  for (const auto& l : model::rustdoc_lines(kd, ctx, kDocWidth - indent - 1)) out.push_back(l.empty() ? "" : " " + l);
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

class View {
 public:
  View(const passes::Plan& p, const ViewContext& ctx) : p_(p), s_(*p.spec), ctx_(ctx) {}

  mu::data build() {
    mu::data d;
    // No kgen or kernel version: a version bump must not rewrite every file.
    d.set("spec_path", ctx_.spec_path);
    d.set("copyright", str_list(s_.copyright));
    std::vector<std::string> mdoc;
    for (const auto& l : text::split_lines(s_.module_doc)) mdoc.push_back(l);
    mdoc.push_back("");
    mdoc.push_back("C header: [" + s_.c_header + "](srctree/" + s_.c_header + ").");
    std::vector<std::string> mdl;
    for (const auto& l : mdoc) mdl.push_back(l.empty() ? "" : " " + l);
    d.set("module_doc", str_list(mdl));
    // The spec's imports, then the shared types the plan took from used specs.
    std::vector<std::string> imports = s_.imports;
    for (const auto& u : p_.used_imports) imports.push_back(u);
    d.set("imports", str_list(imports));
    mu::data hw{mu::data::type::list};
    for (const auto& h : s_.hand_written) {
      mu::data x;
      x.set("module", h.module);
      // One name is `pub use m::Name;`, several (a comma list) `pub use m::{A, B};`.
      if (!h.reexport.empty())
        x.set("reexport", h.reexport.find(',') == std::string::npos ? h.reexport
                                                                     : "{" + h.reexport + "}");
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
    mu::data ops{mu::data::type::list}, ops_files{mu::data::type::list};
    for (const auto& o : p_.ops) {
      if (o.spec->file.empty()) {
        ops << ops_table(o);
        continue;
      }
      mu::data f;
      f.set("module", o.spec->file);
      f.set("trait", o.spec->trait);
      ops_files << f;
    }
    d.set("ops", ops);
    d.set("ops_files", ops_files);
    d.set("ops_table", mu::partial([] { return embedded_templates().at("ops_table"); }));
    if (p_.registration) d.set("registration", registration(*p_.registration));
    if (p_.device_id) d.set("device_id", device_id(*p_.device_id));
    if (p_.module_macro) d.set("module_macro", module_macro(*p_.module_macro));
    return d;
  }

  Diagnostics diags;

 private:
  std::string enum_c_value(const passes::PlannedEnum& e, const std::string& cname) const {
    if (e.c) return p_.c->enumerator_path(*e.c, cname);
    for (size_t i = 0; i < e.spec->variants.size() && i < e.c_exprs.size(); ++i)
      if (e.spec->variants[i].first == cname && !e.c_exprs[i].empty()) return e.c_exprs[i];
    return "bindings::" + cname;
  }

  mu::data enumeration(const passes::PlannedEnum& e) {
    mu::data d;
    d.set("rust", e.spec->rust);
    std::string doc = e.spec->doc;  // spec text is Markdown already
    model::KernelDoc kd = e.c ? model::parse_kerneldoc(e.c->doc) : model::KernelDoc{};
    if (doc.empty() && !kd.summary.empty()) doc = doc_paragraphs(kd)[0];
    if (doc.empty())
      doc = e.spec->c.empty() ? "Values of the C macros `" + e.spec->variants[0].first + "` and the like."
                              : "Values of the C `" + e.spec->c + "`.";
    d.set("doc", docs({doc}));
    d.set("c_type", e.c_type);
    d.set("from_c", e.from_c);
    d.set("to_c", e.to_c);
    d.set("any_conversion", e.from_c || e.to_c);
    d.set("round_trip", e.from_c && e.to_c);
    d.set("shared", s_.shared);
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
      for (const auto& [dc, text] : e.spec->docs)  // the spec's, where the header has no comment
        if (dc == c) vdoc = text;
      if (e.c && vdoc.empty())
        for (const auto& k : e.c->constants)
          if (k.name == c) {
            model::KernelDoc kc = model::parse_kerneldoc(k.doc);
            if (!kc.summary.empty()) vdoc = doc_paragraphs(kc)[0];
            // A plain comment next to the enumerator (see attach_define_comments).
            else if (auto lines = model::rustdoc_lines(
                         model::parse_comment_text(model::strip_comment_markers(k.doc)), {}, kDocWidth - 4);
                     !lines.empty())
              vdoc = text::join(lines, " ");
          }
      for (const auto& [pname, ptext] : kd.params)  // "@CONST: text" in the enum's kernel-doc
        if (vdoc.empty() && pname == c && !ptext.empty()) vdoc = doc_paragraphs({"", ptext, {}, {}, "", ""})[0];
      if (vdoc.empty()) vdoc = "`" + c + "`.";
      v.set("doc", docs({vdoc}, 4));
      vs << v;
    }
    d.set("variants", vs);
    return d;
  }

  mu::data getter(const passes::PlannedField& f) {
    mu::data g;
    const auto& lg = f.get;
    g.set("name", f.spec->get);
    g.set("c_field", f.spec->c);
    set_alias(g, f.spec->c, f.spec->get);
    std::string read = "unsafe { (*ptr)." + f.path + (f.bitfield ? "()" : "") + " }";
    CodeWriter w(8);
    w.comment(lg.safety, "SAFETY");
    // No `let` when there is nothing to convert (clippy::let_and_return).
    if (lg.tail == "value" && lg.conv.kind == emit::Conversion::Kind::Same) {
      w.line(read);
    } else {
      w.line("let value = " + read + ";");
      passes::convert_into(w, "value", lg.conv);
      w.line(lg.tail);
    }
    g.set("body", w.str());
    g.set("rust_type", lg.rust_type);
    g.set("doc", docs({f.spec->doc.empty() ? field_doc(f) : f.spec->doc}, 4));
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
    const auto& ls = f.set;
    s.set("name", sf.set);
    s.set("c_field", sf.c);
    set_alias(s, sf.c, sf.set);
    s.set("rust_type", ls.rust_type);
    CodeWriter w(8);
    if (ls.conv.kind == emit::Conversion::Kind::Cast) w.comment(ls.conv.reason, "CAST");
    if (ls.tail != "value" || ls.conv.kind != emit::Conversion::Kind::Same)
      w.line("let value = " + ls.conv.apply(ls.tail) + ";");
    w.comment(ls.safety, "SAFETY");
    w.line("unsafe { " + ls.write + " };");
    s.set("body", w.str());
    // One doc for a getter and its setter names the value ("The node ID."):
    // the setter's is "Sets the node ID.".
    std::string doc = sf.doc.empty() ? "Sets `" + sf.c + "`." : sf.doc;
    if (!sf.doc.empty() && !sf.get.empty() && !text::starts_with(sf.doc, "Sets ") &&
        std::isupper(static_cast<unsigned char>(sf.doc[0])) &&
        !std::isupper(static_cast<unsigned char>(sf.doc.size() > 1 ? sf.doc[1] : 'a')))
      doc = "Sets " + std::string(1, static_cast<char>(std::tolower(static_cast<unsigned char>(sf.doc[0])))) +
            sf.doc.substr(1);
    s.set("doc", docs({doc}, 4));
    return s;
  }

  mu::data method(const passes::PlannedMethod& m) {
    mu::data d;
    const auto& sm = *m.spec;
    const auto& low = m.low;
    d.set("name", sm.rust);
    d.set("c_fn", m.fn->name);
    set_alias(d, m.fn->name, sm.rust);
    std::vector<std::string> params = {sm.receiver};
    for (const auto& p : low.params) params.push_back(p.name + ": " + p.rust_type);
    d.set("params", text::join(params, ", "));
    CodeWriter w(8);
    for (const auto& p : low.params)
      if (p.conv.lossy()) passes::convert_into(w, p.name, p.conv);
    low.convention->method_body(w, m.returns, low.site);
    d.set("ret", low.rust_ret);
    d.set("body", w.str());
    std::vector<std::string> lines;
    if (!sm.doc.empty()) lines = doc_lines({sm.doc}, kDocWidth - 4);
    else if (auto it = p_.docs.find(m.fn->name); it != p_.docs.end()) lines = doc_for(it->second, low.doc, 4);
    if (lines.empty()) lines = doc_lines({"Calls the C function `" + m.fn->name + "`."}, kDocWidth - 4);
    std::vector<std::string> extra;
    if (!sm.context.empty()) extra.push_back("Context: " + sm.context + ".");
    if (m.fn->warn_unused_result && m.returns.kind != Returns::Kind::Void)
      extra.push_back("The C function is `__must_check`; the returned value must be used.");
    if (!extra.empty()) {
      lines.push_back("");
      for (const auto& l : doc_lines(extra, kDocWidth - 4)) lines.push_back(l);
    }
    d.set("doc", str_list(lines));
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
    // A shared spec's types are made by other specs' trampolines.
    d.set("from_raw", s_.shared || p_.from_raw_types.count(st.rust) > 0);
    d.set("from_raw_vis", s_.shared ? "pub(crate) " : "");
    d.set("shared", s_.shared);
    d.set("from_raw_safety", docs({"For the duration of `'a`, `ptr` must point at a valid `" + tag +
                                   "`, and the caller must be in a context where every method of this "
                                   "type may be called."},
                                  4));
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
      x.set("invariant_doc", docs({"The lock was taken with `" + sl.lock +
                                   "` on the wrapped object and is released only by `drop`, with `" + sl.unlock +
                                   "`."}));
      mu::data gm{mu::data::type::list};
      for (const auto& m : l.methods) gm << method(m);
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
      // Hand-written (the spec's escape hatch), one level inside the impl.
      CodeWriter w(4);
      w.blank();
      w.line("");
      w.code(st.extra_impl);
      extra = w.str() + "\n";
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
      CodeWriter w(4);
      // The #define's header comment (or the spec's doc), as kernel-doc prose is rendered.
      std::vector<std::string> doc;
      if (!c.doc.empty()) doc = model::rustdoc_lines(model::parse_comment_text(c.doc), {}, kDocWidth - 4);
      if (doc.empty()) doc = {"`" + c.c + "`."};
      for (const auto& l : doc) w.line(l.empty() ? "///" : "/// " + l);
      if (c.c != c.rust) w.line("#[doc(alias = \"" + c.c + "\")]");
      if (!c.cast.empty()) w.comment(c.cast, "CAST");
      w.line("pub const " + c.rust + ": " + g.spec->type + " = " + c.expr + ";");
      x.set("item", w.str());
      cs << x;
    }
    d.set("consts", cs);
    // A few of them checked against bindgen's values, as a doctest.
    mu::data ex{mu::data::type::list};
    size_t n_ex = 0;
    for (size_t i = 0; i < g.consts.size() && n_ex < 3; ++i) {
      const model::CMacro* mac = p_.c->macro(g.consts[i].c);
      // An enumerator's constant is bindgen's own: nothing to compare it with.
      if (g.consts[i].enumerator || (mac && !emit::bindgen_evaluates(mac->body))) continue;
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

  mu::data callback(const passes::PlannedOps& o, const passes::PlannedCallback& cb, bool last) {
    mu::data d;
    const auto& fp = *cb.field->type.pointee;
    const auto& sc = *cb.spec;
    // The trait method (and its trampoline); `member` is the C struct's.
    std::string method = sc.rust.empty() ? cb.field->name : sc.rust;
    d.set("name", method);
    d.set("NAME", text::to_upper(method));
    d.set("member", cb.field->name);
    d.set("safety_doc", docs({"Called only by C through `" + o.record->tag + "::" + cb.field->name +
                              "`, under the contract stated on [`Adapter`]."},
                             4));
    d.set("last", last);
    d.set("cfg", opt_str(cb.field->cfg));
    // The callback that drops the driver data runs for every binding: its
    // default does nothing else.
    d.set("always", sc.required || sc.internal || sc.drops_data);
    d.set("noop_default", sc.drops_data);
    d.set("required", sc.required);
    CodeWriter w(8);
    if (sc.internal && !cb.low.internal_call.empty()) {
      const auto& low = cb.low;
      std::vector<std::string> c_params;
      for (const auto& a : low.args) c_params.push_back(a.c_decl);
      d.set("c_ret", low.c_ret);
      d.set("c_params", text::join(c_params, ", "));
      w.comment(low.internal_safety, "SAFETY");
      if (low.internal_result) {
        w.line("match unsafe { " + low.internal_call + " } {");
        w.line("    Ok(()) => 0,");
        w.line("    Err(e) => e.to_errno(),");
        w.line("}");
      } else {
        w.line("unsafe { " + low.internal_call + " };");
        if (!low.c_ret.empty()) w.line("0");
      }
      d.set("body", w.str());
      return d;
    }
    if (sc.internal) {
      std::vector<std::string> c_params;
      for (size_t i = 0; i < fp.params.size(); ++i) {
        const auto& p = fp.params[i];
        std::string name = emit::rust_ident(p.name.empty() ? "arg" + std::to_string(i) : p.name);
        c_params.push_back((mentions(sc.body, name) ? name : "_" + name) + ": " + emit::ffi_type(p.type));
      }
      const CType& cret = *fp.ret;
      d.set("c_ret", cret.kind == CType::Kind::Void ? "" : " -> " + emit::ffi_type(cret));
      d.set("c_params", text::join(c_params, ", "));
      w.code(sc.body);
      d.set("body", w.str());
      return d;
    }
    const auto& low = cb.low;
    std::vector<std::string> c_params, trait_params;
    for (const auto& a : low.args) c_params.push_back(a.c_decl);
    for (const auto& [decl, call] : low.trait_params) trait_params.push_back(decl);
    d.set("c_ret", low.c_ret);
    d.set("c_params", text::join(c_params, ", "));
    d.set("trait_params", text::join(trait_params, ", "));
    passes::CallbackSite site = low.site;
    site.prelude = [&](CodeWriter& w) {
      auto derived = [&](bool early) {
        for (const auto& a : low.derived) {
          if (a.early != early) continue;
          if (!a.make.empty() && a.safety.empty()) {
            w.line("let " + a.name + " = " + a.make + ";");  // a safe conversion
          } else if (!a.make.empty()) {
            w.comment(a.safety, "SAFETY");
            w.line("let " + a.name + " = unsafe { " + a.make + " };");
          }
          if (a.conv.lossy()) passes::convert_into(w, a.name, a.conv);
        }
      };
      derived(true);
      for (const auto& a : low.args)
        if (!a.raw_alias.empty()) w.line("let " + a.raw_alias + " = " + a.name + ";");
      for (const auto& a : low.args) {
        using K = passes::LoweredArg::Kind;
        if (a.kind == K::Object || a.kind == K::Ref || a.kind == K::Guard) {
          w.comment(a.safety, "SAFETY");
          w.line("let " + a.name + " = unsafe { " + a.make + " };");
        }
        if (a.kind == K::Guard) {
          w.comment("C calls `" + cb.field->name + "` with the lock that `" + a.guard_lock +
                        "` takes held; `ManuallyDrop` keeps the guard from releasing it.",
                    "INVARIANT");
          w.line("let mut " + a.name + " = core::mem::ManuallyDrop::new(" + a.guard + "(" + a.name + "));");
        }
        if (a.kind == K::Value && a.conv.lossy()) passes::convert_into(w, a.name, a.conv);
      }
      derived(false);
      if (!low.prelude.empty()) w.code(low.prelude);
    };
    low.convention->callback_body(w, cb.returns, site);
    d.set("trait_ret", low.trait_ret);
    d.set("body", w.str());
    auto kd = model::parse_kerneldoc(cb.field->doc);
    // A member without its own kernel-doc may have an `@member:` line in
    // the struct's (`struct pci_driver`'s).
    if (!kd.has_text())
      for (const auto& [n, text] : model::parse_kerneldoc(o.record->doc).args)
        if (n == cb.field->name) kd = model::parse_kerneldoc("/**\n * @" + n + ": " + text + "\n */");
    model::DocContext ctx = cb.low.doc;
    if (!cb.low.previous_name.empty()) {
      ctx.previous = &cb.low.previous_doc;
      ctx.previous_name = cb.low.previous_name;
    }
    std::vector<std::string> lines = doc_for(kd, ctx, 4);
    if (lines.empty()) lines = doc_lines({"Implements the `" + cb.field->name + "` callback."}, kDocWidth - 4);
    d.set("doc", str_list(lines));
    return d;
  }

  // Whether `code`, without its `//` comments, mentions the identifier `name`.
  static bool mentions(const std::string& with_comments, const std::string& name) {
    std::string code;
    for (const auto& l : text::split_lines(with_comments)) code += l.substr(0, l.find("//")) + "\n";
    return text::has_word(code, name);
  }

  mu::data ops_table(const passes::PlannedOps& o) {
    mu::data d;
    const auto& so = *o.spec;
    d.set("trait", so.trait);
    d.set("trait_article", std::string("AEIOU").find(so.trait.empty() ? 'x' : so.trait[0]) == std::string::npos ? "a"
                                                                                                                : "an");
    d.set("vtable", so.vtable);
    d.set("create", so.create);
    d.set("c_tag", o.record->tag);
    d.set("guarantee_doc", docs({so.guarantee}));
    d.set("build_doc", docs({"Returns the C `" + o.record->tag + "` for `T`: callbacks `T` implements point at "
                             "trampolines, the others are `None`. The C side guarantees each trampoline that " +
                             so.guarantee},
                            4));
    d.set("guarantee_comment", docs({"The trampolines of `" + o.record->tag + "`, whose callbacks are methods of [`" +
                                     so.trait + "`]. C calls them only through the table [`" + so.vtable +
                                     "::build`] built for `T`, and guarantees every call that " + so.guarantee}));
    d.set("contract_doc", docs({"C calls each trampoline only through the `" + o.record->tag + "` that [`" +
                                (so.table == "static" ? so.vtable + "::build" : so.create) +
                                "`] built for `T`, and guarantees every call that " + so.guarantee}));
    std::vector<const passes::PlannedCallback*> wired;
    for (const auto& cb : o.callbacks)
      if (cb.spec) wired.push_back(&cb);
    mu::data w{mu::data::type::list}, ex{mu::data::type::list}, init{mu::data::type::list};
    mu::data methods{mu::data::type::list};
    // The trait also declares the callbacks of the tables that extend it.
    std::vector<std::pair<const passes::PlannedOps*, const passes::PlannedCallback*>> in_trait;
    for (const auto* cb : wired)
      if (!cb->spec->internal) in_trait.push_back({&o, cb});
    for (const auto& x : p_.ops)
      if (&x != &o && so.extends.empty() && x.spec->extends == so.trait)
        for (const auto& cb : x.callbacks) {
          if (cb.spec && !cb.spec->internal) in_trait.push_back({&x, &cb});
        }
    for (size_t i = 0; i < wired.size(); ++i) w << callback(o, *wired[i], i + 1 == wired.size());
    for (size_t i = 0; i < in_trait.size(); ++i)
      methods << callback(*in_trait[i].first, *in_trait[i].second, i + 1 == in_trait.size());
    d.set("extends", !so.extends.empty());
    d.set("trait_methods", methods);
    d.set("static_table", so.table == "static");
    if (o.driver_data && o.driver_data->get) {
      mu::data x;
      x.set("get", o.driver_data->get->name);
      x.set("ffi", o.driver_data->ffi);
      x.set("box", so.driver_data->box);
      x.set("safety_doc", docs({"`dev` points at a valid device that `T` is bound to: " + o.driver_data->safety + "."}, 4));
      d.set("driver_data", x);
    } else {
      d.set("driver_data", false);
    }
    mu::data types{mu::data::type::list};
    for (const auto& t : so.types) {
      mu::data x;
      x.set("rust", t.rust);
      x.set("bounds", opt_str(t.bounds));
      x.set("doc", docs({t.doc.empty() ? "The type of the `" + t.rust + "`." : t.doc}, 4));
      types << x;
    }
    d.set("assoc_types", types);
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
      // One list of lines per member (comment, then the member): a false
      // section would leave a blank line behind.
      std::vector<std::string> lines;
      if (expr == "zeroed") {
        expr = "unsafe { core::mem::zeroed() }";
        for (const auto& l : doc_lines({"SAFETY: All-zero bytes are a valid `" + f->type.spelling +
                                        "`: it is plain C data that the C side fills in at registration."},
                                       kDocWidth - 8))
          lines.push_back("//" + l);
      } else if (expr == "null") {
        expr = f->type.pointee && f->type.pointee->is_const ? "core::ptr::null()" : "core::ptr::null_mut()";
      }
      lines.push_back((f->cfg.empty() ? "" : "#[cfg(" + f->cfg + ")] ") + f->name + ": " + expr + ",");
      x.set("lines", str_list(lines));
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
    if (!kd.empty() && so.doc.empty()) paras = doc_paragraphs(kd);
    if (paras.empty()) paras.push_back("Callbacks of a C `struct " + o.record->tag + "`.");
    paras.push_back("Wires " + std::to_string(o.wired()) + " of the " + std::to_string(o.callbacks.size()) +
                    " callbacks of `struct " + o.record->tag + "`.");
    d.set("doc", docs(paras));
    return d;
  }

  mu::data registration(const passes::PlannedRegistration& r) {
    mu::data d;
    d.set("rust", r.rust);
    d.set("vtable", r.vtable);
    d.set("c_tag", r.c_tag);
    d.set("register_fn", r.register_fn);
    d.set("unregister_fn", r.unregister_fn);
    d.set("doc", docs({r.doc}));
    d.set("register_args", r.register_args);
    d.set("unregister_args", r.unregister_args);
    d.set("unregister_cast", r.unregister_cast.empty() ? mu::data(false)
                                                       : str_list(doc_lines({"CAST: " + r.unregister_cast}, 85)));
    d.set("single", r.single);
    d.set("trait", r.trait);
    d.set("create", r.create);
    d.set("box", r.box);
    mu::data set{mu::data::type::list};
    for (const auto& [f, e] : r.set) {
      mu::data x;
      x.set("field", f);
      x.set("expr", e);
      set << x;
    }
    d.set("set", set);
    return d;
  }

  mu::data device_id(const passes::PlannedDeviceId& di) {
    mu::data d;
    d.set("rust", di.rust);
    d.set("c_tag", di.c_tag);
    set_alias(d, di.c_tag, di.rust);
    d.set("doc", docs({di.doc}));
    mu::data ctors{mu::data::type::list};
    for (const auto& c : di.ctors) {
      mu::data x;
      x.set("name", c.name);
      x.set("rust", di.rust);
      x.set("c_tag", di.c_tag);
      x.set("params", c.params);
      mu::data fs{mu::data::type::list};
      for (const auto& [n, e] : c.fields) {
        mu::data f;
        f.set("init", text::trim(e) == n ? n : n + ": " + e);  // the shorthand, as clippy wants
        fs << f;
      }
      x.set("fields", fs);
      x.set("doc", docs({c.doc}, 4));
      ctors << x;
    }
    d.set("ctors", ctors);
    mu::data getters{mu::data::type::list};
    for (const auto& [g, f, t] : di.getters) {
      mu::data x;
      x.set("name", g);
      x.set("c_field", f);
      x.set("type", t);
      getters << x;
    }
    d.set("getters", getters);
    d.set("raw_device_id", di.raw_device_id);
    if (!di.driver_const.empty() && di.info.empty()) {
      mu::data x;
      x.set("trait", di.driver_trait);
      x.set("const", di.driver_const);
      d.set("driver_const", x);
    }
    if (!di.info.empty()) {
      mu::data t;
      t.set("c_tag", di.c_tag);
      t.set("rust", di.rust);
      t.set("info", di.info);
      t.set("table_macro", di.table_macro);
      t.set("modpost", di.modpost);
      t.set("info_type", di.info_type);
      t.set("driver_trait", di.driver_trait);
      t.set("driver_const", di.driver_const);
      t.set("mod_path", di.mod_path);
      t.set("zero_fields", str_list(di.zero_fields));
      d.set("table", t);
    } else {
      d.set("table", false);
    }
    return d;
  }

  mu::data module_macro(const passes::PlannedModuleMacro& m) {
    mu::data d;
    d.set("name", m.name);
    d.set("device_table", m.device_table);
    d.set("trait", m.trait);
    d.set("vtable", m.vtable);
    d.set("create", m.create);
    d.set("registration", m.registration);
    d.set("mod_path", m.mod_path);
    d.set("id_c_tag", m.id_c_tag);
    d.set("id_zero_fields", str_list(m.id_zero_fields));
    if (m.table_macro.empty()) {
      d.set("table_macro", false);
    } else {
      d.set("table_macro", m.table_macro);
      d.set("table_type", m.table_type);
      d.set("id_rust", m.id_rust);
    }
    d.set("single", m.single);
    return d;
  }

  // The submodule file of an ops table the spec puts in a file of its own.
 public:
  mu::data ops_file(const passes::PlannedOps& o) {
    mu::data d;
    d.set("spec_path", ctx_.spec_path);
    d.set("copyright", str_list(s_.copyright));
    d.set("file_doc", docs({"The [`" + o.spec->trait + "`] trait over the C `struct " + o.record->tag +
                            "`, with the trampolines and the C table that connect them."}));
    mu::data ops{mu::data::type::list};
    ops << ops_table(o);
    d.set("ops", ops);
    d.set("ops_table", mu::partial([] { return embedded_templates().at("ops_table"); }));
    return d;
  }

 private:
  const passes::Plan& p_;
  const spec::Spec& s_;
  const ViewContext& ctx_;
};

}  // namespace

namespace {

std::string render(const std::string& name, const mu::data& d) {
  mu::mustache tpl(embedded_templates().at(name));
  if (!tpl.is_valid()) throw Error("internal error: template '" + name + "': " + tpl.error_message());
  tpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tpl.render(d);
  if (!tpl.is_valid()) throw Error("internal error: rendering '" + name + "': " + tpl.error_message());
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

}  // namespace

std::map<std::string, std::string> render_rust_files(const passes::Plan& plan, const ViewContext& ctx) {
  View v(plan, ctx);
  mu::data d = v.build();
  std::map<std::string, std::string> out;
  std::string dir = plan.spec->kernel_file.substr(0, plan.spec->kernel_file.size() - 3);  // "rust/kernel/block/mq"
  std::vector<std::pair<std::string, mu::data>> files;
  for (const auto& o : plan.ops)
    if (!o.spec->file.empty()) files.push_back({dir + "/" + o.spec->file + ".rs", v.ops_file(o)});
  v.diags.throw_if_errors("emit-rust");
  out[plan.spec->kernel_file] = render("module", d);
  for (const auto& [path, fd] : files) out[path] = render("ops_file", fd);
  return out;
}

std::string render_rust_module(const passes::Plan& plan, const ViewContext& ctx) {
  return render_rust_files(plan, ctx).at(plan.spec->kernel_file);
}

}  // namespace kgen::emit
