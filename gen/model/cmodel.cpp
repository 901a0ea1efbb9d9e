#include "model/cmodel.hpp"

#include <regex>

#include "support/text.hpp"

#include <algorithm>
#include <set>

namespace kgen::model {

std::string CType::declare(const std::string& name) const {
  if (is_function_pointer()) {
    std::string s = pointee->ret->spelling + " (*" + name + ")(";
    for (size_t i = 0; i < pointee->params.size(); ++i) {
      if (i) s += ", ";
      s += pointee->params[i].type.spelling;
    }
    return s + ")";
  }
  if (kind == Kind::Array) {
    return pointee->declare(name) + "[" + (array_size >= 0 ? std::to_string(array_size) : "") + "]";
  }
  std::string s = spelling;
  if (!s.empty() && s.back() != '*') s += ' ';
  return s + name;
}

const CField* CRecord::field(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

const CField* CRecord::member(const std::string& name, std::string& path) const {
  for (const auto& f : fields) {
    if (f.name == name && !f.anonymous) {
      path = name;
      return &f;
    }
    if (!f.anonymous) continue;
    std::string inner;
    if (const CField* m = f.anonymous->member(name, inner)) {
      path = f.name + "." + inner;
      return m;
    }
  }
  return nullptr;
}

bool CRecord::is_ops_table() const {
  size_t fp = 0, named = 0;
  for (const auto& f : fields) {
    if (f.name.empty() || f.anonymous) continue;
    ++named;
    if (f.type.is_function_pointer()) ++fp;
  }
  return fp > 0 && fp * 2 >= named;
}

template <class T>
static const T* find_in(const EntityMap<T>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

const CFunction* CModel::function(const std::string& n) const { return find_in(functions, n); }

std::string CModel::enumerator_path(const CEnum& e, const std::string& name) const {
  const std::string& n = e.tag.empty() ? e.typedef_name : e.tag;
  if (n.empty()) return "bindings::" + name;
  for (const auto& p : scoped_enum_patterns) {
    try {
      if (std::regex_match(n, std::regex(p))) return "bindings::" + n + "::" + name;
    } catch (const std::regex_error&) {  // a pattern std::regex cannot read: compare literally
      if (p == n) return "bindings::" + n + "::" + name;
    }
  }
  return "bindings::" + n + "_" + name;
}
const CRecord* CModel::record(const std::string& t) const { return find_in(records, t); }
const CMacro* CModel::macro(const std::string& n) const { return find_in(macros, n); }
const CEnum* CModel::enumeration(const std::string& n) const {
  if (auto e = find_in(enums, n)) return e;
  for (const auto& [k, e] : enums)
    if (e.typedef_name == n) return &e;
  return nullptr;
}

std::vector<std::string> CModel::similar_names(const std::string& name) const {
  std::vector<std::pair<size_t, std::string>> scored;
  auto consider = [&](const std::string& cand) {
    size_t d = text::edit_distance(name, cand);
    if (d <= std::max<size_t>(2, name.size() / 4)) scored.emplace_back(d, cand);
  };
  for (const auto& [k, v] : functions) consider(k);
  for (const auto& [k, v] : records) consider(k);
  for (const auto& [k, v] : macros) consider(k);
  for (const auto& [k, v] : enums) consider(k);
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) out.push_back(scored[i].second);
  return out;
}

CModel restrict_to(const CModel& m, const std::vector<std::string>& headers) {
  std::set<std::string> reach;
  std::vector<std::string> todo;
  auto visit = [&](const std::string& f) {
    if (reach.insert(f).second) todo.push_back(f);
  };
  if (auto it = m.includes.find(""); it != m.includes.end())
    for (const auto& f : it->second) visit(f);
  for (const auto& h : headers)
    if (auto it = m.header_files.find(h); it != m.header_files.end()) visit(it->second);
  while (!todo.empty()) {
    std::string f = todo.back();
    todo.pop_back();
    if (auto it = m.includes.find(f); it != m.includes.end())
      for (const auto& g : it->second) visit(g);
  }
  auto in = [&](const Location& l) { return l.file.empty() || reach.count(l.file) > 0; };

  CModel out;
  out.typedefs = m.typedefs;  // no locations; names alone never resolve a spec item
  out.main_headers = headers;
  out.scoped_enum_patterns = m.scoped_enum_patterns;
  out.functions.share_if(m.functions, [&](const CFunction& f) {
    bool seen = in(f.loc);
    for (const auto& o : f.other_files) seen |= reach.count(o) > 0;
    return seen;
  });
  out.records.share_if(m.records, [&](const CRecord& r) { return in(r.loc); });
  out.enums.share_if(m.enums, [&](const CEnum& e) { return in(e.loc); });
  for (const auto& [c, e] : m.enum_of_constant)
    if (out.enums.count(e)) out.enum_of_constant.emplace(c, e);
  out.macros.share_if(m.macros, [&](const CMacro& mac) { return in(mac.loc); });
  for (const auto& u : m.macro_uses)
    if (in(u.loc)) out.macro_uses.push_back(u);
  for (const auto& [f, incs] : m.includes)
    if (f.empty() || reach.count(f)) out.includes.emplace(f, incs);
  for (const auto& h : headers)
    if (auto it = m.header_files.find(h); it != m.header_files.end()) out.header_files.emplace(h, it->second);
  for (const auto& [name, path] : m.input_files)
    if (reach.count(name)) out.input_files.emplace(name, path);
  return out;
}

}  // namespace kgen::model
