#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <tuple>
#include <set>
#include <sstream>

#include "passes/lower.hpp"
#include "passes/plan.hpp"
#include "support/text.hpp"

namespace kgen::passes {

using model::CType;
using spec::Returns;

size_t PlannedOps::wired() const {
  size_t n = 0;
  for (const auto& c : callbacks) n += c.spec != nullptr;
  return n;
}

const std::vector<PassInfo>& pass_list() {
  static const std::vector<PassInfo> l = {
      {"resolve-types", "every type, field and method of the spec names something in the headers"},
      {"resolve-enums", "enums and their variants exist; macro-built enums evaluate"},
      {"resolve-constants", "constant groups evaluate and fit their Rust type"},
      {"resolve-ops", "ops tables: each callback is wired or excluded with a reason; every field is initialized"},
      {"resolve-registration", "registration functions, device ids and the module macro"},
      {"conventions", "return conventions (errno, value, ERR_PTR, void, bool) match the C types"},
      {"helpers", "static inline functions the safe layer calls get a rust_helper_*"},
      {"docs", "kernel-doc for every wrapped function and callback"},
      {"lower", "every rendering decision: receivers, conversions, locks held, conventions, SAFETY reasons"},
  };
  return l;
}

namespace {

std::string strip_tag(const std::string& c, const char* kw) {
  std::string p = std::string(kw) + " ";
  return text::starts_with(c, p) ? c.substr(p.size()) : c;
}

std::string did_you_mean(const model::CModel& m, const std::string& name) {
  auto s = m.similar_names(name);
  return s.empty() ? "check the spelling against the headers listed in 'headers'"
                   : "did you mean '" + text::join(s, "', '") + "'?";
}

class Runner {
 public:
  Runner(const spec::Spec& s, const model::CModel& m, const DocSources& docs, Plan& p)
      : s_(s), m_(m), docs_(docs), p_(p) {}

  void resolve_types() {
    for (const auto& t : s_.types) {
      std::string tag = strip_tag(t.c, "struct");
      const model::CRecord* r = m_.record(tag);
      if (!r || !r->complete) {
        d_.error(t.loc, "unknown C struct '" + t.c + "' for type " + t.rust, did_you_mean(m_, tag));
        continue;
      }
      // owned/pinned are parsed but nothing renders them: an error, not a
      // silently ignored key.
      if (t.ownership == spec::Type::Ownership::Owned || t.ownership == spec::Type::Ownership::Pinned)
        d_.error(t.loc,
                 "type " + t.rust + ": ownership '" +
                     (t.ownership == spec::Type::Ownership::Owned ? "owned" : "pinned") +
                     "' generates nothing (kgen renders no Drop over 'free' and no pinned constructor yet)",
                 "use 'borrowed' or 'refcounted', or write the type by hand under 'hand_written'");
      else if (!t.free.empty())
        d_.error(t.loc, "type " + t.rust + ": 'free' is only for ownership 'owned', which kgen does not render",
                 "remove 'free'");
      PlannedType pt{&t, r, {}, {}, {}, nullptr, nullptr};
      for (const auto& f : t.fields) {
        std::string path;
        auto cf = field_path(*r, f.c, f.loc, &path);
        if (!cf) continue;
        pt.fields.push_back({&f, cf->type, cf->bit_width >= 0, path, {}, {}});
      }
      for (const auto& me : t.methods)
        if (auto pm = method(t, tag, me)) pt.methods.push_back(*pm);
      if (t.ownership == spec::Type::Ownership::RefCounted) {
        pt.get = receiver_fn(t, tag, t.get, t.loc, "get");
        pt.put = receiver_fn(t, tag, t.put, t.loc, "put");
      }
      for (const auto& l : t.locks) {
        PlannedLock pl{&l, receiver_fn(t, tag, l.lock, l.loc, "lock"), receiver_fn(t, tag, l.unlock, l.loc, "unlock"), {}};
        for (const auto& me : l.methods)
          if (auto pm = method(t, tag, me)) pl.methods.push_back(*pm);
        pt.locks.push_back(std::move(pl));
      }
      if (t.as_ref) field_path(*r, t.as_ref->field, t.as_ref->loc);
      p_.types.push_back(std::move(pt));
    }
  }

