#include "infer/all.hpp"

#include <algorithm>
#include <sstream>

#include "infer/infer.hpp"
#include "spec/spec.hpp"
#include "support/diag.hpp"
#include "support/text.hpp"

namespace kgen::infer {

namespace {

// The include name of `file` (linux/phy.h), or "" when no include directory holds it.
std::string include_name(const std::string& file, const std::vector<std::string>& dirs) {
  std::string best;
  for (const auto& d : dirs) {
    std::string dir = text::ends_with(d, "/") ? d : d + "/";
    if (text::starts_with(file, dir) && (best.empty() || file.size() - dir.size() < best.size()))
      best = file.substr(dir.size());
  }
  return best;
}

}  // namespace

AllResult infer_all(const model::CModel& m, const std::vector<std::string>& include_dirs) {
  AllResult r;
  size_t total_callbacks = 0;
  std::map<size_t, size_t> histogram;  // callbacks per struct, bucketed
  for (const auto& [tag, rec] : m.records) {
    if (!rec.complete || !rec.is_ops_table() || tag.empty()) continue;
    std::string header = include_name(rec.loc.file, include_dirs);
    if (header.empty()) {
      r.skipped.push_back({tag, "declared in " + rec.loc.file + ", outside the include directories"});
      continue;
    }
    Options o{header, "struct " + tag, {}};
    Draft d = infer(m, o);
    if (d.ops.empty()) {
      r.skipped.push_back({tag, "no draft: " + text::join(d.notes, "; ")});
      continue;
    }
    AllDraft a;
    a.tag = tag;
    a.header = header;
    a.file = tag + ".yaml";
    a.yaml = render_yaml(d);
    try {
      spec::load_string(a.yaml, "<draft of struct " + tag + ">");
    } catch (const Error& e) {
      std::string first = text::split_lines(e.what()).empty() ? "" : text::split_lines(e.what())[0];
      r.skipped.push_back({tag, "its draft does not load as a spec: " + first});
      continue;
    }
    for (const auto& cb : d.ops[0].callbacks) {
      ++a.callbacks;
      if (!cb.excluded.empty()) {
        ++a.excluded;
        ++r.conventions["excluded"];
        continue;
      }
      ++r.conventions[cb.returns.kind.empty() ? "none" : cb.returns.kind];
      if (cb.returns.kind.empty()) {
        ++a.unguessed;
        ++r.unguessed_why[cb.returns.why];
      }
    }
    total_callbacks += a.callbacks;
    size_t bucket = a.callbacks <= 4 ? a.callbacks : a.callbacks <= 8 ? 8 : a.callbacks <= 16 ? 16 : a.callbacks <= 32 ? 32 : 64;
    ++histogram[bucket];
    r.drafts.push_back(std::move(a));
  }
  std::sort(r.drafts.begin(), r.drafts.end(), [](const AllDraft& a, const AllDraft& b) { return a.tag < b.tag; });

  std::ostringstream s;
  s << "kgen infer --all: " << r.drafts.size() << " ops structs drafted, " << total_callbacks << " callbacks, "
    << r.skipped.size() << " skipped\n";
  s << "\ncallbacks per struct:\n";
  for (const auto& [bucket, n] : histogram) {
    if (bucket <= 4)
      s << "  " << bucket << ": " << n << "\n";
    else if (bucket == 64)
      s << "  33 or more: " << n << "\n";
    else
      s << "  " << (bucket / 2 + 1) << "-" << bucket << ": " << n << "\n";
  }
  s << "\nconventions inferred (callbacks):\n";
  for (const auto& [k, n] : r.conventions) s << "  " << k << ": " << n << "\n";
  s << "\nno convention inferred, why:\n";
  for (const auto& [why, n] : r.unguessed_why) s << "  " << n << " x " << why << "\n";
  std::vector<const AllDraft*> largest;
  for (const auto& a : r.drafts) largest.push_back(&a);
  std::sort(largest.begin(), largest.end(), [](auto* a, auto* b) {
    return a->callbacks != b->callbacks ? a->callbacks > b->callbacks : a->tag < b->tag;
  });
  s << "\nlargest ops structs:\n";
  for (size_t i = 0; i < largest.size() && i < 15; ++i)
    s << "  struct " << largest[i]->tag << " (" << largest[i]->header << "): " << largest[i]->callbacks
      << " callbacks, " << largest[i]->excluded << " drafted as excluded, " << largest[i]->unguessed
      << " without a convention\n";
  if (!r.skipped.empty()) {
    s << "\nskipped:\n";
    for (const auto& [tag, why] : r.skipped) s << "  struct " << tag << ": " << why << "\n";
  }
  r.summary = s.str();
  return r;
}

}  // namespace kgen::infer
