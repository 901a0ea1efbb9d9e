#include "spec/spec.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "support/fs.hpp"
#include "support/text.hpp"

namespace kgen::spec {

namespace {

class Loader {
 public:
  Loader(std::string path, Diagnostics& d) : path_(std::move(path)), d_(d) {}

  Location at(const YAML::Node& n) const {
    auto m = n.Mark();
    if (m.is_null()) return {path_, 0, 0};
    return {path_, static_cast<unsigned>(m.line + 1), static_cast<unsigned>(m.column + 1)};
  }

  // A mapping whose keys are checked: any key not read is an error.
  class Obj {
   public:
    Obj(Loader& l, const YAML::Node& n, std::string what) : l_(l), n_(n), what_(std::move(what)) {
      if (!n.IsMap()) {
        l_.d_.error(l_.at(n), what_ + " must be a mapping (key: value lines)");
        ok_ = false;
      }
    }
    ~Obj() {
      if (!ok_) return;
      for (const auto& kv : n_) {
        std::string k = kv.first.as<std::string>();
        if (!seen_.count(k))
          l_.d_.error(l_.at(kv.first), "unknown key '" + k + "' in " + what_,
                      "allowed keys here: " + text::join(allowed_, ", ") + " (see header-specs/TEMPLATE.yaml)");
      }
    }
    YAML::Node get(const std::string& key, bool required = false) {
      allowed_.push_back(key);
      seen_.insert(key);
      if (!ok_) return {};
      YAML::Node v = n_[key];
      if (!v && required) l_.d_.error(l_.at(n_), what_ + " needs the key '" + key + "'");
      return v;
    }
    std::string str(const std::string& key, bool required = false, const std::string& def = "") {
      auto v = get(key, required);
      if (!v) return def;
      if (!v.IsScalar()) {
        l_.d_.error(l_.at(v), "'" + key + "' in " + what_ + " must be a string");
        return def;
      }
      return v.as<std::string>();
    }
    std::vector<std::string> list(const std::string& key, bool required = false) {
      std::vector<std::string> out;
      auto v = get(key, required);
      if (!v) return out;
      if (!v.IsSequence()) {
        l_.d_.error(l_.at(v), "'" + key + "' in " + what_ + " must be a list");
        return out;
      }
      for (const auto& e : v) {
        if (!e.IsScalar())
          l_.d_.error(l_.at(e), "items of '" + key + "' must be strings");
        else
          out.push_back(e.as<std::string>());
      }
      return out;
    }
    // An ordered string -> string map.
    std::vector<std::pair<std::string, std::string>> pairs(const std::string& key, std::vector<Location>* locs = nullptr) {
      std::vector<std::pair<std::string, std::string>> out;
      auto v = get(key);
      if (!v) return out;
      if (!v.IsMap()) {
        l_.d_.error(l_.at(v), "'" + key + "' in " + what_ + " must be a mapping");
        return out;
      }
      for (const auto& kv : v) {
        if (!kv.second.IsScalar()) {
          l_.d_.error(l_.at(kv.second), "values of '" + key + "' must be strings");
          continue;
        }
        out.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
        if (locs) locs->push_back(l_.at(kv.first));
      }
      return out;
    }
    Location loc() const { return l_.at(n_); }

   private:
    Loader& l_;
    YAML::Node n_;
    std::string what_;
    bool ok_ = true;
    std::set<std::string> seen_;
    std::vector<std::string> allowed_;
  };