  // A C function whose first parameter points at the type: a method.
  std::optional<PlannedMethod> method(const spec::Type& t, const std::string& tag, const spec::Method& me) {
    const model::CFunction* fn = m_.function(me.c);
    if (!fn) fn = macro_function(t, tag, me);
    if (!fn) {
      d_.error(me.loc, "unknown C function '" + me.c + "' for method " + t.rust + "::" + me.rust,
               did_you_mean(m_, me.c));
      return std::nullopt;
    }
    if (fn->params.empty() || !fn->params[0].type.is_pointer() || fn->params[0].type.pointee->tag != tag) {
      d_.error(me.loc, "method " + me.rust + ": the first parameter of " + me.c + " is not a pointer to " + t.c,
               "a method's receiver is the C function's first parameter (" + fn->loc.str() + ")");
      return std::nullopt;
    }
    for (const auto& a : me.args) {
      bool found = false;
      for (size_t i = 1; i < fn->params.size(); ++i) found |= fn->params[i].name == a.name;
      if (!found) d_.error(a.loc, "function " + me.c + " has no parameter '" + a.name + "'");
    }
    if (fn->variadic) d_.error(me.loc, me.c + " is variadic; variadic functions cannot be wrapped");
    const model::CFunction* errno_fn = nullptr;
    if (!me.errno_fn.empty()) {
      errno_fn = m_.function(me.errno_fn);
      if (!errno_fn)
        d_.error(me.errno_loc, "unknown errno function '" + me.errno_fn + "' for method " + t.rust + "::" + me.rust,
                 did_you_mean(m_, me.errno_fn));
      else if (errno_fn->params.size() != 1 || errno_fn->params[0].type.kind != model::CType::Kind::Int ||
               errno_fn->ret.kind != model::CType::Kind::Int || !errno_fn->ret.is_signed)
        d_.error(me.errno_loc, "errno function " + me.errno_fn + " is not 'int f(int)' (" + errno_fn->loc.str() + ")",
                 "name a C function that maps this function's return value to 0 or a negative errno");
      if (me.returns.kind != Returns::Kind::Errno && me.returns.kind != Returns::Kind::Value &&
          me.returns.kind != Returns::Kind::Out)
        d_.error(me.errno_loc, "'errno' needs a return convention that checks an errno (errno, value or out)");
    }
    PlannedMethod pm{&me, fn, false, me.returns, {}};
    pm.errno_fn = errno_fn;
    return pm;
  }

  // A function-like macro called as a method gets a helper whose prototype
  // comes from the spec: the receiver is a pointer to the type, the other
  // parameters have the C types of their Rust types in 'args', and the
  // return type follows 'returns'. Clang checks the helper when the kernel
  // compiles rust/helpers/.
  const model::CFunction* macro_function(const spec::Type& t, const std::string& tag, const spec::Method& me) {
    const model::CMacro* mac = m_.macro(me.c);
    if (!mac || !mac->function_like) return nullptr;
    model::CFunction f;
    f.name = me.c;
    f.loc = mac->loc;
    f.is_static_inline = true;  // nothing to link against: it needs a helper
    if (mac->params.empty()) {
      d_.error(me.loc, "macro " + me.c + " takes no parameters; it cannot be a method of " + t.rust);
      return nullptr;
    }
    model::CType self;
    self.kind = CType::Kind::Pointer;
    self.spelling = "struct " + tag + " *";
    self.pointee = std::make_shared<CType>();
    self.pointee->kind = CType::Kind::Record;
    self.pointee->tag = tag;
    self.pointee->spelling = "struct " + tag;
    f.params.push_back({mac->params[0], self});
    for (size_t i = 1; i < mac->params.size(); ++i) {
      std::string rust;
      for (const auto& a : me.args)
        if (a.name == mac->params[i]) rust = a.rust_type;
      auto ct = c_type_of_rust(rust);
      if (!ct) {
        d_.error(me.loc, "macro " + me.c + ": give the Rust type of its parameter '" + mac->params[i] + "' in 'args'",
                 "a macro has no C types; kgen types its helper from the spec (u8..u64, i8..i64, bool)");
        return nullptr;
      }
      f.params.push_back({mac->params[i], *ct});
    }
    if (!me.returns.explicit_) {
      d_.error(me.loc, "macro " + me.c + ": say what it returns ('returns: errno', 'value u16', 'bool', 'void', ...)");
      return nullptr;
    }
    auto ret = convention(me.returns.kind).helper_ret(me.returns);
    if (!ret) {
      d_.error(me.loc, "macro " + me.c + ": this return convention cannot type a helper");
      return nullptr;
    }
    f.ret = *ret;
    p_.synthesized.push_back(std::move(f));
    return &p_.synthesized.back();
  }

  // A pair function (get/put, lock/unlock): takes exactly a pointer to the type.
  const model::CFunction* receiver_fn(const spec::Type& t, const std::string& tag, const std::string& name,
                                      const Location& loc, const char* role) {
    const model::CFunction* fn = m_.function(name);
    if (!fn) {
      d_.error(loc, "unknown " + std::string(role) + " function '" + name + "'", did_you_mean(m_, name));
      return nullptr;
    }
    if (fn->params.size() != 1 || !fn->params[0].type.is_pointer() || fn->params[0].type.pointee->tag != tag) {
      d_.error(loc, std::string(role) + " function " + name + " must take exactly a `" + t.c + " *`",
               "its declaration: " + fn->loc.str());
      return nullptr;
    }
    return fn;
  }

  // Resolves "a.b.c" through nested struct members (and, as C does, through
  // anonymous ones); reports the first miss. `rust_path` gets bindgen's
  // access path.
  const model::CField* field_path(const model::CRecord& r, const std::string& path, const Location& loc,
                                  std::string* rust_path = nullptr) {
    FieldPath fp = resolve_field_path(m_, r, text::split(path, '.'));
    if (!fp.field && !fp.missing_in)
      d_.error(loc, "'" + path + "': '" + fp.missing + "' is not inside a struct");
    else if (!fp.field)
      d_.error(loc, "struct " + fp.missing_in->tag + " has no field '" + fp.missing + "'", fields_hint(*fp.missing_in));
    else if (rust_path)
      *rust_path = fp.rust;
    return fp.field;
  }

