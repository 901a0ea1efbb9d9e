#include "drift/check.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "support/text.hpp"

namespace kgen::drift {

using Kind = Entry::Kind;

namespace {

std::string strip_tag(const std::string& c) {
  for (const char* kw : {"struct ", "union ", "enum "})
    if (text::starts_with(c, kw)) return c.substr(std::char_traits<char>::length(kw));
  return c;
}

const char* display(Kind k) {
  switch (k) {
    case Kind::Record: return "struct";
    case Kind::Function: return "function";
    case Kind::Macro: return "function-like macro";
    case Kind::Callback: return "callback";
    case Kind::Member: return "member";
    case Kind::Field: return "field";
    case Kind::EnumConstant: return "enum constant";
    case Kind::Constant: return "constant";
    case Kind::Typedef: return "typedef";
  }
  return "?";
}

std::string prefix_of(const std::string& key) { return key.substr(0, key.rfind('.')); }
std::string last_of(const std::string& key) { return key.substr(key.rfind('.') + 1); }

bool looks_renamed(const std::string& a, const std::string& b) {
  if (a == b) return false;
  return a.find(b) != std::string::npos || b.find(a) != std::string::npos ||
         text::edit_distance(a, b) <= std::max<size_t>(2, std::min(a.size(), b.size()) / 3);
}

// Where the spec mentions each locked name, and what it makes of it.
class SpecRefs {
 public:
  struct Ref {
    Location loc;
    std::string item;
    bool named = false;  // the spec names this very declaration
  };

  SpecRefs(const spec::Spec& s, const model::CModel& m) {
    fallback_ = {s.loc, "spec " + s.name, false};
    for (const auto& t : s.types) {
      std::string tag = strip_tag(t.c);
      put(Kind::Record, tag, {t.loc, "type " + t.rust, true});
      for (const auto& f : t.fields) {
        std::string what = !f.get.empty() ? "getter " + t.rust + "::" + f.get : "setter " + t.rust + "::" + f.set;
        path(tag, f.c, {f.loc, what, true});
        if (!f.equals.empty()) {
          put(Kind::Constant, f.equals, {f.loc, what + " (equals " + f.equals + ")", true});
          enum_consts_.emplace(f.equals, Ref{f.loc, what + " (equals " + f.equals + ")", true});
        }
      }
      if (t.as_ref) path(tag, t.as_ref->field, {t.as_ref->loc, "as_ref of " + t.rust, true});
      for (const auto& me : t.methods) method(me, t.rust);
      for (const auto& lk : t.locks) {
        put(Kind::Function, lk.lock, {lk.loc, "lock of guard " + lk.rust, true});
        put(Kind::Function, lk.unlock, {lk.loc, "unlock of guard " + lk.rust, true});
        for (const auto& me : lk.methods) method(me, lk.rust);
      }
      if (!t.get.empty()) put(Kind::Function, t.get, {t.loc, "refcount get of " + t.rust, true});
      if (!t.put.empty()) put(Kind::Function, t.put, {t.loc, "refcount put of " + t.rust, true});
      if (!t.free.empty()) put(Kind::Function, t.free, {t.loc, "destructor of " + t.rust, true});
    }
    for (const auto& e : s.enums) {
      for (size_t i = 0; i < e.variants.size(); ++i) {
        Ref r{i < e.variant_locs.size() ? e.variant_locs[i] : e.loc, "variant " + e.rust + "::" + e.variants[i].second,
              true};
        if (e.from_macros)
          put(Kind::Constant, e.variants[i].first, r);
        else
          enum_consts_.emplace(e.variants[i].first, r);
      }
      if (!e.from_macros) {
        Ref g{e.loc, "enum " + e.rust, false};
        enum_groups_.emplace(strip_tag(e.c), g);
        if (const model::CEnum* ce = m.enumeration(strip_tag(e.c))) {
          if (!ce->tag.empty()) enum_groups_.emplace(ce->tag, g);
          if (!ce->typedef_name.empty()) enum_groups_.emplace(ce->typedef_name, g);
        }
      }
    }
    for (const auto& g : s.constants) {
      for (size_t i = 0; i < g.names.size(); ++i)
        put(Kind::Constant, g.names[i].first,
            {i < g.name_locs.size() ? g.name_locs[i] : g.loc, "constant " + g.module + "::" + g.names[i].second, true});
      if (!g.match.empty()) globs_.push_back({&g, {g.loc, "constants " + g.module + " (" + text::join(g.match, ", ") + ")", false}});
    }
    for (const auto& o : s.ops) {
      std::string tag = strip_tag(o.c);
      put(Kind::Record, tag, {o.loc, "ops " + o.trait, true});
      ops_.emplace(tag, Ref{o.loc, "ops " + o.trait, false});
      for (const auto& cb : o.callbacks) {
        put(Kind::Callback, tag + "." + cb.name, {cb.loc, "callback " + o.trait + "::" + cb.name, true});
        for (const auto& a : cb.args) args_[tag + "." + cb.name].insert(a.name);
      }
      for (const auto& ex : o.excluded)
        put(Kind::Callback, tag + "." + ex.name, {ex.loc, "excluded callback " + o.trait + "::" + ex.name, true});
      for (size_t i = 0; i < o.init.size(); ++i)
        put(Kind::Member, tag + "." + o.init[i].first,
            {i < o.init_locs.size() ? o.init_locs[i] : o.loc, "initializer of " + o.c + "::" + o.init[i].first, true});
    }
    for (const auto& n : s.extra_helpers) put(Kind::Function, n, {s.extra_helpers_loc, "extra helper " + n, true});
    for (size_t i = 0; i < s.aliases.size(); ++i)
      put(Kind::Function, s.aliases[i].second,
          {i < s.alias_locs.size() ? s.alias_locs[i] : s.loc, "alias " + s.aliases[i].first, true});
    for (const auto& [n, h] : hand_written_calls(s))
      put(Kind::Function, n, {h->loc, "hand-written " + h->file + " (calls it)", true});
    if (const auto& d = s.device_id) {
      std::string tag = strip_tag(d->c);
      put(Kind::Record, tag, {d->loc, "device id " + d->rust, true});
      for (const auto& [g, f] : d->getters) path(tag, f, {d->loc, "device id getter " + d->rust + "::" + g, true});
      for (const auto& c : d->ctors)
        for (const auto& [f, e] : c.fields) path(tag, f, {c.loc, "device id constructor " + d->rust + "::" + c.name, true});
    }
    if (const auto& r = s.registration) {
      put(Kind::Function, r->register_fn, {r->register_loc, "registration " + r->rust + " (register)", true});
      put(Kind::Function, r->unregister_fn, {r->unregister_loc, "registration " + r->rust + " (unregister)", true});
    }
  }

