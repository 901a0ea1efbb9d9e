#include "passes/lower.hpp"

#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "support/text.hpp"

namespace kgen::passes {

using emit::Conversion;
using emit::convert_int;
using emit::ffi_type;
using emit::plan_conversion;
using emit::rust_ident;
using model::CType;
using spec::Returns;

const char* access_name(Access a) {
  switch (a) {
    case Access::Shared: return "shared";
    case Access::Exclusive: return "exclusive";
    case Access::Guard: return "lock guard held";
  }
  return "";
}

namespace {

class Lowerer {
 public:
  Lowerer(Plan& p, Diagnostics& d) : p_(p), s_(*p.spec), d_(d) {}

  void run() {
    for (auto& e : p_.enums) {
      e.c_type = enum_c_type(e);
      e.from_c = e.to_c = s_.shared;
    }
    for (auto& g : p_.consts)
      for (auto& c : g.consts) constant(g, c);
    for (auto& t : p_.types) {
      for (auto& f : t.fields) field(t, f);
      for (auto& m : t.methods) method(t, m, nullptr);
      for (auto& l : t.locks)
        for (auto& m : l.methods) method(t, m, &l);
    }
    for (auto& o : p_.ops)
      for (auto& cb : o.callbacks) {
        if (cb.spec && !cb.spec->internal) callback(o, cb);
        if (cb.spec && cb.spec->internal && !cb.spec->call.empty()) internal(o, cb);
      }
    shapes();
  }

 private:
  // A spec type by its C tag: this spec's, else a used spec's (whose `use`
  // path is then recorded for the module's imports).
  const spec::Type* type_by_tag(const std::string& tag) {
    for (const auto& t : s_.types)
      if (t.c == "struct " + tag) return &t;
    for (const Plan* u : p_.used)
      for (const auto& t : u->spec->types)
        if (t.c == "struct " + tag) {
          p_.used_imports.insert(use_path(*u, t.rust));
          return &t;
        }
    return nullptr;
  }
  const PlannedEnum* planned_enum(const std::string& rust) {
    for (const auto& e : p_.enums)
      if (e.spec->rust == rust) return &e;
    for (const Plan* u : p_.used)
      for (const auto& e : u->enums)
        if (e.spec->rust == rust) {
          p_.used_imports.insert(use_path(*u, rust));
          return &e;
        }
    return nullptr;
  }
  static std::string use_path(const Plan& u, const std::string& item) {
    std::string m = u.spec->rust_path;
    if (text::starts_with(m, "kernel::")) m = "crate::" + m.substr(8);
    return m + "::" + item;
  }
  bool own_type(const spec::Type& st) const {
    for (const auto& t : s_.types)
      if (&t == &st) return true;
    return false;
  }

  // C-side type of a generated enum: the bindgen enum type, or the type
  // bindgen gives the macros it is built from.
  static std::string enum_c_type(const PlannedEnum& e) {
    if (e.c) return "bindings::" + (e.c->tag.empty() ? e.c->typedef_name : e.c->tag);
    bool neg = false;
    unsigned long long maxv = 0;
    for (long long v : e.values) {
      if (v < 0) neg = true;
      else maxv = std::max(maxv, static_cast<unsigned long long>(v));
    }
    if (neg) return "i32";
    return emit::macro_const_type({static_cast<long long>(maxv), true, 32, true});
  }

  // A typed constant: bindgen's constant where bindgen evaluates the macro,
  // else the value kgen evaluated.
  void constant(const PlannedConstGroup& g, PlannedConst& c) {
    if (c.enumerator) return;  // resolve-constants made `expr` from its enum's constant
    const model::CMacro* mac = p_.c->macro(c.c);
    const std::string& type = g.spec->type;
    if (mac && mac->value && emit::bindgen_evaluates(mac->body)) {
      std::string ct = emit::macro_const_type(*mac->value);
      c.expr = "bindings::" + c.c;
      if (emit::convert_int("x", ct, type) != "x") {
        c.expr += " as " + type;
        char buf[40];
        std::snprintf(buf, sizeof buf, c.hex ? "0x%llx" : "%lld", c.value.value);
        c.cast = "`" + c.c + "` (" + buf + ") fits in `" + type + "`.";
      }
      return;
    }
    c.literal = true;
    char buf[40];
    if (c.hex && c.value.value >= 0)
      std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(c.value.value));
    else
      std::snprintf(buf, sizeof buf, "%lld", c.value.value);
    c.expr = buf;
  }

  // A C macro or enum constant, as a Rust expression of type `want`.
  std::string constant_ref(const std::string& name, const std::string& want, const Location& loc) {
    if (auto* mac = p_.c->macro(name); mac && mac->value)
      return convert_int("bindings::" + name, emit::macro_const_type(*mac->value), want);
    if (auto it = p_.c->enum_of_constant.find(name); it != p_.c->enum_of_constant.end())
      return p_.c->enumerator_path(p_.c->enums.at(it->second), name);
    d_.error(loc, "'" + name + "' is neither an integer macro nor an enum constant");
    return name;
  }

  // `(*ptr).a.b` for a plain field; for a bitfield, bindgen's accessor
  // `accessor_prefix` + the last name (`(*ptr).a.set_b`).
  static std::string field_expr(const PlannedField& f, const std::string& accessor_prefix = "") {
    const std::string& path = f.path;
    if (!f.bitfield) return "(*ptr)." + path;
    auto dot = path.rfind('.');
    std::string parent = dot == std::string::npos ? "" : path.substr(0, dot + 1);
    return "(*ptr)." + parent + accessor_prefix + path.substr(dot == std::string::npos ? 0 : dot + 1);
  }

  static std::string cast_reason(const std::string& what, const model::CType& c, const std::string& rust) {
    return what + " is a C `" + c.spelling + "` that the API types as `" + rust +
           "`; out-of-range values wrap, as C's implicit conversion would.";
  }