  void resolve_enums() {
    for (const auto& e : s_.enums) {
      PlannedEnum pe{&e, nullptr, {}, {}};
      if (!e.from_macros) {
        std::string tag = strip_tag(e.c, "enum");
        pe.c = m_.enumeration(tag);
        if (!pe.c) {
          d_.error(e.loc, "unknown C enum '" + e.c + "'", did_you_mean(m_, tag));
          continue;
        }
      }
      for (size_t i = 0; i < e.variants.size(); ++i) {
        const auto& [cname, rname] = e.variants[i];
        const Location& loc = i < e.variant_locs.size() ? e.variant_locs[i] : e.loc;
        if (pe.c) {
          const model::CEnumConstant* k = nullptr;
          for (const auto& c : pe.c->constants)
            if (c.name == cname) k = &c;
          if (!k) {
            d_.error(loc, "enum " + e.c + " has no constant '" + cname + "'");
            continue;
          }
          pe.values.push_back(k->value);
        } else {
          const model::CMacro* mac = m_.macro(cname);
          // An enumerator, as the values of a typed integer often are
          // (`pci_ers_result_t`, whose values are in `enum pci_ers_result`).
          if (!mac)
            if (auto [ce, k] = enumerator_named(cname); k) {
              pe.values.push_back(k->value);
              pe.c_exprs.resize(i);
              pe.c_exprs.push_back(m_.enumerator_path(*ce, cname));
              continue;
            }
          if (!mac) {
            d_.error(loc, "unknown macro '" + cname + "'", did_you_mean(m_, cname));
            continue;
          }
          if (!mac->value) {
            d_.error(loc, "macro '" + cname + "' is not an integer constant (" + mac->loc.str() + ")");
            continue;
          }
          pe.values.push_back(mac->value->value);
        }
      }
      if (!e.unknown.empty()) {
        bool ok = false;
        for (const auto& v : e.variants) ok |= v.second == e.unknown;
        if (!ok) d_.error(e.loc, "'unknown: " + e.unknown + "' is not one of the enum's variants");
      }
      if (pe.c) {
        std::set<std::string> named;
        for (const auto& v : e.variants) named.insert(v.first);
        for (const auto& c : pe.c->constants)
          if (!named.count(c.name) && !text::starts_with(c.name, "__"))
            p_.ignored.push_back({e.c + "::" + c.name, "not listed in the spec's variants of " + e.rust, c.loc});
      }
      p_.enums.push_back(std::move(pe));
    }
  }

  static bool fits(const model::MacroValue& v, const std::string& type) {
    static const std::map<std::string, std::pair<bool, unsigned>> ints = {
        {"u8", {false, 8}},  {"u16", {false, 16}}, {"u32", {false, 32}}, {"u64", {false, 64}},
        {"i8", {true, 8}},   {"i16", {true, 16}},  {"i32", {true, 32}},  {"i64", {true, 64}},
        {"usize", {false, 64}}, {"isize", {true, 64}}};
    auto it = ints.find(type);
    if (it == ints.end()) return false;
    auto [sgn, bits] = it->second;
    long long x = v.value;
    if (v.is_unsigned) {
      unsigned long long u = static_cast<unsigned long long>(x);
      if (bits == 64) return !sgn || u <= 0x7fffffffffffffffull;
      return u < (1ull << (sgn ? bits - 1 : bits));
    }
    if (x < 0) return sgn && (bits == 64 || x >= -(1ll << (bits - 1)));
    if (bits == 64) return true;
    return static_cast<unsigned long long>(x) < (1ull << (sgn ? bits - 1 : bits));
  }

  // The enumerator `name` (a constant of some C enum) and its enum; nulls if there is none.
  std::pair<const model::CEnum*, const model::CEnumConstant*> enumerator_named(const std::string& name) const {
    auto k = m_.enum_of_constant.find(name);
    const model::CEnum* ce = k == m_.enum_of_constant.end() ? nullptr : m_.enumeration(k->second);
    if (ce)
      for (const auto& ec : ce->constants)
        if (ec.name == name) return {ce, &ec};
    return {nullptr, nullptr};
  }


  // The doc of constant `c` of group `g`: the spec's, else the header's `fallback`.
  static std::string const_doc(const spec::ConstGroup& g, const std::string& c, std::string fallback) {
    for (const auto& [dc, text] : g.docs)
      if (dc == c) return text;
    return fallback;
  }

  // A constant named by an enumerator (`DRIVER_GEM` of `enum drm_driver_feature`): bindgen's
  // constant, cast to the group's type unless the enum's underlying type is that type. False
  // if `c` is no enumerator.
  bool enumerator(PlannedConstGroup& pg, const std::string& c, const std::string& rust, const Location& loc) {
    auto [ce, ec] = enumerator_named(c);
    if (!ec) return false;
    model::MacroValue v{ec->value, !ce->is_signed, ce->bits, ce->is_signed};
    const std::string& type = pg.spec->type;
    if (!fits(v, type)) {
      d_.error(loc, "value of '" + c + "' (" + std::to_string(ec->value) + ") does not fit in " + type);
      return true;
    }
    PlannedConst pc{c, rust, v, true, {}, {}, false, const_doc(*pg.spec, c, ec->doc), true};
    pc.expr = m_.enumerator_path(*ce, c);
    if ((ce->is_signed ? "i" : "u") + std::to_string(ce->bits) != type) {
      pc.expr += " as " + type;
      pc.cast = "`" + c + "` (" + std::to_string(ec->value) + ") fits in `" + type + "`.";
    }
    pg.consts.push_back(std::move(pc));
    return true;
  }