  Returns returns(const YAML::Node& n, Returns def) {
    if (!n) return def;
    Returns r;
    r.loc = at(n);
    r.explicit_ = true;
    if (!n.IsScalar()) {
      d_.error(at(n), "'returns' must be a string such as 'errno', 'value u16', 'void', 'bool', 'enum Name'");
      return def;
    }
    auto parts = text::split(text::trim(n.as<std::string>()), ' ');
    std::string k = parts[0];
    std::string ty = parts.size() > 1 ? text::join({parts.begin() + 1, parts.end()}, " ") : "";
    static const std::map<std::string, Returns::Kind> kinds = {
        {"errno", Returns::Kind::Errno}, {"value", Returns::Kind::Value},     {"void", Returns::Kind::Void},
        {"bool", Returns::Kind::Bool},   {"plain", Returns::Kind::Plain},     {"enum", Returns::Kind::Enum},
        {"err_ptr", Returns::Kind::ErrPtr}, {"null_ptr", Returns::Kind::NullPtr}, {"status", Returns::Kind::Status}};
    auto it = kinds.find(k);
    if (it == kinds.end()) {
      d_.error(at(n), "unknown return convention '" + k + "'",
               "use one of: errno, value <type>, void, bool, plain <type>, enum <RustEnum>, err_ptr, null_ptr, status");
      return def;
    }
    r.kind = it->second;
    r.type = ty;
    bool needs_type = r.kind == Returns::Kind::Value || r.kind == Returns::Kind::Plain || r.kind == Returns::Kind::Enum;
    if (needs_type && ty.empty()) d_.error(at(n), "return convention '" + k + "' needs a type, e.g. '" + k + " u16'");
    if (!needs_type && !ty.empty()) d_.error(at(n), "return convention '" + k + "' takes no type");
    return r;
  }

  std::vector<ArgMap> args(Obj& o) {
    std::vector<ArgMap> out;
    std::vector<Location> locs;
    auto ps = o.pairs("args", &locs);
    for (size_t i = 0; i < ps.size(); ++i) out.push_back({ps[i].first, ps[i].second, locs[i]});
    return out;
  }

  Method method(const YAML::Node& n) {
    Obj o(*this, n, "a method");
    Method m;
    m.loc = o.loc();
    m.c = o.str("c", true);
    m.rust = o.str("rust", false, m.c);
    m.receiver = o.str("receiver", false, "&mut self");
    if (m.receiver != "&mut self" && m.receiver != "&self")
      d_.error(m.loc, "receiver must be '&mut self' or '&self', not '" + m.receiver + "'");
    m.args = args(o);
    m.returns = returns(o.get("returns"), Returns{});
    m.context = o.str("context");
    m.doc = o.str("doc");
    return m;
  }

  Field field(const YAML::Node& n) {
    Obj o(*this, n, "a field");
    Field f;
    f.loc = o.loc();
    f.c = o.str("c", true);
    f.get = o.str("get");
    f.set = o.str("set");
    f.type = o.str("type");
    f.as = o.str("as");
    f.equals = o.str("equals");
    f.enum_ = o.str("enum");
    f.doc = o.str("doc");
    if (f.get.empty() && f.set.empty()) d_.error(f.loc, "a field needs 'get' or 'set' (or both)");
    if (!f.as.empty() && f.as != "bool") d_.error(f.loc, "'as' only knows 'bool'");
    return f;
  }