  void field(const PlannedType& t, PlannedField& f) {
    const auto& sf = *f.spec;
    std::string ffi = ffi_type(f.type);
    std::string tag = t.record->tag;
    if (!sf.get.empty()) {
      auto& g = f.get;
      g.safety = "By the type invariant `ptr` points at a valid `" + tag + "`, so `" + sf.c + "` is readable.";
      g.tail = "value";
      if (sf.as == "bool") {
        g.rust_type = "bool";
        g.tail = f.type.kind == CType::Kind::Bool ? "value" : "value != 0";
      } else if (!sf.equals.empty()) {
        g.rust_type = "bool";
        g.tail = "value == " + constant_ref(sf.equals, ffi, sf.loc);
      } else if (!sf.enum_.empty()) {
        const auto* pe = planned_enum(sf.enum_);
        if (pe) pe->from_c = true;
        if (!pe) {
          d_.error(sf.loc, "'enum: " + sf.enum_ + "' is not an enum of this spec");
        } else if (!pe->spec->unknown.empty()) {
          g.rust_type = sf.enum_;
          g.conv = plan_conversion(ffi, pe->c_type, false,
                                   "`" + sf.c + "` holds a `" + pe->c_type +
                                       "` value; one that does not fit maps to `" + pe->spec->unknown + "`.");
          g.tail = sf.enum_ + "::try_from_c(" + (g.conv.lossy() ? "value" : g.conv.apply("value")) +
                   ").unwrap_or(" + sf.enum_ + "::" + pe->spec->unknown + ")";
          if (!g.conv.lossy()) g.conv = {};
        } else {
          g.rust_type = "Result<" + sf.enum_ + ">";
          g.conv = plan_conversion(ffi, pe->c_type, true, "");
          g.tail = sf.enum_ + "::try_from_c(" + (g.conv.lossy() ? "value" : g.conv.apply("value")) + ")";
          if (!g.conv.lossy()) g.conv = {};
        }
      } else {
        g.rust_type = sf.type.empty() ? emit::rust_primitive(ffi) : sf.type;
        if (!sf.type.empty() && !emit::int_shape(sf.type) && sf.type != ffi)
          d_.error(sf.loc, "field type '" + sf.type + "' is not an integer type; use 'enum' or 'as'");
        g.conv = plan_conversion(ffi, g.rust_type, false, cast_reason("`" + sf.c + "`", f.type, g.rust_type));
        if (!g.conv.lossy()) {
          g.tail = g.conv.apply("value");
          g.conv = {};
        }
      }
    }
    if (!sf.set.empty()) {
      auto& s = f.set;
      s.safety = "By the type invariant `ptr` points at a valid `" + tag + "`, and `&mut self` makes writing `" +
                 sf.c + "` exclusive.";
      s.rust_type = sf.type.empty() ? emit::rust_primitive(ffi) : sf.type;
      s.tail = "value";
      if (!sf.enum_.empty()) {
        s.rust_type = sf.enum_;
        if (const auto* pe = planned_enum(sf.enum_)) {
          pe->to_c = true;
          // Through the enum's C type; a bindgen enum is the field's type.
          s.tail = "value.to_c()";
          if (!text::starts_with(pe->c_type, "bindings::"))
            s.conv = plan_conversion(pe->c_type, ffi, false,
                                     "every `" + sf.enum_ + "` value fits the C `" + f.type.spelling + "`.");
        } else {
          d_.error(sf.loc, "'enum: " + sf.enum_ + "' is not an enum of this spec");
        }
      } else if (sf.as == "bool") {
        s.rust_type = "bool";
        if (f.type.kind != CType::Kind::Bool) s.conv = {Conversion::Kind::From, "bool", ffi, ""};
      } else {
        s.conv = plan_conversion(s.rust_type, ffi, false, cast_reason("`" + sf.c + "`", f.type, s.rust_type));
      }
      s.write = f.bitfield ? field_expr(f, "set_") + "(value)" : field_expr(f) + " = value";
    }
  }