  Ref find(Kind k, const std::string& key) const {
    if (auto it = named_.find({k, key}); it != named_.end()) return it->second;
    switch (k) {
      case Kind::EnumConstant:
        if (auto it = enum_consts_.find(last_of(key)); it != enum_consts_.end()) return it->second;
        if (auto it = enum_groups_.find(prefix_of(key)); it != enum_groups_.end()) return it->second;
        break;
      case Kind::Constant:
        for (const auto& [g, r] : globs_)
          for (const auto& pat : g->match)
            if (text::glob_match(pat, key)) return r;
        break;
      case Kind::Callback:
      case Kind::Member:
        if (auto it = ops_.find(prefix_of(key)); it != ops_.end()) return it->second;
        break;
      case Kind::Field:
        for (std::string p = key; p.find('.') != std::string::npos;) {
          p = prefix_of(p);
          if (auto it = named_.find({Kind::Field, p}); it != named_.end()) return it->second;
          if (auto it = named_.find({Kind::Record, p}); it != named_.end()) return it->second;
        }
        break;
      default:
        break;
    }
    return fallback_;
  }

  // Parameter names the spec maps (args:) for a function or callback key.
  bool maps_arg(const std::string& key, const std::string& name) const {
    auto it = args_.find(key);
    return it != args_.end() && it->second.count(name);
  }

 private:
  void put(Kind k, const std::string& key, const Ref& r) { named_.emplace(std::pair{k, key}, r); }
  void method(const spec::Method& me, const std::string& owner) {
    Ref r{me.loc, "method " + owner + "::" + me.rust, true};
    put(Kind::Function, me.c, r);
    put(Kind::Macro, me.c, r);
    for (const auto& a : me.args) args_[me.c].insert(a.name);
    if (!me.errno_fn.empty())
      put(Kind::Function, me.errno_fn, {me.errno_loc, "errno function of " + owner + "::" + me.rust, true});
  }
  void path(const std::string& tag, const std::string& p, const Ref& r) {
    std::string key = tag;
    for (const auto& part : text::split(p, '.')) {
      key += "." + part;
      put(Kind::Field, key, r);
    }
  }