  void resolve_constants() {
    for (const auto& g : s_.constants) {
      PlannedConstGroup pg{&g, {}};
      if (!fits({0, false, 32, true}, g.type)) d_.error(g.loc, "constant type '" + g.type + "' is not a Rust integer type");
      auto add = [&](const std::string& c, const std::string& rust, const Location& loc, bool explicit_name) {
        const model::CMacro* mac = m_.macro(c);
        if (!mac && enumerator(pg, c, rust, loc)) return;
        if (!mac) {
          d_.error(loc, "unknown macro '" + c + "'", did_you_mean(m_, c));
          return;
        }
        if (!mac->value) {
          if (explicit_name)
            d_.error(loc, "macro '" + c + "' is not an integer constant expression (" + mac->loc.str() + ")");
          else
            p_.ignored.push_back({c, "matched '" + g.module + "' but is not an integer constant", mac->loc});
          return;
        }
        if (!fits(*mac->value, g.type)) {
          if (explicit_name)
            d_.error(loc, "value of '" + c + "' (" + std::to_string(mac->value->value) + ") does not fit in " + g.type);
          else
            p_.ignored.push_back({c, "value " + std::to_string(mac->value->value) + " does not fit in " + g.type,
                                  mac->loc});
          return;
        }
        bool hex = mac->body.find("0x") != std::string::npos || mac->body.find("<<") != std::string::npos ||
                   mac->body.find("BIT") != std::string::npos;
        // The spec's doc wins over the header's comment.
        pg.consts.push_back({c, rust, *mac->value, hex, {}, {}, false, const_doc(g, c, mac->doc)});
      };
      for (size_t i = 0; i < g.names.size(); ++i)
        add(g.names[i].first, g.names[i].second, i < g.name_locs.size() ? g.name_locs[i] : g.loc, true);
      if (!g.match.empty()) {
        std::vector<const model::CMacro*> hits;
        for (const auto& [name, mac] : m_.macros) {
          if (mac.function_like) continue;
          if (!g.from.empty() && !text::ends_with(mac.loc.file, g.from)) continue;
          for (const auto& pat : g.match)
            if (text::glob_match(pat, name)) {
              hits.push_back(&mac);
              break;
            }
        }
        // Source order reads like the header.
        std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
          return std::tie(a->loc.file, a->loc.line) < std::tie(b->loc.file, b->loc.line);
        });
        if (hits.empty())
          d_.error(g.loc, "no macro matches " + text::join(g.match, ", ") + (g.from.empty() ? "" : " in " + g.from));
        for (auto* mac : hits) add(mac->name, mac->name, g.loc, false);
      }
      p_.consts.push_back(std::move(pg));
    }
  }