  void method(const PlannedType& t, PlannedMethod& m, const PlannedLock* lock) {
    auto& low = m.low;
    const auto& sm = *m.spec;
    if (m.returns.kind == Returns::Kind::Enum)
      if (const auto* pe = planned_enum(m.returns.type)) pe->from_c = true;
    low.convention = &convention(m.returns.kind);
    low.receiver = lock ? Access::Guard : sm.receiver == "&self" ? Access::Shared : Access::Exclusive;
    if (lock) low.lock = lock->spec->lock;
    std::vector<std::string> call = {"ptr"};
    std::vector<std::string> slice_reasons;
    std::map<std::string, std::string> doc_names;  // C parameter -> Rust name ("" when folded into a slice)
    bool in_result = low.convention->method_result();
    // out: the last C parameter points at the value the function writes.
    size_t nparams = m.fn->params.size();
    const model::CParam* out = nullptr;
    if (m.returns.kind == Returns::Kind::Out) {
      const model::CParam* last = nparams > 1 ? &m.fn->params.back() : nullptr;
      if (!last || last->type.kind != CType::Kind::Pointer || last->type.pointee->kind != CType::Kind::Int ||
          last->type.pointee->is_const)
        d_.error(sm.loc, "'returns: out' needs " + m.fn->name + "'s last parameter to point at a writable integer",
                 "use 'out' for functions such as 'int f(struct x *, int where, u8 *val)'");
      else
        out = last, --nparams;
    }
    for (size_t i = 1; i < nparams; ++i) {
      const auto& cp = m.fn->params[i];
      LoweredParam lp;
      lp.name = rust_ident(cp.name.empty() ? "arg" + std::to_string(i) : cp.name);
      std::string ffi = ffi_type(cp.type);
      std::string below;
      for (const auto& a : sm.args)
        if (a.name == cp.name) {
          lp.rust_type = a.rust_type, below = a.below;
          if (!a.rust_name.empty()) lp.name = a.rust_name;
        }
      doc_names[cp.name] = lp.name;
      if (!below.empty()) {
        if (cp.type.kind != CType::Kind::Int)
          d_.error(sm.loc, "parameter '" + cp.name + "' of " + m.fn->name + " has a bound but is not an integer");
        // The bound is a C constant of the parameter's Rust type.
        low.site.checks.push_back(lp.name + " >= bindings::" + below);
      }
      // A buffer and its length (`const void *data, size_t len`) are one
      // slice in Rust: the C parameter after the pointer is its length.
      bool slice = lp.rust_type == "&[u8]" || lp.rust_type == "&str" || lp.rust_type == "&mut [u8]";
      if (cp.type.kind == CType::Kind::Pointer && slice) {
        const model::CParam* len = i + 1 < m.fn->params.size() ? &m.fn->params[i + 1] : nullptr;
        bool mut = lp.rust_type == "&mut [u8]";
        if (!len || len->type.kind != CType::Kind::Int) {
          d_.error(sm.loc, "parameter '" + cp.name + "' of " + m.fn->name + " maps to `" + lp.rust_type +
                               "`, but the next C parameter is not its length",
                   "a slice takes its length from the C parameter right after the pointer");
          continue;
        }
        if (cp.type.pointee->is_const == mut)
          d_.error(sm.loc, "parameter '" + cp.name + "' of " + m.fn->name + " is " +
                               (mut ? "a const pointer; map it to `&[u8]`" : "not const; map it to `&mut [u8]`"));
        lp.pass = lp.name + (mut ? ".as_mut_ptr()" : ".as_ptr()") + ".cast()";
        call.push_back(lp.pass);
        std::string len_ffi = ffi_type(len->type);
        auto lc = plan_conversion("usize", len_ffi, in_result,
                                  "`" + len->name + "` of `" + m.fn->name + "` is the length of `" + lp.name + "`.");
        call.push_back(lc.lossy() ? lp.name + ".len()" : lc.apply(lp.name + ".len()"));
        if (lc.lossy()) d_.error(sm.loc, "the length '" + len->name + "' of " + m.fn->name + " is narrower than usize",
                                 "map the buffer by hand");
        slice_reasons.push_back("`" + lp.name + "` is valid for " + (mut ? "writes" : "reads") + " of `" + lp.name +
                                ".len()` bytes");
        doc_names[len->name] = "";
        low.params.push_back(lp);
        ++i;
        continue;
      }
      if (cp.type.kind == CType::Kind::Pointer) {
        const spec::Type* st = type_by_tag(cp.type.pointee->tag);
        if (!st) {
          d_.error(sm.loc, "parameter '" + cp.name + "' of " + m.fn->name + " (" + cp.type.spelling +
                               ") has no safe mapping",
                   "wrap its struct as a spec type, or leave the function to hand-written code");
          continue;
        }
        // A generic spec type takes the receiver's own driver type (`&Device<T>` in `File<T>`).
        if (!st->generic.empty() && t.spec->generic.empty())
          d_.error(sm.loc, "parameter '" + cp.name + "' of " + m.fn->name + " is a `" + st->rust + "<T>`, which a " +
                               "method of the non-generic `" + t.spec->rust + "` cannot name",
                   "leave the function to hand-written code");
        lp.rust_type = "&" + type_in(*st, generic_param(t.spec->generic));
        lp.pass = lp.name + ".0.get()";
      } else {
        if (lp.rust_type.empty()) lp.rust_type = emit::rust_primitive(ffi);
        lp.conv = plan_conversion(lp.rust_type, ffi, in_result,
                                  cast_reason("`" + lp.name + "` of `" + m.fn->name + "`", cp.type, lp.rust_type));
        lp.pass = lp.conv.lossy() ? lp.name : lp.conv.apply(lp.name);
      }
      call.push_back(lp.pass);
      low.params.push_back(lp);
    }
    auto& site = low.site;
    if (out) {
      site.out = rust_ident(out->name.empty() ? "out" : out->name);
      site.out_type = ffi_type(*out->type.pointee);
      call.push_back("&mut " + site.out);
      slice_reasons.push_back("`&mut " + site.out + "` is valid for writes of a `" + site.out_type + "`");
      doc_names[out->name] = "";
    }
    site.c_fn = m.fn->name;
    site.call = "bindings::" + m.fn->name + "(" + text::join(call, ", ") + ")";
    if (m.errno_fn) {
      site.errno_call = "bindings::" + m.errno_fn->name + "(ret)";
      site.errno_safety = "`" + m.errno_fn->name + "` takes a plain `int` and no pointer; the spec names it as " +
                          "the mapping of `" + m.fn->name + "`'s return value to an errno.";
    }
    site.c_bool = m.fn->ret.kind == CType::Kind::Bool;
    std::string what = "`" + m.fn->name + "` gets a valid `" + t.record->tag + "` (the type invariant)";
    switch (low.receiver) {
      case Access::Exclusive: site.safety = what + ", and `&mut self` makes the call exclusive."; break;
      case Access::Shared: site.safety = what + " and needs no exclusive access."; break;
      case Access::Guard:
        site.safety = what + ", and the guard holds the lock that `" + low.lock + "` takes.";
        break;
    }
    if (!slice_reasons.empty()) {
      site.safety.pop_back();  // the final '.'
      site.safety += "; " + text::join(slice_reasons, ", and ") + ".";
    }
    // The value returned: the C return value, or for `out` what C wrote.
    const CType& ret_c = out ? *out->type.pointee : m.fn->ret;
    std::string ffi_ret = ffi_type(ret_c);
    std::string rt = m.returns.type.empty() ? emit::rust_primitive(ffi_ret) : m.returns.type;
    site.ret = plan_conversion(ffi_ret, rt, in_result,
                               cast_reason(out ? "The value `" + m.fn->name + "` writes to `" + site.out + "`"
                                               : "The value `" + m.fn->name + "` returns",
                                           ret_c, rt));
    if (m.returns.kind == Returns::Kind::ErrPtr || m.returns.kind == Returns::Kind::NullPtr) {
      const CType& r = m.fn->ret;
      const spec::Type* target = r.pointee ? type_by_tag(r.pointee->tag) : nullptr;
      if (!target) {
        d_.error(sm.loc, m.fn->name + " returns '" + r.spelling + "', which is not a type of this spec",
                 "err_ptr and null_ptr returns become references to spec types; add the struct under 'types'");
      } else {
        site.target = target->rust;
        site.target_tag = r.pointee->tag;
        site.counted = target->ownership == spec::Type::Ownership::RefCounted;
      }
    }
    if (!low.convention->for_methods())
      d_.error(sm.loc, "'" + std::string(low.convention->name()) + "' is a convention of callbacks, not of methods",
               "use errno or plain");
    low.rust_ret = low.convention->method_ret(m.returns, site);
    auto& dc = low.doc;
    if (!m.fn->params.empty()) dc.self_param = m.fn->params[0].name;
    for (const auto& [c, rust] : doc_names) dc.params[c] = rust;
    dc.returns_result = in_result;
    dc.returns_value = m.returns.kind == Returns::Kind::Value || m.returns.kind == Returns::Kind::Out;
    dc.returns_option = m.returns.kind == Returns::Kind::NullPtr;
    dc.drop_returns = m.errno_fn != nullptr;
  }

  // The Rust name of a spec type seen from the trait (`Self`) or from the
  // trampolines (`T`): generic types take the driver type.
  static std::string type_in(const spec::Type& st, const std::string& who) {
    return st.generic.empty() ? st.rust : st.rust + "<" + who + ">";
  }

  // The parameter a type's `generic` declares: "T: Driver" -> "T".
  static std::string generic_param(const std::string& generic) {
    return text::trim(generic.substr(0, generic.find(':')));
  }

  static const spec::ArgMap* trait_param(const spec::Callback& cb, const std::string& c_name) {
    for (const auto& tp : cb.params)
      if (tp.name == c_name) return &tp;
    return nullptr;
  }

  // Whether `code`, without its `//` comments, mentions the identifier `name`.
  static bool mentions(const std::string& with_comments, const std::string& name) {
    std::string code;
    for (const auto& l : text::split_lines(with_comments)) code += l.substr(0, l.find("//")) + "\n";
    return text::has_word(code, name);
  }