  std::map<std::pair<Kind, std::string>, Ref> named_;
  std::map<std::string, Ref> enum_consts_, enum_groups_, ops_;
  std::vector<std::pair<const spec::ConstGroup*, Ref>> globs_;
  std::map<std::string, std::set<std::string>> args_;
  Ref fallback_;
};

std::string param_desc(size_t i, const Signature::Param& p) {
  return "parameter " + std::to_string(i + 1) + (p.name.empty() ? "" : " '" + p.name + "'");
}

// Differences between two signatures of the same function or callback.
void compare_signatures(const Signature& o, const Signature& n, const std::string& key, const SpecRefs& refs,
                        Drift& d) {
  auto add = [&](std::string s, bool breaking) {
    d.details.push_back(std::move(s));
    d.breaking |= breaking;
  };
  if (o.ret != n.ret) add("return type: " + o.ret + " -> " + n.ret, true);
  if (o.params.size() == n.params.size()) {
    for (size_t i = 0; i < o.params.size(); ++i) {
      const auto &a = o.params[i], &b = n.params[i];
      if (a.type != b.type)
        add(param_desc(i, a) + ": type " + a.type + " -> " + b.type, true);
      else if (a.name != b.name) {
        bool named = !a.name.empty() && refs.maps_arg(key, a.name);
        add(param_desc(i, a) + " renamed to '" + b.name + "'" + (named ? " (the spec maps it by name under 'args')" : ""),
            named);
      }
    }
  } else {
    // Parameters added or removed: align the lists (longest common subsequence).
    size_t m = o.params.size(), k = n.params.size();
    std::vector<std::vector<size_t>> lcs(m + 1, std::vector<size_t>(k + 1, 0));
    for (size_t i = m; i-- > 0;)
      for (size_t j = k; j-- > 0;)
        lcs[i][j] = o.params[i] == n.params[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < m || j < k) {
      if (i < m && j < k && o.params[i] == n.params[j]) {
        ++i, ++j;
      } else if (j < k && (i == m || lcs[i][j + 1] >= lcs[i + 1][j])) {
        add(param_desc(j, n.params[j]) + " added: " + n.params[j].type, true);
        ++j;
      } else {
        add(param_desc(i, o.params[i]) + " removed: " + o.params[i].type, true);
        ++i;
      }
    }
  }
  if (o.variadic != n.variadic) add(n.variadic ? "now variadic" : "no longer variadic", true);
  if (!o.static_inline && n.static_inline)
    add("now static inline: the generated code needs a C helper for it (regenerate)", true);
  if (o.static_inline && !n.static_inline) add("no longer static inline (its generated C helper still works)", false);
  if (!o.must_check && n.must_check)
    add("now __must_check: a spec entry that discards the result ('returns: void') becomes an error", false);
  if (o.must_check && !n.must_check) add("no longer __must_check", false);
}

std::string rename_hint(const Drift& d, const Lock& now, const model::CModel& m) {
  std::vector<std::string> cands;
  switch (d.kind) {
    case Kind::Callback:
    case Kind::Member: {
      std::string tag = prefix_of(d.key), name = last_of(d.key);
      const model::CRecord* r = m.record(tag);
      if (!r) break;
      auto old_sig = parse_signature(d.before);
      for (const auto& e : now.entries) {
        if (e.kind != d.kind || prefix_of(e.key) != tag) continue;
        std::string n = last_of(e.key);
        bool same = d.kind == Kind::Callback && old_sig && e.sig && old_sig->ret == e.sig->ret &&
                    old_sig->params.size() == e.sig->params.size();
        if (same) {
          for (size_t i = 0; i < e.sig->params.size(); ++i) same &= old_sig->params[i].type == e.sig->params[i].type;
        }
        if ((same || d.kind == Kind::Member) && looks_renamed(name, n)) cands.push_back(n);
      }
      break;
    }
    case Kind::Field: {
      std::string parent = prefix_of(d.key), name = last_of(d.key);
      // The parent is a struct tag, or a field path whose type names one.
      std::string tag = parent.substr(0, parent.find('.'));
      const model::CRecord* r = m.record(tag);
      for (const auto& part : text::split(parent.substr(std::min(parent.size(), tag.size() + 1)), '.')) {
        if (!r || part.empty()) break;
        const model::CField* f = r->field(part);
        r = f && f->type.kind == model::CType::Kind::Record ? m.record(f->type.tag) : nullptr;
      }
      if (!r) break;
      std::string old_type = text::trim(d.before.substr(0, d.before.rfind(name)));
      for (const auto& f : r->fields) {
        std::string t = stable_spelling(text::trim(f.type.declare("")));
        if (t == old_type && looks_renamed(name, f.name)) cands.push_back(f.name);
      }
      break;
    }
    case Kind::Function: {
      auto old_sig = parse_signature(d.before);
      if (!old_sig) break;
      std::vector<std::string> names = m.similar_names(d.key);
      // A variant folded into its base: drm_gem_vmap_unlocked -> drm_gem_vmap.
      if (auto u = d.key.rfind('_'); u != std::string::npos && u > 0) names.push_back(d.key.substr(0, u));
      if (text::starts_with(d.key, "__")) names.push_back(d.key.substr(2));
      std::set<std::string> seen;
      for (const auto& n : names) {
        const model::CFunction* f = m.function(n);
        if (!f || n == d.key || !seen.insert(n).second || f->params.size() != old_sig->params.size()) continue;
        bool same = true;  // the same parameter types, in order
        for (size_t i = 0; i < f->params.size(); ++i)
          same &= stable_spelling(text::trim(f->params[i].type.declare(""))) == old_sig->params[i].type;
        if (same) cands.push_back(n);
      }
      if (!cands.empty()) break;
      // An accessor removed in favour of the member it read: phy_is_internal
      // (struct phy_device *) -> phy_device.is_internal.
      if (old_sig->params.empty()) break;
      std::string t = old_sig->params[0].type;
      if (!text::starts_with(t, "struct ") || !text::ends_with(t, "*")) break;
      std::string tag = text::trim(t.substr(7, t.size() - 8));
      const model::CRecord* r = m.record(tag);
      if (!r) break;
      for (size_t u = d.key.find('_'); u != std::string::npos; u = d.key.find('_', u + 1))
        if (const model::CField* f = r->field(d.key.substr(u + 1))) {
          return "the tree's struct " + tag + " has a member '" + f->name + "', which it may have read: a field " +
                 "getter ('fields:' of the type) can replace the method";
        }
      break;
    }
    case Kind::Constant:
      for (const auto& n : m.similar_names(d.key))
        if (const model::CMacro* mac = m.macro(n); mac && mac->value && std::to_string(mac->value->value) == d.before)
          cands.push_back(n);
      break;
    default:
      break;
  }
  if (cands.empty()) return "";
  return "renamed? the tree has " + std::string(display(d.kind)) + " '" + text::join(cands, "', '") +
         "' of the same type";
}

std::string removal_hint(const Drift& d, const SpecRefs::Ref& r) {
  if (!r.named) return "";
  switch (d.kind) {
    case Kind::Callback:
      return text::starts_with(r.item, "excluded")
                 ? "the generated initializer names it: remove it from 'excluded'"
                 : "remove it from 'callbacks' (drivers implementing it lose it)";
    case Kind::Member: return "the generated initializer names it: remove it from 'init'";
    case Kind::Function:
    case Kind::Macro:
      if (text::starts_with(r.item, "hand-written")) return "the " + r.item + ": change it to the replacement";
      if (text::starts_with(r.item, "extra helper")) return "remove it from 'extra_helpers' and from the code that calls it";
      return "the generated " + r.item + " calls it: remove the entry or point 'c:' at its replacement";
    case Kind::Field: return "the generated " + r.item + " reads or writes it: point 'c:' at its replacement";
    case Kind::Constant:
    case Kind::EnumConstant: return "the generated " + r.item + " uses its value: remove it from the spec";
    default: return "";
  }
}

std::string addition_hint(Kind k) {
  switch (k) {
    case Kind::Callback:
      return "wire it under 'callbacks' or list it under 'excluded' with a reason, then regenerate "
             "(the generated initializer names every member)";
    case Kind::Member: return "give it an initializer under 'init', then regenerate";
    case Kind::EnumConstant:
      return "list it under 'variants' to give it a Rust variant (until then getters treat it as unknown)";
    case Kind::Constant: return "regenerating adds it to the generated constants";
    default: return "";
  }
}

Drift make(Drift::Change c, const Entry& e, std::string before, std::string after, Location loc = {}) {
  Drift d;
  d.change = c;
  d.kind = e.kind;
  d.key = e.key;
  d.before = std::move(before);
  d.after = std::move(after);
  d.c_loc = std::move(loc);
  return d;
}

}  // namespace

std::vector<Drift> compare(const Lock& locked, const Lock& now, const spec::Spec& s, const model::CModel& m) {
  SpecRefs refs(s, m);
  std::vector<Drift> out;
  auto place = [&](Drift& d) {
    auto r = refs.find(d.kind, d.key);
    d.spec_loc = r.loc;
    d.spec_item = r.item;
    return r;
  };
  for (const auto& o : locked.entries) {
    if (o.kind == Kind::Typedef) {
      // Compared with the tree's typedef itself: one that is no longer used
      // shows up as changes of the declarations that used it.
      auto it = m.typedefs.find(o.key);
      if (it == m.typedefs.end()) continue;
      std::string nd = stable_spelling(it->second.spelling);
      if (nd == o.decl) continue;
      Drift d = make(Drift::Change::Changed, o, "typedef " + o.decl + " " + o.key, "typedef " + nd + " " + o.key);
      d.details.push_back("now names " + nd);
      d.breaking = true;
      // Who spells it, directly or through other typedefs.
      std::set<std::string> names = {o.key};
      for (bool grew = true; grew;) {
        grew = false;
        for (const auto& e : locked.entries)
          if (e.kind == Kind::Typedef && !names.count(e.key))
            for (const auto& n : std::set<std::string>(names))
              if (text::has_word(e.decl, n)) grew |= names.insert(e.key).second;
      }
      std::vector<std::string> users;
      size_t n_users = 0;
      for (const auto& e : locked.entries) {
        if (e.kind == Kind::Typedef) continue;
        bool uses = false;
        for (const auto& n : names) uses |= text::has_word(e.decl, n);
        if (uses && ++n_users <= 4) users.push_back(e.key);
      }
      if (n_users > users.size()) users.push_back("and " + std::to_string(n_users - users.size()) + " more");
      place(d);
      if (!users.empty()) d.hint = "used by " + text::join(users, ", ");
      out.push_back(std::move(d));
      continue;
    }
    const Entry* n = now.find(o.kind, o.key);
    if (!n) {
      Drift d = make(Drift::Change::Removed, o, o.decl, "");
      d.breaking = true;
      auto r = place(d);
      std::string renamed = rename_hint(d, now, m), then = removal_hint(d, r);
      d.hint = renamed.empty() ? then : then.empty() ? renamed : renamed + "; " + then;
      out.push_back(std::move(d));
      continue;
    }
    if (n->decl == o.decl) continue;
    Drift d = make(Drift::Change::Changed, o, o.decl, n->decl, n->c_loc);
    if (o.sig && n->sig) {
      compare_signatures(*o.sig, *n->sig, o.key, refs, d);
    } else if (o.kind == Kind::Macro) {
      bool same_params = o.decl.substr(0, o.decl.find(')')) == n->decl.substr(0, n->decl.find(')'));
      d.details.push_back(same_params ? "body changed" : "parameters changed");
      d.breaking = !same_params;
    } else if (o.kind == Kind::Constant || o.kind == Kind::EnumConstant) {
      d.details.push_back("value " + o.decl + " -> " + n->decl);
      d.breaking = true;
    } else {
      d.details.push_back(std::string(display(o.kind)) + " declaration changed");
      d.breaking = true;
    }
    auto r = place(d);
    if (o.kind == Kind::Callback && text::starts_with(r.item, "excluded")) {
      // The generated initializer sets it to None, whatever its type.
      d.breaking = false;
      d.hint = "the generated code only sets it to None; check that the reason for excluding it still holds";
    } else if (d.breaking && r.named && text::starts_with(r.item, "hand-written")) {
      d.hint = "update the hand-written code that calls it, then regenerate";
    } else if (d.breaking && r.named && (o.kind == Kind::Function || o.kind == Kind::Callback)) {
      d.hint = "update the spec entry to the new declaration (its 'args' and 'returns'), then regenerate";
    }
    out.push_back(std::move(d));
  }
  for (const auto& n : now.entries) {
    if (n.kind == Kind::Typedef || locked.find(n.kind, n.key)) continue;
    Drift d = make(Drift::Change::Added, n, "", n.decl, n.c_loc);
    place(d);
    d.hint = addition_hint(n.kind);
    out.push_back(std::move(d));
  }
  std::stable_sort(out.begin(), out.end(), [](const Drift& a, const Drift& b) {
    return std::tie(a.spec_loc.file, a.spec_loc.line, a.spec_loc.column, a.kind, a.key) <
           std::tie(b.spec_loc.file, b.spec_loc.line, b.spec_loc.column, b.kind, b.key);
  });
  return out;
}

Report render_report(const std::vector<Drift>& drifts, const Lock& locked, const Lock& now,
                     const std::string& tree_dir) {
  Report r;
  if (drifts.empty()) return r;
  auto where = [&](const Location& l) {
    std::string f = l.file;
    if (!tree_dir.empty() && text::starts_with(f, tree_dir + "/")) f = f.substr(tree_dir.size() + 1);
    if (text::starts_with(f, "./")) f = f.substr(2);
    Location x = l;
    x.file = f;
    return x.str();
  };
  std::map<std::string, size_t> counts;  // "removed callback" -> n
  size_t params = 0;
  for (const auto& d : drifts) {
    const char* change = d.change == Drift::Change::Added     ? "added"
                         : d.change == Drift::Change::Removed ? "removed"
                                                              : "changed";
    (d.breaking ? r.breaking : r.warnings)++;
    counts[std::string(change) + " " + display(d.kind)]++;
    for (const auto& x : d.details) params += text::starts_with(x, "parameter");
    r.text += d.spec_loc.str() + ": " + (d.breaking ? "error" : "warning") + ": " + change + " " + display(d.kind) +
              " " + d.key + " (" + d.spec_item + ")\n";
    for (const auto& x : d.details) r.text += "  " + x + "\n";
    std::string old_v = d.before.empty() ? "(none)" : d.before;
    std::string new_v = d.after.empty() ? "(none)" : d.after;
    if (d.kind == Kind::Constant) {
      if (!d.before.empty()) old_v = "#define " + d.key + " " + d.before;
      if (!d.after.empty()) new_v = "#define " + d.key + " " + d.after;
    }
    if (d.kind == Kind::EnumConstant) {
      if (!d.before.empty()) old_v = last_of(d.key) + " = " + d.before;
      if (!d.after.empty()) new_v = last_of(d.key) + " = " + d.after;
    }
    r.text += "  before (Linux " + locked.linux_version + "): " + old_v + "\n";
    r.text += "  after  (Linux " + now.linux_version + "): " + new_v;
    if (d.c_loc.known()) r.text += "  [" + where(d.c_loc) + "]";
    r.text += "\n";
    if (!d.hint.empty()) r.text += "  hint: " + d.hint + "\n";
  }
  std::vector<std::string> parts;
  for (const auto& [what, n] : counts) {
    std::string w = what;
    if (n != 1) w += (text::ends_with(w, "struct") ? "s" : text::ends_with(w, "s") ? "" : "s");
    parts.push_back(std::to_string(n) + " " + w);
  }
  r.text += "kgen check: " + now.spec_name + ": Linux " + locked.linux_version + " (lock) -> Linux " +
            now.linux_version + ": " + std::to_string(r.breaking) + " breaking, " + std::to_string(r.warnings) +
            (r.warnings == 1 ? " warning" : " warnings") + "\n";
  r.text += "  " + text::join(parts, ", ") + (params ? "; " + std::to_string(params) + (params == 1 ? " parameter change" : " parameter changes") : "") +
            "\n";
  if (!locked.spec_hash.empty() && locked.spec_hash != now.spec_hash)
    r.text += "note: the spec changed since the lock was written; some differences may come from the spec "
              "(kgen generate refreshes the lock)\n";
  return r;
}

}  // namespace kgen::drift