  void resolve_ops() {
    for (const auto& o : s_.ops) {
      std::string tag = strip_tag(o.c, "struct");
      const model::CRecord* r = m_.record(tag);
      if (!r || !r->complete) {
        d_.error(o.loc, "unknown C struct '" + o.c + "' for ops table " + o.trait, did_you_mean(m_, tag));
        continue;
      }
      PlannedOps po{&o, r, o.conversions, {}};
      // A table that extends another's trait converts as that one does (the
      // driver data, `Pin<&Self>`), through the same Adapter.
      if (!o.extends.empty()) {
        bool found = false;
        for (const auto& base : p_.ops)
          if (base.spec->trait == o.extends && base.spec->extends.empty()) {
            po.conversions.insert(po.conversions.end(), base.conversions.begin(), base.conversions.end());
            found = true;
          }
        if (!found)
          d_.error(o.loc, "'extends: " + o.extends + "': no ops table before this one has that trait",
                   "list the ops table of the trait first");
      }
      if (const auto& dd = o.driver_data) {
        PlannedDriverData x;
        x.get = m_.function(dd->get);
        x.set = m_.function(dd->set);
        if (!x.get) d_.error(dd->loc, "driver_data: unknown C function '" + dd->get + "'", did_you_mean(m_, dd->get));
        if (!x.set) d_.error(dd->loc, "driver_data: unknown C function '" + dd->set + "'", did_you_mean(m_, dd->set));
        if (x.get && (x.get->params.size() != 1 || !x.get->params[0].type.is_pointer() || !x.get->ret.is_pointer()))
          d_.error(dd->loc, "driver_data: '" + dd->get + "' must take the device pointer and return a pointer",
                   "it is declared " + x.get->loc.str());
        if (x.set && (x.set->params.size() != 2 || !x.set->params[1].type.is_pointer()))
          d_.error(dd->loc, "driver_data: '" + dd->set + "' must take the device pointer and a pointer",
                   "it is declared " + x.set->loc.str());
        if (x.get && x.get->params.size() == 1) {
          x.c_param = x.get->params[0].type.spelling;
          x.ffi = emit::ffi_type(x.get->params[0].type);
          x.safety = "`probe` stored a pinned `" + dd->box + "<T>` with `" + dd->set + "` on every device `T` is "
                     "bound to, and only the callback that ends the binding takes it back";
          po.conversions.push_back({"Pin<&Self>", x.c_param, "Self::data",
                                    "the C side calls this callback only on a device bound to `T`, whose driver data "
                                    "`probe` stored and nothing has dropped yet",
                                    dd->loc});
        }
        po.driver_data = x;
      }
      std::map<std::string, const spec::Callback*> wired;
      std::map<std::string, const spec::Excluded*> excluded;
      for (const auto& cb : o.callbacks) {
        const model::CField* f = r->field(cb.name);
        if (!f)
          d_.error(cb.loc, o.c + " has no member '" + cb.name + "'", did_you_mean(m_, cb.name));
        else if (!f->type.is_function_pointer())
          d_.error(cb.loc, o.c + "::" + cb.name + " is not a function pointer");
        else {
          for (const auto& a : cb.args) {
            bool found = false;
            for (const auto& p : f->type.pointee->params) found |= p.name == a.name;
            if (!found) d_.error(a.loc, "callback " + cb.name + " has no parameter '" + a.name + "'");
          }
          // Where trait parameters come from is resolved by `lower`.
        }
        if (cb.returns.kind == Returns::Kind::Status && o.status_ok.empty())
          d_.error(cb.returns.loc, "callback " + cb.name + " returns 'status' but the ops table has no 'status'",
                   "add status: {ok: <Rust expression>, err: <expression of the error `e`>} to the ops table");
        if (cb.receiver != "mut" && cb.receiver != "shared") {
          bool guard = false;
          for (const auto& t : s_.types)
            for (const auto& l : t.locks) guard |= l.rust == cb.receiver;
          if (!guard)
            d_.error(cb.receiver_loc.known() ? cb.receiver_loc : cb.loc,
                     "receiver must be 'mut', 'shared' or a lock guard of a spec type, not '" + cb.receiver + "'");
        }
        wired[cb.name] = &cb;
      }
      for (const auto& ex : o.excluded) {
        if (!r->field(ex.name)) d_.error(ex.loc, o.c + " has no member '" + ex.name + "'");
        if (wired.count(ex.name)) d_.error(ex.loc, "callback '" + ex.name + "' is both wired and excluded");
        excluded[ex.name] = &ex;
      }
      std::set<std::string> init_names;
      for (const auto& [k, v] : o.init) init_names.insert(k);
      for (size_t i = 0; i < o.init.size(); ++i)
        if (!r->field(o.init[i].first))
          d_.error(i < o.init_locs.size() ? o.init_locs[i] : o.loc, o.c + " has no member '" + o.init[i].first + "'");
      std::vector<std::string> missing, uninit;
      for (const auto& f : r->fields) {
        if (f.type.is_function_pointer()) {
          PlannedCallback pc{&f, nullptr, nullptr, {}, {}};
          if (auto w = wired.find(f.name); w != wired.end()) pc.spec = w->second;
          else if (auto e = excluded.find(f.name); e != excluded.end()) pc.excluded = e->second;
          else missing.push_back(f.name);
          po.callbacks.push_back(pc);
        } else {
          po.data_fields.push_back(&f);
          if (!init_names.count(f.name)) uninit.push_back(f.name);
        }
      }
      if (!missing.empty())
        d_.error(o.loc, o.c + ": callbacks neither wired nor excluded: " + text::join(missing, ", "),
                 "add each under 'callbacks' (with its mapping) or under 'excluded' (with a reason)");
      if (!uninit.empty())
        d_.error(o.loc, o.c + ": data members without an initializer: " + text::join(uninit, ", "),
                 "the generated initializer names every field; add them under 'init'");
      p_.ops.push_back(std::move(po));
    }
  }

  // Whether a `let` pattern of `code` binds `name` (`let x`, `let mut x`, `let (x, y)`).
  static bool defines_variable(const std::string& code, const std::string& name) {
    for (size_t at = text::find_word(code, "let"); at != std::string::npos; at = text::find_word(code, "let", at + 1)) {
      size_t eq = code.find('=', at);
      if (eq == std::string::npos) break;
      if (text::find_word(code, name, at + 3) < eq) return true;
    }
    return false;
  }

  static std::string param_names(const CType& fn) {
    std::vector<std::string> n;
    for (size_t i = 0; i < fn.params.size(); ++i)
      n.push_back(fn.params[i].name.empty() ? "arg" + std::to_string(i) + " (unnamed)" : fn.params[i].name);
    return n.empty() ? "none" : text::join(n, ", ");
  }

  void resolve_registration() {
    if (const auto& r = s_.registration) {
      for (auto [fn, loc] : {std::pair{r->register_fn, r->register_loc}, std::pair{r->unregister_fn, r->unregister_loc}}) {
        const model::CFunction* f = m_.function(fn);
        if (!f) d_.error(loc, "unknown C function '" + fn + "'", did_you_mean(m_, fn));
      }
      size_t own = 0;
      for (const auto& o : s_.ops) own += o.extends.empty();
      if (own != 1 || !s_.ops[0].extends.empty())
        d_.error(r->loc, "a registration needs exactly one ops table with a trait of its own, listed first");
    }
    if (const auto& d = s_.device_id) {
      std::string tag = strip_tag(d->c, "struct");
      const model::CRecord* rec = m_.record(tag);
      if (!rec) {
        d_.error(d->loc, "unknown C struct '" + d->c + "'", did_you_mean(m_, tag));
      } else {
        for (const auto& c : d->ctors)
          for (const auto& [f, e] : c.fields)
            if (!rec->field(f)) d_.error(c.loc, d->c + " has no field '" + f + "'");
        for (const auto& [g, f] : d->getters)
          if (!rec->field(f)) d_.error(d->loc, d->c + " has no field '" + f + "'");
      }
    }
    if (s_.module_macro && !s_.registration)
      d_.error(s_.module_macro->loc, "module_macro needs a registration");
  }