  LoweredArg arg(const PlannedOps& o, const PlannedCallback& cb, const model::CParam& p, size_t idx,
                 const std::string& override_type, bool in_result) {
    const auto& sc = *cb.spec;
    LoweredArg a;
    a.name = rust_ident(p.name.empty() ? "arg" + std::to_string(idx) : p.name);
    std::string ffi = ffi_type(p.type);
    a.c_decl = a.name + ": " + ffi;
    a.call = a.name;
    std::string mapped = override_type;
    for (const auto& m : sc.args)
      if (m.name == p.name) mapped = m.rust_type;
    std::string contract = "the contract of `" + o.record->tag + "::" + cb.field->name + "`";
    if (p.type.kind == CType::Kind::Pointer) {
      const CType& pt = *p.type.pointee;
      if (const spec::Type* st = type_by_tag(pt.tag); st && pt.kind == CType::Kind::Record) {
        const spec::Lock* held = nullptr;
        for (const auto& l : st->locks)
          if (l.rust == sc.receiver) held = &l;
        if (held) {
          a.kind = LoweredArg::Kind::Guard;
          a.access = Access::Guard;
          a.guard = held->rust;
          a.guard_lock = held->lock;
          a.trait_type = "&mut " + held->rust + "<'_>";
          a.make = st->rust + "::from_raw(" + a.name + ")";
          a.safety = "`" + a.name + "` points at a valid `" + pt.tag + "` for the call, and C holds the lock that `" +
                     held->lock + "` takes, so nothing else uses it (" + contract + ").";
          a.call = "&mut " + a.name;
          if (own_type(*st)) p_.from_raw_types.insert(st->rust);
          return a;
        }
        a.kind = LoweredArg::Kind::Object;
        // A `const` pointee is only read: a shared reference.
        bool shared = pt.is_const ||
                      (override_type.empty() ? sc.receiver == "shared" : !text::starts_with(override_type, "&mut "));
        a.access = shared ? Access::Shared : Access::Exclusive;
        a.trait_type = "&" + std::string(shared ? "" : "mut ") + type_in(*st, "Self");
        if (shared) {
          a.make = "&*" + a.name + ".cast::<" + type_in(*st, "T") + ">()";
          a.safety = "`" + a.name + "` points at a valid `" + pt.tag + "` for the call (" + contract + "); `" +
                     st->rust + "` is a transparent wrapper of it, and only a shared reference is made.";
        } else {
          a.make = (st->generic.empty() ? type_in(*st, "T") : "<" + type_in(*st, "T") + ">") + "::from_raw(" +
                   a.name + ")";
          a.safety = "`" + a.name + "` points at a valid `" + pt.tag + "` that nothing else uses during the call (" +
                     contract + ").";
          if (own_type(*st)) p_.from_raw_types.insert(st->rust);
        }
        return a;
      }
      a.kind = LoweredArg::Kind::Ref;
      a.access = pt.is_const ? Access::Shared : Access::Exclusive;
      std::string want = pt.is_const ? "&" : "&mut ";
      if (pt.kind == CType::Kind::Record) {
        a.trait_type = want + ffi_type(pt);
      } else if (!mapped.empty() && text::starts_with(mapped, "&")) {
        std::string ref = text::starts_with(mapped, "&mut ") ? "&mut " : "&";
        a.trait_type = ref + emit::rust_primitive(text::trim(mapped.substr(ref.size())));
      } else {
        d_.error(sc.loc, "callback " + cb.field->name + ": parameter '" + p.name + "' (" + p.type.spelling +
                             ") has no safe mapping",
                 "if it points at one value, map it in 'args' (e.g. " + p.name + ": \"&mut " +
                     (pt.kind == CType::Kind::Bool ? "bool" : ffi_type(pt)) +
                     "\"); if it is a buffer, exclude the callback with a reason");
        a.trait_type = "()";
      }
      std::string pointee = pt.kind == CType::Kind::Record ? "struct " + pt.tag : pt.spelling;
      a.make = (pt.is_const ? "&*" : "&mut *") + a.name;
      a.safety = "C passes a `" + a.name + "` that points at a valid `" + pointee + "` for the call" +
                 (pt.is_const ? "" : ", which this call alone uses") + " (" + contract + ").";
      return a;
    }
    a.kind = LoweredArg::Kind::Value;
    // A C enum the spec wraps reaches the driver as the Rust enum.
    if (p.type.kind == CType::Kind::Enum && mapped.empty()) {
      const model::CEnum* ce = p_.c->enumeration(p.type.tag.empty() ? p.type.typedef_name : p.type.tag);
      for (const auto& e : p_.enums)
        if (ce && e.c == ce) {
          a.trait_type = e.spec->rust;
          if (!in_result) {
            d_.error(sc.loc, "callback " + cb.field->name + ": the C enum parameter '" + p.name +
                                 "' becomes `" + e.spec->rust + "`, which needs a callback that returns a Result",
                     "give the callback a Result convention, or map '" + p.name + "' in 'args'");
            return a;
          }
          a.conv = {Conversion::Kind::EnumFromC, ffi, e.spec->rust, ""};
          e.from_c = true;
          a.call = a.name;
          return a;
        }
    }
    // Any other C enum is an integer to Rust: bindgen gives it a type alias
    // of its underlying integer (`led_brightness` is `c_uint`).
    if (p.type.kind == CType::Kind::Enum) ffi = (p.type.is_signed ? "i" : "u") + std::to_string(p.type.bits);
    a.trait_type = mapped.empty() ? emit::rust_primitive(ffi) : mapped;
    a.conv = plan_conversion(ffi, a.trait_type, in_result,
                             "C passes `" + a.name + "` as `" + p.type.spelling + "` and the trait takes `" +
                                 a.trait_type + "`, as upstream's API; out-of-range values wrap.");
    a.call = a.conv.lossy() ? a.name : a.conv.apply(a.name);
    return a;
  }

  // ---- where trait parameters come from -----------------------------------

  // A C value a trait parameter is made from: a C parameter, or a field
  // reached through it.
  struct Source {
    size_t param = 0;
    std::string expr;    // Rust expression: `arg1`, `(*arg1).rq`
    model::CType type;   // C type of the value
    std::string deref;   // the pointer dereferenced for a field, or ""
    std::string deref_tag;
  };

  // A spec's reason as a sentence: capitalized, ending in a period.
  static std::string sentence(const std::string& why) {
    std::string r = text::trim(why);
    if (r.empty()) return r;
    if (r.back() != '.') r += ".";
    r[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(r[0])));
    return r;
  }

  static std::string param_name(const model::CParam& p, size_t i) {
    return rust_ident(p.name.empty() ? "arg" + std::to_string(i) : p.name);
  }

  // A C parameter the trait does not get: named in the trampoline when the
  // code reads it (`read`), `_`-prefixed otherwise.
  static LoweredArg unused_arg(const model::CParam& p, size_t i, bool read) {
    LoweredArg a;
    a.kind = LoweredArg::Kind::Unused;
    a.name = param_name(p, i);
    a.c_decl = (read ? a.name : "_" + a.name) + ": " + ffi_type(p.type);
    return a;
  }
  static std::string squeeze(const std::string& c_type) {
    std::string out;
    for (char ch : c_type)
      if (ch != ' ') out += ch;
    return out;
  }