  Type type(const YAML::Node& n) {
    Obj o(*this, n, "a type");
    Type t;
    t.loc = o.loc();
    t.rust = o.str("rust", true);
    t.c = o.str("c", true);
    std::string own = o.str("ownership", false, "borrowed");
    static const std::map<std::string, Type::Ownership> owns = {{"borrowed", Type::Ownership::Borrowed},
                                                                {"refcounted", Type::Ownership::RefCounted},
                                                                {"owned", Type::Ownership::Owned},
                                                                {"pinned", Type::Ownership::Pinned}};
    if (auto it = owns.find(own); it != owns.end())
      t.ownership = it->second;
    else
      d_.error(o.loc(), "unknown ownership '" + own + "'", "use borrowed, refcounted, owned or pinned");
    t.get = o.str("get");
    t.put = o.str("put");
    t.free = o.str("free");
    if (t.ownership == Type::Ownership::RefCounted && (t.get.empty() || t.put.empty()))
      d_.error(t.loc, "a refcounted type needs 'get' and 'put' functions");
    t.doc = o.str("doc");
    t.invariants = o.list("invariants");
    if (auto fs = o.get("fields")) {
      for (const auto& f : fs) t.fields.push_back(field(f));
    }
    if (auto ms = o.get("methods")) {
      for (const auto& m : ms) t.methods.push_back(method(m));
    }
    if (auto ls = o.get("locks")) {
      for (const auto& l : ls) {
        Obj lo(*this, l, "a lock");
        Lock k;
        k.loc = lo.loc();
        k.rust = lo.str("rust", true);
        k.method = lo.str("method", true);
        k.lock = lo.str("lock", true);
        k.unlock = lo.str("unlock", true);
        k.doc = lo.str("doc");
        if (auto ms = lo.get("methods"))
          for (const auto& m : ms) k.methods.push_back(method(m));
        t.locks.push_back(std::move(k));
      }
    }
    if (auto a = o.get("as_ref")) {
      Obj ao(*this, a, "as_ref");
      t.as_ref = AsRef{ao.str("target", true), ao.str("field", true), ao.str("via", true), ao.loc()};
    }
    t.extra_impl = o.str("extra_impl");
    t.generic = o.str("generic");
    if (!t.generic.empty() && t.generic.find(':') == std::string::npos)
      d_.error(t.loc, "'generic' must be a parameter with its bound, e.g. \"T: Operations\"");
    if (!t.generic.empty() && (!t.locks.empty() || t.as_ref || t.ownership == Type::Ownership::RefCounted))
      d_.error(t.loc, "a generic type cannot have locks, as_ref or get/put refcounting yet",
               "write those in a hand-written module (see 'hand_written')");
    return t;
  }

  Enum enumeration(const YAML::Node& n) {
    Obj o(*this, n, "an enum");
    Enum e;
    e.loc = o.loc();
    e.rust = o.str("rust", true);
    e.c = o.str("c");
    e.doc = o.str("doc");
    e.unknown = o.str("unknown");
    e.variants = o.pairs("variants", &e.variant_locs);
    auto macros = o.pairs("macros", &e.variant_locs);
    if (!macros.empty()) {
      if (!e.variants.empty() || !e.c.empty())
        d_.error(e.loc, "an enum is built either from a C enum ('c' + 'variants') or from 'macros', not both");
      e.variants = macros;
      e.from_macros = true;
    } else if (e.c.empty()) {
      d_.error(e.loc, "an enum needs 'c' (a C enum) with 'variants', or 'macros'");
    }
    if (e.variants.empty()) d_.error(e.loc, "an enum needs at least one variant");
    return e;
  }

  ConstGroup constants(const YAML::Node& n) {
    Obj o(*this, n, "a constant group");
    ConstGroup g;
    g.loc = o.loc();
    g.module = o.str("module", true);
    g.type = o.str("type", true);
    g.doc = o.str("doc");
    g.names = o.pairs("names", &g.name_locs);
    g.match = o.list("match");
    g.from = o.str("from");
    if (g.names.empty() && g.match.empty()) d_.error(g.loc, "a constant group needs 'names' or 'match'");
    return g;
  }