  bool used_enum(const std::string& rust) const {
    for (const Plan* u : p_.used)
      for (const auto& e : u->spec->enums)
        if (e.rust == rust) return true;
    return false;
  }

  void check_convention(Returns& r, const CType& t, const std::string& what, const Location& loc, bool wur) {
    if (!r.explicit_) {
      r = derive_returns(t);
      r.loc = loc;
    }
    const Convention& c = convention(r.kind);
    std::string need = c.check(t, wur, s_, r);
    if (need == "known enum" && used_enum(r.type)) need.clear();
    const Location& at = r.loc.known() ? r.loc : loc;
    if (need == "must_check")
      d_.error(at, what + " is __must_check (warn_unused_result) but the spec discards its result");
    else if (need == "known enum")
      d_.error(r.loc, "'enum " + r.type + "' is not an enum of this spec or of a spec it uses");
    else if (!need.empty())
      d_.error(at, "wrong convention for " + what + ": '" + need + "' but C returns '" + t.spelling + "'");
  }

  void conventions() {
    for (auto& t : p_.types) {
      for (auto& me : t.methods)
        check_convention(me.returns, me.fn->ret, t.spec->rust + "::" + me.spec->rust, me.spec->loc,
                         me.fn->warn_unused_result);
      for (auto& l : t.locks)
        for (auto& me : l.methods)
          check_convention(me.returns, me.fn->ret, l.spec->rust + "::" + me.spec->rust, me.spec->loc,
                           me.fn->warn_unused_result);
    }
    for (auto& o : p_.ops)
      for (auto& cb : o.callbacks) {
        if (!cb.spec || cb.spec->internal) continue;
        cb.returns = cb.spec->returns;
        check_convention(cb.returns, *cb.field->type.pointee->ret, o.spec->trait + "::" + cb.field->name,
                         cb.spec->loc, false);
      }
  }

  void helpers() {
    std::set<std::string> seen;
    // A static inline function gets one helper, however many uses it has.
    auto reg = [&](const model::CFunction* f) {
      if (f && f->is_static_inline && seen.insert(f->name).second) p_.helpers.push_back(f);
    };
    auto each = [&](std::vector<PlannedMethod>& ms) {
      for (auto& me : ms) {
        if (me.fn->is_static_inline) me.needs_helper = true;
        reg(me.fn);
        reg(me.errno_fn);
      }
    };
    for (auto& t : p_.types) {
      each(t.methods);
      for (auto& l : t.locks) each(l.methods);
    }
    auto reg_fn = [&](const std::string& n) { reg(m_.function(n)); };
    for (const auto& t : p_.types)
      for (const auto& l : t.locks) {
        reg(l.lock);
        reg(l.unlock);
      }
    for (const auto& o : p_.ops)
      if (o.driver_data) {
        reg(o.driver_data->get);
        reg(o.driver_data->set);
      }
    if (s_.registration) {
      reg_fn(s_.registration->register_fn);
      reg_fn(s_.registration->unregister_fn);
    }
    for (const auto& t : p_.types) {
      reg(t.get);
      reg(t.put);
    }
    for (const auto& n : s_.extra_helpers) {
      const model::CFunction* f = m_.function(n);
      if (!f)
        d_.error(s_.extra_helpers_loc, "extra_helpers: unknown C function '" + n + "'", did_you_mean(m_, n));
      else if (!f->is_static_inline)
        d_.error(s_.extra_helpers_loc, "extra_helpers: '" + n + "' is not static inline (" + f->loc.str() + ")",
                 "hand-written code calls exported functions through bindings:: directly; remove it from the list");
      else
        reg(f);
    }
    for (size_t i = 0; i < s_.aliases.size(); ++i) {
      const auto& [alias, target] = s_.aliases[i];
      const model::CFunction* f = m_.function(target);
      if (!f) {
        d_.error(s_.alias_locs[i], "aliases: unknown C function '" + target + "'", did_you_mean(m_, target));
        continue;
      }
      if (m_.function(alias) || m_.macro(alias)) {
        d_.error(s_.alias_locs[i], "aliases: '" + alias + "' is already a C name in these headers",
                 "an alias is a name of kgen's own, such as kgen_" + target);
        continue;
      }
      if (f->variadic) {
        d_.error(s_.alias_locs[i], "aliases: '" + target + "' is variadic; a helper cannot forward its arguments");
        continue;
      }
      model::CFunction a = *f;
      a.name = alias;
      a.helper_calls = target;
      a.is_static_inline = true;  // nothing to link against: it needs a helper
      a.doc.clear();
      p_.synthesized.push_back(std::move(a));
      reg(&p_.synthesized.back());
    }
    std::sort(p_.helpers.begin(), p_.helpers.end(), [](auto* a, auto* b) { return a->name < b->name; });
  }