  // The C parameter `head` names: by name, as the tag of the one parameter
  // that points at that struct, or as the C type of exactly one parameter.
  std::optional<size_t> head_param(const PlannedCallback& cb, const std::string& head, const Location& loc) {
    const auto& ps = cb.field->type.pointee->params;
    for (size_t i = 0; i < ps.size(); ++i)
      if (!ps[i].name.empty() && ps[i].name == head) return i;
    std::vector<size_t> hits;
    for (size_t i = 0; i < ps.size(); ++i) {
      const CType& t = ps[i].type;
      bool by_tag = t.kind == CType::Kind::Pointer && t.pointee->kind == CType::Kind::Record && t.pointee->tag == head;
      if (by_tag || squeeze(t.spelling) == squeeze(head)) hits.push_back(i);
    }
    if (hits.size() == 1) return hits[0];
    std::vector<std::string> list;
    for (size_t i = 0; i < ps.size(); ++i) list.push_back(ps[i].type.declare(ps[i].name.empty() ? "" : ps[i].name));
    d_.error(loc, "callback " + cb.field->name + ": '" + head + "' " +
                      (hits.empty() ? "names no C parameter" : "matches more than one C parameter"),
             "name a parameter, the struct one parameter points at, or a C type only one has: " +
                 text::join(list, ", "));
    return std::nullopt;
  }

  // `from`: a head (see head_param), then `.field`s through its pointer.
  std::optional<Source> source(const PlannedCallback& cb, const std::string& from, const Location& loc) {
    auto parts = text::split(from, '.');
    auto i = head_param(cb, text::trim(parts[0]), loc);
    if (!i) return std::nullopt;
    const auto& p = cb.field->type.pointee->params[*i];
    Source s{*i, param_name(p, *i), p.type, "", ""};
    if (parts.size() == 1) return s;
    if (p.type.kind != CType::Kind::Pointer || p.type.pointee->kind != CType::Kind::Record) {
      d_.error(loc, "callback " + cb.field->name + ": '" + from + "': the C parameter is not a pointer to a struct");
      return std::nullopt;
    }
    const model::CRecord* r = p_.c->record(p.type.pointee->tag);
    if (!r || !r->complete) {
      d_.error(loc, "callback " + cb.field->name + ": '" + from + "': struct " + p.type.pointee->tag +
                        " is not defined in the parsed headers");
      return std::nullopt;
    }
    FieldPath fp = resolve_field_path(*p_.c, *r, {parts.begin() + 1, parts.end()});
    if (!fp.field && !fp.missing_in) {
      d_.error(loc, "callback " + cb.field->name + ": '" + from + "': '" + fp.missing +
                        "' would go through a second pointer or a non-struct");
      return std::nullopt;
    }
    if (!fp.field) {
      d_.error(loc, "callback " + cb.field->name + ": struct " + fp.missing_in->tag + " has no field '" + fp.missing + "'",
               fields_hint(*fp.missing_in));
      return std::nullopt;
    }
    s.deref = s.expr;
    s.deref_tag = p.type.pointee->tag;
    s.expr = "(*" + s.expr + ")." + fp.rust;
    s.type = fp.field->type;
    return s;
  }

  const spec::ParamConversion* conversion_for(const PlannedOps& o, const std::string& rust, const CType& c) const {
    for (const auto& pc : o.conversions)
      if (pc.rust == rust && squeeze(pc.c) == squeeze(c.spelling)) return &pc;
    return nullptr;
  }

  // The default source of trait parameter `tp`: the C parameter of its name,
  // the one pointing at the spec type its type names, or the one matching a
  // conversion; `scalars`: the one unused integer or bool parameter.
  std::optional<size_t> default_param(const PlannedOps& o, const PlannedCallback& cb, const spec::ArgMap& tp,
                                      const std::set<size_t>& used, bool scalars) {
    const auto& ps = cb.field->type.pointee->params;
    for (size_t i = 0; i < ps.size(); ++i)
      if (!ps[i].name.empty() && ps[i].name == tp.name) return i;
    std::vector<size_t> hits;
    for (size_t i = 0; i < ps.size(); ++i) {
      const CType& t = ps[i].type;
      // A conversion may read a C parameter that another trait parameter
      // gets too (the device, and the driver data kept on it).
      if (used.count(i) && (scalars || !conversion_for(o, tp.rust_type, t))) continue;
      bool hit = false;
      if (!scalars) {
        if (!used.count(i) && t.kind == CType::Kind::Pointer && t.pointee->kind == CType::Kind::Record)
          if (const spec::Type* st = type_by_tag(t.pointee->tag)) hit = text::has_word(tp.rust_type, st->rust);
        hit = hit || conversion_for(o, tp.rust_type, t) != nullptr;
      } else {
        hit = (t.kind == CType::Kind::Int || t.kind == CType::Kind::Bool || t.kind == CType::Kind::Enum) &&
              (emit::int_shape(tp.rust_type) || tp.rust_type == "bool");
      }
      if (hit) hits.push_back(i);
    }
    if (hits.size() == 1) return hits[0];
    return std::nullopt;
  }

