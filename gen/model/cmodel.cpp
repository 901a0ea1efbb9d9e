#include "model/cmodel.hpp"

#include <algorithm>

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

bool CRecord::is_ops_table() const {
  size_t fp = 0, named = 0;
  for (const auto& f : fields) {
    if (f.name.empty()) continue;
    ++named;
    if (f.type.is_function_pointer()) ++fp;
  }
  return fp > 0 && fp * 2 >= named;
}

template <class M>
static auto find_in(const M& m, const std::string& k) -> const typename M::mapped_type* {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

const CFunction* CModel::function(const std::string& n) const { return find_in(functions, n); }
const CRecord* CModel::record(const std::string& t) const { return find_in(records, t); }
const CMacro* CModel::macro(const std::string& n) const { return find_in(macros, n); }
const CEnum* CModel::enumeration(const std::string& n) const {
  if (auto e = find_in(enums, n)) return e;
  for (const auto& [k, e] : enums)
    if (e.typedef_name == n) return &e;
  return nullptr;
}

static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> CModel::similar_names(const std::string& name) const {
  std::vector<std::pair<size_t, std::string>> scored;
  auto consider = [&](const std::string& cand) {
    size_t d = edit_distance(name, cand);
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

}  // namespace kgen::model