  void docs() {
    for (const auto& [path, textv] : docs_)
      for (auto& [name, d] : model::scan_kerneldoc(textv)) p_.docs.emplace(name, std::move(d));
    std::vector<const PlannedMethod*> all;
    for (const auto& t : p_.types) {
      for (const auto& me : t.methods) all.push_back(&me);
      for (const auto& l : t.locks)
        for (const auto& me : l.methods) all.push_back(&me);
    }
    for (const auto* mp : all) {
        const auto& me = *mp;
        auto d = model::parse_kerneldoc(me.fn->doc);
        if (!d.empty()) p_.docs[me.fn->name] = d;  // a header's doc wins over a .c file's
        if (!p_.docs.count(me.fn->name) && me.spec->doc.empty())
          p_.warnings.push_back({Diagnostic::Level::Warning, me.spec->loc,
                                 "no kernel-doc found for " + me.fn->name + "; the method gets a generic doc line",
                                 "add its .c file to 'doc_sources' or write 'doc:' in the spec"});
      }
  }

  void lower() { passes::lower(p_, d_); }

  const spec::Spec& s_;
  const model::CModel& m_;
  const DocSources& docs_;
  Plan& p_;
  Diagnostics d_;
};

}  // namespace

std::vector<std::string> macros_to_evaluate(const spec::Spec& s, const model::CModel& m) {
  std::set<std::string> out;
  for (const auto& t : s.types)
    for (const auto& f : t.fields)
      if (!f.equals.empty()) out.insert(f.equals);
  for (const auto& e : s.enums)
    if (e.from_macros)
      for (const auto& v : e.variants) out.insert(v.first);
  for (const auto& g : s.constants) {
    for (const auto& n : g.names) out.insert(n.first);
    for (const auto& [name, mac] : m.macros) {
      if (mac.function_like) continue;
      if (!g.from.empty() && !text::ends_with(mac.loc.file, g.from)) continue;
      for (const auto& pat : g.match)
        if (text::glob_match(pat, name)) out.insert(name);
    }
  }
  return {out.begin(), out.end()};
}

Plan run_passes(const spec::Spec& s, const model::CModel& m, const DocSources& docs,
                const std::function<void(const char*, const Plan&)>& after, const std::vector<const Plan*>& used) {
  Plan p;
  p.spec = &s;
  p.c = &m;
  p.used = used;
  Runner r(s, m, docs, p);
  const std::vector<std::pair<const char*, void (Runner::*)()>> order = {
      {"resolve-types", &Runner::resolve_types},       {"resolve-enums", &Runner::resolve_enums},
      {"resolve-constants", &Runner::resolve_constants}, {"resolve-ops", &Runner::resolve_ops},
      {"resolve-registration", &Runner::resolve_registration}, {"conventions", &Runner::conventions},
      {"helpers", &Runner::helpers},                   {"docs", &Runner::docs},
      {"lower", &Runner::lower},
  };
  for (const auto& [name, fn] : order) {
    (r.*fn)();
    r.d_.throw_if_errors(name);
    if (after) after(name, p);
  }
  return p;
}

namespace {

const char* arg_kind(LoweredArg::Kind k) {
  switch (k) {
    case LoweredArg::Kind::Object: return "object";
    case LoweredArg::Kind::Guard: return "guard";
    case LoweredArg::Kind::Ref: return "ref";
    case LoweredArg::Kind::Value: return "value";
    case LoweredArg::Kind::Unused: return "unused";
    case LoweredArg::Kind::Derived: return "derived";
  }
  return "";
}

void dump_method(std::ostringstream& o, const PlannedMethod& m) {
  o << "  method " << m.spec->rust << " -> " << m.fn->name << (m.needs_helper ? " [helper]" : "")
    << (m.fn->warn_unused_result ? " [must_check]" : "") << "\n";
  const auto& l = m.low;
  if (!l.convention) return;
  o << "    receiver " << access_name(l.receiver) << (l.lock.empty() ? "" : " (lock of " + l.lock + ")") << "\n";
  o << "    returns " << l.convention->name() << (l.rust_ret.empty() ? "" : ":" + l.rust_ret.substr(3))
    << "; value " << l.site.ret.describe() << "\n";
  for (const auto& p : l.params) o << "    param " << p.name << ": " << p.rust_type << "; " << p.conv.describe() << "\n";
  o << "    unsafe " << l.site.call << " -- SAFETY: " << l.site.safety << "\n";
  if (!l.site.out.empty()) o << "    out " << l.site.out << ": " << l.site.out_type << "\n";
  if (!l.site.errno_call.empty())
    o << "    unsafe " << l.site.errno_call << " -- SAFETY: " << l.site.errno_safety << "\n";
}

}  // namespace