  void explicit_params(const PlannedOps& o, PlannedCallback& cb, bool in_result) {
    auto& low = cb.low;
    const auto& sc = *cb.spec;
    const auto& ps = cb.field->type.pointee->params;
    std::string contract = "the contract of `" + o.record->tag + "::" + cb.field->name + "`";
    // Where each trait parameter comes from: explicit `from`, then by name,
    // spec type or conversion, then the one unused scalar.
    std::vector<std::optional<Source>> src(sc.params.size());
    std::set<size_t> used;
    for (size_t k = 0; k < sc.params.size(); ++k) {
      const auto& tp = sc.params[k];
      if (!tp.from.empty()) src[k] = source(cb, tp.from, tp.loc);
      else if (auto i = default_param(o, cb, tp, used, false)) src[k] = Source{*i, param_name(ps[*i], *i), ps[*i].type, "", ""};
      if (src[k]) used.insert(src[k]->param);
    }
    for (size_t k = 0; k < sc.params.size(); ++k) {
      const auto& tp = sc.params[k];
      if (src[k] || !tp.from.empty()) continue;
      if (auto i = default_param(o, cb, tp, used, true)) {
        src[k] = Source{*i, param_name(ps[*i], *i), ps[*i].type, "", ""};
        used.insert(*i);
      } else if (!mentions(sc.prelude, tp.name)) {
        std::vector<std::string> list;
        for (size_t i = 0; i < ps.size(); ++i) list.push_back(ps[i].type.declare(ps[i].name));
        d_.error(tp.loc, "callback " + cb.field->name + ": no C parameter to make '" + tp.name + ": " + tp.rust_type +
                             "' from",
                 "say where it comes from with {type: ..., from: ...}; the C parameters are: " + text::join(list, ", "));
      }
    }
    // The C parameters in C order: converted ones are trait parameters as
    // they are; the others are only read by derived parameters, or unused.
    std::map<size_t, size_t> direct;  // C parameter -> trait parameter passed as it is
    for (size_t k = 0; k < sc.params.size(); ++k) {
      const auto& tp = sc.params[k];
      // A spec enum from a C integer is made by `try_from_c`, below.
      bool enum_from_int = planned_enum(tp.rust_type) && src[k] && src[k]->type.kind == CType::Kind::Int;
      if (src[k] && src[k]->deref.empty() && tp.via.empty() && !conversion_for(o, tp.rust_type, src[k]->type) &&
          !enum_from_int)
        direct[src[k]->param] = k;
    }
    std::map<size_t, size_t> arg_of;  // C parameter -> index in low.args
    for (size_t i = 0; i < ps.size(); ++i) {
      arg_of[i] = low.args.size();
      if (auto it = direct.find(i); it != direct.end()) {
        // An unnamed C parameter takes the trait parameter's name.
        model::CParam named = ps[i];
        if (named.name.empty()) named.name = sc.params[it->second].name;
        low.args.push_back(arg(o, cb, named, i, sc.params[it->second].rust_type, in_result));
        continue;
      }
      low.args.push_back(unused_arg(ps[i], i, used.count(i) || mentions(sc.prelude, param_name(ps[i], i))));
    }
    for (size_t k = 0; k < sc.params.size(); ++k) {
      const auto& tp = sc.params[k];
      if (!src[k]) {
        low.trait_params.push_back({"_" + tp.name + ": " + tp.rust_type, tp.name});  // a prelude variable
        continue;
      }
      const Source& s = *src[k];
      if (auto it = direct.find(s.param); it != direct.end() && it->second == k) {
        const auto& a = low.args[arg_of[s.param]];
        low.trait_params.push_back({"_" + a.name + ": " + a.trait_type, a.call});
        continue;
      }
      LoweredArg d;
      d.kind = LoweredArg::Kind::Derived;
      d.name = rust_ident(tp.name);
      d.trait_type = tp.rust_type;
      d.call = d.name;
      std::string deref = s.deref.empty() ? "" : "`" + s.deref + "` points at a valid `struct " + s.deref_tag +
                                                   "` for the call (" + contract + ")";
      std::string via = tp.via, why = tp.why;
      if (via.empty())
        if (const auto* pc = conversion_for(o, tp.rust_type, s.type)) via = pc->via, why = pc->why;
      // Its C parameter is also passed on, as a Rust value of the same name:
      // made first, from the C pointer.
      d.early = s.deref.empty() && direct.count(s.param) > 0;
      if (!via.empty()) {
        d.make = via + "(" + s.expr + ")";
        std::string reason = sentence(why);
        d.safety = deref.empty() ? reason : deref + ". " + reason;
      } else if (const spec::Type* st = s.type.kind == CType::Kind::Pointer && s.type.pointee->kind == CType::Kind::Record
                                             ? type_by_tag(s.type.pointee->tag)
                                             : nullptr;
                 st && !s.deref.empty() && tp.rust_type == "&" + type_in(*st, "Self")) {
        // A pointer to a spec type inside a struct: a shared reference to its wrapper.
        d.make = "&*" + s.expr + ".cast::<" + type_in(*st, "T") + ">()";
        d.access = Access::Shared;
        d.safety = deref + ", and so is the `struct " + s.type.pointee->tag + "` its `" + text::split(tp.from, '.').back() +
                   "` points at; `" + st->rust + "` is a transparent wrapper of it, and only a shared reference is made.";
      } else if (const PlannedEnum* pe = (s.type.kind == CType::Kind::Int || s.type.kind == CType::Kind::Enum)
                                             ? planned_enum(tp.rust_type)
                                             : nullptr) {
        // A C integer the spec's enum names: `try_from_c`, and for a value
        // no variant names, the enum's `unknown` variant (or the error, in a
        // callback that returns a Result).
        pe->from_c = true;
        std::string value = s.expr;
        if (!pe->spec->unknown.empty()) {
          d.make = tp.rust_type + "::try_from_c(" + value + ").unwrap_or(" + tp.rust_type + "::" + pe->spec->unknown + ")";
        } else if (in_result) {
          d.make = tp.rust_type + "::try_from_c(" + value + ")?";
        } else {
          d_.error(tp.loc, "callback " + cb.field->name + ": '" + tp.name + "' becomes `" + tp.rust_type +
                               "`, which needs the enum's 'unknown' variant (this callback returns no Result)");
        }
        // Safe unless a field is read through a pointer.
        d.safety = s.deref.empty() ? "" : deref + ".";
      } else if (s.type.kind == CType::Kind::Int || s.type.kind == CType::Kind::Bool ||
                 s.type.kind == CType::Kind::Enum) {
        std::string ffi = ffi_type(s.type);
        if (s.type.kind == CType::Kind::Enum) ffi = (s.type.is_signed ? "i" : "u") + std::to_string(s.type.bits);
        d.conv = plan_conversion(ffi, tp.rust_type, in_result,
                                 "`" + tp.name + "` is a C `" + s.type.spelling + "` that the trait takes as `" +
                                     tp.rust_type + "`; out-of-range values wrap.");
        d.make = d.conv.lossy() ? s.expr : d.conv.apply(s.expr);
        d.safety = deref + ".";
        if (deref.empty()) d.make.clear();  // a plain C value: nothing unsafe to do
      } else {
        d_.error(tp.loc, "callback " + cb.field->name + ": '" + tp.name + "' comes from a C `" + s.type.spelling +
                             "`, which needs 'via' (a hand-written unsafe fn) to become `" + tp.rust_type + "`");
        continue;
      }
      low.trait_params.push_back({"_" + d.name + ": " + d.trait_type, d.call});
      low.derived.push_back(d);
    }
  }

  void internal(const PlannedOps& o, PlannedCallback& cb) {
    const auto& sc = *cb.spec;
    auto& low = cb.low;
    const auto& ps = cb.field->type.pointee->params;
    std::vector<std::string> exprs, derefs;
    std::set<size_t> used;
    for (const auto& f : sc.call_from)
      if (auto s = source(cb, f, sc.loc)) {
        exprs.push_back(s->expr);
        used.insert(s->param);
        if (!s->deref.empty())
          derefs.push_back("`" + s->deref + "` points at a valid `struct " + s->deref_tag + "` for the call");
      }
    for (size_t i = 0; i < ps.size(); ++i) low.args.push_back(unused_arg(ps[i], i, used.count(i) > 0));
    std::string reason = sentence(sc.why);
    low.internal_call = sc.call + "(" + text::join(exprs, ", ") + ")";
    low.internal_safety = derefs.empty() ? reason : text::join(derefs, "; ") + " (the contract of `" + o.record->tag +
                                                        "::" + cb.field->name + "`). " + reason;
    const CType& cret = *cb.field->type.pointee->ret;
    low.c_ret = cret.kind == CType::Kind::Void ? "" : " -> " + ffi_type(cret);
    if (sc.returns.explicit_) {
      if (sc.returns.kind != Returns::Kind::Errno || cret.kind != CType::Kind::Int)
        d_.error(sc.returns.loc, "internal callback " + cb.field->name + " may only say 'returns: errno', for a C " +
                                     "member returning int",
                 "without 'returns', the trampoline returns 0; with 'returns: errno', `call` returns a Result");
      else
        low.internal_result = true;
    }
  }