  Ops ops(const YAML::Node& n) {
    Obj o(*this, n, "an ops table");
    Ops p;
    p.loc = o.loc();
    p.c = o.str("c", true);
    p.trait = o.str("trait", true);
    p.vtable = o.str("vtable", true);
    p.create = o.str("create", true);
    p.doc = o.str("doc");
    p.guarantee = o.str("guarantee", true);
    if (auto cs = o.get("consts")) {
      for (const auto& c : cs) {
        Obj co(*this, c, "an associated const");
        p.consts.push_back({co.str("rust", true), co.str("type", true), co.str("default"), co.str("doc"), co.loc()});
      }
    }
    p.init = o.pairs("init", &p.init_locs);
    p.supertraits = o.str("supertraits");
    p.table = o.str("table", false, "opaque");
    if (p.table != "opaque" && p.table != "static") d_.error(o.loc(), "'table' must be 'opaque' or 'static'");
    if (auto st = o.get("status")) {
      Obj so(*this, st, "status");
      p.status_ok = so.str("ok", true);
      p.status_err = so.str("err", true);
    }
    if (auto cbs = o.get("callbacks")) {
      if (!cbs.IsMap()) d_.error(at(cbs), "'callbacks' must map callback names to their mapping ({} for defaults)");
      else
        for (const auto& kv : cbs) {
          Callback cb;
          cb.name = kv.first.as<std::string>();
          cb.loc = at(kv.first);
          if (kv.second.IsNull() || (kv.second.IsMap() && kv.second.size() == 0)) {
            p.callbacks.push_back(cb);
            continue;
          }
          Obj co(*this, kv.second, "callback '" + cb.name + "'");
          cb.receiver = co.str("receiver", false, "mut");
          cb.receiver_loc = co.loc();
          cb.args = args(co);
          cb.returns = returns(co.get("returns"), Returns{});
          if (auto ps = co.get("params")) {
            cb.has_params = true;
            std::vector<Location> locs;
            auto pv = co.pairs("params", &locs);
            for (size_t i = 0; i < pv.size(); ++i) cb.params.push_back({pv[i].first, pv[i].second, locs[i]});
          }
          cb.prelude = co.str("prelude");
          cb.body = co.str("body");
          auto flag = [&](const char* key) {
            auto v = co.get(key);
            if (!v) return false;
            if (!v.IsScalar() || (v.as<std::string>() != "true" && v.as<std::string>() != "false")) {
              d_.error(at(v), std::string("'") + key + "' must be true or false");
              return false;
            }
            return v.as<std::string>() == "true";
          };
          cb.required = flag("required");
          cb.internal = flag("internal");
          if (cb.internal && text::trim(cb.body).empty())
            d_.error(cb.loc, "internal callback '" + cb.name + "' needs a 'body' (the trampoline's Rust code)");
          if (!cb.internal && !cb.body.empty())
            d_.error(cb.loc, "'body' is only for internal callbacks", "use 'prelude' to run code before the call");
          if (cb.internal && (cb.required || cb.has_params || !cb.prelude.empty() || !cb.args.empty()))
            d_.error(cb.loc, "internal callback '" + cb.name + "' takes only 'body'");
          p.callbacks.push_back(cb);
        }
    }
    if (auto ex = o.get("excluded")) {
      if (!ex.IsMap()) d_.error(at(ex), "'excluded' must map callback names to the reason they are left out");
      else
        for (const auto& kv : ex) {
          std::string reason = kv.second.IsScalar() ? kv.second.as<std::string>() : "";
          if (text::trim(reason).empty())
            d_.error(at(kv.first), "excluded callback '" + kv.first.as<std::string>() + "' needs a reason");
          p.excluded.push_back({kv.first.as<std::string>(), reason, at(kv.first)});
        }
    }
    return p;
  }

  DeviceId device_id(const YAML::Node& n) {
    Obj o(*this, n, "device_id");
    DeviceId d;
    d.loc = o.loc();
    d.rust = o.str("rust", true);
    d.c = o.str("c", true);
    d.doc = o.str("doc");
    d.getters = o.pairs("getters");
    d.driver_const = o.str("driver_const");
    if (auto cs = o.get("constructors")) {
      for (const auto& c : cs) {
        Obj co(*this, c, "a constructor");
        DeviceIdCtor k;
        k.loc = co.loc();
        k.name = co.str("name", true);
        k.params = co.pairs("params");
        k.fields = co.pairs("fields");
        k.doc = co.str("doc");
        d.ctors.push_back(k);
      }
    }
    return d;
  }