std::string Plan::dump() const {
  std::ostringstream o;
  for (const auto& t : types) {
    o << "type " << t.spec->rust << " = " << t.spec->c << (from_raw_types.count(t.spec->rust) ? " [from_raw]" : "")
      << "\n";
    for (const auto& f : t.fields) {
      o << "  field " << f.spec->c << ": " << f.type.spelling << (f.bitfield ? " (bitfield)" : "")
        << (f.path == f.spec->c ? "" : " at " + f.path) << "\n";
      if (!f.get.rust_type.empty())
        o << "    get " << f.spec->get << " -> " << f.get.rust_type << "; " << f.get.conv.describe() << "\n";
      if (!f.set.rust_type.empty())
        o << "    set " << f.spec->set << "(" << f.set.rust_type << "); " << f.set.conv.describe() << "\n";
    }
    for (const auto& l : t.locks) {
      o << "  lock " << l.spec->rust << " = " << l.spec->lock << "/" << l.spec->unlock << " (" << l.methods.size()
        << " guarded methods)\n";
      for (const auto& m : l.methods) dump_method(o, m);
    }
    for (const auto& m : t.methods) dump_method(o, m);
  }
  for (const auto& e : enums) {
    o << "enum " << e.spec->rust << " (" << e.values.size() << " variants" << (e.c_type.empty() ? "" : ", C " + e.c_type)
      << ")\n";
    for (const auto& x : e.c_exprs)
      if (!x.empty()) o << "  variant value " << x << " (an enumerator)\n";
  }
  for (const auto& g : consts) {
    o << "consts " << g.spec->module << " (" << g.consts.size() << ")\n";
    for (const auto& c : g.consts)
      if (!c.expr.empty())
        o << "  " << c.rust << ": " << g.spec->type << " = " << c.expr << (c.literal ? " (literal: bindgen cannot evaluate it)" : "")
          << "\n";
  }
  for (const auto& op : ops) {
    o << "ops " << op.spec->trait << " = " << op.spec->c << ": " << op.wired() << "/" << op.callbacks.size()
      << " callbacks wired\n";
    if (op.driver_data && op.driver_data->get && op.driver_data->set)
      o << "  driver data: Pin<" << op.spec->driver_data->box << "<T>> kept with " << op.driver_data->set->name
        << ", read with " << op.driver_data->get->name << " from `" << op.driver_data->c_param << "`\n";
    for (const auto& t : op.spec->types) o << "  type " << t.rust << (t.bounds.empty() ? "" : ": " + t.bounds) << "\n";
    for (const auto& c : op.callbacks) {
      o << "  " << (c.spec ? "wired    " : "excluded ") << c.field->name << (c.excluded ? " -- " + c.excluded->reason : "")
        << (c.spec && c.spec->internal ? " [internal]" : "") << "\n";
      const auto& l = c.low;
      if (!l.internal_call.empty())
        o << "    calls: unsafe " << l.internal_call << (l.internal_result ? " -> Result (0 or an errno to C)" : "")
          << " -- SAFETY: " << l.internal_safety << "\n";
      if (!l.convention) continue;
      o << "    receiver " << access_name(l.receiver) << (l.lock.empty() ? "" : " (C holds the lock of " + l.lock + ")")
        << "\n";
      o << "    returns " << l.convention->name() << (l.trait_ret.empty() ? "" : ":" + l.trait_ret.substr(3))
        << "; value " << l.site.ret.describe() << "\n";
      for (const auto& a : l.args) {
        o << "    arg " << a.name << " " << arg_kind(a.kind);
        if (a.kind != LoweredArg::Kind::Unused) o << " " << access_name(a.access) << " -> " << a.trait_type;
        if (a.kind == LoweredArg::Kind::Value) o << "; " << a.conv.describe();
        o << "\n";
        if (!a.make.empty()) o << "      unsafe " << a.make << " -- SAFETY: " << a.safety << "\n";
      }
      for (const auto& a : l.derived) {
        o << "    param " << a.name << " derived -> " << a.trait_type << "; " << a.conv.describe()
          << (a.early ? " (made first: its C parameter is also passed on)" : "") << "\n";
        if (!a.make.empty() && a.safety.empty()) o << "      safe " << a.make << "\n";
        else if (!a.make.empty()) o << "      unsafe " << a.make << " -- SAFETY: " << a.safety << "\n";
      }
      if (!l.site.store.empty()) o << "    stores data: unsafe " << l.site.store << " -- SAFETY: " << l.site.store_safety << "\n";
      if (!l.site.after.empty()) o << "    then: " << l.site.after << " -- SAFETY: " << l.site.after_safety << "\n";

      if (!l.prelude.empty()) o << "    prelude (hand-written, " << text::split_lines(l.prelude).size() << " lines)\n";
    }
  }
  for (const auto& t : types)
    for (const auto& m : t.methods)
      for (const auto& c : m.low.site.checks) o << "method " << t.spec->rust << "::" << m.spec->rust << " checks " << c << " (EINVAL)\n";
  if (registration)
    o << "registration " << registration->rust << (registration->single ? "<T> (one driver)" : "") << ": " << registration->register_fn << "(" << registration->register_args
      << ") / " << registration->unregister_fn << "(" << registration->unregister_args << ")"
      << (registration->unregister_cast.empty() ? "" : " -- CAST: " + registration->unregister_cast) << "\n";
  if (device_id) {
    o << "device_id " << device_id->rust << " = struct " << device_id->c_tag << " (" << device_id->ctors.size()
      << " constructors, " << device_id->getters.size() << " getters)\n";
    if (!device_id->info.empty())
      o << "  table " << device_id->table_macro << "!: info index in `" << device_id->info << "`, modpost symbol __mod_"
        << device_id->modpost << "__<table>_device_table\n";
  }
  if (module_macro)
    o << "module_macro " << module_macro->name << "! registers [" << module_macro->vtable << "] with "
      << module_macro->registration << ", table "
      << (module_macro->table_macro.empty()
              ? module_macro->device_table
              : module_macro->table_macro + "!(\"" + module_macro->table_type + "\", " + module_macro->id_rust + ")")
      << "\n";
  if (device_id && device_id->raw_device_id) o << "  " << device_id->rust << ": device_id::RawDeviceId\n";
  for (const auto* h : helpers) o << "helper rust_helper_" << h->name << "\n";
  for (const auto& i : ignored) o << "ignored " << i.what << ": " << i.reason << "\n";
  return o.str();
}

}  // namespace kgen::passes