  void callback(const PlannedOps& o, PlannedCallback& cb) {
    auto& low = cb.low;
    const auto& sc = *cb.spec;
    const auto& fp = *cb.field->type.pointee;
    low.convention = &convention(cb.returns.kind);
    if (!low.convention->for_callbacks())
      d_.error(sc.loc, "return convention of callback " + cb.field->name + " is not supported",
               "use errno, value, void, bool, plain, enum or status");
    bool in_result = low.convention->callback_result();
    low.receiver = sc.receiver == "mut" ? Access::Exclusive : sc.receiver == "shared" ? Access::Shared : Access::Guard;
    for (const auto& t : s_.types)
      for (const auto& l : t.locks)
        if (l.rust == sc.receiver) low.lock = l.lock;
    low.prelude = text::trim(sc.prelude);
    if (!sc.has_params) {
      for (size_t i = 0; i < fp.params.size(); ++i) {
        auto a = arg(o, cb, fp.params[i], i, "", in_result);
        std::string decl = (a.kind == LoweredArg::Kind::Unused ? "" : "_" + a.name + ": " + a.trait_type);
        low.trait_params.push_back({decl, a.call});
        low.args.push_back(a);
      }
    } else {
      explicit_params(o, cb, in_result);
    }
    std::vector<std::string> call;
    for (const auto& [decl, c] : low.trait_params) call.push_back(c);
    const CType& cret = *fp.ret;
    std::string ffi_ret = ffi_type(cret);
    // A kernel typedef keeps its name (`bindings::blk_status_t`, not `c_uchar`).
    std::string c_ret = ffi_ret;
    if (cret.kind == CType::Kind::Int && !cret.typedef_name.empty() && text::starts_with(ffi_ret, "crate::ffi::"))
      c_ret = "bindings::" + cret.typedef_name;
    low.c_ret = cret.kind == CType::Kind::Void ? "" : " -> " + c_ret;
    auto& site = low.site;
    site.invoke = "T::" + (sc.rust.empty() ? cb.field->name : sc.rust) + "(" + text::join(call, ", ") + ")";
    site.ffi_ret = ffi_ret;
    site.c_bool = cret.kind == CType::Kind::Bool;
    site.status_ok = o.spec->status_ok;
    site.status_err = o.spec->status_err;
    const auto& r = cb.returns;
    std::string ret_reason = "`" + cb.field->name + "` returns a C `" + cret.spelling + "`; the trait's `" +
                             r.type + "` converts as C's implicit conversion would.";
    switch (r.kind) {
      case Returns::Kind::Value: site.ret = plan_conversion(r.type, ffi_ret, true, ""); break;
      case Returns::Kind::Plain: {
        std::string rt = r.type.empty() ? emit::rust_primitive(ffi_ret) : r.type;
        site.ret = plan_conversion(rt, ffi_ret, false, ret_reason);
        site.ret.from = rt;
        break;
      }
      case Returns::Kind::Enum: {
        const auto* pe = planned_enum(r.type);
        if (pe) pe->to_c = true;
        site.enum_c = pe ? pe->c_type : ffi_ret;
        // A bindgen enum and its typedef are one type.
        if (cret.kind == CType::Kind::Enum && site.enum_c == "bindings::" + cret.tag) site.ret = {};
        else site.ret = plan_conversion(site.enum_c, ffi_ret, false,
                                        "every `" + r.type + "` value is a valid `" + cret.spelling + "`.");
        break;
      }
      default: break;
    }
    if (r.kind == Returns::Kind::Data || sc.drops_data) driver_data(o, cb);
    low.trait_ret = low.convention->callback_ret(r, site);
    auto& dc = low.doc;
    for (size_t i = 0; i < fp.params.size() && i < low.args.size(); ++i)
      if (!fp.params[i].name.empty())
        dc.params[fp.params[i].name] = low.args[i].kind == LoweredArg::Kind::Unused ? "" : low.args[i].name;
    dc.returns_result = in_result;
    dc.returns_value = r.kind == Returns::Kind::Value;
    // "Ditto" in a member's doc refers to the member declared before it.
    const model::CField* prev = nullptr;
    for (const auto& f : o.record->fields) {
      if (&f == cb.field) break;
      if (f.type.is_function_pointer()) prev = &f;
    }
    if (prev) {
      low.previous_doc = model::parse_kerneldoc(prev->doc);
      low.previous_name = prev->name;
    }
  }

  // The driver data of `probe` (returns: data), stored on the device, and
  // the callback that ends a binding (drops_data), which drops it.
  void driver_data(const PlannedOps& o, PlannedCallback& cb) {
    auto& low = cb.low;
    const auto& sc = *cb.spec;
    if (!o.driver_data || !o.driver_data->get || !o.driver_data->set) {
      d_.error(sc.loc, "callback " + cb.field->name + " stores or drops driver data, but the ops table has no "
                       "'driver_data'", "add driver_data: {get: <C fn>, set: <C fn>} to the ops table");
      return;
    }
    const auto& dd = *o.driver_data;
    const auto& box = o.spec->driver_data->box;
    if (sc.drops_data && cb.returns.kind != Returns::Kind::Void) {
      d_.error(sc.loc, "callback " + cb.field->name + ": 'drops_data' needs a callback that returns void",
               "only the callback that ends a binding (remove) drops the driver data");
      return;
    }
    const auto& ps = cb.field->type.pointee->params;
    LoweredArg* dev = nullptr;
    for (size_t i = 0; i < ps.size() && i < low.args.size(); ++i)
      if (squeeze(ps[i].type.spelling) == squeeze(dd.c_param) && low.args[i].kind != LoweredArg::Kind::Unused)
        dev = &low.args[i];
    if (!dev) {
      d_.error(sc.loc, "callback " + cb.field->name + ": no C parameter `" + dd.c_param +
                           "` that the trait gets, to keep the driver data on",
               "pass the device to the trait method (e.g. params: {dev: \"&mut Device\", ...})");
      return;
    }
    std::string raw = dev->name;
    if (dev->kind == LoweredArg::Kind::Object || dev->kind == LoweredArg::Kind::Guard) {
      dev->raw_alias = dev->name + "_ptr";
      raw = dev->raw_alias;
    }
    std::string contract = "the contract of `" + o.record->tag + "::" + cb.field->name + "`";
    if (cb.returns.kind == Returns::Kind::Data) {
      low.site.data_type = "Pin<" + box + "<Self>>";
      low.site.store = "bindings::" + dd.set->name + "(" + raw + ", " + box + "::into_raw(Pin::into_inner_unchecked(data)).cast())";
      low.site.store_safety = "`" + raw + "` points at a valid `" + text::trim(dd.c_param.substr(0, dd.c_param.find('*'))) +
                              "` (" + contract + "). The device keeps the pointer until the callback that ends "
                              "the binding turns it back into a `Pin<" + box + "<T>>`, so the data is never moved.";
    }
    if (sc.drops_data) {
      low.site.after = "drop(unsafe { Pin::new_unchecked(" + box + "::from_raw(bindings::" + dd.get->name + "(" + raw +
                       ").cast::<T>())) })";
      low.site.after_safety = "`probe` stored a pinned `" + box + "<T>` on the device, and `" + cb.field->name +
                              "` ends the binding: no other callback uses the data after it (" + contract + ").";
    }
  }