  Registration registration(const YAML::Node& n) {
    Obj o(*this, n, "registration");
    Registration r;
    r.loc = o.loc();
    r.rust = o.str("rust", true);
    r.doc = o.str("doc");
    auto fn = [&](const char* key, std::string& name, std::vector<std::string>& argv, Location& loc) {
      auto v = o.get(key, true);
      if (!v) return;
      Obj fo(*this, v, key);
      loc = fo.loc();
      name = fo.str("c", true);
      argv = fo.list("args", true);
      for (const auto& a : argv)
        if (a != "vtables" && a != "count" && a != "module")
          d_.error(loc, "unknown registration argument '" + a + "'", "use vtables, count or module");
    };
    fn("register", r.register_fn, r.register_args, r.register_loc);
    fn("unregister", r.unregister_fn, r.unregister_args, r.unregister_loc);
    return r;
  }

  Spec spec(const YAML::Node& root) {
    Spec s;
    s.path = path_;
    Obj o(*this, root, "the spec");
    s.loc = o.loc();
    std::string ver = o.str("kgen", true);
    if (!ver.empty() && ver != "1") d_.error(s.loc, "unsupported spec version '" + ver + "'", "this kgen reads 'kgen: 1'");
    s.name = o.str("name", true);
    if (auto m = o.get("module", true)) {
      Obj mo(*this, m, "module");
      s.rust_path = mo.str("rust_path", true);
      s.kernel_file = mo.str("kernel_file", true);
      s.kconfig = mo.str("kconfig");
      s.c_header = mo.str("c_header", true);
      s.mode = mo.str("mode", false, "replace");
      if (s.mode != "replace" && s.mode != "add") d_.error(mo.loc(), "mode must be 'replace' or 'add'");
      s.module_doc = mo.str("doc");
      s.imports = mo.list("imports");
      s.copyright = mo.list("copyright");
    }
    s.headers = o.list("headers", true);
    s.doc_sources = o.list("doc_sources");
    s.helpers = o.str("helpers", true);
    if (auto hw = o.get("hand_written")) {
      for (const auto& h : hw) {
        Obj ho(*this, h, "a hand-written file");
        s.hand_written.push_back(
            {ho.str("file", true), ho.str("module", true), ho.str("kernel_file", true), ho.str("reexport"), ho.loc()});
      }
    }
    s.extra_helpers = o.list("extra_helpers");
    if (auto v = o.get("extra_helpers")) s.extra_helpers_loc = at(v);
    if (auto ts = o.get("types"))
      for (const auto& t : ts) s.types.push_back(type(t));
    if (auto es = o.get("enums"))
      for (const auto& e : es) s.enums.push_back(enumeration(e));
    if (auto cs = o.get("constants"))
      for (const auto& c : cs) s.constants.push_back(constants(c));
    if (auto ps = o.get("ops"))
      for (const auto& p : ps) s.ops.push_back(ops(p));
    if (auto d = o.get("device_id")) s.device_id = device_id(d);
    if (auto r = o.get("registration")) s.registration = registration(r);
    if (auto m = o.get("module_macro")) {
      Obj mo(*this, m, "module_macro");
      s.module_macro = ModuleMacro{mo.str("name", true), mo.str("device_table"), mo.str("doc"), mo.loc()};
    }
    return s;
  }

 private:
  std::string path_;
  Diagnostics& d_;
};

}  // namespace

Spec load_string(const std::string& text, const std::string& path) {
  Diagnostics d;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    d.error({path, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1)},
            "spec is not valid YAML: " + e.msg);
    d.throw_if_errors("spec");
  }
  Spec s;
  {
    Loader l(path, d);
    try {
      s = l.spec(root);
    } catch (const YAML::Exception& e) {
      d.error({path, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1)},
              "unexpected value: " + e.msg);
    }
  }
  d.throw_if_errors("spec");
  return s;
}

Spec load(const std::string& path) { return load_string(fs::read_file_or_throw(path), path); }

}  // namespace kgen::spec