  // A module's path as `$crate::` names it in a macro: without `kernel::`.
  static std::string crate_path(const std::string& rust_path) {
    return text::starts_with(rust_path, "kernel::") ? rust_path.substr(8) : rust_path;
  }

  // Registration, device ids and the module macro, from the spec and the C
  // model (resolve-registration checked that the names exist).
  void shapes() {
    std::string tag0 = p_.ops.empty() ? "" : p_.ops[0].record->tag;
    if (const auto& r = s_.registration) {
      PlannedRegistration x;
      x.rust = r->rust;
      x.doc = r->doc.empty() ? "Registers drivers with the C side for as long as it lives." : r->doc;
      x.vtable = s_.ops.at(0).vtable;
      x.c_tag = tag0;
      x.register_fn = r->register_fn;
      x.unregister_fn = r->unregister_fn;
      auto args = [&](const std::vector<std::string>& v, bool in_drop) {
        std::vector<std::string> out;
        std::string base = in_drop ? "self.drivers" : "drivers";
        for (const auto& a : v) {
          if (a == "vtables") out.push_back(base + "[0].0.get()");
          else if (a == "count") {
            out.push_back(in_drop ? base + ".len() as i32" : base + ".len().try_into()?");
            if (in_drop) x.unregister_cast = "`register` checked that the number of drivers fits in an `i32`.";
          } else out.push_back("module.as_ptr()");
        }
        return text::join(out, ", ");
      };
      if (r->shape == "single") {
        x.single = true;
        x.trait = s_.ops.at(0).trait;
        x.create = s_.ops.at(0).create;
        x.box = s_.ops.at(0).driver_data ? s_.ops.at(0).driver_data->box : "KBox";
        x.set = r->set;
        auto single = [&](const std::vector<std::string>& v, bool in_drop) {
          std::vector<std::string> out;
          for (const auto& a : v)
            out.push_back(a == "vtable" ? (in_drop ? "self.driver.0.get()" : "ptr")
                          : a == "module" ? "module.as_ptr()"
                                          : "name.as_char_ptr()");
          return text::join(out, ", ");
        };
        x.register_args = single(r->register_args, false);
        x.unregister_args = single(r->unregister_args, true);
        for (const auto& a : r->unregister_args)
          if (a != "vtable")
            d_.error(r->unregister_loc, "a single registration unregisters with the driver only ('args: [vtable]')");
      } else {
        x.register_args = args(r->register_args, false);
        x.unregister_args = args(r->unregister_args, true);
      }
      p_.registration = x;
    }
    if (const auto& di = s_.device_id) {
      PlannedDeviceId x;
      x.c_tag = text::split(di->c, ' ').back();
      x.rust = di->rust;
      x.doc = di->doc.empty() ? "An entry of a C `struct " + x.c_tag + "` device table." : di->doc;
      for (const auto& c : di->ctors) {
        PlannedDeviceIdCtor k;
        k.name = c.name;
        std::vector<std::string> ps;
        for (const auto& [n, t] : c.params) ps.push_back(n + ": " + t);
        k.params = text::join(ps, ", ");
        k.fields = c.fields;
        k.doc = c.doc.empty() ? "Creates a device id." : c.doc;
        x.ctors.push_back(k);
      }
      const model::CRecord* rec = p_.c->record(x.c_tag);
      // The all-zero entry that ends a table names every field.
      if (rec)
        for (const auto& cf : rec->fields) x.zero_fields.push_back(cf.name);
      for (const auto& [g, f] : di->getters) {
        const model::CField* cf = rec ? rec->field(f) : nullptr;
        x.getters.emplace_back(g, f, cf ? emit::rust_primitive(ffi_type(cf->type)) : "u32");
      }
      if (!di->driver_const.empty() && !s_.ops.empty()) {
        x.driver_trait = s_.ops[0].trait;
        x.driver_const = di->driver_const;
      }
      if (!di->info.empty()) {
        const model::CField* f = rec ? rec->field(di->info) : nullptr;
        // The table stores indexes there as `usize`: the kernel crate's
        // `c_ulong` (kernel_ulong_t) is `usize`.
        if (!f || f->type.kind != CType::Kind::Int || emit::ffi_type(f->type) != "crate::ffi::c_ulong")
          d_.error(di->loc, "device id 'info': struct " + x.c_tag + " has no `kernel_ulong_t` field '" + di->info + "'",
                   "the field that holds the index of the entry's driver info (`driver_data`)");
        x.info = di->info;
        x.table_macro = di->table_macro;
        x.modpost = di->modpost;
        x.info_type = di->info_type;
        x.mod_path = crate_path(s_.rust_path);
      }
      p_.device_id = x;
    }
    if (const auto& m = s_.module_macro) {
      PlannedModuleMacro x;
      x.name = m->name;
      x.device_table = m->device_table;
      x.trait = s_.ops.at(0).trait;
      x.vtable = s_.ops.at(0).vtable;
      x.create = s_.ops.at(0).create;
      x.registration = s_.registration->rust;
      x.single = s_.registration->shape == "single";
      x.mod_path = crate_path(s_.rust_path);
      x.id_c_tag = s_.device_id ? text::split(s_.device_id->c, ' ').back() : "";
      if (p_.device_id) x.id_zero_fields = p_.device_id->zero_fields;
      if (!m->table_macro.empty()) {
        if (!p_.device_id)
          d_.error(m->loc, "module_macro 'device_table_macro' needs a 'device_id': the table holds ids of that type",
                   "add the spec's device_id, or leave the module without a device table");
        else {
          x.table_macro = m->table_macro;
          x.table_type = m->table_type;
          x.id_rust = p_.device_id->rust;
          p_.device_id->raw_device_id = true;
        }
      }
      p_.module_macro = x;
    }
  }

  Plan& p_;
  const spec::Spec& s_;
  Diagnostics& d_;
};

}  // namespace

FieldPath resolve_field_path(const model::CModel& m, const model::CRecord& r, const std::vector<std::string>& parts) {
  const model::CRecord* cur = &r;
  const model::CField* f = nullptr;
  std::vector<std::string> rust;
  for (const auto& part : parts) {
    if (!cur) return {nullptr, "", part, nullptr};
    std::string step;
    f = cur->member(part, step);
    if (!f) return {nullptr, "", part, cur};
    std::vector<std::string> idents;  // bindgen's names: `type` is `type_`
    for (const auto& s : text::split(step, '.')) idents.push_back(rust_ident(s));
    rust.push_back(text::join(idents, "."));
    cur = f->anonymous ? f->anonymous.get() : f->type.kind == CType::Kind::Record ? m.record(f->type.tag) : nullptr;
  }
  return {f, text::join(rust, "."), "", nullptr};
}

std::string fields_hint(const model::CRecord& r) {
  std::vector<std::string> names;
  for (const auto& x : r.fields)
    if (!x.anonymous) names.push_back(x.name);
  return "its fields are: " + text::join(names, ", ");
}

void lower(Plan& p, Diagnostics& d) { Lowerer(p, d).run(); }

}  // namespace kgen::passes
